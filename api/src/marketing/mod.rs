//! Marketing (issue 21, ARCHITECTURE.md section 12): segments over the customers filter language
//! kept current from the change feed, with reasons for every entry and exit, and RFM scoring;
//! star-targeted campaigns with a holdout, sent through the outbox within consent and the contact
//! budget, and their report (attribution, ROI, lift).

pub mod audience;
pub mod campaigns;
pub mod campaigns_graphql;
pub mod graphql;
pub mod membership;
pub mod presets;
pub mod report;
pub mod rfm;
pub mod segments;
pub mod sending;
