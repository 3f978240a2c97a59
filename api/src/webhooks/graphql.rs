use std::sync::Arc;

use async_graphql::{Context, Enum, ErrorExtensions, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::Permission;

use super::{EndpointInput, EndpointPatch, Webhooks};
use crate::auth::ContextExt;
use crate::entities::{webhook_attempt, webhook_endpoint, webhook_message};
use crate::error::AppError;
use crate::users::graphql::parse_id;

fn webhooks<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Arc<Webhooks>> {
    ctx.data::<Arc<Webhooks>>()
        .map_err(|_| AppError::internal(anyhow::anyhow!("webhooks missing from the schema")).extend())
}

fn page(first: Option<i32>) -> u64 {
    u64::try_from(first.unwrap_or(20)).unwrap_or(0)
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum WebhookEndpointStatus {
    /// Receives changes.
    Active,
    /// Receives nothing: paused by hand, or after 5 days of failed deliveries (`disabledReason`).
    /// Enabling it again sends what was recorded meanwhile.
    Disabled,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum WebhookMessageStatus {
    /// Not delivered yet; `nextAttemptAt` says when it goes.
    Pending,
    Delivered,
    /// Every retry failed; `recoverWebhookMessages` queues it again.
    Failed,
}

/// A URL that receives the workspace's changes, signed by the Standard Webhooks scheme.
pub struct WebhookEndpoint(webhook_endpoint::Model);

#[Object]
impl WebhookEndpoint {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn url(&self) -> &str {
        &self.0.url
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Change kinds sent (see `changeKinds`); empty: all of them.
    async fn event_types(&self) -> Vec<&str> {
        self.0.event_types.split_whitespace().collect()
    }

    /// The signing secret (`whsec_...`): verify `webhook-signature` with it.
    async fn secret(&self) -> &str {
        &self.0.secret
    }

    /// Until then, the secret before the last rotation also signs every message.
    async fn previous_secret_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.previous_secret_expires_at.filter(|at| *at > Utc::now())
    }

    async fn status(&self) -> WebhookEndpointStatus {
        if self.0.status == "active" {
            WebhookEndpointStatus::Active
        } else {
            WebhookEndpointStatus::Disabled
        }
    }

    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }

    /// Since when every delivery has failed; null while it is healthy.
    async fn failing_since(&self) -> Option<DateTime<Utc>> {
        self.0.failing_since
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Its messages, newest first (at most 100).
    #[graphql(
        complexity = "crate::users::graphql::page_complexity(Some(first.unwrap_or(20)), child_complexity)"
    )]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        status: Option<WebhookMessageStatus>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<WebhookMessage>> {
        let scope = ctx.require(Permission::WebhooksManage)?;
        let status = status.map(|s| match s {
            WebhookMessageStatus::Pending => "pending",
            WebhookMessageStatus::Delivered => "delivered",
            WebhookMessageStatus::Failed => "failed",
        });
        let rows = super::messages(ctx.db()?, scope, self.0.id, status, page(first))
            .await
            .map_err(|e| e.extend())?;
        Ok(rows.into_iter().map(WebhookMessage).collect())
    }

    /// The delivery log: every request made to it, newest first (at most 100).
    #[graphql(
        complexity = "crate::users::graphql::page_complexity(Some(first.unwrap_or(20)), child_complexity)"
    )]
    async fn attempts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<WebhookAttempt>> {
        let scope = ctx.require(Permission::WebhooksManage)?;
        let rows =
            super::attempts(ctx.db()?, scope, self.0.id, None, page(first)).await.map_err(|e| e.extend())?;
        Ok(rows.into_iter().map(WebhookAttempt::from).collect())
    }
}

/// One change (or test event) for one endpoint.
pub struct WebhookMessage(webhook_message::Model);

#[Object]
impl WebhookMessage {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The `webhook-id` header: the same on every attempt, for the receiver to skip repeats.
    async fn webhook_id(&self) -> String {
        format!("msg_{}", self.0.id.simple())
    }

    /// A change kind, or `webhook.test`.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }

    /// The change's position in the feed (0 for a test event).
    async fn position(&self) -> i64 {
        self.0.event_position
    }

    async fn customer_id(&self) -> Option<ID> {
        self.0.customer_id.map(|id| ID(id.to_string()))
    }

    /// The body sent.
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(serde_json::from_str(&self.0.payload).unwrap_or_default())
    }

    async fn status(&self) -> WebhookMessageStatus {
        match self.0.status.as_str() {
            "delivered" => WebhookMessageStatus::Delivered,
            "failed" => WebhookMessageStatus::Failed,
            _ => WebhookMessageStatus::Pending,
        }
    }

    /// Scheduled attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == "pending").then_some(self.0.next_attempt_at)
    }

    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
}

/// One request made to an endpoint (or refused before it was made).
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    pub id: ID,
    pub message_id: ID,
    /// What was sent: a change kind, or `webhook.test`.
    pub event_type: String,
    /// `scheduled` (the worker), `replay` (by hand) or `test`.
    pub trigger: String,
    pub url: String,
    pub attempted_at: DateTime<Utc>,
    /// The HTTP status answered; null when there was no answer.
    pub status_code: Option<i32>,
    /// 2xx within 15 s.
    pub succeeded: bool,
    /// The start of the response body (at most 1 KB).
    pub response_excerpt: Option<String>,
    /// Why there was no answer (a timeout, a refused address, a connection error).
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl From<webhook_attempt::Model> for WebhookAttempt {
    fn from(row: webhook_attempt::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            message_id: ID(row.message_id.to_string()),
            event_type: row.event_type,
            trigger: row.trigger,
            url: row.url,
            attempted_at: row.attempted_at,
            succeeded: row.status_code.is_some_and(|s| (200..300).contains(&s)),
            status_code: row.status_code,
            response_excerpt: row.response_excerpt,
            error: row.error,
            duration_ms: row.duration_ms,
        }
    }
}

