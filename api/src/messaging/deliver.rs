//! Handing one message to its channel: email over the business's SMTP server, or SMS, WeChat and
//! app push to the business's own sender as a signed webhook. Survey invitations and the outbox
//! ([`super::outbox`]) both send through here, and read the customer's address and consent the
//! same way.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value};
use starcrm_shared::contact_budget::ContactKind;
use starcrm_shared::customer::ConsentChannel;
use starcrm_shared::surveys::{MessageChannel, MessagePurpose, MessageStatus};
use uuid::Uuid;

use super::email::{self, Email, SendError};
use super::settings::Messaging;
use crate::entities::{
    channel_identity, customer, customer_consent, customer_email, customer_phone, message, survey_invitation,
};
use crate::error::AppError;
use crate::webhooks::sender::{Request, Sender};

/// What handing a message over came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// For good: a bad address, a refusal, a malformed secret.
    Failed(String),
    /// Worth trying again later: the server or sender was unreachable, or messaging is not set up.
    Retry(String),
}

/// How long a replica holds a message it is sending.
pub const LEASE_MINUTES: i64 = 10;

/// Takes a queued message (an invitation, an outbox row) for [`LEASE_MINUTES`] by moving its
/// `send_at` on, if it is still queued at the `send_at` it was read with: another replica's pass
/// then leaves it alone. Returns whether this pass got it.
///
/// # Errors
/// Database failures.
pub async fn claim<E: EntityTrait>(
    db: &DatabaseConnection,
    columns: (E::Column, E::Column, E::Column),
    id: Uuid,
    queued: &str,
    send_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let (id_column, status, send_at_column) = columns;
    let claimed = E::update_many()
        .col_expr(send_at_column, Expr::value(now + chrono::Duration::minutes(LEASE_MINUTES)))
        .filter(id_column.eq(id))
        .filter(status.eq(queued))
        .filter(send_at_column.eq(send_at))
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// How long a message waits before its next try after `attempts` failed ones: 5, 10, 20, 40
/// minutes...
pub fn retry_wait(attempts: i32) -> chrono::Duration {
    chrono::Duration::minutes(5 * (1_i64 << attempts.clamp(0, 6)))
}

/// One message ready to go.
#[derive(Clone, Debug)]
pub struct Outgoing<'a> {
    /// The receiver's idempotency key (`msg_<id>`): a retried webhook carries the same one.
    pub id: String,
    pub channel: MessageChannel,
    pub to: String,
    pub to_name: &'a str,
    pub customer_id: Uuid,
    pub subject: String,
    pub body: String,
    /// More fields for the business's sender (`purpose`, `link`, ...).
    pub extra: Map<String, Value>,
}

/// Sends `out` on its channel.
pub async fn deliver(
    sender: &Sender,
    messaging: &Messaging,
    out: Outgoing<'_>,
    now: DateTime<Utc>,
) -> Delivery {
    match out.channel {
        MessageChannel::Email => {
            let Some(smtp) = &messaging.smtp else {
                return Delivery::Retry("set the SMTP server in the messaging settings".to_owned());
            };
            let mail = Email {
                to: out.to,
                to_name: Some(out.to_name.to_owned()),
                subject: out.subject,
                text: out.body,
                html: None,
            };
            match email::send(smtp, &mail).await {
                Ok(_) => Delivery::Sent,
                Err(SendError::Temporary { reason }) => Delivery::Retry(reason),
                Err(e @ (SendError::Address { .. } | SendError::Refused { .. })) => {
                    Delivery::Failed(e.to_string())
                }
            }
        }
        MessageChannel::Sms | MessageChannel::Wechat | MessageChannel::Push => {
            let (Some(url), Some(secret)) = (&messaging.delivery_url, &messaging.delivery_secret) else {
                return Delivery::Retry(
                    "set the delivery URL for SMS, WeChat and push in the messaging settings".to_owned(),
                );
            };
            let mut payload = out.extra;
            payload.insert("type".to_owned(), "message.send".into());
            payload.insert("id".to_owned(), out.id.clone().into());
            payload.insert("channel".to_owned(), out.channel.as_str().into());
            payload.insert("to".to_owned(), out.to.into());
            payload.insert("customerId".to_owned(), out.customer_id.to_string().into());
            payload.insert("text".to_owned(), out.body.into());
            let payload = Value::Object(payload).to_string();
            let timestamp = now.timestamp();
            let Some(signature) = crate::webhooks::signing::sign(secret, &out.id, timestamp, &payload) else {
                return Delivery::Failed("the delivery secret is malformed".to_owned());
            };
            let outcome = sender
                .send(&Request { url, id: &out.id, timestamp, signature: &signature, body: &payload })
                .await;
            if outcome.succeeded() {
                Delivery::Sent
            } else {
                let why = outcome
                    .error
                    .or_else(|| outcome.status.map(|s| format!("the sender answered HTTP {s}")))
                    .unwrap_or_default();
                Delivery::Retry(why)
            }
        }
    }
}

