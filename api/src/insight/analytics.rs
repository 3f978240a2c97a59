//! The dashboards' figures (issue 22), each one set-based statement (or a few) over the
//! workspace, never a query per customer: the star distribution month by month and the
//! migration matrix between two dates (from the star history), revenue, orders, NPS, CSAT, churn
//! and SLA hits by star level, cohort retention, the lifecycle funnel, campaign ROI and demand
//! with its forecast.
//!
//! Months are the workspace's: its offset from UTC today is applied to every timestamp, and a
//! month is `year * 12 + month - 1` (`shared::insight::analytics::month_index`).

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use starcrm_shared::Permission;
use starcrm_shared::customer::{LifecycleStage, TransactionKind, TransactionStatus};
use starcrm_shared::insight::analytics::{
    CampaignRoi, Cohort, Demand, DemandSeries, HORIZON, LevelFigures, StageCount, StarMigration,
    StarTrendPoint, month_index, month_label,
};
use starcrm_shared::surveys::SurveyKind;
use uuid::Uuid;

use super::pass::offset_of;
use crate::auth::Scope;
use crate::error::AppError;
use crate::ratings::engine::Context;

/// Live customers (not deleted, merged away or erased), as `c`.
const LIVE: &str = "c.merged_into IS NULL AND c.deleted_at IS NULL AND c.erased_at IS NULL";

/// Most categories the demand view keeps apart; the rest add up in one series keyed `*`.
const CATEGORIES: usize = 8;

/// What every figure needs: the caller's workspace, its currency and months.
pub struct Frame {
    pub workspace_id: Uuid,
    pub currency: String,
    /// Seconds the workspace's clock is ahead of UTC today.
    pub offset: i32,
    pub now: DateTime<Utc>,
    pub backend: DbBackend,
}

impl Frame {
    /// Checks the caller may read the dashboards (`customers:read` and `ratings:read`).
    ///
    /// # Errors
    /// `FORBIDDEN`; database failures.
    pub async fn of(
        conn: &impl ConnectionTrait,
        scope: &Scope,
        now: DateTime<Utc>,
    ) -> Result<Self, AppError> {
        scope.require(Permission::CustomersRead)?;
        scope.require(Permission::RatingsRead)?;
        let ctx = Context::cached(conn, scope.workspace_id).await?;
        Ok(Self {
            workspace_id: scope.workspace_id,
            currency: ctx.currency.clone(),
            offset: offset_of(ctx.tz, now),
            now,
            backend: conn.get_database_backend(),
        })
    }

    /// The month number of `at` on the workspace's clock.
    pub fn month_of(&self, at: DateTime<Utc>) -> i64 {
        let local = at + Duration::seconds(i64::from(self.offset));
        month_index(chrono::Datelike::year(&local), chrono::Datelike::month(&local))
    }

    /// The instant month `index` starts on the workspace's clock.
    pub fn month_start(&self, index: i64) -> DateTime<Utc> {
        let year = i32::try_from(index.div_euclid(12)).unwrap_or(1970);
        let month = u32::try_from(index.rem_euclid(12) + 1).unwrap_or(1);
        let day = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
        Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
            - Duration::seconds(i64::from(self.offset))
    }

    /// The instant day `day` starts on the workspace's clock.
    pub fn day_start(&self, day: NaiveDate) -> DateTime<Utc> {
        Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
            - Duration::seconds(i64::from(self.offset))
    }

    /// Today on the workspace's clock.
    pub fn today(&self) -> NaiveDate {
        (self.now + Duration::seconds(i64::from(self.offset))).date_naive()
    }

    /// The month number of `column` (a timestamp) in SQL.
    fn month_sql(&self, column: &str) -> String {
        let offset = self.offset;
        match self.backend {
            DbBackend::Postgres => format!(
                "CAST(EXTRACT(YEAR FROM ({column} AT TIME ZONE 'UTC') + INTERVAL '{offset} seconds') * 12 \
                 + EXTRACT(MONTH FROM ({column} AT TIME ZONE 'UTC') + INTERVAL '{offset} seconds') - 1 AS BIGINT)"
            ),
            _ => format!(
                "(CAST(strftime('%Y', {column}, '{offset:+} seconds') AS INTEGER) * 12 \
                 + CAST(strftime('%m', {column}, '{offset:+} seconds') AS INTEGER) - 1)"
            ),
        }
    }

