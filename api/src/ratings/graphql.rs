//! The star engine over GraphQL: policy versions, the draft, activation, re-rating jobs,
//! simulation, overrides, tier benefits, and the rating fields of `Customer`.

use async_graphql::{Context, ErrorExtensions, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use starcrm_shared::Permission;
use starcrm_shared::explain::Language;
use starcrm_shared::rating::{self, Contribution, JobStatus, Policy, PolicyStatus, Suggestion, Trigger};
use starcrm_shared::tiers::{Benefit, Tier};

use super::engine::{self, Context as RatingContext};
use super::explain::Explanation;
use super::{jobs, overrides, policy, scheduler, simulate, tiers};
use crate::auth::ContextExt;
use crate::customers::aggregates;
use crate::customers::graphql::types::Customer;
use crate::entities::{customer, job, rating_policy, star_history};
use crate::error::AppError;
use crate::users::graphql::parse_id;

#[allow(clippy::needless_pass_by_value, reason = "used as `map_err(ext)`")]
fn ext(err: AppError) -> async_graphql::Error {
    err.extend()
}

/// One version of the workspace's rating policy.
#[derive(SimpleObject)]
pub struct RatingPolicyVersion {
    pub id: ID,
    pub version: i32,
    pub status: PolicyStatus,
    pub policy: Policy,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    /// When the population (for percentile criteria) was last measured under it.
    pub stats_at: Option<DateTime<Utc>>,
}

impl TryFrom<rating_policy::Model> for RatingPolicyVersion {
    type Error = async_graphql::Error;

    fn try_from(row: rating_policy::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: ID(row.id.to_string()),
            version: row.version,
            status: PolicyStatus::parse(&row.status).unwrap_or(PolicyStatus::Archived),
            policy: policy::parse(&row.policy).map_err(ext)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
            activated_at: row.activated_at,
            archived_at: row.archived_at,
            stats_at: row.stats_at,
        })
    }
}

/// A whole-workspace re-rating.
#[derive(SimpleObject)]
pub struct RatingJob {
    pub id: ID,
    pub status: JobStatus,
    pub trigger: Trigger,
    /// Customers to rate (known once the run has read them).
    pub total: i64,
    pub processed: i64,
    /// Customers whose rating changed.
    pub changed: i64,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<job::Model> for RatingJob {
    fn from(row: job::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            status: JobStatus::parse(&row.status).unwrap_or(JobStatus::Failed),
            trigger: Trigger::parse(&row.trigger).unwrap_or(Trigger::Manual),
            total: row.total,
            processed: row.processed,
            changed: row.changed,
            error: row.error,
            created_at: row.created_at,
            started_at: row.started_at,
            finished_at: row.finished_at,
        }
    }
}

/// Activating a draft: the new active version and the re-rating it started.
#[derive(SimpleObject)]
pub struct Activation {
    pub policy: RatingPolicyVersion,
    pub job: RatingJob,
}

/// A drop the grace period holds back.
#[derive(SimpleObject)]
pub struct AtRiskInfo {
    /// The stars the customer would drop to.
    pub stars: i32,
    /// `YYYY-MM-DD` (workspace calendar).
    pub on: NaiveDate,
}

/// A customer's rating explained.
#[derive(SimpleObject)]
pub struct StarExplanation {
    pub score: f64,
    /// The stars the score alone earns.
    pub score_stars: i32,
    /// The stars the engine holds the customer at (after downgrade protection).
    pub computed_stars: i32,
    /// The stars that apply (a manual override wins).
    pub stars: Option<i32>,
    pub policy_version: i32,
    pub breakdown: Vec<Contribution>,
    pub at_risk: Option<AtRiskInfo>,
    /// The next level up, when there is one.
    pub next_stars: Option<i32>,
    /// The least extra spend (minor units), orders or categories, each alone with everything
    /// else unchanged, for the next level.
    pub to_next: Vec<Suggestion>,
    /// The smallest single purchase (minor units) made today that would earn `nextStars`, as
    /// recording it would: spend, orders and recency move together. Under a manual override the
    /// stars stay set; this is then what the score would earn. `null` when no purchase alone
    /// gets there.
    pub next_purchase_minor: Option<i64>,
    pub currency: String,
    /// The explanation in sentences, in the language asked for.
    pub lines: Vec<String>,
    /// The chance the customer is still active, from the purchase models (`None` before they
    /// buy or without a fitted model); its sentence is the last of `lines`.
    pub p_alive: Option<f64>,
    pub next_purchase_expected_at: Option<DateTime<Utc>>,
}

