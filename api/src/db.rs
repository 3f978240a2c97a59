//! Database connection: PostgreSQL when `DATABASE_URL` says so, otherwise the embedded SQLite file
//! in the data dir. Both run the same entities and migrations.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use starcrm_migrations::Migrator;
use starcrm_shared::DatabaseKind;

use crate::config::Settings;

/// File name of the embedded database inside the data dir.
pub const SQLITE_FILE: &str = "starcrm.db";

/// The database URL the settings select, and which kind it is.
///
/// # Errors
/// A URL that is neither `postgres://`, `postgresql://` nor `sqlite:`.
pub fn resolve_url(settings: &Settings) -> anyhow::Result<(String, DatabaseKind)> {
    match configured_url(settings) {
        None => Ok((sqlite_url(&settings.data_dir.join(SQLITE_FILE)), DatabaseKind::Sqlite)),
        Some(url) => Ok((url.to_owned(), kind_of(url)?)),
    }
}

fn configured_url(settings: &Settings) -> Option<&str> {
    settings.database_url.as_deref().map(str::trim).filter(|u| !u.is_empty())
}

/// Connects to the database the settings select. The data dir is prepared (created, checked
/// writable) only when it holds the database, so a PostgreSQL deployment can run on a read-only
/// file system.
///
/// # Errors
/// See [`resolve_url`], [`prepare_data_dir`] and [`connect`].
pub async fn open(settings: &Settings) -> anyhow::Result<(DatabaseConnection, DatabaseKind, String)> {
    if configured_url(settings).is_none() {
        prepare_data_dir(&settings.data_dir)?;
    }
    let (url, kind) = resolve_url(settings)?;
    let conn = connect(&url, settings.db_max_connections).await?;
    Ok((conn, kind, url))
}

/// A `sqlite://` URL for `path`, with the characters sqlx would read as URL syntax escaped
/// (`%` first, so the escapes themselves survive).
fn sqlite_url(path: &Path) -> String {
    let path = path.display().to_string().replace('%', "%25").replace('?', "%3F").replace('#', "%23");
    format!("sqlite://{path}?mode=rwc")
}

/// Which backend a URL points at.
///
/// # Errors
/// Any scheme other than PostgreSQL or SQLite.
pub fn kind_of(url: &str) -> anyhow::Result<DatabaseKind> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(DatabaseKind::Postgres)
    } else if url.starts_with("sqlite:") {
        Ok(DatabaseKind::Sqlite)
    } else {
        bail!(
            "unsupported DATABASE_URL {}: expected postgres://user:password@host/db or sqlite://path/file.db",
            redact(url)
        )
    }
}

/// The URL with any password replaced by `***`, safe for logs and error messages: the
/// userinfo password and `password`-like query parameters. Something that does not parse as a
/// URL (a libpq key=value string, say) is not shown at all, since it may hold a password.
pub fn redact(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "(not a URL; not shown)".to_owned();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    let secret = |key: &str| key.to_ascii_lowercase().contains("pass");
    if parsed.query_pairs().any(|(key, _)| secret(&key)) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret(&k) { "***".to_owned() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

/// Makes sure the data dir exists and that this process can write to it.
///
/// # Errors
/// The directory cannot be created or written to; the message names the directory.
pub fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create data dir {}", dir.display()))?;
    // Creating the directory can succeed while writing into it fails (read-only mount, foreign
    // owner): find out now, with a clear message, rather than at the first write.
    let probe = dir.join(format!(".starcrm-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"ok").with_context(|| format!("data dir {} is not writable", dir.display()))?;
    std::fs::remove_file(&probe).with_context(|| format!("data dir {} is not writable", dir.display()))?;
    Ok(())
}

/// Opens a pool on `url`, tuned for the backend.
///
/// # Errors
/// The database cannot be reached or opened; the message names it (password redacted).
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    let kind = kind_of(url)?;
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(Ord::max(max_connections, 1))
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // A ping before every checkout costs each query a round trip; only connections idle long
        // enough for a server, proxy or firewall to have dropped them are checked.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        // Statements are logged at debug level; slow ones are warnings.
        .sqlx_logging_level(log::LevelFilter::Debug)
        .sqlx_slow_statements_logging_settings(log::LevelFilter::Warn, Duration::from_secs(1));
    if kind == DatabaseKind::Sqlite {
        options.map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                // WAL: readers never block the writer and the writer never blocks readers.
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // Concurrent writers wait for the lock instead of failing with SQLITE_BUSY.
                .busy_timeout(Duration::from_secs(10))
        });
    }
    sea_orm::Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to the database {}", redact(url)))
}

