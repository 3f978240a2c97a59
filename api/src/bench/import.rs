//! `starcrm bench import`: a generated member list (member number, name, phone, email) imported
//! through the import job (reading the file, identity resolution per row, validation, the change
//! feed, the changeset, committed in batches) against the bare load of the same rows into the
//! same tables in the same run: `COPY` on PostgreSQL, multi-row `INSERT`s in one transaction on
//! SQLite. Prints rows/s of each, the ratio, and the process's peak RSS (the file streams, so it
//! stays flat as files grow). Target: import <= 3x the bare load.
//!
//! With `--kind transactions` the file is a shop's order lines instead (two lines per order,
//! five orders per customer, the customer found or created by member number), imported through
//! the purchases import (each order recorded with its lines under a savepoint, the customers'
//! aggregates and stars worked out again once per batch) against the bare load of the same
//! customers, purchases and lines.
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

/// Loads the members bare: `COPY` (PostgreSQL) or multi-row `INSERT`s (SQLite), one
/// transaction. Returns the customers' ids.
async fn bare_load(state: &AppState, ws: Uuid, rows: usize) -> anyhow::Result<Vec<Uuid>> {
    let first = crate::customers::service::allocate_numbers(&state.db, ws, i64::try_from(rows)?)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ids: Vec<Uuid> = (0..rows).map(|_| Uuid::now_v7()).collect();
    if state.db.get_database_backend() == DbBackend::Postgres {
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
        sqlite_load(state, ws, &ids, first).await?;
    }
    Ok(ids)
}

