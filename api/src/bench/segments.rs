//! `starcrm bench segments`: segments and RFM at volume. Generates `--customers N` customers
//! with two purchases each on average (the seed generator's histories) in a workspace of its own,
//! then times, as the median of `--runs` runs:
//!
//! - materialising a 3-condition segment (at least 2 orders, spend at least ¥500, no purchase
//!   for 60 days) through the service that saves it (checks, the condition built from the filter
//!   language, the member rows, the audit entry) against the bare `INSERT ... SELECT` of the same
//!   members written by hand;
//! - RFM scoring (quintiles by rank over three window functions, the named group, the scores that
//!   changed written) against the bare window query alone (computed, not written) and against
//!   writing its result into a fresh table with no index: the first scoring of the workspace
//!   (every row new) once, then the median of the runs after it (day to day: few changes);
//! - keeping a segment current: `--changes` recorded star changes applied by the feed worker
//!   (changes per second);
//! - preparing an email campaign with a personal coupon to every customer who has bought (each customer's consent, address and contact budget read, the holdout drawn, the
//!   message rendered with its coupon and unsubscribe link, recipient and outbox rows written, in
//!   one transaction) against the bare `INSERT ... SELECT` of the same audience with its consent
//!   and address into a plain table; in recipients per second.

use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Statement};
use serde_json::json;
use uuid::Uuid;

use super::surveys::{median, report};
use super::{generate_printed, ms, scratch_workspace};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::config::Settings;
use crate::customers::query::{Filter, Range};
use crate::entities::customer;
use crate::marketing::{membership, rfm, segments};
use crate::seed::generator::Plan;
use crate::state::AppState;

/// The hand-written SQL of the benchmark's segment (`$1` workspace, `$2` the segment, `$3` now,
/// `$4` sixty days before).
const BARE_MEMBERS: &str = "INSERT INTO segment_members (segment_id, customer_id, workspace_id, entered_at)
  SELECT $2, id, workspace_id, $3 FROM customers
  WHERE workspace_id = $1 AND merged_into IS NULL AND deleted_at IS NULL
    AND order_count >= 2 AND total_spend_minor >= 50000 AND last_purchase_at <= $4";

fn filter() -> (Filter, serde_json::Value) {
    let filter = Filter {
        order_count: Some(Range { min: Some(2), max: None }),
        total_spend_minor: Some(Range { min: Some(50_000), max: None }),
        days_since_last_purchase: Some(Range { min: Some(60), max: None }),
        ..Filter::default()
    };
    let json = json!({ "orderCount": { "min": 2 }, "totalSpend": { "min": 50_000 }, "daysSinceLastPurchase": { "min": 60 } });
    (filter, json)
}

