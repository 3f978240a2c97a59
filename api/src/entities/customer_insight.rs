//! `customer_insight`: what the workspace's purchase-behaviour models say of each buying
//! customer, with the customer's own rhythm (issue 22). Rewritten by the insight pass.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_insight")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: Uuid,
    pub workspace_id: Uuid,
    /// Distinct days with a purchase; the model's frequency is one less.
    pub purchase_days: i32,
    /// First purchase day to the last, in days.
    pub recency_days: i32,
    /// First purchase day to the day scored.
    pub age_days: i32,
    /// Mean spend per day with a purchase (the repeat days' mean when there are some).
    pub monetary_minor: i64,
    pub median_gap_days: Option<f64>,
    pub gap_spread_days: Option<f64>,
    pub p_alive: Option<f64>,
    pub expected30: Option<f64>,
    pub expected90: Option<f64>,
    pub expected365: Option<f64>,
    pub clv_minor: Option<i64>,
    pub value_at_risk_minor: Option<i64>,
    pub next_purchase_at: Option<DateTimeUtc>,
    pub computed_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
