//! Webhooks (ARCHITECTURE.md section 9): a workspace registers endpoints; every change in the
//! change feed that an endpoint asks for becomes a message to it, signed by the Standard
//! Webhooks scheme and delivered at least once, in order per customer, retried on a fixed
//! schedule. Every attempt goes into a delivery log.
//!
//! - [`signing`]: secrets and signatures (pure).
//! - [`guard`]: which URLs and addresses deliveries may reach (SSRF).
//! - [`sender`]: the HTTP request.
//! - [`delivery`]: the worker: feed -> messages -> attempts.
//! - this file: endpoints, the delivery log, replays and test events, as the API offers them.
//!
//! Secrets are stored as they are (a signature needs the key itself) and shown to whoever may
//! manage webhooks, as Svix does; database backups therefore hold them.

pub mod delivery;
pub mod graphql;
pub mod guard;
pub mod sender;
pub mod signing;

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};
use starcrm_shared::Permission;
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::changes::Kind;
use crate::db;
use crate::entities::{event, webhook_attempt, webhook_endpoint, webhook_message};
use crate::error::AppError;

pub use delivery::Webhooks;

/// Endpoints one workspace may register.
pub const MAX_ENDPOINTS: u64 = 20;
/// A rotated-out secret keeps signing (beside the new one) this long.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);
/// The longest description.
const DESCRIPTION_MAX_CHARS: usize = 200;
/// The event type of a test message.
pub const TEST_EVENT: &str = "webhook.test";

/// What a new endpoint needs.
#[derive(Debug, Default)]
pub struct EndpointInput {
    pub url: String,
    pub description: Option<String>,
    /// Change kinds to send; empty: all.
    pub event_types: Vec<String>,
}

/// What an update may change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    /// `true` re-enables a disabled endpoint (from where it stopped); `false` pauses it.
    pub enabled: Option<bool>,
}

fn check_url(url: &str, webhooks: &Webhooks) -> Result<String, AppError> {
    guard::check_url(url, webhooks.allow_private())
        .map(|u| u.to_string())
        .map_err(|reason| AppError::bad_input("url", reason))
}

