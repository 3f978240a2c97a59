//! Marketing (issue 21, ARCHITECTURE.md section 12): segments over the customers filter language
//! kept current from the change feed, with reasons for every entry and exit, and RFM scoring.

pub mod graphql;
pub mod membership;
pub mod rfm;
pub mod segments;