impl From<Explanation> for StarExplanation {
    fn from(e: Explanation) -> Self {
        Self {
            score: e.evaluation.score,
            score_stars: i32::from(e.evaluation.stars),
            computed_stars: i32::from(e.computed_stars),
            stars: e.stars.map(i32::from),
            policy_version: e.policy_version,
            breakdown: e.evaluation.breakdown,
            at_risk: e
                .at_risk
                .map(|r| AtRiskInfo { stars: i32::from(r.stars), on: engine::day_of(r.on_day) }),
            next_stars: e.next_stars.map(i32::from),
            to_next: e.to_next,
            next_purchase_minor: e.next_purchase,
            currency: e.currency,
            lines: e.lines,
            p_alive: None,
            next_purchase_expected_at: None,
        }
    }
}

/// One change of a customer's stars.
#[derive(SimpleObject)]
pub struct StarChange {
    pub id: ID,
    pub at: DateTime<Utc>,
    pub stars_before: Option<i32>,
    pub stars_after: Option<i32>,
    pub score: Option<f64>,
    pub policy_version: Option<i32>,
    pub trigger: Trigger,
    /// Who did it (absent for the engine on its own).
    pub actor_name: Option<String>,
    /// Why, for manual overrides.
    pub reason: Option<String>,
    /// The evaluation's breakdown at the time.
    pub breakdown: Vec<Contribution>,
}

impl From<star_history::Model> for StarChange {
    fn from(row: star_history::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            at: row.created_at,
            stars_before: row.stars_before.map(i32::from),
            stars_after: row.stars_after.map(i32::from),
            score: row.score,
            policy_version: row.policy_version,
            trigger: Trigger::parse(&row.trigger).unwrap_or(Trigger::Manual),
            actor_name: row.actor_name,
            reason: row.reason,
            breakdown: row
                .breakdown
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or_default(),
        }
    }
}

/// Stars set by hand.
#[derive(SimpleObject)]
pub struct StarOverride {
    pub stars: i32,
    pub reason: String,
    /// Open-ended when absent.
    pub until: Option<DateTime<Utc>>,
    pub set_at: Option<DateTime<Utc>>,
    pub set_by: Option<ID>,
}

/// A new customer's welcome level while it lasts.
#[derive(SimpleObject)]
pub struct StarWelcome {
    /// The stars they are shown at least.
    pub stars: i32,
    /// When it ends (the computed stars apply again).
    pub until: DateTime<Utc>,
}

/// A few customers of one cell of a simulation's matrix.
#[derive(SimpleObject)]
pub struct SimulationSample {
    /// Current stars (0: not rated yet).
    pub from: i32,
    pub to: i32,
    pub customer_id: ID,
    pub code: String,
    pub name: String,
}

/// A draft run over the whole workspace, nothing written.
#[derive(SimpleObject)]
pub struct PolicySimulation {
    pub customers: i64,
    /// Customers per current stars: index 0 not rated yet, 1-5 the stars.
    pub before: Vec<i64>,
    /// Customers per stars under the draft (index 1-5; before downgrade protection).
    pub after: Vec<i64>,
    /// `matrix[old][new]`, old 0-5 (0: not rated yet), new 0-5 (0 unused).
    pub matrix: Vec<Vec<i64>>,
    pub samples: Vec<SimulationSample>,
    pub average_score: f64,
}

/// A customer the draft editor previews.
#[derive(SimpleObject)]
pub struct PreviewSample {
    pub customer_id: ID,
    pub code: String,
    pub name: String,
    pub stars: Option<i16>,
    /// What the criteria read of the customer now (`shared::rating::Aggregates`).
    pub aggregates: Json<rating::Aggregates>,
}

/// Sample customers (one per star level where there is one) and the population of the active
/// policy, so the SPA can score drafts with the same function the server uses.
#[derive(SimpleObject)]
pub struct RatingPreview {
    /// `shared::rating::PopulationStats`.
    pub stats: Json<rating::PopulationStats>,
    pub samples: Vec<PreviewSample>,
}