/// Begins a transaction that will write.
///
/// On SQLite, one writer at a time per database file in this process: the transaction first
/// waits its turn on an in-process queue (fair, FIFO), then takes SQLite's write lock up front
/// (`BEGIN IMMEDIATE`). Without the queue, concurrent writers spin in SQLite's busy handler,
/// which sleeps in growing steps (up to 100 ms) and made p95 write latency 200 ms at 8 clients;
/// and a transaction that read before it wrote failed with `SQLITE_BUSY` (`database is locked`)
/// when its snapshot went stale, which is how a concurrent refresh-token reuse went undetected.
/// PostgreSQL needs neither: its row locks serialise only what conflicts.
///
/// # Errors
/// The database cannot start a transaction.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    let turn = match writer_queue(db) {
        Some(queue) => {
            let asked = Instant::now();
            let guard = queue.lock_owned().await;
            Some(Turn::taken(guard, asked))
        }
        None => None,
    };
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    Ok(WriteTxn { txn, _turn: turn })
}

/// The in-process write queue of a SQLite database file (`None` for PostgreSQL).
///
/// Keyed by file, not held in `AppState`: SQLite's lock belongs to the file, and every
/// connection pool this process opens on the same file (the server's, a CLI command's, a
/// test's) must queue behind the same writer.
fn writer_queue(db: &DatabaseConnection) -> Option<Arc<tokio::sync::Mutex<()>>> {
    static QUEUES: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    let file = db.get_sqlite_connection_pool().connect_options().get_filename().to_path_buf();
    let file = std::fs::canonicalize(&file).unwrap_or(file);
    let mut queues = QUEUES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    Some(Arc::clone(queues.entry(file).or_default()))
}

/// A write transaction that holds this process's SQLite write turn until it commits, rolls back
/// or is dropped. Used like [`DatabaseTransaction`], which it derefs to.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Option<Turn>,
}

/// A SQLite write turn being held: counted in [`write_turns`] when it ends.
struct Turn {
    _guard: tokio::sync::OwnedMutexGuard<()>,
    since: Instant,
}

impl Turn {
    fn taken(guard: tokio::sync::OwnedMutexGuard<()>, asked: Instant) -> Self {
        let since = Instant::now();
        TURNS.waited_ns.fetch_add(nanos(since - asked), Ordering::Relaxed);
        WRITE_WAIT_SECONDS.observe((since - asked).as_secs_f64());
        Self { _guard: guard, since }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let held = self.since.elapsed();
        TURNS.writes.fetch_add(1, Ordering::Relaxed);
        TURNS.held_ns.fetch_add(nanos(held), Ordering::Relaxed);
        WRITE_HOLD_SECONDS.observe(held.as_secs_f64());
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

struct TurnTotals {
    writes: AtomicU64,
    waited_ns: AtomicU64,
    held_ns: AtomicU64,
}

static TURNS: TurnTotals =
    TurnTotals { writes: AtomicU64::new(0), waited_ns: AtomicU64::new(0), held_ns: AtomicU64::new(0) };

fn turn_histogram() -> Histogram {
    // 50 µs .. ~1.6 s
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

/// Time SQLite write transactions of this process waited for their turn (`/metrics`).
pub static WRITE_WAIT_SECONDS: LazyLock<Histogram> = LazyLock::new(turn_histogram);
/// Time SQLite write transactions of this process held the write turn (`/metrics`).
pub static WRITE_HOLD_SECONDS: LazyLock<Histogram> = LazyLock::new(turn_histogram);

/// How this process's SQLite write transactions took turns so far: how many ended, and the
/// total time they waited for their turn and held it. The held time bounds the write rate:
/// one second of turns is at most one second of writes. All zero on PostgreSQL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteTurns {
    pub writes: u64,
    pub waited: Duration,
    pub held: Duration,
}

impl WriteTurns {
    /// The turns taken between `earlier` and `self`.
    #[must_use]
    pub fn since(self, earlier: Self) -> Self {
        Self {
            writes: self.writes.saturating_sub(earlier.writes),
            waited: self.waited.saturating_sub(earlier.waited),
            held: self.held.saturating_sub(earlier.held),
        }
    }
}

/// The totals of [`WriteTurns`] so far.
#[must_use]
pub fn write_turns() -> WriteTurns {
    WriteTurns {
        writes: TURNS.writes.load(Ordering::Relaxed),
        waited: Duration::from_nanos(TURNS.waited_ns.load(Ordering::Relaxed)),
        held: Duration::from_nanos(TURNS.held_ns.load(Ordering::Relaxed)),
    }
}

impl std::fmt::Debug for WriteTxn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTxn").finish_non_exhaustive()
    }
}

