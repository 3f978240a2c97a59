//! The delivery worker: turns the change feed into messages per endpoint, and messages into
//! signed HTTP requests.
//!
//! - **Fan-out.** Each active endpoint keeps a cursor into its workspace's feed. The worker reads
//!   the changes after it, writes a message for each change the endpoint asks for and moves the
//!   cursor, in one transaction that only commits if the cursor is still where it was read (two
//!   replicas never fan out the same change twice).
//! - **Delivery.** Due messages are sent oldest first, at most one in flight per (endpoint,
//!   customer): a customer's later change never overtakes an earlier one that is still being
//!   retried. A message is claimed by bumping its attempt count where it still has the count that
//!   was read, so exactly one worker sends each attempt; a worker that dies mid-request leaves
//!   the claim to run out ([`LEASE`]) and the message is sent again: at least once.
//! - **Retries.** A non-2xx answer, no answer within 15 s, or a refused address is a failure. The
//!   attempts follow [`SCHEDULE`] (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h); after
//!   the last the message is `failed` (it can be recovered by hand). An endpoint that has failed
//!   without a single success for [`DISABLE_AFTER`] is disabled, with an audit entry.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};
use tokio::sync::watch;
use uuid::Uuid;

use super::sender::{self, Sender};
use super::signing;
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::db;
use crate::entities::{event, webhook_attempt, webhook_endpoint, webhook_message};
use crate::error::AppError;
use crate::wake::Wake;

/// The wait before each attempt of a message: the first goes at once.
pub const SCHEDULE: [Duration; 8] = [
    Duration::zero(),
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(10),
];
/// An endpoint failing this long without a success is disabled.
pub const DISABLE_AFTER: Duration = Duration::days(5);
/// How long a claimed attempt may take before another worker may send the message again
/// (longer than the request's own time limit).
const LEASE: Duration = Duration::minutes(2);
/// Changes read per fan-out step.
const FAN_OUT_PAGE: u64 = 500;
/// Pending messages looked at per endpoint and round.
const PENDING_PAGE: u64 = 200;
/// Requests in flight at once (across endpoints and customers).
const PARALLEL: usize = 8;
/// Delivered and failed messages (and their attempts) are kept this long.
pub const RETENTION: Duration = Duration::days(30);
/// How often the worker looks for work when nothing woke it.
const POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Bumped when there may be new work (a change recorded, an endpoint saved, messages recovered).
static WAKE: Wake = Wake::new();

/// Tells this process's worker to look now instead of at its next poll.
pub fn wake() {
    WAKE.ring();
}

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Run {
    /// Messages written from the feed.
    pub fanned_out: u64,
    /// Requests made.
    pub attempted: u64,
    pub delivered: u64,
}

/// The webhook service: the HTTP sender and the worker's switch. Shared as `Arc<Webhooks>`.
#[derive(Debug)]
pub struct Webhooks {
    sender: Sender,
    stopping: watch::Sender<bool>,
}

impl Webhooks {
    /// # Errors
    /// The HTTP client cannot be set up.
    pub fn new(allow_private: bool) -> anyhow::Result<Arc<Self>> {
        Ok(Arc::new(Self { sender: Sender::new(allow_private)?, stopping: watch::channel(false).0 }))
    }

    /// The HTTP sender (also used by the messaging of business-delivered channels).
    pub fn sender(&self) -> &Sender {
        &self.sender
    }

    /// Whether endpoints may be on this machine or a private network.
    pub fn allow_private(&self) -> bool {
        self.sender.allow_private()
    }

