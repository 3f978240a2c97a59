//! `transactions`: purchases and refunds (消费记录), money in minor units.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    pub kind: String,
    pub status: String,
    pub channel: String,
    pub occurred_at: DateTimeUtc,
    pub amount_minor: i64,
    pub currency: String,
    pub refunded_minor: i64,
    pub refund_of: Option<Uuid>,
    pub payment_method: Option<String>,
    pub store: Option<String>,
    pub location: Option<String>,
    pub external_ref: Option<String>,
    pub note: Option<String>,
    /// The import that recorded it (a revert deletes it).
    pub import_id: Option<Uuid>,
    /// The file's row that recorded it.
    pub import_row: Option<i64>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
