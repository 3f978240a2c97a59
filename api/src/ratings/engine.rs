//! Rating one customer or many: the active policy and population stats of a workspace
//! ([`Context`]), the decision for one customer from their aggregates and current standing
//! ([`decide`]), and writing it back with a history row and a `starsChanged` event when the stars
//! move ([`Change`]). The real-time path (a purchase or refund) and the whole-workspace job share
//! all of it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, UpdateMany};
use serde_json::json;
use starcrm_shared::rating::{self, AtRisk, Evaluation, Policy, PopulationStats, Standing, Trigger};
use uuid::Uuid;

use super::policy;
use crate::auth::Scope;
use crate::customers::aggregates::{self, Aggregates, Basis};
use crate::entities::{customer, star_history, workspace};
use crate::error::AppError;

/// Whether writes re-rate the customer in the same request (always, except while `starcrm bench
/// rerate` measures the path without it).
static REALTIME: AtomicBool = AtomicBool::new(true);

/// Turns real-time re-rating off or on, for the benchmark's baseline only.
pub fn set_realtime(on: bool) {
    REALTIME.store(on, Ordering::Relaxed);
}

/// See [`set_realtime`].
pub fn realtime() -> bool {
    REALTIME.load(Ordering::Relaxed)
}

/// How long a replica rates purchases with a cached policy before reading it again.
pub const CONTEXT_TTL: StdDuration = StdDuration::from_secs(5);

type ContextCache = Mutex<HashMap<Uuid, (Instant, Arc<Context>)>>;

fn cache() -> &'static ContextCache {
    static CACHE: OnceLock<ContextCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The active policy of a workspace with what evaluating under it needs.
#[derive(Clone, Debug)]
pub struct Context {
    pub workspace_id: Uuid,
    pub currency: String,
    pub tz: Tz,
    pub version: i32,
    pub policy: Policy,
    pub stats: PopulationStats,
    /// Whether the workspace has ever had a complaint ticket: until then the complaints
    /// criterion is neutral and a purchase need not count anyone's complaints. Creating a
    /// complaint forgets this process's cached context.
    pub complaints_tracked: bool,
    /// Whether the workspace has any survey answer: until then satisfaction is neutral for
    /// everyone and a purchase need not read anyone's answers. Recording the first answer
    /// forgets this process's cached context (other replicas within [`CONTEXT_TTL`]).
    pub surveys_answered: bool,
}

impl Context {
    /// Loads the workspace's active policy (creating the standard one if it has none yet).
    ///
    /// # Errors
    /// Database failures; `NOT_FOUND` for a missing workspace.
    pub async fn load(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Self, AppError> {
        let ws = workspace::Entity::find_by_id(workspace_id)
            .one(conn)
            .await?
            .ok_or(AppError::NotFound { entity: "workspace" })?;
        let row = policy::ensure_active(conn, workspace_id).await?;
        let stats = row.stats.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
        let complaints_tracked = aggregates::complaints_tracked(conn, workspace_id).await?;
        let surveys_answered = crate::surveys::responses::any_answer(conn, workspace_id).await?;
        Ok(Self {
            workspace_id,
            currency: ws.currency,
            tz: ws.timezone.parse().unwrap_or(Tz::UTC),
            version: row.version,
            policy: policy::parse(&row.policy)?,
            stats,
            complaints_tracked,
            surveys_answered,
        })
    }

    /// [`Context::load`] through a per-process cache that lives [`CONTEXT_TTL`]: the real-time
    /// path rates every purchase and need not read the policy each time. Activation and the end
    /// of a run clear this process's entry; another replica sees a new policy within the TTL.
    ///
    /// # Errors
    /// As [`Context::load`].
    pub async fn cached(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Arc<Self>, AppError> {
        if let Some(hit) = cache().lock().ok().and_then(|c| {
            c.get(&workspace_id).filter(|(at, _)| at.elapsed() < CONTEXT_TTL).map(|(_, ctx)| Arc::clone(ctx))
        }) {
            return Ok(hit);
        }
        let fresh = Arc::new(Self::load(conn, workspace_id).await?);
        if let Ok(mut c) = cache().lock() {
            c.insert(workspace_id, (Instant::now(), Arc::clone(&fresh)));
        }
        Ok(fresh)
    }

    /// A survey answer was committed: a cached context that knew of none is forgotten, so the
    /// next purchase reads satisfaction.
    pub fn answered(workspace_id: Uuid) {
        if let Ok(mut c) = cache().lock()
            && c.get(&workspace_id).is_some_and(|(_, ctx)| !ctx.surveys_answered)
        {
            c.remove(&workspace_id);
        }
    }

    /// Forgets this process's cached context of a workspace (its policy or population changed).
    pub fn forget(workspace_id: Uuid) {
        if let Ok(mut c) = cache().lock() {
            c.remove(&workspace_id);
        }
    }

    /// The first instant of the window that ends `now`.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(i64::from(self.policy.window_days))
    }

    /// What aggregates are computed over when rating at `now` under this context.
    pub fn basis(&self, now: DateTime<Utc>) -> Basis<'_> {
        Basis {
            currency: &self.currency,
            window_start: self.window_start(now),
            complaints_tracked: Some(self.complaints_tracked),
            surveys_answered: Some(self.surveys_answered),
            now,
        }
    }