/// The customer's address on `channel`: their primary (else first) email or phone, their WeChat
/// identity, or for app push their id (the business's app knows it).
///
/// # Errors
/// Database failures.
pub async fn address(
    conn: &impl ConnectionTrait,
    c: &customer::Model,
    channel: MessageChannel,
) -> Result<Option<String>, AppError> {
    Ok(match channel {
        MessageChannel::Email => customer_email::Entity::find()
            .filter(customer_email::Column::CustomerId.eq(c.id))
            .order_by_desc(customer_email::Column::IsPrimary)
            .one(conn)
            .await?
            .map(|e| e.email),
        MessageChannel::Sms => customer_phone::Entity::find()
            .filter(customer_phone::Column::CustomerId.eq(c.id))
            .order_by_desc(customer_phone::Column::IsPrimary)
            .one(conn)
            .await?
            .map(|p| p.phone),
        MessageChannel::Wechat => channel_identity::Entity::find()
            .filter(channel_identity::Column::CustomerId.eq(c.id))
            .filter(channel_identity::Column::Channel.eq("wechat"))
            .one(conn)
            .await?
            .map(|i| i.external_id),
        MessageChannel::Push => Some(c.id.to_string()),
    })
}

/// Whether the customer agreed to hear from the business on `channel`.
///
/// # Errors
/// Database failures.
pub async fn consents(
    conn: &impl ConnectionTrait,
    customer_id: Uuid,
    channel: ConsentChannel,
) -> Result<bool, AppError> {
    Ok(customer_consent::Entity::find()
        .filter(customer_consent::Column::CustomerId.eq(customer_id))
        .filter(customer_consent::Column::Channel.eq(channel.as_str()))
        .one(conn)
        .await?
        .is_some_and(|c| c.granted))
}

/// The customer's unasked contacts since `since` that the contact budget counts: survey
/// invitations and campaign messages sent.
///
/// # Errors
/// Database failures.
pub async fn contacts(
    conn: &impl ConnectionTrait,
    customer_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, ContactKind)>, AppError> {
    let surveys: Vec<Option<DateTime<Utc>>> = survey_invitation::Entity::find()
        .select_only()
        .column(survey_invitation::Column::SentAt)
        .filter(survey_invitation::Column::CustomerId.eq(customer_id))
        .filter(survey_invitation::Column::SentAt.gte(since))
        .into_tuple()
        .all(conn)
        .await?;
    let campaigns: Vec<Option<DateTime<Utc>>> = message::Entity::find()
        .select_only()
        .column(message::Column::SentAt)
        .filter(message::Column::CustomerId.eq(customer_id))
        .filter(message::Column::Purpose.eq(MessagePurpose::Campaign.as_str()))
        .filter(message::Column::Status.eq(MessageStatus::Sent.as_str()))
        .filter(message::Column::SentAt.gte(since))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(surveys
        .into_iter()
        .flatten()
        .map(|at| (at, ContactKind::Survey))
        .chain(campaigns.into_iter().flatten().map(|at| (at, ContactKind::Campaign)))
        .collect())
}

/// What the contact budget says about a contact of `kind` to `c` now, from their unasked
/// contacts within the longest period their star level's limits span.
///
/// # Errors
/// Database failures.
pub async fn budget_decision(
    conn: &impl ConnectionTrait,
    budget: &starcrm_shared::contact_budget::ContactBudget,
    kind: ContactKind,
    c: &customer::Model,
    now: DateTime<Utc>,
) -> Result<starcrm_shared::contact_budget::Decision, AppError> {
    let stars = c.stars.and_then(|s| u8::try_from(s).ok());
    let (surveys, messages) = budget.limits(stars);
    let since = now - chrono::Duration::days(i64::from(surveys.days.max(messages.days)));
    Ok(budget.decide(kind, stars, &contacts(conn, c.id, since).await?, now))
}
