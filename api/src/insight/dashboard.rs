//! The dashboard's figures for one workspace: a handful of grouped queries (counts, a sum
//! grouped by stars, the latest star changes, customers close to dropping a star), never a
//! query per customer. Customers close to dropping follow `shared::rating::close_to_dropping`.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, RelationDef,
};
use starcrm_shared::Permission;
use starcrm_shared::customer::TransactionKind;
use starcrm_shared::rating::{Trigger, drop_line};
use uuid::Uuid;

use crate::auth::Scope;
use crate::entities::{customer, star_history, transaction};
use crate::error::AppError;
use crate::ratings::engine::Context;

/// Days a customer counts as active after a purchase.
pub const ACTIVE_DAYS: i64 = 90;
/// Days of revenue the dashboard sums.
pub const REVENUE_DAYS: i64 = 30;
/// How many star changes and customers close to dropping it lists.
const LIST_SIZE: u64 = 8;

/// A star change as the dashboard lists it.
#[derive(Clone, Debug)]
pub struct RecentChange {
    pub at: DateTime<Utc>,
    pub customer: customer::Model,
    pub stars_before: Option<i16>,
    pub stars_after: Option<i16>,
    pub trigger: Trigger,
}

/// The dashboard of a workspace.
#[derive(Clone, Debug)]
pub struct Dashboard {
    /// Live customers (not deleted, merged away or erased).
    pub customers: u64,
    /// Live customers who bought in the last [`ACTIVE_DAYS`].
    pub active_customers: u64,
    /// Purchases minus refunds in the last [`REVENUE_DAYS`], in the workspace currency, by the
    /// buyer's current stars (index 0: unrated, 1 to 5).
    pub revenue_by_stars: [i64; 6],
    pub currency: String,
    pub recent_changes: Vec<RecentChange>,
    /// Up to [`LIST_SIZE`] customers close to dropping a star: the most stars first (the most
    /// to lose), the lowest score first within a level.
    pub close_to_dropping: Vec<customer::Model>,
    pub close_to_dropping_count: u64,
}

fn live(workspace_id: Uuid) -> Condition {
    Condition::all()
        .add(customer::Column::WorkspaceId.eq(workspace_id))
        .add(customer::Column::DeletedAt.is_null())
        .add(customer::Column::MergedInto.is_null())
        .add(customer::Column::ErasedAt.is_null())
}

fn buyer() -> RelationDef {
    transaction::Entity::belongs_to(customer::Entity)
        .from(transaction::Column::CustomerId)
        .to(customer::Column::Id)
        .into()
}

/// Reads the dashboard of the caller's workspace. Needs `customers:read` and `ratings:read`,
/// like the customer list and the star distribution it sums up.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn read(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    now: DateTime<Utc>,
) -> Result<Dashboard, AppError> {
    scope.require(Permission::CustomersRead)?;
    scope.require(Permission::RatingsRead)?;
    let ctx = Context::cached(conn, scope.workspace_id).await?;
    let ws = scope.workspace_id;

    let customers = customer::Entity::find().filter(live(ws)).count(conn).await?;
    let active_customers = customer::Entity::find()
        .filter(live(ws))
        .filter(customer::Column::LastPurchaseAt.gte(now - Duration::days(ACTIVE_DAYS)))
        .count(conn)
        .await?;

    // One grouped sum over the window's purchases, by the buyer's stars.
    let net = Expr::col((transaction::Entity, transaction::Column::AmountMinor))
        .sub(Expr::col((transaction::Entity, transaction::Column::RefundedMinor)));
    let rows: Vec<(Option<i16>, Option<i64>)> = transaction::Entity::find()
        .select_only()
        .column(customer::Column::Stars)
        .column_as(net.sum().cast_as("BIGINT"), "revenue")
        .join(JoinType::InnerJoin, buyer())
        .filter(transaction::Column::WorkspaceId.eq(ws))
        .filter(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()))
        .filter(transaction::Column::Currency.eq(ctx.currency.as_str()))
        .filter(transaction::Column::OccurredAt.gte(now - Duration::days(REVENUE_DAYS)))
        .filter(customer::Column::MergedInto.is_null())
        .group_by(customer::Column::Stars)
        .into_tuple()
        .all(conn)
        .await?;
    let mut revenue_by_stars = [0_i64; 6];
    for (stars, sum) in rows {
        let i = stars.and_then(|s| usize::try_from(s).ok()).filter(|s| *s <= 5).unwrap_or(0);
        revenue_by_stars[i] = revenue_by_stars[i].saturating_add(sum.unwrap_or(0));
    }

    let changes: Vec<(star_history::Model, Option<customer::Model>)> = star_history::Entity::find()
        .select_also(customer::Entity)
        .join(
            JoinType::InnerJoin,
            star_history::Entity::belongs_to(customer::Entity)
                .from(star_history::Column::CustomerId)
                .to(customer::Column::Id)
                .into(),
        )
        .filter(star_history::Column::WorkspaceId.eq(ws))
        .filter(customer::Column::MergedInto.is_null())
        .filter(customer::Column::ErasedAt.is_null())
        .order_by(star_history::Column::CreatedAt, Order::Desc)
        .order_by(star_history::Column::Id, Order::Desc)
        .limit(LIST_SIZE)
        .all(conn)
        .await?;
    let mut recent_changes = Vec::with_capacity(changes.len());
    for (row, customer) in changes {
        // The inner join gives every row its customer.
        let Some(customer) = customer else { continue };
        // A stored trigger this build does not know is bad data: an error, not a guess.
        let trigger = Trigger::parse(&row.trigger)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown star trigger {:?}", row.trigger)))?;
        recent_changes.push(RecentChange {
            at: row.created_at,
            customer,
            stars_before: row.stars_before,
            stars_after: row.stars_after,
            trigger,
        });
    }

    // The shared rule as one condition: stars n and a score under n's drop line, for each n.
    let mut close = Condition::any();
    for stars in 2..=5_u8 {
        if let Some(line) = drop_line(ctx.policy.thresholds, stars) {
            close = close.add(
                Condition::all()
                    .add(customer::Column::Stars.eq(i16::from(stars)))
                    .add(customer::Column::StarScore.lt(line)),
            );
        }
    }
    // Stars set by hand do not follow the score.
    let at_risk = live(ws).add(close).add(customer::Column::StarOverride.is_null());
    let close_to_dropping_count = customer::Entity::find().filter(at_risk.clone()).count(conn).await?;
    let close_to_dropping = customer::Entity::find()
        .filter(at_risk)
        .order_by(customer::Column::Stars, Order::Desc)
        .order_by(customer::Column::StarScore, Order::Asc)
        .order_by(customer::Column::Id, Order::Asc)
        .limit(LIST_SIZE)
        .all(conn)
        .await?;

    Ok(Dashboard {
        customers,
        active_customers,
        revenue_by_stars,
        currency: ctx.currency.clone(),
        recent_changes,
        close_to_dropping,
        close_to_dropping_count,
    })
}
