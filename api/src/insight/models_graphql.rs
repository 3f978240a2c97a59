//! The purchase-behaviour models, lifecycle stages and churn warning over GraphQL: the last
//! fit with its calibration check, the lifecycle rules, customers by value at risk with the
//! reasons in words, and per customer (`Customer.insight`, `Customer.lifecycleHistory`).

use std::collections::HashMap;

use async_graphql::{Context, ErrorExtensions, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{NullOrdering, Query};
use sea_orm::{ColumnTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};
use starcrm_shared::Permission;
use starcrm_shared::customer::LifecycleStage;
use starcrm_shared::explain::Language;
use starcrm_shared::insight::lifecycle::{Reason, Rules, decide};
use starcrm_shared::insight::models::ModelKind;
use starcrm_shared::insight::recommend::{Reason as Because, TOP};
use starcrm_shared::insight::report::{
    Calibration, CountReport, FitStatus, ModelReport, RecommendationReport, SpendReport,
};

use super::lifecycle::complaints_and_scores;
use super::recommend::{self, ProductInfo};
use super::settings::{self, Settings};
use super::worker;
use crate::auth::ContextExt;
use crate::customers::graphql::types::{Customer, Money};
use crate::entities::{customer, customer_insight, lifecycle_transition};
use crate::error::AppError;

#[allow(clippy::needless_pass_by_value, reason = "used as `map_err(ext)`")]
fn ext(err: AppError) -> async_graphql::Error {
    err.extend()
}

/// The workspace's last fit of the purchase-behaviour models.
#[derive(SimpleObject)]
pub struct PurchaseModel {
    pub status: FitStatus,
    pub fitted_at: Option<DateTime<Utc>>,
    pub duration_ms: i64,
    /// Why there is no fit (too little data, no convergence), in English.
    pub message: Option<String>,
    /// `YYYY-MM-DD`: the last day the summaries cover.
    pub observed_until: Option<String>,
    pub customers: u64,
    pub repeat_buyers: u64,
    pub distinct_summaries: u64,
    /// Buyers the models were fitted on when the workspace has more than a pass fits on (a
    /// random sample of them, the same from pass to pass); absent when fitted on every buyer.
    /// Every buyer is scored either way.
    pub sampled_customers: Option<u64>,
    /// The model customers are scored with.
    pub scoring: ModelKind,
    /// BG/NBD and the modified BG/NBD.
    pub count_models: Vec<CountReport>,
    /// Gamma-Gamma (absent with too few repeat buyers or no finite mean spend).
    pub spend: Option<SpendReport>,
    /// Fitted on the history up to a cut-off: predicted purchases after it against actual ones.
    pub calibration: Option<Calibration>,
    /// What the pass learnt from baskets for recommendations, and how they did offline.
    pub recommendations: Option<RecommendationReport>,
    /// A pass is running now.
    pub running: bool,
}

fn purchase_model(row: Option<&crate::entities::insight_model::Model>, settings: &Settings) -> PurchaseModel {
    let report: Option<ModelReport> =
        row.and_then(|r| r.report.as_deref()).and_then(|text| serde_json::from_str(text).ok());
    let running = row.and_then(|r| r.claimed_until).is_some_and(|until| until > Utc::now());
    PurchaseModel {
        status: row.and_then(|r| FitStatus::parse(&r.status)).unwrap_or(FitStatus::NotYet),
        fitted_at: row.and_then(|r| r.fitted_at),
        duration_ms: row.map_or(0, |r| r.duration_ms),
        message: report.as_ref().and_then(|r| r.message.clone()),
        observed_until: report.as_ref().map(|r| r.observed_until.clone()),
        customers: report.as_ref().map_or(0, |r| r.customers),
        repeat_buyers: report.as_ref().map_or(0, |r| r.repeat_buyers),
        distinct_summaries: report.as_ref().map_or(0, |r| r.distinct_summaries),
        sampled_customers: report.as_ref().and_then(|r| r.sampled),
        scoring: report.as_ref().map_or(settings.model, |r| r.scoring),
        count_models: report.as_ref().map(|r| r.count_models.clone()).unwrap_or_default(),
        spend: report.as_ref().and_then(|r| r.spend.clone()),
        recommendations: report.as_ref().and_then(|r| r.recommendations),
        calibration: report.and_then(|r| r.calibration),
        running,
    }
}

/// The lifecycle rules and scoring model.
#[derive(SimpleObject)]
pub struct LifecycleSettings {
    pub rules: Rules,
    pub model: ModelKind,
    /// `None` while the defaults apply.
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<Settings> for LifecycleSettings {
    fn from(s: Settings) -> Self {
        Self { rules: s.rules, model: s.model, updated_at: s.updated_at }
    }
}

/// What the models say of a customer, beside the customer's own rhythm.
#[derive(SimpleObject)]
pub struct CustomerInsight {
    /// Days with a purchase.
    pub purchase_days: i32,
    pub days_since_last_purchase: i32,
    /// The customer's usual gap between purchase days and half its interquartile range (from
    /// three purchase days on).
    pub median_gap_days: Option<f64>,
    pub gap_spread_days: Option<f64>,
    /// Probability the customer is still active (0..1); `None` without a fitted model.
    pub p_alive: Option<f64>,
    pub expected_purchases30: Option<f64>,
    pub expected_purchases90: Option<f64>,
    pub expected_purchases365: Option<f64>,
    /// Expected value of the next 12 months' purchases, discounted 1% a month.
    pub lifetime_value: Option<Money>,
    /// Lifetime value x (1 - P(alive)).
    pub value_at_risk: Option<Money>,
    pub next_purchase_at: Option<DateTime<Utc>>,
    pub stage: LifecycleStage,
    pub stage_since: Option<DateTime<Utc>>,
    /// Why the customer is at the stage today, in the language asked.
    pub reasons: Vec<String>,
    pub computed_at: DateTime<Utc>,
}

/// A customer at risk, for the churn warning.
#[derive(SimpleObject)]
pub struct AtRiskCustomer {
    pub customer: Customer,
    pub insight: CustomerInsight,
}

/// One stage change.
#[derive(SimpleObject)]
pub struct LifecycleTransition {
    pub at: DateTime<Utc>,
    pub from: LifecycleStage,
    pub to: LifecycleStage,
    /// `model`, `purchase` or `staff`.
    pub source: String,
    pub reasons: Vec<String>,
}

/// The reasons a customer is at their stage now (the rules applied to today's signals).
async fn live_reasons(
    conn: &impl sea_orm::ConnectionTrait,
    c: &customer::Model,
    row: &customer_insight::Model,
    settings: &Settings,
    language: Language,
) -> Result<Vec<String>, AppError> {
    let since = Utc::now() - chrono::Duration::days(i64::from(settings.rules.complaint_days));
    let (complaints, scores) = complaints_and_scores(conn, c.workspace_id, since, Some(&[c.id])).await?;
    let stage = LifecycleStage::parse(&c.lifecycle_stage).unwrap_or(LifecycleStage::Lead);
    let stage_since = c.lifecycle_changed_at.unwrap_or(c.created_at);
    #[allow(clippy::cast_precision_loss)]
    let signals = starcrm_shared::insight::lifecycle::Signals {
        purchase_days: u32::try_from(row.purchase_days).unwrap_or(0),
        days_since_first: f64::from(row.age_days),
        days_since_last: f64::from(row.age_days - row.recency_days),
        p_alive: row.p_alive,
        rhythm: row.median_gap_days.zip(row.gap_spread_days).map(|(median_days, spread_days)| {
            starcrm_shared::insight::lifecycle::Rhythm {
                gaps: u32::try_from(row.purchase_days - 1).unwrap_or(0),
                median_days,
                spread_days,
            }
        }),
        stars: c.stars.and_then(|s| u8::try_from(s).ok()),
        recent_complaints: complaints.get(&c.id).copied().unwrap_or(0),
        recent_nps: scores.get(&c.id).copied(),
        previous: stage,
        days_in_previous: (Utc::now() - stage_since).num_seconds() as f64 / 86_400.0,
    };
    let decision = decide(&settings.rules, &signals);
    // The rules may have moved on since the last pass; the stage shown is the stored one, with
    // the reasons the rules give today when they agree, else the stored transition's.
    if decision.stage == stage {
        return Ok(decision.reasons.iter().map(|r| r.text(language)).collect());
    }
    let last = lifecycle_transition::Entity::find()
        .filter(lifecycle_transition::Column::CustomerId.eq(c.id))
        .order_by_desc(lifecycle_transition::Column::At)
        .one(conn)
        .await?;
    Ok(last.map(|t| reason_texts(&t.reasons, language)).unwrap_or_default())
}

fn reason_texts(json: &str, language: Language) -> Vec<String> {
    serde_json::from_str::<Vec<Reason>>(json).unwrap_or_default().iter().map(|r| r.text(language)).collect()
}

async fn insight_of(
    ctx: &Context<'_>,
    c: &customer::Model,
    row: customer_insight::Model,
    settings: &Settings,
    language: Language,
) -> async_graphql::Result<CustomerInsight> {
    let currency = crate::ratings::engine::Context::cached(ctx.db()?, c.workspace_id)
        .await
        .map_err(ext)?
        .currency
        .clone();
    let money =
        |amount: Option<i64>| amount.map(|amount_minor| Money { amount_minor, currency: currency.clone() });
    let reasons = live_reasons(ctx.db()?, c, &row, settings, language).await.map_err(ext)?;
    Ok(CustomerInsight {
        purchase_days: row.purchase_days,
        days_since_last_purchase: row.age_days - row.recency_days,
        median_gap_days: row.median_gap_days,
        gap_spread_days: row.gap_spread_days,
        p_alive: row.p_alive,
        expected_purchases30: row.expected30,
        expected_purchases90: row.expected90,
        expected_purchases365: row.expected365,
        lifetime_value: money(row.clv_minor),
        value_at_risk: money(row.value_at_risk_minor),
        next_purchase_at: row.next_purchase_at,
        stage: LifecycleStage::parse(&c.lifecycle_stage).unwrap_or(LifecycleStage::Lead),
        stage_since: c.lifecycle_changed_at,
        reasons,
        computed_at: row.computed_at,
    })
}

/// `Customer.insight`: `None` for a customer who has not bought (or before the first pass).
/// Needs `customers:read` (the customer was reached through the caller's workspace).
///
/// # Errors
/// Database failures.
pub async fn customer_insight(
    ctx: &Context<'_>,
    c: &customer::Model,
    language: Language,
) -> async_graphql::Result<Option<CustomerInsight>> {
    let scope = ctx.require(Permission::CustomersRead)?;
    let db = ctx.db()?;
    let Some(row) = customer_insight::Entity::find_by_id(c.id)
        .filter(customer_insight::Column::WorkspaceId.eq(scope.workspace_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let settings = Settings::load(db, scope.workspace_id).await.map_err(ext)?;
    Ok(Some(insight_of(ctx, c, row, &settings, language).await?))
}

/// `Customer.lifecycleHistory`: stage changes, newest first. Needs `customers:read`.
///
/// # Errors
/// Database failures.
pub async fn lifecycle_history(
    ctx: &Context<'_>,
    c: &customer::Model,
    first: u64,
    language: Language,
) -> async_graphql::Result<Vec<LifecycleTransition>> {
    let scope = ctx.require(Permission::CustomersRead)?;
    let rows = lifecycle_transition::Entity::find()
        .filter(lifecycle_transition::Column::CustomerId.eq(c.id))
        .filter(lifecycle_transition::Column::WorkspaceId.eq(scope.workspace_id))
        .order_by_desc(lifecycle_transition::Column::At)
        .limit(first.min(200))
        .all(ctx.db()?)
        .await?;
    Ok(rows
        .into_iter()
        .map(|t| LifecycleTransition {
            at: t.at,
            from: LifecycleStage::parse(&t.from_stage).unwrap_or(LifecycleStage::Lead),
            to: LifecycleStage::parse(&t.to_stage).unwrap_or(LifecycleStage::Lead),
            reasons: reason_texts(&t.reasons, language),
            source: t.source,
        })
        .collect())
}

/// A product as the shop sells it.
#[derive(SimpleObject, Clone)]
pub struct Product {
    /// The SKU, else the name: what purchases are matched by.
    pub key: String,
    pub name: String,
    pub category: Option<String>,
}

impl From<ProductInfo> for Product {
    fn from(p: ProductInfo) -> Self {
        Self { key: p.product, name: p.name, category: p.category }
    }
}

fn product(names: &HashMap<String, ProductInfo>, key: &str) -> Product {
    names
        .get(key)
        .cloned()
        .map_or_else(|| Product { key: key.to_owned(), name: key.to_owned(), category: None }, Product::from)
}

/// A product recommended to a customer, with the reason.
#[derive(SimpleObject)]
pub struct ProductRecommendation {
    pub product: Product,
    /// The association's confidence (share of baskets with the reason's product that also hold
    /// this one), or, for a best seller, its share of all baskets.
    pub score: f64,
    /// The product it is often bought with (`None`: a best seller).
    pub bought_with: Option<Product>,
    /// The reason in the language asked.
    pub reason: String,
}

/// "Customers who bought `from` also bought `to`".
#[derive(SimpleObject)]
pub struct ProductAssociation {
    pub from: Product,
    pub to: Product,
    /// Baskets holding both.
    pub baskets: i64,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
}

/// `Customer.recommendations`: the top products the customer has not bought in the last 90
/// days. Needs `customers:read`.
///
/// # Errors
/// `BAD_USER_INPUT` for `first` over 50; database failures.
pub async fn customer_recommendations(
    ctx: &Context<'_>,
    c: &customer::Model,
    first: u64,
    language: Language,
) -> async_graphql::Result<Vec<ProductRecommendation>> {
    let scope = ctx.require(Permission::CustomersRead)?;
    if !(1..=50).contains(&first) {
        return Err(AppError::bad_input("first", "1 to 50").extend());
    }
    let db = ctx.db()?;
    let k = usize::try_from(first).unwrap_or(TOP);
    let list = recommend::for_customer(db, scope.workspace_id, c.id, k, Utc::now()).await.map_err(ext)?;
    let keys = list.iter().flat_map(|r| {
        let because = match &r.reason {
            Because::OftenBoughtWith(p) => Some(p.clone()),
            Because::Popular => None,
        };
        std::iter::once(r.product.clone()).chain(because)
    });
    let names = recommend::products(db, scope.workspace_id, keys.collect::<Vec<_>>()).await.map_err(ext)?;
    let zh = language == Language::ZhCn;
    Ok(list
        .into_iter()
        .map(|r| ProductRecommendation {
            product: product(&names, &r.product),
            score: r.score,
            bought_with: match &r.reason {
                Because::OftenBoughtWith(p) => Some(product(&names, p)),
                Because::Popular => None,
            },
            reason: recommend::reason_text(&r.reason, &names, zh),
        })
        .collect())
}

#[derive(Default)]
pub struct PurchaseModelQuery;

#[Object]
impl PurchaseModelQuery {
    /// The last fit of the purchase-behaviour models, with its calibration check. Needs
    /// `customers:read`.
    async fn purchase_model(&self, ctx: &Context<'_>) -> async_graphql::Result<PurchaseModel> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let db = ctx.db()?;
        let settings = Settings::load(db, scope.workspace_id).await.map_err(ext)?;
        Ok(purchase_model(settings::last(db, scope.workspace_id).await.map_err(ext)?.as_ref(), &settings))
    }

    /// Products bought together: the workspace's associations (3 baskets or more, lift above
    /// 1, the 20 strongest per product), most baskets first, from the last insight pass. Needs
    /// `customers:read`.
    #[graphql(complexity = "5 + first as usize")]
    async fn product_associations(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: u64,
        #[graphql(default)] offset: u64,
    ) -> async_graphql::Result<Vec<ProductAssociation>> {
        let scope = ctx.require(Permission::CustomersRead)?;
        if first > 200 {
            return Err(AppError::bad_input("first", "at most 200").extend());
        }
        let db = ctx.db()?;
        let rows = recommend::top_associations(db, scope.workspace_id, first, offset).await.map_err(ext)?;
        let keys: Vec<String> =
            rows.iter().flat_map(|a| [a.from_product.clone(), a.to_product.clone()]).collect();
        let names = recommend::products(db, scope.workspace_id, keys).await.map_err(ext)?;
        Ok(rows
            .into_iter()
            .map(|a| ProductAssociation {
                from: product(&names, &a.from_product),
                to: product(&names, &a.to_product),
                baskets: a.baskets,
                support: a.support,
                confidence: a.confidence,
                lift: a.lift,
            })
            .collect())
    }

    /// The lifecycle rules and scoring model. Needs `customers:read`.
    async fn lifecycle_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<LifecycleSettings> {
        let scope = ctx.require(Permission::CustomersRead)?;
        Ok(Settings::load(ctx.db()?, scope.workspace_id).await.map_err(ext)?.into())
    }

    /// Customers at the given stages (at risk by default), highest value at risk first, with the
    /// reasons in `language`. Needs `customers:read`.
    #[graphql(complexity = "10 + first as usize * 2")]
    async fn at_risk_customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "vec![LifecycleStage::AtRisk]")] stages: Vec<LifecycleStage>,
        #[graphql(default = 50)] first: u64,
        #[graphql(default)] offset: u64,
        #[graphql(default)] language: Language,
    ) -> async_graphql::Result<Vec<AtRiskCustomer>> {
        let scope = ctx.require(Permission::CustomersRead)?;
        if first > 200 {
            return Err(AppError::bad_input("first", "at most 200").extend());
        }
        let db = ctx.db()?;
        let settings = Settings::load(db, scope.workspace_id).await.map_err(ext)?;
        let at_stages = Query::select()
            .column(customer::Column::Id)
            .from(customer::Entity)
            .and_where(customer::Column::WorkspaceId.eq(scope.workspace_id))
            .and_where(customer::Column::DeletedAt.is_null())
            .and_where(customer::Column::MergedInto.is_null())
            .and_where(customer::Column::LifecycleStage.is_in(stages.iter().map(|s| s.as_str())))
            .to_owned();
        let rows = customer_insight::Entity::find()
            .filter(customer_insight::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(customer_insight::Column::CustomerId.in_subquery(at_stages))
            // Without a fitted model every value is unknown: those go last on both databases.
            .order_by_with_nulls(customer_insight::Column::ValueAtRiskMinor, Order::Desc, NullOrdering::Last)
            .order_by_with_nulls(customer_insight::Column::ClvMinor, Order::Desc, NullOrdering::Last)
            .order_by_asc(customer_insight::Column::CustomerId)
            .offset(offset)
            .limit(first)
            .all(db)
            .await?;
        let mut customers: HashMap<uuid::Uuid, customer::Model> = customer::Entity::find()
            .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(customer::Column::Id.is_in(rows.iter().map(|r| r.customer_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(c) = customers.remove(&row.customer_id) else { continue };
            let insight = insight_of(ctx, &c, row, &settings, language).await?;
            out.push(AtRiskCustomer { customer: Customer(c), insight });
        }
        Ok(out)
    }
}

#[derive(Default)]
pub struct PurchaseModelMutation;

#[Object]
impl PurchaseModelMutation {
    /// Saves the lifecycle rules and the scoring model; the next pass applies them (run one
    /// with `recomputeInsight`). Needs `ratings:manage`; audited.
    async fn update_lifecycle_settings(
        &self,
        ctx: &Context<'_>,
        rules: Rules,
        model: ModelKind,
    ) -> async_graphql::Result<LifecycleSettings> {
        let scope = ctx.require(Permission::RatingsManage)?;
        Ok(settings::save(ctx.db()?, scope, rules, model).await.map_err(ext)?.into())
    }

    /// Fits the models, scores every buying customer and moves lifecycle stages now (this also
    /// follows each re-rating and runs daily). `CONFLICT` while a pass is running. Needs
    /// `ratings:manage`.
    async fn recompute_insight(&self, ctx: &Context<'_>) -> async_graphql::Result<PurchaseModel> {
        let scope = ctx.require(Permission::RatingsManage)?;
        let db = ctx.db()?;
        worker::run_now(db, scope.workspace_id).await.map_err(ext)?;
        let settings = Settings::load(db, scope.workspace_id).await.map_err(ext)?;
        Ok(purchase_model(settings::last(db, scope.workspace_id).await.map_err(ext)?.as_ref(), &settings))
    }
}
