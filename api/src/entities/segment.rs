//! `segments`: saved customer filters kept current from the change feed.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "segments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// The GraphQL `CustomerFilter` input, as JSON.
    pub filter: String,
    /// The last change-feed position applied to the members.
    pub cursor: i64,
    pub member_count: i64,
    /// When the whole membership was last worked out again (time-relative conditions, RFM).
    pub refreshed_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    /// The last edit by a person (not the membership's upkeep).
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
