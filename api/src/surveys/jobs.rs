//! The surveys' background pass, on every replica: the triggers' invitations are made (each
//! once: unique per definition and origin), the invitations whose time has come are sent (each
//! claimed for a while first), and unhappy answers whose complaint ticket was not opened with
//! them (the process stopped between the two, or opening failed) get it now (the ticket is
//! opened with the answer's own reference).

use std::time::Duration;

use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::{invitations, responses};
use crate::webhooks::sender::Sender;

/// How often a replica looks: a CSAT goes out within seconds of the ticket's solving.
pub const TICK: Duration = Duration::from_secs(15);

/// Runs the pass in the background.
pub fn spawn(db: DatabaseConnection, sender: Sender) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        loop {
            interval.tick().await;
            if let Err(err) = pass(&db, &sender).await {
                tracing::error!(error = %err, "survey invitations pass failed");
            }
            match responses::close_open_loops(&db, Utc::now()).await {
                Ok(0) => {}
                Ok(closed) => tracing::info!(closed, "complaints of unhappy survey answers opened late"),
                Err(err) => tracing::error!(error = %err, "closing survey loops failed"),
            }
        }
    });
}

/// Makes the triggers' invitations and sends those due. Returns (made, handled).
///
/// # Errors
/// Database failures.
pub async fn pass(db: &DatabaseConnection, sender: &Sender) -> Result<(u64, usize), crate::error::AppError> {
    let made = invitations::enqueue_triggered(db, Utc::now()).await?;
    let handled = invitations::send_due(db, sender, Utc::now()).await?;
    Ok((made, handled))
}