/// Stars set by hand.
#[derive(InputObject)]
pub struct OverrideStarsInput {
    pub customer_id: ID,
    /// 1 to 5.
    pub stars: i32,
    pub reason: String,
    /// When the override ends (open-ended when absent).
    pub until: Option<DateTime<Utc>>,
}

/// Reads of the star engine.
#[derive(Default)]
pub struct RatingsQuery;

#[Object]
impl RatingsQuery {
    /// Every version of the workspace's rating policy, newest first. Needs `ratings:read`.
    async fn rating_policies(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RatingPolicyVersion>> {
        let scope = ctx.scope()?;
        policy::versions(ctx.db()?, scope).await.map_err(ext)?.into_iter().map(TryInto::try_into).collect()
    }

    /// The policy the engine rates by now. Needs `ratings:read`.
    async fn active_rating_policy(&self, ctx: &Context<'_>) -> async_graphql::Result<RatingPolicyVersion> {
        let scope = ctx.require(Permission::RatingsRead)?;
        policy::ensure_active(ctx.db()?, scope.workspace_id).await.map_err(ext)?.try_into()
    }

    /// The policy every new workspace starts with. Needs `ratings:read`.
    async fn standard_rating_policy(&self, ctx: &Context<'_>) -> async_graphql::Result<Policy> {
        ctx.require(Permission::RatingsRead)?;
        Ok(Policy::standard())
    }

    /// The latest whole-workspace re-ratings, newest first. Needs `ratings:read`.
    async fn rating_jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10)] limit: u64,
    ) -> async_graphql::Result<Vec<RatingJob>> {
        let scope = ctx.scope()?;
        Ok(jobs::recent(ctx.db()?, scope, limit).await.map_err(ext)?.into_iter().map(Into::into).collect())
    }

    /// One re-rating, for its progress. Needs `ratings:read`.
    async fn rating_job(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<RatingJob>> {
        let scope = ctx.scope()?;
        match jobs::find(ctx.db()?, scope, parse_id(&id, "id")?).await {
            Ok(found) => Ok(Some(found.into())),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err.extend()),
        }
    }

    /// Runs `policy` over every customer without writing anything: distribution before and
    /// after and the old-by-new matrix. Needs `ratings:manage`.
    async fn simulate_rating_policy(
        &self,
        ctx: &Context<'_>,
        policy: Policy,
    ) -> async_graphql::Result<PolicySimulation> {
        let scope = ctx.scope()?;
        let sim = simulate::simulate(ctx.db()?, scope, &policy).await.map_err(ext)?;
        let to_i32 = |v: usize| i32::try_from(v).unwrap_or(0);
        Ok(PolicySimulation {
            customers: sim.customers,
            before: sim.before.to_vec(),
            after: sim.after.to_vec(),
            matrix: sim.matrix.iter().map(|r| r.to_vec()).collect(),
            samples: sim
                .samples
                .into_iter()
                .map(|(from, to, id, number, name)| SimulationSample {
                    from: to_i32(from),
                    to: to_i32(to),
                    customer_id: ID(id.to_string()),
                    code: starcrm_shared::customer::customer_code(number),
                    name,
                })
                .collect(),
            average_score: sim.average_score,
        })
    }

    /// Sample customers and the population for previewing drafts in the browser. Needs
    /// `ratings:read`.
    async fn rating_preview(&self, ctx: &Context<'_>) -> async_graphql::Result<RatingPreview> {
        let scope = ctx.require(Permission::RatingsRead)?;
        let db = ctx.db()?;
        let now = Utc::now();
        let rated = RatingContext::load(db, scope.workspace_id).await.map_err(ext)?;
        let mut samples = Vec::new();
        for stars in [Some(5), Some(4), Some(3), Some(2), Some(1), None] {
            let mut q = customer::Entity::find()
                .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
                .filter(customer::Column::DeletedAt.is_null())
                .filter(customer::Column::MergedInto.is_null())
                .filter(customer::Column::ErasedAt.is_null());
            q = match stars {
                Some(n) => q.filter(customer::Column::Stars.eq(n)),
                None => q.filter(customer::Column::Stars.is_null()),
            };
            let Some(c) = q.order_by_asc(customer::Column::Id).one(db).await.map_err(|e| ext(e.into()))?
            else {
                continue;
            };
            let agg = aggregates::compute(db, c.id, &rated.basis(now)).await.map_err(ext)?;
            samples.push(PreviewSample {
                customer_id: ID(c.id.to_string()),
                code: starcrm_shared::customer::customer_code(c.number),
                name: c.name,
                stars: c.stars,
                aggregates: Json(engine::criteria_input(&agg, rated.today(now), rated.tz)),
            });
        }
        Ok(RatingPreview { stats: Json(rated.stats), samples })
    }

    /// The benefits of each star level (the standard ones until saved). Needs `ratings:read`.
    async fn rating_tiers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Tier>> {
        tiers::get(ctx.db()?, ctx.scope()?).await.map_err(ext)
    }

    /// Live customers per stars: index 0 not rated yet, 1-5 the stars. Needs `ratings:read`.
    async fn star_distribution(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<i64>> {
        let scope = ctx.require(Permission::RatingsRead)?;
        let rows: Vec<(Option<i16>, i64)> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Stars)
            .column_as(customer::Column::Id.count(), "n")
            .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(customer::Column::DeletedAt.is_null())
            .filter(customer::Column::MergedInto.is_null())
            .filter(customer::Column::ErasedAt.is_null())
            .group_by(customer::Column::Stars)
            .into_tuple()
            .all(ctx.db()?)
            .await
            .map_err(|e| ext(e.into()))?;
        let mut out = vec![0; 6];
        for (stars, n) in rows {
            let i = stars.and_then(|s| usize::try_from(s).ok()).filter(|s| *s <= 5).unwrap_or(0);
            out[i] += n;
        }
        Ok(out)
    }
}