    /// A timestamp parameter whose type the statement cannot infer (in a select list).
    fn ts(&self, n: usize) -> String {
        match self.backend {
            DbBackend::Postgres => format!("CAST(${n} AS TIMESTAMPTZ)"),
            _ => format!("${n}"),
        }
    }

    async fn rows(
        &self,
        conn: &impl ConnectionTrait,
        sql: String,
        values: impl IntoIterator<Item = Value>,
    ) -> Result<Vec<QueryResult>, AppError> {
        Ok(conn.query_all_raw(Statement::from_sql_and_values(self.backend, sql, values)).await?)
    }
}

fn level(stars: Option<i64>) -> usize {
    stars.and_then(|s| usize::try_from(s).ok()).filter(|s| *s <= 5).unwrap_or(0)
}

/// Each star row of live customers with its validity: from `created_at` until the customer's
/// next row (`until`, null for the latest), counting rows up to `$2`.
const HISTORY: &str = "SELECT s.customer_id, s.stars_after, s.created_at, \
       LEAD(s.created_at) OVER (PARTITION BY s.customer_id ORDER BY s.created_at, s.id) AS until \
     FROM star_history s JOIN customers c ON c.id = s.customer_id \
     WHERE s.workspace_id = $1 AND s.created_at <= $2 AND ";

/// The customers at each star level at the end of each of the last `months` months (the
/// current one: now), oldest first, as today's customers' star history tells it.
///
/// # Errors
/// Database failures.
pub async fn star_trend(
    conn: &impl ConnectionTrait,
    f: &Frame,
    months: u32,
) -> Result<Vec<StarTrendPoint>, AppError> {
    let current = f.month_of(f.now);
    let points: Vec<(i64, DateTime<Utc>)> = (0..i64::from(months))
        .rev()
        .map(|back| {
            let month = current - back;
            let end = if back == 0 { f.now } else { f.month_start(month + 1) - Duration::microseconds(1) };
            (month, end)
        })
        .collect();
    let at = points
        .iter()
        .enumerate()
        .map(|(k, _)| format!("SELECT CAST({k} AS BIGINT) AS k, {} AS at", f.ts(k + 3)))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let sql = format!(
        "WITH h AS ({HISTORY} {LIVE}), m AS ({at}) \
         SELECT m.k, COALESCE(h.stars_after, 0), COUNT(*) FROM m \
         JOIN h ON h.created_at <= m.at AND (h.until IS NULL OR h.until > m.at) \
         GROUP BY m.k, COALESCE(h.stars_after, 0)"
    );
    let mut values: Vec<Value> = vec![f.workspace_id.into(), f.now.into()];
    values.extend(points.iter().map(|(_, end)| Value::from(*end)));
    let mut out: Vec<StarTrendPoint> =
        points.iter().map(|(m, _)| StarTrendPoint { month: month_label(*m), counts: vec![0; 6] }).collect();
    for row in f.rows(conn, sql, values).await? {
        let k: i64 = row.try_get_by_index(0)?;
        let stars = small(&row, 1)?;
        let n: i64 = row.try_get_by_index(2)?;
        if let Some(point) = usize::try_from(k).ok().and_then(|k| out.get_mut(k)) {
            point.counts[level(stars)] += n;
        }
    }
    Ok(out)
}

