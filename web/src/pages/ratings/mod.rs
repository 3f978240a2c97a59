//! The star engine in the SPA: the ratings page (active policy, draft editor with a live
//! preview scored in the browser, simulation over everyone, activation, re-rating progress) and
//! the tier benefits settings.

mod benefits_page;
mod ratings_page;

pub use benefits_page::BenefitsPage;
pub use ratings_page::RatingsPage;