    /// Ends the worker after its current run.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Runs the worker on this runtime until [`Webhooks::stop`].
    pub fn spawn_worker(self: &Arc<Self>, db: DatabaseConnection) {
        let this = Arc::clone(self);
        let mut stopping = self.stopping.subscribe();
        tokio::spawn(async move {
            let mut wake = WAKE.subscribe();
            let mut changes = crate::changes::subscribe();
            let mut pruned_at: Option<DateTime<Utc>> = None;
            loop {
                let now = Utc::now();
                if let Err(err) = this.run_once(&db, now).await {
                    tracing::warn!(error = %err, "webhook delivery failed; will retry");
                }
                if pruned_at.is_none_or(|at| now - at > Duration::hours(1)) {
                    match prune(&db, now).await {
                        Ok(_) => pruned_at = Some(now),
                        Err(err) => tracing::warn!(error = %err, "cannot prune the webhook log"),
                    }
                }
                tokio::select! {
                    _ = wake.changed() => {}
                    _ = changes.changed() => {
                        // The writer notifies before it commits.
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    }
                    () = tokio::time::sleep(POLL) => {}
                    () = async { stopping.wait_for(|stop| *stop).await.map_or((), |_| ()) } => return,
                }
            }
        });
    }

    /// Fans the feed out into messages, then sends what is due at `now` until nothing more is
    /// (a customer's next message goes as soon as the one before it was delivered).
    ///
    /// # Errors
    /// Database failures; failed requests are recorded on their messages instead.
    pub async fn run_once(&self, db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Run, AppError> {
        let mut run = Run { fanned_out: fan_out(db, now).await?, ..Run::default() };
        loop {
            let (attempted, delivered) = self.deliver_due(db, now).await?;
            run.attempted += attempted;
            run.delivered += delivered;
            if attempted == 0 || delivered == 0 {
                return Ok(run);
            }
        }
    }

    /// One round: for each active endpoint, the first pending message of each customer, if due.
    async fn deliver_due(&self, db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(u64, u64), AppError> {
        let endpoints = webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Status.eq("active"))
            .all(db)
            .await?;
        let mut work = Vec::new();
        for endpoint in &endpoints {
            let pending = webhook_message::Entity::find()
                .filter(webhook_message::Column::EndpointId.eq(endpoint.id))
                .filter(webhook_message::Column::Status.eq("pending"))
                .order_by_asc(webhook_message::Column::EventPosition)
                .order_by_asc(webhook_message::Column::Id)
                .limit(PENDING_PAGE)
                .all(db)
                .await?;
            let mut waiting: HashSet<Uuid> = HashSet::new();
            for message in pending {
                // Only the oldest pending message of a customer may go.
                if let Some(customer) = message.customer_id
                    && !waiting.insert(customer)
                {
                    continue;
                }
                if message.next_attempt_at <= now {
                    work.push((endpoint.clone(), message));
                }
            }
        }
        let results: Vec<Result<Option<bool>, AppError>> = futures_util::stream::iter(work)
            .map(|(endpoint, message)| async move { self.claim_and_send(db, &endpoint, message, now).await })
            .buffer_unordered(PARALLEL)
            .collect()
            .await;
        let (mut attempted, mut delivered) = (0, 0);
        for result in results {
            if let Some(ok) = result? {
                attempted += 1;
                delivered += u64::from(ok);
            }
        }
        Ok((attempted, delivered))
    }

    /// Claims the message's next attempt and makes it; `None` when another worker claimed it.
    async fn claim_and_send(
        &self,
        db: &DatabaseConnection,
        endpoint: &webhook_endpoint::Model,
        message: webhook_message::Model,
        now: DateTime<Utc>,
    ) -> Result<Option<bool>, AppError> {
        let txn = db::begin_write(db).await?;
        let claimed = webhook_message::Entity::update_many()
            .col_expr(webhook_message::Column::Attempts, Expr::value(message.attempts + 1))
            .col_expr(webhook_message::Column::NextAttemptAt, Expr::value(now + LEASE))
            .filter(webhook_message::Column::Id.eq(message.id))
            .filter(webhook_message::Column::Status.eq("pending"))
            .filter(webhook_message::Column::Attempts.eq(message.attempts))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        txn.commit().await?;
        if !claimed {
            return Ok(None);
        }
        let message = webhook_message::Model { attempts: message.attempts + 1, ..message };
        let attempt = self.attempt(db, endpoint, &message, "scheduled", now).await?;
        Ok(Some(attempt.status_code.is_some_and(|s| (200..300).contains(&s))))
    }

    /// Sends `message` to `endpoint` now and records the attempt and what follows from it:
    /// `scheduled` attempts move the message along the retry schedule and the endpoint's health;
    /// a `replay` that succeeds marks the message delivered; a `test` records its own outcome.
    pub(super) async fn attempt(
        &self,
        db: &DatabaseConnection,
        endpoint: &webhook_endpoint::Model,
        message: &webhook_message::Model,
        trigger: &'static str,
        now: DateTime<Utc>,
    ) -> Result<webhook_attempt::Model, AppError> {
        let id = format!("msg_{}", message.id.simple());
        let timestamp = Utc::now().timestamp();
        let mut secrets = vec![endpoint.secret.as_str()];
        if let (Some(previous), Some(until)) =
            (&endpoint.previous_secret, endpoint.previous_secret_expires_at)
            && until > now
        {
            secrets.push(previous);
        }
        let signature = signing::signature_header(secrets, &id, timestamp, &message.payload);
        let outcome = self
            .sender
            .send(&sender::Request {
                url: &endpoint.url,
                id: &id,
                timestamp,
                signature: &signature,
                body: &message.payload,
            })
            .await;
        let succeeded = outcome.succeeded();
        let status_code = outcome.status.map(i32::from);

        let txn = db::begin_write(db).await?;
        let logged = webhook_attempt::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(message.workspace_id),
            endpoint_id: Set(endpoint.id),
            message_id: Set(message.id),
            event_type: Set(message.event_type.clone()),
            trigger: Set(trigger.to_owned()),
            url: Set(endpoint.url.clone()),
            attempted_at: Set(now),
            status_code: Set(status_code),
            response_excerpt: Set(outcome.excerpt.clone()),
            error: Set(outcome.error.clone()),
            duration_ms: Set(i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX)),
        }
        .insert(&txn)
        .await?;

