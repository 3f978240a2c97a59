//! Test fixture for the api's integration tests: the real router served over HTTP on a free port,
//! on a fresh database (SQLite, or PostgreSQL when `STARCRM_TEST_POSTGRES_URL` is set).

#![allow(dead_code)] // each test binary uses a different subset

pub mod python;

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
    server: ServerTask,
    _data_dir: tempfile::TempDir,
}

/// Knobs a test may turn before the app starts.
#[derive(Default)]
pub struct Options {
    pub mode: Option<Mode>,
    pub web_dir: Option<PathBuf>,
    /// How long a shutdown waits for in-flight requests (default 10 s).
    pub shutdown_grace: Option<Duration>,
    /// Any other setting.
    pub configure: Option<fn(&mut Settings)>,
}

/// What outlives a stopped app: its database and data dir (with the embedded search index), to
/// start another app on.
pub struct Stopped {
    pub db: TestDb,
    pub data_dir: tempfile::TempDir,
}

/// A password that passes the rules.
pub const PASSWORD: &str = "correct horse battery staple";

/// A staff account a test signed up or created.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub password: String,
    pub workspace_id: String,
}

/// Tokens of a signed-in account.
#[derive(Clone, Debug)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> anyhow::Result<Self> {
        let db = TestDb::new().await?;
        let data_dir = tempfile::Builder::new().prefix("starcrm-api-test-").tempdir()?;
        Self::start_on(Stopped { db, data_dir }, options).await
    }

    /// Starts an app on the database and data dir of one that was stopped.
    pub async fn start_on(stopped: Stopped, options: Options) -> anyhow::Result<Self> {
        let Stopped { db, data_dir } = stopped;
        let mut settings = Settings::from_env()?;
        settings.data_dir = data_dir.path().to_path_buf();
        // The embedded index unless a test asks for Meilisearch (`configure`): tests share no index.
        settings.meili_url = None;
        settings.database_url = Some(db.url().to_owned());
        settings.mode = options.mode.unwrap_or(Mode::Production);
        settings.web_dir = options.web_dir.unwrap_or_else(|| data_dir.path().join("no-web-app"));
        if let Some(configure) = options.configure {
            configure(&mut settings);
        }

        let conn = db::connect(db.url(), 4).await?;
        db::migrate(&conn).await?;
        let kind = match db.engine() {
            Engine::Sqlite => DatabaseKind::Sqlite,
            Engine::Postgres => DatabaseKind::Postgres,
        };
        let state = AppState::new(conn, kind, &settings).await?;

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
            server: ServerTask(Some(server)),
            _data_dir: data_dir,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn graphql(&self) -> GraphqlClient {
        GraphqlClient::new(&self.base_url)
    }

    /// A client acting with `token` (an access token or an API token).
    pub fn as_token(&self, token: &str) -> GraphqlClient {
        self.graphql().bearer(token)
    }

    /// A new workspace and its owner, made the way `starcrm create-workspace` makes them.
    pub async fn workspace(&self, name: &str) -> anyhow::Result<Account> {
        let email = format!("owner-{}@test.example", uuid::Uuid::now_v7().simple());
        let new = starcrm_api::workspaces::service::NewWorkspace {
            name: name.to_owned(),
            timezone: None,
            currency: None,
            owner_email: email.clone(),
            owner_name: format!("{name} Owner"),
            owner_password: PASSWORD.to_owned(),
        };
        let (workspace, owner) = starcrm_api::workspaces::service::create(
            &self.state.db,
            &starcrm_api::auth::RequestMeta::default(),
            new,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        Ok(Account {
            id: owner.id.to_string(),
            email,
            password: PASSWORD.to_owned(),
            workspace_id: workspace.id.to_string(),
        })
    }

    /// Signs in through the API (mobile flow: the refresh token comes back in the body).
    pub async fn sign_in(&self, account: &Account) -> anyhow::Result<Session> {
        let response = self
            .graphql()
            .execute(
                "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }",
                serde_json::json!({ "input": { "email": account.email, "password": account.password, "returnRefreshToken": true } }),
            )
            .await?;
        let login = &response.data()["login"];
        Ok(Session {
            access_token: login["accessToken"].as_str().unwrap_or_default().to_owned(),
            refresh_token: login["refreshToken"].as_str().unwrap_or_default().to_owned(),
        })
    }

    /// An access token for `account`.
    pub async fn token(&self, account: &Account) -> anyhow::Result<String> {
        Ok(self.sign_in(account).await?.access_token)
    }

    /// Creates an account with `role` (`AGENT`, ...) through the API as `admin_token`, and sets
    /// the known test password by signing in with the temporary one and changing it.
    pub async fn add_user(&self, admin_token: &str, role: &str) -> anyhow::Result<Account> {
        let email = format!("{}-{}@test.example", role.to_lowercase(), uuid::Uuid::now_v7().simple());
        let created = self
            .as_token(admin_token)
            .execute(
                "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } temporaryPassword } }",
                serde_json::json!({ "input": { "email": email, "name": format!("Test {role}"), "role": role } }),
            )
            .await?;
        let payload = &created.data()["createUser"];
        let temporary = payload["temporaryPassword"].as_str().unwrap_or_default().to_owned();
        let id = payload["user"]["id"].as_str().unwrap_or_default().to_owned();
        let mut account = Account { id, email, password: temporary.clone(), workspace_id: String::new() };
        let token = self.token(&account).await?;
        self.as_token(&token)
            .execute(
                "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }",
                serde_json::json!({ "input": { "currentPassword": temporary, "newPassword": PASSWORD } }),
            )
            .await?
            .data();
        PASSWORD.clone_into(&mut account.password);
        Ok(account)
    }

    /// Uploads `bytes` as a CSV file to import; the import's id.
    pub async fn upload_import(&self, token: &str, name: &str, bytes: Vec<u8>) -> anyhow::Result<String> {
        let response = self
            .http
            .post(self.url(&format!("/api/imports?fileName={name}")))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(bytes)
            .send()
            .await?;
        let status = response.status();
        let body: serde_json::Value = response.json().await?;
        anyhow::ensure!(status == reqwest::StatusCode::CREATED, "upload refused: {status} {body}");
        Ok(body["id"].as_str().unwrap_or_default().to_owned())
    }

    /// Imports a purchases CSV file (channel store) and runs the import to its end.
    pub async fn import_purchases(&self, token: &str, csv: &str) -> anyhow::Result<()> {
        let id = self.upload_import(token, "orders.csv", csv.as_bytes().to_vec()).await?;
        self.as_token(token)
            .execute(
                "mutation($input: ImportSettingsInput!) { startImport(input: $input) { id } }",
                serde_json::json!({ "input": { "importId": id, "channel": "STORE" } }),
            )
            .await?
            .data();
        self.state
            .imports
            .run_once(&self.state.db, &starcrm_api::imports::run::RunOptions::default())
            .await?;
        Ok(())
    }

    /// A new customer named `name`; returns its id.
    pub async fn customer(&self, token: &str, name: &str) -> anyhow::Result<String> {
        let made = self
            .as_token(token)
            .execute(
                "mutation($name: String!) { createCustomer(input: { name: $name }) { id } }",
                serde_json::json!({ "name": name }),
            )
            .await?;
        Ok(made.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned())
    }

    /// Sets a customer's stars by hand (a key account).
    /// Opens an inquiry for `customer` on `channel` and gives it to `assignee`; the ticket's id.
    pub async fn assigned_ticket(
        &self,
        token: &str,
        customer: &str,
        (channel, subject): (&str, &str),
        assignee: &str,
    ) -> anyhow::Result<serde_json::Value> {
        let opened = self
            .as_token(token)
            .execute(
                &format!(
                    "mutation($c: ID!, $s: String!) {{ openTicket(input: {{ customer: {{ id: $c }}, kind: INQUIRY, \
                     channel: {channel}, subject: $s }}) {{ ticket {{ id }} }} }}"
                ),
                serde_json::json!({ "c": customer, "s": subject }),
            )
            .await?;
        let ticket = opened.data()["openTicket"]["ticket"]["id"].clone();
        self.as_token(token)
            .execute(
                "mutation($t: ID!, $a: ID) { assignTicket(id: $t, assigneeId: $a) { id } }",
                serde_json::json!({ "t": ticket, "a": assignee }),
            )
            .await?
            .data();
        Ok(ticket)
    }

    pub async fn override_stars(&self, token: &str, id: &str, stars: i32) -> anyhow::Result<()> {
        self.as_token(token)
            .execute(
                "mutation($input: OverrideStarsInput!) { overrideCustomerStars(input: $input) { stars } }",
                serde_json::json!({ "input": { "customerId": id, "stars": stars, "reason": "key account" } }),
            )
            .await?
            .data();
        Ok(())
    }

    /// A new API token with `scopes`, made by `creator_token`; returns its secret.
    pub async fn api_token(&self, creator_token: &str, scopes: &[&str]) -> anyhow::Result<String> {
        let response = self
            .as_token(creator_token)
            .execute(
                "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }",
                serde_json::json!({ "input": { "name": "test integration", "scopes": scopes } }),
            )
            .await?;
        Ok(response.data()["createApiToken"]["secret"].as_str().unwrap_or_default().to_owned())
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

    /// Shuts the server down and closes the search index (as when the process stops), keeping
    /// the database and data dir for [`TestApp::start_on`].
    pub async fn stop(mut self) -> anyhow::Result<Stopped> {
        self.begin_shutdown().await??;
        self.state.search.stop();
        // The worker lets go of the index at its next turn; the state and its two schemas hold
        // the other references.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::sync::Arc::strong_count(&self.state.search) > 3 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let TestApp { db, _data_dir: data_dir, .. } = self;
        Ok(Stopped { db, data_dir })
    }

    /// Starts a graceful shutdown, as SIGTERM would; returns the server task to await.
    pub fn begin_shutdown(&mut self) -> JoinHandle<anyhow::Result<()>> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.server.0.take().unwrap_or_else(|| tokio::spawn(async { Ok(()) }))
    }
}

/// The server task, aborted when the app is dropped without a shutdown.
struct ServerTask(Option<JoinHandle<anyhow::Result<()>>>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        if let Some(server) = self.0.take() {
            server.abort();
        }
    }
}

/// An RFC 3339 time in a response (the epoch when it is not one).
pub fn time_of(value: &serde_json::Value) -> chrono::DateTime<chrono::Utc> {
    value
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}
