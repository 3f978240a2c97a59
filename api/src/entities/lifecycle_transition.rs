//! `lifecycle_transitions`: every lifecycle stage change with its reasons (JSON list of
//! `starcrm_shared::insight::lifecycle::Reason`) and its source (`model`, `purchase`, `staff`).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lifecycle_transitions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    pub from_stage: String,
    pub to_stage: String,
    #[sea_orm(column_type = "Text")]
    pub reasons: String,
    pub source: String,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
