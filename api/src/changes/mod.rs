//! The change feed (ARCHITECTURE.md section 9): every domain change is recorded here, once, by
//! [`record`], in the same transaction as the change. Each event gets the workspace's next
//! position (1, 2, 3, ... without gaps, in commit order), so a reader that has seen everything up
//! to N asks for what comes after N and misses nothing.
//!
//! Consumers read the feed; they never call back into the module that produced an event. Today:
//! the search index (a recorded change that alters what the index holds of a customer queues that
//! customer for the sync worker) and the `changes` query integrators poll; webhooks (`crate::webhooks`). Subscriptions will read
//! the same rows.
//!
//! Events carry ids and what changed, never names, contacts or free text: erasure then has
//! little to scrub (it reduces an erased customer's events to their ids).

pub mod graphql;
pub mod subscription;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};
use serde_json::{Value, json};
use starcrm_shared::Permission;
use uuid::Uuid;

use crate::auth::Scope;
use crate::entities::event;
use crate::error::AppError;

/// What happened. The names are the feed's public vocabulary (`kind` of a change).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    CustomerCreated,
    CustomerUpdated,
    CustomerDeleted,
    CustomerRestored,
    CustomerMerged,
    CustomerUnmerged,
    CustomerErased,
    TransactionRecorded,
    /// A purchase an import recorded was deleted by reverting the import.
    TransactionDeleted,
    RefundRecorded,
    InteractionRecorded,
    /// An interaction an import recorded was deleted by reverting the import.
    InteractionDeleted,
    StarsChanged,
    LifecycleChanged,
    /// An import finished; the subject is the import.
    ImportFinished,
    /// A ticket was opened; the subject is its customer (as for every ticket change).
    TicketOpened,
    /// A ticket's status, thread, assignee, priority or deadlines changed.
    TicketChanged,
    /// A ticket missed a service-level target (recorded once per target).
    TicketBreached,
    /// A ticket's next deadline is less than half an hour away (once per deadline).
    TicketDueSoon,
    /// A follow-up (回访) was planned: by the cadence, after a solved complaint or a lost star,
    /// or by hand.
    FollowUpPlanned,
    /// A follow-up was done; its outcome is an interaction.
    FollowUpDone,
    /// A customer answered a survey (`payload.responseId`, kind and score; never the comment).
    SurveyAnswered,
    /// A member's points changed: earned, spent, taken back by a refund, expired or adjusted
    /// (`payload.operationId`, kind, points, the balance after).
    PointsChanged,
    /// A member's points will expire soon (`payload.points`, `expiresAt`, `expiresOn`), once per
    /// member and expiry date, `warnDays` before: the business's own app or sender can remind
    /// them (the outbox does when a message is configured).
    PointsExpiring,
    /// A customer entered a segment (`payload.segmentId`, the `conditions` whose change brought
    /// them in, the `trigger`: the change's kind or `schedule`).
    SegmentEntered,
    /// A customer left a segment (`payload.segmentId`, the `conditions` that no longer hold, the
    /// `trigger`).
    SegmentLeft,
}

