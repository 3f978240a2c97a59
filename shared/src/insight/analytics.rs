//! The dashboards' figures (issue 22) as the API answers them and the SPA draws them, and the
//! pure parts behind them: months as numbers, the seasonal demand forecast and its error on a
//! held-out quarter, retention rates, and CSV for every chart's "export".
//!
//! A month is a number, `year * 12 + month - 1`, so that month arithmetic is integer arithmetic
//! on both databases and in the SPA.

#![allow(clippy::cast_precision_loss, reason = "counts and amounts in minor units are far below 2^52")]

use serde::{Deserialize, Serialize};

use crate::customer::LifecycleStage;

/// The month number of `year`-`month` (1 to 12).
#[must_use]
pub const fn month_index(year: i32, month: u32) -> i64 {
    year as i64 * 12 + month as i64 - 1
}

/// `2026-03` for the month number of March 2026.
#[must_use]
pub fn month_label(index: i64) -> String {
    format!("{:04}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1)
}

/// The customers at each star level at the end of a month (`counts[0]`: not rated yet), from
/// the star history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct StarTrendPoint {
    /// `2026-03`.
    pub month: String,
    /// Index 0 to 5: unrated, then 1 to 5 stars.
    pub counts: Vec<i64>,
}

/// Who moved between star levels from one date to another, from the star history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct StarMigration {
    /// `YYYY-MM-DD`, the workspace's dates.
    pub from: String,
    pub to: String,
    /// `matrix[before][after]`, 0 to 5 each (0: not rated at that date).
    pub matrix: Vec<Vec<i64>>,
    pub moved_up: i64,
    pub moved_down: i64,
    pub stayed: i64,
    /// Rated at `to`, not yet at `from`.
    pub newly_rated: i64,
}

impl StarMigration {
    /// The matrix with its totals worked out.
    #[must_use]
    pub fn of(from: String, to: String, matrix: Vec<Vec<i64>>) -> Self {
        let (mut moved_up, mut moved_down, mut stayed, mut newly_rated) = (0, 0, 0, 0);
        for (before, row) in matrix.iter().enumerate() {
            for (after, n) in row.iter().enumerate() {
                match (before, after) {
                    (_, 0) => {}
                    (0, _) => newly_rated += n,
                    (b, a) if a > b => moved_up += n,
                    (b, a) if a < b => moved_down += n,
                    _ => stayed += n,
                }
            }
        }
        Self { from, to, matrix, moved_up, moved_down, stayed, newly_rated }
    }
}

/// One star level's figures over a period (by the customers' stars today; tickets by the
/// stars they were opened with).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct LevelFigures {
    /// 0 (not rated) to 5.
    pub stars: i32,
    /// Live customers at this level today.
    pub customers: i64,
    /// Of them, bought in the period.
    pub buyers: i64,
    pub orders: i64,
    /// Purchases minus refunds in the period, minor units of the workspace currency.
    pub revenue_minor: i64,
    pub nps_answers: i64,
    /// % promoters - % detractors of the period's NPS answers; `null` without answers.
    pub nps: Option<f64>,
    pub csat_answers: i64,
    /// % of the period's CSAT answers that were satisfied (4 or 5); `null` without answers.
    pub csat: Option<f64>,
    /// Customers who have bought (not prospects or leads), and of them those churned today.
    pub bought_ever: i64,
    pub churned: i64,
    /// `churned / boughtEver` in %; `null` when nobody has bought.
    pub churn_rate: Option<f64>,
    /// Tickets opened in the period whose deadline outcome is known (solved, or a deadline
    /// missed), and of them those that met every deadline.
    pub sla_decided: i64,
    pub sla_met: i64,
    /// `slaMet / slaDecided` in %.
    pub sla_hit_rate: Option<f64>,
}

impl LevelFigures {
    /// Works out the rates from the counts (and NPS from its groups).
    pub fn finish(&mut self, promoters: i64, detractors: i64, satisfied: i64) {
        self.nps = percent(promoters - detractors, self.nps_answers);
        self.csat = percent(satisfied, self.csat_answers);
        self.churn_rate = percent(self.churned, self.bought_ever);
        self.sla_hit_rate = percent(self.sla_met, self.sla_decided);
    }
}

/// `part / whole` in %, `None` for an empty whole.
#[must_use]
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64 * 100.0)
}

/// The customers whose first purchase fell in one month, and how many of them bought again in
/// each month after it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct Cohort {
    /// `2026-03`.
    pub month: String,
    pub customers: i64,
    /// `retained[k]`: customers of the cohort who bought in the k-th month after the first
    /// (`retained[0]` is the cohort itself), up to the current month.
    pub retained: Vec<i64>,
    /// The same as % of the cohort.
    pub rates: Vec<f64>,
}

impl Cohort {
    #[must_use]
    pub fn of(month: i64, retained: Vec<i64>) -> Self {
        let customers = retained.first().copied().unwrap_or(0);
        let rates = retained.iter().map(|n| percent(*n, customers).unwrap_or(0.0)).collect();
        Self { month: month_label(month), customers, retained, rates }
    }
}

