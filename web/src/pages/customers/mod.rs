//! Customers: the list (search, lifecycle filter, sort, pages). Profiles, forms, the timeline
//! and merging follow.

mod customers_page;

pub use customers_page::CustomersPage;
