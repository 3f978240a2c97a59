//! The expiry pass, on every replica: lots whose expiry has passed and that still hold points
//! are written off in batches, each one write transaction that first takes the accounts of the
//! members it touches (as every other change to their points does, so a redemption and the pass
//! never both spend the same points). Lots carry their expiry as an instant worked out in the
//! workspace's time zone when they were earned, so the pass needs no zone of its own.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, EntityTrait, QuerySelect};
use uuid::Uuid;

use super::ledger;
use crate::auth::Scope;
use crate::entities::workspace;
use crate::error::AppError;

/// How often a replica looks.
pub const TICK: Duration = Duration::from_secs(60);
/// Ticks between birthday and warning passes (hourly).
const HOURLY_TICKS: u64 = 60;
/// Due lots read per write transaction.
const BATCH: u64 = 5_000;

/// Runs the pass in the background.
pub fn spawn(db: DatabaseConnection) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        let mut ticks: u64 = 0;
        loop {
            interval.tick().await;
            match pass(&db, Utc::now()).await {
                Ok((0, _)) => {}
                Ok((members, points)) => tracing::info!(members, points, "expired points written off"),
                Err(err) => tracing::error!(error = %err, "points expiry pass failed"),
            }
            match super::referrals::pass(&db, Utc::now()).await {
                Ok(0) => {}
                Ok(rewarded) => tracing::info!(rewarded, "referrals rewarded"),
                Err(err) => tracing::error!(error = %err, "referral pass failed"),
            }
            // Birthdays and expiry warnings hourly (from the first tick): a day's gifts go out
            // within its first hour.
            if ticks.is_multiple_of(HOURLY_TICKS) {
                match super::birthdays::pass(&db, Utc::now()).await {
                    Ok(0) => {}
                    Ok(gifts) => tracing::info!(gifts, "birthday points given"),
                    Err(err) => tracing::error!(error = %err, "birthday pass failed"),
                }
                match super::warnings::pass(&db, Utc::now()).await {
                    Ok(0) => {}
                    Ok(warned) => tracing::info!(warned, "members warned of expiring points"),
                    Err(err) => tracing::error!(error = %err, "expiry warning pass failed"),
                }
            }
            ticks += 1;
        }
    });
}

/// Writes off every lot expired at `now`, workspace by workspace (the live-lots index leads with
/// the workspace). Returns (members, points) written off.
///
/// # Errors
/// Database failures.
pub async fn pass(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(u64, i64), AppError> {
    let workspaces: Vec<Uuid> =
        workspace::Entity::find().select_only().column(workspace::Column::Id).into_tuple().all(db).await?;
    let mut members = 0;
    let mut points = 0;
    for workspace_id in workspaces {
        let (m, p) = pass_workspace(db, workspace_id, now).await?;
        members += m;
        points += p;
    }
    Ok((members, points))
}

/// [`pass`] for one workspace.
///
/// # Errors
/// Database failures.
pub async fn pass_workspace(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(u64, i64), AppError> {
    let scope = Scope::system(workspace_id);
    let (mut members, mut points) = (0, 0);
    loop {
        let (written, batch) = ledger::expire_batch(db, &scope, now, BATCH).await?;
        members += written;
        points += batch;
        // A batch that wrote nothing off would be read again: stop instead of spinning.
        if written == 0 {
            return Ok((members, points));
        }
    }
}
