//! `insight_models`: a workspace's last fit of the purchase-behaviour models; `report` is the
//! JSON of `starcrm_shared::insight::report::ModelReport`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "insight_models")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    /// When the last pass finished; `None` before the first.
    pub fitted_at: Option<DateTimeUtc>,
    /// `starcrm_shared::insight::report::FitStatus`.
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub report: Option<String>,
    pub duration_ms: i64,
    /// The lease of the replica running the pass.
    pub claimed_until: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
