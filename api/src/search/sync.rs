//! The search service every request handler shares: the index, the worker that drains the
//! outbox into it, rebuilds from the database, and the status `/readyz` reports.
//!
//! The worker takes the oldest due outbox rows, reads those customers from the database as they
//! are now, upserts the live ones and deletes the rest, then deletes the rows. When the index
//! fails, the rows stay with a growing delay (1 s doubling to 60 s) and the error; writes to
//! customers never wait for the index. On PostgreSQL the rows are locked `SKIP LOCKED` while they
//! are pushed, so replicas sharing a Meilisearch index do not push the same rows at once.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::Serialize;
use uuid::Uuid;

use super::{SearchError, SearchIndex, document, outbox};
use crate::entities::{customer, search_outbox, workspace};
use crate::error::AppError;

/// Outbox rows per push.
const ROWS_PER_PUSH: u64 = 50;
/// Customers per page of a rebuild.
const REBUILD_PAGE: u64 = 2000;
/// How often the worker looks at the outbox when nobody woke it (other replicas' writes, retries).
const POLL: Duration = Duration::from_secs(1);
/// How long the worker lets a wake-up settle: the writer notifies before its transaction commits,
/// and a burst of writes goes out as one push.
const SETTLE: Duration = Duration::from_millis(15);
/// The longest wait between attempts at a failing row.
const MAX_BACKOFF_SECS: i64 = 60;
/// How long a status probe waits for the index.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// What the worker last saw of the index.
#[derive(Clone, Debug, Default)]
struct Health {
    last_error: Option<(DateTime<Utc>, String)>,
    last_push: Option<DateTime<Utc>>,
    rebuilding: BTreeSet<Uuid>,
}

/// The search index and its sync state. Shared as `Arc<Search>`.
#[derive(Debug)]
pub struct Search {
    pub index: Arc<dyn SearchIndex>,
    health: Mutex<Health>,
    /// Held by a push and by a rebuild: a rebuild's older reads never overwrite a newer push.
    writing: tokio::sync::Mutex<()>,
    /// Set by [`Search::stop`]: the worker ends.
    stopping: tokio::sync::watch::Sender<bool>,
}

/// What `/readyz` and `starcrm reindex` report.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchStatus {
    /// `embedded` or `meilisearch`.
    pub backend: &'static str,
    /// `ok`, `rebuilding` or `unavailable`.
    pub status: &'static str,
    /// Outbox rows not pushed yet.
    pub pending: u64,
    /// Age of the oldest of them, in seconds.
    pub oldest_pending_seconds: Option<i64>,
    /// Why the index does not answer now, else the worker's last failure if it has not pushed
    /// successfully since.
    pub last_error: Option<String>,
}

impl Search {
    pub fn new(index: Arc<dyn SearchIndex>) -> Arc<Self> {
        Arc::new(Self {
            index,
            health: Mutex::new(Health::default()),
            writing: tokio::sync::Mutex::new(()),
            stopping: tokio::sync::watch::channel(false).0,
        })
    }