/// The same rows as multi-row `INSERT`s of 500 in one transaction (SQLite has no `COPY`).
async fn sqlite_load(state: &AppState, ws: Uuid, ids: &[Uuid], first: i64) -> anyhow::Result<()> {
    use sea_orm::{EntityTrait, Set};

    use crate::entities::{channel_identity, customer, customer_email, customer_phone};
    let now = Utc::now();
    let txn = state.db.begin().await?;
    for (chunk, start) in ids.chunks(500).zip((0..).step_by(500)) {
        let mut customers = Vec::new();
        let mut phones = Vec::new();
        let mut emails = Vec::new();
        let mut identities = Vec::new();
        for (i, id) in (start..).zip(chunk.iter().copied()) {
            let (no, name, phone, email) = member(i);
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

/// An order of the purchases file: its number, when (workspace time), its customer's index
/// and its two lines' unit prices in minor units.
fn order(j: usize, customers: usize) -> (String, chrono::NaiveDateTime, usize, [i64; 2]) {
    let base =
        chrono::NaiveDate::from_ymd_opt(2024, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default();
    let at = base + chrono::Duration::minutes(i64::try_from(j).unwrap_or(0));
    (format!("B{j:09}"), at, j % customers, [1_000 + i64::try_from(j % 7).unwrap_or(0) * 100, 2_500])
}

/// The purchases file's shape for `rows` lines: (orders, customers).
fn purchase_shape(rows: usize) -> (usize, usize) {
    let orders = (rows / 2).max(1);
    (orders, (orders / 5).max(1))
}

/// Writes the file the import reads; returns its mapping's targets.
fn write_file(path: &std::path::Path, rows: usize, kind: ImportKind) -> anyhow::Result<Vec<&'static str>> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    if kind == ImportKind::Customers {
        writeln!(file, "会员号,姓名,手机,邮箱")?;
        for i in 0..rows {
            let (no, name, phone, email) = member(i);
            writeln!(file, "{no},{name},{phone},{email}")?;
        }
        return Ok(vec!["memberNo", "name", "phone", "email"]);
    }
    let (orders, customers) = purchase_shape(rows);
    writeln!(file, "订单号,消费时间,会员号,姓名,手机,邮箱,商品名称,数量,单价")?;
    for j in 0..orders {
        let (order_no, at, c, prices) = order(j, customers);
        let (no, name, phone, email) = member(c);
        for (l, price) in prices.iter().enumerate() {
            let at = at.format("%Y-%m-%d %H:%M");
            writeln!(
                file,
                "{order_no},{at},{no},{name},{phone},{email},商品{l},1,{}",
                super::super::exports::money(*price)
            )?;
        }
    }
    Ok(vec![
        "orderNo",
        "purchasedAt",
        "memberNo",
        "name",
        "phone",
        "email",
        "itemName",
        "quantity",
        "unitPrice",
    ])
}

/// A purchase of the bare load: id, customer, when, amount, order number.
type BarePurchase = (Uuid, Uuid, chrono::DateTime<Utc>, i64, String);
/// A line of the bare load: id, purchase, position, name, unit price.
type BareLine = (Uuid, Uuid, i32, String, i64);

/// The purchases and lines of the file, for its customers `ids`.
fn bare_records(rows: usize, ids: &[Uuid]) -> (Vec<BarePurchase>, Vec<BareLine>) {
    let (orders, customers) = purchase_shape(rows);
    let mut purchases = Vec::with_capacity(orders);
    let mut lines = Vec::with_capacity(orders * 2);
    for j in 0..orders {
        let (order_no, at, c, prices) = order(j, customers);
        let id = Uuid::now_v7();
        purchases.push((id, ids[c], at.and_utc(), prices.iter().sum(), order_no));
        for (l, price) in (0_i32..).zip(prices) {
            lines.push((Uuid::now_v7(), id, l, format!("商品{l}"), price));
        }
    }
    (purchases, lines)
}

/// The bare load of the purchases file: its customers as [`bare_load`], then the purchases and
/// their lines (`COPY` on PostgreSQL, multi-row `INSERT`s on SQLite), one transaction.
async fn bare_purchases(state: &AppState, ws: Uuid, rows: usize) -> anyhow::Result<()> {
    let ids = bare_load(state, ws, purchase_shape(rows).1).await?;
    let (purchases, lines) = bare_records(rows, &ids);
    let now = Utc::now();
    if state.db.get_database_backend() == DbBackend::Postgres {
        let pool = state.db.get_postgres_connection_pool();
        let mut conn = pool.acquire().await?;
        sea_orm::sqlx::Executor::execute(&mut *conn, "BEGIN").await?;
        let mut copy = conn
            .copy_in_raw(
                "COPY transactions (id, workspace_id, customer_id, kind, status, channel, occurred_at, \
                 amount_minor, currency, refunded_minor, external_ref, created_at) FROM STDIN WITH (FORMAT csv)",
            )
            .await?;
        for chunk in purchases.chunks(COPY_CHUNK) {
            let mut data = String::new();
            for (id, customer, at, amount, order_no) in chunk {
                let (at, now) = (at.to_rfc3339(), now.to_rfc3339());
                let _ = writeln!(
                    data,
                    "{id},{ws},{customer},purchase,completed,store,{at},{amount},CNY,0,{order_no},{now}"
                );
            }
            copy.send(data.as_bytes()).await?;
        }
        copy.finish().await?;
        let mut copy = conn
            .copy_in_raw(
                "COPY transaction_items (id, workspace_id, transaction_id, position, name, quantity, \
                 unit_price_minor) FROM STDIN WITH (FORMAT csv)",
            )
            .await?;
        for chunk in lines.chunks(COPY_CHUNK) {
            let mut data = String::new();
            for (id, purchase, position, name, price) in chunk {
                let _ = writeln!(data, "{id},{ws},{purchase},{position},{name},1,{price}");
            }
            copy.send(data.as_bytes()).await?;
        }
        copy.finish().await?;
        sea_orm::sqlx::Executor::execute(&mut *conn, "COMMIT").await?;
    } else {
        sqlite_purchases(state, ws, &purchases, &lines).await?;
    }
    Ok(())
}

/// The purchases and lines as multi-row `INSERT`s of 500 in one transaction.
async fn sqlite_purchases(
    state: &AppState,
    ws: Uuid,
    purchases: &[BarePurchase],
    lines: &[BareLine],
) -> anyhow::Result<()> {
    use sea_orm::{EntityTrait, Set};

    use crate::entities::{transaction, transaction_item};
    let now = Utc::now();
    let txn = state.db.begin().await?;
    for chunk in purchases.chunks(500) {
        let models = chunk.iter().map(|(id, customer, at, amount, order_no)| transaction::ActiveModel {
            id: Set(*id),
            workspace_id: Set(ws),
            customer_id: Set(*customer),
            kind: Set("purchase".to_owned()),
            status: Set("completed".to_owned()),
            channel: Set("store".to_owned()),
            occurred_at: Set(*at),
            amount_minor: Set(*amount),
            currency: Set("CNY".to_owned()),
            refunded_minor: Set(0),
            external_ref: Set(Some(order_no.clone())),
            created_at: Set(now),
            ..Default::default()
        });
        transaction::Entity::insert_many(models).exec_without_returning(&txn).await?;
    }
    for chunk in lines.chunks(500) {
        let models =
            chunk.iter().map(|(id, purchase, position, name, price)| transaction_item::ActiveModel {
                id: Set(*id),
                workspace_id: Set(ws),
                transaction_id: Set(*purchase),
                position: Set(*position),
                sku: Set(None),
                name: Set(name.clone()),
                category: Set(None),
                quantity: Set(1),
                unit_price_minor: Set(*price),
            });
        transaction_item::Entity::insert_many(models).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// `starcrm bench import`.
///
/// # Errors
/// The database failing, or the import not recording every row.
pub async fn import(settings: &Settings, rows: usize, kind: ImportKind) -> anyhow::Result<()> {
    let state = AppState::init(settings).await?;
    let stamp = Utc::now().format("%Y-%m-%d %H:%M:%S");
    let what = if kind == ImportKind::Customers { "member rows" } else { "order lines" };
    println!(
        "bench import: {rows} {what} ({:?}), peak RSS at start {:?} MB",
        state.info.database,
        peak_rss_mb()
    );

    // The file, as an integrator would upload it.
    let import_ws = super::scratch_workspace(&state, &format!("Bench import {stamp}")).await?.id;
    let id = Uuid::now_v7();
    let path = imports::path_of(&settings.data_dir, id);
    std::fs::create_dir_all(imports::dir(&settings.data_dir))?;
    let targets = write_file(&path, rows, kind)?;
    let bytes = std::fs::metadata(&path)?.len();

    let bare_ws = super::scratch_workspace(&state, &format!("Bench import bare {stamp}")).await?.id;
    let started = Instant::now();
    if kind == ImportKind::Customers {
        bare_load(&state, bare_ws, rows).await?;
    } else {
        bare_purchases(&state, bare_ws, rows).await?;
    }
    let bare = started.elapsed();

    let scope = Scope::system(import_ws);
    imports::register(&state.db, &settings.data_dir, &scope, id, "bench.csv", bytes, Some(kind))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mapping = targets.iter().map(|t| Column { target: Some((*t).to_owned()), keep: false }).collect();
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
    let expected = if kind == ImportKind::Customers {
        (i64::try_from(rows)?, 0)
    } else {
        let orders = i64::try_from(purchase_shape(rows).0)?;
        (orders, orders)
    };
    anyhow::ensure!(
        (done.created, done.updated) == expected,
        "the import created {} and updated {} of {expected:?} ({}; {:?})",
        done.created,
        done.updated,
        done.status,
        done.error
    );
    let _ = std::fs::remove_file(&path);

    #[allow(clippy::cast_precision_loss, reason = "rates for people to read")]
    let rate = |d: std::time::Duration| rows as f64 / d.as_secs_f64();
    let baseline =
        if state.db.get_database_backend() == DbBackend::Postgres { "COPY" } else { "multi-row INSERT" };
    let tables = if kind == ImportKind::Customers { "4 tables" } else { "6 tables" };
    println!("  bare load ({baseline}, {tables}): {:>8.1} s  {:>9.0} rows/s", bare.as_secs_f64(), rate(bare));
    println!(
        "  import job (file -> {}): {:>8.1} s  {:>9.0} rows/s",
        kind.as_str(),
        job.as_secs_f64(),
        rate(job)
    );
    println!(
        "  ratio import / bare: {:.1}x (target <= 3x)   peak RSS {} MB   file {} MB",
        job.as_secs_f64() / bare.as_secs_f64().max(f64::EPSILON),
        peak_rss_mb().unwrap_or(0),
        bytes / 1_000_000
    );
    Ok(())
}
