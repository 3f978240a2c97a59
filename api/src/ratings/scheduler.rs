//! The background side of the star engine, run by every server replica: it ends overrides that
//! ran out, queues each workspace's scheduled re-rating when it falls due (monthly or quarterly
//! on the policy's day, 02:00 in the workspace's time zone), and runs queued jobs and jobs whose
//! runner died. Jobs are claimed with a lease, so replicas never run one twice at once.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use starcrm_shared::rating::{Cadence, PolicyStatus, Schedule, Trigger};
use uuid::Uuid;

use super::{jobs, overrides, policy};
use crate::auth::Scope;
use crate::entities::{job, rating_policy, workspace};
use crate::error::AppError;

/// How often a replica looks for work.
pub const TICK: Duration = Duration::from_secs(30);

/// The hour (local) scheduled runs start.
const RUN_HOUR: u32 = 2;

/// A name for this runner in job leases.
pub fn worker_name() -> String {
    format!("{}-{}", std::process::id(), Uuid::now_v7())
}

/// The latest scheduled run time at or before `now`, if the schedule has one.
pub fn last_due(schedule: Schedule, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if schedule.cadence == Cadence::Manual {
        return None;
    }
    let local_year = now.with_timezone(&tz).year();
    let day = u32::from(schedule.day.clamp(1, 28));
    [local_year - 1, local_year]
        .into_iter()
        .flat_map(|year| schedule.months().iter().map(move |m| (year, *m)))
        .filter_map(|(year, month)| {
            let local = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(RUN_HOUR, 0, 0)?;
            tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
        })
        .filter(|t| *t <= now)
        .max()
}

/// Queues the scheduled runs that fell due and have not run since. Returns how many it queued.
///
/// # Errors
/// Database failures.
pub async fn queue_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let active = rating_policy::Entity::find()
        .filter(rating_policy::Column::Status.eq(PolicyStatus::Active.as_str()))
        .all(db)
        .await?;
    let mut queued = 0;
    for row in active {
        let Ok(p) = policy::parse(&row.policy) else { continue };
        let Some(ws) = workspace::Entity::find_by_id(row.workspace_id).one(db).await? else { continue };
        let Some(due) = last_due(p.schedule, ws.timezone.parse().unwrap_or(Tz::UTC), now) else { continue };
        // Anything run since the due time (an activation, a manual run) counts.
        let since = job::Entity::find()
            .filter(job::Column::WorkspaceId.eq(row.workspace_id))
            .filter(job::Column::Kind.eq(jobs::RERATE))
            .filter(job::Column::CreatedAt.gte(due))
            .one(db)
            .await?;
        if since.is_none() && row.activated_at.is_none_or(|a| a < due) {
            let txn = crate::db::begin_write(db).await?;
            jobs::enqueue(&txn, &Scope::system(row.workspace_id), Trigger::Schedule).await?;
            txn.commit().await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// One round: overrides and welcomes that ran out, due schedules, runnable jobs.
///
/// # Errors
/// Database failures.
pub async fn tick(db: &DatabaseConnection, worker: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    overrides::expire(db, now).await?;
    super::welcome::expire(db, now).await?;
    queue_due(db, now).await?;
    for job in jobs::runnable(db, now).await? {
        // One failing job (marked failed with its error) does not hold up the others.
        if let Err(err) = jobs::run(db, job.id, worker, &jobs::RunOptions::default()).await {
            tracing::error!(job = %job.id, error = %err, "re-rating job failed");
        }
    }
    Ok(())
}

/// Runs [`tick`] every [`TICK`] until the process ends.
pub fn spawn(db: DatabaseConnection) {
    let worker = worker_name();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        loop {
            interval.tick().await;
            if let Err(err) = tick(&db, &worker, Utc::now()).await {
                tracing::error!(error = %err, "star engine background round failed");
            }
        }
    });
}

/// Starts running job `id` now, in the background (a request that queued it need not wait).
pub fn run_soon(db: DatabaseConnection, id: Uuid) {
    tokio::spawn(async move {
        let worker = worker_name();
        match jobs::run(&db, id, &worker, &jobs::RunOptions::default()).await {
            Ok(_) => {}
            Err(err) => tracing::error!(job = %id, error = %err, "re-rating job failed"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
    }

    #[test]
    fn monthly_and_quarterly_runs_fall_at_two_in_the_workspace_zone() {
        let shanghai: Tz = "Asia/Shanghai".parse().unwrap_or(Tz::UTC);
        let monthly = Schedule { cadence: Cadence::Monthly, day: 5 };
        // 2026-11-05 02:00 in Shanghai is 2026-11-04 18:00 UTC.
        assert_eq!(last_due(monthly, shanghai, at("2026-11-23T00:00:00Z")), Some(at("2026-11-04T18:00:00Z")));
        assert_eq!(last_due(monthly, shanghai, at("2026-11-04T17:59:59Z")), Some(at("2026-10-04T18:00:00Z")));
        let quarterly = Schedule { cadence: Cadence::Quarterly, day: 1 };
        assert_eq!(
            last_due(quarterly, Tz::UTC, at("2026-11-23T00:00:00Z")),
            Some(at("2026-10-01T02:00:00Z"))
        );
        assert_eq!(
            last_due(quarterly, Tz::UTC, at("2026-02-01T00:00:00Z")),
            Some(at("2026-01-01T02:00:00Z"))
        );
        let manual = Schedule { cadence: Cadence::Manual, day: 1 };
        assert_eq!(last_due(manual, Tz::UTC, at("2026-11-23T00:00:00Z")), None);
    }
}
