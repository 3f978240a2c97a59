//! Settings of the `starcrm` binary: command-line flags with `STARCRM_*` environment variables
//! (plus the conventional `DATABASE_URL`). `starcrm --help` prints every one of them.

// The doc comments below are the `--help` text users read, so they are prose, not rustdoc.
#![allow(clippy::doc_markdown)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use starcrm_shared::RunMode;

/// StarCRM: star-rated customer management (星级客户管理平台).
///
/// Without a sub-command, `starcrm` runs the server (`starcrm serve`). Every setting can be given
/// as a flag or as the environment variable shown in brackets; flags win.
#[derive(Debug, Parser)]
#[command(name = "starcrm", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What `starcrm` should do.
/// The benchmarks of `starcrm bench`.
#[derive(Debug, Clone, Subcommand)]
pub enum Bench {
    /// The customers page (50 rows, a filter, a sort) through the API over HTTP vs the bare SQL
    /// of the same page through the same pool, at each concurrency: p50/p95/p99 and the ratio.
    List {
        /// Workspace by id or exact name (default: the demo workspace).
        #[arg(long, value_name = "ID_OR_NAME")]
        workspace: Option<String>,
        /// Timed requests per side and concurrency level.
        #[arg(long, default_value_t = 400)]
        requests: usize,
        /// Concurrent clients, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,32")]
        concurrency: Vec<usize>,
    },
    /// Customer search: builds a fresh embedded index of the workspace from the database (docs/s),
    /// then runs queries staff type (part of a Chinese name, pinyin, initials, the last 4 digits
    /// of a phone, a full phone, an email, an English name with a typo, a code) through the API
    /// over HTTP and directly against the index: p50/p95 and API p95 / index p95.
    Search {
        /// Workspace by id or exact name (default: the demo workspace).
        #[arg(long, value_name = "ID_OR_NAME")]
        workspace: Option<String>,
        /// Timed queries per side and concurrency level.
        #[arg(long, default_value_t = 1000)]
        requests: usize,
        /// Concurrent clients, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,8")]
        concurrency: Vec<usize>,
    },
    /// Writes: createCustomer and recordTransaction through the API over HTTP vs the bare inserts
    /// of the same rows through the same pool, at each concurrency: p50/p95/p99, writes/s and the
    /// ratio. Works in a new workspace of its own: run it on a scratch data dir or database.
    Ingest {
        /// Timed writes per side and concurrency level.
        #[arg(long, default_value_t = 800)]
        requests: usize,
        /// Concurrent clients, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,8")]
        concurrency: Vec<usize>,
    },
    /// Points: recordTransaction over HTTP into a workspace with points on vs one with points off
    /// (p95 ratio, target <= 1.2), then the expiry pass over `--lots` expired lots vs the bare
    /// scan of them. Works in new workspaces of its own: run it on a scratch data dir or database.
    Points {
        /// Timed purchases per side and concurrency level.
        #[arg(long, default_value_t = 800)]
        requests: usize,
        /// Concurrent clients, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,8")]
        concurrency: Vec<usize>,
        /// Expired lots to write off (0: skip the expiry part).
        #[arg(long, default_value_t = 1_000_000)]
        lots: usize,
    },
    /// Imports: a generated member list through the import job vs the bare load of the same rows
    /// (`COPY` on PostgreSQL, multi-row `INSERT` on SQLite) in the same run: rows/s, the ratio and
    /// peak RSS. Works in new workspaces of its own: run it on a scratch data dir or database.
    Import {
        /// Rows in the file.
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// What the file holds: `customers` (a member list) or `transactions` (order lines, two
        /// per order, five orders per customer).
        #[arg(long, default_value = "customers")]
        kind: String,
    },
    /// The service desk at volume: seeds `--tickets N` tickets in a workspace of its own, then
    /// the "mine" and "breaching soon" queue pages through the API over HTTP vs their bare SQL
    /// (p50/p95/p99 and the ratio), and the breach pass vs a bare scan of the open tickets.
    /// Run it on a scratch data dir or database.
    Tickets {
        /// Tickets to seed.
        #[arg(long, default_value_t = 1_000_000)]
        tickets: usize,
        /// Timed requests per side and queue.
        #[arg(long, default_value_t = 400)]
        requests: usize,
    },
    /// Survey results at volume: seeds `--responses N` NPS answers (one in ten with a comment)
    /// in a workspace of its own, then NPS by star level and by month, and the term analysis
    /// over the newest 100 000 comments, each against the bare SQL they read (median wall time
    /// and the ratio). Run it on a scratch data dir or database.
    Surveys {
        /// Answers to seed.
        #[arg(long, default_value_t = 1_000_000)]
        responses: usize,
        /// Timed runs per measurement (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Segments and RFM at volume: generates `--customers N` customers with purchases in a
    /// workspace of its own, then materialising a 3-condition segment through the service vs the
    /// bare `INSERT ... SELECT`, RFM scoring vs the bare window query, and `--changes` star changes
    /// applied to a live segment (median of `--runs`). Run it on a scratch data dir or database.
    Segments {
        /// Customers to generate (two purchases each on average).
        #[arg(long, default_value_t = 1_000_000)]
        customers: u64,
        /// Timed runs per measurement (the median is reported).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Star changes to apply to a live segment (0: skip).
        #[arg(long, default_value_t = 10_000)]
        changes: usize,
    },
    /// The purchase-behaviour models at volume: generates `--customers N` customers with about
    /// `--purchases K` purchases each in a workspace of its own, then the insight pass (read, fit,
    /// score, write, stages) vs the bare summary SQL (median of `--runs`), recommendations and
    /// the dashboards. Run it on a scratch data dir or database.
    Insight {
        #[arg(long, default_value_t = 1_000_000)]
        customers: u64,
        /// Purchases per customer on average.
        #[arg(long, default_value_t = 10)]
        purchases: u64,
        /// Timed runs per measurement (the median is reported).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Measure this existing workspace (id or exact name; e.g. one `starcrm seed --customers
        /// 1000000` filled) instead of generating one: `--customers` and `--purchases` are then
        /// not used. Its insight rows, lifecycle stages and recommendations are rewritten.
        #[arg(long, value_name = "ID_OR_NAME")]
        workspace: Option<String>,
    },
    /// The star engine: a full re-evaluation of the workspace vs the bare aggregate SQL it reads
    /// (wall time, twice: the first run writes what changed, the second finds little to write);
    /// and recording a purchase over HTTP with real-time re-rating vs without (p95).
    Rerate {
        /// Workspace by id or exact name (default: the demo workspace).
        #[arg(long, value_name = "ID_OR_NAME")]
        workspace: Option<String>,
        /// Timed purchases per side of the real-time comparison.
        #[arg(long, default_value_t = 400)]
        requests: usize,
        /// Measure one half only: the whole-workspace runs or the real-time path.
        #[arg(long, value_enum)]
        only: Option<RerateBench>,
    },
}

/// The halves of `starcrm bench rerate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RerateBench {
    /// Full re-evaluations vs the bare aggregate SQL.
    Runs,
    /// Recording a purchase with real-time re-rating vs without.
    Realtime,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the server: GraphQL API, web app, health and metrics on one port (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a workspace and its first user (the owner), and print how to sign in.
    CreateWorkspace {
        /// The business's name.
        #[arg(long)]
        name: String,
        /// The owner's email (their login).
        #[arg(long, value_name = "EMAIL")]
        owner_email: String,
        /// The owner's name.
        #[arg(long, value_name = "NAME")]
        owner_name: String,
        /// The owner's password; read from STARCRM_OWNER_PASSWORD when not given here, generated
        /// (and printed) when neither is set.
        #[arg(long, env = "STARCRM_OWNER_PASSWORD", hide_env_values = true, value_name = "PASSWORD")]
        owner_password: Option<String>,
        /// IANA time zone for display and schedules.
        #[arg(long, default_value = "Asia/Shanghai")]
        timezone: String,
        /// ISO 4217 currency of the workspace's money.
        #[arg(long, default_value = "CNY")]
        currency: String,
    },
    /// Create the demo workspace (once) and print its logins; with --customers, also generate
    /// realistic customers and purchase histories (for demos and benchmarks).
    Seed {
        /// How many customers to generate (none unless given; the demo workspace gets 300 the
        /// first time it is created).
        #[arg(long, value_name = "N")]
        customers: Option<u64>,
        /// How many purchases to spread over them (long-tail; default 10 per customer).
        #[arg(long, value_name = "M")]
        transactions: Option<u64>,
        /// Workspace to fill, by id or exact name (default: the demo workspace).
        #[arg(long, value_name = "ID_OR_NAME")]
        workspace: Option<String>,
        /// Random seed: the same seed gives the same people and histories.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// When the demo workspace is first created, also set up its service desk: the standard
        /// root causes, a team and tickets at every stage (`scripts/run` does).
        #[arg(long, env = "STARCRM_DEMO_SERVICE_DESK")]
        service_desk: bool,
    },
    /// Re-rate every customer of a workspace now (the star engine's whole-workspace run; resumes
    /// a run that was interrupted), printing progress.
    Rerate {
        /// Workspace by id or exact name (default: the demo workspace).
        #[arg(long, value_name = "ID_OR_NAME")]
        workspace: Option<String>,
        /// Customers per written batch.
        #[arg(long, default_value_t = 2000, value_name = "N")]
        batch_size: usize,
    },
    /// Rebuild the search index from the database (every workspace, or one). When a running
    /// server holds the embedded index, the rebuild is handed to that server.
    Reindex {
        /// Workspace by id or exact name (default: every workspace).
        #[arg(long, value_name = "ID_OR_NAME")]
        workspace: Option<String>,
    },
    /// Write a consistent snapshot of the embedded SQLite database to FILE while the server
    /// keeps running (PostgreSQL: use pg_dump).
    Backup {
        /// The backup file to create (never overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Replace the embedded SQLite database with a backup (the current one is kept beside it),
    /// migrate it and rebuild the search index. Stop the server first.
    Restore {
        /// A file written by `starcrm backup`.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Measure performance against a baseline taken in the same run (prints ratios).
    Bench {
        #[command(subcommand)]
        bench: Bench,
    },
    /// Write the GraphQL schema (SDL) that mobile apps and integrators build against.
    ExportSchema {
        /// File to write (or, with --check, to compare against).
        #[arg(long, default_value = "api/schema.graphql", value_name = "FILE")]
        out: PathBuf,
        /// Do not write; fail with a non-zero exit if FILE differs from the current schema.
        #[arg(long)]
        check: bool,
    },
}

/// Server and storage settings shared by all sub-commands.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on. Use 0.0.0.0:8080 to accept connections from other hosts
    /// (containers, a load balancer).
    #[arg(long, env = "STARCRM_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    pub listen: SocketAddr,

    /// Directory for local state: the embedded SQLite database (when DATABASE_URL is unset) and
    /// the embedded search index (in `search/`). Created if missing; must be writable.
    #[arg(long, env = "STARCRM_DATA_DIR", default_value = "data", global = true, value_name = "DIR")]
    pub data_dir: PathBuf,

    /// Database to use: `postgres://user:password@host:5432/db` for PostgreSQL, or
    /// `sqlite://path/to/file.db`. Unset: SQLite file `starcrm.db` in the data dir.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Meilisearch to hold the customer search index, e.g. `http://127.0.0.1:7700`. Unset: the
    /// embedded index in `<data dir>/search`.
    #[arg(long, env = "MEILI_URL", global = true, value_name = "URL")]
    pub meili_url: Option<String>,

    /// Meilisearch API key (a key allowed to manage the index, its documents, tasks and settings).
    #[arg(long, env = "MEILI_KEY", global = true, hide_env_values = true, value_name = "KEY")]
    pub meili_key: Option<String>,

    /// Name of the Meilisearch index (several StarCRM installations can share one Meilisearch).
    #[arg(long, env = "MEILI_INDEX", default_value = "customers", global = true, value_name = "NAME")]
    pub meili_index: String,

    /// Maximum number of pooled database connections (per server process).
    #[arg(long, env = "STARCRM_DB_MAX_CONNECTIONS", default_value_t = 16, global = true, value_name = "N")]
    pub db_max_connections: u32,

    /// `development` turns on developer conveniences (GraphiQL on GET /graphql);
    /// `production` turns them off.
    #[arg(long, env = "STARCRM_MODE", value_enum, default_value_t = Mode::Production, global = true)]
    pub mode: Mode,

    /// Log line format: `text` for people, `json` for log collectors.
    #[arg(long, env = "STARCRM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Log filter, in tracing's `EnvFilter` syntax (e.g. `info`, `debug`, `info,starcrm_api=debug`).
    #[arg(long, env = "STARCRM_LOG", default_value = "info", global = true, value_name = "FILTER")]
    pub log: String,

    /// Directory holding the built web app (`index.html` and its hashed assets), as produced by
    /// `scripts/build-web`.
    #[arg(long, env = "STARCRM_WEB_DIR", default_value = "dist", global = true, value_name = "DIR")]
    pub web_dir: PathBuf,

    /// On SIGTERM or Ctrl-C, how many seconds in-flight requests get to finish before the server
    /// exits anyway.
    #[arg(
        long,
        env = "STARCRM_SHUTDOWN_TIMEOUT",
        default_value_t = 30,
        global = true,
        value_name = "SECONDS"
    )]
    pub shutdown_timeout: u64,

