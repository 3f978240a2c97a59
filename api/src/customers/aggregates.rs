//! Per-customer aggregates over their transactions (total spend, order count, first and last
//! purchase, distinct categories; over all time and over the rating window), recomputed from the
//! rows after every write that touches them, so they cannot drift. The star engine rates the
//! customer from them in the same transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func, UnionType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, QueryTrait,
    UpdateMany,
};
use starcrm_shared::customer::{TransactionKind, TransactionStatus};
use starcrm_shared::rating::Trigger;
use uuid::Uuid;

use crate::auth::Scope;
use crate::entities::{customer, ticket, transaction, transaction_item};
use crate::error::AppError;
use crate::ratings::engine::{self, Cause, Context, Outcome};

/// The aggregates of one customer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Aggregates {
    /// Purchases minus refunds, in the workspace currency (other currencies are not summed).
    pub total_spend_minor: i64,
    /// Purchases not refunded in full.
    pub order_count: i32,
    pub first_purchase_at: Option<DateTime<Utc>>,
    pub last_purchase_at: Option<DateTime<Utc>>,
    pub category_count: i32,
    /// The same three within the rating window (purchases on or after its start).
    pub window_spend_minor: i64,
    pub window_orders: i32,
    pub window_categories: i32,
    /// Complaints in the window (opened in it and not found unjustified); `None` while the
    /// workspace has never had one (the criterion is then neutral for everyone).
    pub window_complaints: Option<i32>,
    /// Satisfaction from their survey answers, 0 to 1 (`starcrm_shared::surveys::satisfaction`);
    /// `None` (neutral) without any.
    pub satisfaction: Option<f64>,
}

impl Aggregates {
    /// The all-time aggregate columns of an update of `customers`.
    pub fn set(&self, update: UpdateMany<customer::Entity>) -> UpdateMany<customer::Entity> {
        use customer::Column as C;
        update
            .col_expr(C::TotalSpendMinor, Expr::value(self.total_spend_minor))
            .col_expr(C::OrderCount, Expr::value(self.order_count))
            .col_expr(C::FirstPurchaseAt, Expr::value(self.first_purchase_at))
            .col_expr(C::LastPurchaseAt, Expr::value(self.last_purchase_at))
            .col_expr(C::CategoryCount, Expr::value(self.category_count))
    }
}

/// What aggregates are computed over: the workspace currency (spend in others is not summed),
/// the rating window's first instant, whether the workspace counts complaints (`None`: not
/// known, read it), whether it has any survey answer (`Some(false)`: none, so nobody's
/// satisfaction is read), and the instant survey answers' ages are counted from.
#[derive(Clone, Copy, Debug)]
pub struct Basis<'a> {
    pub currency: &'a str,
    pub window_start: DateTime<Utc>,
    pub complaints_tracked: Option<bool>,
    pub surveys_answered: Option<bool>,
    pub now: DateTime<Utc>,
}

/// Reads a customer's purchases and computes their aggregates.
///
/// # Errors
/// Database failures.
pub async fn compute(
    conn: &impl ConnectionTrait,
    customer_id: Uuid,
    basis: &Basis<'_>,
) -> Result<Aggregates, AppError> {
    let mut all = compute_many(conn, &[customer_id], basis).await?;
    Ok(all.remove(&customer_id).unwrap_or_default())
}

