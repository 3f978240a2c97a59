//! The insight pass (issue 22), per workspace: reads every buying customer's purchase days with
//! one set-based statement (purchases grouped to days in the workspace's time zone, packed to one
//! row per buyer), fits BG/NBD, the modified BG/NBD and Gamma-Gamma
//! (`starcrm_shared::insight::fit`, each on its own thread; above [`FIT_SAMPLE`] buyers on a
//! random sample of them), checks the scoring model on a calibration/holdout split, scores every
//! buying customer (`customer_insight`; on PostgreSQL streamed through `COPY` while the next rows
//! are scored, two runs of ids side by side), then moves lifecycle stages (`super::lifecycle`).
//! Runs after each re-rating and at least daily (`super::worker`), or at once from `recomputeInsight`.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use futures_util::TryStreamExt;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel,
    Statement, StreamTrait,
};
use starcrm_shared::customer::{TransactionKind, TransactionStatus};
use starcrm_shared::insight::fit::{CountData, FitError, SpendData};
use starcrm_shared::insight::lifecycle::Rhythm;
use starcrm_shared::insight::models::{
    CountParams, ModelKind, SpendParams, Summary, discounted_value, month_end,
};
use starcrm_shared::insight::report::{
    CountReport, FitStatus, Holdout, ModelReport, SpendReport, calibrate, correlation, monetary_of,
    summary_of,
};
use uuid::Uuid;

use super::settings::Settings;
use crate::entities::customer_insight;
use crate::error::AppError;

/// The most buying customers the models are fitted on: above it, a random sample of this many
/// (the same customers from pass to pass, chosen by a hash of their id), each standing for
/// `buyers / FIT_SAMPLE` customers. The parameters' sampling error at this size is far below
/// the differences between workspaces; every buyer is still scored.
pub const FIT_SAMPLE: usize = 50_000;
/// Lifetime value: months ahead and the monthly discount rate.
pub const CLV_MONTHS: u32 = 12;
pub const MONTHLY_DISCOUNT: f64 = 0.01;
/// Rows written per statement and per transaction (SQLite), scored and sent per `COPY` message
/// (PostgreSQL).
const WRITE_CHUNK: usize = 500;
const COPY_CHUNK: usize = 5_000;
/// Runs of buyers written side by side on PostgreSQL, each scored on a thread of its own while
/// the database loads the chunks already scored.
const WRITERS: usize = 2;
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

/// `SELECT customer_id, day, spend` of purchases (not refunded, before `$3`) of live customers,
/// grouped to days (in no particular order). `$1` workspace, `$2` currency (spend in other
/// currencies counts as a purchase day of 0).
pub fn days_sql(backend: DbBackend, offset: i32) -> String {
    let day = day_sql(backend, offset);
    format!(
        "SELECT t.customer_id, {day} AS day, \
           CAST(SUM(CASE WHEN t.currency = $2 THEN t.amount_minor - t.refunded_minor ELSE 0 END) AS BIGINT) AS spend \
         FROM transactions t JOIN customers c ON c.id = t.customer_id \
         WHERE t.workspace_id = $1 AND t.kind = '{purchase}' AND t.status <> '{refunded}' AND t.occurred_at < $3 \
           AND c.merged_into IS NULL AND c.deleted_at IS NULL AND c.erased_at IS NULL \
         GROUP BY t.customer_id, {day}",
        purchase = TransactionKind::Purchase.as_str(),
        refunded = TransactionStatus::Refunded.as_str(),
    )
}

/// [`days_sql`] aggregated to one row per customer: `SELECT customer_id, days` where `days` packs
/// the customer's purchase days as `day:spend` pairs joined by commas, in no particular order
/// (see [`unpack_days`]). One row per buyer instead of one per purchase day: the server does the
/// grouping it does for the bare summary, and sends a tenth of the rows.
pub fn buyers_sql(backend: DbBackend, offset: i32) -> String {
    let days = days_sql(backend, offset);
    let concat = match backend {
        DbBackend::Postgres => "string_agg",
        _ => "group_concat",
    };
    format!(
        "SELECT customer_id, {concat}(CAST(day AS TEXT) || ':' || CAST(spend AS TEXT), ',') AS days \
         FROM ({days}) d GROUP BY customer_id"
    )
}

