//! `dashboard`: the manager's overview of the caller's workspace in one query.

use async_graphql::{Context, ErrorExtensions, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::rating::Trigger;

use super::dashboard::{self, ACTIVE_DAYS, REVENUE_DAYS};
use crate::auth::ContextExt;
use crate::customers::graphql::types::{Customer, Money};

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
