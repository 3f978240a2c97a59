//! `customer.starExplanation`: the customer's current evaluation under the active policy, in
//! plain language (`shared::explain`), with the structured parts beside it.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use starcrm_shared::Permission;
use starcrm_shared::explain::{self, Facts, Language, Override, WelcomeLevel};
use starcrm_shared::rating::{self, AtRisk, Evaluation, Suggestion};

use super::engine::{self, Context, Rated};
use crate::auth::Scope;
use crate::customers::aggregates;
use crate::entities::customer;
use crate::error::AppError;

/// A customer's rating explained.
#[derive(Clone, Debug)]
pub struct Explanation {
    pub evaluation: Evaluation,
    pub stars: Option<i16>,
    pub computed_stars: i16,
    pub policy_version: i32,
    pub at_risk: Option<AtRisk>,
    pub next_stars: Option<u8>,
    pub to_next: Vec<Suggestion>,
    /// The smallest purchase today that earns `next_stars` (minor units).
    pub next_purchase: Option<i64>,
    pub lines: Vec<String>,
    pub currency: String,
}

/// Explains `customer`'s rating as of now. Needs `ratings:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn explain(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer: &customer::Model,
    language: Language,
) -> Result<Explanation, AppError> {
    scope.require(Permission::RatingsRead)?;
    let now = Utc::now();
    let ctx = Context::load(conn, scope.workspace_id).await?;
    let agg = aggregates::compute(conn, customer.id, &ctx.basis(now)).await?;
    let today = ctx.today(now);
    let input = engine::criteria_input(&agg, today, ctx.tz);
    let before = Rated::of(customer);
    let outcome = engine::decide(&before, &input, &ctx.policy, &ctx.stats, today, now);
    let computed = outcome.after.computed_stars.and_then(|s| u8::try_from(s).ok()).unwrap_or(1);
    let manual_stars = outcome.after.override_stars.and_then(|s| u8::try_from(s).ok());
    let welcome = outcome.after.welcome_stars.zip(outcome.after.welcome_until).map(|(stars, until)| {
        let last = engine::last_day(until, ctx.tz);
        WelcomeLevel { stars: u8::try_from(stars).unwrap_or(1), until: last.to_string() }
    });
    // From the stars shown (an override's or a welcome's when there is one), as the badge says.
    let next = explain::next_level(
        computed,
        outcome.evaluation.stars,
        welcome.as_ref().map(|w| w.stars),
        manual_stars,
    );
    let to_next = next.map(|n| rating::ways_to_reach(&input, &ctx.policy, &ctx.stats, n)).unwrap_or_default();
    let next_purchase = next.and_then(|n| rating::purchase_to_reach(&input, &ctx.policy, &ctx.stats, n));
    let at_risk = outcome.after.at_risk_stars.zip(outcome.after.at_risk_on).map(|(stars, on)| AtRisk {
        stars: u8::try_from(stars).unwrap_or(1),
        on_day: engine::day_number(on),
    });
    let manual = outcome.after.override_stars.map(|stars| Override {
        stars: u8::try_from(stars).unwrap_or(1),
        reason: customer.star_override_reason.clone().unwrap_or_default(),
        until: customer
            .star_override_until
            .map(|u: DateTime<Utc>| u.with_timezone(&ctx.tz).date_naive().to_string()),
    });
    let facts = Facts {
        evaluation: &outcome.evaluation,
        policy: &ctx.policy,
        currency: &ctx.currency,
        computed_stars: computed,
        at_risk,
        at_risk_date: outcome.after.at_risk_on.map(|d| d.to_string()),
        manual,
        welcome,
        next_purchase,
    };
    let lines = explain::explain(&facts, language);
    Ok(Explanation {
        stars: customer.stars,
        computed_stars: i16::from(computed),
        policy_version: ctx.version,
        at_risk,
        next_stars: next,
        to_next,
        next_purchase,
        lines,
        currency: ctx.currency,
        evaluation: outcome.evaluation,
    })
}
