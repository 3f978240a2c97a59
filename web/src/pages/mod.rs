//! One module per page (or per feature with several pages).

pub mod customers;
pub mod dashboard;
pub mod feedback;
pub mod insight;
pub mod login_page;
pub mod marketing;
pub mod member_page;
pub mod not_found_page;
pub mod points;
pub mod ratings;
pub mod search_page;
pub mod service;
pub mod settings;
pub mod survey_page;
pub mod unsubscribe_page;
