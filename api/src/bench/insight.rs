//! `starcrm bench insight`: the purchase-behaviour models at volume. Generates `--customers N`
//! customers with about `--purchases K` purchases each (the seed generator's histories) in a
//! workspace of its own (or takes `--workspace`, one that exists), then times, as the median of
//! `--runs` runs after a first pass:
//!
//! - the insight pass: reading every buyer's purchase days (grouped to days in SQL, packed to
//!   one row per buyer, one streamed statement), fitting BG/NBD, the modified BG/NBD,
//!   Gamma-Gamma and the calibration fit, scoring and writing every buyer's row, moving lifecycle stages; each step's share;
//! - against the bare summary SQL: the same purchases grouped to days and then to one summary
//!   row per customer (count, first and last day, spend) in one statement, streamed and counted.
//!
//! - recommendations: the baskets, products and pairs counted (SQL), associations kept and
//!   stored, and the offline check (each sampled customer's last purchase held out: hit rate at
//!   10 against the 10 best sellers, McNemar's test), against the bare pair query alone.
//!
//! - dashboards: the workspace rated once (the first stars, as `starcrm seed` gives them), then
//!   each chart of the dashboards page (`analytics { ... }`) asked through the API over HTTP
//!   (auth, GraphQL, JSON) `DASHBOARD_REQUESTS` times (fewer once a chart has taken
//!   `DASHBOARD_BUDGET`: at a million customers a chart can take seconds), p95, against the
//!   same statements called directly on the pool (no HTTP, GraphQL or auth), p95; the two
//!   sides in turn.

use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::TryStreamExt;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Statement, StreamTrait,
};
use uuid::Uuid;

use super::surveys::{median, report};
use super::{generate_printed, ms, scratch_workspace};
use crate::config::Settings;
use crate::entities::transaction;
use crate::insight::{lifecycle, pass, settings};
use crate::seed::generator::Plan;
use crate::state::AppState;

/// The bare summary: purchases to days, days to one row per customer, streamed and counted.
async fn bare_summary(db: &DatabaseConnection, ws: Uuid, currency: &str, offset: i32) -> anyhow::Result<u64> {
    let backend = db.get_database_backend();
    let days = pass::days_sql(backend, offset);
    let sql = format!(
        "SELECT customer_id, COUNT(*) AS days, MIN(day) AS first, MAX(day) AS last, SUM(spend) AS spend \
         FROM ({days}) d GROUP BY customer_id"
    );
    let stmt = Statement::from_sql_and_values(backend, sql, [ws.into(), currency.into(), Utc::now().into()]);
    let mut stream = db.stream_raw(stmt).await?;
    let mut rows = 0;
    while stream.try_next().await?.is_some() {
        rows += 1;
    }
    Ok(rows)
}

/// Time spent in each step of one pass.
#[derive(Default)]
struct Steps {
    observe: Duration,
    fit: Duration,
    write: Duration,
    stages: Duration,
    moved: u64,
}

/// One pass with its steps timed (what `insight::pass::run` does, step by step).
async fn timed_pass(
    db: &DatabaseConnection,
    ws: Uuid,
) -> anyhow::Result<(Steps, starcrm_shared::insight::report::ModelReport)> {
    let err = |e: crate::error::AppError| anyhow::anyhow!("{e}");
    let now = Utc::now();
    let ctx = crate::ratings::engine::Context::load(db, ws).await.map_err(err)?;
    let chosen = settings::Settings::load(db, ws).await.map_err(err)?;
    let offset = pass::offset_of(ctx.tz, now);
    let today = pass::day_of(now, offset);
    let cut_off = today - 90;
    let mut steps = Steps::default();
    let started = Instant::now();
    let customers = std::sync::Arc::new(
        pass::observe(db, ws, &ctx.currency, (now, offset), Some(cut_off)).await.map_err(err)?,
    );
    steps.observe = started.elapsed();
    let started = Instant::now();
    let (report, fitted) = pass::fit(&customers, chosen.model, Some((90, String::new())), String::new());
    steps.fit = started.elapsed();
    // As `pass::run`: the rows and the stages written side by side, each timed on its own.
    let started = Instant::now();
    let (written, staged) = tokio::join!(
        async {
            (pass::write(db, ws, now, std::sync::Arc::clone(&customers), fitted).await, started.elapsed())
        },
        async {
            (lifecycle::apply(db, ws, now, &chosen, &customers, &fitted, today).await, started.elapsed())
        },
    );
    written.0.map_err(err)?;
    steps.write = written.1;
    steps.moved = staged.0.map_err(err)?;
    steps.stages = staged.1;
    Ok((steps, report))
}

