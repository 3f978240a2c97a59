//! `sla_policies`: a workspace's service-level rules and business hours, one row per version.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub version: i64,
    /// `active` or `archived`.
    pub status: String,
    /// JSON: `Vec<SlaRule>`.
    pub rules: String,
    /// JSON: `Hours`.
    pub hours: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
