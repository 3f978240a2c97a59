//! The dashboard.

use serde::Deserialize;
use starcrm_shared::dashboard::DashboardView;

use super::{ApiError, execute};

const DASHBOARD: &str = include_str!("../../graphql/dashboard.graphql");

/// The dashboard of the signed-in user's workspace.
pub async fn dashboard() -> Result<DashboardView, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        dashboard: DashboardView,
    }
    execute::<_, Data>(DASHBOARD, &serde_json::json!({})).await.map(|d| d.dashboard)
}
