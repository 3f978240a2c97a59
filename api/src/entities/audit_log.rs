//! `audit_log`: who did what, when and from where. Append-only (database triggers refuse
//! UPDATE and DELETE).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// UUIDv7: time-ordered, the listing order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// `user`, `api_token` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    /// `entity.verb`, e.g. `user.role_change`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// JSON object; no secrets, personal data masked.
    pub changes: Option<String>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
