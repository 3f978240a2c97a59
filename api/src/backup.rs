//! `starcrm backup` and `starcrm restore`: the embedded SQLite database as one file.
//!
//! A backup is `VACUUM INTO`: a consistent snapshot taken online (the server keeps running and
//! writing meanwhile), compacted. The search index is not in it: it is rebuilt from the database
//! on restore, which is all it needs. PostgreSQL has its own tools (`pg_dump`, point-in-time
//! recovery); the README says how.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use starcrm_shared::DatabaseKind;

use crate::config::Settings;
use crate::db;

/// Where the embedded database of these settings lives (`None` for PostgreSQL).
fn sqlite_file(settings: &Settings) -> anyhow::Result<Option<PathBuf>> {
    let (url, kind) = db::resolve_url(settings)?;
    if kind != DatabaseKind::Sqlite {
        return Ok(None);
    }
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    Ok(Some(PathBuf::from(path.replace("%3F", "?").replace("%23", "#").replace("%25", "%"))))
}

const POSTGRES: &str = "backup and restore copy the embedded SQLite database; for PostgreSQL use pg_dump / pg_restore \
     or point-in-time recovery (README: Backups)";

/// `starcrm backup --out FILE`.
///
/// # Errors
/// PostgreSQL settings, an existing FILE, or the snapshot failing.
pub async fn backup(settings: &Settings, out: &Path) -> anyhow::Result<()> {
    if sqlite_file(settings)?.is_none() {
        bail!(POSTGRES);
    }
    if out.exists() {
        bail!("{} exists; choose a new file (a backup never overwrites one)", out.display());
    }
    let (conn, _, _) = db::open(settings).await?;
    db::migrate(&conn).await?;
    let target = out.to_str().with_context(|| format!("{} is not a UTF-8 path", out.display()))?;
    conn.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await
    .with_context(|| format!("cannot write the backup to {}", out.display()))?;
    let bytes = std::fs::metadata(out).map_or(0, |m| m.len());
    let (customers, workspaces) = counts(&conn).await?;
    println!(
        "wrote {} ({bytes} bytes): {workspaces} workspaces, {customers} customers; restore with `starcrm restore {}`",
        out.display(),
        out.display()
    );
    Ok(())
}

async fn counts(conn: &impl ConnectionTrait) -> anyhow::Result<(i64, i64)> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT (SELECT COUNT(*) FROM customers), (SELECT COUNT(*) FROM workspaces)",
        ))
        .await?
        .context("no counts")?;
    Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?))
}

/// `starcrm restore FILE`: the database becomes the backup's (the current one is kept beside it
/// as `starcrm.db.before-restore-<time>`), migrations run, and the search index is rebuilt.
///
/// # Errors
/// PostgreSQL settings, a running server, a file that is not a StarCRM backup.
pub async fn restore(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    let Some(target) = sqlite_file(settings)? else { bail!(POSTGRES) };
    check_backup(file).await?;
    // A running server holds the embedded search index: restoring under it would lose writes.
    if settings.meili_url.is_none()
        && let Err(err) = crate::search::open(settings).await
    {
        if err
            .downcast_ref::<crate::search::SearchError>()
            .is_some_and(|e| matches!(e, crate::search::SearchError::Unavailable(_)))
        {
            bail!("a StarCRM server is running on this data dir: stop it before restoring");
        }
        return Err(err);
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if target.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let kept = target.with_file_name(format!(
            "{}.before-restore-{stamp}",
            target.file_name().and_then(|n| n.to_str()).unwrap_or("starcrm.db")
        ));
        std::fs::rename(&target, &kept).with_context(|| format!("cannot move {} aside", target.display()))?;
        for suffix in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", target.display()));
            if side.exists() {
                std::fs::rename(&side, format!("{}{suffix}", kept.display()))
                    .with_context(|| format!("cannot move {} aside", side.display()))?;
            }
        }
        println!("the database before the restore is kept as {}", kept.display());
    }
    std::fs::copy(file, &target)
        .with_context(|| format!("cannot copy {} to {}", file.display(), target.display()))?;
    let (conn, _, _) = db::open(settings).await?;
    db::migrate(&conn).await?;
    let (customers, workspaces) = counts(&conn).await?;
    println!("restored {}: {workspaces} workspaces, {customers} customers", file.display());
    drop(conn);
    crate::cli::reindex(settings, None).await
}

/// The file must be a SQLite database holding StarCRM's tables.
async fn check_backup(file: &Path) -> anyhow::Result<()> {
    let mut header = [0u8; 16];
    let read = std::fs::File::open(file)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header))
        .with_context(|| format!("cannot read {}", file.display()));
    if read.is_err() || &header != b"SQLite format 3\0" {
        bail!("{} is not a StarCRM backup (not a SQLite database)", file.display());
    }
    let path = file.to_str().with_context(|| format!("{} is not a UTF-8 path", file.display()))?;
    let url =
        format!("sqlite://{}?mode=ro", path.replace('%', "%25").replace('?', "%3F").replace('#', "%23"));
    // Read-only and without the server's pragmas (which would switch the file to WAL).
    let conn = sea_orm::Database::connect(&url)
        .await
        .with_context(|| format!("{} is not a StarCRM backup (cannot open it)", file.display()))?;
    let found = conn
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('seaql_migrations', 'workspaces', 'customers')",
        ))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    if found != 3 {
        bail!("{} is not a StarCRM backup (its tables are missing)", file.display());
    }
    Ok(())
}