impl WriteTxn {
    /// Commits, then lets the next writer in.
    ///
    /// # Errors
    /// The database refused the commit (the changes are rolled back).
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    /// Rolls back, then lets the next writer in.
    ///
    /// # Errors
    /// The database failed to roll back.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// Refreshes PostgreSQL's statistics of `tables` (a no-op on SQLite, whose planner needs none
/// for our indexes). A bulk write that grows a table from nearly empty leaves the planner
/// believing it tiny: its lookups by a list of keys then scan instead of probing the index,
/// and each batch gets slower than the last until autovacuum catches up.
///
/// # Errors
/// Database failures.
pub async fn refresh_statistics(db: &DatabaseConnection, tables: &[&str]) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres && !tables.is_empty() {
        db.execute_unprepared(&format!("ANALYZE {}", tables.join(", "))).await?;
    }
    Ok(())
}

/// Rows one multi-row `INSERT` carries: well under both databases' limits on bound values
/// (SQLite 32,766, PostgreSQL 65,535) for tables of up to 60 columns.
pub const INSERT_CHUNK: usize = 500;

/// Inserts `rows` in multi-row statements of [`INSERT_CHUNK`].
///
/// # Errors
/// Database failures.
pub async fn insert_chunks<A>(conn: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
where
    A: sea_orm::ActiveModelTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<A> = rows.by_ref().take(INSERT_CHUNK).collect();
        A::Entity::insert_many(part).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// `$first, $first+1, ...`: `n` numbered parameters for a raw statement's `IN (...)` list.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|k| format!("${k}")).collect::<Vec<_>>().join(", ")
}

/// `column LIKE '%text%'`, with `%`, `_` and `\\` in `text` matching only themselves (sea-orm's
/// `contains` passes them through as wildcards, so a search for `%` matched everyone).
pub fn contains_text(column: impl ColumnTrait, text: &str) -> Expr {
    Expr::col(column.as_column_ref()).like(LikeExpr::new(format!("%{}%", escape_like(text))).escape('\\'))
}

/// `column LIKE 'text%'`, wildcards in `text` escaped as in [`contains_text`].
pub fn starts_with_text(column: impl ColumnTrait, text: &str) -> Expr {
    Expr::col(column.as_column_ref()).like(LikeExpr::new(format!("{}%", escape_like(text))).escape('\\'))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Applies every pending migration.
///
/// # Errors
/// A migration failed; it was rolled back.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    let schema = schema_connection(db).await?;
    let done = Migrator::up(&schema, None).await.context("database migration failed");
    if schema.get_database_backend() == DbBackend::Sqlite {
        schema.close().await?;
    }
    done
}

/// A connection to run schema changes on, in order, one after the other.
///
/// SQLite keeps a copy of the schema per connection and checks an `ALTER TABLE ... DROP COLUMN`
/// against that copy when the statement is prepared, without looking whether another
/// connection changed it since: run across a pool, a migration that added two columns on two
/// connections could be refused `no such column` when dropping the second, depending on which
/// connection the pool handed out (seen under load in CI). So on SQLite: a pool of one
/// connection to the same file, with the same settings (close it when done). PostgreSQL has no
/// such copy: the pool itself.
///
/// # Errors
/// The connection cannot be opened.
pub async fn schema_connection(db: &DatabaseConnection) -> anyhow::Result<DatabaseConnection> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(db.clone());
    }
    let options = db.get_sqlite_connection_pool().connect_options();
    let pool = sea_orm::sqlx::pool::PoolOptions::<sea_orm::sqlx::Sqlite>::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with((*options).clone())
        .await
        .context("cannot open a connection for the schema change")?;
    Ok(sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

#[cfg(test)]
mod tests {
    use super::{kind_of, redact};
    use starcrm_shared::DatabaseKind;

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(redact("postgres://app:s3cret@db:5432/crm"), "postgres://app:***@db:5432/crm");
        assert_eq!(redact("postgres://app@db/crm"), "postgres://app@db/crm");
        assert_eq!(redact("postgres://db/crm?sslmode=require"), "postgres://db/crm?sslmode=require");
        assert_eq!(
            redact("postgres://app@db/crm?password=s3cret&sslmode=require"),
            "postgres://app@db/crm?password=***&sslmode=require"
        );
        assert_eq!(redact("sqlite://data/starcrm.db?mode=rwc"), "sqlite://data/starcrm.db?mode=rwc");
        assert_eq!(redact("host=db password=s3cret"), "(not a URL; not shown)");
    }

    #[test]
    fn kind_of_accepts_postgres_and_sqlite_only() {
        assert_eq!(kind_of("postgresql://x/y").ok(), Some(DatabaseKind::Postgres));
        assert_eq!(kind_of("sqlite://a.db").ok(), Some(DatabaseKind::Sqlite));
        let err = kind_of("mysql://root:pw@h/db").expect_err("mysql is refused").to_string();
        assert!(err.contains("mysql://root:***@h/db"), "{err}");
    }
}
