//! RFM scoring (issue 21): each buying customer's recency, frequency and monetary quintile and
//! named group (`starcrm_shared::marketing`), worked out per workspace in one set-based statement
//! and kept in `customer_rfm`. The segments worker runs it when a re-rating finishes and at least
//! daily; `recomputeRfm` runs it at once.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};
use starcrm_shared::Permission;
use starcrm_shared::marketing::{GRID, RfmGroup};
use uuid::Uuid;

use crate::auth::Scope;
use crate::entities::rfm_run;
use crate::error::AppError;

/// `CASE` over the recency (`r`) and frequency-monetary (`fm`) scores naming the group, from the
/// shared grid.
fn group_case() -> String {
    use std::fmt::Write as _;
    let mut sql = String::from("CASE");
    for (r, row) in GRID.iter().enumerate() {
        for (c, group) in row.iter().enumerate() {
            let _ = write!(sql, " WHEN s.r = {} AND s.fm = {} THEN '{}'", r + 1, c + 1, group.as_str());
        }
    }
    sql.push_str(" END");
    sql
}

/// The customers RFM scores (`$1` the workspace): live ones who have bought.
const SCORED: &str = "workspace_id = $1 AND merged_into IS NULL AND deleted_at IS NULL \
                      AND order_count > 0 AND last_purchase_at IS NOT NULL";

/// The scores of the workspace's live buying customers, as a `SELECT` of `(id, r, f, m, fm)`
/// with `$1` the workspace: what [`score`] stores and the benchmark times bare.
pub fn scores_sql() -> String {
    format!(
        "SELECT id, r, f, m, (f + m + 1) / 2 AS fm FROM (
           SELECT id,
             1 + 5 * (RANK() OVER (ORDER BY last_purchase_at) - 1) / COUNT(*) OVER () AS r,
             1 + 5 * (RANK() OVER (ORDER BY order_count) - 1) / COUNT(*) OVER () AS f,
             1 + 5 * (RANK() OVER (ORDER BY total_spend_minor) - 1) / COUNT(*) OVER () AS m
           FROM customers WHERE {SCORED}
         ) q"
    )
}

/// Works out the workspace's RFM scores again: writes the scores that changed (a row's
/// `computed_at` is when its scores were last set) and drops those of customers no longer
/// scored. Returns how many customers hold scores.
///
/// # Errors
/// Database failures.
pub async fn score(db: &DatabaseConnection, workspace_id: Uuid, now: DateTime<Utc>) -> Result<u64, AppError> {
    let started = std::time::Instant::now();
    let txn = crate::db::begin_write(db).await?;
    let backend = txn.get_database_backend();
    // Customers no longer scored (merged, deleted, every purchase reverted) lose their scores.
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        // NOT EXISTS, not NOT IN: PostgreSQL hashes a NOT IN list only while it fits in
        // `work_mem`, and compares row by row past that.
        "DELETE FROM customer_rfm WHERE workspace_id = $1 AND NOT EXISTS (SELECT 1 FROM customers c \
         WHERE c.id = customer_rfm.customer_id AND c.merged_into IS NULL AND c.deleted_at IS NULL \
         AND c.order_count > 0 AND c.last_purchase_at IS NOT NULL)",
        [workspace_id.into()],
    ))
    .await?;
    // Only scores that changed are written (found by a join, so unchanged rows are not even
    // locked): day to day most stay as they were.
    let sql = format!(
        "INSERT INTO customer_rfm (customer_id, workspace_id, recency, frequency, monetary, rfm_group, computed_at)
         SELECT s.id, $1, s.r, s.f, s.m, {}, $2 FROM ({}) s
         LEFT JOIN customer_rfm o ON o.customer_id = s.id
         WHERE o.customer_id IS NULL OR o.recency <> s.r OR o.frequency <> s.f OR o.monetary <> s.m
         ON CONFLICT (customer_id) DO UPDATE SET recency = excluded.recency, frequency = excluded.frequency,
           monetary = excluded.monetary, rfm_group = excluded.rfm_group, computed_at = excluded.computed_at",
        group_case(),
        scores_sql()
    );
    let written = txn
        .execute_raw(Statement::from_sql_and_values(backend, sql, [workspace_id.into(), now.into()]))
        .await?;
    let scored = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM customer_rfm WHERE workspace_id = $1",
            [workspace_id.into()],
        ))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    let scored = u64::try_from(scored).unwrap_or(0);
    let run = rfm_run::ActiveModel {
        workspace_id: sea_orm::Set(workspace_id),
        computed_at: sea_orm::Set(now),
        scored: sea_orm::Set(i64::try_from(scored).unwrap_or(i64::MAX)),
        duration_ms: sea_orm::Set(i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)),
    };
    rfm_run::Entity::insert(run)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(rfm_run::Column::WorkspaceId)
                .update_columns([
                    rfm_run::Column::ComputedAt,
                    rfm_run::Column::Scored,
                    rfm_run::Column::DurationMs,
                ])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    txn.commit().await?;
    // Many rows written (a first scoring, a big import): the planner's statistics of the table
    // are stale, and the next scoring's join against it would be planned for a small table.
    if written.rows_affected() > 10_000 {
        crate::db::refresh_statistics(db, &["customer_rfm"]).await?;
    }
    Ok(scored)
}

