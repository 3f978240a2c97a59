//! The GraphQL schema: one merged root of the per-feature query and mutation objects, the limits
//! that protect it, and the HTTP handler that runs it.

mod handler;
pub mod idempotency;
pub mod limits;
pub mod pagination;
mod schema;

pub use handler::{graphql, graphql_get};
pub use schema::{AppSchema, Mutation, Query, build_schema, schema_builder, sdl};
