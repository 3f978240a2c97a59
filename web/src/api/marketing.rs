//! Segments and RFM: the segments page (list, builder with its live count, RFM grid), the
//! customers page opened from a segment, and the customer page's segments card.

use serde::Deserialize;
use serde_json::{Value, json};
use starcrm_shared::customer::MoneyValue;
use starcrm_shared::marketing::RfmGroup;

use super::{ApiError, execute};

const SEGMENTS: &str = include_str!("../../graphql/segments.graphql");
const SEGMENT_NAME: &str = include_str!("../../graphql/segment_name.graphql");
const PREVIEW: &str = include_str!("../../graphql/segment_preview.graphql");
const CREATE: &str = include_str!("../../graphql/save_segment.graphql");
const UPDATE: &str = include_str!("../../graphql/update_segment.graphql");
const DELETE: &str = include_str!("../../graphql/delete_segment.graphql");
const GRID: &str = include_str!("../../graphql/rfm_grid.graphql");
const RECOMPUTE: &str = include_str!("../../graphql/recompute_rfm.graphql");
const CUSTOMER: &str = include_str!("../../graphql/customer_marketing.graphql");

/// A saved segment.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentView {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// The `CustomerFilter` it was saved with.
    pub filter: Value,
    pub conditions: Vec<String>,
    pub member_count: i64,
    pub refreshed_at: Option<String>,
    pub version: i32,
}

/// What a filter selects now.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub customers: u64,
    /// `[not rated, 1 star, ..., 5 stars]`.
    pub by_stars: Vec<u64>,
    pub spend: MoneyValue,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RfmCell {
    pub recency: u8,
    pub frequency_monetary: u8,
    pub group: RfmGroup,
    pub customers: u64,
    pub spend: MoneyValue,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RfmGroupTotal {
    pub group: RfmGroup,
    pub customers: u64,
    pub spend: MoneyValue,
}

/// The workspace's RFM scoring.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RfmGridView {
    pub computed_at: Option<String>,
    pub customers: u64,
    pub cells: Vec<RfmCell>,
    pub groups: Vec<RfmGroupTotal>,
}

/// A condition and whether the customer holds it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Check {
    pub condition: String,
    pub holds: bool,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SegmentRef {
    pub id: String,
    pub name: String,
    pub filter: Value,
}

/// The customer's standing in one segment.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    pub member: bool,
    pub member_since: Option<String>,
    pub missing: i32,
    pub conditions: Vec<Check>,
    pub segment: SegmentRef,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CustomerRfm {
    pub recency: u8,
    pub frequency: u8,
    pub monetary: u8,
    pub group: RfmGroup,
}

/// The customer page's segments card.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CustomerMarketing {
    pub rfm: Option<CustomerRfm>,
    pub segments: Vec<Standing>,
}

/// The workspace's segments, by name.
pub async fn list() -> Result<Vec<SegmentView>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        segments: Vec<SegmentView>,
    }
    execute::<_, Data>(SEGMENTS, &json!({})).await.map(|d| d.segments)
}

/// A segment's name (and member count), for the customers page's filter chip.
pub async fn name(id: &str) -> Result<(String, i64), ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Named {
        name: String,
        member_count: i64,
    }
    #[derive(Deserialize)]
    struct Data {
        segment: Named,
    }
    execute::<_, Data>(SEGMENT_NAME, &json!({ "id": id }))
        .await
        .map(|d| (d.segment.name, d.segment.member_count))
}

/// The live count of `filter`.
pub async fn preview(filter: &Value) -> Result<Preview, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        segment_preview: Preview,
    }
    execute::<_, Data>(PREVIEW, &json!({ "filter": filter })).await.map(|d| d.segment_preview)
}

/// Saves a new segment (`edit`: none) or a new version of one (its id and the version edited).
/// Returns the member count.
pub async fn save(edit: Option<(&str, i32)>, name: &str, filter: &Value) -> Result<i64, ApiError> {
    let input = json!({ "name": name, "filter": filter });
    let data = match edit {
        None => execute::<_, Value>(CREATE, &json!({ "input": input })).await?["createSegment"].clone(),
        Some((id, version)) => execute::<_, Value>(
            UPDATE,
            &json!({ "id": id, "version": version, "input": input }),
        )
        .await?["updateSegment"]
            .clone(),
    };
    Ok(data["memberCount"].as_i64().unwrap_or(0))
}

pub async fn delete(id: &str) -> Result<(), ApiError> {
    execute::<_, Value>(DELETE, &json!({ "id": id })).await.map(|_| ())
}

/// The RFM grid as last worked out.
pub async fn grid() -> Result<RfmGridView, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        rfm_grid: RfmGridView,
    }
    execute::<_, Data>(GRID, &json!({})).await.map(|d| d.rfm_grid)
}

/// Works the RFM scores out now.
pub async fn recompute() -> Result<RfmGridView, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        recompute_rfm: RfmGridView,
    }
    execute::<_, Data>(RECOMPUTE, &json!({})).await.map(|d| d.recompute_rfm)
}

/// A customer's RFM scores and standing in each segment.
pub async fn of_customer(id: String) -> Result<CustomerMarketing, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        customer_marketing: CustomerMarketing,
    }
    execute::<_, Data>(CUSTOMER, &json!({ "id": id })).await.map(|d| d.customer_marketing)
}