/// Whether a workspace has ever had a complaint ticket (the complaints criterion counts from
/// then on).
///
/// # Errors
/// Database failures.
pub async fn complaints_tracked(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<bool, AppError> {
    use starcrm_shared::service_desk::TicketKind;
    Ok(ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .filter(ticket::Column::WorkspaceId.eq(workspace_id))
        .filter(ticket::Column::Kind.eq(TicketKind::Complaint.as_str()))
        .into_tuple::<Uuid>()
        .one(conn)
        .await?
        .is_some())
}

/// `SUM(...)` as a 64-bit integer on both databases (PostgreSQL sums `bigint` as `numeric`).
fn sum_of(term: Expr) -> Expr {
    use sea_orm::sea_query::ExprTrait as _;
    Expr::from(Func::sum(term)).cast_as("BIGINT")
}

/// A purchase's amount less what was refunded, when it is in `currency` (other currencies are
/// not summed) and, given a window start, on or after it; else 0.
fn net_in(currency: &str, since: Option<DateTime<Utc>>) -> Expr {
    use sea_orm::sea_query::ExprTrait as _;
    let mut cond = Condition::all().add(Expr::col(transaction::Column::Currency).eq(currency));
    if let Some(since) = since {
        cond = cond.add(Expr::col(transaction::Column::OccurredAt).gte(since));
    }
    let net = Expr::col(transaction::Column::AmountMinor).sub(Expr::col(transaction::Column::RefundedMinor));
    Expr::case(cond, net).finally(0).into()
}

/// 1 for a purchase not refunded in full (on or after `since` when given), else 0.
fn count_if(since: Option<DateTime<Utc>>) -> Expr {
    use sea_orm::sea_query::ExprTrait as _;
    let mut cond =
        Condition::all().add(Expr::col(transaction::Column::Status).ne(TransactionStatus::Refunded.as_str()));
    if let Some(since) = since {
        cond = cond.add(Expr::col(transaction::Column::OccurredAt).gte(since));
    }
    Expr::case(cond, 1).finally(0).into()
}

/// When a purchase not refunded in full happened (NULL for one refunded in full).
fn kept_at() -> Expr {
    use sea_orm::sea_query::ExprTrait as _;
    Expr::case(
        Expr::col(transaction::Column::Status).ne(TransactionStatus::Refunded.as_str()),
        Expr::col(transaction::Column::OccurredAt),
    )
    .into()
}

/// [`compute`] for many customers at once: two queries per 500 customers, whatever their
/// purchases. A customer without purchases gets the empty aggregates.
///
/// # Errors
/// Database failures.
pub async fn compute_many(
    conn: &impl ConnectionTrait,
    customer_ids: &[Uuid],
    basis: &Basis<'_>,
) -> Result<HashMap<Uuid, Aggregates>, AppError> {
    let &Basis { currency, window_start, complaints_tracked, surveys_answered, now } = basis;
    let mut out: HashMap<Uuid, Aggregates> =
        customer_ids.iter().map(|id| (*id, Aggregates::default())).collect();
    for chunk in customer_ids.chunks(500) {
        // One statement (it runs inside SQLite's write turn on every purchase): the sums, one
        // row per customer, whatever their purchases, followed by each customer's categories
        // with the last time each was bought (all-time and in-window counts at once).
        let null = || Expr::cust("NULL");
        let mut query = transaction::Entity::find()
            .select_only()
            .column(transaction::Column::CustomerId)
            .column_as(sum_of(net_in(currency, None)), "total_spend")
            .column_as(sum_of(net_in(currency, Some(window_start))), "window_spend")
            .column_as(sum_of(count_if(None)), "orders")
            .column_as(sum_of(count_if(Some(window_start))), "window_orders")
            .column_as(Expr::from(Func::min(kept_at())), "first_at")
            .column_as(Expr::from(Func::max(kept_at())), "last_at")
            .column_as(null(), "category")
            .column_as(null(), "category_at")
            .filter(transaction::Column::CustomerId.is_in(chunk.iter().copied()))
            .filter(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()))
            .group_by(transaction::Column::CustomerId)
            .into_query();
        let categories = transaction_item::Entity::find()
            .select_only()
            .column(transaction::Column::CustomerId)
            .column_as(null(), "total_spend")
            .column_as(null(), "window_spend")
            .column_as(null(), "orders")
            .column_as(null(), "window_orders")
            .column_as(null(), "first_at")
            .column_as(null(), "last_at")
            .column(transaction_item::Column::Category)
            .column_as(transaction::Column::OccurredAt.max(), "category_at")
            .join(
                JoinType::InnerJoin,
                transaction_item::Entity::belongs_to(transaction::Entity)
                    .from(transaction_item::Column::TransactionId)
                    .to(transaction::Column::Id)
                    .into(),
            )
            .filter(transaction::Column::CustomerId.is_in(chunk.iter().copied()))
            .filter(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()))
            .filter(transaction::Column::Status.ne(TransactionStatus::Refunded.as_str()))
            .filter(transaction_item::Column::Category.is_not_null())
            .group_by(transaction::Column::CustomerId)
            .group_by(transaction_item::Column::Category)
            .into_query();
        query.union(UnionType::All, categories);
        for row in conn.query_all(&query).await? {
            let customer_id: Uuid = row.try_get("", "customer_id")?;
            let agg = out.entry(customer_id).or_default();
            if row.try_get::<Option<String>>("", "category")?.is_some() {
                agg.category_count = agg.category_count.saturating_add(1);
                let at: Option<DateTime<Utc>> = row.try_get("", "category_at")?;
                if at.is_some_and(|a| a >= window_start) {
                    agg.window_categories = agg.window_categories.saturating_add(1);
                }
                continue;
            }
            let total: Option<i64> = row.try_get("", "total_spend")?;
            let window: Option<i64> = row.try_get("", "window_spend")?;
            let orders: Option<i64> = row.try_get("", "orders")?;
            let window_orders: Option<i64> = row.try_get("", "window_orders")?;
            agg.total_spend_minor = total.unwrap_or(0);
            agg.window_spend_minor = window.unwrap_or(0);
            agg.order_count = i32::try_from(orders.unwrap_or(0)).unwrap_or(i32::MAX);
            agg.window_orders = i32::try_from(window_orders.unwrap_or(0)).unwrap_or(i32::MAX);
            agg.first_purchase_at = row.try_get("", "first_at")?;
            agg.last_purchase_at = row.try_get("", "last_at")?;
        }
        if complaints_tracked != Some(false) {
            complaints(conn, chunk, window_start, complaints_tracked.is_some(), &mut out).await?;
        }
        if surveys_answered != Some(false) {
            for (id, satisfaction) in crate::surveys::responses::satisfaction_of(conn, chunk, now).await? {
                out.entry(id).or_default().satisfaction = Some(satisfaction);
            }
        }
    }
    Ok(out)
}

