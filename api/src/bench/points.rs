//! `starcrm bench points`: what points cost a purchase, and what the expiry pass costs.
//!
//! Purchases: two workspaces of the bench's own, one with points off and one with the earn rule
//! on (the standard tiers: 1.5x and 2x multipliers), the same purchases over HTTP into each, at
//! 1 and 8 clients; p50/p95/p99 and the ratio of p95s (target <= 1.2).
//!
//! Expiry: `--lots N` expired lots over N/100 members in a third workspace, written straight
//! into the tables; then the bare scan of the due lots (their id, member and points, read to the
//! end) against the expiry pass that writes them all off (an operation per member, an entry per
//! lot, the lots and accounts), and a check that nothing is left. Run it on a scratch data dir or
//! database.

use std::time::Instant;

use chrono::{Duration, Utc};
use futures_util::TryStreamExt;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set, Statement, StreamTrait};
use serde_json::json;
use uuid::Uuid;

use super::{ListOptions, Served, measure, owner_token, post, side_by_side};
use crate::auth::Scope;
use crate::config::Settings;
use crate::entities::{customer, point_account, point_lot, point_operation};
use crate::state::AppState;
use crate::{db, loyalty};

const CREATE: &str = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }";
const PURCHASE: &str =
    "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { transaction { id } } }";

/// `starcrm bench points`.
///
/// # Errors
/// The database or the server failing, or an API answer with errors.
pub async fn points(settings: &Settings, options: ListOptions, lots: usize) -> anyhow::Result<()> {
    let mut settings = settings.clone();
    settings.session_rate = u32::MAX;
    let state = AppState::init(&settings).await?;
    let stamp = Utc::now().format("%Y-%m-%d %H:%M:%S");
    let served = Served::start(state.clone()).await?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    println!(
        "bench points: {:?}, {} purchases per run, pool of {} connections",
        state.info.database, options.requests, settings.db_max_connections
    );
    let mut sides = Vec::new();
    for (label, on) in [("off", false), ("on", true)] {
        let workspace = super::scratch_workspace(&state, &format!("Bench points {label} {stamp}")).await?;
        let token = owner_token(&state, workspace.id).await?;
        if on {
            let rule = starcrm_shared::loyalty::EarnRule {
                active: true,
                ..starcrm_shared::loyalty::EarnRule::standard()
            };
            loyalty::rules::save(&state.db, &Scope::system(workspace.id), rule, 0)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let buyers: Vec<String> = (0..50).map(|i| format!("1380{}{i:06}", u8::from(on))).collect();
        for (i, buyer) in buyers.iter().enumerate() {
            let input = json!({ "name": format!("Member {i}"), "phones": [{ "value": buyer }] });
            post(
                &client,
                &served.url,
                &token,
                &json!({ "query": CREATE, "variables": { "input": input } }),
                b"createCustomer",
            )
            .await?;
        }
        let (client, url, buyers) = (client.clone(), served.url.clone(), std::sync::Arc::new(buyers));
        sides.push(move |i: usize| {
            let (client, url, token, buyers) =
                (client.clone(), url.clone(), token.clone(), std::sync::Arc::clone(&buyers));
            async move {
                let input = json!({
                    "customer": { "phone": buyers[i % buyers.len()] },
                    "channel": "STORE",
                    "amountMinor": 12_800,
                    "items": [{ "name": "茶叶", "category": "茶", "quantity": 1, "unitPriceMinor": 12_800 }],
                    "externalRef": format!("p-{}", Uuid::now_v7().simple()),
                });
                post(
                    &client,
                    &url,
                    &token,
                    &json!({ "query": PURCHASE, "variables": { "input": input } }),
                    b"recordTransaction",
                )
                .await
            }
        });
    }
    let on = sides.pop().ok_or_else(|| anyhow::anyhow!("no side"))?;
    let off = sides.pop().ok_or_else(|| anyhow::anyhow!("no side"))?;
    measure(50, 2, off.clone()).await?;
    measure(50, 2, on.clone()).await?;
    println!("recordTransaction with points earned (API side) vs the same purchase with points off:");
    let rows = side_by_side(&options, "points off", off, on).await?;
    served.stop().await?;
    for super::Compared { concurrency, api_p95, base_p95, .. } in rows {
        let ratio = api_p95 / base_p95.max(1e-6);
        println!(
            "concurrency {concurrency}: p95 with points / without = {ratio:.2} (target <= 1.20: {}); with {api_p95:.1} ms, without {base_p95:.1} ms",
            if ratio <= 1.2 { "met" } else { "NOT met" }
        );
    }
    if lots > 0 {
        expiry(&state, lots, &stamp.to_string()).await?;
    }
    Ok(())
}

/// The expiry pass over `lots` expired lots against the bare scan of them.
async fn expiry(state: &AppState, lots: usize, stamp: &str) -> anyhow::Result<()> {
    let db = &state.db;
    let workspace = super::scratch_workspace(state, &format!("Bench expiry {stamp}")).await?;
    let ws = workspace.id;
    let per_member = 100;
    let members = lots.div_ceil(per_member);
    println!("\nexpiry: writing {lots} expired lots over {members} members ...");
    write_expired(db, ws, members, per_member).await?;

    // The bare scan: every due lot's id, member and points, streamed to the end.
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "SELECT id, customer_id, remaining FROM point_lots WHERE workspace_id = $1 AND remaining > 0 AND expires_at <= $2"
        }
        _ => {
            "SELECT id, customer_id, remaining FROM point_lots WHERE workspace_id = ? AND remaining > 0 AND expires_at <= ?"
        }
    };
    let at = Utc::now();
    let started = Instant::now();
    let mut stream =
        db.stream_raw(Statement::from_sql_and_values(backend, sql, [ws.into(), at.into()])).await?;
    let (mut rows, mut points) = (0_u64, 0_i64);
    while let Some(row) = stream.try_next().await? {
        rows += 1;
        points += row.try_get_by_index::<i64>(2)?;
    }
    drop(stream);
    let scan = started.elapsed().as_secs_f64();
    println!("  bare scan of the due lots: {rows} lots, {points} points in {scan:.2} s");

    let started = Instant::now();
    let (written, expired) =
        loyalty::expiry::pass_workspace(db, ws, at).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let pass = started.elapsed().as_secs_f64();
    let left = point_lot::Entity::find()
        .filter(point_lot::Column::WorkspaceId.eq(ws))
        .filter(point_lot::Column::Remaining.gt(0))
        .select_only()
        .column(point_lot::Column::Id)
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .len();
    let held: Option<i64> = point_account::Entity::find()
        .select_only()
        .column_as(Expr::col(point_account::Column::Held).sum().cast_as("BIGINT"), "held")
        .filter(point_account::Column::WorkspaceId.eq(ws))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    anyhow::ensure!(
        left == 0 && held == Some(0) && expired == points,
        "the pass left {left} lots, {held:?} held"
    );
    #[allow(clippy::cast_precision_loss, reason = "a count of lots")]
    let rate = rows as f64 / pass.max(1e-9);
    println!(
        "  expiry pass: {written} members, {expired} points, {rows} lots in {pass:.2} s ({rate:.0} lots/s); pass / bare scan = {:.1}",
        pass / scan.max(1e-9)
    );
    Ok(())
}

