//! The insight pass (issue 22), per workspace: reads every buying customer's purchase days with
//! one set-based query per page of customers (purchases grouped to days in the workspace's time
//! zone), fits BG/NBD, the modified BG/NBD and Gamma-Gamma (`starcrm_shared::insight::fit`),
//! checks the scoring model on a calibration/holdout split, scores every buying customer
//! (`customer_insight`), then moves lifecycle stages (`super::lifecycle`). Runs after each
//! re-rating and at least daily (`super::worker`), or at once from `recomputeInsight`.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use futures_util::TryStreamExt;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement, StreamTrait};
use starcrm_shared::customer::{TransactionKind, TransactionStatus};
use starcrm_shared::insight::fit::{CountData, FitError, SpendData};
use starcrm_shared::insight::lifecycle::Rhythm;
use starcrm_shared::insight::models::{CountParams, ModelKind, SpendParams, Summary, lifetime_value};
use starcrm_shared::insight::report::{
    CountReport, FitStatus, Holdout, ModelReport, SpendReport, calibrate, correlation, monetary_of,
    summary_of,
};
use uuid::Uuid;

use super::settings::Settings;
use crate::entities::customer_insight;
use crate::error::AppError;

/// Customers read per query.
const PAGE: u64 = 20_000;
/// Lifetime value: months ahead and the monthly discount rate.
pub const CLV_MONTHS: u32 = 12;
pub const MONTHLY_DISCOUNT: f64 = 0.01;
/// Rows written per statement and per transaction.
const WRITE_CHUNK: usize = 500;
const CHUNKS_PER_TXN: usize = 4;

/// One buying customer as read for the pass.
#[derive(Clone, Debug)]
pub struct Observed {
    pub id: Uuid,
    pub purchase_days: u32,
    pub first_day: i64,
    pub summary: Summary,
    /// Mean spend per purchase day (the repeat days' when there are some), minor units.
    pub monetary: f64,
    pub rhythm: Option<Rhythm>,
    /// The customer's standing at the calibration cut-off (first purchase on or before it).
    pub holdout: Option<Holdout>,
}

/// The day number (days since 1970-01-01 in the workspace's time zone at `offset` seconds from
/// UTC) of `occurred_at`, in SQL.
pub(crate) fn day_sql(backend: DbBackend, offset: i32) -> String {
    match backend {
        DbBackend::Postgres => {
            format!("CAST(FLOOR((EXTRACT(EPOCH FROM t.occurred_at) + {offset}) / 86400) AS BIGINT)")
        }
        _ => format!(
            "CAST(((julianday(t.occurred_at) - 2440587.5) * 86400.0 + {offset}) / 86400.0 AS INTEGER)"
        ),
    }
}

/// The day number of `at` at `offset` seconds from UTC.
pub fn day_of(at: DateTime<Utc>, offset: i32) -> i64 {
    (at.timestamp() + i64::from(offset)).div_euclid(86_400)
}

/// The workspace's offset from UTC now, in seconds.
pub fn offset_of(tz: chrono_tz::Tz, now: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&now.naive_utc()).fix().local_minus_utc()
}

/// `SELECT customer_id, day, spend` of purchases (not refunded, before `$3`) of live customers
/// with ids in (`$4`, `$5`], grouped to days, in customer and day order. `$1` workspace, `$2`
/// currency (spend in other currencies counts as a purchase day of 0).
pub fn days_sql(backend: DbBackend, offset: i32, bounded: bool) -> String {
    let day = day_sql(backend, offset);
    let upper = if bounded { "AND t.customer_id <= $5" } else { "" };
    format!(
        "SELECT t.customer_id, {day} AS day, \
           CAST(SUM(CASE WHEN t.currency = $2 THEN t.amount_minor - t.refunded_minor ELSE 0 END) AS BIGINT) AS spend \
         FROM transactions t JOIN customers c ON c.id = t.customer_id \
         WHERE t.workspace_id = $1 AND t.kind = '{purchase}' AND t.status <> '{refunded}' AND t.occurred_at < $3 \
           AND t.customer_id > $4 {upper} \
           AND c.merged_into IS NULL AND c.deleted_at IS NULL AND c.erased_at IS NULL \
         GROUP BY t.customer_id, {day} ORDER BY t.customer_id, day",
        purchase = TransactionKind::Purchase.as_str(),
        refunded = TransactionStatus::Refunded.as_str(),
    )
}

