//! `dashboard`: the manager's overview of the caller's workspace in one query.

use async_graphql::{Context, ErrorExtensions, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use starcrm_shared::insight::analytics::{
    CampaignRoi, Cohort, Demand, LevelFigures, StageCount, StarMigration, StarTrendPoint,
};
use starcrm_shared::rating::Trigger;

use super::analytics;
use super::dashboard::{self, ACTIVE_DAYS, REVENUE_DAYS};
use crate::auth::ContextExt;
use crate::customers::graphql::types::{Customer, Money};
use crate::error::AppError;

/// Revenue of the buyers at one star level.
#[derive(SimpleObject)]
pub struct StarRevenue {
    /// 1 to 5; 0 for customers not rated yet.
    pub stars: i32,
    pub revenue: Money,
}

/// A recent change of a customer's stars.
#[derive(SimpleObject)]
pub struct DashboardStarChange {
    pub at: DateTime<Utc>,
    pub customer: Customer,
    pub stars_before: Option<i32>,
    pub stars_after: Option<i32>,
    pub trigger: Trigger,
}

/// What a manager opens the dashboard for.
#[derive(SimpleObject)]
pub struct Dashboard {
    /// Live customers (not deleted, merged away or erased).
    pub customers: u64,
    /// Live customers who bought within `activeDays`.
    pub active_customers: u64,
    pub active_days: i64,
    /// Purchases minus refunds within `revenueDays`, in the workspace currency, by the buyers'
    /// current stars (0 to 5).
    pub revenue_by_stars: Vec<StarRevenue>,
    pub revenue_days: i64,
    /// The latest star changes, newest first.
    pub recent_star_changes: Vec<DashboardStarChange>,
    /// Customers whose score is close above their level's threshold (or held above it by
    /// downgrade protection), most stars first; stars set by hand excluded.
    pub close_to_dropping: Vec<Customer>,
    pub close_to_dropping_count: u64,
}

#[derive(Default)]
pub struct InsightQuery;

#[Object]
impl InsightQuery {
    /// The dashboard of the caller's workspace. Needs `customers:read` and `ratings:read`.
    async fn dashboard(&self, ctx: &Context<'_>) -> async_graphql::Result<Dashboard> {
        let scope = ctx.require(starcrm_shared::Permission::CustomersRead)?;
        let d = dashboard::read(ctx.db()?, scope, Utc::now()).await.map_err(|e| e.extend())?;
        let money = |amount_minor: i64| Money { amount_minor, currency: d.currency.clone() };
        Ok(Dashboard {
            customers: d.customers,
            active_customers: d.active_customers,
            active_days: ACTIVE_DAYS,
            revenue_by_stars: (0..)
                .zip(d.revenue_by_stars)
                .map(|(stars, amount)| StarRevenue { stars, revenue: money(amount) })
                .collect(),
            revenue_days: REVENUE_DAYS,
            recent_star_changes: d
                .recent_changes
                .iter()
                .cloned()
                .map(|c| DashboardStarChange {
                    at: c.at,
                    customer: Customer(c.customer),
                    stars_before: c.stars_before.map(i32::from),
                    stars_after: c.stars_after.map(i32::from),
                    trigger: c.trigger,
                })
                .collect(),
            close_to_dropping: d.close_to_dropping.iter().cloned().map(Customer).collect(),
            close_to_dropping_count: d.close_to_dropping_count,
        })
    }
}

/// The dashboards of the caller's workspace; each field is its own set-based query, so a page
/// asks only for the charts it shows.
pub struct Analytics {
    scope: crate::auth::Scope,
    frame: analytics::Frame,
}

/// Checks a whole-number argument lies in `range`.
fn within(field: &str, value: u32, range: std::ops::RangeInclusive<u32>) -> async_graphql::Result<u32> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(AppError::bad_input(field, format!("from {} to {}", range.start(), range.end())).extend())
    }
}

