//! `webhook_messages`: one change (or test event) to deliver to one endpoint, with its state.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_messages")]
pub struct Model {
    /// Sent as `webhook-id` (`msg_<id>`): the same on every attempt, so receivers can dedupe.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Option<Uuid>,
    /// The change's feed position; 0 for a test event.
    pub event_position: i64,
    pub customer_id: Option<Uuid>,
    pub event_type: String,
    /// The exact body sent.
    pub payload: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub last_status_code: Option<i32>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