/// Changes to the star engine.
#[derive(Default)]
pub struct RatingsMutation;

#[Object]
impl RatingsMutation {
    /// Saves the draft policy (creating it as the next version when there is none). Needs
    /// `ratings:manage`. Errors name the field (`policy.rules[2].weight`).
    async fn save_rating_policy_draft(
        &self,
        ctx: &Context<'_>,
        policy: Policy,
    ) -> async_graphql::Result<RatingPolicyVersion> {
        policy::save_draft(ctx.db()?, ctx.scope()?, &policy).await.map_err(ext)?.try_into()
    }

    /// Throws the draft away. Needs `ratings:manage`.
    async fn discard_rating_policy_draft(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        policy::discard_draft(ctx.db()?, ctx.scope()?).await.map_err(ext)?;
        Ok(true)
    }

    /// Makes draft `version` the active policy and re-rates everyone under it (in the
    /// background: follow the job). Needs `ratings:manage`.
    async fn activate_rating_policy(
        &self,
        ctx: &Context<'_>,
        version: i32,
    ) -> async_graphql::Result<Activation> {
        let db = ctx.db()?;
        let (active, job) = policy::activate(db, ctx.scope()?, version).await.map_err(ext)?;
        scheduler::run_soon(db.clone(), job.id);
        Ok(Activation { policy: active.try_into()?, job: job.into() })
    }

    /// Re-rates the whole workspace now (in the background: follow the job; a run already
    /// under way is returned instead of a second one). Needs `ratings:manage`.
    async fn recalculate_stars(&self, ctx: &Context<'_>) -> async_graphql::Result<RatingJob> {
        let db = ctx.db()?;
        let job = jobs::request(db, ctx.scope()?).await.map_err(ext)?;
        scheduler::run_soon(db.clone(), job.id);
        Ok(job.into())
    }

    /// Sets a customer's stars by hand, with a reason and an optional end. Needs
    /// `ratings:override`.
    async fn override_customer_stars(
        &self,
        ctx: &Context<'_>,
        input: OverrideStarsInput,
    ) -> async_graphql::Result<Customer> {
        let id = parse_id(&input.customer_id, "customerId")?;
        let new = overrides::NewOverride { stars: input.stars, reason: input.reason, until: input.until };
        Ok(Customer(overrides::set(ctx.db()?, ctx.scope()?, id, new).await.map_err(ext)?))
    }

    /// Ends a manual override: the computed stars apply again. Needs `ratings:override`.
    async fn lift_star_override(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
    ) -> async_graphql::Result<Customer> {
        let id = parse_id(&customer_id, "customerId")?;
        Ok(Customer(overrides::lift(ctx.db()?, ctx.scope()?, id).await.map_err(ext)?))
    }

