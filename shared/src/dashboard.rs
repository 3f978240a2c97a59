//! The dashboard as the SPA reads it (`dashboard` query): counts, revenue by stars, recent star
//! changes and customers close to dropping a star.

use serde::{Deserialize, Serialize};

use crate::customer::MoneyValue;
use crate::rating::Trigger;

/// Revenue of the buyers at one star level (0: unrated).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StarRevenueView {
    pub stars: i32,
    pub revenue: MoneyValue,
}

/// The customer a dashboard line is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRef {
    pub id: String,
    pub code: String,
    pub name: String,
}

/// A recent change of someone's stars.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DashboardChangeView {
    pub at: String,
    pub customer: CustomerRef,
    pub stars_before: Option<i32>,
    pub stars_after: Option<i32>,
    pub trigger: Trigger,
}

/// A customer close to dropping a star: their stars and score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtRiskCustomerView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub stars: Option<i16>,
    pub star_score: Option<f64>,
}

/// `dashboard`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DashboardView {
    pub customers: u64,
    pub active_customers: u64,
    pub active_days: i64,
    pub revenue_by_stars: Vec<StarRevenueView>,
    pub revenue_days: i64,
    pub recent_star_changes: Vec<DashboardChangeView>,
    pub close_to_dropping: Vec<AtRiskCustomerView>,
    pub close_to_dropping_count: u64,
}
