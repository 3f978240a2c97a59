//! Surveys (NPS and CSAT), and what customers talk about in their comments. The scoring
//! arithmetic is in `shared::surveys`, the distinguishing-terms arithmetic in `shared::terms`;
//! this module turns texts into terms.

pub mod text;
