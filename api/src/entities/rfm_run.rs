//! `rfm_runs`: when each workspace's RFM scores were last worked out.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rfm_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    pub computed_at: DateTimeUtc,
    pub scored: i64,
    pub duration_ms: i64,
}

impl ActiveModelBehavior for ActiveModel {}
