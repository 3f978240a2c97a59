//! Database connection: PostgreSQL when `DATABASE_URL` says so, otherwise the embedded SQLite file
//! in the data dir. Both run the same entities and migrations.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
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
        .max_connections(max_connections.max(1))
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

/// Applies every pending migration.
///
/// # Errors
/// A migration failed; it was rolled back.
/// Begins a transaction that will write. On SQLite it takes the write lock up front
/// (`BEGIN IMMEDIATE`), so a transaction that reads before it writes waits for other writers
/// (busy timeout) instead of failing with `SQLITE_BUSY` when its read snapshot went stale.
/// PostgreSQL ignores the mode.
///
/// # Errors
/// The database cannot start a transaction.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("database migration failed")
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