        let mut update = webhook_message::Entity::update_many()
            .col_expr(webhook_message::Column::LastStatusCode, Expr::value(status_code))
            .filter(webhook_message::Column::Id.eq(message.id));
        match (trigger, succeeded) {
            (_, true) => {
                update = update
                    .col_expr(webhook_message::Column::Status, Expr::value("delivered"))
                    .col_expr(webhook_message::Column::DeliveredAt, Expr::value(now));
            }
            ("scheduled", false) => {
                let used = usize::try_from(message.attempts).unwrap_or(usize::MAX);
                update = match SCHEDULE.get(used) {
                    Some(wait) => {
                        update.col_expr(webhook_message::Column::NextAttemptAt, Expr::value(now + *wait))
                    }
                    None => update.col_expr(webhook_message::Column::Status, Expr::value("failed")),
                };
            }
            ("test", false) => {
                update = update.col_expr(webhook_message::Column::Status, Expr::value("failed"));
            }
            _ => {}
        }
        update.exec(&txn).await?;

        if trigger != "test" {
            health(&txn, endpoint.id, succeeded, now).await?;
        }
        txn.commit().await?;
        if !succeeded {
            tracing::info!(
                endpoint = %endpoint.id,
                message = %message.id,
                status = ?outcome.status,
                error = ?outcome.error,
                "webhook delivery failed"
            );
        }
        Ok(logged)
    }
}

/// Records an endpoint's success or failure; disables it after [`DISABLE_AFTER`] of failures.
async fn health(
    txn: &db::WriteTxn,
    endpoint_id: Uuid,
    succeeded: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // Read again inside the transaction: a parallel attempt may have changed it.
    let Some(endpoint) = webhook_endpoint::Entity::find_by_id(endpoint_id).one(txn).await? else {
        return Ok(());
    };
    let mut model: webhook_endpoint::ActiveModel = endpoint.clone().into();
    if succeeded {
        if endpoint.failing_since.is_none() {
            return Ok(());
        }
        model.failing_since = Set(None);
    } else {
        match endpoint.failing_since {
            None => model.failing_since = Set(Some(now)),
            Some(since) if now - since >= DISABLE_AFTER && endpoint.status == "active" => {
                let days = (now - since).num_days();
                model.status = Set("disabled".to_owned());
                model.disabled_reason = Set(Some(format!("every delivery failed for {days} days")));
                audit::record(
                    txn,
                    &Scope::system(endpoint.workspace_id),
                    Entry::new("webhook.disabled", "webhook_endpoint", endpoint.id)
                        .changes(json!({ "url": endpoint.url, "failingSince": since })),
                )
                .await?;
                tracing::warn!(
                    endpoint = %endpoint.id,
                    url = %endpoint.url,
                    "webhook endpoint disabled after failing for {days} days"
                );
            }
            Some(_) => return Ok(()),
        }
    }
    model.updated_at = Set(now);
    model.update(txn).await?;
    Ok(())
}

