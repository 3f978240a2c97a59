//! One module per page (or per feature with several pages).

pub mod dashboard;
pub mod not_found_page;
