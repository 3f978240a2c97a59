//! Whole-workspace re-rating as a job in the database. A run reads every customer's window
//! aggregates with one streaming set-based query, measures the population (quantiles for
//! percentile criteria), evaluates everyone with the shared scoring function and writes back
//! only the customers whose rating changed, in batches: each batch's updates, history rows,
//! events and the job's cursor commit together. A runner holds a lease on the job, renewed each
//! batch; other replicas skip a leased job, and take it over when the lease lapses (the runner
//! died), resuming after the cursor with the same policy, window and population. History rows
//! are unique per job and customer, so a resumed run never doubles them.

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, Statement, StreamTrait, Value,
};
use serde::{Deserialize, Serialize};
use starcrm_shared::Permission;
use starcrm_shared::customer::{TransactionKind, TransactionStatus};
use starcrm_shared::rating::{Criterion, JobStatus, NormalisationKind, PopulationStats, Trigger};
use uuid::Uuid;

use super::engine::{self, Cause, Change, Context, Outcome, Rated};
use super::policy;
use crate::auth::Scope;
use crate::customers::aggregates::Aggregates;
use crate::entities::{job, rating_policy};
use crate::error::AppError;

/// The kind of the re-rating job in the `jobs` table.
pub const RERATE: &str = "rerate";

/// How a run goes.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Customers per written batch.
    pub batch_size: usize,
    /// Stop (as if killed) after this many batches: tests of resumption.
    pub stop_after_batches: Option<usize>,
    /// The clock (tests move it past a lease).
    pub now: Option<DateTime<Utc>>,
    /// Rate as things stood at `now` (a new run only): only purchases, complaints and answers
    /// before it count, customers neither seen nor buying before it are left out, the history is dated
    /// then, and no change is announced (no events, no follow-ups). `starcrm seed` replays a
    /// demo's past month ends with it.
    pub as_of: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { batch_size: 2_000, stop_after_batches: None, now: None, as_of: false }
    }
}

/// What a run pins at its start, so a resumed run rates exactly as the first attempt would.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    version: i32,
    window_start: DateTime<Utc>,
    today: NaiveDate,
    now: DateTime<Utc>,
    stats: PopulationStats,
    /// Rated as of `now` ([`RunOptions::as_of`]).
    #[serde(default)]
    as_of: bool,
}

/// Queues a re-rating of the workspace (or returns the one already queued or running).
///
/// # Errors
/// Database failures.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    trigger: Trigger,
) -> Result<job::Model, AppError> {
    if let Some(open) = open_job(conn, scope.workspace_id).await? {
        return Ok(open);
    }
    let new = crate::jobs::queued(scope, RERATE, trigger.as_str(), None);
    match job::Entity::insert(new).exec_with_returning(conn).await {
        Ok(created) => Ok(created),
        // Queued by someone else meanwhile: theirs is the one.
        Err(err) => open_job(conn, scope.workspace_id).await?.ok_or_else(|| AppError::from(err)),
    }
}

async fn open_job(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Option<job::Model>, AppError> {
    Ok(job::Entity::find()
        .filter(job::Column::WorkspaceId.eq(workspace_id))
        .filter(job::Column::Kind.eq(RERATE))
        .filter(job::Column::Status.is_in([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]))
        .one(conn)
        .await?)
}

/// Asks for a re-rating of the workspace. Needs `ratings:manage`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn request(db: &DatabaseConnection, scope: &Scope) -> Result<job::Model, AppError> {
    scope.require(Permission::RatingsManage)?;
    let txn = crate::db::begin_write(db).await?;
    let job = enqueue(&txn, scope, Trigger::Manual).await?;
    txn.commit().await?;
    Ok(job)
}

