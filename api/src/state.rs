//! What every request handler shares: the database pool, the GraphQL schema, metrics and settings.

use std::path::PathBuf;
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use starcrm_shared::{DatabaseKind, RunMode, ServerInfo};

use crate::config::Settings;
use crate::db;
use crate::graphql::{self, AppSchema};
use crate::http::metrics::Metrics;

/// Cheap to clone: every field is a handle.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    pub metrics: Arc<Metrics>,
    pub info: Arc<ServerInfo>,
    pub web_dir: Arc<PathBuf>,
}

impl AppState {
    /// Connects to the database the settings select, applies pending migrations and builds the
    /// schema.
    ///
    /// # Errors
    /// Unusable data dir, unreachable database, failed migration; each message names the culprit.
    pub async fn init(settings: &Settings) -> anyhow::Result<Self> {
        let (conn, kind, _) = db::open(settings).await?;
        db::migrate(&conn).await?;
        Ok(Self::new(conn, kind, settings))
    }

    /// State over an already migrated connection.
    pub fn new(db: DatabaseConnection, database: DatabaseKind, settings: &Settings) -> Self {
        let info = ServerInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            database,
            mode: settings.mode.into(),
        };
        let schema = graphql::build_schema(db.clone(), info.clone());
        Self {
            db,
            schema,
            metrics: Arc::new(Metrics::new(&info.version)),
            info: Arc::new(info),
            web_dir: Arc::new(settings.web_dir.clone()),
        }
    }

    pub fn mode(&self) -> RunMode {
        self.info.mode
    }
}