    /// Ends the worker (after its current push), e.g. before the index is closed.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts the worker on this runtime: it checks the index against the database (rebuilding
    /// workspaces whose document count is off: a new or emptied index, a restored database),
    /// then drains the outbox for as long as the runtime lives.
    pub fn spawn_worker(self: &Arc<Self>, db: DatabaseConnection) {
        let this = Arc::clone(self);
        let mut stopping = self.stopping.subscribe();
        tokio::spawn(async move {
            let mut wake = outbox::subscribe();
            // The check runs until it succeeds once (the database or the index may be down at
            // start); meanwhile the outbox is drained as usual.
            let mut checked = false;
            loop {
                if !checked {
                    match this.repair(&db).await {
                        Ok(_) => checked = true,
                        Err(err) => tracing::warn!(error = %err, "search index check failed; will retry"),
                    }
                }
                if let Err(err) = this.drain(&db).await {
                    tracing::warn!(error = %err, "search sync failed; will retry");
                }
                tokio::select! {
                    changed = wake.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        tokio::time::sleep(SETTLE).await;
                    }
                    () = tokio::time::sleep(POLL) => {}
                    () = async { stopping.wait_for(|stop| *stop).await.map_or((), |_| ()) } => return,
                }
            }
        });
    }

    /// Pushes every due outbox row (until none is left or the index fails). Returns how many
    /// rows went out.
    ///
    /// # Errors
    /// Database failures; index failures are recorded on the rows and in the status instead.
    pub async fn drain(&self, db: &DatabaseConnection) -> Result<u64, AppError> {
        let mut pushed = 0;
        loop {
            let _writing = self.writing.lock().await;
            let step = if db.get_database_backend() == DatabaseBackend::Postgres {
                let txn = crate::db::begin_write(db).await?;
                let step = self.push_due(&txn, db, true).await?;
                txn.commit().await?;
                step
            } else {
                self.push_due(db, db, false).await?
            };
            match step {
                Step::Pushed(n) => pushed += n,
                Step::Idle | Step::Failed => return Ok(pushed),
            }
        }
    }

    /// One push: `rows` is where the outbox rows are read, locked and deleted (a transaction on
    /// PostgreSQL), `db` where the customers are read.
    async fn push_due(
        &self,
        rows: &impl ConnectionTrait,
        db: &DatabaseConnection,
        lock: bool,
    ) -> Result<Step, AppError> {
        let now = Utc::now();
        let mut select = search_outbox::Entity::find()
            .filter(search_outbox::Column::AvailableAt.lte(now))
            .order_by_asc(search_outbox::Column::Id)
            .limit(ROWS_PER_PUSH);
        if lock {
            select = select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let due = select.all(rows).await?;
        if due.is_empty() {
            return Ok(Step::Idle);
        }
        let mut ids = BTreeSet::new();
        let mut rebuilds = BTreeSet::new();
        for row in &due {
            match serde_json::from_str::<Vec<Uuid>>(&row.customer_ids) {
                // No ids: `starcrm reindex` asked for the whole workspace.
                Ok(list) if list.is_empty() => {
                    rebuilds.insert(row.workspace_id);
                }
                Ok(list) => ids.extend(list),
                Err(err) => {
                    tracing::error!(row = row.id, error = %err, "unreadable search outbox row dropped");
                }
            }
        }
        let ids: Vec<Uuid> = ids.into_iter().collect();
        let row_ids: Vec<i64> = due.iter().map(|r| r.id).collect();
        let mut result = Ok(());
        for ws in rebuilds {
            if result.is_ok() {
                result = self.rebuild_locked(db, ws).await.map(|_| ());
            }
        }
        let result = match result {
            Ok(()) => self.push(db, ids).await,
            Err(err) => Err(PushError::App(err)),
        };
        match result {
            Ok(()) => {
                let done = search_outbox::Entity::delete_many()
                    .filter(search_outbox::Column::Id.is_in(row_ids.clone()))
                    .build(rows.get_database_backend());
                write(rows, db, lock, vec![done]).await?;
                let mut health = self.health();
                health.last_error = None;
                health.last_push = Some(now);
                Ok(Step::Pushed(row_ids.len() as u64))
            }
            Err(err) => {
                let message = err.to_string();
                tracing::warn!(error = %message, rows = row_ids.len(), "search index push failed; will retry");
                let mut retries = Vec::with_capacity(due.len());
                for row in due {
                    let attempts = row.attempts.saturating_add(1);
                    let delay =
                        1_i64.checked_shl(attempts.clamp(0, 6).unsigned_abs()).unwrap_or(MAX_BACKOFF_SECS);
                    retries.push(
                        search_outbox::Entity::update_many()
                            .col_expr(search_outbox::Column::Attempts, Expr::value(attempts))
                            .col_expr(
                                search_outbox::Column::AvailableAt,
                                Expr::value(now + chrono::Duration::seconds(delay.min(MAX_BACKOFF_SECS))),
                            )
                            .col_expr(search_outbox::Column::LastError, Expr::value(Some(message.clone())))
                            .filter(search_outbox::Column::Id.eq(row.id))
                            .build(rows.get_database_backend()),
                    );
                }
                write(rows, db, lock, retries).await?;
                self.health().last_error = Some((now, message));
                Ok(Step::Failed)
            }
        }
    }

    /// Reads these customers and brings the index in line: live ones upserted, the others removed.
    async fn push(&self, db: &DatabaseConnection, ids: Vec<Uuid>) -> Result<(), PushError> {
        let (docs, gone) = document::load(db, &ids).await.map_err(PushError::App)?;
        if !docs.is_empty() {
            self.index.upsert(docs).await?;
        }
        if !gone.is_empty() {
            self.index.delete(gone).await?;
        }
        Ok(())
    }

    /// Rebuilds the workspaces whose document count in the index differs from the database's.
    /// Returns the workspaces rebuilt.
    ///
    /// # Errors
    /// Database or index failures.
    pub async fn repair(&self, db: &DatabaseConnection) -> Result<Vec<Uuid>, AppError> {
        let mut rebuilt = Vec::new();
        for ws in workspace::Entity::find().all(db).await? {
            let expected = searchable(ws.id).count(db).await?;
            let held = self.index.count(ws.id).await.map_err(index_error)?;
            if held != expected {
                tracing::info!(workspace = %ws.id, expected, held, "rebuilding the search index of a workspace");
                self.rebuild(db, ws.id).await?;
                rebuilt.push(ws.id);
            }
        }
        Ok(rebuilt)
    }

    /// Replaces a workspace's documents with ones built from the database now. Returns how many
    /// customers went in.
    ///
    /// # Errors
    /// Database or index failures (the index may then hold part of the workspace; the next
    /// rebuild or `repair` completes it).
    pub async fn rebuild(&self, db: &DatabaseConnection, workspace_id: Uuid) -> Result<u64, AppError> {
        let _writing = self.writing.lock().await;
        self.rebuild_locked(db, workspace_id).await
    }

    async fn rebuild_locked(&self, db: &DatabaseConnection, workspace_id: Uuid) -> Result<u64, AppError> {
        self.health().rebuilding.insert(workspace_id);
        let result = self.rebuild_pages(db, workspace_id).await;
        self.health().rebuilding.remove(&workspace_id);
        result
    }

    async fn rebuild_pages(&self, db: &DatabaseConnection, workspace_id: Uuid) -> Result<u64, AppError> {
        self.index.clear_workspace(workspace_id).await.map_err(index_error)?;
        let mut after: Option<Uuid> = None;
        let mut total = 0;
        // One page goes into the index while the next is read from the database.
        let mut built: Option<Vec<super::SearchDoc>> = None;
        loop {
            let previous = built.take();
            let push = async {
                match previous {
                    Some(docs) => self.index.upsert(docs).await.map_err(index_error),
                    None => Ok(()),
                }
            };
            let read = async {
                let mut page =
                    searchable(workspace_id).order_by_asc(customer::Column::Id).limit(REBUILD_PAGE);
                if let Some(last) = after {
                    page = page.filter(customer::Column::Id.gt(last));
                }
                let customers = page.all(db).await?;
                let Some(last) = customers.last().map(|c| c.id) else { return Ok(None) };
                Ok::<_, AppError>(Some((last, document::build(db, customers).await?)))
            };
            let (pushed, next) = tokio::join!(push, read);
            pushed?;
            let Some((last, docs)) = next? else { break };
            after = Some(last);
            total += docs.len() as u64;
            built = Some(docs);
        }
        Ok(total)
    }

    /// The index's state for `/readyz`.
    ///
    /// # Errors
    /// Database failures.
    pub async fn status(&self, db: &DatabaseConnection) -> Result<SearchStatus, AppError> {
        let pending = search_outbox::Entity::find().count(db).await?;
        let oldest = search_outbox::Entity::find()
            .order_by_asc(search_outbox::Column::Id)
            .one(db)
            .await?
            .map(|row| (Utc::now() - row.created_at).num_seconds());
        let probe = match tokio::time::timeout(PROBE_TIMEOUT, self.index.health()).await {
            Ok(Ok(())) => None,
            Ok(Err(err)) => Some(err.to_string()),
            Err(_) => Some(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
        };
        let health = self.health().clone();
        let status = if probe.is_some() {
            "unavailable"
        } else if health.rebuilding.is_empty() {
            "ok"
        } else {
            "rebuilding"
        };
        // Why the index is down now, else the worker's last failure (until it pushes again).
        let last_error = probe
            .map(|message| format!("{message} at {}", Utc::now().to_rfc3339()))
            .or_else(|| health.last_error.map(|(at, message)| format!("{message} at {}", at.to_rfc3339())));
        Ok(SearchStatus {
            backend: self.index.kind(),
            status,
            pending,
            oldest_pending_seconds: oldest,
            last_error,
        })
    }
}

/// Runs the outbox writes of one push: in the locking transaction the rows were read in
/// (PostgreSQL), or in a short write transaction of their own (SQLite, where the index push must
/// not hold the one writer's turn).
async fn write(
    rows: &impl ConnectionTrait,
    db: &DatabaseConnection,
    locked: bool,
    statements: Vec<sea_orm::Statement>,
) -> Result<(), AppError> {
    if locked {
        for statement in statements {
            rows.execute_raw(statement).await?;
        }
        return Ok(());
    }
    let txn = crate::db::begin_write(db).await?;
    for statement in statements {
        txn.execute_raw(statement).await?;
    }
    txn.commit().await?;
    Ok(())
}

enum Step {
    Idle,
    Pushed(u64),
    Failed,
}

/// A push fails on the index or on reading the database; either way the rows are retried.
#[derive(Debug, thiserror::Error)]
enum PushError {
    #[error(transparent)]
    Index(#[from] SearchError),
    #[error(transparent)]
    App(AppError),
}

/// The customers a workspace's index should hold.
fn searchable(workspace_id: Uuid) -> sea_orm::Select<customer::Entity> {
    customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(workspace_id))
        .filter(customer::Column::DeletedAt.is_null())
        .filter(customer::Column::ErasedAt.is_null())
        .filter(customer::Column::MergedInto.is_null())
}

/// An index failure as the API reports it.
pub fn index_error(err: SearchError) -> AppError {
    match err {
        SearchError::Unavailable(reason) => {
            tracing::warn!(%reason, "search index unavailable");
            AppError::Unavailable { what: "search" }
        }
        SearchError::Internal(reason) => AppError::internal(anyhow::anyhow!("search index: {reason}")),
    }
}
