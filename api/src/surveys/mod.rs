//! Surveys (NPS and CSAT), and what customers talk about in their comments (issue 19). The
//! scoring arithmetic is in `shared::surveys`, the distinguishing-terms arithmetic in
//! `shared::terms`; `responses` records answers (which move the stars and close the loop on
//! unhappy ones), `text` turns comments into terms.

pub mod definitions;
pub mod graphql;
pub mod invitations;
pub mod jobs;
pub mod responses;
pub mod scores;
pub mod setup_graphql;
pub mod terms;
pub mod text;