impl Kind {
    pub const ALL: [Kind; 26] = [
        Kind::CustomerCreated,
        Kind::CustomerUpdated,
        Kind::CustomerDeleted,
        Kind::CustomerRestored,
        Kind::CustomerMerged,
        Kind::CustomerUnmerged,
        Kind::CustomerErased,
        Kind::TransactionRecorded,
        Kind::TransactionDeleted,
        Kind::RefundRecorded,
        Kind::InteractionRecorded,
        Kind::InteractionDeleted,
        Kind::StarsChanged,
        Kind::LifecycleChanged,
        Kind::ImportFinished,
        Kind::TicketOpened,
        Kind::TicketChanged,
        Kind::TicketBreached,
        Kind::TicketDueSoon,
        Kind::FollowUpPlanned,
        Kind::FollowUpDone,
        Kind::SurveyAnswered,
        Kind::PointsChanged,
        Kind::PointsExpiring,
        Kind::SegmentEntered,
        Kind::SegmentLeft,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::CustomerCreated => "customerCreated",
            Kind::CustomerUpdated => "customerUpdated",
            Kind::CustomerDeleted => "customerDeleted",
            Kind::CustomerRestored => "customerRestored",
            Kind::CustomerMerged => "customerMerged",
            Kind::CustomerUnmerged => "customerUnmerged",
            Kind::CustomerErased => "customerErased",
            Kind::TransactionRecorded => "transactionRecorded",
            Kind::TransactionDeleted => "transactionDeleted",
            Kind::RefundRecorded => "refundRecorded",
            Kind::InteractionRecorded => "interactionRecorded",
            Kind::InteractionDeleted => "interactionDeleted",
            Kind::StarsChanged => "starsChanged",
            Kind::LifecycleChanged => "lifecycleChanged",
            Kind::ImportFinished => "importFinished",
            Kind::TicketOpened => "ticketOpened",
            Kind::TicketChanged => "ticketChanged",
            Kind::TicketBreached => "ticketBreached",
            Kind::TicketDueSoon => "ticketDueSoon",
            Kind::FollowUpPlanned => "followUpPlanned",
            Kind::FollowUpDone => "followUpDone",
            Kind::SurveyAnswered => "surveyAnswered",
            Kind::PointsChanged => "pointsChanged",
            Kind::PointsExpiring => "pointsExpiring",
            Kind::SegmentEntered => "segmentEntered",
            Kind::SegmentLeft => "segmentLeft",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether the change alters what the search index holds of the customer (name, contacts,
    /// stars, stage, whether they exist). Purchases and interactions do not.
    fn touches_search(self) -> bool {
        !matches!(
            self,
            Kind::TransactionRecorded
                | Kind::TransactionDeleted
                | Kind::RefundRecorded
                | Kind::InteractionRecorded
                | Kind::InteractionDeleted
                | Kind::ImportFinished
                | Kind::TicketOpened
                | Kind::TicketChanged
                | Kind::TicketBreached
                | Kind::TicketDueSoon
                | Kind::FollowUpPlanned
                | Kind::FollowUpDone
                | Kind::SurveyAnswered
                | Kind::PointsChanged
                | Kind::PointsExpiring
                | Kind::SegmentEntered
                | Kind::SegmentLeft
        )
    }
}

/// One change about to be recorded.
#[derive(Clone, Debug)]
pub struct Change {
    pub workspace_id: Uuid,
    pub kind: Kind,
    /// The customer it is about.
    pub subject_id: Uuid,
    /// Another customer it also changes (the merged-away one of a merge).
    pub related_id: Option<Uuid>,
    /// Ids and what changed; never personal data.
    pub payload: Value,
    pub at: DateTime<Utc>,
}

impl Change {
    pub fn new(workspace_id: Uuid, kind: Kind, subject_id: Uuid) -> Self {
        Self { workspace_id, kind, subject_id, related_id: None, payload: json!({}), at: Utc::now() }
    }

    /// Adds the fields of `payload` (an object) to the event's payload.
    #[must_use]
    pub fn with(mut self, payload: Value) -> Self {
        if let (Value::Object(into), Value::Object(from)) = (&mut self.payload, payload) {
            into.extend(from);
        }
        self
    }

    #[must_use]
    pub fn related(mut self, id: Uuid) -> Self {
        self.related_id = Some(id);
        self
    }

    #[must_use]
    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.at = at;
        self
    }
}

/// Bumped by every [`record`] of this process, so consumers (the webhook worker) look at once
/// instead of at their next poll. The bump comes before the caller commits: consumers wait a
/// moment, and poll anyway for what other processes record.
static WAKE: crate::wake::Wake = crate::wake::Wake::new();

/// The PostgreSQL channel every [`record`] notifies, so that the other server processes on the
/// database learn of the change when it commits.
const NOTIFY_CHANNEL: &str = "starcrm_changes";

/// On PostgreSQL, listens for the changes other server processes record and wakes this
/// process's consumers (subscriptions, the webhook worker) as its own changes do. Reconnects
/// after a lost connection; consumers poll meanwhile.
pub fn spawn_listener(db: &DatabaseConnection) {
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return;
    }
    let pool = db.get_postgres_connection_pool().clone();
    tokio::spawn(async move {
        loop {
            match sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await {
                Ok(mut listener) => match listener.listen(NOTIFY_CHANNEL).await {
                    Ok(()) => loop {
                        match listener.recv().await {
                            Ok(_) => WAKE.ring(),
                            Err(err) => {
                                tracing::warn!(error = %err, "lost the change notifications; reconnecting");
                                break;
                            }
                        }
                    },
                    Err(err) => tracing::warn!(error = %err, "cannot listen for change notifications"),
                },
                Err(err) => tracing::warn!(error = %err, "cannot connect to listen for change notifications"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
    });
}

/// A receiver that sees every [`record`] of this process (and, on PostgreSQL with
/// [`spawn_listener`] running, of every other process on the database).
pub fn subscribe() -> tokio::sync::watch::Receiver<u64> {
    WAKE.subscribe()
}

/// Records changes in the caller's transaction: each gets its workspace's next position, and the
/// customers whose search documents they alter are queued for the index.
///
/// # Errors
/// Database failures (the caller's transaction then fails as a whole).
pub async fn record(conn: &impl ConnectionTrait, changes: Vec<Change>) -> Result<(), AppError> {
    let mut by_workspace: BTreeMap<Uuid, Vec<Change>> = BTreeMap::new();
    for change in changes {
        by_workspace.entry(change.workspace_id).or_default().push(change);
    }
    for (workspace_id, changes) in by_workspace {
        let count = i64::try_from(changes.len()).map_err(AppError::internal)?;
        let last = claim_positions(conn, workspace_id, count).await?;
        let mut reindex = Vec::new();
        let rows = changes.into_iter().zip(last - count + 1..).map(|(change, position)| {
            if change.kind.touches_search() {
                reindex.push(change.subject_id);
                reindex.extend(change.related_id);
            }
            let mut payload = change.payload;
            if let Value::Object(fields) = &mut payload {
                fields.insert("customerId".to_owned(), json!(change.subject_id));
            }
            event::ActiveModel {
                id: sea_orm::Set(Uuid::now_v7()),
                workspace_id: sea_orm::Set(workspace_id),
                position: sea_orm::Set(position),
                kind: sea_orm::Set(change.kind.as_str().to_owned()),
                subject_id: sea_orm::Set(Some(change.subject_id)),
                payload: sea_orm::Set(payload.to_string()),
                created_at: sea_orm::Set(change.at),
            }
        });
        crate::db::insert_chunks(conn, rows.collect()).await?;
        reindex.sort_unstable();
        reindex.dedup();
        crate::search::outbox::enqueue(conn, workspace_id, &reindex).await?;
        if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            // Delivered when the transaction commits, to every server process listening.
            conn.execute_raw(Statement::from_sql_and_values(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [NOTIFY_CHANNEL.into(), workspace_id.to_string().into()],
            ))
            .await?;
        }
    }
    WAKE.ring();
    Ok(())
}

/// Takes `count` positions of the workspace's counter and returns the last of them. The counter's
/// row stays locked (PostgreSQL) until the caller's transaction ends, so positions commit in order.
async fn claim_positions(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    count: i64,
) -> Result<i64, AppError> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "INSERT INTO change_positions (workspace_id, last_position) VALUES ($1, $2)
             ON CONFLICT (workspace_id) DO UPDATE SET last_position = change_positions.last_position + EXCLUDED.last_position
             RETURNING last_position"
        }
        _ => {
            "INSERT INTO change_positions (workspace_id, last_position) VALUES (?, ?)
             ON CONFLICT (workspace_id) DO UPDATE SET last_position = change_positions.last_position + excluded.last_position
             RETURNING last_position"
        }
    };
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [workspace_id.into(), count.into()]))
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the change counter returned no row")))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// The most changes one read returns.
pub const MAX_PAGE: u64 = 200;