/// Reads every buying customer's purchase days, a page of customers at a time, as of `today`
/// (a day number); `cut_off` the calibration cut-off day, if any.
///
/// # Errors
/// Database failures.
pub async fn observe(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    currency: &str,
    (now, offset): (DateTime<Utc>, i32),
    cut_off: Option<i64>,
) -> Result<Vec<Observed>, AppError> {
    let backend = db.get_database_backend();
    let today = day_of(now, offset);
    let mut out = Vec::new();
    let mut after = Uuid::nil();
    loop {
        // The page's last customer id, so a page of customers with no purchase rows still ends.
        let upper: Option<Uuid> = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT id FROM customers WHERE workspace_id = $1 AND id > $2 AND order_count > 0 \
                     ORDER BY id LIMIT 1 OFFSET {}",
                    PAGE - 1
                ),
                [workspace_id.into(), after.into()],
            ))
            .await?
            .map(|row| row.try_get_by_index(0))
            .transpose()?;
        let mut values = vec![workspace_id.into(), currency.into(), now.into(), after.into()];
        values.extend(upper.map(sea_orm::Value::from));
        let stmt =
            Statement::from_sql_and_values(backend, days_sql(backend, offset, upper.is_some()), values);
        let mut stream = db.stream_raw(stmt).await?;
        let mut current: Option<Uuid> = None;
        let (mut days, mut spend) = (Vec::new(), Vec::new());
        while let Some(row) = stream.try_next().await? {
            let id: Uuid = row.try_get("", "customer_id")?;
            if current != Some(id) {
                if let Some(prev) = current {
                    out.extend(observed(prev, &days, &spend, today, cut_off));
                }
                current = Some(id);
                days.clear();
                spend.clear();
            }
            days.push(row.try_get::<i64>("", "day")?);
            spend.push(row.try_get::<i64>("", "spend")?);
        }
        drop(stream);
        if let Some(prev) = current {
            out.extend(observed(prev, &days, &spend, today, cut_off));
        }
        match upper {
            Some(id) => after = id,
            None => break,
        }
    }
    Ok(out)
}

/// A customer's observation from their purchase days (sorted, distinct) and spend per day.
pub fn observed(id: Uuid, days: &[i64], spend: &[i64], today: i64, cut_off: Option<i64>) -> Option<Observed> {
    let summary = summary_of(days, today)?;
    let holdout = cut_off.and_then(|cut| {
        let before = days.partition_point(|d| *d <= cut);
        let at_cut_off = summary_of(&days[..before], cut)?;
        Some(Holdout { at_cut_off, actual: u32::try_from(days.len() - before).unwrap_or(u32::MAX) })
    });
    Some(Observed {
        id,
        purchase_days: u32::try_from(days.len()).unwrap_or(u32::MAX),
        first_day: days[0],
        summary,
        monetary: monetary_of(spend),
        rhythm: Rhythm::of_days(days),
        holdout,
    })
}

/// The fitted models a pass scores with.
#[derive(Clone, Copy, Debug)]
pub struct Fitted {
    pub kind: ModelKind,
    pub count: Option<CountParams>,
    pub spend: Option<SpendParams>,
}

/// Days held out for the calibration check given the history's span: 90 days of a year or more,
/// a quarter of a shorter one; none under four weeks.
#[must_use]
pub fn holdout_days(span_days: i64) -> Option<u32> {
    match span_days {
        s if s >= 360 => Some(90),
        s if s >= 28 => u32::try_from(s / 4).ok(),
        _ => None,
    }
}

fn fit_error(err: &FitError) -> (FitStatus, String) {
    match err {
        FitError::TooLittleData { .. } => (FitStatus::TooLittleData, err.to_string()),
        FitError::NoConvergence(_) => (FitStatus::Failed, err.to_string()),
    }
}