/// What `starcrm bench insight` measures: a workspace it generates, or one that exists.
#[derive(Clone, Debug)]
pub enum InsightSize {
    Generate { customers: u64, purchases: u64 },
    Existing(String),
}

impl InsightSize {
    #[must_use]
    pub fn of(workspace: Option<String>, customers: u64, purchases: u64) -> Self {
        workspace.map_or(Self::Generate { customers, purchases }, Self::Existing)
    }
}

/// The workspace to measure: generated (and its size printed) or found.
async fn workspace_of(state: &AppState, size: InsightSize, runs: usize) -> anyhow::Result<Uuid> {
    let db = &state.db;
    Ok(match size {
        InsightSize::Generate { customers, purchases } => {
            let workspace =
                scratch_workspace(state, &format!("bench insight {}", Uuid::now_v7().simple())).await?;
            println!(
                "bench insight: {customers} customers ({:?}), median of {runs} runs",
                state.info.database
            );
            let plan = Plan { customers, transactions: customers * purchases, seed: 22, now: Utc::now() };
            generate_printed(db, workspace.id, plan).await?;
            workspace.id
        }
        InsightSize::Existing(name) => {
            let (workspace, customers, _) = super::prepare(state, Some(&name)).await?;
            let transactions = transaction::Entity::find()
                .filter(transaction::Column::WorkspaceId.eq(workspace.id))
                .count(db)
                .await?;
            println!(
                "bench insight: workspace {} with {customers} customers and {transactions} transactions ({:?}), \
                 median of {runs} runs",
                workspace.name, state.info.database
            );
            workspace.id
        }
    })
}

/// `starcrm bench insight`.
///
/// # Errors
/// The database failing; no such workspace.
pub async fn insight(settings: &Settings, size: InsightSize, runs: usize) -> anyhow::Result<()> {
    let state = AppState::init(settings).await?;
    let db = state.db.clone();
    let ws = workspace_of(&state, size, runs).await?;
    crate::db::refresh_statistics(&db, &["customers", "transactions"]).await?;
    let ctx = crate::ratings::engine::Context::load(&db, ws).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let offset = pass::offset_of(ctx.tz, Utc::now());
    let currency = ctx.currency.clone();

    let buyers = bare_summary(&db, ws, &currency, offset).await?;
    let bare = median(runs, || async { bare_summary(&db, ws, &currency, offset).await.map(|_| ()) }).await?;
    // The first pass moves every buyer's stage; the runs after it few.
    let started = Instant::now();
    let (first, fitted) = timed_pass(&db, ws).await?;
    let first_total = started.elapsed();
    println!(
        "  fit on {} buyers ({} repeat, {} distinct summaries): {:?}; calibration {}",
        fitted.customers,
        fitted.repeat_buyers,
        fitted.distinct_summaries,
        fitted.status,
        fitted
            .calibration
            .as_ref()
            .map_or_else(|| "none".to_owned(), |c| format!("relative error {:.3}", c.relative_error)),
    );
    for m in &fitted.count_models {
        println!(
            "    {:?}: r {:.4} alpha {:.3} a {:.4} b {:.4} (LL {:.5}, {} evaluations)",
            m.kind, m.r, m.alpha, m.a, m.b, m.log_likelihood, m.evaluations
        );
    }
    if let Some(s) = &fitted.spend {
        println!("    Gamma-Gamma: p {:.4} q {:.4} v {:.1}", s.p, s.q, s.v);
    }
    println!(
        "  first pass: {:.1} s (read {:.1} s, fit {:.1} s, then side by side write {:.1} s and stages {:.1} s: {} moved)",
        first_total.as_secs_f64(),
        first.observe.as_secs_f64(),
        first.fit.as_secs_f64(),
        first.write.as_secs_f64(),
        first.stages.as_secs_f64(),
        first.moved
    );
    let last = std::cell::RefCell::new(Steps::default());
    let ours = median(runs, || async {
        let (steps, _) = timed_pass(&db, ws).await?;
        *last.borrow_mut() = steps;
        Ok(())
    })
    .await?;
    let last = last.into_inner();
    println!(
        "  a later pass: read {:.0} ms, fit {:.0} ms, then side by side write {:.0} ms and stages {:.0} ms ({} moved)",
        ms(last.observe),
        ms(last.fit),
        ms(last.write),
        ms(last.stages),
        last.moved
    );
    report(
        &format!("insight pass over {buyers} buyers (read, fit, score, write, stages)"),
        ours,
        "bare summary SQL",
        bare,
    );
    recommendations(&db, ws, offset).await?;
    dashboards(&state, ws).await
}

