//! The real `starcrm` binary, started for one test.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use crate::build;
use crate::db::{Engine, TestDb};
use crate::graphql::GraphqlClient;

/// How a test wants the server started.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// `development` or `production`.
    pub mode: &'static str,
    /// Serve the built SPA (building it first if needed).
    pub web: bool,
    /// Run `starcrm seed` first: the demo workspace with one account per role.
    pub seed: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self { mode: "production", web: false, seed: false }
    }
}

/// The demo accounts `starcrm seed` creates (`api/src/seed/mod.rs`), by role.
pub const DEMO_PASSWORD: &str = "Star-Demo-2026";

pub fn demo_email(role: &str) -> String {
    format!("{role}@demo.starcrm.local")
}

/// A running `starcrm serve` on a free port, with a temporary data dir and a fresh database.
/// Killed when dropped; [`Server::stop`] stops it the way an orchestrator would (SIGTERM).
pub struct Server {
    child: Child,
    base_url: String,
    output: Arc<Mutex<Vec<String>>>,
    _data_dir: TempDir,
    /// PostgreSQL runs: the test's own database. SQLite runs use the data dir's default file.
    db: Option<TestDb>,
}

impl Server {
    /// Starts the API only (no SPA), in production mode.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(ServerOptions::default()).await
    }

    pub async fn start_with(options: ServerOptions) -> anyhow::Result<Self> {
        Self::start_with_env(options, &[]).await
    }

    /// Starts with `options` and these environment variables set for both `seed` and `serve`.
    pub async fn start_with_env(options: ServerOptions, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let binary = build::starcrm_binary()?;
        let web_dir =
            if options.web { build::web_dist()? } else { PathBuf::from("/nonexistent/starcrm-web") };
        let db = match Engine::current() {
            Engine::Postgres => Some(TestDb::new().await?),
            Engine::Sqlite => None,
        };
        let data_dir = tempfile::Builder::new().prefix("starcrm-e2e-").tempdir()?;

        if options.seed {
            let mut seed = starcrm_command(&binary);
            seed.arg("seed").arg("--data-dir").arg(data_dir.path()).envs(env.iter().copied());
            if let Some(db) = &db {
                seed.env("DATABASE_URL", db.url());
            }
            let output = seed.output().await.context("cannot run starcrm seed")?;
            if !output.status.success() {
                bail!("starcrm seed failed: {}", String::from_utf8_lossy(&output.stderr));
            }
        }

        let (child, base_url, output) =
            serve(&binary, options.mode, data_dir.path(), &web_dir, db.as_ref().map(TestDb::url), env)
                .await?;
        Ok(Self { child, base_url, output, _data_dir: data_dir, db })
    }

    /// A second server process on this one's PostgreSQL database (its own data dir and port),
    /// as a second replica behind a load balancer would run. PostgreSQL runs only.
    pub async fn start_beside(&self, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let Some(db) = &self.db else { bail!("a second process needs a PostgreSQL run") };
        let binary = build::starcrm_binary()?;
        let data_dir = tempfile::Builder::new().prefix("starcrm-e2e-").tempdir()?;
        let web_dir = PathBuf::from("/nonexistent/starcrm-web");
        let (child, base_url, output) =
            serve(&binary, "production", data_dir.path(), &web_dir, Some(db.url()), env).await?;
        Ok(Self { child, base_url, output, _data_dir: data_dir, db: None })
    }
}