/// Writes `members` customers of `ws`, each with `per_member` expired lots of 10 points, their
/// accounts and the operation the lots belong to, straight into the tables.
async fn write_expired(
    db: &sea_orm::DatabaseConnection,
    ws: Uuid,
    members: usize,
    per_member: usize,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let now = Utc::now();
    let first = crate::customers::service::allocate_numbers(db, ws, i64::try_from(members)?)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ids: Vec<Uuid> = (0..members).map(|_| Uuid::now_v7()).collect();
    let operations: Vec<Uuid> = (0..members).map(|_| Uuid::now_v7()).collect();
    for (chunk, start) in ids.chunks(2_000).zip((0..).step_by(2_000)) {
        let txn = db::begin_write(db).await?;
        db::insert_chunks(
            &txn,
            chunk
                .iter()
                .enumerate()
                .map(|(i, id)| customer::ActiveModel {
                    id: Set(*id),
                    workspace_id: Set(ws),
                    number: Set(first + i64::try_from(start + i).unwrap_or(0)),
                    name: Set(format!("Member {}", start + i)),
                    gender: Set("unknown".to_owned()),
                    lifecycle_stage: Set("customer".to_owned()),
                    first_seen_at: Set(now),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                })
                .collect(),
        )
        .await?;
        let ops = &operations[start..start + chunk.len()];
        db::insert_chunks(
            &txn,
            chunk
                .iter()
                .zip(ops)
                .map(|(c, op)| point_operation::ActiveModel {
                    id: Set(*op),
                    workspace_id: Set(ws),
                    customer_id: Set(*c),
                    kind: Set("adjust".to_owned()),
                    points: Set(i64::try_from(per_member * 10).unwrap_or(0)),
                    balance_after: Set(i64::try_from(per_member * 10).unwrap_or(0)),
                    transaction_id: Set(None),
                    external_ref: Set(None),
                    reason: Set(Some("bench".to_owned())),
                    actor_user_id: Set(None),
                    actor_token_id: Set(None),
                    created_at: Set(now),
                })
                .collect(),
        )
        .await?;
        db::insert_chunks(
            &txn,
            chunk
                .iter()
                .map(|c| point_account::ActiveModel {
                    customer_id: Set(*c),
                    workspace_id: Set(ws),
                    held: Set(i64::try_from(per_member * 10).unwrap_or(0)),
                    debt: Set(0),
                    version: Set(1),
                    updated_at: Set(now),
                })
                .collect(),
        )
        .await?;
        let mut rows = Vec::with_capacity(chunk.len() * per_member);
        for (c, op) in chunk.iter().zip(ops) {
            for k in 0..per_member {
                let age = i64::try_from(k % 30).unwrap_or(0);
                rows.push(point_lot::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    workspace_id: Set(ws),
                    customer_id: Set(*c),
                    source: Set("adjustment".to_owned()),
                    points: Set(10),
                    remaining: Set(10),
                    available_at: Set(now - Duration::days(400)),
                    expires_at: Set(Some(now - Duration::days(1 + age))),
                    transaction_id: Set(None),
                    amount_minor: Set(None),
                    rule_version: Set(None),
                    stars: Set(None),
                    multiplier_milli: Set(None),
                    snapshot: Set(None),
                    operation_id: Set(*op),
                    created_at: Set(now),
                });
            }
        }
        db::insert_chunks(&txn, rows).await?;
        txn.commit().await?;
    }
    db::refresh_statistics(db, &["point_lots", "point_accounts", "point_operations"]).await?;
    println!("  written in {:.1} s", started.elapsed().as_secs_f64());

    Ok(())
}