/// `matrix[stars on from][stars on to]` of today's customers (0: not rated then), each date's
/// end on the workspace's clock.
///
/// # Errors
/// `BAD_USER_INPUT` (`from`) when `from` is not before `to`; database failures.
pub async fn star_migration(
    conn: &impl ConnectionTrait,
    f: &Frame,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<StarMigration, AppError> {
    if from >= to {
        return Err(AppError::bad_input("from", "must be before `to`"));
    }
    let end = |day: NaiveDate| (f.day_start(day) + Duration::days(1) - Duration::microseconds(1)).min(f.now);
    let (at_from, at_to) = (end(from), end(to));
    let sql = format!(
        "WITH h AS ({HISTORY} {LIVE}), \
         a AS (SELECT customer_id, stars_after AS stars FROM h WHERE created_at <= $3 AND (until IS NULL OR until > $3)), \
         b AS (SELECT customer_id, stars_after AS stars FROM h WHERE until IS NULL) \
         SELECT COALESCE(a.stars, 0), COALESCE(b.stars, 0), COUNT(*) FROM b LEFT JOIN a ON a.customer_id = b.customer_id \
         GROUP BY COALESCE(a.stars, 0), COALESCE(b.stars, 0)"
    );
    let mut matrix = vec![vec![0_i64; 6]; 6];
    for row in f.rows(conn, sql, [f.workspace_id.into(), at_to.into(), at_from.into()]).await? {
        let before = small(&row, 0)?;
        let after = small(&row, 1)?;
        let n: i64 = row.try_get_by_index(2)?;
        matrix[level(before)][level(after)] += n;
    }
    Ok(StarMigration::of(from.to_string(), to.to_string(), matrix))
}

/// A small integer column (SQLite gives i64, PostgreSQL the column's own i16 or i32).
fn small(row: &QueryResult, index: usize) -> Result<Option<i64>, AppError> {
    if let Ok(v) = row.try_get_by_index::<Option<i64>>(index) {
        return Ok(v);
    }
    if let Ok(v) = row.try_get_by_index::<Option<i32>>(index) {
        return Ok(v.map(i64::from));
    }
    Ok(row.try_get_by_index::<Option<i16>>(index)?.map(i64::from))
}

/// Revenue, orders, NPS, CSAT, churn and SLA hits by star level over `[since, now)`. Survey
/// scores need `surveys:read` (without it they are left empty).
///
/// # Errors
/// Database failures.
pub async fn by_star_level(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    f: &Frame,
    since: DateTime<Utc>,
) -> Result<Vec<LevelFigures>, AppError> {
    let mut levels: Vec<LevelFigures> =
        (0..=5).map(|stars| LevelFigures { stars, ..LevelFigures::default() }).collect();
    let (purchase, refunded) = (TransactionKind::Purchase.as_str(), TransactionStatus::Refunded.as_str());
    let churned = LifecycleStage::Churned.as_str();
    let ws = f.workspace_id;

    let sql = format!(
        "SELECT c.stars, COUNT(*), SUM(CASE WHEN c.order_count > 0 THEN 1 ELSE 0 END), \
           SUM(CASE WHEN c.order_count > 0 AND c.lifecycle_stage = '{churned}' THEN 1 ELSE 0 END) \
         FROM customers c WHERE c.workspace_id = $1 AND {LIVE} GROUP BY c.stars"
    );
    for row in f.rows(conn, sql, [ws.into()]).await? {
        let l = &mut levels[level(small(&row, 0)?)];
        l.customers += row.try_get_by_index::<i64>(1)?;
        l.bought_ever += row.try_get_by_index::<Option<i64>>(2)?.unwrap_or(0);
        l.churned += row.try_get_by_index::<Option<i64>>(3)?.unwrap_or(0);
    }

    let sql = format!(
        "SELECT c.stars, COUNT(DISTINCT t.customer_id), \
           SUM(CASE WHEN t.status <> '{refunded}' THEN 1 ELSE 0 END), \
           CAST(SUM(t.amount_minor - t.refunded_minor) AS BIGINT) \
         FROM transactions t JOIN customers c ON c.id = t.customer_id \
         WHERE t.workspace_id = $1 AND t.kind = '{purchase}' AND t.currency = $2 AND t.occurred_at >= $3 \
           AND t.occurred_at < $4 AND {LIVE} \
         GROUP BY c.stars"
    );
    let values = [ws.into(), f.currency.clone().into(), since.into(), f.now.into()];
    for row in f.rows(conn, sql, values).await? {
        let l = &mut levels[level(small(&row, 0)?)];
        l.buyers += row.try_get_by_index::<i64>(1)?;
        l.orders += row.try_get_by_index::<Option<i64>>(2)?.unwrap_or(0);
        l.revenue_minor += row.try_get_by_index::<Option<i64>>(3)?.unwrap_or(0);
    }

    let mut groups = [(0_i64, 0_i64, 0_i64); 6];
    if scope.can(Permission::SurveysRead) {
        let (nps, csat) = (SurveyKind::Nps.as_str(), SurveyKind::Csat.as_str());
        let sql = format!(
            "SELECT c.stars, r.kind, COUNT(*), \
               SUM(CASE WHEN r.score >= 9 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score <= 6 THEN 1 ELSE 0 END), \
               SUM(CASE WHEN r.score >= 4 THEN 1 ELSE 0 END) \
             FROM survey_responses r JOIN customers c ON c.id = r.customer_id \
             WHERE r.workspace_id = $1 AND r.answered_at >= $2 AND r.answered_at < $3 AND r.kind IN ('{nps}', '{csat}') \
               AND c.merged_into IS NULL \
             GROUP BY c.stars, r.kind"
        );
        for row in f.rows(conn, sql, [ws.into(), since.into(), f.now.into()]).await? {
            let i = level(small(&row, 0)?);
            let kind: String = row.try_get_by_index(1)?;
            let n: i64 = row.try_get_by_index(2)?;
            let high = row.try_get_by_index::<Option<i64>>(3)?.unwrap_or(0);
            let low = row.try_get_by_index::<Option<i64>>(4)?.unwrap_or(0);
            let satisfied = row.try_get_by_index::<Option<i64>>(5)?.unwrap_or(0);
            if kind == nps {
                levels[i].nps_answers += n;
                groups[i].0 += high;
                groups[i].1 += low;
            } else {
                levels[i].csat_answers += n;
                groups[i].2 += satisfied;
            }
        }
    }

    // A ticket's outcome is known once it is solved or closed, or a deadline was missed.
    let sql = "SELECT t.stars, \
           SUM(CASE WHEN t.solved_at IS NOT NULL OR t.closed_at IS NOT NULL \
                      OR EXISTS (SELECT 1 FROM sla_misses m WHERE m.ticket_id = t.id) THEN 1 ELSE 0 END), \
           SUM(CASE WHEN (t.solved_at IS NOT NULL OR t.closed_at IS NOT NULL) \
                      AND NOT EXISTS (SELECT 1 FROM sla_misses m WHERE m.ticket_id = t.id) THEN 1 ELSE 0 END) \
         FROM tickets t WHERE t.workspace_id = $1 AND t.sla_policy_id IS NOT NULL \
           AND t.created_at >= $2 AND t.created_at < $3 \
         GROUP BY t.stars"
        .to_owned();
    for row in f.rows(conn, sql, [ws.into(), since.into(), f.now.into()]).await? {
        let l = &mut levels[level(small(&row, 0)?)];
        l.sla_decided += row.try_get_by_index::<Option<i64>>(1)?.unwrap_or(0);
        l.sla_met += row.try_get_by_index::<Option<i64>>(2)?.unwrap_or(0);
    }
    for (l, (promoters, detractors, satisfied)) in levels.iter_mut().zip(groups) {
        l.finish(promoters, detractors, satisfied);
    }
    Ok(levels)
}

/// The live customers whose first purchase fell in each of the last `months` months (the
/// current one included), and how many bought again in each month after.
///
/// # Errors
/// Database failures.
pub async fn cohorts(conn: &impl ConnectionTrait, f: &Frame, months: u32) -> Result<Vec<Cohort>, AppError> {
    let current = f.month_of(f.now);
    let first = current - i64::from(months) + 1;
    let month = f.month_sql("t.occurred_at");
    let (purchase, refunded) = (TransactionKind::Purchase.as_str(), TransactionStatus::Refunded.as_str());
    let sql = format!(
        "WITH p AS (SELECT DISTINCT t.customer_id, {month} AS m \
           FROM transactions t JOIN customers c ON c.id = t.customer_id \
           WHERE t.workspace_id = $1 AND t.kind = '{purchase}' AND t.status <> '{refunded}' AND t.occurred_at < $2 \
             AND {LIVE}), \
         f AS (SELECT customer_id, MIN(m) AS c FROM p GROUP BY customer_id) \
         SELECT f.c, p.m - f.c, COUNT(*) FROM p JOIN f ON f.customer_id = p.customer_id \
         WHERE f.c >= $3 GROUP BY f.c, p.m - f.c"
    );
    let mut table: Vec<Vec<i64>> =
        (first..=current).map(|m| vec![0; usize::try_from(current - m + 1).unwrap_or(0)]).collect();
    for row in f.rows(conn, sql, [f.workspace_id.into(), f.now.into(), first.into()]).await? {
        let cohort: i64 = row.try_get_by_index(0)?;
        let after: i64 = row.try_get_by_index(1)?;
        let n: i64 = row.try_get_by_index(2)?;
        let cell = usize::try_from(cohort - first)
            .ok()
            .and_then(|c| table.get_mut(c))
            .and_then(|r| usize::try_from(after).ok().and_then(|a| r.get_mut(a)));
        if let Some(cell) = cell {
            *cell += n;
        }
    }
    Ok((first..=current).zip(table).map(|(m, retained)| Cohort::of(m, retained)).collect())
}

/// Live customers by lifecycle stage (every stage, in the funnel's order) with the value at
/// risk among them.
///
/// # Errors
/// Database failures.
pub async fn lifecycle_funnel(conn: &impl ConnectionTrait, f: &Frame) -> Result<Vec<StageCount>, AppError> {
    let sql = format!(
        "SELECT c.lifecycle_stage, COUNT(*), CAST(SUM(COALESCE(i.value_at_risk_minor, 0)) AS BIGINT) \
         FROM customers c LEFT JOIN customer_insight i ON i.customer_id = c.id \
         WHERE c.workspace_id = $1 AND {LIVE} GROUP BY c.lifecycle_stage"
    );
    let mut out: Vec<StageCount> = LifecycleStage::ALL
        .iter()
        .map(|&stage| StageCount { stage, customers: 0, value_at_risk_minor: 0 })
        .collect();
    for row in f.rows(conn, sql, [f.workspace_id.into()]).await? {
        let stage: String = row.try_get_by_index(0)?;
        if let Some(s) = out.iter_mut().find(|s| s.stage.as_str() == stage) {
            s.customers += row.try_get_by_index::<i64>(1)?;
            s.value_at_risk_minor += row.try_get_by_index::<Option<i64>>(2)?.unwrap_or(0);
        }
    }
    Ok(out)
}

/// The latest `first` launched campaigns with their outcome. Needs `campaigns:manage`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn campaign_roi(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    first: usize,
) -> Result<Vec<CampaignRoi>, AppError> {
    scope.require(Permission::CampaignsManage)?;
    let mut launched: Vec<_> = crate::marketing::campaigns::list(conn, scope)
        .await?
        .into_iter()
        .filter(|c| c.row.launched_at.is_some())
        .collect();
    launched.sort_by_key(|c| std::cmp::Reverse(c.row.launched_at));
    launched.truncate(first);
    let mut out = Vec::with_capacity(launched.len());
    for c in launched {
        let r = crate::marketing::report::compute(conn, &c).await?;
        out.push(CampaignRoi {
            id: c.row.id.to_string(),
            name: c.row.name.clone(),
            launched_at: c.row.launched_at.map(|t| t.to_rfc3339()),
            delivered: i64::try_from(r.delivered).unwrap_or(i64::MAX),
            revenue_minor: r.revenue_minor,
            incremental_revenue_minor: r.incremental_revenue_minor,
            cost_minor: r.cost_minor,
            roi: r.roi,
            lift_points: r.lift.as_ref().map(|l| l.lift * 100.0),
            significant: r.lift.as_ref().is_some_and(|l| l.significant),
        });
    }
    Ok(out)
}

