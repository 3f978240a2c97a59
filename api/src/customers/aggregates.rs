//! Per-customer aggregates over their transactions (total spend, order count, first and last
//! purchase, distinct categories), recomputed from the rows after every write that touches them,
//! so they cannot drift. The star engine reads them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use starcrm_shared::customer::{TransactionKind, TransactionStatus};
use uuid::Uuid;

use crate::entities::{customer, transaction, transaction_item, workspace};
use crate::error::AppError;

/// The aggregates of one customer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Aggregates {
    /// Purchases minus refunds, in the workspace currency (other currencies are not summed).
    pub total_spend_minor: i64,
    /// Purchases not refunded in full.
    pub order_count: i32,
    pub first_purchase_at: Option<DateTime<Utc>>,
    pub last_purchase_at: Option<DateTime<Utc>>,
    pub category_count: i32,
}

/// Reads a customer's purchases and computes their aggregates.
///
/// # Errors
/// Database failures.
pub async fn compute(
    conn: &impl ConnectionTrait,
    customer_id: Uuid,
    currency: &str,
) -> Result<Aggregates, AppError> {
    let purchases: Vec<(i64, i64, String, DateTime<Utc>, String)> = transaction::Entity::find()
        .select_only()
        .column(transaction::Column::AmountMinor)
        .column(transaction::Column::RefundedMinor)
        .column(transaction::Column::Status)
        .column(transaction::Column::OccurredAt)
        .column(transaction::Column::Currency)
        .filter(transaction::Column::CustomerId.eq(customer_id))
        .filter(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = Aggregates::default();
    for (amount, refunded, status, at, row_currency) in purchases {
        if row_currency == currency {
            out.total_spend_minor = out.total_spend_minor.saturating_add(amount - refunded);
        }
        if status != TransactionStatus::Refunded.as_str() {
            out.order_count += 1;
            out.first_purchase_at = Some(out.first_purchase_at.map_or(at, |f| f.min(at)));
            out.last_purchase_at = Some(out.last_purchase_at.map_or(at, |l| l.max(at)));
        }
    }
    let categories: Vec<Option<String>> = transaction_item::Entity::find()
        .select_only()
        .column(transaction_item::Column::Category)
        .distinct()
        .filter(
            transaction_item::Column::TransactionId.in_subquery(
                Query::select()
                    .column(transaction::Column::Id)
                    .from(transaction::Entity)
                    .and_where(transaction::Column::CustomerId.eq(customer_id))
                    .and_where(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()))
                    .and_where(transaction::Column::Status.ne(TransactionStatus::Refunded.as_str()))
                    .to_owned(),
            ),
        )
        .filter(transaction_item::Column::Category.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    out.category_count = i32::try_from(categories.len()).unwrap_or(i32::MAX);
    Ok(out)
}

/// Recomputes and stores the aggregates of `customer_id` (in the caller's transaction).
///
/// # Errors
/// Database failures.
pub async fn refresh(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    customer_id: Uuid,
) -> Result<Aggregates, AppError> {
    let currency = workspace::Entity::find_by_id(workspace_id)
        .one(conn)
        .await?
        .map_or_else(|| "CNY".to_owned(), |w| w.currency);
    let agg = compute(conn, customer_id, &currency).await?;
    customer::Entity::update_many()
        .col_expr(customer::Column::TotalSpendMinor, Expr::value(agg.total_spend_minor))
        .col_expr(customer::Column::OrderCount, Expr::value(agg.order_count))
        .col_expr(customer::Column::FirstPurchaseAt, Expr::value(agg.first_purchase_at))
        .col_expr(customer::Column::LastPurchaseAt, Expr::value(agg.last_purchase_at))
        .col_expr(customer::Column::CategoryCount, Expr::value(agg.category_count))
        .filter(customer::Column::Id.eq(customer_id))
        .exec(conn)
        .await?;
    Ok(agg)
}
