//! `webhook_attempts`: the delivery log, one row per HTTP request made (or refused).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub endpoint_id: Uuid,
    pub message_id: Uuid,
    pub event_type: String,
    /// `scheduled`, `replay` or `test`.
    pub trigger: String,
    pub url: String,
    pub attempted_at: DateTimeUtc,
    pub status_code: Option<i32>,
    /// The start of the response body (at most 1 KB).
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl ActiveModelBehavior for ActiveModel {}