/// Live customers at one lifecycle stage, and the value at risk among them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct StageCount {
    pub stage: LifecycleStage,
    pub customers: i64,
    /// Sum of CLV x (1 - P(alive)) of the stage's customers, minor units.
    pub value_at_risk_minor: i64,
}

/// A campaign's outcome in one line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct CampaignRoi {
    pub id: String,
    pub name: String,
    /// RFC 3339.
    pub launched_at: Option<String>,
    pub delivered: i64,
    pub revenue_minor: i64,
    pub incremental_revenue_minor: i64,
    pub cost_minor: i64,
    /// (revenue - cost) / cost; `null` without cost.
    pub roi: Option<f64>,
    /// Recipients' conversion minus the holdout's, in percentage points.
    pub lift_points: Option<f64>,
    pub significant: bool,
}

/// How a series was forecast.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ForecastMethod {
    /// Two years or more: the same month a year before, scaled by the last twelve months'
    /// growth over the twelve before them.
    SeasonalTrend,
    /// One to two years: the same month a year before.
    SeasonalNaive,
    /// Under a year: the mean of the last three months.
    Level,
}

/// Forecasts the `horizon` months after `history` (monthly amounts, oldest first, complete
/// months only).
#[must_use]
pub fn forecast(history: &[f64], horizon: usize) -> (ForecastMethod, Vec<f64>) {
    let n = history.len();
    if n >= 24 {
        let last: f64 = history[n - 12..].iter().sum();
        let before: f64 = history[n - 24..n - 12].iter().sum();
        let growth = if before > 0.0 { (last / before).clamp(0.25, 4.0) } else { 1.0 };
        let out = (0..horizon)
            .map(|h| history[n - 12 + h % 12] * growth.powi(i32::try_from(1 + h / 12).unwrap_or(1)))
            .collect();
        (ForecastMethod::SeasonalTrend, out)
    } else if n >= 12 {
        (ForecastMethod::SeasonalNaive, (0..horizon).map(|h| history[n - 12 + h % 12]).collect())
    } else {
        let recent = &history[n.saturating_sub(3)..];
        let level = if recent.is_empty() { 0.0 } else { recent.iter().sum::<f64>() / recent.len() as f64 };
        (ForecastMethod::Level, vec![level; horizon])
    }
}

/// Weighted absolute percentage error: `sum |actual - predicted| / sum actual` in %; `None`
/// when nothing was sold.
#[must_use]
pub fn wape(actual: &[f64], predicted: &[f64]) -> Option<f64> {
    let total: f64 = actual.iter().sum();
    (total > 0.0)
        .then(|| actual.iter().zip(predicted).map(|(a, p)| (a - p).abs()).sum::<f64>() / total * 100.0)
}

/// The last quarter of a series held out: what the forecast made without it said, and its
/// error against the naive "same as the quarter before" level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct HeldOut {
    pub method: ForecastMethod,
    pub actual: Vec<f64>,
    pub predicted: Vec<f64>,
    /// WAPE of the forecast in %.
    pub error: Option<f64>,
    /// WAPE of the mean of the three months before the quarter, repeated.
    pub naive_error: Option<f64>,
}

/// Months a held-out check leaves out.
pub const QUARTER: usize = 3;

/// Holds out the last [`QUARTER`] months of `history`, forecasts them from the months before
/// and compares. `None` when there are fewer than 6 months.
#[must_use]
pub fn held_out(history: &[f64]) -> Option<HeldOut> {
    let n = history.len();
    if n < 2 * QUARTER {
        return None;
    }
    let (train, actual) = history.split_at(n - QUARTER);
    let (method, predicted) = forecast(train, QUARTER);
    let (_, naive) = forecast(&train[train.len().saturating_sub(11)..], QUARTER);
    Some(HeldOut {
        method,
        error: wape(actual, &predicted),
        naive_error: wape(actual, &naive),
        actual: actual.to_vec(),
        predicted,
    })
}

/// One series of the demand view: monthly sales of a category or a star level, its forecast
/// and its held-out check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct DemandSeries {
    /// The category (empty: items without one), or the star level (`0` to `5`).
    pub key: String,
    /// Sales by month, minor units, aligned with `Demand.months`.
    pub sales: Vec<i64>,
    pub method: ForecastMethod,
    /// The next months, aligned with `Demand.forecastMonths`.
    pub forecast: Vec<f64>,
    pub held_out: Option<HeldOut>,
}

impl DemandSeries {
    #[must_use]
    pub fn of(key: String, sales: Vec<i64>, horizon: usize) -> Self {
        let history: Vec<f64> = sales.iter().map(|v| *v as f64).collect();
        let (method, forecast) = forecast(&history, horizon);
        Self { key, held_out: held_out(&history), sales, method, forecast }
    }
}

/// Sales by category and by the buyers' star level, month by month, with the forecast.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct Demand {
    /// Complete months, oldest first (`2026-03`).
    pub months: Vec<String>,
    pub forecast_months: Vec<String>,
    /// The biggest categories by sales over the months, biggest first (at most 8; the rest in
    /// one series keyed `*`).
    pub by_category: Vec<DemandSeries>,
    /// 0 (not rated) to 5, by the buyers' stars today.
    pub by_stars: Vec<DemandSeries>,
}