/// A page of the feed.
#[derive(Debug)]
pub struct Page {
    pub events: Vec<event::Model>,
    /// The position to ask after next time: the last event's, or `after` when there was none.
    pub end_position: i64,
    pub has_more: bool,
}

/// The workspace's changes after `after`, oldest first. Needs `customers:read`.
///
/// # Errors
/// `FORBIDDEN`; `BAD_USER_INPUT` for a negative position, a page size out of range or an
/// unknown kind.
pub async fn after(
    db: &DatabaseConnection,
    scope: &Scope,
    after: i64,
    first: u64,
    kinds: &[String],
) -> Result<Page, AppError> {
    scope.require(Permission::CustomersRead)?;
    if after < 0 {
        return Err(AppError::bad_input("after", "must be 0 or more"));
    }
    if first == 0 || first > MAX_PAGE {
        return Err(AppError::bad_input("first", format!("must be between 1 and {MAX_PAGE}")));
    }
    let mut wanted = Vec::new();
    for kind in kinds {
        let known = Kind::parse(kind)
            .ok_or_else(|| AppError::bad_input("kinds", format!("unknown kind {kind:?}")))?;
        wanted.push(known.as_str());
    }
    let mut query = event::Entity::find()
        .filter(event::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(event::Column::Position.gt(after))
        .order_by_asc(event::Column::Position)
        .limit(first + 1);
    if !wanted.is_empty() {
        query = query.filter(event::Column::Kind.is_in(wanted));
    }
    let mut events = query.all(db).await?;
    let has_more = events.len() as u64 > first;
    events.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    let end_position = events.last().map_or(after, |e| e.position);
    Ok(Page { events, end_position, has_more })
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn the_kinds_the_spa_offers_are_the_kinds_recorded() {
        let recorded: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(recorded, starcrm_shared::webhooks::CHANGE_KINDS);
    }
}
