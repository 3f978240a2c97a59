use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::Value;
use starcrm_shared::Permission;
use uuid::Uuid;

use crate::auth::Scope;
use crate::entities::audit_log;
use crate::error::AppError;
use crate::graphql::pagination::{PageRequest, Slice};

/// One audit entry: an action (`entity.verb`) on an entity, with the changed fields. Callers put
/// no secrets in `changes` and mask personal data (see `shared::mask`).
#[derive(Clone, Debug)]
pub struct Entry {
    action: &'static str,
    entity_type: &'static str,
    entity_id: Option<String>,
    changes: Option<Value>,
}

impl Entry {
    pub fn new(action: &'static str, entity_type: &'static str, entity_id: impl std::fmt::Display) -> Self {
        Self { action, entity_type, entity_id: Some(entity_id.to_string()), changes: None }
    }

    #[must_use]
    pub fn changes(mut self, changes: Value) -> Self {
        self.changes = Some(changes);
        self
    }
}

/// Appends `entry`, done by `scope`'s actor, to `scope`'s workspace log.
///
/// # Errors
/// Database failures (the caller's transaction then rolls back with the change).
pub async fn record(conn: &impl ConnectionTrait, scope: &Scope, entry: Entry) -> Result<(), AppError> {
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        actor_kind: Set(scope.actor_kind().as_str().to_owned()),
        actor_id: Set(scope.actor_id()),
        actor_name: Set(scope.actor_name().to_owned()),
        action: Set(entry.action.to_owned()),
        entity_type: Set(entry.entity_type.to_owned()),
        entity_id: Set(entry.entity_id),
        changes: Set(entry.changes.map(|c| c.to_string())),
        request_id: Set(scope.meta.request_id.clone()),
        ip: Set(scope.meta.ip.clone()),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// What to look for in the log.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Exact action (`user.role_change`) or a prefix ending in `.` (`user.`).
    pub action: Option<String>,
    pub actor_id: Option<Uuid>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The workspace's log, newest first.
///
/// # Errors
/// `FORBIDDEN` without `audit:read`.
pub async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    filter: &Filter,
    page: PageRequest,
) -> Result<Slice<audit_log::Model>, AppError> {
    scope.require(Permission::AuditRead)?;
    let mut query = audit_log::Entity::find().filter(audit_log::Column::WorkspaceId.eq(scope.workspace_id));
    if let Some(action) = filter.action.as_deref().filter(|a| !a.is_empty()) {
        query = if action.ends_with('.') {
            query.filter(crate::db::starts_with_text(audit_log::Column::Action, action))
        } else {
            query.filter(audit_log::Column::Action.eq(action))
        };
    }
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_log::Column::ActorId.eq(actor));
    }
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_log::Column::EntityType.eq(entity_type.as_str()));
    }
    if let Some(entity_id) = &filter.entity_id {
        query = query.filter(audit_log::Column::EntityId.eq(entity_id.as_str()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::Column::CreatedAt.lt(to));
    }
    let total = query.clone().count(db).await?;
    if let Some(after) = page.after {
        query = query.filter(audit_log::Column::Id.lt(after));
    }
    let mut rows =
        query.order_by_desc(audit_log::Column::Id).limit(u64::from(page.first) + 1).all(db).await?;
    Ok(Slice::from_rows(&mut rows, page.first, total, |row| row.id))
}
