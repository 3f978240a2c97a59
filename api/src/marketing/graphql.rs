//! Segments and RFM over GraphQL: the segment list and builder (live preview), the RFM grid, and
//! a customer's standing in every segment (the "why is this customer in this segment" card).

use async_graphql::{Context, ErrorExtensions, ID, InputObject, InputType, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::Permission;
use starcrm_shared::marketing::RfmGroup;

use super::membership::{self, Match};
use super::rfm;
use super::segments::{self, Segment as Row, Spec};
use crate::auth::ContextExt;
use crate::customers::graphql::CustomerFilter;
use crate::customers::graphql::types::Money;
use crate::entities::customer_rfm;
use crate::error::AppError;
use crate::users::graphql::parse_id;
use sea_orm::EntityTrait;

#[allow(clippy::needless_pass_by_value, reason = "used as `map_err(ext)`")]
fn ext(err: AppError) -> async_graphql::Error {
    err.extend()
}

/// A saved customer filter whose members are kept current.
pub struct Segment(pub Row);

#[Object]
impl Segment {
    async fn id(&self) -> ID {
        ID(self.0.row.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.row.name
    }

    async fn description(&self) -> Option<&str> {
        self.0.row.description.as_deref()
    }

    /// The `CustomerFilter` it was saved with (give it back to `updateSegment`, or to
    /// `customers` with `segmentIds` to list the members).
    async fn filter(&self) -> Json<serde_json::Value> {
        Json(self.0.filter_json.clone())
    }

    /// Its conditions, all of which a member holds: the filter field each is about (`stars`,
    /// `daysSinceLastPurchase`, `customFields.<key>`, `and[0]`...), as events' reasons name them.
    async fn conditions(&self) -> Vec<String> {
        self.0.filter.parts().into_iter().map(|(k, _)| k).collect()
    }

    /// Members now (kept current within seconds of each change).
    async fn member_count(&self) -> i64 {
        self.0.row.member_count
    }

    /// When the whole membership was last worked out again (days-since conditions and RFM
    /// groups move with the calendar: at least daily).
    async fn refreshed_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.refreshed_at
    }

    async fn version(&self) -> i32 {
        self.0.row.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.row.updated_at
    }
}

/// A segment as saved.
#[derive(InputObject)]
pub struct SegmentInput {
    pub name: String,
    pub description: Option<String>,
    /// At least one condition; not `segmentIds`.
    pub filter: CustomerFilter,
}

impl SegmentInput {
    fn into_spec(self) -> async_graphql::Result<Spec> {
        let filter_json =
            serde_json::to_value(self.filter.to_value()).map_err(|e| ext(AppError::internal(e)))?;
        Ok(Spec {
            name: self.name,
            description: self.description,
            filter: self.filter.into_filter()?,
            filter_json,
        })
    }
}

/// What a filter selects now: the builder's live count.
#[derive(SimpleObject)]
pub struct SegmentPreview {
    pub customers: u64,
    /// Customers per level: `[not rated, 1 star, ..., 5 stars]`.
    pub by_stars: Vec<u64>,
    /// Their total spend.
    pub spend: Money,
}

/// One cell of the RFM grid.
#[derive(SimpleObject)]
pub struct RfmCell {
    /// Recency score, 5 = bought most recently.
    pub recency: i32,
    /// Frequency and monetary together (their mean rounded half up), 5 = most.
    pub frequency_monetary: i32,
    pub group: RfmGroup,
    pub customers: u64,
    pub spend: Money,
}

/// A named RFM group's totals.
#[derive(SimpleObject)]
pub struct RfmGroupTotal {
    pub group: RfmGroup,
    pub customers: u64,
    pub spend: Money,
}

/// The workspace's RFM scoring: quintiles among the customers who have bought.
#[derive(SimpleObject)]
pub struct RfmGrid {
    /// When it was last worked out (null: not yet).
    pub computed_at: Option<DateTime<Utc>>,
    pub duration_ms: i64,
    /// The 25 cells, recency 5 first, frequency-monetary 1 to 5 within each.
    pub cells: Vec<RfmCell>,
    /// Each named group's totals, in the standard order.
    pub groups: Vec<RfmGroupTotal>,
    /// Customers scored.
    pub customers: u64,
}

impl From<rfm::Grid> for RfmGrid {
    fn from(g: rfm::Grid) -> Self {
        let money = |amount_minor: i64| Money { amount_minor, currency: g.currency.clone() };
        let groups = RfmGroup::ALL
            .iter()
            .map(|group| {
                let cells = g.cells.iter().filter(|c| c.group == *group);
                RfmGroupTotal {
                    group: *group,
                    customers: cells.clone().map(|c| c.customers).sum(),
                    spend: money(cells.map(|c| c.spend_minor).sum()),
                }
            })
            .collect();
        Self {
            computed_at: g.computed_at,
            duration_ms: g.duration_ms,
            customers: g.cells.iter().map(|c| c.customers).sum(),
            cells: g
                .cells
                .iter()
                .map(|c| RfmCell {
                    recency: i32::from(c.recency),
                    frequency_monetary: i32::from(c.fm),
                    group: c.group,
                    customers: c.customers,
                    spend: money(c.spend_minor),
                })
                .collect(),
            groups,
        }
    }
}

/// A condition of a segment and whether a customer holds it.
#[derive(SimpleObject)]
pub struct ConditionCheck {
    /// As in `Segment.conditions`.
    pub condition: String,
    pub holds: bool,
}

/// A customer's standing in one segment.
pub struct SegmentStanding(Match);

#[Object]
impl SegmentStanding {
    async fn segment(&self) -> Segment {
        Segment(self.0.segment.clone())
    }

    /// A member now (as the member list has it).
    async fn member(&self) -> bool {
        self.0.member_since.is_some()
    }

    async fn member_since(&self) -> Option<DateTime<Utc>> {
        self.0.member_since
    }

    /// Every condition with whether the customer holds it now: why they are in, or what keeps
    /// them out.
    async fn conditions(&self) -> Vec<ConditionCheck> {
        self.0
            .conditions
            .iter()
            .map(|(c, holds)| ConditionCheck { condition: c.clone(), holds: *holds })
            .collect()
    }

    /// Conditions the customer does not hold now.
    async fn missing(&self) -> i32 {
        i32::try_from(self.0.conditions.iter().filter(|(_, h)| !h).count()).unwrap_or(i32::MAX)
    }
}

/// A customer's RFM scores.
#[derive(SimpleObject)]
pub struct CustomerRfm {
    pub recency: i32,
    pub frequency: i32,
    pub monetary: i32,
    pub group: RfmGroup,
    pub computed_at: DateTime<Utc>,
}

/// A customer's RFM scores and standing in every segment.
#[derive(SimpleObject)]
pub struct CustomerMarketing {
    /// Null for a customer who has not bought (or bought after the last scoring).
    pub rfm: Option<CustomerRfm>,
    /// Every segment of the workspace: members first, then by how few conditions are missing.
    pub segments: Vec<SegmentStanding>,
}

#[derive(Default)]
pub struct MarketingQuery;

#[Object]
impl MarketingQuery {
    /// The workspace's segments, by name. Needs `customers:read`.
    async fn segments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Segment>> {
        let scope = ctx.require(Permission::CustomersRead)?;
        Ok(segments::list(ctx.db()?, scope).await.map_err(ext)?.into_iter().map(Segment).collect())
    }

    /// One segment. Needs `customers:read`.
    async fn segment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Segment> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let id = parse_id(&id, "id")?;
        Ok(Segment(segments::find(ctx.db()?, scope, id).await.map_err(ext)?))
    }

    /// How many live customers `filter` selects now, by stars, with their spend: the segment
    /// builder's live count. Needs `customers:read`.
    async fn segment_preview(
        &self,
        ctx: &Context<'_>,
        filter: CustomerFilter,
    ) -> async_graphql::Result<SegmentPreview> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let filter = filter.into_filter()?;
        let p = segments::preview(ctx.db()?, scope, &filter, Utc::now()).await.map_err(ext)?;
        Ok(SegmentPreview {
            customers: p.customers,
            by_stars: p.by_stars.to_vec(),
            spend: Money { amount_minor: p.spend_minor, currency: p.currency },
        })
    }

    /// The RFM grid: customers and spend per recency and frequency-monetary score. Needs
    /// `customers:read`.
    async fn rfm_grid(&self, ctx: &Context<'_>) -> async_graphql::Result<RfmGrid> {
        let scope = ctx.require(Permission::CustomersRead)?;
        Ok(rfm::grid(ctx.db()?, scope).await.map_err(ext)?.into())
    }

    /// A customer's RFM scores and standing in each segment. Needs `customers:read`.
    async fn customer_marketing(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
    ) -> async_graphql::Result<CustomerMarketing> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let db = ctx.db()?;
        let id = parse_id(&customer_id, "customerId")?;
        let customer = crate::customers::service::get(db, scope, id).await.map_err(ext)?;
        let rfm = customer_rfm::Entity::find_by_id(customer.id)
            .one(db)
            .await
            .map_err(|e| ext(e.into()))?
            .filter(|r| r.workspace_id == scope.workspace_id)
            .map(|r| -> async_graphql::Result<CustomerRfm> {
                Ok(CustomerRfm {
                    recency: i32::from(r.recency),
                    frequency: i32::from(r.frequency),
                    monetary: i32::from(r.monetary),
                    group: RfmGroup::parse(&r.rfm_group)
                        .ok_or_else(|| ext(AppError::internal(anyhow::anyhow!("stored RFM group"))))?,
                    computed_at: r.computed_at,
                })
            })
            .transpose()?;
        let mut standings = membership::of_customer(db, scope, customer.id, Utc::now()).await.map_err(ext)?;
        standings.sort_by_key(|m| {
            (
                m.member_since.is_none(),
                m.conditions.iter().filter(|(_, h)| !h).count(),
                m.segment.row.name.clone(),
            )
        });
        Ok(CustomerMarketing { rfm, segments: standings.into_iter().map(SegmentStanding).collect() })
    }
}