/// Requests per chart and side in the dashboards' benchmark.
const DASHBOARD_REQUESTS: usize = 20;
/// Time per chart after which no more rounds are made (at least 3 are).
const DASHBOARD_BUDGET: Duration = Duration::from_secs(60);

/// The dashboards page's charts: (name, its query).
const CHARTS: [(&str, &str); 6] = [
    ("star trend, 12 months", "{ analytics { starTrend(months: 12) { counts } } }"),
    ("migration matrix, 90 days", "{ analytics { starMigration { matrix } } }"),
    (
        "by star level, 30 days",
        "{ analytics { byStarLevel(days: 30) { revenueMinor nps csat churnRate slaHitRate } } }",
    ),
    ("cohorts, 12 months", "{ analytics { cohorts(months: 12) { retained } } }"),
    ("lifecycle funnel", "{ analytics { lifecycleFunnel { customers valueAtRiskMinor } } }"),
    (
        "demand, 36 months",
        "{ analytics { demand(months: 36) { byCategory { forecast } byStars { forecast } } } }",
    ),
];

/// The p95 of `a` and of `b` over up to `n` rounds after a warm-up of each, the two called in
/// turn (which goes first alternating, so a cache warmed or a plan changed falls on both alike),
/// and the rounds made: at least 3, no more once [`DASHBOARD_BUDGET`] has been spent.
async fn paired_p95<A, FutA, B, FutB>(n: usize, a: A, b: B) -> anyhow::Result<(Duration, Duration, usize)>
where
    A: Fn() -> FutA,
    FutA: Future<Output = anyhow::Result<()>>,
    B: Fn() -> FutB,
    FutB: Future<Output = anyhow::Result<()>>,
{
    a().await?;
    b().await?;
    let (mut times_a, mut times_b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let started = Instant::now();
    for round in 0..n {
        if round >= 3 && started.elapsed() > DASHBOARD_BUDGET {
            break;
        }
        for side in [round % 2, 1 - round % 2] {
            let begun = Instant::now();
            if side == 0 {
                a().await?;
                times_a.push(begun.elapsed());
            } else {
                b().await?;
                times_b.push(begun.elapsed());
            }
        }
    }
    let rounds = times_a.len();
    Ok((p95_of(times_a), p95_of(times_b), rounds))
}

fn p95_of(mut times: Vec<Duration>) -> Duration {
    times.sort();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index"
    )]
    let rank = ((times.len() as f64 - 1.0) * 0.95).round() as usize;
    times.get(rank.min(times.len().saturating_sub(1))).copied().unwrap_or_default()
}

