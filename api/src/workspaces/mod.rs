//! Workspaces (tenants): creating one with its owner (sign-up, command line, demo seed) and
//! reading the caller's.

pub mod graphql;
pub mod service;
