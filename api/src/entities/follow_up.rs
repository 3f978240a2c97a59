//! `follow_ups`: calls back to a customer (回访), due on a cadence by stars, after a solved
//! complaint, after a star drop, or set by hand.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    pub owner_id: Option<Uuid>,
    pub reason: String,
    pub ticket_id: Option<Uuid>,
    pub source_key: Option<String>,
    pub due_at: DateTimeUtc,
    pub status: String,
    pub note: Option<String>,
    pub outcome: Option<String>,
    pub interaction_id: Option<Uuid>,
    pub snoozes: i32,
    pub done_at: Option<DateTimeUtc>,
    pub done_by: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