    /// `open` lets anyone create a workspace with the `signUp` mutation; `closed` leaves that to
    /// `starcrm create-workspace`.
    #[arg(long, env = "STARCRM_SIGNUP", value_enum, default_value_t = Signup::Closed, global = true)]
    pub signup: Signup,

    /// Whether the refresh-token cookie is marked Secure (HTTPS only): `auto` marks it everywhere
    /// except on localhost; use `never` only for plain-HTTP test setups on other hosts.
    #[arg(long, env = "STARCRM_COOKIE_SECURE", value_enum, default_value_t = CookieSecure::Auto, global = true)]
    pub cookie_secure: CookieSecure,

    /// Take the client address from the first `X-Forwarded-For` entry (set this only behind a
    /// proxy that overwrites that header), for rate limits and the audit log.
    #[arg(long, env = "STARCRM_TRUST_PROXY", global = true)]
    pub trust_proxy: bool,

    /// Key for signing access tokens (at least 32 characters). Unset: a random key is created on
    /// first start and kept in the database, shared by every server on it.
    #[arg(long, env = "STARCRM_JWT_SECRET", global = true, hide_env_values = true, value_name = "SECRET")]
    pub jwt_secret: Option<String>,

    /// Requests per minute one API token may make (bursts up to the same number).
    #[arg(long, env = "STARCRM_API_TOKEN_RATE", default_value_t = 600, global = true, value_name = "N")]
    pub api_token_rate: u32,

