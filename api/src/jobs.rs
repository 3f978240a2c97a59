//! What every background job in the `jobs` table shares (ARCHITECTURE.md section 9): a runner
//! claims a job with a lease, renews it as it goes, and a job whose runner died (lease lapsed)
//! is claimed again by any replica. Each kind (re-rating, import) keeps its own progress.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder};
use starcrm_shared::rating::JobStatus;
use uuid::Uuid;

use crate::entities::job;
use crate::error::AppError;

/// How long a runner's claim on a job lasts without renewal.
pub const LEASE: StdDuration = StdDuration::from_secs(60);

/// When a lease taken at `now` runs out.
pub fn lease_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::from_std(LEASE).unwrap_or_else(|_| Duration::seconds(60))
}

/// A queued job of `kind` for the caller's workspace, not yet stored.
pub fn queued(
    scope: &crate::auth::Scope,
    kind: &str,
    trigger: &str,
    params: Option<String>,
) -> job::ActiveModel {
    use sea_orm::Set;
    let now = Utc::now();
    job::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        kind: Set(kind.to_owned()),
        status: Set(JobStatus::Queued.as_str().to_owned()),
        trigger: Set(trigger.to_owned()),
        params: Set(params),
        total: Set(0),
        processed: Set(0),
        changed: Set(0),
        cursor: Set(None),
        locked_by: Set(None),
        locked_until: Set(None),
        attempts: Set(0),
        error: Set(None),
        created_by: Set(scope.user_id()),
        created_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
        updated_at: Set(now),
    }
}

/// Open jobs of `kind` waiting for a runner: queued, or running under a lapsed lease.
///
/// # Errors
/// Database failures.
pub async fn runnable(
    conn: &impl ConnectionTrait,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<Vec<job::Model>, AppError> {
    Ok(job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::Status.is_in([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]))
        .filter(job::Column::LockedUntil.is_null().or(job::Column::LockedUntil.lt(now)))
        .order_by_asc(job::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Takes the job unless another runner holds a live lease on it.
///
/// # Errors
/// Database failures.
pub async fn claim(
    conn: &impl ConnectionTrait,
    id: Uuid,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let claimed = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Running.as_str()))
        .col_expr(job::Column::LockedBy, Expr::value(worker))
        .col_expr(job::Column::LockedUntil, Expr::value(lease_end(now)))
        .col_expr(job::Column::Attempts, Expr::col(job::Column::Attempts).add(1))
        .col_expr(job::Column::StartedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.is_in([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]))
        .filter(job::Column::LockedUntil.is_null().or(job::Column::LockedUntil.lt(now)))
        .exec(conn)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// Renews `worker`'s lease (inside the transaction that commits its progress). `false`: the
/// lease lapsed and another runner took the job over; the caller must roll back.
///
/// # Errors
/// Database failures.
pub async fn renew(
    conn: &impl ConnectionTrait,
    id: Uuid,
    worker: &str,
    processed: i64,
) -> Result<bool, AppError> {
    let renewed = job::Entity::update_many()
        .col_expr(job::Column::LockedUntil, Expr::value(lease_end(Utc::now())))
        .col_expr(job::Column::Processed, Expr::col(job::Column::Processed).add(processed))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LockedBy.eq(worker))
        .exec(conn)
        .await?;
    Ok(renewed.rows_affected == 1)
}

/// Ends the job (succeeded or failed with `error`) if `worker` still holds it.
///
/// # Errors
/// Database failures.
pub async fn finish(
    conn: &impl ConnectionTrait,
    id: Uuid,
    worker: &str,
    error: Option<&str>,
) -> Result<(), AppError> {
    let status = if error.is_some() { JobStatus::Failed } else { JobStatus::Succeeded };
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(status.as_str()))
        .col_expr(job::Column::Error, Expr::value(error.map(str::to_owned)))
        .col_expr(job::Column::FinishedAt, Expr::value(Utc::now()))
        .col_expr(job::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(job::Column::Id.eq(id))
        // A runner that lost its lease leaves the job to the one that took it over.
        .filter(job::Column::LockedBy.eq(worker))
        .exec(conn)
        .await?;
    Ok(())
}