    /// The workspace's calendar day at `now`.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }
}

/// Days since 1970-01-01, as `shared::rating::protect` counts them.
pub fn day_number(day: NaiveDate) -> i64 {
    (day - NaiveDate::default()).num_days()
}

/// The calendar day of a day number.
pub fn day_of(number: i64) -> NaiveDate {
    NaiveDate::default() + Duration::days(number)
}

/// The last calendar day in `tz` of something that ends at the instant `end` (points expiring at
/// midnight on 1 January last through 31 December).
pub fn last_day(end: DateTime<Utc>, tz: Tz) -> NaiveDate {
    (end - Duration::seconds(1)).with_timezone(&tz).date_naive()
}

/// Whole days from `then` to `today` in the workspace's calendar (0 for the future).
fn days_since(then: Option<DateTime<Utc>>, today: NaiveDate, tz: Tz) -> Option<u32> {
    then.map(|t| {
        u32::try_from((today - t.with_timezone(&tz).date_naive()).num_days().max(0)).unwrap_or(u32::MAX)
    })
}

/// What the criteria read of a customer: the window's spend, orders and categories, and
/// recency and tenure from the all-time first and last purchase.
pub fn criteria_input(agg: &Aggregates, today: NaiveDate, tz: Tz) -> rating::Aggregates {
    rating::Aggregates {
        spend_minor: agg.window_spend_minor,
        orders: u32::try_from(agg.window_orders.max(0)).unwrap_or(0),
        days_since_last_purchase: days_since(agg.last_purchase_at, today, tz),
        days_since_first_purchase: days_since(agg.first_purchase_at, today, tz),
        categories: u32::try_from(agg.window_categories.max(0)).unwrap_or(0),
        // Neutral without survey answers. Complaints count once the workspace has had one.
        satisfaction: agg.satisfaction,
        complaints: agg.window_complaints.map(|n| u32::try_from(n.max(0)).unwrap_or(0)),
    }
}

/// A customer's rating as stored.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rated {
    pub stars: Option<i16>,
    pub computed_stars: Option<i16>,
    pub score: Option<f64>,
    pub below_since: Option<NaiveDate>,
    pub at_risk_stars: Option<i16>,
    pub at_risk_on: Option<NaiveDate>,
    pub override_stars: Option<i16>,
    pub override_until: Option<DateTime<Utc>>,
    pub welcome_stars: Option<i16>,
    pub welcome_until: Option<DateTime<Utc>>,
}

impl Rated {
    pub fn of(c: &customer::Model) -> Self {
        Self {
            stars: c.stars,
            computed_stars: c.computed_stars,
            score: c.star_score,
            below_since: c.stars_below_since,
            at_risk_stars: c.at_risk_stars,
            at_risk_on: c.at_risk_on,
            override_stars: c.star_override,
            override_until: c.star_override_until,
            welcome_stars: c.welcome_stars,
            welcome_until: c.welcome_until,
        }
    }

    /// The manual override in force at `now`, if any.
    pub fn override_at(&self, now: DateTime<Utc>) -> Option<i16> {
        self.override_stars.filter(|_| self.override_until.is_none_or(|u| u > now))
    }

    /// The welcome level in force at `now`, if any.
    pub fn welcome_at(&self, now: DateTime<Utc>) -> Option<i16> {
        self.welcome_stars.filter(|_| self.welcome_until.is_some_and(|u| u > now))
    }
}

/// The outcome of evaluating one customer.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub evaluation: Evaluation,
    /// The new stored rating.
    pub after: Rated,
    /// A manual override ran out and was cleared.
    pub override_ended: bool,
    /// A welcome period ran out and was cleared.
    pub welcome_ended: bool,
}

impl Outcome {
    /// Whether anything stored changes.
    pub fn changes(&self, before: &Rated) -> bool {
        self.after != *before || self.override_ended || self.welcome_ended
    }

    /// Whether the stars that apply change.
    pub fn stars_change(&self, before: &Rated) -> bool {
        self.after.stars != before.stars
    }
}

fn small(stars: u8) -> i16 {
    i16::from(stars)
}