/// The workspace's latest re-rating jobs, newest first. Needs `ratings:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn recent(db: &DatabaseConnection, scope: &Scope, limit: u64) -> Result<Vec<job::Model>, AppError> {
    scope.require(Permission::RatingsRead)?;
    Ok(job::Entity::find()
        .filter(job::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(job::Column::Kind.eq(RERATE))
        .order_by_desc(job::Column::CreatedAt)
        .limit(limit.clamp(1, 50))
        .all(db)
        .await?)
}

/// One job of the caller's workspace. Needs `ratings:read`.
///
/// # Errors
/// `NOT_FOUND` (also for another workspace's job); `FORBIDDEN`.
pub async fn find(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> Result<job::Model, AppError> {
    scope.require(Permission::RatingsRead)?;
    job::Entity::find_by_id(id)
        .filter(job::Column::WorkspaceId.eq(scope.workspace_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound { entity: "job" })
}

/// Re-ratings waiting for a runner: queued, or running under a lapsed lease.
///
/// # Errors
/// Database failures.
pub async fn runnable(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<job::Model>, AppError> {
    crate::jobs::runnable(db, RERATE, now).await
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    Finished,
    /// Another runner holds the job.
    Busy,
    /// Stopped as asked (`stop_after_batches`), the lease left to lapse.
    Stopped,
}

/// Runs (or resumes) a re-rating job to the end.
///
/// # Errors
/// Database failures (the job is then marked failed with the error).
pub async fn run(
    db: &DatabaseConnection,
    id: Uuid,
    worker: &str,
    opts: &RunOptions,
) -> Result<RunEnd, AppError> {
    let now = opts.now.unwrap_or_else(Utc::now);
    if !crate::jobs::claim(db, id, worker, now).await? {
        return Ok(RunEnd::Busy);
    }
    match run_claimed(db, id, worker, opts).await {
        Ok(end) => Ok(end),
        Err(err) => {
            crate::jobs::finish(db, id, worker, Some(&err.to_string())).await?;
            Err(err)
        }
    }
}

async fn run_claimed(
    db: &DatabaseConnection,
    id: Uuid,
    worker: &str,
    opts: &RunOptions,
) -> Result<RunEnd, AppError> {
    let mut batches = 0;
    let current = job::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound { entity: "job" })?;
    let ctx = Context::load(db, current.workspace_id).await?;
    let pinned = current.params.as_deref().and_then(|p| serde_json::from_str::<Params>(p).ok());
    if pinned.as_ref().is_some_and(|p| p.version != ctx.version) {
        // Resuming a run whose policy was replaced meanwhile: it ends here and a new run (its
        // own job, so its history rows are its own) rates everyone under the new policy.
        return finish(db, &current, None, opts, worker).await;
    }
    let (params, rows) = match pinned {
        // Resuming: the same policy, window and population as the first attempt.
        Some(params) if params.version == ctx.version => {
            let rows =
                read_rows(db, &ctx, (params.window_start, params.now), current.cursor, params.as_of).await?;
            (params, rows)
        }
        _ => {
            let now = opts.now.unwrap_or_else(Utc::now);
            let window_start = ctx.window_start(now);
            let rows = read_rows(db, &ctx, (window_start, now), None, opts.as_of).await?;
            let params = Params {
                version: ctx.version,
                window_start,
                today: ctx.today(now),
                now,
                stats: population(&ctx.policy, &rows),
                as_of: opts.as_of,
            };
            job::Entity::update_many()
                .col_expr(
                    job::Column::Params,
                    Expr::value(serde_json::to_string(&params).map_err(AppError::internal)?),
                )
                .col_expr(job::Column::Total, Expr::value(i64::try_from(rows.len()).unwrap_or(i64::MAX)))
                .col_expr(job::Column::Processed, Expr::value(0_i64))
                .col_expr(job::Column::Changed, Expr::value(0_i64))
                .col_expr(job::Column::Cursor, Expr::value(Option::<Uuid>::None))
                .filter(job::Column::Id.eq(id))
                .exec(db)
                .await?;
            (params, rows)
        }
    };
    let cause = Cause {
        job_id: Some(id),
        ..Cause::system(Trigger::parse(&current.trigger).unwrap_or(Trigger::Manual))
    };
    for chunk in rows.chunks(opts.batch_size.max(1)) {
        if opts.stop_after_batches.is_some_and(|n| batches >= n) {
            return Ok(RunEnd::Stopped);
        }
        write_batch(db, id, worker, &ctx, &params, chunk, &cause).await?;
        batches += 1;
    }
    finish(db, &current, Some(&params), opts, worker).await
}

/// Marks the job done (storing the population it measured on its policy version) and, when a
/// newer policy is active by now, starts a run under it.
async fn finish(
    db: &DatabaseConnection,
    current: &job::Model,
    params: Option<&Params>,
    opts: &RunOptions,
    worker: &str,
) -> Result<RunEnd, AppError> {
    let id = current.id;
    let txn = crate::db::begin_write(db).await?;
    if let Some(params) = params {
        rating_policy::Entity::update_many()
            .col_expr(
                rating_policy::Column::Stats,
                Expr::value(serde_json::to_string(&params.stats).map_err(AppError::internal)?),
            )
            .col_expr(rating_policy::Column::StatsAt, Expr::value(params.now))
            .filter(rating_policy::Column::WorkspaceId.eq(current.workspace_id))
            .filter(rating_policy::Column::Version.eq(params.version))
            .exec(&txn)
            .await?;
    }
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Succeeded.as_str()))
        .col_expr(job::Column::FinishedAt, Expr::value(Utc::now()))
        .col_expr(job::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(job::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    // A policy activated while this ran: a new run rates everyone under it (its own job, so
    // its history rows are its own).
    let latest = policy::ensure_active(&txn, current.workspace_id).await?;
    let follow_up = if params.is_some_and(|p| p.version == latest.version) {
        None
    } else {
        Some(enqueue(&txn, &Scope::system(current.workspace_id), Trigger::PolicyChange).await?)
    };
    txn.commit().await?;
    Context::forget(current.workspace_id);
    match follow_up {
        Some(next) => Box::pin(run(db, next.id, worker, opts)).await,
        None => Ok(RunEnd::Finished),
    }
}

/// One customer as the run reads them.
#[derive(Clone, Debug)]
pub struct Row {
    pub id: Uuid,
    pub rated: Rated,
    pub agg: Aggregates,
}

/// The set-based query behind a run: every rateable customer of workspace `$1` with their
/// spend (in currency `$2`), orders and categories since `$3`, in id order (after `$4` when
/// resuming). One pass over the window's transactions, items and complaints; the benchmark times
/// it bare.
pub fn rows_sql(resume: bool, as_of: bool) -> String {
    let purchase = TransactionKind::Purchase.as_str();
    let refunded = TransactionStatus::Refunded.as_str();
    let complaint = starcrm_shared::service_desk::TicketKind::Complaint.as_str();
    // As of a past instant (`$4`): only what happened before it, first and last purchase
    // before it, customers first seen or buying before it.
    let (before, before_t, seen, first_last, dates) = if as_of {
        (
            "AND occurred_at < $4",
            "AND t.occurred_at < $4",
            "AND (c.first_seen_at < $4 OR f.first_at IS NOT NULL)",
            format!(
                "LEFT JOIN (SELECT customer_id, MIN(occurred_at) AS first_at, MAX(occurred_at) AS last_at \
                    FROM transactions WHERE workspace_id = $1 AND kind = '{purchase}' AND status <> '{refunded}' \
                      AND occurred_at < $4 GROUP BY customer_id) f ON f.customer_id = c.id"
            ),
            "f.first_at AS first_purchase_at, f.last_at AS last_purchase_at",
        )
    } else {
        ("", "", "", String::new(), "c.first_purchase_at, c.last_purchase_at")
    };
    let complaints_before = if as_of { "AND created_at < $4" } else { "" };
    let after = match (resume, as_of) {
        (true, true) => "AND c.id > $5",
        (true, false) => "AND c.id > $4",
        _ => "",
    };
    format!(
        "SELECT c.id, c.stars, c.computed_stars, c.star_score, c.stars_below_since, c.at_risk_stars, \
                c.at_risk_on, c.star_override, c.star_override_until, c.welcome_stars, c.welcome_until, \
                {dates}, \
                COALESCE(s.spend, 0) AS spend, COALESCE(s.orders, 0) AS orders, COALESCE(k.categories, 0) AS categories, \
                CASE WHEN EXISTS (SELECT 1 FROM tickets WHERE workspace_id = $1 AND kind = '{complaint}') \
                     THEN COALESCE(p.complaints, 0) END AS complaints \
         FROM customers c \
         LEFT JOIN (SELECT customer_id, \
                    CAST(SUM(CASE WHEN currency = $2 THEN amount_minor - refunded_minor ELSE 0 END) AS BIGINT) AS spend, \
                    CAST(SUM(CASE WHEN status <> '{refunded}' THEN 1 ELSE 0 END) AS BIGINT) AS orders \
                    FROM transactions \
                    WHERE workspace_id = $1 AND kind = '{purchase}' AND occurred_at >= $3 {before} \
                    GROUP BY customer_id) s ON s.customer_id = c.id \
         LEFT JOIN (SELECT t.customer_id, COUNT(DISTINCT i.category) AS categories \
                    FROM transaction_items i JOIN transactions t ON t.id = i.transaction_id \
                    WHERE t.workspace_id = $1 AND t.kind = '{purchase}' AND t.status <> '{refunded}' \
                      AND t.occurred_at >= $3 {before_t} AND i.category IS NOT NULL \
                    GROUP BY t.customer_id) k ON k.customer_id = c.id \
         LEFT JOIN (SELECT customer_id, COUNT(*) AS complaints FROM tickets \
                    WHERE workspace_id = $1 AND kind = '{complaint}' AND created_at >= $3 {complaints_before} \
                      AND (upheld IS NULL OR upheld = TRUE) \
                    GROUP BY customer_id) p ON p.customer_id = c.id \
         {first_last} \
         WHERE c.workspace_id = $1 AND c.deleted_at IS NULL AND c.merged_into IS NULL AND c.erased_at IS NULL {seen} {after} \
         ORDER BY c.id"
    )
}

/// The statement of [`rows_sql`] with its values.
pub fn rows_statement(
    backend: DbBackend,
    workspace_id: Uuid,
    currency: &str,
    window_start: DateTime<Utc>,
    after: Option<Uuid>,
    as_of: Option<DateTime<Utc>>,
) -> Statement {
    let mut values: Vec<Value> = vec![workspace_id.into(), currency.into(), window_start.into()];
    values.extend(as_of.map(Value::from));
    values.extend(after.map(Value::from));
    Statement::from_sql_and_values(backend, rows_sql(after.is_some(), as_of.is_some()), values)
}

fn parse_row(r: &QueryResult) -> Result<Row, sea_orm::DbErr> {
    let count = |col: &str| -> Result<i32, sea_orm::DbErr> {
        Ok(i32::try_from(r.try_get::<i64>("", col)?).unwrap_or(i32::MAX))
    };
    Ok(Row {
        id: r.try_get("", "id")?,
        rated: Rated {
            stars: r.try_get("", "stars")?,
            computed_stars: r.try_get("", "computed_stars")?,
            score: r.try_get("", "star_score")?,
            below_since: r.try_get("", "stars_below_since")?,
            at_risk_stars: r.try_get("", "at_risk_stars")?,
            at_risk_on: r.try_get("", "at_risk_on")?,
            override_stars: r.try_get("", "star_override")?,
            override_until: r.try_get("", "star_override_until")?,
            welcome_stars: r.try_get("", "welcome_stars")?,
            welcome_until: r.try_get("", "welcome_until")?,
        },
        agg: Aggregates {
            first_purchase_at: r.try_get("", "first_purchase_at")?,
            last_purchase_at: r.try_get("", "last_purchase_at")?,
            window_spend_minor: r.try_get("", "spend")?,
            window_orders: count("orders")?,
            window_categories: count("categories")?,
            window_complaints: r
                .try_get::<Option<i64>>("", "complaints")?
                .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            ..Aggregates::default()
        },
    })
}

/// Streams the workspace's customers with their window aggregates, and their satisfaction from
/// survey answers as of `now`.
///
/// # Errors
/// Database failures.
pub async fn read_rows(
    db: &DatabaseConnection,
    ctx: &Context,
    (window_start, now): (DateTime<Utc>, DateTime<Utc>),
    after: Option<Uuid>,
    as_of: bool,
) -> Result<Vec<Row>, AppError> {
    let stmt = rows_statement(
        db.get_database_backend(),
        ctx.workspace_id,
        &ctx.currency,
        window_start,
        after,
        as_of.then_some(now),
    );
    let mut stream = db.stream_raw(stmt).await?;
    let mut rows = Vec::new();
    while let Some(r) = stream.try_next().await? {
        rows.push(parse_row(&r)?);
    }
    drop(stream);
    let satisfaction =
        crate::surveys::responses::satisfaction_in_workspace(db, ctx.workspace_id, now).await?;
    if !satisfaction.is_empty() {
        for row in &mut rows {
            row.agg.satisfaction = satisfaction.get(&row.id).copied();
        }
    }
    Ok(rows)
}

/// The population's distribution of every criterion `policy` ranks by percentile, among the
/// customers who bought in the window: 101 cut points, 0 % to 100 %.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn population(policy: &starcrm_shared::rating::Policy, rows: &[Row]) -> PopulationStats {
    let buyers: Vec<&Row> =
        rows.iter().filter(|r| r.agg.window_orders > 0 || r.agg.window_spend_minor > 0).collect();
    let quantiles = policy
        .rules
        .iter()
        .filter(|rule| rule.normalisation.kind == NormalisationKind::Percentile)
        .filter_map(|rule| {
            let mut values: Vec<f64> = buyers
                .iter()
                .filter_map(|r| match rule.criterion {
                    Criterion::Monetary => Some(Ord::max(r.agg.window_spend_minor, 0) as f64),
                    Criterion::Frequency => Some(f64::from(r.agg.window_orders)),
                    Criterion::Breadth => Some(f64::from(r.agg.window_categories)),
                    _ => None,
                })
                .collect();
            if values.is_empty() {
                return None;
            }
            values.sort_by(f64::total_cmp);
            let last = values.len() - 1;
            let cuts = (0..=100).map(|p| values[(last * p + 50) / 100]).collect();
            Some((rule.criterion, cuts))
        })
        .collect();
    PopulationStats { quantiles }
}

/// Evaluates one batch and writes what changed, with the job's progress, in one transaction.
async fn write_batch(
    db: &DatabaseConnection,
    id: Uuid,
    worker: &str,
    ctx: &Context,
    params: &Params,
    chunk: &[Row],
    cause: &Cause,
) -> Result<(), AppError> {
    let mut changed: Vec<(Uuid, Rated, Outcome)> = Vec::new();
    for row in chunk {
        let input = engine::criteria_input(&row.agg, params.today, ctx.tz);
        let outcome =
            engine::decide(&row.rated, &input, &ctx.policy, &params.stats, params.today, params.now);
        if outcome.changes(&row.rated) {
            changed.push((row.id, row.rated, outcome));
        }
    }
    let txn = crate::db::begin_write(db).await?;
    let mut history = Vec::new();
    let mut events = Vec::new();
    for (customer_id, before, outcome) in &changed {
        let change = Change {
            workspace_id: ctx.workspace_id,
            customer_id: *customer_id,
            before: *before,
            outcome,
            version: params.version,
            cause,
            at: if params.as_of { params.now } else { Utc::now() },
        };
        history.extend(change.history());
        // A replay writes history only: what happened then was never announced, and nobody
        // is called today about a star lost months ago.
        if !params.as_of {
            events.extend(change.event());
        }
    }
    update_ratings(&txn, &changed, params.version, params.now).await?;
    engine::record_changes(&txn, history, events).await?;
    let now = Utc::now();
    let progressed = job::Entity::update_many()
        .col_expr(job::Column::Cursor, Expr::value(chunk.last().map(|r| r.id)))
        .col_expr(
            job::Column::Processed,
            Expr::col(job::Column::Processed).add(i64::try_from(chunk.len()).unwrap_or(0)),
        )
        .col_expr(
            job::Column::Changed,
            Expr::col(job::Column::Changed).add(i64::try_from(changed.len()).unwrap_or(0)),
        )
        .col_expr(job::Column::LockedUntil, Expr::value(crate::jobs::lease_end(now)))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LockedBy.eq(worker))
        .exec(&txn)
        .await?;
    if progressed.rows_affected == 0 {
        // Our lease lapsed and another runner took over: leave the batch to it.
        txn.rollback().await?;
        return Err(AppError::conflict("another runner took over the job"));
    }
    txn.commit().await?;
    Ok(())
}

