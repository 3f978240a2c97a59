//! `point_lots`: one credit of points, what is left of it, when it can be spent and expires.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "point_lots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    /// `starcrm_shared::loyalty::LotSource`.
    pub source: String,
    pub points: i64,
    pub remaining: i64,
    pub available_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub transaction_id: Option<Uuid>,
    pub amount_minor: Option<i64>,
    pub rule_version: Option<i32>,
    pub stars: Option<i32>,
    pub multiplier_milli: Option<i32>,
    /// JSON `starcrm_shared::loyalty::Earned`.
    pub snapshot: Option<String>,
    pub operation_id: Uuid,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
