//! Staff accounts of a workspace: list, create, change role, deactivate and reactivate, change
//! one's own password. Nobody acts above their role or changes their own role.

pub mod graphql;
pub mod service;
