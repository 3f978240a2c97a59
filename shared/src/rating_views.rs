//! The star engine's GraphQL answers as the SPA reads them (field names as the schema gives
//! them); an api test deserialises the server's real answers into these types.

use serde::{Deserialize, Serialize};

use crate::rating::{Aggregates, Contribution, JobStatus, Policy, PolicyStatus, PopulationStats, Trigger};
use crate::tiers::Benefit;

/// A version of the workspace's policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyVersionView {
    pub version: i32,
    pub status: PolicyStatus,
    pub policy: Policy,
    pub activated_at: Option<String>,
    pub updated_at: String,
}

/// A whole-workspace re-rating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub id: String,
    pub status: JobStatus,
    pub trigger: Trigger,
    pub total: i64,
    pub processed: i64,
    pub changed: i64,
    pub error: Option<String>,
    pub finished_at: Option<String>,
}

impl JobView {
    /// Still queued or running.
    pub fn open(&self) -> bool {
        matches!(self.status, JobStatus::Queued | JobStatus::Running)
    }
}

/// Stars set by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OverrideView {
    pub stars: i32,
    pub reason: String,
    pub until: Option<String>,
}

/// A new customer's welcome level while it lasts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WelcomeView {
    pub stars: i32,
    pub until: String,
}

/// A drop the grace period holds back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtRiskView {
    pub stars: i32,
    pub on: String,
}

/// `customer.starExplanation`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplanationView {
    pub score: f64,
    pub score_stars: i32,
    pub computed_stars: i32,
    pub policy_version: i32,
    pub breakdown: Vec<Contribution>,
    pub next_stars: Option<i32>,
    /// The smallest purchase today (minor units) that earns `next_stars`.
    #[serde(default)]
    pub next_purchase_minor: Option<i64>,
    pub lines: Vec<String>,
}

/// One change of a customer's stars.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StarChangeView {
    pub at: String,
    pub stars_before: Option<i32>,
    pub stars_after: Option<i32>,
    pub score: Option<f64>,
    pub trigger: Trigger,
    pub actor_name: Option<String>,
    pub reason: Option<String>,
}

/// A customer's rating: stars, explanation, history, benefits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRating {
    pub stars: Option<i16>,
    pub star_score: Option<f64>,
    pub computed_stars: Option<i16>,
    pub stars_at_risk: Option<AtRiskView>,
    pub star_override: Option<OverrideView>,
    #[serde(default)]
    pub star_welcome: Option<WelcomeView>,
    pub star_explanation: ExplanationView,
    pub star_history: Vec<StarChangeView>,
    pub benefits: Vec<Benefit>,
}

/// A few customers of one cell of a simulation's matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SampleView {
    pub from: i32,
    pub to: i32,
    pub customer_id: String,
    pub code: String,
    pub name: String,
}

/// `simulateRatingPolicy`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulationView {
    pub customers: i64,
    pub before: Vec<i64>,
    pub after: Vec<i64>,
    pub matrix: Vec<Vec<i64>>,
    pub samples: Vec<SampleView>,
    pub average_score: f64,
}

/// A customer the draft editor previews, with what the criteria read of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewSample {
    pub customer_id: String,
    pub code: String,
    pub name: String,
    pub stars: Option<i16>,
    pub aggregates: Aggregates,
}

/// `ratingPreview`: sample customers and the population, for scoring drafts in the browser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RatingPreview {
    pub stats: PopulationStats,
    pub samples: Vec<PreviewSample>,
}
