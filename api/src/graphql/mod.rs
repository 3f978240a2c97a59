//! The GraphQL schema: one merged root of the per-feature query and mutation objects, the limits
//! that protect it, and the HTTP handler that runs it.

mod handler;
pub mod limits;
mod schema;

pub use handler::{graphiql, graphql};
pub use schema::{AppSchema, Query, build_schema, schema_builder, sdl};