/// Fits the models on `customers` and checks the scoring one on the calibration split.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn fit(
    customers: &[Observed],
    scoring: ModelKind,
    calibration: Option<(u32, String)>,
    observed_until: String,
) -> (ModelReport, Fitted) {
    let mut data = CountData::default();
    let mut spend = SpendData::default();
    let mut pairs = Vec::new();
    for c in customers {
        data.add(c.summary, 1.0);
        spend.add(c.summary.frequency, c.monetary, 1.0);
        if c.summary.frequency > 0.0 && c.monetary > 0.0 {
            pairs.push((c.summary.frequency, c.monetary));
        }
    }
    let mut report = ModelReport {
        status: FitStatus::Fitted,
        message: None,
        observed_until,
        customers: customers.len() as u64,
        repeat_buyers: customers.iter().filter(|c| c.summary.frequency > 0.0).count() as u64,
        distinct_summaries: data.distinct() as u64,
        scoring,
        count_models: Vec::new(),
        spend: None,
        calibration: None,
        recommendations: None,
    };
    let mut fitted = Fitted { kind: scoring, count: None, spend: None };
    for kind in [ModelKind::BgNbd, ModelKind::ModifiedBgNbd] {
        match data.fit(kind) {
            Ok(f) => {
                let p = f.params;
                report.count_models.push(CountReport {
                    kind,
                    r: p.r,
                    alpha: p.alpha,
                    a: p.a,
                    b: p.b,
                    log_likelihood: f.log_likelihood,
                    evaluations: f.evaluations,
                });
                if kind == scoring {
                    fitted.count = Some(p);
                }
            }
            Err(err) => {
                let (status, message) = fit_error(&err);
                report.status = status;
                report.message = Some(message);
                return (report, fitted);
            }
        }
    }
    match spend.fit() {
        Ok(f) if f.params.q > 1.0 => {
            report.spend = Some(SpendReport {
                p: f.params.p,
                q: f.params.q,
                v: f.params.v,
                log_likelihood: f.log_likelihood,
                customers: spend.customers() as u64,
                frequency_spend_correlation: correlation(&pairs),
            });
            fitted.spend = Some(f.params);
        }
        // Without a finite mean spend (q <= 1) or enough repeat buyers, each customer's own mean
        // stands in.
        Ok(_) | Err(_) => {}
    }
    if let Some((days, label)) = calibration {
        let mut calibration = CountData::default();
        let holdouts: Vec<Holdout> = customers.iter().filter_map(|c| c.holdout).collect();
        for h in &holdouts {
            calibration.add(h.at_cut_off, 1.0);
        }
        if let Ok(f) = calibration.fit(scoring) {
            report.calibration = Some(calibrate(&holdouts, &f.params, scoring, days, label));
        }
    }
    (report, fitted)
}

/// What the models say of one customer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    pub p_alive: f64,
    pub expected: [f64; 3],
    pub clv_minor: i64,
    pub value_at_risk_minor: i64,
    /// Days from now to the next expected purchase.
    pub next_in_days: f64,
}

/// Scores a customer with fitted models.
#[must_use]
#[allow(clippy::cast_possible_truncation)]
pub fn score(count: &CountParams, kind: ModelKind, spend: Option<&SpendParams>, c: &Observed) -> Scores {
    let s = c.summary;
    let p_alive = count.p_alive(kind, s);
    let per_purchase = spend.map_or(c.monetary, |g| g.expected_spend(s.frequency, c.monetary));
    let clv = lifetime_value(count, kind, s, per_purchase, CLV_MONTHS, MONTHLY_DISCOUNT);
    let rate = count.rate_if_alive(s);
    Scores {
        p_alive,
        expected: [30.0, 90.0, 365.0].map(|t| count.expected_purchases(kind, s, t)),
        clv_minor: clv.round() as i64,
        value_at_risk_minor: (clv * (1.0 - p_alive)).round() as i64,
        next_in_days: if rate > 0.0 { 1.0 / rate } else { f64::INFINITY },
    }
}