/// `starcrm bench segments`.
///
/// # Errors
/// The database failing.
pub async fn segments(
    settings: &Settings,
    customers: u64,
    runs: usize,
    changes: usize,
) -> anyhow::Result<()> {
    let state = AppState::init(settings).await?;
    let db = state.db.clone();
    let workspace = scratch_workspace(&state, &format!("bench segments {}", Uuid::now_v7().simple())).await?;
    let ws = workspace.id;
    println!("bench segments: {customers} customers ({:?}), median of {runs} runs", state.info.database);
    let plan = Plan { customers, transactions: customers * 2, seed: 21, now: Utc::now() };
    generate_printed(&db, ws, plan).await?;
    crate::db::refresh_statistics(&db, &["customers", "transactions"]).await?;
    let scope = Scope::system(ws);

    let (members, ours, bare) = materialise(&db, &scope, runs).await?;
    println!("  segment of 3 conditions: {members} members");
    report("materialise through the service", ours, "bare INSERT ... SELECT", bare);

    let computed = median(runs, || bare_scores(&db, ws)).await?;
    let written = median(runs, || bare_scores_written(&db, ws)).await?;
    let started = Instant::now();
    rfm::score(&db, ws, Utc::now()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let first = started.elapsed();
    report("RFM first scoring (every row new)", first, "bare window query written to a plain table", written);
    let ours = median(runs, || async {
        rfm::score(&db, ws, Utc::now()).await.map(|_| ()).map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await?;
    let scored = rfm::grid(&db, &scope)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .cells
        .iter()
        .map(|c| c.customers)
        .sum::<u64>();
    println!("  RFM: {scored} buying customers scored");
    report("RFM scoring again (changes written)", ours, "bare window query, computed only", computed);
    report(
        "RFM scoring again (changes written)",
        ours,
        "bare window query written to a plain table",
        written,
    );

    feed(&db, &scope, changes).await?;
    campaign(&db, &scope, runs).await?;
    Ok(())
}

/// The bare baseline of a campaign's preparation: the audience with its email consent and
/// address, written into a plain table (`$1` the workspace).
const BARE_AUDIENCE: &str = "INSERT INTO bench_audience (customer_id, consent, address)
  SELECT c.id,
    CASE WHEN EXISTS (SELECT 1 FROM customer_consents k WHERE k.customer_id = c.id AND k.channel = 'email' AND k.granted) THEN 1 ELSE 0 END,
    (SELECT e.email FROM customer_emails e WHERE e.customer_id = c.id ORDER BY e.is_primary DESC LIMIT 1)
  FROM customers c
  WHERE c.workspace_id = $1 AND c.merged_into IS NULL AND c.deleted_at IS NULL AND c.order_count >= 1";

/// The benchmark's campaign: email with a personal coupon to every customer who has bought.
fn campaign_spec(run: usize) -> crate::marketing::campaigns::Spec {
    crate::marketing::campaigns::Spec {
        name: format!("bench {run} {}", Uuid::now_v7().simple()),
        channel: starcrm_shared::surveys::MessageChannel::Email,
        segment_id: None,
        stars: Vec::new(),
        filter: Some((
            Filter { order_count: Some(Range { min: Some(1), max: None }), ..Filter::default() },
            json!({ "orderCount": { "min": 1 } }),
        )),
        near_next_star: None,
        content: vec![starcrm_shared::surveys::Template {
            language: "zh-CN".to_owned(),
            subject: "{name}，老客专享".to_owned(),
            body: "{name}您好！您的专属优惠码 {coupon}，积分 {points}。".to_owned(),
        }],
        offer: starcrm_shared::campaigns::CampaignOffer::Coupon,
        offer_text: None,
        coupon_prefix: Some("BENCH".to_owned()),
        coupon_reward_id: None,
        bonus_points: None,
        holdout_percent: None,
        window_days: None,
        throttle_per_hour: None,
        cost_per_message_minor: 0,
        fixed_cost_minor: 0,
        send_at: None,
        preset: None,
    }
}

/// The bare baseline once, in a table made for it and dropped after; rows written and the time.
async fn bare_audience(db: &DatabaseConnection, workspace_id: Uuid) -> anyhow::Result<(u64, Duration)> {
    let backend = db.get_database_backend();
    let uuid_type = if backend == sea_orm::DatabaseBackend::Postgres { "uuid" } else { "" };
    db.execute_unprepared(&format!(
        "CREATE TABLE bench_audience (customer_id {uuid_type}, consent INTEGER, address TEXT)"
    ))
    .await?;
    let started = Instant::now();
    let txn = crate::db::begin_write(db).await?;
    let n = txn
        .execute_raw(Statement::from_sql_and_values(backend, BARE_AUDIENCE, [workspace_id.into()]))
        .await?
        .rows_affected();
    txn.commit().await?;
    let took = started.elapsed();
    db.execute_unprepared("DROP TABLE bench_audience").await?;
    Ok((n, took))
}

/// Prepares a campaign to every customer who has bought `runs` times (after a warm-up),
/// each a new campaign whose rows are removed after it, against the bare baseline.
async fn campaign(db: &DatabaseConnection, scope: &Scope, runs: usize) -> anyhow::Result<()> {
    use crate::marketing::{audience, campaigns};
    let input = crate::messaging::settings::MessagingInput {
        link_base: Some(Some("https://crm.example.com".to_owned())),
        ..Default::default()
    };
    let messaging =
        crate::messaging::settings::save(db, scope, input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let backend = db.get_database_backend();
    let (mut ours, mut bare, mut prepared) = (Vec::new(), Vec::new(), audience::Prepared::default());
    for run in 0..=runs.max(1) {
        let spec = campaign_spec(run);
        let c = campaigns::create(db, scope, &spec).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let started = Instant::now();
        let txn = crate::db::begin_write(db).await?;
        let done = audience::prepare(&*txn, &c, &messaging, Utc::now())
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        txn.commit().await?;
        let took = started.elapsed();
        prepared = done;
        // Untimed: the run's rows go, so every run starts from the same tables.
        let origin = format!("campaign:{}:%", c.row.id);
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "DELETE FROM messages WHERE workspace_id = $1 AND origin LIKE $2",
            [scope.workspace_id.into(), origin.into()],
        ))
        .await?;
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "DELETE FROM campaigns WHERE id = $1",
            [c.row.id.into()],
        ))
        .await?;

        let (n, bare_took) = bare_audience(db, scope.workspace_id).await?;
        anyhow::ensure!(
            n == done.audience,
            "the bare SQL found {n} customers, the campaign {}",
            done.audience
        );
        if run > 0 {
            ours.push(took);
            bare.push(bare_took);
        }
    }
    ours.sort();
    bare.sort();
    let (ours, bare) = (ours[ours.len() / 2], bare[bare.len() / 2]);
    println!(
        "  campaign to {} customers: {} excluded (consent, address, budget), {} held out, {} messages queued",
        prepared.audience, prepared.excluded, prepared.held_out, prepared.queued
    );
    #[allow(clippy::cast_precision_loss)]
    let rate = prepared.audience as f64 / ours.as_secs_f64().max(1e-9);
    println!("  campaign preparation: {rate:.0} recipients/s");
    report(
        "campaign preparation (recipients + messages written)",
        ours,
        "bare INSERT ... SELECT of the audience with consent and address",
        bare,
    );
    Ok(())
}