#[Object]
impl Analytics {
    /// The currency every amount is in (minor units).
    async fn currency(&self) -> &str {
        &self.frame.currency
    }

    /// Today on the workspace's clock.
    async fn today(&self) -> NaiveDate {
        self.frame.today()
    }

    /// The customers at each star level at the end of each of the last `months` months (1 to
    /// 36; the current month: now), oldest first, from today's customers' star history.
    async fn star_trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 12)] months: u32,
    ) -> async_graphql::Result<Vec<StarTrendPoint>> {
        let months = within("months", months, 1..=36)?;
        analytics::star_trend(ctx.db()?, &self.frame, months).await.map_err(|e| e.extend())
    }

    /// Who moved between star levels from the end of `from` to the end of `to` (default: 90
    /// days ago to today), from the star history.
    async fn star_migration(
        &self,
        ctx: &Context<'_>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> async_graphql::Result<StarMigration> {
        let today = self.frame.today();
        let to = to.unwrap_or(today);
        if to > today {
            return Err(AppError::bad_input("to", "cannot be after today").extend());
        }
        let from = from.unwrap_or(to - chrono::Duration::days(90));
        analytics::star_migration(ctx.db()?, &self.frame, from, to).await.map_err(|e| e.extend())
    }

    /// Revenue, orders, NPS, CSAT, churn and SLA hits of the last `days` days (1 to 366) by star
    /// level, 0 (not rated) to 5. NPS and CSAT need `surveys:read` (left empty without).
    async fn by_star_level(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 30)] days: u32,
    ) -> async_graphql::Result<Vec<LevelFigures>> {
        let days = within("days", days, 1..=366)?;
        let since = self.frame.now - chrono::Duration::days(i64::from(days));
        analytics::by_star_level(ctx.db()?, &self.scope, &self.frame, since).await.map_err(|e| e.extend())
    }

    /// Retention of the customers whose first purchase fell in each of the last `months` months
    /// (1 to 24), oldest first.
    async fn cohorts(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 12)] months: u32,
    ) -> async_graphql::Result<Vec<Cohort>> {
        let months = within("months", months, 1..=24)?;
        analytics::cohorts(ctx.db()?, &self.frame, months).await.map_err(|e| e.extend())
    }

    /// Customers at each lifecycle stage, with the value at risk among them.
    async fn lifecycle_funnel(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StageCount>> {
        analytics::lifecycle_funnel(ctx.db()?, &self.frame).await.map_err(|e| e.extend())
    }

    /// The latest `first` launched campaigns (1 to 50) with revenue, cost, ROI and lift. Needs
    /// `campaigns:manage`.
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10)] first: u32,
    ) -> async_graphql::Result<Vec<CampaignRoi>> {
        let first = within("first", first, 1..=50)?;
        analytics::campaign_roi(ctx.db()?, &self.scope, usize::try_from(first).unwrap_or(10))
            .await
            .map_err(|e| e.extend())
    }

    /// Sales of the last `months` complete months (6 to 60) by category and by the buyers'
    /// stars, with a seasonal forecast of the next 3 months and its error on the last quarter
    /// held out.
    async fn demand(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 36)] months: u32,
    ) -> async_graphql::Result<Demand> {
        let months = within("months", months, 6..=60)?;
        analytics::demand(ctx.db()?, &self.frame, months).await.map_err(|e| e.extend())
    }
}

#[derive(Default)]
pub struct AnalyticsQuery;

#[Object]
impl AnalyticsQuery {
    /// The dashboards of the caller's workspace. Needs `customers:read` and `ratings:read`.
    async fn analytics(&self, ctx: &Context<'_>) -> async_graphql::Result<Analytics> {
        let scope = ctx.require(starcrm_shared::Permission::CustomersRead)?.clone();
        let frame = analytics::Frame::of(ctx.db()?, &scope, Utc::now()).await.map_err(|e| e.extend())?;
        Ok(Analytics { scope, frame })
    }
}