/// Rates the workspace once, then times each chart through the API against the direct calls.
async fn dashboards(state: &AppState, ws: Uuid) -> anyhow::Result<()> {
    use crate::insight::analytics::{self, Frame};
    use crate::ratings::{jobs, scheduler};
    let db = &state.db;
    let started = Instant::now();
    let scope = crate::auth::Scope::system(ws);
    let txn = crate::db::begin_write(db).await?;
    let job = jobs::enqueue(&txn, &scope, starcrm_shared::rating::Trigger::Initial)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    txn.commit().await?;
    let opts = jobs::RunOptions { batch_size: 2_000, ..jobs::RunOptions::default() };
    jobs::run(db, job.id, &scheduler::worker_name(), &opts).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    crate::db::refresh_statistics(db, &["star_history", "customers"]).await?;
    println!(
        "  dashboards: rated every customer once in {:.1} s (star history to read)",
        started.elapsed().as_secs_f64()
    );

    let token = super::owner_token(state, ws).await?;
    let served = super::Served::start(state.clone()).await?;
    let client = reqwest::Client::new();
    let now = Utc::now();
    let frame = Frame::of(db, &scope, now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let today = frame.today();
    for (k, (name, query)) in CHARTS.iter().enumerate() {
        let body = serde_json::json!({ "query": query });
        let api = || super::post(&client, &served.url, &token, &body, b"analytics");
        let direct = || async {
            let done = match k {
                0 => analytics::star_trend(db, &frame, 12).await.map(|_| ()),
                1 => analytics::star_migration(db, &frame, today - chrono::Duration::days(90), today)
                    .await
                    .map(|_| ()),
                2 => analytics::by_star_level(db, &scope, &frame, now - chrono::Duration::days(30))
                    .await
                    .map(|_| ()),
                3 => analytics::cohorts(db, &frame, 12).await.map(|_| ()),
                4 => analytics::lifecycle_funnel(db, &frame).await.map(|_| ()),
                _ => analytics::demand(db, &frame, 36).await.map(|_| ()),
            };
            done.map_err(|e| anyhow::anyhow!("{e}"))
        };
        let (api, direct, rounds) = paired_p95(DASHBOARD_REQUESTS, api, direct).await?;
        println!(
            "  dashboard {name}: API p95 {:.1} ms vs the statements called directly p95 {:.1} ms = {:.2}x \
             ({rounds} each, in turn)",
            ms(api),
            ms(direct),
            api.as_secs_f64() / direct.as_secs_f64().max(1e-9)
        );
    }
    served.stop().await
}

/// Times learning the recommendations and prints their offline check.
async fn recommendations(db: &DatabaseConnection, ws: Uuid, offset: i32) -> anyhow::Result<()> {
    let started = Instant::now();
    let r = crate::insight::recommend::learn(db, ws, offset).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let learnt = started.elapsed();
    let started = Instant::now();
    let backend = db.get_database_backend();
    let stmt = Statement::from_sql_and_values(backend, crate::insight::recommend::pairs_sql(), [ws.into()]);
    let mut stream = db.stream_raw(stmt).await?;
    let mut pairs = 0_u64;
    while stream.try_next().await?.is_some() {
        pairs += 1;
    }
    drop(stream);
    let bare = started.elapsed();
    println!(
        "  recommendations: {} purchases with products, {} products, {} associations kept; learnt, stored and \
         checked in {:.1} s vs the bare pair query ({pairs} pairs) {:.1} s = {:.2}x",
        r.baskets,
        r.products,
        r.associations,
        learnt.as_secs_f64(),
        bare.as_secs_f64(),
        learnt.as_secs_f64() / bare.as_secs_f64().max(1e-9)
    );
    let e = r.evaluation;
    let verdict = if e.better() {
        "better"
    } else if e.worse() {
        "worse"
    } else {
        "no significant difference"
    };
    println!(
        "  offline check, last purchase of {} customers held out: hit rate at {} {:.1}% vs best sellers {:.1}% \
         (only ours {}, only best sellers {}; McNemar p = {:.4}: {verdict})",
        e.customers,
        e.k,
        e.hit_rate() * 100.0,
        e.popular_hit_rate() * 100.0,
        e.only_ours,
        e.only_popular,
        e.p_value(),
    );
    Ok(())
}