/// Evaluates a customer and applies downgrade protection, a welcome level and a manual override
/// (`shared::rating::shown_stars`).
pub fn decide(
    before: &Rated,
    input: &rating::Aggregates,
    policy: &Policy,
    stats: &PopulationStats,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Outcome {
    let evaluation = rating::evaluate(input, policy, stats);
    let standing = before
        .computed_stars
        .and_then(|s| u8::try_from(s).ok())
        .map(|stars| Standing { stars, below_since: before.below_since.map(day_number) });
    let decision = rating::protect(standing, evaluation.stars, day_number(today), policy);
    let in_force = before.override_at(now);
    let override_ended = before.override_stars.is_some() && in_force.is_none();
    let welcome = before.welcome_at(now);
    let welcome_ended = before.welcome_stars.is_some() && welcome.is_none();
    let computed = small(decision.stars);
    let after = Rated {
        stars: Some(in_force.unwrap_or_else(|| welcome.map_or(computed, |w| w.max(computed)))),
        computed_stars: Some(computed),
        score: Some(evaluation.score),
        below_since: decision.below_since.map(day_of),
        at_risk_stars: decision.at_risk.map(|r: AtRisk| small(r.stars)),
        at_risk_on: decision.at_risk.map(|r| day_of(r.on_day)),
        override_stars: in_force,
        override_until: in_force.and(before.override_until),
        welcome_stars: welcome,
        welcome_until: welcome.and(before.welcome_until),
    };
    Outcome { evaluation, after, override_ended, welcome_ended }
}

/// Who or what caused a change, for the history.
#[derive(Clone, Debug)]
pub struct Cause {
    pub trigger: Trigger,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub job_id: Option<Uuid>,
    pub reason: Option<String>,
}

impl Cause {
    pub const fn system(trigger: Trigger) -> Self {
        Self { trigger, actor_id: None, actor_name: None, job_id: None, reason: None }
    }

    /// `trigger` caused by the caller of a request.
    pub fn of(scope: &Scope, trigger: Trigger) -> Self {
        Self {
            trigger,
            actor_id: scope.actor_id(),
            actor_name: Some(scope.actor_name().to_owned()),
            job_id: None,
            reason: None,
        }
    }
}

/// One customer's stored rating moving from `before` to the outcome.
#[derive(Clone, Debug)]
pub struct Change<'a> {
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    pub before: Rated,
    pub outcome: &'a Outcome,
    pub version: i32,
    pub cause: &'a Cause,
    pub at: DateTime<Utc>,
}

impl Change<'_> {
    /// The trigger recorded: an override or a welcome that ran out is what moved the stars.
    fn trigger(&self) -> Trigger {
        if self.outcome.override_ended {
            Trigger::OverrideEnded
        } else if self.outcome.welcome_ended {
            Trigger::WelcomeEnded
        } else {
            self.cause.trigger
        }
    }

    /// The history row, when the stars that apply change.
    pub fn history(&self) -> Option<star_history::ActiveModel> {
        if !self.outcome.stars_change(&self.before) {
            return None;
        }
        Some(star_history::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(self.workspace_id),
            customer_id: Set(self.customer_id),
            stars_before: Set(self.before.stars),
            stars_after: Set(self.outcome.after.stars),
            score: Set(Some(self.outcome.evaluation.score)),
            breakdown: Set(serde_json::to_string(&self.outcome.evaluation.breakdown).ok()),
            policy_version: Set(Some(self.version)),
            trigger: Set(self.trigger().as_str().to_owned()),
            actor_id: Set(self.cause.actor_id),
            actor_name: Set(self.cause.actor_name.clone()),
            job_id: Set(self.cause.job_id),
            reason: Set(self.cause.reason.clone()),
            created_at: Set(self.at),
        })
    }

    /// The `starsChanged` change, when the stars that apply change.
    pub fn event(&self) -> Option<crate::changes::Change> {
        if !self.outcome.stars_change(&self.before) {
            return None;
        }
        Some(stars_changed(
            self.workspace_id,
            self.customer_id,
            self.before.stars,
            self.outcome.after.stars,
            Some(self.outcome.evaluation.score),
            self.trigger(),
            self.at,
        ))
    }
}

/// A `starsChanged` change for the feed.
pub fn stars_changed(
    workspace_id: Uuid,
    customer_id: Uuid,
    before: Option<i16>,
    after: Option<i16>,
    score: Option<f64>,
    trigger: Trigger,
    at: DateTime<Utc>,
) -> crate::changes::Change {
    crate::changes::Change::new(workspace_id, crate::changes::Kind::StarsChanged, customer_id)
        .with(json!({
            "before": before,
            "after": after,
            "score": score,
            "trigger": trigger.as_str(),
        }))
        .at(at)
}

