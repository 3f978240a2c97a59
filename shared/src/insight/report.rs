//! What a fit of the purchase-behaviour models reports (stored as JSON, read by the SPA): the
//! parameters and log-likelihoods, and the calibration/holdout check that says whether to
//! trust the model: fitted on the history up to a cut-off, its predicted purchases after the
//! cut-off against the purchases that happened, by how often customers had bought before.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "counts and days are far below 2^52; conversions round and clamp on purpose"
)]

use serde::{Deserialize, Serialize};

use super::models::{CountParams, ModelKind, SpendParams, Summary};
use crate::stored_enum;

stored_enum! {
    /// How the last fit went.
    pub enum FitStatus {
        /// No pass has finished yet.
        NotYet => "not_yet",
        Fitted => "fitted",
        /// Too few buying customers or repeat buyers: nothing is pretended.
        TooLittleData => "too_little_data",
        Failed => "failed",
    }
}

/// A fitted count model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct CountReport {
    pub kind: ModelKind,
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
    /// Mean log-likelihood per customer: the higher, the better the model fits.
    pub log_likelihood: f64,
    pub evaluations: u64,
}

impl CountReport {
    #[must_use]
    pub fn params(&self) -> CountParams {
        CountParams { r: self.r, alpha: self.alpha, a: self.a, b: self.b }
    }
}

/// The fitted spend model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct SpendReport {
    pub p: f64,
    pub q: f64,
    pub v: f64,
    pub log_likelihood: f64,
    /// Repeat buyers it was fitted on.
    pub customers: u64,
    /// Pearson correlation of repeat buyers' purchase count and mean spend: Gamma-Gamma assumes
    /// they are independent, so a strong one (beyond +-0.3) is a warning.
    pub frequency_spend_correlation: f64,
}

impl SpendReport {
    #[must_use]
    pub fn params(&self) -> SpendParams {
        SpendParams { p: self.p, q: self.q, v: self.v }
    }
}

/// Customers with one number of purchase days before the cut-off (the last group holds that
/// many and more).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct CalibrationGroup {
    /// Repeat purchases (days after the first) before the cut-off.
    pub frequency: u32,
    pub and_more: bool,
    pub customers: u64,
    /// Mean purchases per customer after the cut-off, predicted and as they happened.
    pub predicted: f64,
    pub actual: f64,
}

/// The calibration/holdout check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct Calibration {
    /// `YYYY-MM-DD`, the last day of the calibration period.
    pub cut_off: String,
    pub holdout_days: u32,
    pub groups: Vec<CalibrationGroup>,
    pub predicted_total: f64,
    pub actual_total: f64,
    /// Mean absolute error of the groups' means, weighted by customers, relative to the actual
    /// mean: under about 0.2 the model tracks the business well.
    pub relative_error: f64,
}

/// A fit's report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelReport {
    pub status: FitStatus,
    /// Why there is no fit, in English (the SPA words the status itself).
    pub message: Option<String>,
    /// `YYYY-MM-DD`: the day the summaries run to.
    pub observed_until: String,
    pub customers: u64,
    pub repeat_buyers: u64,
    /// Distinct (frequency, recency, age) summaries: what one likelihood evaluation costs.
    pub distinct_summaries: u64,
    /// Buyers the models were fitted on when a workspace has more than the pass fits on (a
    /// random sample of them); `None` when fitted on every buyer.
    #[serde(default)]
    pub sampled: Option<u64>,
    pub scoring: ModelKind,
    pub count_models: Vec<CountReport>,
    pub spend: Option<SpendReport>,
    pub calibration: Option<Calibration>,
    /// What the pass learnt from baskets (absent in reports stored before recommendations).
    #[serde(default)]
    pub recommendations: Option<RecommendationReport>,
}

/// What the pass learnt from baskets, and how its recommendations did offline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[serde(rename_all = "camelCase")]
pub struct RecommendationReport {
    /// Purchases with products.
    pub baskets: u64,
    pub products: u64,
    /// Associations kept.
    pub associations: u64,
    /// Each sampled customer's last purchase held out: how often it held one of their top `k`
    /// (learnt without the held-out purchases), against the `k` best sellers.
    pub evaluation: super::recommend::Evaluation,
}

/// Groups of the calibration check: 0..=6 repeat purchases and 7 and more.
pub const CALIBRATION_GROUPS: u32 = 7;

