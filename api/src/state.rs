//! What every request handler shares: the database pool, the GraphQL schemas, auth keys and
//! limits, metrics and settings.

use std::path::PathBuf;
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use starcrm_shared::{DatabaseKind, RunMode, ServerInfo};

use crate::auth::Auth;
use crate::config::Settings;
use crate::db;
use crate::graphql::{self, AppSchema};
use crate::http::metrics::Metrics;
use crate::imports::Imports;
use crate::search::{self, sync::Search};
use crate::webhooks::Webhooks;

/// Cheap to clone: every field is a handle.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    /// The same schema without field suggestions, for callers other than signed-in staff in
    /// production mode.
    pub hardened_schema: AppSchema,
    pub auth: Arc<Auth>,
    pub metrics: Arc<Metrics>,
    pub info: Arc<ServerInfo>,
    pub settings: Arc<Settings>,
    pub web_dir: Arc<PathBuf>,
    pub search: Arc<Search>,
    /// Webhook deliveries; `starcrm serve` runs their worker.
    pub webhooks: Arc<Webhooks>,
    /// Import phases; `starcrm serve` runs their worker.
    pub imports: Arc<Imports>,
}

impl AppState {
    /// Connects to the database the settings select, applies pending migrations, loads the
    /// signing key and builds the schemas.
    ///
    /// # Errors
    /// Unusable data dir, unreachable database, failed migration; each message names the culprit.
    pub async fn init(settings: &Settings) -> anyhow::Result<Self> {
        let (conn, kind, _) = db::open(settings).await?;
        db::migrate(&conn).await?;
        Self::new(conn, kind, settings).await
    }

    /// State over an already migrated connection. Opens the search index and starts its sync
    /// worker on the current runtime.
    ///
    /// # Errors
    /// The signing key cannot be loaded or created; the search index cannot be opened.
    pub async fn new(
        db: DatabaseConnection,
        database: DatabaseKind,
        settings: &Settings,
    ) -> anyhow::Result<Self> {
        let search = Search::new(search::open(settings).await?);
        search.spawn_worker(db.clone());
        Self::with_search(db, database, settings, search).await
    }

    /// State over a migrated connection and a search service whose worker the caller runs (or
    /// not: a benchmark that only reads).
    ///
    /// # Errors
    /// The signing key cannot be loaded or created.
    pub async fn with_search(
        db: DatabaseConnection,
        database: DatabaseKind,
        settings: &Settings,
        search: Arc<Search>,
    ) -> anyhow::Result<Self> {
        let info = ServerInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            database,
            mode: settings.mode.into(),
        };
        let auth = Auth::init(&db, settings).await?;
        let webhooks = Webhooks::new(settings.webhooks_allow_private)?;
        let build = |hardened| {
            graphql::build_schema(
                db.clone(),
                info.clone(),
                Arc::clone(&auth),
                Arc::clone(&search),
                Arc::clone(&webhooks),
                hardened,
            )
        };
        Ok(Self {
            schema: build(false),
            hardened_schema: build(true),
            db,
            auth,
            metrics: Arc::new(Metrics::new(&info.version)),
            info: Arc::new(info),
            settings: Arc::new(settings.clone()),
            web_dir: Arc::new(settings.web_dir.clone()),
            search,
            webhooks,
            imports: Imports::new(&settings.data_dir),
        })
    }

    pub fn mode(&self) -> RunMode {
        self.info.mode
    }
}