#[derive(Default)]
pub struct MarketingMutation;

#[Object]
impl MarketingMutation {
    /// Saves a segment and works out its members. Needs `campaigns:manage`.
    async fn create_segment(&self, ctx: &Context<'_>, input: SegmentInput) -> async_graphql::Result<Segment> {
        let scope = ctx.require(Permission::CampaignsManage)?;
        let spec = input.into_spec()?;
        Ok(Segment(segments::create(ctx.db()?, scope, &spec).await.map_err(ext)?))
    }

    /// Saves a new version of a segment (`version`: the one edited) and works its members out
    /// again. Needs `campaigns:manage`.
    async fn update_segment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: SegmentInput,
    ) -> async_graphql::Result<Segment> {
        let scope = ctx.require(Permission::CampaignsManage)?;
        let id = parse_id(&id, "id")?;
        let spec = input.into_spec()?;
        Ok(Segment(segments::update(ctx.db()?, scope, id, version, &spec).await.map_err(ext)?))
    }

    /// Deletes a segment. Needs `campaigns:manage`.
    async fn delete_segment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let scope = ctx.require(Permission::CampaignsManage)?;
        let id = parse_id(&id, "id")?;
        segments::delete(ctx.db()?, scope, id).await.map_err(ext)?;
        Ok(true)
    }

    /// Works the RFM scores out now (they also follow each re-rating and run daily), then the
    /// segments' members. Needs `campaigns:manage`.
    async fn recompute_rfm(&self, ctx: &Context<'_>) -> async_graphql::Result<RfmGrid> {
        let scope = ctx.require(Permission::CampaignsManage)?;
        let db = ctx.db()?;
        let now = Utc::now();
        rfm::score(db, scope.workspace_id, now).await.map_err(ext)?;
        for segment in segments::list(db, scope).await.map_err(ext)? {
            membership::refresh(db, segment.row.id, "schedule", now).await.map_err(ext)?;
        }
        Ok(rfm::grid(db, scope).await.map_err(ext)?.into())
    }
}