/// Writes every observed customer's row (scores when a model is fitted) and drops the rows of
/// customers no longer buying.
///
/// # Errors
/// Database failures.
#[allow(clippy::cast_possible_truncation, reason = "days and money far inside i32 / i64, rounded on purpose")]
pub async fn write(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
    customers: &[Observed],
    fitted: &Fitted,
) -> Result<(), AppError> {
    use customer_insight::Column as C;
    let rows: Vec<customer_insight::ActiveModel> = customers
        .iter()
        .map(|c| {
            let scores = fitted.count.map(|count| score(&count, fitted.kind, fitted.spend.as_ref(), c));
            let next = scores.and_then(|s| {
                let days = s.next_in_days;
                (days.is_finite() && days < 36_500.0)
                    .then(|| now + Duration::seconds((days * 86_400.0).round() as i64))
            });
            customer_insight::ActiveModel {
                customer_id: sea_orm::Set(c.id),
                workspace_id: sea_orm::Set(workspace_id),
                purchase_days: sea_orm::Set(i32::try_from(c.purchase_days).unwrap_or(i32::MAX)),
                recency_days: sea_orm::Set(c.summary.recency as i32),
                age_days: sea_orm::Set(c.summary.age as i32),
                monetary_minor: sea_orm::Set(c.monetary.round() as i64),
                median_gap_days: sea_orm::Set(c.rhythm.map(|r| r.median_days)),
                gap_spread_days: sea_orm::Set(c.rhythm.map(|r| r.spread_days)),
                p_alive: sea_orm::Set(scores.map(|s| s.p_alive)),
                expected30: sea_orm::Set(scores.map(|s| s.expected[0])),
                expected90: sea_orm::Set(scores.map(|s| s.expected[1])),
                expected365: sea_orm::Set(scores.map(|s| s.expected[2])),
                clv_minor: sea_orm::Set(scores.map(|s| s.clv_minor)),
                value_at_risk_minor: sea_orm::Set(scores.map(|s| s.value_at_risk_minor)),
                next_purchase_at: sea_orm::Set(next),
                computed_at: sea_orm::Set(now),
            }
        })
        .collect();
    let on_conflict = OnConflict::column(C::CustomerId)
        .update_columns([
            C::PurchaseDays,
            C::RecencyDays,
            C::AgeDays,
            C::MonetaryMinor,
            C::MedianGapDays,
            C::GapSpreadDays,
            C::PAlive,
            C::Expected30,
            C::Expected90,
            C::Expected365,
            C::ClvMinor,
            C::ValueAtRiskMinor,
            C::NextPurchaseAt,
            C::ComputedAt,
        ])
        .to_owned();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        // A few statements per transaction: the embedded database's single writer is not held
        // for the whole pass.
        let txn = crate::db::begin_write(db).await?;
        for _ in 0..CHUNKS_PER_TXN {
            let chunk: Vec<_> = rows.by_ref().take(WRITE_CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            customer_insight::Entity::insert_many(chunk)
                .on_conflict(on_conflict.clone())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
    }
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "DELETE FROM customer_insight WHERE workspace_id = $1 AND computed_at < $2",
        [workspace_id.into(), now.into()],
    ))
    .await?;
    Ok(())
}

/// Runs the pass for one workspace: observe, fit, score, write, then move lifecycle stages.
/// Returns the report stored.
///
/// # Errors
/// Database failures.
pub async fn run(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
) -> Result<ModelReport, AppError> {
    let started = std::time::Instant::now();
    let ctx = crate::ratings::engine::Context::load(db, workspace_id).await?;
    let settings = Settings::load(db, workspace_id).await?;
    let offset = offset_of(ctx.tz, now);
    let today = day_of(now, offset);
    let first_day: Option<i64> = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT MIN(first_purchase_at) FROM customers WHERE workspace_id = $1 AND order_count > 0 \
             AND merged_into IS NULL AND deleted_at IS NULL",
            [workspace_id.into()],
        ))
        .await?
        .and_then(|row| row.try_get_by_index::<Option<DateTime<Utc>>>(0).ok().flatten())
        .map(|at| day_of(at, offset));
    let holdout = first_day.and_then(|first| holdout_days(today - first));
    let cut_off = holdout.map(|days| today - i64::from(days));
    let customers = observe(db, workspace_id, &ctx.currency, (now, offset), cut_off).await?;
    let label = |day: i64| {
        DateTime::from_timestamp(day * 86_400, 0)
            .map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string())
    };
    let calibration = cut_off.zip(holdout).map(|(cut, days)| (days, label(cut)));
    let (mut report, fitted) = fit(&customers, settings.model, calibration, label(today));
    report.recommendations = Some(super::recommend::learn(db, workspace_id, offset).await?);
    write(db, workspace_id, now, &customers, &fitted).await?;
    super::lifecycle::apply(db, workspace_id, now, &settings, &customers, &fitted, today).await?;
    super::settings::store_report(db, workspace_id, now, &report, started.elapsed()).await?;
    Ok(report)
}

/// Customers' observations by id.
#[must_use]
pub fn by_id(customers: &[Observed]) -> HashMap<Uuid, &Observed> {
    customers.iter().map(|c| (c.id, c)).collect()
}
