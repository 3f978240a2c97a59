//! Loyalty points: a customer's balance, lots and history, redeeming and adjusting, the earn
//! rule, and the liability report.

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::loyalty::{EarnRule, LotSource, OperationKind};
use starcrm_shared::service_desk::PersonRef;

use super::{ApiError, execute};

const POINTS: &str = include_str!("../../graphql/customer_points.graphql");
const ADJUST: &str = include_str!("../../graphql/adjust_points.graphql");
const REDEEM: &str = include_str!("../../graphql/redeem_points.graphql");
const RULE: &str = include_str!("../../graphql/loyalty_rule.graphql");
const SAVE_RULE: &str = include_str!("../../graphql/save_loyalty_rule.graphql");
const LIABILITY: &str = include_str!("../../graphql/points_liability.graphql");

/// One credit of points.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LotView {
    pub id: String,
    pub source: LotSource,
    pub points: i64,
    pub remaining: i64,
    pub available_at: String,
    pub expires_at: Option<String>,
    pub transaction_id: Option<String>,
    pub stars: Option<i32>,
    pub multiplier: Option<f64>,
    pub rule_version: Option<i32>,
    pub created_at: String,
}

/// One thing that happened to the points.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationView {
    pub id: String,
    pub kind: OperationKind,
    pub points: i64,
    pub balance_after: i64,
    pub reason: Option<String>,
    pub external_ref: Option<String>,
    pub transaction_id: Option<String>,
    pub created_at: String,
    pub actor: Option<PersonRef>,
}

/// A customer's points.
/// A member told their points would expire, and how the message went.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WarningView {
    pub expires_on: String,
    pub points: i64,
    pub warned_at: String,
    pub channel: Option<starcrm_shared::surveys::MessageChannel>,
    pub status: Option<starcrm_shared::surveys::MessageStatus>,
    pub skip_reason: Option<starcrm_shared::contact_budget::SkipReason>,
    pub sent_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PointsView {
    pub balance: i64,
    pub spendable: i64,
    pub pending: i64,
    pub debt: i64,
    pub expiring_soon: i64,
    pub next_expiry: Option<String>,
    pub lots: Vec<LotView>,
    pub history: Vec<OperationView>,
    pub vouchers: Vec<super::rewards::VoucherView>,
    #[serde(default)]
    pub warnings: Vec<WarningView>,
    /// The customer's stars (which rewards they may redeem).
    #[serde(skip)]
    pub stars: Option<i32>,
}

/// A customer's points (`None` when the customer is not there).
pub async fn of_customer(id: &str) -> Result<Option<PointsView>, ApiError> {
    #[derive(Deserialize)]
    struct Customer {
        stars: Option<i32>,
        points: PointsView,
    }
    #[derive(Deserialize)]
    struct Data {
        customer: Option<Customer>,
    }
    let data = execute::<_, Data>(POINTS, &json!({ "id": id })).await?;
    Ok(data.customer.map(|c| PointsView { stars: c.stars, ..c.points }))
}

/// Gives (`points` above zero) or takes away points with a reason; returns the balance after.
pub async fn adjust(customer_id: &str, points: i64, reason: &str) -> Result<i64, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Payload {
        balance: i64,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        adjust_points: Payload,
    }
    let input = json!({ "input": { "customerId": customer_id, "points": points, "reason": reason } });
    execute::<_, Data>(ADJUST, &input).await.map(|d| d.adjust_points.balance)
}

/// Spends points; returns the balance after.
pub async fn redeem(customer_id: &str, points: i64, reason: &str) -> Result<i64, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Payload {
        balance: i64,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        redeem_points: Payload,
    }
    let reason = Some(reason.trim()).filter(|r| !r.is_empty());
    let input = json!({ "input": { "customerId": customer_id, "points": points, "reason": reason } });
    execute::<_, Data>(REDEEM, &input).await.map(|d| d.redeem_points.balance)
}

/// The earn rule as saved.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    pub version: i32,
    pub rule: EarnRule,
    pub saved_at: Option<String>,
    pub saved_by: Option<PersonRef>,
    /// The workspace currency (empty right after a save).
    #[serde(default)]
    pub currency: String,
}

pub async fn rule() -> Result<RuleView, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        loyalty_rule: RuleView,
    }
    execute::<_, Data>(RULE, &json!({})).await.map(|d| d.loyalty_rule)
}

/// Saves a new version of the rule; `version` is the one edited.
pub async fn save_rule(rule: &EarnRule, version: i32) -> Result<RuleView, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct SavedRule {
        version: i32,
        rule: EarnRule,
        saved_at: Option<String>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        save_loyalty_rule: SavedRule,
    }
    let saved = execute::<_, Data>(SAVE_RULE, &json!({ "rule": rule, "version": version })).await?;
    let s = saved.save_loyalty_rule;
    Ok(RuleView {
        version: s.version,
        rule: s.rule,
        saved_at: s.saved_at,
        saved_by: None,
        currency: String::new(),
    })
}

/// Points outstanding in one month of expiry.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiabilityMonth {
    pub month_start: String,
    pub month: String,
    pub points: i64,
}

/// The workspace's points liability.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Liability {
    pub outstanding: i64,
    pub never_expiring: i64,
    pub debt: i64,
    pub later: i64,
    pub breakage_rate: Option<f64>,
    pub expected_breakage: Option<i64>,
    pub months: Vec<LiabilityMonth>,
}

pub async fn liability() -> Result<Liability, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        points_liability: Liability,
    }
    execute::<_, Data>(LIABILITY, &json!({})).await.map(|d| d.points_liability)
}
