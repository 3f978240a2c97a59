use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;
use starcrm_shared::ServerInfo;

use super::limits;
use crate::system::SystemQuery;

/// Everything a client can read.
#[derive(MergedObject, Default)]
pub struct Query(SystemQuery);

pub type AppSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// The schema's shape and limits, without runtime data (enough for the SDL).
pub fn schema_builder() -> SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .limit_depth(limits::MAX_DEPTH)
        .limit_complexity(limits::MAX_COMPLEXITY)
}

/// The schema the server executes, with the data resolvers read from the context.
pub fn build_schema(db: DatabaseConnection, info: ServerInfo) -> AppSchema {
    schema_builder().data(db).data(info).finish()
}

/// The schema in SDL, as checked in at `api/schema.graphql`.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}
