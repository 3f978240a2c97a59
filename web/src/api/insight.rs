//! Insight: the churn warning (customers by value at risk, with reasons), the purchase-behaviour
//! models' fit with its calibration check, the lifecycle rules, and a customer's insight.

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::customer::{LifecycleStage, MoneyValue};
use starcrm_shared::insight::lifecycle::Rules;
use starcrm_shared::insight::models::ModelKind;
use starcrm_shared::insight::report::{
    Calibration, CountReport, FitStatus, RecommendationReport, SpendReport,
};
use starcrm_shared::service_desk::PersonRef;

use super::{ApiError, execute};

const AT_RISK: &str = include_str!("../../graphql/at_risk_customers.graphql");
const MODEL: &str = include_str!("../../graphql/purchase_model.graphql");
const RECOMPUTE: &str = include_str!("../../graphql/recompute_insight.graphql");
const SAVE: &str = include_str!("../../graphql/update_lifecycle_settings.graphql");
const CUSTOMER: &str = include_str!("../../graphql/customer_insight.graphql");
const PLAN_FOLLOW_UP: &str = include_str!("../../graphql/plan_follow_up.graphql");

/// What the models say of a customer.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InsightView {
    pub purchase_days: i32,
    pub days_since_last_purchase: i32,
    pub median_gap_days: Option<f64>,
    pub gap_spread_days: Option<f64>,
    pub p_alive: Option<f64>,
    pub expected_purchases30: Option<f64>,
    pub expected_purchases90: Option<f64>,
    pub expected_purchases365: Option<f64>,
    pub next_purchase_at: Option<String>,
    pub stage_since: Option<String>,
    pub reasons: Vec<String>,
    pub computed_at: Option<String>,
    pub lifetime_value: Option<MoneyValue>,
    pub value_at_risk: Option<MoneyValue>,
}

/// The customer a warning line is about.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtRiskWho {
    pub id: String,
    pub code: String,
    pub name: String,
    pub stars: Option<u8>,
    pub owner: Option<PersonRef>,
}

/// One line of the churn warning.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AtRiskRow {
    pub customer: AtRiskWho,
    pub insight: InsightView,
}

/// A page of at-risk customers (50), highest value at risk first.
pub async fn at_risk(language: &str, offset: u32) -> Result<Vec<AtRiskRow>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        at_risk_customers: Vec<AtRiskRow>,
    }
    let variables = json!({ "language": language, "offset": offset });
    execute::<_, Data>(AT_RISK, &variables).await.map(|d| d.at_risk_customers)
}

/// The last fit.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelView {
    pub status: FitStatus,
    pub fitted_at: Option<String>,
    pub duration_ms: i64,
    pub message: Option<String>,
    pub observed_until: Option<String>,
    pub customers: u64,
    pub repeat_buyers: u64,
    pub distinct_summaries: u64,
    #[serde(default)]
    pub sampled_customers: Option<u64>,
    pub scoring: ModelKind,
    pub running: bool,
    pub count_models: Vec<CountReport>,
    pub spend: Option<SpendReport>,
    pub calibration: Option<Calibration>,
    #[serde(default)]
    pub recommendations: Option<RecommendationReport>,
}

/// A product as the shop sells it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ProductView {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub category: Option<String>,
}

/// "Customers who bought `from` also bought `to`".
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AssociationView {
    pub from: ProductView,
    pub to: ProductView,
    pub baskets: i64,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
}

/// A product recommended to a customer.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendationView {
    pub product: ProductView,
    pub score: f64,
    pub bought_with: Option<ProductView>,
    pub reason: String,
}

/// The lifecycle rules and scoring model.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub model: ModelKind,
    pub updated_at: Option<String>,
    pub rules: Rules,
}

/// The fit, the rules, and the strongest product associations.
pub async fn model() -> Result<(ModelView, SettingsView, Vec<AssociationView>), ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        purchase_model: ModelView,
        lifecycle_settings: SettingsView,
        product_associations: Vec<AssociationView>,
    }
    execute::<_, Data>(MODEL, &json!({}))
        .await
        .map(|d| (d.purchase_model, d.lifecycle_settings, d.product_associations))
}

/// Fits, scores and moves stages now.
pub async fn recompute() -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(RECOMPUTE, &json!({})).await.map(|_| ())
}

/// Saves the rules and model.
pub async fn save(rules: &Rules, model: ModelKind) -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(SAVE, &json!({ "rules": rules, "model": model })).await.map(|_| ())
}

/// A stage change.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TransitionView {
    pub at: String,
    pub from: LifecycleStage,
    pub to: LifecycleStage,
    pub source: String,
    pub reasons: Vec<String>,
}

/// A customer's stage, insight and stage history.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInsightView {
    pub lifecycle_stage: LifecycleStage,
    pub insight: Option<InsightView>,
    pub lifecycle_history: Vec<TransitionView>,
    #[serde(default)]
    pub recommendations: Vec<RecommendationView>,
}

/// The customer's insight in `language`.
pub async fn customer(id: &str, language: &str) -> Result<Option<CustomerInsightView>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        customer: Option<CustomerInsightView>,
    }
    execute::<_, Data>(CUSTOMER, &json!({ "id": id, "language": language })).await.map(|d| d.customer)
}

/// Plans a follow-up with the customer for the caller, due `due_at` (RFC 3339).
pub async fn plan_follow_up(customer_id: &str, due_at: &str, note: &str) -> Result<(), ApiError> {
    let variables = json!({ "customerId": customer_id, "dueAt": due_at, "note": note });
    execute::<_, serde_json::Value>(PLAN_FOLLOW_UP, &variables).await.map(|_| ())
}
