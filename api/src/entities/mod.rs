//! sea-orm models, one file per table. Plain data: no business rules and no GraphQL derives
//! (features map them to their own API types).

pub mod workspace;
