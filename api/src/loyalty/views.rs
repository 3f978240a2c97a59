//! What staff and members see of the points: a member's balance (spendable, pending, owed, what
//! expires soon), their lots and history, and the workspace's liability (points outstanding by
//! month of expiry, and the breakage history suggests).

use chrono::{DateTime, Duration, Months, Utc};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use starcrm_shared::Permission;
use starcrm_shared::loyalty::ledger as plan;
use uuid::Uuid;

use super::ledger::{live_lots, state};
use super::rules;
use crate::auth::Scope;
use crate::customers::service;
use crate::entities::{message, point_account, point_lot, point_operation, point_warning};
use crate::error::AppError;
use crate::surveys::scores::month_starts;

/// A member's points now.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Held less owed.
    pub balance: i64,
    pub spendable: i64,
    /// Earned but still in the pending period.
    pub pending: i64,
    pub debt: i64,
    /// Points that expire within the rule's warning period, and the first time some do.
    pub expiring_soon: i64,
    pub next_expiry: Option<DateTime<Utc>>,
}

/// A member's points summary. Needs `loyalty:read`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND`; database failures.
pub async fn summary(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
) -> Result<Summary, AppError> {
    scope.require(Permission::LoyaltyRead)?;
    let customer = service::find(conn, scope, customer_id).await?;
    summary_of(conn, scope, customer.id).await
}

/// [`summary`] for a customer already checked to be the caller's.
pub(crate) async fn summary_of(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
) -> Result<Summary, AppError> {
    let debt = point_account::Entity::find_by_id(customer_id)
        .filter(point_account::Column::WorkspaceId.eq(scope.workspace_id))
        .one(conn)
        .await?
        .map_or(0, |a| a.debt);
    let lots = live_lots(conn, customer_id).await?;
    let states: Vec<_> = lots.iter().map(state).collect();
    let now = Utc::now();
    let at = now.timestamp_millis();
    let warn_days = match rules::current(conn, scope.workspace_id).await? {
        Some(row) => {
            serde_json::from_str::<starcrm_shared::loyalty::EarnRule>(&row.rule).map_or(30, |r| r.warn_days)
        }
        None => 30,
    };
    let horizon = now + Duration::days(i64::from(warn_days));
    let live = lots.iter().filter(|l| l.expires_at.is_none_or(|e| e > now));
    let soon: Vec<&point_lot::Model> = live.filter(|l| l.expires_at.is_some_and(|e| e <= horizon)).collect();
    let spendable = plan::spendable(&states, at);
    let pending = plan::pending(&states, at);
    Ok(Summary {
        balance: spendable + pending - debt,
        spendable,
        pending,
        debt,
        expiring_soon: soon.iter().map(|l| l.remaining).sum(),
        next_expiry: soon.iter().filter_map(|l| l.expires_at).min(),
    })
}