/// Turns the changes after each active endpoint's cursor into messages. Returns how many.
async fn fan_out(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let endpoints = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Status.eq("active"))
        .all(db)
        .await?;
    let mut written = 0;
    for endpoint in endpoints {
        let wanted: HashSet<&str> = endpoint.event_types.split_whitespace().collect();
        let mut cursor = endpoint.cursor;
        loop {
            let events = event::Entity::find()
                .filter(event::Column::WorkspaceId.eq(endpoint.workspace_id))
                .filter(event::Column::Position.gt(cursor))
                .order_by_asc(event::Column::Position)
                .limit(FAN_OUT_PAGE)
                .all(db)
                .await?;
            let Some(last) = events.last().map(|e| e.position) else { break };
            let rows: Vec<webhook_message::ActiveModel> = events
                .iter()
                .filter(|e| wanted.is_empty() || wanted.contains(e.kind.as_str()))
                .map(|e| message_for(&endpoint, e, now))
                .collect();
            let count = rows.len() as u64;
            let txn = db::begin_write(db).await?;
            let moved = webhook_endpoint::Entity::update_many()
                .col_expr(webhook_endpoint::Column::Cursor, Expr::value(last))
                .filter(webhook_endpoint::Column::Id.eq(endpoint.id))
                .filter(webhook_endpoint::Column::Cursor.eq(cursor))
                .exec(&txn)
                .await?
                .rows_affected
                == 1;
            if !moved {
                // Another worker fanned these out (or the endpoint is gone).
                txn.rollback().await?;
                break;
            }
            let parts: Vec<Vec<webhook_message::ActiveModel>> = rows.chunks(200).map(<[_]>::to_vec).collect();
            for part in parts {
                webhook_message::Entity::insert_many(part).exec_without_returning(&txn).await?;
            }
            txn.commit().await?;
            written += count;
            cursor = last;
        }
    }
    Ok(written)
}

/// The message carrying `event` to `endpoint`: the Standard Webhooks envelope (`type`,
/// `timestamp`, `data`) around the change as the feed has it.
fn message_for(
    endpoint: &webhook_endpoint::Model,
    event: &event::Model,
    now: DateTime<Utc>,
) -> webhook_message::ActiveModel {
    let mut data = serde_json::from_str::<Value>(&event.payload).unwrap_or_else(|_| json!({}));
    if let Value::Object(fields) = &mut data {
        fields.insert("eventId".to_owned(), json!(event.id));
        fields.insert("position".to_owned(), json!(event.position));
        fields.insert("customerId".to_owned(), json!(event.subject_id));
    }
    let body = json!({ "type": event.kind, "timestamp": event.created_at, "data": data });
    webhook_message::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(endpoint.workspace_id),
        endpoint_id: Set(endpoint.id),
        event_id: Set(Some(event.id)),
        event_position: Set(event.position),
        customer_id: Set(event.subject_id),
        event_type: Set(event.kind.clone()),
        payload: Set(body.to_string()),
        status: Set("pending".to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_status_code: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
    }
}

/// Deletes delivered and failed messages (with their attempts) older than [`RETENTION`].
///
/// # Errors
/// Database failures.
pub async fn prune(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let txn = db::begin_write(db).await?;
    let deleted = webhook_message::Entity::delete_many()
        .filter(webhook_message::Column::Status.ne("pending"))
        .filter(webhook_message::Column::CreatedAt.lt(now - RETENTION))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(deleted)
}
