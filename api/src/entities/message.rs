//! `messages`: the outbox of messages to customers outside surveys (points about to expire now,
//! campaigns later).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    /// `points_expiring`.
    pub purpose: String,
    /// `email`, `sms`, `wechat`, `push`.
    pub channel: String,
    /// What it is about, unique per workspace (`points_expiring:<customer>:<date>`).
    pub origin: String,
    pub subject: String,
    pub body: String,
    /// `queued`, `sent`, `skipped`, `failed`.
    pub status: String,
    pub skip_reason: Option<String>,
    pub error: Option<String>,
    pub attempts: i32,
    pub send_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