/// One cell of the RFM grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub recency: u8,
    /// Frequency and monetary together (their mean, rounded half up).
    pub fm: u8,
    pub group: RfmGroup,
    pub customers: u64,
    /// Their total spend, in minor units.
    pub spend_minor: i64,
}

/// The workspace's RFM grid as last scored.
#[derive(Clone, Debug)]
pub struct Grid {
    pub computed_at: Option<DateTime<Utc>>,
    pub duration_ms: i64,
    /// All 25 cells, recency 5 first.
    pub cells: Vec<Cell>,
    pub currency: String,
}

/// Reads the grid: customers and spend per cell, the live customers only. Needs
/// `customers:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn grid(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Grid, AppError> {
    scope.require(Permission::CustomersRead)?;
    let run = rfm_run::Entity::find_by_id(scope.workspace_id).one(conn).await?;
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            "SELECT CAST(r.recency AS BIGINT), CAST((r.frequency + r.monetary + 1) / 2 AS BIGINT),
                    CAST(COUNT(*) AS BIGINT), CAST(SUM(c.total_spend_minor) AS BIGINT)
             FROM customer_rfm r JOIN customers c ON c.id = r.customer_id
             WHERE r.workspace_id = $1 AND c.deleted_at IS NULL AND c.merged_into IS NULL
             GROUP BY 1, 2",
            [scope.workspace_id.into()],
        ))
        .await?;
    let mut counts = [[(0_u64, 0_i64); 5]; 5];
    for row in rows {
        let r: i64 = row.try_get_by_index(0)?;
        let fm: i64 = row.try_get_by_index(1)?;
        let n: i64 = row.try_get_by_index(2)?;
        let spend: Option<i64> = row.try_get_by_index(3)?;
        if let (Ok(r @ 1..=5), Ok(fm @ 1..=5)) = (usize::try_from(r), usize::try_from(fm)) {
            counts[r - 1][fm - 1] = (n.unsigned_abs(), spend.unwrap_or(0));
        }
    }
    let mut cells = Vec::with_capacity(25);
    for r in (1..=5_u8).rev() {
        for fm in 1..=5_u8 {
            let (customers, spend_minor) = counts[usize::from(r) - 1][usize::from(fm) - 1];
            let group = GRID[usize::from(r) - 1][usize::from(fm) - 1];
            cells.push(Cell { recency: r, fm, group, customers, spend_minor });
        }
    }
    let ctx = crate::ratings::engine::Context::cached(conn, scope.workspace_id).await?;
    Ok(Grid {
        computed_at: run.as_ref().map(|r| r.computed_at),
        duration_ms: run.map_or(0, |r| r.duration_ms),
        cells,
        currency: ctx.currency.clone(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_case_names_every_cell_once() {
        let case = super::group_case();
        assert_eq!(case.matches(" WHEN ").count(), 25);
        assert!(case.contains("WHEN s.r = 5 AND s.fm = 5 THEN 'champions'"));
        assert!(case.contains("WHEN s.r = 1 AND s.fm = 1 THEN 'lost'"));
    }
}