/// Sales of the last `months` complete months by category (items' prices) and by the buyers'
/// stars today (purchases net of refunds), in the workspace currency, each with its forecast
/// for the next [`HORIZON`] months and its error on the last quarter held out.
///
/// # Errors
/// Database failures.
pub async fn demand(conn: &impl ConnectionTrait, f: &Frame, months: u32) -> Result<Demand, AppError> {
    let current = f.month_of(f.now);
    let first = current - i64::from(months);
    let (start, end) = (f.month_start(first), f.month_start(current));
    let width = usize::try_from(months).unwrap_or(0);
    let slot = |m: i64| usize::try_from(m - first).ok().filter(|k| *k < width);
    let month = f.month_sql("t.occurred_at");
    let (purchase, refunded) = (TransactionKind::Purchase.as_str(), TransactionStatus::Refunded.as_str());
    let filter = format!(
        "t.workspace_id = $1 AND t.kind = '{purchase}' AND t.status <> '{refunded}' AND t.currency = $2 \
         AND t.occurred_at >= $3 AND t.occurred_at < $4"
    );
    let values = || [f.workspace_id.into(), f.currency.clone().into(), start.into(), end.into()];

    let sql = format!(
        "SELECT {month}, COALESCE(i.category, ''), CAST(SUM(i.quantity * i.unit_price_minor) AS BIGINT) \
         FROM transaction_items i JOIN transactions t ON t.id = i.transaction_id \
         WHERE {filter} GROUP BY {month}, COALESCE(i.category, '')"
    );
    let mut categories: Vec<(String, Vec<i64>)> = Vec::new();
    for row in f.rows(conn, sql, values()).await? {
        let m: i64 = row.try_get_by_index(0)?;
        let key: String = row.try_get_by_index(1)?;
        let sales = row.try_get_by_index::<Option<i64>>(2)?.unwrap_or(0);
        let Some(k) = slot(m) else { continue };
        let p = categories.iter().position(|(c, _)| *c == key).unwrap_or_else(|| {
            categories.push((key, vec![0; width]));
            categories.len() - 1
        });
        let series = &mut categories[p].1;
        series[k] += sales;
    }
    categories.sort_by(|a, b| b.1.iter().sum::<i64>().cmp(&a.1.iter().sum::<i64>()).then(a.0.cmp(&b.0)));
    if categories.len() > CATEGORIES {
        let rest = categories.split_off(CATEGORIES - 1);
        let mut other = vec![0; width];
        for (_, series) in rest {
            for (o, v) in other.iter_mut().zip(series) {
                *o += v;
            }
        }
        categories.push(("*".to_owned(), other));
    }

    let sql = format!(
        "SELECT {month}, c.stars, CAST(SUM(t.amount_minor - t.refunded_minor) AS BIGINT) \
         FROM transactions t JOIN customers c ON c.id = t.customer_id \
         WHERE {filter} AND c.merged_into IS NULL GROUP BY {month}, c.stars"
    );
    let mut levels = vec![vec![0_i64; width]; 6];
    for row in f.rows(conn, sql, values()).await? {
        let m: i64 = row.try_get_by_index(0)?;
        let s = level(small(&row, 1)?);
        let sales = row.try_get_by_index::<Option<i64>>(2)?.unwrap_or(0);
        if let Some(k) = slot(m) {
            levels[s][k] += sales;
        }
    }
    Ok(Demand {
        months: (first..current).map(month_label).collect(),
        forecast_months: (current..current + i64::try_from(HORIZON).unwrap_or(3)).map(month_label).collect(),
        by_category: categories
            .into_iter()
            .map(|(key, sales)| DemandSeries::of(key, sales, HORIZON))
            .collect(),
        by_stars: levels
            .into_iter()
            .enumerate()
            .filter(|(s, sales)| *s > 0 || sales.iter().any(|v| *v != 0))
            .map(|(s, sales)| DemandSeries::of(s.to_string(), sales, HORIZON))
            .collect(),
    })
}
