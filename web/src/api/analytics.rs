//! The dashboards (`analytics`).

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::insight::analytics::{
    CampaignRoi, Cohort, Demand, LevelFigures, StageCount, StarMigration, StarTrendPoint,
};

use super::{ApiError, execute};

const ANALYTICS: &str = include_str!("../../graphql/analytics.graphql");
const CAMPAIGNS: &str = include_str!("../../graphql/analytics_campaigns.graphql");

/// Every chart of the dashboards page but the campaigns.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsView {
    pub currency: String,
    pub today: String,
    pub star_trend: Vec<StarTrendPoint>,
    pub star_migration: StarMigration,
    pub by_star_level: Vec<LevelFigures>,
    pub cohorts: Vec<Cohort>,
    pub lifecycle_funnel: Vec<StageCount>,
    pub demand: Demand,
}

/// The dashboards over the last `days` days (figures by level) and the migration from `from`
/// to `to` (`YYYY-MM-DD`; the server's defaults when `None`).
pub async fn analytics(
    days: u32,
    from: Option<String>,
    to: Option<String>,
) -> Result<AnalyticsView, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        analytics: AnalyticsView,
    }
    execute::<_, Data>(ANALYTICS, &json!({ "days": days, "from": from, "to": to })).await.map(|d| d.analytics)
}

/// The latest campaigns with their ROI.
pub async fn campaigns() -> Result<Vec<CampaignRoi>, ApiError> {
    #[derive(Deserialize)]
    struct Campaigns {
        campaigns: Vec<CampaignRoi>,
    }
    #[derive(Deserialize)]
    struct Data {
        analytics: Campaigns,
    }
    execute::<_, Data>(CAMPAIGNS, &json!({})).await.map(|d| d.analytics.campaigns)
}
