//! The audit log: an append-only record of who did what, when and from where. Services write an
//! entry in the same transaction as the change it describes; admins read it with filters.

pub mod graphql;
pub mod service;

pub use service::{Entry, record};
