//! `vouchers`: what a member got for their points, used once at the till.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vouchers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    pub reward_id: Uuid,
    pub code: String,
    /// `issued` or `used`.
    pub status: String,
    pub points: i64,
    pub operation_id: Uuid,
    pub external_ref: Option<String>,
    pub issued_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub used_at: Option<DateTimeUtc>,
    pub used_ref: Option<String>,
    pub used_by_user_id: Option<Uuid>,
    pub used_by_token_id: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}
