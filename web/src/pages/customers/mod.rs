//! Customers: the list (search, filters, sort, chosen columns, pages), a customer's page
//! (profile, identities, consent, custom fields, history), the edit form, recording purchases and
//! interactions, duplicates and merging, the bin.

mod customer_form;
mod customer_page;
mod customers_page;
mod duplicates;
mod history;
mod import_page;
pub(crate) mod insight_card;
pub(crate) mod points;
mod rating;
mod survey_answers;

pub use customer_page::CustomerPage;
pub use customers_page::{CustomersPage, customers_href};
pub use import_page::ImportPage;

/// `★★★☆☆` for 3 stars, `—` before the first rating.
pub(crate) fn star_text(stars: Option<i16>) -> String {
    stars.map_or_else(
        || "—".to_owned(),
        |n| {
            let n = usize::try_from(n.clamp(0, 5)).unwrap_or(0);
            format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
        },
    )
}
