//! The surveys' background pass, on every replica: unhappy answers whose complaint ticket was not
//! opened with them (the process stopped between the two, or opening failed) get it now. Safe
//! on many replicas at once: the ticket is opened with the answer's own reference.

use std::time::Duration;

use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::responses;

/// How often a replica looks.
pub const TICK: Duration = Duration::from_secs(60);

/// Runs the pass in the background.
pub fn spawn(db: DatabaseConnection) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        loop {
            interval.tick().await;
            match responses::close_open_loops(&db, Utc::now()).await {
                Ok(0) => {}
                Ok(closed) => tracing::info!(closed, "complaints of unhappy survey answers opened late"),
                Err(err) => tracing::error!(error = %err, "closing survey loops failed"),
            }
        }
    });
}
