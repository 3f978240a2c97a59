//! The GraphQL schema: one merged root of the per-feature query, mutation and subscription
//! objects, the limits that protect it, the HTTP handler that runs it and the WebSocket that
//! serves subscriptions.

mod handler;
pub mod idempotency;
pub mod limits;
pub mod pagination;
mod schema;
mod ws;

pub use handler::{graphql, graphql_get};
pub(crate) use handler::{reject, reject_error};
pub use schema::{AppSchema, Mutation, Query, build_schema, schema_builder, sdl};
pub use ws::graphql_ws;
