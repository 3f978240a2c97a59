//! API tokens for integrators (shops, POS, ERP, call centres): scoped, optionally expiring,
//! revocable, stored hashed, shown once.

pub mod graphql;
pub mod service;