/// Unpacks [`buyers_sql`]'s `days` into `days` and `spend`, sorted by day; `None` if it is not
/// a list of `day:spend` integer pairs.
pub fn unpack_days(packed: &str, days: &mut Vec<i64>, spend: &mut Vec<i64>) -> Option<()> {
    let mut pairs = Vec::new();
    for pair in packed.split(',') {
        let (day, amount) = pair.split_once(':')?;
        pairs.push((day.parse::<i64>().ok()?, amount.parse::<i64>().ok()?));
    }
    if !pairs.is_sorted_by_key(|(day, _)| *day) {
        pairs.sort_unstable_by_key(|(day, _)| *day);
    }
    days.clear();
    spend.clear();
    for (day, amount) in pairs {
        days.push(day);
        spend.push(amount);
    }
    Some(())
}

/// Reads every buying customer's purchase days as of `now` (at `offset` seconds from UTC), in
/// customer id order; `cut_off` the calibration cut-off day, if any.
///
/// One statement for the whole workspace, streamed: the server scans the purchases once (on
/// PostgreSQL with parallel workers, as for the bare summary). Reading a range of customer ids
/// per statement instead costs a scan of the customers (the join's hash) for every range: 42 of
/// them at a million customers, twice the time of the one statement.
///
/// # Errors
/// Database failures; a row the server packed unreadably.
pub async fn observe(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    currency: &str,
    (now, offset): (DateTime<Utc>, i32),
    cut_off: Option<i64>,
) -> Result<Vec<Observed>, AppError> {
    let backend = db.get_database_backend();
    let today = day_of(now, offset);
    let stmt = Statement::from_sql_and_values(
        backend,
        buyers_sql(backend, offset),
        [workspace_id.into(), currency.into(), now.into()],
    );
    let mut stream = db.stream_raw(stmt).await?;
    let mut out = Vec::new();
    let (mut days, mut spend) = (Vec::new(), Vec::new());
    while let Some(row) = stream.try_next().await? {
        let id: Uuid = row.try_get("", "customer_id")?;
        let packed: String = row.try_get("", "days")?;
        unpack_days(&packed, &mut days, &mut spend).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("purchase days of {id} unreadable: {packed:.80}"))
        })?;
        out.extend(observed(id, &days, &spend, today, cut_off));
    }
    drop(stream);
    // Id order: the same rows in the same order every pass, and runs of ids to write.
    out.sort_unstable_by_key(|c| c.id);
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

/// The customers the models are fitted on and the weight each carries: all of them up to
/// [`FIT_SAMPLE`], else that many chosen by a hash of their id.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn fit_sample(customers: &[Observed]) -> (Vec<&Observed>, f64) {
    if customers.len() <= FIT_SAMPLE {
        return (customers.iter().collect(), 1.0);
    }
    let mut keyed: Vec<(u64, &Observed)> = customers.iter().map(|c| (mix(c.id), c)).collect();
    keyed.select_nth_unstable_by_key(FIT_SAMPLE - 1, |(key, c)| (*key, c.id));
    keyed.truncate(FIT_SAMPLE);
    keyed.sort_unstable_by_key(|(_, c)| c.id);
    (keyed.into_iter().map(|(_, c)| c).collect(), customers.len() as f64 / FIT_SAMPLE as f64)
}

