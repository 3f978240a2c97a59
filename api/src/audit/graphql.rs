use async_graphql::connection::Connection;
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::Permission;
use starcrm_shared::account::ActorKind;

use super::service::{self, Filter};
use crate::auth::ContextExt;
use crate::entities::audit_log;
use crate::error::AppError;
use crate::graphql::pagination::{ConnectionFields, PageRequest};

/// One entry of the audit log.
#[derive(SimpleObject)]
pub struct AuditEntry {
    pub id: ID,
    /// When it happened.
    pub at: DateTime<Utc>,
    pub actor_kind: ActorKind,
    /// The user or API token that acted (absent for the system).
    pub actor_id: Option<ID>,
    /// Their name at the time.
    pub actor_name: String,
    /// `entity.verb`, e.g. `user.role_change`, `api_token.create`, `pii.reveal`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// JSON object of the changed fields. Never secrets; personal data masked.
    pub changes: Option<String>,
    /// The request that did it (matches the server's logs).
    pub request_id: Option<String>,
    /// The client's address.
    pub ip: Option<String>,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(row: audit_log::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            at: row.created_at,
            actor_kind: ActorKind::parse(&row.actor_kind).unwrap_or(ActorKind::System),
            actor_id: row.actor_id.map(|id| ID(id.to_string())),
            actor_name: row.actor_name,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            changes: row.changes,
            request_id: row.request_id,
            ip: row.ip,
        }
    }
}

/// Narrows the audit log.
#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// An action (`user.create`), or a prefix ending in a dot (`user.`).
    pub action: Option<String>,
    pub actor_id: Option<ID>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// From this time on (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The workspace's audit log, newest first. Needs `audit:read`.
    #[graphql(complexity = "crate::users::graphql::page_complexity(first, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditFilter>,
    ) -> async_graphql::Result<Connection<String, AuditEntry, ConnectionFields>> {
        let scope = ctx.require(Permission::AuditRead)?;
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let actor_id = filter
            .actor_id
            .map(|id| id.parse().map_err(|_| AppError::bad_input("filter.actorId", "is not an id").extend()))
            .transpose()?;
        let filter = Filter {
            action: filter.action,
            actor_id,
            entity_type: filter.entity_type,
            entity_id: filter.entity_id,
            from: filter.from,
            to: filter.to,
        };
        let slice = service::list(ctx.db()?, scope, &filter, page).await.map_err(|e| e.extend())?;
        Ok(slice.into_connection(AuditEntry::from))
    }
}
