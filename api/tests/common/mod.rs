//! Test fixture for the api's integration tests: the real router served over HTTP on a free port,
//! on a fresh database (SQLite, or PostgreSQL when `STARCRM_TEST_POSTGRES_URL` is set).

#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;
use std::time::Duration;

use starcrm_api::config::{Mode, Settings};
use starcrm_api::{AppState, db, http, server};
use starcrm_e2e::db::Engine;
use starcrm_e2e::{GraphqlClient, TestDb};
use starcrm_shared::DatabaseKind;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct TestApp {
    pub base_url: String,
    pub state: AppState,
    pub db: TestDb,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    _data_dir: tempfile::TempDir,
}

/// Knobs a test may turn before the app starts.
#[derive(Default)]
pub struct Options {
    pub mode: Option<Mode>,
    pub web_dir: Option<PathBuf>,
    /// How long a shutdown waits for in-flight requests (default 10 s).
    pub shutdown_grace: Option<Duration>,
}

impl TestApp {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> anyhow::Result<Self> {
        let db = TestDb::new().await?;
        let data_dir = tempfile::Builder::new().prefix("starcrm-api-test-").tempdir()?;
        let mut settings = Settings::from_env()?;
        settings.data_dir = data_dir.path().to_path_buf();
        settings.database_url = Some(db.url().to_owned());
        settings.mode = options.mode.unwrap_or(Mode::Production);
        settings.web_dir = options.web_dir.unwrap_or_else(|| data_dir.path().join("no-web-app"));

        let conn = db::connect(db.url(), 4).await?;
        db::migrate(&conn).await?;
        let kind = match db.engine() {
            Engine::Sqlite => DatabaseKind::Sqlite,
            Engine::Postgres => DatabaseKind::Postgres,
        };
        let state = AppState::new(conn, kind, &settings);

        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let app = http::router(state.clone());
        let server = tokio::spawn(server::serve(
            listener,
            app,
            async move {
                let _ = shutdown_rx.await;
            },
            options.shutdown_grace.unwrap_or(Duration::from_secs(10)),
        ));
        Ok(Self {
            base_url,
            state,
            db,
            http: reqwest::Client::new(),
            shutdown: Some(shutdown_tx),
            server: Some(server),
            _data_dir: data_dir,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn graphql(&self) -> GraphqlClient {
        GraphqlClient::new(&self.base_url)
    }

    /// Posts `body` as-is to `/graphql` with a JSON content type (for malformed-request tests).
    pub async fn post_graphql_raw(
        &self,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Result<reqwest::Response> {
        self.http
            .post(self.url("/graphql"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
    }

    /// Starts a graceful shutdown, as SIGTERM would; returns the server task to await.
    pub fn begin_shutdown(&mut self) -> JoinHandle<anyhow::Result<()>> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.server.take().unwrap_or_else(|| tokio::spawn(async { Ok(()) }))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
