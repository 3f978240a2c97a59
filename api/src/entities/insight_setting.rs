//! `insight_settings`: a workspace's lifecycle rules (JSON of
//! `starcrm_shared::insight::lifecycle::Rules`) and the count model that scores.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "insight_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub rules: String,
    pub model: String,
    pub updated_at: DateTimeUtc,
    pub updated_by: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}
