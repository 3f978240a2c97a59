//! Customer search (the top bar's instant search and the results page).

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::customer::LifecycleStage;
use starcrm_shared::search::SearchResultView;

use super::{ApiError, execute};

const SEARCH_CUSTOMERS: &str = include_str!("../../graphql/search_customers.graphql");

/// Facets a results page narrows by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchFilter {
    pub stars: Option<i16>,
    pub stage: Option<LifecycleStage>,
}

/// The deepest the server pages (`offset + first`).
pub const MAX_WINDOW: u32 = 1000;

/// The best `first` matches of `query` from `offset` on, and how all matches spread over stars
/// and stages.
pub async fn customers(
    query: &str,
    filter: &SearchFilter,
    first: u32,
    offset: u32,
) -> Result<SearchResultView, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        search_customers: SearchResultView,
    }
    let variables = json!({
        "query": query,
        "filter": {
            "stars": filter.stars.map(|s| vec![s]).unwrap_or_default(),
            "stages": filter.stage.map(|s| vec![s]).unwrap_or_default(),
        },
        "first": first,
        "offset": offset,
    });
    execute::<_, Data>(SEARCH_CUSTOMERS, &variables).await.map(|d| d.search_customers)
}
