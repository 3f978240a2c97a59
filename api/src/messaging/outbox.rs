//! The outbox: messages to customers that are not survey invitations (points about to expire,
//! campaigns). [`enqueue`] queues one unless its origin (what it is about) was queued
//! before in the workspace; the background pass ([`send_due`]) sends those whose time has come,
//! each claimed for a while first so that two replicas never both send it, with the customer's
//! consent for the channel and address checked at send time (a skip keeps its reason) and quiet
//! hours moving it later. Notices about the customer's own account (points expiring) are not
//! marketing: the contact budget neither counts nor stops them. Campaign messages are checked
//! against it again at send time (another campaign or a survey may have used it up since the
//! campaign was prepared).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use starcrm_shared::contact_budget::{ContactKind, Decision, SkipReason};
use starcrm_shared::surveys::{MessageChannel, MessagePurpose, MessageStatus};
use uuid::Uuid;

use super::deliver::{self, Delivery, Outgoing};
use super::settings::{self, Messaging};
use crate::entities::{customer, message};
use crate::error::AppError;
use crate::webhooks::sender::Sender;

/// Sends tried before a message is given up as failed.
pub const MAX_ATTEMPTS: i32 = 5;
/// Messages a pass sends at most.
const BATCH: u64 = 100;

/// How often a replica looks.
pub const TICK: std::time::Duration = std::time::Duration::from_secs(15);

/// Rung when messages are queued for now (a campaign prepared).
pub static WAKE: crate::wake::Wake = crate::wake::Wake::new();

/// Sends the outbox in the background: every [`TICK`], when woken, and at once again after a
/// full batch.
pub fn spawn(db: DatabaseConnection, sender: Sender) {
    tokio::spawn(async move {
        let mut woken = WAKE.subscribe();
        loop {
            let handled = match send_due(&db, &sender, Utc::now()).await {
                Ok(handled) => handled,
                Err(err) => {
                    tracing::error!(error = %err, "outbox pass failed");
                    0
                }
            };
            if handled > 0 {
                tracing::info!(handled, "outbox messages handled");
            }
            if handled >= usize::try_from(BATCH).unwrap_or(usize::MAX) {
                continue;
            }
            tokio::select! {
                _ = woken.changed() => {}
                () = tokio::time::sleep(TICK) => {}
            }
        }
    });
}

/// A message to queue.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    pub purpose: MessagePurpose,
    pub channel: MessageChannel,
    /// What it is about, unique in the workspace (`points_expiring:<customer>:<date>`).
    pub origin: String,
    pub subject: String,
    pub body: String,
    pub send_at: DateTime<Utc>,
}

/// Queues `m` unless a message with its origin exists. Returns the new message's id.
///
/// # Errors
/// Database failures.
pub async fn enqueue(conn: &impl ConnectionTrait, m: NewMessage) -> Result<Option<Uuid>, AppError> {
    let id = Uuid::now_v7();
    let row = message::ActiveModel {
        id: Set(id),
        workspace_id: Set(m.workspace_id),
        customer_id: Set(m.customer_id),
        purpose: Set(m.purpose.as_str().to_owned()),
        channel: Set(m.channel.as_str().to_owned()),
        origin: Set(m.origin),
        subject: Set(m.subject),
        body: Set(m.body),
        status: Set(MessageStatus::Queued.as_str().to_owned()),
        skip_reason: Set(None),
        error: Set(None),
        attempts: Set(0),
        send_at: Set(m.send_at),
        sent_at: Set(None),
        created_at: Set(Utc::now()),
    };
    let inserted = message::Entity::insert(row)
        .on_conflict_do_nothing_on([message::Column::WorkspaceId, message::Column::Origin])
        .exec_without_returning(conn)
        .await?;
    Ok(match inserted {
        sea_orm::TryInsertResult::Inserted(n) if n > 0 => Some(id),
        _ => None,
    })
}

/// What one send came to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Attempt {
    Sent,
    Skipped(SkipReason),
    Later(DateTime<Utc>),
    Failed(String),
    Retry(String),
}

