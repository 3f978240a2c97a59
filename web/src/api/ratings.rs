//! The star engine: policy versions, the draft, activation, re-rating jobs, simulation, a
//! customer's rating, manual overrides, tier benefits, the star distribution.

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::rating::Policy;
use starcrm_shared::rating_views::{
    CustomerRating, JobView, PolicyVersionView, RatingPreview, SimulationView,
};
use starcrm_shared::tiers::Tier;

use super::{ApiError, execute};

const RATINGS_PAGE: &str = include_str!("../../graphql/ratings_page.graphql");
const SAVE_DRAFT: &str = include_str!("../../graphql/save_rating_policy_draft.graphql");
const ACTIVATE: &str = include_str!("../../graphql/activate_rating_policy.graphql");
const RECALCULATE: &str = include_str!("../../graphql/recalculate_stars.graphql");
const JOB: &str = include_str!("../../graphql/rating_job.graphql");
const SIMULATE: &str = include_str!("../../graphql/simulate_rating_policy.graphql");
const CUSTOMER_RATING: &str = include_str!("../../graphql/customer_rating.graphql");
const OVERRIDE: &str = include_str!("../../graphql/override_customer_stars.graphql");
const LIFT: &str = include_str!("../../graphql/lift_star_override.graphql");
const TIERS: &str = include_str!("../../graphql/rating_tiers.graphql");
const SAVE_TIERS: &str = include_str!("../../graphql/save_rating_tiers.graphql");
const DISTRIBUTION: &str = include_str!("../../graphql/star_distribution.graphql");

/// Everything the ratings page shows.
#[derive(Clone, Debug, Deserialize)]
#[allow(clippy::struct_field_names, reason = "the schema's names")]
#[serde(rename_all = "camelCase")]
pub struct RatingsPage {
    pub rating_policies: Vec<PolicyVersionView>,
    pub rating_jobs: Vec<JobView>,
    pub rating_preview: RatingPreview,
}

pub async fn page() -> Result<RatingsPage, ApiError> {
    execute(RATINGS_PAGE, &json!({})).await
}

pub async fn save_draft(policy: &Policy) -> Result<PolicyVersionView, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        save_rating_policy_draft: PolicyVersionView,
    }
    execute::<_, Data>(SAVE_DRAFT, &json!({ "policy": policy })).await.map(|d| d.save_rating_policy_draft)
}

/// Activates draft `version`; the answer is the re-rating it started.
pub async fn activate(version: i32) -> Result<JobView, ApiError> {
    #[derive(Deserialize)]
    struct Activation {
        job: JobView,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        activate_rating_policy: Activation,
    }
    execute::<_, Data>(ACTIVATE, &json!({ "version": version })).await.map(|d| d.activate_rating_policy.job)
}

pub async fn recalculate() -> Result<JobView, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        recalculate_stars: JobView,
    }
    execute::<_, Data>(RECALCULATE, &json!({})).await.map(|d| d.recalculate_stars)
}

pub async fn job(id: &str) -> Result<Option<JobView>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        rating_job: Option<JobView>,
    }
    execute::<_, Data>(JOB, &json!({ "id": id })).await.map(|d| d.rating_job)
}

pub async fn simulate(policy: &Policy) -> Result<SimulationView, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        simulate_rating_policy: SimulationView,
    }
    execute::<_, Data>(SIMULATE, &json!({ "policy": policy })).await.map(|d| d.simulate_rating_policy)
}

/// A customer's rating, explained in `language` (`EN` or `ZH_CN`).
pub async fn customer(id: &str, language: &str) -> Result<Option<CustomerRating>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        customer: Option<CustomerRating>,
    }
    execute::<_, Data>(CUSTOMER_RATING, &json!({ "id": id, "language": language })).await.map(|d| d.customer)
}

/// Sets a customer's stars by hand; `until` is an RFC 3339 instant or open-ended.
pub async fn set_override(id: &str, stars: u8, reason: &str, until: Option<String>) -> Result<(), ApiError> {
    let input = json!({ "input": { "customerId": id, "stars": stars, "reason": reason, "until": until } });
    execute::<_, serde_json::Value>(OVERRIDE, &input).await.map(|_| ())
}

pub async fn lift_override(id: &str) -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(LIFT, &json!({ "customerId": id })).await.map(|_| ())
}

pub async fn tiers() -> Result<Vec<Tier>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        rating_tiers: Vec<Tier>,
    }
    execute::<_, Data>(TIERS, &json!({})).await.map(|d| d.rating_tiers)
}

pub async fn save_tiers(tiers: &[Tier]) -> Result<Vec<Tier>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        save_rating_tiers: Vec<Tier>,
    }
    execute::<_, Data>(SAVE_TIERS, &json!({ "tiers": tiers })).await.map(|d| d.save_rating_tiers)
}

/// Live customers per stars: index 0 not rated yet, 1-5 the stars.
pub async fn distribution() -> Result<Vec<i64>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        star_distribution: Vec<i64>,
    }
    execute::<_, Data>(DISTRIBUTION, &json!({})).await.map(|d| d.star_distribution)
}
