//! Writing to the search outbox: the queue of customers the sync worker ([`super::sync`]) pushes
//! to the index. Domain changes reach it only through the change feed (`changes::record`, in the
//! transaction of the change, so both commit together or neither does); besides that, only the
//! demo-data generator (bulk) and `starcrm reindex` (a rebuild request) write here.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use tokio::sync::watch;
use uuid::Uuid;

use crate::entities::search_outbox;
use crate::error::AppError;
use crate::wake::Wake;

/// Customer ids per outbox row: a whole-workspace run writes one row per batch, not per customer.
const IDS_PER_ROW: usize = 1000;

/// Bumped after every enqueue so the workers of this process look at the outbox at once instead
/// of at their next poll. Workers in other processes (replicas) poll.
static WAKE: Wake = Wake::new();

/// A receiver that sees every [`enqueue`] of this process.
pub fn subscribe() -> watch::Receiver<u64> {
    WAKE.subscribe()
}

/// Records that these customers of `workspace_id` must be pushed to the search index again (or
/// removed from it, if they are gone by the time the worker reads them).
///
/// # Errors
/// Database failures (the caller's transaction then fails as a whole).
pub async fn enqueue(conn: &impl ConnectionTrait, workspace_id: Uuid, ids: &[Uuid]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = ids.chunks(IDS_PER_ROW).map(|part| search_outbox::ActiveModel {
        workspace_id: Set(workspace_id),
        customer_ids: Set(serde_json::to_string(part).unwrap_or_else(|_| "[]".to_owned())),
        attempts: Set(0),
        available_at: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        ..Default::default()
    });
    search_outbox::Entity::insert_many(rows).exec_without_returning(conn).await?;
    // The row may not be committed yet; the worker waits a moment before it reads (and polls).
    WAKE.ring();
    Ok(())
}

/// Asks the worker (of whichever server runs) to rebuild a workspace's documents from the
/// database: an outbox row without ids.
///
/// # Errors
/// Database failures.
pub async fn request_rebuild(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<(), AppError> {
    let now = Utc::now();
    search_outbox::ActiveModel {
        workspace_id: Set(workspace_id),
        customer_ids: Set("[]".to_owned()),
        attempts: Set(0),
        available_at: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    WAKE.ring();
    Ok(())
}

/// [`enqueue`] for one customer.
///
/// # Errors
/// Database failures.
pub async fn enqueue_one(conn: &impl ConnectionTrait, workspace_id: Uuid, id: Uuid) -> Result<(), AppError> {
    enqueue(conn, workspace_id, &[id]).await
}
