//! `customers`: one person or business a workspace serves, with aggregates over their history.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// Per-workspace number behind the code `C000123`.
    pub number: i64,
    pub name: String,
    pub gender: String,
    /// Personal data.
    pub birthday: Option<Date>,
    /// Personal data.
    pub id_number: Option<String>,
    pub address: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub education: Option<String>,
    pub native_place: Option<String>,
    pub owner_id: Option<Uuid>,
    pub lifecycle_stage: String,
    pub source_channel: Option<String>,
    pub first_seen_at: DateTimeUtc,
    pub last_activity_at: Option<DateTimeUtc>,
    pub notes: Option<String>,
    pub stars: Option<i16>,
    pub total_spend_minor: i64,
    pub order_count: i32,
    pub first_purchase_at: Option<DateTimeUtc>,
    pub last_purchase_at: Option<DateTimeUtc>,
    pub category_count: i32,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
    pub erased_at: Option<DateTimeUtc>,
    pub merged_into: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