/// Sends the messages whose time has come. Returns how many it handled.
///
/// # Errors
/// Database failures.
pub async fn send_due(
    db: &DatabaseConnection,
    sender: &Sender,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let due = message::Entity::find()
        .filter(message::Column::Status.eq(MessageStatus::Queued.as_str()))
        .filter(message::Column::SendAt.lte(now))
        .order_by_asc(message::Column::SendAt)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut settings = settings::Cache::default();
    let mut handled = 0;
    for m in due {
        use message::Column as C;
        let queued = MessageStatus::Queued.as_str();
        if !deliver::claim::<message::Entity>(db, (C::Id, C::Status, C::SendAt), m.id, queued, m.send_at, now)
            .await?
        {
            continue;
        }
        let messaging = settings.get(db, m.workspace_id).await?;
        let attempt = match send_one(db, sender, messaging, &m, now).await {
            Ok(attempt) => attempt,
            Err(err) => Attempt::Retry(err.to_string()),
        };
        record(db, &m, attempt, now).await?;
        handled += 1;
    }
    Ok(handled)
}

async fn send_one(
    db: &DatabaseConnection,
    sender: &Sender,
    messaging: &Messaging,
    m: &message::Model,
    now: DateTime<Utc>,
) -> Result<Attempt, AppError> {
    let Some(channel) = MessageChannel::parse(&m.channel) else {
        return Ok(Attempt::Failed(format!("unknown channel {}", m.channel)));
    };
    let Some(c) = customer::Entity::find_by_id(m.customer_id).one(db).await? else {
        return Ok(Attempt::Failed("the customer no longer exists".to_owned()));
    };
    if c.deleted_at.is_some() || c.erased_at.is_some() || c.merged_into.is_some() {
        return Ok(Attempt::Failed("the customer was deleted, erased or merged".to_owned()));
    }
    if !deliver::consents(db, c.id, channel.consent()).await? {
        return Ok(Attempt::Skipped(SkipReason::NoConsent));
    }
    let Some(to) = deliver::address(db, &c, channel).await? else {
        return Ok(Attempt::Skipped(SkipReason::NoAddress));
    };
    if m.purpose == MessagePurpose::Campaign.as_str() {
        match deliver::budget_decision(db, &messaging.budget, ContactKind::Campaign, &c, now).await? {
            Decision::Skip(reason) => return Ok(Attempt::Skipped(reason)),
            Decision::Later(at) => return Ok(Attempt::Later(at)),
            Decision::Send => {}
        }
    }
    if let Some(at) = messaging.budget.quiet_until(now) {
        return Ok(Attempt::Later(at));
    }
    let mut extra = serde_json::Map::new();
    extra.insert("purpose".to_owned(), m.purpose.clone().into());
    let out = Outgoing {
        id: format!("msg_{}", m.id.simple()),
        channel,
        to,
        to_name: &c.name,
        customer_id: c.id,
        subject: m.subject.clone(),
        body: m.body.clone(),
        extra,
    };
    Ok(match deliver::deliver(sender, messaging, out, now).await {
        Delivery::Sent => Attempt::Sent,
        Delivery::Failed(why) => Attempt::Failed(why),
        Delivery::Retry(why) => Attempt::Retry(why),
    })
}

/// Writes what a send came to.
async fn record(
    db: &DatabaseConnection,
    m: &message::Model,
    attempt: Attempt,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use message::Column as C;
    let status = |s: MessageStatus| Expr::value(s.as_str());
    let update = message::Entity::update_many().filter(C::Id.eq(m.id));
    let update = match attempt {
        Attempt::Sent => update
            .col_expr(C::Status, status(MessageStatus::Sent))
            .col_expr(C::SentAt, Expr::value(now))
            .col_expr(C::Attempts, Expr::value(m.attempts + 1))
            .col_expr(C::Error, Expr::value(Option::<String>::None)),
        Attempt::Skipped(reason) => update
            .col_expr(C::Status, status(MessageStatus::Skipped))
            .col_expr(C::SkipReason, Expr::value(reason.as_str())),
        Attempt::Later(at) => update.col_expr(C::SendAt, Expr::value(at)),
        Attempt::Failed(error) => update
            .col_expr(C::Status, status(MessageStatus::Failed))
            .col_expr(C::Error, Expr::value(error))
            .col_expr(C::Attempts, Expr::value(m.attempts + 1)),
        Attempt::Retry(error) if m.attempts + 1 >= MAX_ATTEMPTS => update
            .col_expr(C::Status, status(MessageStatus::Failed))
            .col_expr(C::Error, Expr::value(error))
            .col_expr(C::Attempts, Expr::value(m.attempts + 1)),
        Attempt::Retry(error) => update
            .col_expr(C::Error, Expr::value(error))
            .col_expr(C::Attempts, Expr::value(m.attempts + 1))
            .col_expr(C::SendAt, Expr::value(now + deliver::retry_wait(m.attempts))),
    };
    update.exec(db).await?;
    Ok(())
}
