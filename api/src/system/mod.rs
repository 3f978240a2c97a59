//! Facts about the running server, readable without logging in.

mod graphql;

pub use graphql::SystemQuery;