    /// Saves the benefits of each star level (all five, in order). Needs `ratings:manage`.
    async fn save_rating_tiers(
        &self,
        ctx: &Context<'_>,
        tiers: Vec<Tier>,
    ) -> async_graphql::Result<Vec<Tier>> {
        tiers::save(ctx.db()?, ctx.scope()?, tiers).await.map_err(ext)
    }
}

/// The rating fields of a customer (resolved by `Customer`).
pub mod fields {
    use super::{
        AtRiskInfo, Benefit, ColumnTrait, Context, ContextExt, EntityTrait, ID, Language, Permission,
        QueryFilter, QueryOrder, QuerySelect, StarChange, StarExplanation, StarOverride, StarWelcome, Utc,
        customer, ext, star_history, tiers,
    };

    /// The manual override in force.
    pub fn override_of(c: &customer::Model) -> Option<StarOverride> {
        c.star_override.map(|stars| StarOverride {
            stars: i32::from(stars),
            reason: c.star_override_reason.clone().unwrap_or_default(),
            until: c.star_override_until,
            set_at: c.star_override_at,
            set_by: c.star_override_by.map(|id| ID(id.to_string())),
        })
    }

    /// The welcome level while it lasts.
    pub fn welcome_of(c: &customer::Model) -> Option<StarWelcome> {
        c.welcome_stars
            .zip(c.welcome_until)
            .filter(|(_, until)| *until > Utc::now())
            .map(|(stars, until)| StarWelcome { stars: i32::from(stars), until })
    }

    /// The drop the grace period holds back.
    pub fn at_risk_of(c: &customer::Model) -> Option<AtRiskInfo> {
        c.at_risk_stars.zip(c.at_risk_on).map(|(stars, on)| AtRiskInfo { stars: i32::from(stars), on })
    }

    /// `customer.starExplanation`.
    pub async fn explanation(
        ctx: &Context<'_>,
        c: &customer::Model,
        language: Language,
    ) -> async_graphql::Result<StarExplanation> {
        let scope = ctx.scope()?;
        let db = ctx.db()?;
        let mut explained: StarExplanation =
            super::super::explain::explain(db, scope, c, language).await.map_err(ext)?.into();
        // What the purchase models add: the chance the customer is still active and when the
        // next purchase is expected.
        let insight = crate::entities::customer_insight::Entity::find_by_id(c.id)
            .filter(crate::entities::customer_insight::Column::WorkspaceId.eq(scope.workspace_id))
            .one(db)
            .await
            .map_err(|e| ext(e.into()))?;
        if let Some(p_alive) = insight.as_ref().and_then(|i| i.p_alive) {
            let next = insight.as_ref().and_then(|i| i.next_purchase_at);
            let tz = crate::ratings::engine::Context::cached(db, scope.workspace_id).await.map_err(ext)?.tz;
            let day = next.map(|at| at.with_timezone(&tz).format("%Y-%m-%d").to_string());
            explained.lines.push(starcrm_shared::insight::lifecycle::activity_line(
                p_alive,
                day.as_deref(),
                language,
            ));
            explained.p_alive = Some(p_alive);
            explained.next_purchase_expected_at = next;
        }
        Ok(explained)
    }

    /// `customer.starHistory`: newest first.
    pub async fn history(
        ctx: &Context<'_>,
        c: &customer::Model,
        first: u64,
    ) -> async_graphql::Result<Vec<StarChange>> {
        let scope = ctx.require(Permission::RatingsRead)?;
        let rows = star_history::Entity::find()
            .filter(star_history::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(star_history::Column::CustomerId.eq(c.id))
            .order_by_desc(star_history::Column::CreatedAt)
            .order_by_desc(star_history::Column::Id)
            .limit(first.clamp(1, 200))
            .all(ctx.db()?)
            .await
            .map_err(|e| ext(e.into()))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// `customer.benefits`.
    pub async fn benefits(ctx: &Context<'_>, c: &customer::Model) -> async_graphql::Result<Vec<Benefit>> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let Some(stars) = c.stars.and_then(|s| u8::try_from(s).ok()) else { return Ok(Vec::new()) };
        let all = tiers::load(ctx.db()?, scope).await.map_err(ext)?;
        Ok(starcrm_shared::tiers::for_stars(&all, stars))
    }
}