/// Months the demand view forecasts.
pub const HORIZON: usize = 3;

/// One CSV line (RFC 4180) ending in CRLF. A text cell that a spreadsheet would run as a
/// formula (starting with `=`, `+`, `-`, `@`, tab or CR, and not a number) gets a leading `'`.
#[must_use]
pub fn csv_line(cells: &[String]) -> String {
    let mut line = String::new();
    for (k, cell) in cells.iter().enumerate() {
        if k > 0 {
            line.push(',');
        }
        let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err();
        let cell = if risky { format!("'{cell}") } else { cell.clone() };
        if cell.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&cell.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&cell);
        }
    }
    line.push_str("\r\n");
    line
}

/// A CSV file: a BOM (so that spreadsheets read Chinese right), the header and the rows.
#[must_use]
pub fn csv(header: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::from('\u{feff}');
    out.push_str(&csv_line(header));
    for row in rows {
        out.push_str(&csv_line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_numbers_and_labels() {
        assert_eq!(month_label(month_index(2026, 3)), "2026-03");
        assert_eq!(month_label(month_index(2026, 12)), "2026-12");
        assert_eq!(month_index(2027, 1) - month_index(2026, 12), 1);
    }

    #[test]
    fn migration_totals_follow_the_diagonal() {
        let mut m = vec![vec![0; 6]; 6];
        m[0][3] = 4; // newly rated
        m[2][3] = 2; // up
        m[5][4] = 1; // down
        m[4][4] = 7; // stayed
        m[3][0] = 9; // not rated at the end: in none of the totals
        let s = StarMigration::of("a".into(), "b".into(), m);
        assert_eq!((s.newly_rated, s.moved_up, s.moved_down, s.stayed), (4, 2, 1, 7));
    }

    #[test]
    fn level_rates_from_counts() {
        let mut f = LevelFigures {
            nps_answers: 10,
            csat_answers: 4,
            bought_ever: 8,
            churned: 2,
            sla_decided: 5,
            sla_met: 4,
            ..LevelFigures::default()
        };
        f.finish(6, 1, 3);
        assert_eq!(
            (f.nps, f.csat, f.churn_rate, f.sla_hit_rate),
            (Some(50.0), Some(75.0), Some(25.0), Some(80.0))
        );
        let mut empty = LevelFigures::default();
        empty.finish(0, 0, 0);
        assert_eq!((empty.nps, empty.csat, empty.churn_rate, empty.sla_hit_rate), (None, None, None, None));
    }

    #[test]
    fn forecast_repeats_the_season_with_the_years_growth() {
        // Two years, the second 10% above the first, with a December peak.
        let year: Vec<f64> = (0..12).map(|m| if m == 11 { 300.0 } else { 100.0 }).collect();
        let mut history: Vec<f64> = year.clone();
        history.extend(year.iter().map(|v| v * 1.1));
        let (method, f) = forecast(&history, 3);
        assert_eq!(method, ForecastMethod::SeasonalTrend);
        for (got, want) in f.iter().zip([121.0, 121.0, 121.0]) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
        // The third year's December: the second's times the growth.
        let (_, f) = forecast(&history, 12);
        assert!((f[11] - 330.0 * 1.1).abs() < 1e-9, "{}", f[11]);

        let (method, f) = forecast(&history[..15], 2);
        assert_eq!((method, f), (ForecastMethod::SeasonalNaive, vec![100.0, 100.0]));
        let (method, f) = forecast(&[10.0, 20.0, 30.0, 40.0], 2);
        assert_eq!((method, f), (ForecastMethod::Level, vec![30.0, 30.0]));
        assert_eq!(forecast(&[], 1), (ForecastMethod::Level, vec![0.0]));
    }

    #[test]
    fn held_out_quarter_scores_the_forecast_against_the_naive_level() {
        // A seasonal series the seasonal forecast gets exactly and the naive level does not.
        let history: Vec<f64> = (0..36).map(|m| if m % 12 >= 9 { 200.0 } else { 100.0 }).collect();
        let h = held_out(&history).expect("36 months");
        assert_eq!(h.method, ForecastMethod::SeasonalTrend);
        assert_eq!(h.actual, vec![200.0, 200.0, 200.0]);
        assert_eq!(h.error, Some(0.0));
        assert_eq!(h.naive_error, Some(50.0));
        assert_eq!(wape(&[0.0], &[5.0]), None);
        assert!(held_out(&[1.0; 5]).is_none());
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let line = csv_line(&["a,b".into(), "say \"hi\"".into(), "=1+1".into(), "-12.5".into(), "@x".into()]);
        assert_eq!(line, "\"a,b\",\"say \"\"hi\"\"\",'=1+1,-12.5,'@x\r\n");
        let file = csv(&["月份".into()], &[vec!["2026-03".into()]]);
        assert_eq!(file, "\u{feff}月份\r\n2026-03\r\n");
    }
}
