//! `rewards`: what members can spend points on.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rewards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// `starcrm_shared::loyalty::RewardKind`.
    pub kind: String,
    pub points_cost: i64,
    pub min_stars: i32,
    pub stock: Option<i32>,
    pub issued: i32,
    pub value_minor: Option<i64>,
    pub percent_off: Option<i32>,
    /// `starcrm_shared::loyalty::RewardCodes`.
    pub codes: String,
    pub valid_days: Option<i32>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
