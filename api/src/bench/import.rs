//! `starcrm bench import`: a generated member list (member number, name, phone, email) imported
//! through the import job (reading the file, identity resolution per row, validation, the change
//! feed, the changeset, committed in batches) against the bare load of the same rows into the
//! same tables in the same run: `COPY` on PostgreSQL, multi-row `INSERT`s in one transaction on
//! SQLite. Prints rows/s of each, the ratio, and the process's peak RSS (the file streams, so it
//! stays flat as files grow). Target: import <= 3x the bare load.
//!
//! It works in new workspaces of its own: run it on a scratch data dir or database.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

use chrono::Utc;
use sea_orm::{DbBackend, TransactionTrait};
use starcrm_shared::imports::ImportKind;
use uuid::Uuid;

use crate::auth::Scope;
use crate::config::Settings;
use crate::imports::{self, Column, Imports, Phase, Settings as ImportSettings, run::RunOptions};
use crate::state::AppState;

/// One generated member.
fn member(i: usize) -> (String, String, String, String) {
    (format!("M{i:08}"), format!("会员{i}"), format!("136{i:08}"), format!("m{i}@bench.example"))
}

/// The peak resident set of this process so far, in MB (Linux).
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// Rows of one table the bare load sends per `COPY` message: memory stays flat as files grow.
const COPY_CHUNK: usize = 10_000;

/// Rows `range` of table `table` (an index into [`TABLES`]) as CSV for `COPY`; `ids` are the
/// customers' ids, shared by the four tables.
fn bare_rows(
    table: usize,
    ws: Uuid,
    ids: &[Uuid],
    range: std::ops::Range<usize>,
    first_number: i64,
) -> String {
    let now = Utc::now().to_rfc3339();
    let mut out = String::new();
    for i in range {
        let (no, name, phone, email) = member(i);
        let id = ids[i];
        let _ = match table {
            0 => {
                let number = first_number + i64::try_from(i).unwrap_or(0);
                writeln!(out, "{id},{ws},{number},{name},unknown,lead,{now},1,{now},{now}")
            }
            1 => writeln!(out, "{},{ws},{id},+86{phone},true", Uuid::now_v7()),
            2 => writeln!(out, "{},{ws},{id},{email},true", Uuid::now_v7()),
            _ => writeln!(out, "{},{ws},{id},store,{no},{now}", Uuid::now_v7()),
        };
    }
    out
}

const TABLES: [(&str, &str); 4] = [
    (
        "customers",
        "id, workspace_id, number, name, gender, lifecycle_stage, first_seen_at, version, created_at, updated_at",
    ),
    ("customer_phones", "id, workspace_id, customer_id, phone, is_primary"),
    ("customer_emails", "id, workspace_id, customer_id, email, is_primary"),
    ("channel_identities", "id, workspace_id, customer_id, channel, external_id, created_at"),
];

/// Loads the rows bare: `COPY` (PostgreSQL) or multi-row `INSERT`s (SQLite), one transaction.
async fn bare_load(state: &AppState, ws: Uuid, rows: usize) -> anyhow::Result<()> {
    let first = crate::customers::service::allocate_numbers(&state.db, ws, i64::try_from(rows)?)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if state.db.get_database_backend() == DbBackend::Postgres {
        let ids: Vec<Uuid> = (0..rows).map(|_| Uuid::now_v7()).collect();
        let pool = state.db.get_postgres_connection_pool();
        let mut conn = pool.acquire().await?;
        sea_orm::sqlx::Executor::execute(&mut *conn, "BEGIN").await?;
        for (index, (table, columns)) in TABLES.iter().enumerate() {
            let mut copy =
                conn.copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)")).await?;
            for start in (0..rows).step_by(COPY_CHUNK) {
                let data = bare_rows(index, ws, &ids, start..(start + COPY_CHUNK).min(rows), first);
                copy.send(data.as_bytes()).await?;
            }
            copy.finish().await?;
        }
        sea_orm::sqlx::Executor::execute(&mut *conn, "COMMIT").await?;
    } else {
        sqlite_load(state, ws, rows, first).await?;
    }
    Ok(())
}