/// One customer in the calibration check: the summary at the cut-off and the purchase days
/// after it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Holdout {
    pub at_cut_off: Summary,
    pub actual: u32,
}

/// Builds the calibration groups from `customers` and a model fitted on the calibration period.
#[must_use]
pub fn calibrate(
    customers: &[Holdout],
    params: &CountParams,
    kind: ModelKind,
    holdout_days: u32,
    cut_off: String,
) -> Calibration {
    let n = CALIBRATION_GROUPS as usize + 1;
    let (mut count, mut predicted, mut actual) = (vec![0_u64; n], vec![0.0; n], vec![0.0; n]);
    for c in customers {
        let group = (c.at_cut_off.frequency.max(0.0) as usize).min(n - 1);
        count[group] += 1;
        predicted[group] += params.expected_purchases(kind, c.at_cut_off, f64::from(holdout_days));
        actual[group] += f64::from(c.actual);
    }
    let (predicted_total, actual_total) = (predicted.iter().sum::<f64>(), actual.iter().sum::<f64>());
    let groups: Vec<CalibrationGroup> = (0..n)
        .filter(|&g| count[g] > 0)
        .map(|g| CalibrationGroup {
            frequency: g as u32,
            and_more: g == n - 1,
            customers: count[g],
            predicted: predicted[g] / count[g] as f64,
            actual: actual[g] / count[g] as f64,
        })
        .collect();
    let error: f64 = groups.iter().map(|g| (g.predicted - g.actual).abs() * g.customers as f64).sum();
    let relative_error = if actual_total > 0.0 { error / actual_total } else { 0.0 };
    Calibration { cut_off, holdout_days, groups, predicted_total, actual_total, relative_error }
}

/// A customer's summary from their distinct purchase days (sorted) on `today`.
#[must_use]
pub fn summary_of(days: &[i64], today: i64) -> Option<Summary> {
    let (first, last) = (*days.first()?, *days.last()?);
    Some(Summary {
        frequency: (days.len() - 1) as f64,
        recency: (last - first) as f64,
        age: (today - first).max(last - first) as f64,
    })
}

/// The mean spend per purchase day the spend model reads: the repeat days' mean (as `lifetimes`
/// leaves the first purchase out), or the one day's spend for a one-time buyer.
#[must_use]
pub fn monetary_of(spend: &[i64]) -> f64 {
    match spend {
        [] => 0.0,
        [only] => *only as f64,
        [_, repeat @ ..] => repeat.iter().map(|&s| s as f64).sum::<f64>() / repeat.len() as f64,
    }
}

/// Pearson correlation of paired values (0 when either does not vary).
#[must_use]
pub fn correlation(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (pairs.iter().map(|p| p.0).sum::<f64>() / n, pairs.iter().map(|p| p.1).sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    if sxx <= 0.0 || syy <= 0.0 { 0.0 } else { sxy / (sxx * syy).sqrt() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_follow_lifetimes_definitions() {
        let s = summary_of(&[100, 110, 130], 150).unwrap();
        assert_eq!(s, Summary { frequency: 2.0, recency: 30.0, age: 50.0 });
        assert_eq!(summary_of(&[], 10), None);
        assert!((monetary_of(&[500, 100, 300]) - 200.0).abs() < 1e-12);
        assert!((monetary_of(&[500]) - 500.0).abs() < 1e-12);
        assert!((correlation(&[(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)]) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn calibration_groups_and_error() {
        let params = CountParams { r: 0.8, alpha: 40.0, a: 0.6, b: 3.0 };
        let customers = [
            Holdout { at_cut_off: Summary { frequency: 0.0, recency: 0.0, age: 50.0 }, actual: 0 },
            Holdout { at_cut_off: Summary { frequency: 9.0, recency: 200.0, age: 210.0 }, actual: 3 },
            Holdout { at_cut_off: Summary { frequency: 12.0, recency: 300.0, age: 310.0 }, actual: 5 },
        ];
        let report = calibrate(&customers, &params, ModelKind::ModifiedBgNbd, 90, "2026-09-01".into());
        assert_eq!(report.groups.len(), 2);
        assert_eq!(
            (report.groups[1].frequency, report.groups[1].and_more, report.groups[1].customers),
            (7, true, 2)
        );
        assert!((report.groups[1].actual - 4.0).abs() < 1e-12);
        assert!((report.actual_total - 8.0).abs() < 1e-12);
        assert!(report.predicted_total > 0.0 && report.relative_error >= 0.0);
    }
}
