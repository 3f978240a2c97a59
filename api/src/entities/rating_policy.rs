//! `rating_policies`: a workspace's rating policies, versioned (draft -> active -> archived).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rating_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub version: i32,
    pub status: String,
    /// `shared::rating::Policy` as JSON.
    pub policy: String,
    /// `shared::rating::PopulationStats` of the last whole-workspace run, as JSON.
    pub stats: Option<String>,
    pub stats_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub activated_at: Option<DateTimeUtc>,
    pub archived_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
