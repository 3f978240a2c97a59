//! Marketing: the segments page (saved segments, the builder with its live count, the RFM grid)
//! and the customer page's segments card.

pub mod builder;
pub mod conditions;
pub mod customer_card;
pub mod rfm_grid;
pub mod segments_page;