/// Complaints in the window per customer of `chunk`, once their workspace has any complaint
/// (`tracked`: known to have; otherwise read).
async fn complaints(
    conn: &impl ConnectionTrait,
    chunk: &[Uuid],
    window_start: DateTime<Utc>,
    tracked: bool,
    out: &mut HashMap<Uuid, Aggregates>,
) -> Result<(), AppError> {
    use starcrm_shared::service_desk::TicketKind;
    let counts: Vec<(Uuid, i64)> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::CustomerId)
        .column_as(ticket::Column::Id.count(), "n")
        .filter(ticket::Column::CustomerId.is_in(chunk.iter().copied()))
        .filter(ticket::Column::Kind.eq(TicketKind::Complaint.as_str()))
        .filter(ticket::Column::CreatedAt.gte(window_start))
        .filter(Condition::any().add(ticket::Column::Upheld.is_null()).add(ticket::Column::Upheld.eq(true)))
        .group_by(ticket::Column::CustomerId)
        .into_tuple()
        .all(conn)
        .await?;
    let tracked = tracked || !counts.is_empty() || {
        let workspaces = customer::Entity::find()
            .select_only()
            .column(customer::Column::WorkspaceId)
            .filter(customer::Column::Id.is_in(chunk.iter().copied()))
            .distinct();
        ticket::Entity::find()
            .select_only()
            .column(ticket::Column::Id)
            .filter(ticket::Column::WorkspaceId.in_subquery(workspaces.into_query()))
            .filter(ticket::Column::Kind.eq(TicketKind::Complaint.as_str()))
            .into_tuple::<Uuid>()
            .one(conn)
            .await?
            .is_some()
    };
    if tracked {
        for id in chunk {
            out.entry(*id).or_default().window_complaints = Some(0);
        }
        for (id, n) in counts {
            out.entry(id).or_default().window_complaints = Some(i32::try_from(n).unwrap_or(i32::MAX));
        }
    }
    Ok(())
}

/// Recomputes and stores the aggregates of `customer_id` and rates the customer on them (in the
/// caller's transaction): the new stars are in the answer of the write that caused them.
///
/// # Errors
/// Database failures; `NOT_FOUND` for a customer that does not exist.
pub async fn refresh(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
    trigger: Trigger,
) -> Result<Option<Outcome>, AppError> {
    refresh_at(conn, scope, customer_id, trigger, Utc::now()).await
}