/// Starts `starcrm serve` and waits for the address it listens on.
async fn serve(
    binary: &std::path::Path,
    mode: &str,
    data_dir: &std::path::Path,
    web_dir: &std::path::Path,
    database_url: Option<&str>,
    env: &[(&str, &str)],
) -> anyhow::Result<(Child, String, Arc<Mutex<Vec<String>>>)> {
    let mut command = starcrm_command(binary);
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--shutdown-timeout", "10"])
        .args(["--mode", mode])
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--web-dir")
        .arg(web_dir)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // SQLite runs exercise the default a user gets (a file in the data dir); PostgreSQL runs
    // point DATABASE_URL at the test's own database.
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    let mut child = command.spawn().with_context(|| format!("cannot start {}", binary.display()))?;

    let output = Arc::new(Mutex::new(Vec::new()));
    let (url_tx, url_rx) = tokio::sync::oneshot::channel();
    let stdout = child.stdout.take().context("no stdout")?;
    let stderr = child.stderr.take().context("no stderr")?;
    tokio::spawn(collect(stdout, Arc::clone(&output), Some(url_tx)));
    tokio::spawn(collect(stderr, Arc::clone(&output), None));

    let Ok(Ok(base_url)) = tokio::time::timeout(Duration::from_secs(60), url_rx).await else {
        let _ = child.start_kill();
        let log = output.lock().map(|lines| lines.join("\n")).unwrap_or_default();
        bail!("starcrm did not start listening within 60 s; its output:\n{log}");
    };
    Ok((child, base_url, output))
}

impl Server {
    /// An access token of the seeded demo account of `role` (`owner`, `agent`...), signed in
    /// over the API.
    pub async fn demo_token(&self, role: &str) -> anyhow::Result<String> {
        let login = self
            .graphql()
            .execute(
                "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
                serde_json::json!({ "input": { "email": demo_email(role), "password": DEMO_PASSWORD } }),
            )
            .await?;
        let token = login.data()["login"]["accessToken"].as_str().unwrap_or_default().to_owned();
        anyhow::ensure!(!token.is_empty(), "cannot sign in as the demo {role}: {}", login.body);
        Ok(token)
    }

    /// A GraphQL client acting as the seeded demo account of `role`.
    pub async fn demo_api(&self, role: &str) -> anyhow::Result<GraphqlClient> {
        Ok(self.graphql().bearer(&self.demo_token(role).await?))
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn graphql(&self) -> GraphqlClient {
        GraphqlClient::new(&self.base_url)
    }

    /// Everything the server printed so far (JSON log lines and stderr).
    pub fn output(&self) -> String {
        self.output.lock().map(|lines| lines.join("\n")).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub async fn stop(self) -> anyhow::Result<ExitStatus> {
        self.stop_with_output().await.map(|(status, _)| status)
    }

    /// [`Server::stop`], then everything the server printed.
    pub async fn stop_with_output(mut self) -> anyhow::Result<(ExitStatus, String)> {
        let pid = self.child.id().context("server already exited")?;
        let status = std::process::Command::new("kill").args(["-s", "TERM", &pid.to_string()]).status()?;
        if !status.success() {
            bail!("kill -s TERM {pid} failed");
        }
        let exit = tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .context("server did not exit within 20 s of SIGTERM")??;
        // The readers end when the pipes close; give them a moment to store the last lines.
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok((exit, self.output()))
    }
}

/// A `starcrm` command with none of the caller's StarCRM settings leaking in.
pub fn starcrm_command(binary: &std::path::Path) -> Command {
    let mut command = Command::new(binary);
    for (key, _) in std::env::vars() {
        if key.starts_with("STARCRM_")
            || matches!(key.as_str(), "DATABASE_URL" | "MEILI_URL" | "MEILI_KEY" | "MEILI_INDEX")
        {
            command.env_remove(key);
        }
    }
    command
}

/// Copies a child's output into `sink`; on stdout, reports the URL from the "listening" line.
async fn collect(
    stream: impl AsyncRead + Unpin,
    sink: Arc<Mutex<Vec<String>>>,
    mut url_tx: Option<tokio::sync::oneshot::Sender<String>>,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if url_tx.is_some()
            && let Some(url) = listening_url(&line)
            && let Some(tx) = url_tx.take()
        {
            let _ = tx.send(url);
        }
        if let Ok(mut sink) = sink.lock() {
            sink.push(line);
        }
    }
}

fn listening_url(line: &str) -> Option<String> {
    let event: serde_json::Value = serde_json::from_str(line).ok()?;
    (event["message"] == "StarCRM is listening").then(|| event["url"].as_str().map(str::to_owned))?
}