/// Writes the new ratings of a batch with set-based updates (`UPDATE ... FROM (VALUES ...)`,
/// which PostgreSQL and SQLite both run).
async fn update_ratings(
    conn: &impl ConnectionTrait,
    changed: &[(Uuid, Rated, Outcome)],
    version: i32,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    const COLUMNS: usize = 9;
    for part in changed.chunks(500) {
        let mut values: Vec<Value> = Vec::with_capacity(part.len() * COLUMNS);
        let mut tuples = Vec::with_capacity(part.len());
        for (i, (id, _, outcome)) in part.iter().enumerate() {
            let a = &outcome.after;
            let n = i * COLUMNS;
            tuples.push(format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6,
                n + 7,
                n + 8,
                n + 9
            ));
            values.extend([
                Value::from(*id),
                a.stars.into(),
                a.computed_stars.into(),
                a.score.into(),
                a.below_since.into(),
                a.at_risk_stars.into(),
                a.at_risk_on.into(),
                outcome.override_ended.into(),
                outcome.welcome_ended.into(),
            ]);
        }
        let p = part.len() * COLUMNS;
        let sql = format!(
            "UPDATE customers SET stars = v.column2, computed_stars = v.column3, star_score = v.column4, \
             stars_below_since = v.column5, at_risk_stars = v.column6, at_risk_on = v.column7, \
             star_policy_version = ${}, stars_evaluated_at = ${}, \
             star_override = CASE WHEN v.column8 THEN NULL ELSE customers.star_override END, \
             star_override_reason = CASE WHEN v.column8 THEN NULL ELSE customers.star_override_reason END, \
             star_override_until = CASE WHEN v.column8 THEN NULL ELSE customers.star_override_until END, \
             star_override_by = CASE WHEN v.column8 THEN NULL ELSE customers.star_override_by END, \
             star_override_at = CASE WHEN v.column8 THEN NULL ELSE customers.star_override_at END, \
             welcome_stars = CASE WHEN v.column9 THEN NULL ELSE customers.welcome_stars END, \
             welcome_until = CASE WHEN v.column9 THEN NULL ELSE customers.welcome_until END \
             FROM (VALUES {}) AS v WHERE customers.id = v.column1",
            p + 1,
            p + 2,
            tuples.join(", ")
        );
        values.push(version.into());
        values.push(at.into());
        conn.execute_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
    }
    Ok(())
}