/// Creates the segment through the service and writes the same members by hand, `runs` times
/// each (after one warm-up of each); returns the member count and the median times.
async fn materialise(
    db: &DatabaseConnection,
    scope: &Scope,
    runs: usize,
) -> anyhow::Result<(i64, Duration, Duration)> {
    let (filter, json) = filter();
    let (mut ours, mut bare, mut members) = (Vec::new(), Vec::new(), 0);
    for run in 0..=runs.max(1) {
        let spec = segments::Spec {
            name: format!("bench {run} {}", Uuid::now_v7().simple()),
            description: None,
            filter: filter.clone(),
            filter_json: json.clone(),
        };
        let started = Instant::now();
        let saved = segments::create(db, scope, &spec).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let took = started.elapsed();
        members = saved.row.member_count;
        segments::delete(db, scope, saved.row.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;

        // The same members by hand, under a segment row made by hand.
        let spec = segments::Spec { name: format!("bare {run} {}", Uuid::now_v7().simple()), ..spec };
        let scratch = segments::create(
            db,
            scope,
            &segments::Spec {
                filter: Filter {
                    order_count: Some(Range { min: Some(i32::MAX), max: None }),
                    ..Filter::default()
                },
                filter_json: json!({ "orderCount": { "min": i32::MAX } }),
                ..spec
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let now = Utc::now();
        let started = Instant::now();
        let txn = crate::db::begin_write(db).await?;
        let backend = txn.get_database_backend();
        let n = txn
            .execute_raw(Statement::from_sql_and_values(
                backend,
                BARE_MEMBERS,
                [
                    scope.workspace_id.into(),
                    scratch.row.id.into(),
                    now.into(),
                    (now - chrono::Duration::days(60)).into(),
                ],
            ))
            .await?
            .rows_affected();
        txn.commit().await?;
        let bare_took = started.elapsed();
        // The two count "60 days ago" from instants a moment apart: a customer whose last purchase
        // falls in between is in one and not the other.
        let n = i64::try_from(n)?;
        anyhow::ensure!(
            (n - members).abs() <= 1 + members / 1_000,
            "the bare SQL found {n} members, the service {members}"
        );
        segments::delete(db, scope, scratch.row.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        if run > 0 {
            ours.push(took);
            bare.push(bare_took);
        }
    }
    ours.sort();
    bare.sort();
    Ok((members, ours[ours.len() / 2], bare[bare.len() / 2]))
}

/// The window query alone, every row computed (summed so nothing is skipped).
async fn bare_scores(db: &DatabaseConnection, workspace_id: Uuid) -> anyhow::Result<()> {
    let sql = format!("SELECT COUNT(*), SUM(r), SUM(f), SUM(m), SUM(fm) FROM ({}) s", rfm::scores_sql());
    db.query_one_raw(Statement::from_sql_and_values(db.get_database_backend(), sql, [workspace_id.into()]))
        .await?;
    Ok(())
}

/// The window query written into a new table with no index, dropped after.
async fn bare_scores_written(db: &DatabaseConnection, workspace_id: Uuid) -> anyhow::Result<()> {
    let txn = crate::db::begin_write(db).await?;
    let backend = txn.get_database_backend();
    let sql = format!("CREATE TABLE bench_rfm_scores AS {}", rfm::scores_sql());
    txn.execute_raw(Statement::from_sql_and_values(backend, sql, [workspace_id.into()])).await?;
    txn.execute_unprepared("DROP TABLE bench_rfm_scores").await?;
    txn.commit().await?;
    Ok(())
}

/// A segment of 4-5 star customers kept current while `count` customers' stars change: the
/// changes are recorded (stars set directly, one event each, as the star engine records them),
/// then the worker applies them; prints changes per second and who moved.
async fn feed(db: &DatabaseConnection, scope: &Scope, count: usize) -> anyhow::Result<()> {
    if count == 0 {
        return Ok(());
    }
    let spec = segments::Spec {
        name: format!("bench feed {}", Uuid::now_v7().simple()),
        description: None,
        filter: Filter { stars: Some(Range { min: Some(4), max: None }), ..Filter::default() },
        filter_json: json!({ "stars": { "min": 4 } }),
    };
    let segment = segments::create(db, scope, &spec).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let ids: Vec<Uuid> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .filter(sea_orm::ColumnTrait::eq(&customer::Column::WorkspaceId, scope.workspace_id))
        .limit(u64::try_from(count)?)
        .into_tuple()
        .all(db)
        .await?;
    for (i, chunk) in ids.chunks(500).enumerate() {
        let stars = i16::try_from(1 + i % 5)?;
        let txn = crate::db::begin_write(db).await?;
        customer::Entity::update_many()
            .col_expr(customer::Column::Stars, sea_orm::sea_query::Expr::value(stars))
            .filter(sea_orm::ColumnTrait::is_in(&customer::Column::Id, chunk.iter().copied()))
            .exec(&txn)
            .await?;
        let events = chunk
            .iter()
            .map(|id| Change::new(scope.workspace_id, Kind::StarsChanged, *id).with(json!({ "to": stars })))
            .collect();
        changes::record(&txn, events).await?;
        txn.commit().await?;
    }
    let started = Instant::now();
    let (moves, _) =
        membership::advance(db, segment.row.id, Utc::now()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let took = started.elapsed();
    #[allow(clippy::cast_precision_loss, reason = "a rate for display")]
    let rate = ids.len() as f64 / took.as_secs_f64().max(1e-9);
    println!(
        "  feed: {} star changes applied to a live segment in {:.1} ms ({rate:.0} changes/s): {} entered, {} left",
        ids.len(),
        ms(took),
        moves.entered,
        moves.left
    );
    segments::delete(db, scope, segment.row.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}