/// A well-mixed 64-bit hash of an id (the `SplitMix64` finaliser over its two halves), so the
/// sample does not follow the ids' time order.
#[allow(clippy::cast_possible_truncation, reason = "the two halves of the id, on purpose")]
fn mix(id: Uuid) -> u64 {
    let v = id.as_u128();
    let mut z = (v as u64) ^ ((v >> 64) as u64).rotate_left(29);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Fits the models on `customers` (on [`fit_sample`] of them) and checks the scoring one on the
/// calibration split; the four fits run on threads of their own. CPU-bound for up to seconds:
/// call it off the async runtime's workers.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn fit(
    customers: &[Observed],
    scoring: ModelKind,
    calibration: Option<(u32, String)>,
    observed_until: String,
) -> (ModelReport, Fitted) {
    let (sample, weight) = fit_sample(customers);
    let mut data = CountData::default();
    let mut spend = SpendData::default();
    let mut held = CountData::default();
    let mut holdouts = Vec::new();
    let mut pairs = Vec::new();
    for c in &sample {
        data.add(c.summary, weight);
        spend.add(c.summary.frequency, c.monetary, weight);
        if c.summary.frequency > 0.0 && c.monetary > 0.0 {
            pairs.push((c.summary.frequency, c.monetary));
        }
        if let Some(h) = c.holdout {
            held.add(h.at_cut_off, weight);
            holdouts.push(h);
        }
    }
    let mut report = ModelReport {
        status: FitStatus::Fitted,
        message: None,
        observed_until,
        customers: customers.len() as u64,
        repeat_buyers: customers.iter().filter(|c| c.summary.frequency > 0.0).count() as u64,
        distinct_summaries: data.distinct() as u64,
        sampled: (sample.len() < customers.len()).then_some(sample.len() as u64),
        scoring,
        count_models: Vec::new(),
        spend: None,
        calibration: None,
        recommendations: None,
    };
    let mut fitted = Fitted { kind: scoring, count: None, spend: None };
    let (counts, spend_fit, calibrated) = std::thread::scope(|scope| {
        let counts = [ModelKind::BgNbd, ModelKind::ModifiedBgNbd].map(|kind| {
            let data = &data;
            (kind, scope.spawn(move || data.fit(kind)))
        });
        let spend_fit = scope.spawn(|| spend.fit());
        let calibrated = calibration.is_some().then(|| scope.spawn(|| held.fit(scoring)));
        (
            counts.map(|(kind, fit)| (kind, joined(fit.join()))),
            joined(spend_fit.join()),
            calibrated.map(|fit| joined(fit.join())),
        )
    });
    for (kind, result) in counts {
        match result {
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
    match spend_fit {
        Ok(f) if f.params.q > 1.0 => {
            report.spend = Some(SpendReport {
                p: f.params.p,
                q: f.params.q,
                v: f.params.v,
                log_likelihood: f.log_likelihood,
                customers: spend.customers().round() as u64,
                frequency_spend_correlation: correlation(&pairs),
            });
            fitted.spend = Some(f.params);
        }
        // Without a finite mean spend (q <= 1) or enough repeat buyers, each customer's own mean
        // stands in.
        Ok(_) | Err(_) => {}
    }
    if let (Some((days, label)), Some(Ok(f))) = (calibration, calibrated) {
        report.calibration = Some(calibrate(&holdouts, &f.params, scoring, days, label));
    }
    (report, fitted)
}

/// A fit's result from its thread (a panic in it as a failed fit).
fn joined<T>(result: std::thread::Result<Result<T, FitError>>) -> Result<T, FitError> {
    result.unwrap_or_else(|_| Err(FitError::NoConvergence("the fit stopped on an internal error".into())))
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

/// Scores a customer with fitted models: the expected purchases by each month end of the
/// lifetime value's months and by a year, in one evaluation of the series; the 30 and 90 days
/// are the first and third month ends.
#[must_use]
#[allow(clippy::cast_possible_truncation)]
pub fn score(count: &CountParams, kind: ModelKind, spend: Option<&SpendParams>, c: &Observed) -> Scores {
    const _: () = assert!(CLV_MONTHS >= 3);
    let s = c.summary;
    let p_alive = count.p_alive(kind, s);
    let per_purchase = spend.map_or(c.monetary, |g| g.expected_spend(s.frequency, c.monetary));
    let mut horizons: Vec<f64> = (1..=CLV_MONTHS).map(month_end).collect();
    horizons.push(365.0);
    let expected = count.expected_purchases_at(kind, s, &horizons);
    let months = CLV_MONTHS as usize;
    let clv = discounted_value(&expected[..months], per_purchase, MONTHLY_DISCOUNT);
    let rate = count.rate_if_alive(s);
    Scores {
        p_alive,
        expected: [expected[0], expected[2], expected[months]],
        clv_minor: clv.round() as i64,
        value_at_risk_minor: (clv * (1.0 - p_alive)).round() as i64,
        next_in_days: if rate > 0.0 { 1.0 / rate } else { f64::INFINITY },
    }
}

/// A customer's row as the pass writes it (scores when a model is fitted).
#[allow(clippy::cast_possible_truncation, reason = "days and money far inside i32 / i64, rounded on purpose")]
fn row_of(workspace_id: Uuid, now: DateTime<Utc>, c: &Observed, fitted: &Fitted) -> customer_insight::Model {
    let scores = fitted.count.map(|count| score(&count, fitted.kind, fitted.spend.as_ref(), c));
    let next = scores.and_then(|s| {
        let days = s.next_in_days;
        (days.is_finite() && days < 36_500.0)
            .then(|| now + Duration::seconds((days * 86_400.0).round() as i64))
    });
    customer_insight::Model {
        customer_id: c.id,
        workspace_id,
        purchase_days: i32::try_from(c.purchase_days).unwrap_or(i32::MAX),
        recency_days: c.summary.recency as i32,
        age_days: c.summary.age as i32,
        monetary_minor: c.monetary.round() as i64,
        median_gap_days: c.rhythm.map(|r| r.median_days),
        gap_spread_days: c.rhythm.map(|r| r.spread_days),
        p_alive: scores.map(|s| s.p_alive),
        expected30: scores.map(|s| s.expected[0]),
        expected90: scores.map(|s| s.expected[1]),
        expected365: scores.map(|s| s.expected[2]),
        clv_minor: scores.map(|s| s.clv_minor),
        value_at_risk_minor: scores.map(|s| s.value_at_risk_minor),
        next_purchase_at: next,
        computed_at: now,
    }
}

/// The columns of `customer_insight` the pass writes, in [`copy_line`]'s order.
const COLUMNS: [&str; 16] = [
    "customer_id",
    "workspace_id",
    "purchase_days",
    "recency_days",
    "age_days",
    "monetary_minor",
    "median_gap_days",
    "gap_spread_days",
    "p_alive",
    "expected30",
    "expected90",
    "expected365",
    "clv_minor",
    "value_at_risk_minor",
    "next_purchase_at",
    "computed_at",
];

/// One row in `COPY`'s text format: tab-separated, `\N` for none (and for a number that is not
/// finite), instants in UTC to the microsecond as the database keeps them.
fn copy_line(out: &mut String, row: &customer_insight::Model) {
    use std::fmt::Write as _;
    fn float(out: &mut String, v: Option<f64>) {
        match v {
            Some(v) if v.is_finite() => {
                let _ = write!(out, "\t{v}");
            }
            _ => out.push_str("\t\\N"),
        }
    }
    fn opt<T: std::fmt::Display>(out: &mut String, v: Option<T>) {
        match v {
            Some(v) => {
                let _ = write!(out, "\t{v}");
            }
            None => out.push_str("\t\\N"),
        }
    }
    let at = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S%.6f+00");
    let _ = write!(
        out,
        "{}\t{}\t{}\t{}\t{}\t{}",
        row.customer_id,
        row.workspace_id,
        row.purchase_days,
        row.recency_days,
        row.age_days,
        row.monetary_minor
    );
    for v in [
        row.median_gap_days,
        row.gap_spread_days,
        row.p_alive,
        row.expected30,
        row.expected90,
        row.expected365,
    ] {
        float(out, v);
    }
    opt(out, row.clv_minor);
    opt(out, row.value_at_risk_minor);
    opt(out, row.next_purchase_at.map(at));
    let _ = writeln!(out, "\t{}", at(row.computed_at));
}

/// Writes every observed customer's row (scores when a model is fitted) and drops the rows of
/// customers no longer buying, as of `now`.
///
/// # Errors
/// Database failures.
pub async fn write(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
    customers: Arc<Vec<Observed>>,
    fitted: Fitted,
) -> Result<(), AppError> {
    // As the database keeps it, so rows written now are not older than `now` below.
    let now = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    if db.get_database_backend() == DbBackend::Postgres {
        write_copy(db, workspace_id, now, customers, fitted).await.map_err(AppError::internal)?;
    } else {
        write_batches(db, workspace_id, now, &customers, &fitted).await?;
    }
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "DELETE FROM customer_insight WHERE workspace_id = $1 AND computed_at < $2",
        [workspace_id.into(), now.into()],
    ))
    .await?;
    Ok(())
}

/// PostgreSQL: the buyers (in id order) cut into [`WRITERS`] runs of ids, each written side by
/// side on a connection of its own: its rows scored a chunk at a time on a thread and streamed
/// through `COPY` into a temporary table as they come (the server loads chunks while the next
/// are scored), then upserted in one statement (customers deleted meanwhile left out) in the
/// same transaction. An upsert is one statement on one core: two of them on two id runs (apart
/// in the index) take about half the time. If one run fails the other's rows may stand,
/// already this pass's scores; the pass fails and the next one rewrites every row.
async fn write_copy(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
    customers: Arc<Vec<Observed>>,
    fitted: Fitted,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let rows = customers.len();
    let per = rows.div_ceil(WRITERS).max(1);
    let runs = (0..rows).step_by(per).map(|first| first..(first + per).min(rows));
    let timings = futures_util::future::try_join_all(
        runs.map(|run| write_run(db, workspace_id, now, Arc::clone(&customers), run, fitted)),
    )
    .await?;
    let copied = timings.iter().map(|(copied, _)| *copied).max().unwrap_or_default();
    let upserted = timings.iter().map(|(_, upserted)| *upserted).max().unwrap_or_default();
    tracing::debug!(
        rows,
        runs = timings.len(),
        scored_and_copied_ms = copied.as_millis(),
        upserted_ms = upserted.as_millis(),
        total_ms = started.elapsed().as_millis(),
        "insight rows written"
    );
    Ok(())
}

/// One run of [`write_copy`]: how long scoring and copying took, and the upsert.
async fn write_run(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
    customers: Arc<Vec<Observed>>,
    run: std::ops::Range<usize>,
    fitted: Fitted,
) -> anyhow::Result<(std::time::Duration, std::time::Duration)> {
    use sea_orm::sqlx::{Connection as _, Executor as _};
    let started = std::time::Instant::now();
    let columns = COLUMNS.join(", ");
    let updates = COLUMNS[2..].iter().map(|c| format!("{c} = EXCLUDED.{c}")).collect::<Vec<_>>().join(", ");
    let mut conn = db.get_postgres_connection_pool().acquire().await?;
    let mut txn = conn.begin().await?;
    txn.execute("CREATE TEMPORARY TABLE insight_load (LIKE customer_insight) ON COMMIT DROP").await?;
    let mut copy = txn.copy_in_raw(&format!("COPY insight_load ({columns}) FROM STDIN")).await?;
    let (sender, mut chunks) = tokio::sync::mpsc::channel::<String>(2);
    let scoring = tokio::task::spawn_blocking(move || {
        for chunk in customers[run].chunks(COPY_CHUNK) {
            let mut text = String::with_capacity(chunk.len() * 192);
            for c in chunk {
                copy_line(&mut text, &row_of(workspace_id, now, c, &fitted));
            }
            // The writer stopped (a failed send below): nothing more to score.
            if sender.blocking_send(text).is_err() {
                return;
            }
        }
    });
    while let Some(text) = chunks.recv().await {
        copy.send(text.as_bytes()).await?;
    }
    scoring.await?;
    copy.finish().await?;
    let copied = started.elapsed();
    let upsert = sea_orm::sqlx::AssertSqlSafe(format!(
        "INSERT INTO customer_insight ({columns}) SELECT {columns} FROM insight_load l \
         WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = l.customer_id) \
         ON CONFLICT (customer_id) DO UPDATE SET {updates}"
    ));
    sea_orm::sqlx::raw_sql(upsert).execute(&mut *txn).await?;
    txn.commit().await?;
    Ok((copied, started.elapsed().saturating_sub(copied)))
}

/// SQLite: multi-row upserts, a few statements per transaction, so the embedded database's
/// single writer is not held for the whole pass.
async fn write_batches(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
    customers: &[Observed],
    fitted: &Fitted,
) -> Result<(), AppError> {
    use customer_insight::Column as C;
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
    let mut rows = customers.iter().peekable();
    while rows.peek().is_some() {
        let txn = crate::db::begin_write(db).await?;
        for _ in 0..CHUNKS_PER_TXN {
            let chunk: Vec<customer_insight::ActiveModel> = rows
                .by_ref()
                .take(WRITE_CHUNK)
                .map(|c| row_of(workspace_id, now, c, fitted).into_active_model().reset_all())
                .collect();
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
    let customers = Arc::new(observe(db, workspace_id, &ctx.currency, (now, offset), cut_off).await?);
    let label = |day: i64| {
        DateTime::from_timestamp(day * 86_400, 0)
            .map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string())
    };
    let calibration = cut_off.zip(holdout).map(|(cut, days)| (days, label(cut)));
    // The fits run on threads of their own while the database counts baskets.
    let (model, observed_until) = (settings.model, label(today));
    let fitting = {
        let customers = Arc::clone(&customers);
        tokio::task::spawn_blocking(move || fit(&customers, model, calibration, observed_until))
    };
    let learnt = super::recommend::learn(db, workspace_id, offset).await;
    let (mut report, fitted) = fitting.await.map_err(AppError::internal)?;
    report.recommendations = Some(learnt?);
    // The rows and the stages go to different tables: written side by side.
    let (written, staged) = tokio::join!(
        write(db, workspace_id, now, Arc::clone(&customers), fitted),
        super::lifecycle::apply(db, workspace_id, now, &settings, &customers, &fitted, today),
    );
    written?;
    staged?;
    super::settings::store_report(db, workspace_id, now, &report, started.elapsed()).await?;
    Ok(report)
}

/// Customers' observations by id.
#[must_use]
pub fn by_id(customers: &[Observed]) -> HashMap<Uuid, &Observed> {
    customers.iter().map(|c| (c.id, c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buyer(id: Uuid, frequency: f64) -> Observed {
        Observed {
            id,
            purchase_days: 1,
            first_day: 0,
            summary: Summary { frequency, recency: frequency, age: 100.0 },
            monetary: 1_000.0,
            rhythm: None,
            holdout: None,
        }
    }

    #[test]
    fn every_buyer_is_fitted_on_up_to_the_sample_size() {
        let customers: Vec<Observed> = (0..1_000).map(|_| buyer(Uuid::now_v7(), 1.0)).collect();
        let (sample, weight) = fit_sample(&customers);
        assert_eq!(sample.len(), 1_000);
        assert!((weight - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn a_large_workspace_is_fitted_on_a_stable_sample_spread_over_its_ids() {
        // Ids in creation order (v7): a sample of the first pages would be the oldest customers.
        let n = FIT_SAMPLE * 3;
        let customers: Vec<Observed> =
            (0..n).map(|i| buyer(Uuid::now_v7(), if i < n / 2 { 0.0 } else { 5.0 })).collect();
        let (sample, weight) = fit_sample(&customers);
        assert_eq!(sample.len(), FIT_SAMPLE);
        assert!((weight - 3.0).abs() < 1e-12, "{weight}");
        let mut ids: Vec<Uuid> = sample.iter().map(|c| c.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), FIT_SAMPLE, "each customer at most once, in id order");
        // About half from the older half (binomial sd 0.2%: 1% is five of them).
        let older = sample.iter().filter(|c| c.summary.frequency == 0.0).count();
        #[allow(clippy::cast_precision_loss)]
        let share = older as f64 / FIT_SAMPLE as f64;
        assert!((share - 0.5).abs() < 0.01, "share of the older half {share}");
        // The same customers the next pass.
        let (again, _) = fit_sample(&customers);
        assert!(again.iter().zip(&sample).all(|(a, b)| a.id == b.id));
    }

    #[test]
    fn packed_days_unpack_sorted_by_day_and_garbage_is_refused() {
        let (mut days, mut spend) = (vec![7], vec![7]);
        assert_eq!(unpack_days("20010:500,20003:-20,20007:0", &mut days, &mut spend), Some(()));
        assert_eq!(
            (days.as_slice(), spend.as_slice()),
            ([20003, 20007, 20010].as_slice(), [-20, 0, 500].as_slice())
        );
        assert_eq!(unpack_days("19000:1", &mut days, &mut spend), Some(()));
        assert_eq!((days, spend), (vec![19000], vec![1]));
        for bad in ["", "20003", "20003:x", "a:1", "1:2,,3:4", "1:2:3"] {
            assert_eq!(unpack_days(bad, &mut Vec::new(), &mut Vec::new()), None, "{bad:?}");
        }
    }

    #[test]
    fn a_copy_line_is_tab_separated_with_nulls_and_utc_microseconds() {
        let id = Uuid::nil();
        let at = DateTime::parse_from_rfc3339("2026-12-06T08:30:00.123456789+08:00").unwrap().to_utc();
        let mut row =
            row_of(id, at, &buyer(id, 2.0), &Fitted { kind: ModelKind::BgNbd, count: None, spend: None });
        row.p_alive = Some(f64::NAN);
        row.expected30 = Some(0.25);
        let mut line = String::new();
        copy_line(&mut line, &row);
        let fields: Vec<&str> = line.trim_end_matches('\n').split('\t').collect();
        assert_eq!(fields.len(), COLUMNS.len());
        assert_eq!(fields[0], id.to_string());
        assert_eq!(&fields[2..6], ["1", "2", "100", "1000"]);
        assert_eq!(fields[8], "\\N", "a number that is not finite is stored as none");
        assert_eq!(fields[9], "0.25");
        assert_eq!(fields[14], "\\N");
        assert_eq!(fields[15], "2026-12-06 00:30:00.123456+00");
    }
}