fn check_description(text: Option<&str>) -> Result<String, AppError> {
    let text = text.unwrap_or("").trim();
    if text.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(AppError::bad_input(
            "description",
            format!("at most {DESCRIPTION_MAX_CHARS} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// The event types as stored: known kinds, sorted, without repeats, space-separated.
fn check_event_types(types: &[String]) -> Result<String, AppError> {
    let mut kinds = BTreeSet::new();
    for text in types {
        let kind = Kind::parse(text.trim()).ok_or_else(|| {
            AppError::bad_input("eventTypes", format!("unknown event type {text:?} (see changeKinds)"))
        })?;
        kinds.insert(kind.as_str());
    }
    Ok(kinds.into_iter().collect::<Vec<_>>().join(" "))
}

/// The endpoint with `id` in the caller's workspace.
async fn find(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<webhook_endpoint::Model, AppError> {
    webhook_endpoint::Entity::find_by_id(id)
        .filter(webhook_endpoint::Column::WorkspaceId.eq(scope.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "webhook endpoint" })
}

/// The workspace's endpoints, oldest first. Needs `webhooks:manage`.
///
/// # Errors
/// `FORBIDDEN`.
pub async fn list(db: &DatabaseConnection, scope: &Scope) -> Result<Vec<webhook_endpoint::Model>, AppError> {
    scope.require(Permission::WebhooksManage)?;
    Ok(webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::WorkspaceId.eq(scope.workspace_id))
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(db)
        .await?)
}

/// One endpoint. Needs `webhooks:manage`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND` outside the caller's workspace.
pub async fn get(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
) -> Result<webhook_endpoint::Model, AppError> {
    scope.require(Permission::WebhooksManage)?;
    find(db, scope, id).await
}

/// Registers an endpoint. It receives the changes recorded from now on. Needs `webhooks:manage`.
///
/// # Errors
/// `FORBIDDEN`; `BAD_USER_INPUT` for a refused URL, an unknown event type, a long description
/// or too many endpoints.
pub async fn create(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    scope: &Scope,
    input: EndpointInput,
) -> Result<webhook_endpoint::Model, AppError> {
    scope.require(Permission::WebhooksManage)?;
    let url = check_url(&input.url, webhooks)?;
    let description = check_description(input.description.as_deref())?;
    let event_types = check_event_types(&input.event_types)?;
    let secret = signing::new_secret().map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;

    let txn = db::begin_write(db).await?;
    let count = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::WorkspaceId.eq(scope.workspace_id))
        .count(&txn)
        .await?;
    if count >= MAX_ENDPOINTS {
        return Err(AppError::bad_input("url", format!("a workspace has at most {MAX_ENDPOINTS} endpoints")));
    }
    // From now on: the changes already recorded are in the feed for whoever wants history.
    let cursor: Option<i64> = event::Entity::find()
        .select_only()
        .column_as(event::Column::Position.max(), "max")
        .filter(event::Column::WorkspaceId.eq(scope.workspace_id))
        .into_tuple()
        .one(&txn)
        .await?
        .flatten();
    let now = Utc::now();
    let created = webhook_endpoint::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        url: Set(url.clone()),
        description: Set(description.clone()),
        event_types: Set(event_types.clone()),
        secret: Set(secret),
        previous_secret: Set(None),
        previous_secret_expires_at: Set(None),
        status: Set("active".to_owned()),
        disabled_reason: Set(None),
        failing_since: Set(None),
        cursor: Set(cursor.unwrap_or(0)),
        created_by: Set(scope.user_id()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        scope,
        Entry::new("webhook.create", "webhook_endpoint", created.id)
            .changes(json!({ "url": url, "description": description, "eventTypes": event_types })),
    )
    .await?;
    txn.commit().await?;
    delivery::wake();
    Ok(created)
}

/// Changes an endpoint. Needs `webhooks:manage`.
///
/// # Errors
/// As [`create`]; `NOT_FOUND` outside the caller's workspace.
pub async fn update(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    scope: &Scope,
    id: Uuid,
    patch: EndpointPatch,
) -> Result<webhook_endpoint::Model, AppError> {
    scope.require(Permission::WebhooksManage)?;
    let url = patch.url.as_deref().map(|u| check_url(u, webhooks)).transpose()?;
    let description = patch.description.as_deref().map(|d| check_description(Some(d))).transpose()?;
    let event_types = patch.event_types.as_deref().map(check_event_types).transpose()?;

    let txn = db::begin_write(db).await?;
    let current = find(&txn, scope, id).await?;
    let mut changes = serde_json::Map::new();
    let mut model: webhook_endpoint::ActiveModel = current.clone().into();
    if let Some(url) = url.filter(|u| *u != current.url) {
        changes.insert("url".into(), json!({ "from": current.url, "to": url }));
        model.url = Set(url);
    }
    if let Some(description) = description.filter(|d| *d != current.description) {
        changes.insert("description".into(), json!(description));
        model.description = Set(description);
    }
    if let Some(types) = event_types.filter(|t| *t != current.event_types) {
        changes.insert("eventTypes".into(), json!({ "from": current.event_types, "to": types }));
        model.event_types = Set(types);
    }
    match patch.enabled {
        Some(true) if current.status != "active" => {
            changes.insert("status".into(), json!("active"));
            model.status = Set("active".to_owned());
            model.disabled_reason = Set(None);
            model.failing_since = Set(None);
        }
        Some(false) if current.status == "active" => {
            changes.insert("status".into(), json!("disabled"));
            model.status = Set("disabled".to_owned());
            model.disabled_reason = Set(Some("paused by hand".to_owned()));
        }
        _ => {}
    }
    if changes.is_empty() {
        return Ok(current);
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("webhook.update", "webhook_endpoint", id).changes(Value::Object(changes)),
    )
    .await?;
    txn.commit().await?;
    delivery::wake();
    Ok(updated)
}

/// Deletes an endpoint with its messages and delivery log. Needs `webhooks:manage`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND` outside the caller's workspace.
pub async fn delete(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
) -> Result<webhook_endpoint::Model, AppError> {
    scope.require(Permission::WebhooksManage)?;
    let txn = db::begin_write(db).await?;
    let current = find(&txn, scope, id).await?;
    webhook_endpoint::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("webhook.delete", "webhook_endpoint", id).changes(json!({ "url": current.url })),
    )
    .await?;
    txn.commit().await?;
    Ok(current)
}

/// Gives an endpoint a new secret; the old one keeps signing beside it for 24 hours so the
/// receiver can switch without losing a message. Needs `webhooks:manage`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND` outside the caller's workspace.
pub async fn rotate_secret(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
) -> Result<webhook_endpoint::Model, AppError> {
    scope.require(Permission::WebhooksManage)?;
    let secret = signing::new_secret().map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    let txn = db::begin_write(db).await?;
    let current = find(&txn, scope, id).await?;
    let now = Utc::now();
    let expires = now + ROTATION_OVERLAP;
    let mut model: webhook_endpoint::ActiveModel = current.clone().into();
    model.previous_secret = Set(Some(current.secret));
    model.previous_secret_expires_at = Set(Some(expires));
    model.secret = Set(secret);
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("webhook.rotate_secret", "webhook_endpoint", id)
            .changes(json!({ "previousSecretValidUntil": expires })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A page of an endpoint's messages, newest first. Needs `webhooks:manage`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND` outside the caller's workspace; `BAD_USER_INPUT` for a bad status
/// or page size.
pub async fn messages(
    db: &DatabaseConnection,
    scope: &Scope,
    endpoint_id: Uuid,
    status: Option<&str>,
    first: u64,
) -> Result<Vec<webhook_message::Model>, AppError> {
    scope.require(Permission::WebhooksManage)?;
    check_page(first)?;
    find(db, scope, endpoint_id).await?;
    let mut query = webhook_message::Entity::find()
        .filter(webhook_message::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(webhook_message::Column::EndpointId.eq(endpoint_id));
    if let Some(status) = status {
        if !matches!(status, "pending" | "delivered" | "failed") {
            return Err(AppError::bad_input("status", "one of pending, delivered, failed"));
        }
        query = query.filter(webhook_message::Column::Status.eq(status));
    }
    Ok(query.order_by_desc(webhook_message::Column::Id).limit(first).all(db).await?)
}

/// The delivery log of an endpoint (or of one of its messages), newest first. Needs
/// `webhooks:manage`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND` outside the caller's workspace.
pub async fn attempts(
    db: &DatabaseConnection,
    scope: &Scope,
    endpoint_id: Uuid,
    message_id: Option<Uuid>,
    first: u64,
) -> Result<Vec<webhook_attempt::Model>, AppError> {
    scope.require(Permission::WebhooksManage)?;
    check_page(first)?;
    find(db, scope, endpoint_id).await?;
    let mut query = webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(webhook_attempt::Column::EndpointId.eq(endpoint_id));
    if let Some(message_id) = message_id {
        query = query.filter(webhook_attempt::Column::MessageId.eq(message_id));
    }
    Ok(query.order_by_desc(webhook_attempt::Column::Id).limit(first).all(db).await?)
}

/// The most rows one read of messages or attempts returns.
pub const MAX_PAGE: u64 = 100;

fn check_page(first: u64) -> Result<(), AppError> {
    if first == 0 || first > MAX_PAGE {
        return Err(AppError::bad_input("first", format!("must be between 1 and {MAX_PAGE}")));
    }
    Ok(())
}

/// Sends one message again now, whatever its state, and returns the attempt. Needs
/// `webhooks:manage`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND` outside the caller's workspace.
pub async fn replay(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    scope: &Scope,
    message_id: Uuid,
) -> Result<webhook_attempt::Model, AppError> {
    scope.require(Permission::WebhooksManage)?;
    let message = webhook_message::Entity::find_by_id(message_id)
        .filter(webhook_message::Column::WorkspaceId.eq(scope.workspace_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound { entity: "webhook message" })?;
    let endpoint = find(db, scope, message.endpoint_id).await?;
    let attempt = webhooks.attempt(db, &endpoint, &message, "replay", Utc::now()).await?;
    audit::record(
        db,
        scope,
        Entry::new("webhook.replay", "webhook_endpoint", endpoint.id)
            .changes(json!({ "messageId": message.id, "statusCode": attempt.status_code })),
    )
    .await?;
    Ok(attempt)
}

/// Queues again every message of the endpoint that ran out of retries (`failed`) and was
/// created in `[since, until)`, for the worker to deliver in order. Returns how many. Needs
/// `webhooks:manage`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND` outside the caller's workspace; `BAD_USER_INPUT` for an empty range.
pub async fn recover(
    db: &DatabaseConnection,
    scope: &Scope,
    endpoint_id: Uuid,
    since: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> Result<u64, AppError> {
    scope.require(Permission::WebhooksManage)?;
    let until = until.unwrap_or_else(Utc::now);
    if until <= since {
        return Err(AppError::bad_input("until", "must be after since"));
    }
    let txn = db::begin_write(db).await?;
    find(&txn, scope, endpoint_id).await?;
    let queued = webhook_message::Entity::update_many()
        .col_expr(webhook_message::Column::Status, Expr::value("pending"))
        .col_expr(webhook_message::Column::Attempts, Expr::value(0))
        .col_expr(webhook_message::Column::NextAttemptAt, Expr::value(Utc::now()))
        .filter(webhook_message::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(webhook_message::Column::EndpointId.eq(endpoint_id))
        .filter(webhook_message::Column::Status.eq("failed"))
        .filter(webhook_message::Column::CreatedAt.gte(since))
        .filter(webhook_message::Column::CreatedAt.lt(until))
        .exec(&txn)
        .await?
        .rows_affected;
    audit::record(
        &txn,
        scope,
        Entry::new("webhook.recover", "webhook_endpoint", endpoint_id)
            .changes(json!({ "since": since, "until": until, "messages": queued })),
    )
    .await?;
    txn.commit().await?;
    delivery::wake();
    Ok(queued)
}

/// Sends a `webhook.test` message to the endpoint now and returns the attempt. Needs
/// `webhooks:manage`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND` outside the caller's workspace.
pub async fn send_test(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    scope: &Scope,
    endpoint_id: Uuid,
) -> Result<webhook_attempt::Model, AppError> {
    scope.require(Permission::WebhooksManage)?;
    let endpoint = find(db, scope, endpoint_id).await?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let body = json!({
        "type": TEST_EVENT,
        "timestamp": now,
        "data": { "endpointId": endpoint.id, "message": "StarCRM test event: your endpoint is reachable" },
    });
    let message = webhook_message::ActiveModel {
        id: Set(id),
        workspace_id: Set(scope.workspace_id),
        endpoint_id: Set(endpoint.id),
        event_id: Set(None),
        event_position: Set(0),
        customer_id: Set(None),
        event_type: Set(TEST_EVENT.to_owned()),
        payload: Set(body.to_string()),
        // Not for the worker: this request is made here and now.
        status: Set("delivered".to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_status_code: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
    }
    .insert(db)
    .await?;
    webhooks.attempt(db, &endpoint, &message, "test", now).await
}

/// Reduces what webhook messages hold about erased customers to ids (called by erasure, in its
/// transaction), and drops the response excerpts their deliveries logged.
///
/// # Errors
/// Database failures.
pub async fn forget_customers(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> Result<(), AppError> {
    let messages: Vec<(Uuid, String, i64, Option<Uuid>)> = webhook_message::Entity::find()
        .select_only()
        .columns([webhook_message::Column::Id, webhook_message::Column::EventType])
        .column(webhook_message::Column::EventPosition)
        .column(webhook_message::Column::CustomerId)
        .filter(webhook_message::Column::WorkspaceId.eq(workspace_id))
        .filter(webhook_message::Column::CustomerId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    for (id, event_type, position, customer) in &messages {
        webhook_message::Entity::update_many()
            .col_expr(
                webhook_message::Column::Payload,
                Expr::value(
                    json!({
                        "type": event_type,
                        "data": { "position": position, "customerId": customer, "redacted": "erasure" },
                    })
                    .to_string(),
                ),
            )
            .filter(webhook_message::Column::Id.eq(*id))
            .exec(conn)
            .await?;
    }
    let message_ids: Vec<Uuid> = messages.iter().map(|m| m.0).collect();
    for part in message_ids.chunks(500) {
        webhook_attempt::Entity::update_many()
            .col_expr(webhook_attempt::Column::ResponseExcerpt, Expr::value(Option::<String>::None))
            .filter(webhook_attempt::Column::MessageId.is_in(part.iter().copied()))
            .exec(conn)
            .await?;
    }
    Ok(())
}