/// A member's lots, the ones still holding points first (in the order they are spent), then the
/// used-up ones, newest first. Needs `loyalty:read`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND`; database failures.
pub async fn lots(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
    limit: u64,
) -> Result<Vec<point_lot::Model>, AppError> {
    scope.require(Permission::LoyaltyRead)?;
    let customer = service::find(conn, scope, customer_id).await?;
    let mut rows = point_lot::Entity::find()
        .filter(point_lot::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(point_lot::Column::CustomerId.eq(customer.id))
        .order_by_desc(point_lot::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    rows.sort_by_key(|l| (l.remaining == 0, l.expires_at.is_none(), l.expires_at, std::cmp::Reverse(l.id)));
    Ok(rows)
}

/// A member's history, newest first, `limit` operations before `before` (an operation id).
/// Needs `loyalty:read`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND`; database failures.
pub async fn history(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<point_operation::Model>, AppError> {
    scope.require(Permission::LoyaltyRead)?;
    let customer = service::find(conn, scope, customer_id).await?;
    let mut query = point_operation::Entity::find()
        .filter(point_operation::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(point_operation::Column::CustomerId.eq(customer.id));
    if let Some(before) = before {
        query = query.filter(point_operation::Column::Id.lt(before));
    }
    Ok(query.order_by_desc(point_operation::Column::Id).limit(limit).all(conn).await?)
}

/// The expiry warnings a member was given, newest first, each with the message that told them
/// (none when the business configured no message). Needs `loyalty:read`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND`; database failures.
pub async fn warnings(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
    limit: u64,
) -> Result<Vec<(point_warning::Model, Option<message::Model>)>, AppError> {
    scope.require(Permission::LoyaltyRead)?;
    let customer = service::find(conn, scope, customer_id).await?;
    let rows = point_warning::Entity::find()
        .filter(point_warning::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(point_warning::Column::CustomerId.eq(customer.id))
        .order_by_desc(point_warning::Column::ExpiresOn)
        .limit(limit)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().filter_map(|w| w.message_id).collect();
    let mut messages: std::collections::HashMap<Uuid, message::Model> = if ids.is_empty() {
        std::collections::HashMap::new()
    } else {
        message::Entity::find()
            .filter(message::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(message::Column::Id.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|w| {
            let m = w.message_id.and_then(|id| messages.remove(&id));
            (w, m)
        })
        .collect())
}

/// Points outstanding that expire in one month (in the workspace's zone).
#[derive(Clone, Debug)]
pub struct LiabilityMonth {
    pub month_start: DateTime<Utc>,
    /// `2027-03`, in the workspace's zone.
    pub label: String,
    pub points: i64,
}

/// The workspace's points liability.
#[derive(Clone, Debug)]
pub struct Liability {
    /// Points in lots (spendable and pending) not yet expired.
    pub outstanding: i64,
    /// Of those, points that never expire.
    pub never_expiring: i64,
    /// Points members owe.
    pub debt: i64,
    /// Expiring after the last month listed.
    pub later: i64,
    pub months: Vec<LiabilityMonth>,
    /// Of the points that left lots by expiry or redemption so far, the share that expired:
    /// `None` before any did.
    pub breakage_rate: Option<f64>,
    /// Outstanding expiring points times the breakage rate.
    pub expected_breakage: Option<i64>,
}

/// Months the liability lists.
pub const LIABILITY_MONTHS: usize = 24;

/// The workspace's liability by month of expiry. Needs `loyalty:read`. One grouped scan of the
/// live lots (their partial index), one sum of the debt, one of the journal for breakage.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn liability(db: &DatabaseConnection, scope: &Scope) -> Result<Liability, AppError> {
    use point_lot::Column as L;
    scope.require(Permission::LoyaltyRead)?;
    let now = Utc::now();
    let tz = crate::ratings::engine::Context::cached(db, scope.workspace_id).await?.tz;
    let horizon = now.checked_add_months(Months::new(u32::try_from(LIABILITY_MONTHS - 1).unwrap_or(0)));
    let starts = month_starts(now, horizon.unwrap_or(now), tz)?;
    // The month index of a lot's expiry: -1 never, 0.. the months listed, the last index later.
    let mut case = CaseStatement::new().case(Expr::col(L::ExpiresAt).is_null(), -1);
    for (i, end) in starts.iter().enumerate().skip(1) {
        // Points that expire at the first instant of a month were the month before's.
        case = case.case(Expr::col(L::ExpiresAt).lte(*end), i32::try_from(i - 1).unwrap_or(i32::MAX));
    }
    let later_index = i32::try_from(starts.len() - 1).unwrap_or(i32::MAX);
    let case: SimpleExpr = case.finally(later_index).into();
    let rows: Vec<(i32, Option<i64>)> = point_lot::Entity::find()
        .select_only()
        .column_as(case, "month_index")
        .column_as(Expr::col(L::Remaining).sum().cast_as("BIGINT"), "points")
        .filter(L::WorkspaceId.eq(scope.workspace_id))
        .filter(L::Remaining.gt(0))
        .filter(Condition::any().add(L::ExpiresAt.is_null()).add(L::ExpiresAt.gt(now)))
        .group_by(Expr::cust("month_index"))
        .into_tuple()
        .all(db)
        .await?;
    let at = |index: i32| rows.iter().find(|(i, _)| *i == index).and_then(|(_, p)| *p).unwrap_or(0);
    let months: Vec<LiabilityMonth> = starts
        .iter()
        .take(starts.len() - 1)
        .enumerate()
        .map(|(i, start)| LiabilityMonth {
            month_start: *start,
            label: start.with_timezone(&tz).format("%Y-%m").to_string(),
            points: at(i32::try_from(i).unwrap_or(i32::MAX)),
        })
        .collect();
    let never_expiring = at(-1);
    let later = at(later_index);
    let outstanding = rows.iter().filter_map(|(_, p)| *p).sum();
    let debt: i64 = point_account::Entity::find()
        .select_only()
        .column_as(Expr::col(point_account::Column::Debt).sum().cast_as("BIGINT"), "debt")
        .filter(point_account::Column::WorkspaceId.eq(scope.workspace_id))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0);
    let breakage_rate = breakage(db, scope).await?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let expected_breakage =
        breakage_rate.map(|rate| ((outstanding - never_expiring) as f64 * rate).round() as i64);
    Ok(Liability { outstanding, never_expiring, debt, later, months, breakage_rate, expected_breakage })
}

/// Expired / (expired + redeemed) over the workspace's history.
async fn breakage(db: &DatabaseConnection, scope: &Scope) -> Result<Option<f64>, AppError> {
    let sums: Vec<(String, Option<i64>)> = point_operation::Entity::find()
        .select_only()
        .column(point_operation::Column::Kind)
        .column_as(Expr::col(point_operation::Column::Points).sum().cast_as("BIGINT"), "points")
        .filter(point_operation::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(point_operation::Column::Kind.is_in(["expire", "redeem"]))
        .group_by(point_operation::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let of = |kind: &str| sums.iter().find(|(k, _)| k == kind).and_then(|(_, p)| *p).unwrap_or(0).abs();
    let (expired, redeemed) = (of("expire"), of("redeem"));
    #[allow(clippy::cast_precision_loss)]
    Ok((expired + redeemed > 0).then(|| expired as f64 / (expired + redeemed) as f64))
}
