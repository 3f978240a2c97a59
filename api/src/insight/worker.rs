//! Runs the insight pass: every minute each replica looks for workspaces whose pass is due
//! (never run, a day old, or a re-rating finished since) and runs it under a lease, so one
//! replica runs a workspace's pass at a time; `recomputeInsight` runs it at once.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, EntityTrait, QuerySelect};
use starcrm_shared::insight::report::ModelReport;
use uuid::Uuid;

use super::{pass, settings};
use crate::entities::workspace;
use crate::error::AppError;

/// Runs the pass for a workspace under the lease, giving the lease back if it fails.
///
/// # Errors
/// `CONFLICT` while another pass holds the lease; database failures.
pub async fn run_now(db: &DatabaseConnection, workspace_id: Uuid) -> Result<ModelReport, AppError> {
    let now = Utc::now();
    if !settings::claim(db, workspace_id, now).await? {
        return Err(AppError::conflict("the models are being fitted now; try again when that pass ends"));
    }
    match pass::run(db, workspace_id, now).await {
        Ok(report) => Ok(report),
        Err(err) => {
            settings::release(db, workspace_id).await?;
            Err(err)
        }
    }
}

/// Runs the pass in every workspace where it is due and free; returns how many ran.
///
/// # Errors
/// Database failures listing workspaces (a failing workspace is logged and skipped).
pub async fn scheduled(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u32, AppError> {
    let workspaces: Vec<Uuid> =
        workspace::Entity::find().select_only().column(workspace::Column::Id).into_tuple().all(db).await?;
    let mut ran = 0;
    for ws in workspaces {
        if !settings::due(db, ws, now).await? {
            continue;
        }
        match run_now(db, ws).await {
            Ok(report) => {
                ran += 1;
                tracing::info!(workspace = %ws, status = report.status.as_str(), customers = report.customers, "insight pass");
            }
            Err(AppError::Conflict { .. }) => {}
            Err(err) => tracing::warn!(workspace = %ws, error = %err, "insight pass failed; will retry"),
        }
    }
    Ok(ran)
}

/// How often a replica looks for due passes.
const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Looks for due passes every minute until the process ends.
pub fn spawn(db: DatabaseConnection) {
    tokio::spawn(async move {
        loop {
            if let Err(err) = scheduled(&db, Utc::now()).await {
                tracing::warn!(error = %err, "insight scheduling failed; will retry");
            }
            tokio::time::sleep(CHECK_EVERY).await;
        }
    });
}
