//! The customer data hub: profiles with custom fields, channel identities and identity
//! resolution, transactions and interactions with per-customer aggregates, the timeline,
//! duplicates with merge and unmerge, and privacy erasure.

pub mod aggregates;
pub mod custom_fields;
pub mod graphql;
pub mod identities;
pub mod ingest;
pub mod loaders;
pub mod merge;
pub mod profile;
pub mod query;
pub mod service;
pub mod timeline;