#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// `https://...` (or `http://`). Addresses on this machine or a private network are refused
    /// unless the server runs with `--webhooks-allow-private`.
    pub url: String,
    pub description: Option<String>,
    /// Change kinds to send (see `changeKinds`); none or empty: all.
    pub event_types: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    pub id: ID,
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    /// `true` re-enables a disabled endpoint (it then receives what was recorded meanwhile);
    /// `false` pauses it.
    pub enabled: Option<bool>,
}

#[derive(Default)]
pub struct WebhooksQuery;

#[Object]
impl WebhooksQuery {
    /// The workspace's webhook endpoints, oldest first. Needs `webhooks:manage`.
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WebhookEndpoint>> {
        let scope = ctx.require(Permission::WebhooksManage)?;
        let rows = super::list(ctx.db()?, scope).await.map_err(|e| e.extend())?;
        Ok(rows.into_iter().map(WebhookEndpoint).collect())
    }

    /// One endpoint. Needs `webhooks:manage`.
    async fn webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<WebhookEndpoint> {
        let scope = ctx.require(Permission::WebhooksManage)?;
        let id = parse_id(&id, "id")?;
        Ok(WebhookEndpoint(super::get(ctx.db()?, scope, id).await.map_err(|e| e.extend())?))
    }
}

#[derive(Default)]
pub struct WebhooksMutation;

#[Object]
impl WebhooksMutation {
    /// Registers an endpoint; it receives the changes recorded from now on. Needs
    /// `webhooks:manage`.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookEndpointInput,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let scope = ctx.require(Permission::WebhooksManage)?;
        let input = EndpointInput {
            url: input.url,
            description: input.description,
            event_types: input.event_types.unwrap_or_default(),
        };
        let created = super::create(ctx.db()?, webhooks(ctx)?, scope, input).await.map_err(|e| e.extend())?;
        Ok(WebhookEndpoint(created))
    }

    /// Changes an endpoint's URL, description or event types, or pauses / re-enables it.
    /// Needs `webhooks:manage`.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: UpdateWebhookEndpointInput,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let scope = ctx.require(Permission::WebhooksManage)?;
        let id = parse_id(&input.id, "id")?;
        let patch = EndpointPatch {
            url: input.url,
            description: input.description,
            event_types: input.event_types,
            enabled: input.enabled,
        };
        let updated =
            super::update(ctx.db()?, webhooks(ctx)?, scope, id, patch).await.map_err(|e| e.extend())?;
        Ok(WebhookEndpoint(updated))
    }

    /// Deletes an endpoint with its messages and delivery log. Needs `webhooks:manage`.
    async fn delete_webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let scope = ctx.require(Permission::WebhooksManage)?;
        let uuid = parse_id(&id, "id")?;
        super::delete(ctx.db()?, scope, uuid).await.map_err(|e| e.extend())?;
        Ok(id)
    }

    /// Gives the endpoint a new secret. The old one keeps signing beside it for 24 hours
    /// (`webhook-signature` then carries both), so the receiver can switch without a gap.
    /// Needs `webhooks:manage`.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let scope = ctx.require(Permission::WebhooksManage)?;
        let id = parse_id(&id, "id")?;
        Ok(WebhookEndpoint(super::rotate_secret(ctx.db()?, scope, id).await.map_err(|e| e.extend())?))
    }

    /// Sends one message again now (whatever its state) and returns the attempt. Needs
    /// `webhooks:manage`.
    async fn replay_webhook_message(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookAttempt> {
        let scope = ctx.require(Permission::WebhooksManage)?;
        let id = parse_id(&id, "id")?;
        let attempt = super::replay(ctx.db()?, webhooks(ctx)?, scope, id).await.map_err(|e| e.extend())?;
        Ok(attempt.into())
    }

    /// Queues again, in order, the endpoint's messages created in `[since, until)` (until: now)
    /// that ran out of retries. Returns how many. Needs `webhooks:manage`.
    async fn recover_webhook_messages(
        &self,
        ctx: &Context<'_>,
        endpoint_id: ID,
        since: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<u64> {
        let scope = ctx.require(Permission::WebhooksManage)?;
        let id = parse_id(&endpoint_id, "endpointId")?;
        super::recover(ctx.db()?, scope, id, since, until).await.map_err(|e| e.extend())
    }

    /// Sends a `webhook.test` message to the endpoint now and returns the attempt. Needs
    /// `webhooks:manage`.
    async fn send_webhook_test_event(
        &self,
        ctx: &Context<'_>,
        endpoint_id: ID,
    ) -> async_graphql::Result<WebhookAttempt> {
        let scope = ctx.require(Permission::WebhooksManage)?;
        let id = parse_id(&endpoint_id, "endpointId")?;
        let attempt = super::send_test(ctx.db()?, webhooks(ctx)?, scope, id).await.map_err(|e| e.extend())?;
        Ok(attempt.into())
    }
}
