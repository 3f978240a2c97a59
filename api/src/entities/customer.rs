//! `customers`: one person or business a workspace serves, with aggregates over their history.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
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
    /// When the birthday was last set (none: before this was recorded); a birthday gift waits a
    /// year for one set less than 30 days ahead.
    pub birthday_set_at: Option<DateTimeUtc>,
    pub welcome_stars: Option<i16>,
    pub welcome_until: Option<DateTimeUtc>,
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
    /// The star engine's state: see `crate::ratings`.
    pub star_score: Option<f64>,
    pub computed_stars: Option<i16>,
    pub stars_below_since: Option<Date>,
    pub at_risk_stars: Option<i16>,
    pub at_risk_on: Option<Date>,
    pub star_policy_version: Option<i32>,
    pub stars_evaluated_at: Option<DateTimeUtc>,
    pub star_override: Option<i16>,
    pub star_override_reason: Option<String>,
    pub star_override_until: Option<DateTimeUtc>,
    pub star_override_by: Option<Uuid>,
    pub star_override_at: Option<DateTimeUtc>,
    /// When the lifecycle stage last changed (why: its `lifecycle_transitions` row).
    pub lifecycle_changed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