/// The rating columns of an update to `after` (and the override cleared when it ended).
pub fn set_rating(
    update: UpdateMany<customer::Entity>,
    outcome: &Outcome,
    version: i32,
    at: DateTime<Utc>,
) -> UpdateMany<customer::Entity> {
    use customer::Column as C;
    let a = &outcome.after;
    let mut update = update
        .col_expr(C::Stars, Expr::value(a.stars))
        .col_expr(C::ComputedStars, Expr::value(a.computed_stars))
        .col_expr(C::StarScore, Expr::value(a.score))
        .col_expr(C::StarsBelowSince, Expr::value(a.below_since))
        .col_expr(C::AtRiskStars, Expr::value(a.at_risk_stars))
        .col_expr(C::AtRiskOn, Expr::value(a.at_risk_on))
        .col_expr(C::StarPolicyVersion, Expr::value(version))
        .col_expr(C::StarsEvaluatedAt, Expr::value(at));
    if outcome.override_ended {
        update = clear_override(update);
    }
    if outcome.welcome_ended {
        update = update
            .col_expr(C::WelcomeStars, Expr::value(Option::<i16>::None))
            .col_expr(C::WelcomeUntil, Expr::value(Option::<DateTime<Utc>>::None));
    }
    update
}

/// Clears the manual override columns.
pub fn clear_override(update: UpdateMany<customer::Entity>) -> UpdateMany<customer::Entity> {
    use customer::Column as C;
    update
        .col_expr(C::StarOverride, Expr::value(Option::<i16>::None))
        .col_expr(C::StarOverrideReason, Expr::value(Option::<String>::None))
        .col_expr(C::StarOverrideUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(C::StarOverrideBy, Expr::value(Option::<Uuid>::None))
        .col_expr(C::StarOverrideAt, Expr::value(Option::<DateTime<Utc>>::None))
}

/// Writes history rows and records the star changes in the feed (a resumed run's rows for the
/// same job and customer are skipped, never doubled). Stars drive the service desk: the open
/// tickets of customers whose stars changed are re-based in the same transaction, and a customer
/// who lost a star gets a follow-up.
///
/// # Errors
/// Database failures.
pub async fn record_changes(
    conn: &impl ConnectionTrait,
    history: Vec<star_history::ActiveModel>,
    events: Vec<crate::changes::Change>,
) -> Result<(), AppError> {
    if !history.is_empty() {
        star_history::Entity::insert_many(history)
            .on_conflict_do_nothing_on([star_history::Column::JobId, star_history::Column::CustomerId])
            .exec_without_returning(conn)
            .await?;
    }
    let stars_of = |e: &crate::changes::Change, key: &str| {
        e.payload.get(key).and_then(serde_json::Value::as_i64).and_then(|s| i16::try_from(s).ok())
    };
    let moves: Vec<(Uuid, Uuid, Option<i16>, Option<i16>)> = events
        .iter()
        .filter(|e| e.kind == crate::changes::Kind::StarsChanged)
        .map(|e| (e.workspace_id, e.subject_id, stars_of(e, "before"), stars_of(e, "after")))
        .collect();
    crate::changes::record(conn, events).await?;
    let now = Utc::now();
    for chunk in moves.chunks(500) {
        let stars: Vec<(Uuid, Uuid, Option<i16>)> =
            chunk.iter().map(|(w, c, _, after)| (*w, *c, *after)).collect();
        crate::service_desk::tickets::rebase(conn, &stars).await?;
        // A customer who just lost a star is called to find out why.
        crate::service_desk::follow_ups::after_star_drops(conn, chunk, now).await?;
    }
    Ok(())
}

/// Rates one customer after their aggregates were recomputed (in the caller's transaction) and
/// stores aggregates and rating in one update, with the columns `also` of the customer (the
/// activity a purchase brings). Returns the outcome.
///
/// # Errors
/// Database failures.
pub async fn store(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    customer: &customer::Model,
    agg: &Aggregates,
    cause: &Cause,
    now: DateTime<Utc>,
    also: Vec<(customer::Column, Expr)>,
) -> Result<Outcome, AppError> {
    use customer::Column as C;
    let today = ctx.today(now);
    let before = Rated::of(customer);
    let outcome = decide(&before, &criteria_input(agg, today, ctx.tz), &ctx.policy, &ctx.stats, today, now);
    let mut update = set_rating(agg.set(customer::Entity::update_many()), &outcome, ctx.version, now);
    for (column, value) in also {
        update = update.col_expr(column, value);
    }
    update.filter(C::Id.eq(customer.id)).exec(conn).await?;
    let change = Change {
        workspace_id: ctx.workspace_id,
        customer_id: customer.id,
        before,
        outcome: &outcome,
        version: ctx.version,
        cause,
        at: now,
    };
    record_changes(conn, change.history().into_iter().collect(), change.event().into_iter().collect())
        .await?;
    Ok(outcome)
}