/// The same rows as multi-row `INSERT`s of 500 in one transaction (SQLite has no `COPY`).
async fn sqlite_load(state: &AppState, ws: Uuid, rows: usize, first: i64) -> anyhow::Result<()> {
    use sea_orm::{EntityTrait, Set};

    use crate::entities::{channel_identity, customer, customer_email, customer_phone};
    let now = Utc::now();
    let txn = state.db.begin().await?;
    for start in (0..rows).step_by(500) {
        let mut customers = Vec::new();
        let mut phones = Vec::new();
        let mut emails = Vec::new();
        let mut identities = Vec::new();
        for i in start..(start + 500).min(rows) {
            let (no, name, phone, email) = member(i);
            let id = Uuid::now_v7();
            customers.push(customer::ActiveModel {
                id: Set(id),
                workspace_id: Set(ws),
                number: Set(first + i64::try_from(i)?),
                name: Set(name),
                gender: Set("unknown".to_owned()),
                lifecycle_stage: Set("lead".to_owned()),
                first_seen_at: Set(now),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
            phones.push(customer_phone::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(ws),
                customer_id: Set(id),
                phone: Set(format!("+86{phone}")),
                label: Set(None),
                is_primary: Set(true),
            });
            emails.push(customer_email::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(ws),
                customer_id: Set(id),
                email: Set(email),
                label: Set(None),
                is_primary: Set(true),
            });
            identities.push(channel_identity::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(ws),
                customer_id: Set(id),
                channel: Set("store".to_owned()),
                external_id: Set(no),
                created_at: Set(now),
            });
        }
        customer::Entity::insert_many(customers).exec_without_returning(&txn).await?;
        customer_phone::Entity::insert_many(phones).exec_without_returning(&txn).await?;
        customer_email::Entity::insert_many(emails).exec_without_returning(&txn).await?;
        channel_identity::Entity::insert_many(identities).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// `starcrm bench import`.
///
/// # Errors
/// The database failing, or the import not creating every row.
pub async fn import(settings: &Settings, rows: usize) -> anyhow::Result<()> {
    let state = AppState::init(settings).await?;
    let stamp = Utc::now().format("%Y-%m-%d %H:%M:%S");
    println!(
        "bench import: {rows} member rows ({:?}), peak RSS at start {:?} MB",
        state.info.database,
        peak_rss_mb()
    );

    // The file, as an integrator would upload it.
    let import_ws = super::scratch_workspace(&state, &format!("Bench import {stamp}")).await?.id;
    let id = Uuid::now_v7();
    let path = imports::path_of(&settings.data_dir, id);
    std::fs::create_dir_all(imports::dir(&settings.data_dir))?;
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        writeln!(file, "会员号,姓名,手机,邮箱")?;
        for i in 0..rows {
            let (no, name, phone, email) = member(i);
            writeln!(file, "{no},{name},{phone},{email}")?;
        }
    }
    let bytes = std::fs::metadata(&path)?.len();

    let bare_ws = super::scratch_workspace(&state, &format!("Bench import bare {stamp}")).await?.id;
    let started = Instant::now();
    bare_load(&state, bare_ws, rows).await?;
    let bare = started.elapsed();

    let scope = Scope::system(import_ws);
    imports::register(
        &state.db,
        &settings.data_dir,
        &scope,
        id,
        "bench.csv",
        bytes,
        Some(ImportKind::Customers),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mapping = ["memberNo", "name", "phone", "email"]
        .iter()
        .map(|t| Column { target: Some((*t).to_owned()), keep: false })
        .collect();
    let settings_in = ImportSettings {
        mapping: Some(mapping),
        mode: starcrm_shared::imports::ImportMode::Upsert,
        channel: starcrm_shared::customer::Channel::Store,
        kind: None,
    };
    let started = Instant::now();
    imports::queue(&state.db, &scope, id, Some(settings_in), Phase::Run)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Imports::new(&settings.data_dir)
        .run_once(&state.db, &RunOptions { batch_size: 1_000, ..RunOptions::default() })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let job = started.elapsed();
    let done = imports::get(&state.db, &scope, id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(
        done.created == i64::try_from(rows)?,
        "the import created {} of {rows} rows ({}; {:?})",
        done.created,
        done.status,
        done.error
    );
    let _ = std::fs::remove_file(&path);

    #[allow(clippy::cast_precision_loss, reason = "rates for people to read")]
    let rate = |d: std::time::Duration| rows as f64 / d.as_secs_f64();
    let baseline =
        if state.db.get_database_backend() == DbBackend::Postgres { "COPY" } else { "multi-row INSERT" };
    println!("  bare load ({baseline}, 4 tables): {:>8.1} s  {:>9.0} rows/s", bare.as_secs_f64(), rate(bare));
    println!("  import job (file -> customers):  {:>8.1} s  {:>9.0} rows/s", job.as_secs_f64(), rate(job));
    println!(
        "  ratio import / bare: {:.1}x (target <= 3x)   peak RSS {} MB   file {} MB",
        job.as_secs_f64() / bare.as_secs_f64().max(f64::EPSILON),
        peak_rss_mb().unwrap_or(0),
        bytes / 1_000_000
    );
    Ok(())
}