    /// Bearer token that `/metrics` and the details of `/readyz` require (Prometheus:
    /// `authorization: {credentials: ...}`). Unset: both are open to anyone who can reach the
    /// port, so keep it on a private network or set this.
    #[arg(long, env = "STARCRM_METRICS_TOKEN", global = true, hide_env_values = true, value_name = "TOKEN")]
    pub metrics_token: Option<String>,

    /// Requests per minute one signed-in session may make.
    #[arg(long, env = "STARCRM_SESSION_RATE", default_value_t = 1200, global = true, value_name = "N")]
    pub session_rate: u32,

    /// Let webhook endpoints be on this machine or a private network (10.x, 192.168.x,
    /// 127.0.0.1...). Off: such URLs are refused, and so are names that resolve to them, so that
    /// nobody can use webhooks to reach services behind the firewall.
    #[arg(long, env = "STARCRM_WEBHOOKS_ALLOW_PRIVATE", global = true)]
    pub webhooks_allow_private: bool,
}

impl Settings {
    /// The settings `starcrm` would run with if given no flags (environment variables apply).
    pub fn from_env() -> Result<Self, clap::Error> {
        Cli::try_parse_from(["starcrm"]).map(|cli| cli.settings)
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout)
    }
}

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    Development,
    Production,
}

impl From<Mode> for RunMode {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Development => Self::Development,
            Mode::Production => Self::Production,
        }
    }
}

/// `--signup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Signup {
    Open,
    Closed,
}

/// `--cookie-secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CookieSecure {
    Auto,
    Always,
    Never,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
