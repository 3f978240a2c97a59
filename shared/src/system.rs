//! What the server says about itself: `serverInfo` in the GraphQL schema.

use serde::{Deserialize, Serialize};

/// Which database the server runs on.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DatabaseKind {
    /// The embedded SQLite file in the data directory (single machine).
    Sqlite,
    /// PostgreSQL (production, shared by any number of api replicas).
    Postgres,
}

/// How the server was started.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunMode {
    /// Developer conveniences on (GraphiQL on `GET /graphql`).
    Development,
    /// Hardened: developer conveniences off.
    Production,
}

impl RunMode {
    /// The spelling used on the command line and in `STARCRM_MODE`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Production => "production",
        }
    }
}

/// Version, database and mode of the running server.
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// The server's release version (semver).
    pub version: String,
    /// The database this server stores its data in.
    pub database: DatabaseKind,
    /// The mode the server runs in.
    pub mode: RunMode,
}

/// The `data` of the SPA's `ServerInfo` operation (`web/graphql/server_info.graphql`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfoData {
    pub server_info: ServerInfo,
}