/// [`refresh`] as of `now` (overrides that ran out by then end).
///
/// # Errors
/// Database failures; `NOT_FOUND` for a customer that does not exist.
pub async fn refresh_at(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
    trigger: Trigger,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>, AppError> {
    if !engine::realtime() {
        store_only(conn, scope, customer_id, now, Vec::new()).await?;
        return Ok(None);
    }
    let customer = customer::Entity::find_by_id(customer_id)
        .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "customer" })?;
    rate(conn, scope, &customer, trigger, now, Vec::new()).await.map(Some)
}

/// [`refresh`] of a customer the caller's transaction has just read (or created), sparing a
/// read of the row: `customer` must be as it is in the transaction.
///
/// # Errors
/// Database failures.
/// `also` are more columns of the customer to set in the same update.
///
/// # Errors
/// Database failures.
pub async fn refresh_loaded(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer: &customer::Model,
    trigger: Trigger,
    also: Vec<(customer::Column, Expr)>,
) -> Result<Option<Outcome>, AppError> {
    let now = Utc::now();
    if !engine::realtime() {
        store_only(conn, scope, customer.id, now, also).await?;
        return Ok(None);
    }
    rate(conn, scope, customer, trigger, now, also).await.map(Some)
}

async fn rate(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer: &customer::Model,
    trigger: Trigger,
    now: DateTime<Utc>,
    also: Vec<(customer::Column, Expr)>,
) -> Result<Outcome, AppError> {
    let ctx = Context::cached(conn, scope.workspace_id).await?;
    let mut basis = ctx.basis(now);
    if trigger == Trigger::Survey {
        // The answer being recorded counts, even the workspace's first (the cached context is
        // forgotten once it is committed).
        basis.surveys_answered = Some(true);
    }
    let agg = compute(conn, customer.id, &basis).await?;
    engine::store(conn, &ctx, customer, &agg, &Cause::of(scope, trigger), now, also).await
}

/// [`refresh`] for many customers of the caller's workspace at once (an import's batch): their
/// rows and aggregates are read in a few queries, then each is rated and stored. Returns the
/// customers as they were read (before the update), skipping ids not found.
///
/// # Errors
/// Database failures.
pub async fn refresh_many(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_ids: &[Uuid],
    trigger: Trigger,
) -> Result<Vec<customer::Model>, AppError> {
    let now = Utc::now();
    let mut customers = Vec::with_capacity(customer_ids.len());
    for chunk in customer_ids.chunks(500) {
        customers.extend(
            customer::Entity::find()
                .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
                .filter(customer::Column::Id.is_in(chunk.iter().copied()))
                .all(conn)
                .await?,
        );
    }
    if !engine::realtime() {
        for customer in &customers {
            store_only(conn, scope, customer.id, now, Vec::new()).await?;
        }
        return Ok(customers);
    }
    let ctx = Context::cached(conn, scope.workspace_id).await?;
    let ids: Vec<Uuid> = customers.iter().map(|c| c.id).collect();
    let aggs = compute_many(conn, &ids, &ctx.basis(now)).await?;
    let cause = Cause::of(scope, trigger);
    for customer in &customers {
        let agg = aggs.get(&customer.id).copied().unwrap_or_default();
        engine::store(conn, &ctx, customer, &agg, &cause, now, Vec::new()).await?;
    }
    Ok(customers)
}

/// The path without rating (the benchmark's baseline): aggregates only, as before the engine.
/// The aggregates stored without rating (real-time rating switched off), with `also` set in the
/// same update.
async fn store_only(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
    now: DateTime<Utc>,
    also: Vec<(customer::Column, Expr)>,
) -> Result<(), AppError> {
    let currency = workspace_currency(conn, scope.workspace_id).await?;
    let basis = Basis {
        currency: &currency,
        window_start: now,
        complaints_tracked: Some(false),
        surveys_answered: Some(false),
        now,
    };
    let agg = compute(conn, customer_id, &basis).await?;
    let mut update = agg.set(customer::Entity::update_many()).filter(customer::Column::Id.eq(customer_id));
    for (column, value) in also {
        update = update.col_expr(column, value);
    }
    update.exec(conn).await?;
    Ok(())
}

/// The workspace's currency: spend in any other currency is not summed.
///
/// # Errors
/// Database failures; `NOT_FOUND` when the workspace does not exist.
pub(crate) async fn workspace_currency(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> Result<String, AppError> {
    Ok(crate::entities::workspace::Entity::find_by_id(workspace_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "workspace" })?
        .currency)
}
