//! Fitting the purchase-behaviour models by maximum likelihood (the `models` feature): the
//! log-likelihoods as `lifetimes` writes them, minimised over the log of the parameters with
//! `argmin`'s Nelder-Mead (restarted around its best point until it stops improving), the
//! special function from `libm`. Customers with the same summary are counted once with a weight,
//! so a workspace of a million customers costs what its few hundred thousand distinct
//! (frequency, recency, age) triples cost; the terms that depend on the frequency alone are
//! worked out once per distinct frequency.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "counts and days are far below 2^52; conversions round and clamp on purpose"
)]

use std::collections::HashMap;

use argmin::core::{CostFunction, Error, Executor, State};
use argmin::solver::neldermead::NelderMead;
use libm::lgamma;

use super::models::{CountParams, ModelKind, SpendParams, Summary};

/// Why a fit could not be made.
#[derive(Clone, Debug, PartialEq)]
pub enum FitError {
    /// Not enough customers (or repeat buyers) to estimate anything.
    TooLittleData { customers: f64, repeat_buyers: f64 },
    /// The optimiser failed or ended on parameters that are not finite.
    NoConvergence(String),
}

impl std::fmt::Display for FitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLittleData { customers, repeat_buyers } => {
                write!(f, "too little data: {customers} buying customers, {repeat_buyers} repeat buyers")
            }
            Self::NoConvergence(why) => write!(f, "the fit did not converge: {why}"),
        }
    }
}

/// The least data a fit is attempted on: buying customers, and repeat buyers among them (the
/// purchase rates and the spend model are estimated from them).
pub const MIN_CUSTOMERS: f64 = 100.0;
pub const MIN_REPEAT_BUYERS: f64 = 30.0;

/// A fitted count model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CountFit {
    pub params: CountParams,
    /// Mean log-likelihood per customer at the optimum.
    pub log_likelihood: f64,
    /// Cost evaluations the optimiser used.
    pub evaluations: u64,
}

/// A fitted spend model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpendFit {
    pub params: SpendParams,
    pub log_likelihood: f64,
    pub evaluations: u64,
}

/// Customers' summaries, those alike counted once with a weight.
#[derive(Clone, Debug, Default)]
pub struct CountData {
    frequencies: Vec<f64>,
    recencies: Vec<f64>,
    ages: Vec<f64>,
    /// Indexes into the three lists and the weight.
    rows: Vec<(u32, u32, u32, f64)>,
    keys: HashMap<(u64, u64, u64), usize>,
    index: [HashMap<u64, u32>; 3],
    customers: f64,
    repeat_buyers: f64,
}

fn intern(values: &mut Vec<f64>, index: &mut HashMap<u64, u32>, value: f64) -> u32 {
    *index.entry(value.to_bits()).or_insert_with(|| {
        values.push(value);
        u32::try_from(values.len() - 1).unwrap_or(u32::MAX)
    })
}

impl CountData {
    /// Adds `weight` customers with this summary.
    pub fn add(&mut self, s: Summary, weight: f64) {
        self.customers += weight;
        if s.frequency > 0.0 {
            self.repeat_buyers += weight;
        }
        let key = (s.frequency.to_bits(), s.recency.to_bits(), s.age.to_bits());
        if let Some(&row) = self.keys.get(&key) {
            self.rows[row].3 += weight;
            return;
        }
        let [fi, ri, ai] = &mut self.index;
        let row = (
            intern(&mut self.frequencies, fi, s.frequency),
            intern(&mut self.recencies, ri, s.recency),
            intern(&mut self.ages, ai, s.age),
            weight,
        );
        self.keys.insert(key, self.rows.len());
        self.rows.push(row);
    }

    /// Buying customers added.
    #[must_use]
    pub fn customers(&self) -> f64 {
        self.customers
    }

    /// Distinct summaries: what one evaluation of the likelihood costs.
    #[must_use]
    pub fn distinct(&self) -> usize {
        self.rows.len()
    }

    /// The mean log-likelihood per customer of `params` (time unscaled).
    #[must_use]
    pub fn log_likelihood(&self, kind: ModelKind, params: &CountParams) -> f64 {
        self.mean_ll(kind, params, 1.0)
    }

    fn mean_ll(&self, kind: ModelKind, params: &CountParams, scale: f64) -> f64 {
        let CountParams { r, alpha, a, b } = *params;
        let ln_alpha = alpha.ln();
        // Terms of the frequency alone: A1 + A2 and the constant part of A4.
        let per_x: Vec<(f64, f64)> = self
            .frequencies
            .iter()
            .map(|&x| {
                let a1 = lgamma(r + x) - lgamma(r) + r * ln_alpha;
                match kind {
                    ModelKind::BgNbd => (
                        a1 + lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x),
                        a.ln() - (b + x.max(1.0) - 1.0).ln(),
                    ),
                    ModelKind::ModifiedBgNbd => (
                        a1 + lgamma(a + b) + lgamma(b + x + 1.0) - lgamma(b) - lgamma(a + b + x + 1.0),
                        a.ln() - (b + x).ln(),
                    ),
                }
            })
            .collect();
        let ln_age: Vec<f64> = self.ages.iter().map(|t| (alpha + t * scale).ln()).collect();
        let ln_rec: Vec<f64> = self.recencies.iter().map(|t| (alpha + t * scale).ln()).collect();
        let mut total = 0.0;
        for &(xi, ri, ai, w) in &self.rows {
            let x = self.frequencies[xi as usize];
            let (fixed, a4_fixed) = per_x[xi as usize];
            let (la, lr) = (ln_age[ai as usize], ln_rec[ri as usize]);
            let ll = match kind {
                ModelKind::BgNbd => {
                    let a3 = -(r + x) * la;
                    if x > 0.0 { fixed + log_add_exp(a3, a4_fixed - (r + x) * lr) } else { fixed + a3 }
                }
                ModelKind::ModifiedBgNbd => {
                    let a3 = -(r + x) * la;
                    fixed + a3 + log_add_exp(a4_fixed + (r + x) * (la - lr), 0.0)
                }
            };
            total += w * ll;
        }
        total / self.customers
    }

    /// Fits `kind` by maximum likelihood.
    ///
    /// # Errors
    /// [`FitError::TooLittleData`] under [`MIN_CUSTOMERS`] buying customers or
    /// [`MIN_REPEAT_BUYERS`] repeat buyers; [`FitError::NoConvergence`] when the optimum is not
    /// finite.
    pub fn fit(&self, kind: ModelKind) -> Result<CountFit, FitError> {
        if self.customers < MIN_CUSTOMERS || self.repeat_buyers < MIN_REPEAT_BUYERS {
            return Err(FitError::TooLittleData {
                customers: self.customers,
                repeat_buyers: self.repeat_buyers,
            });
        }
        // As `lifetimes` does: time scaled so the oldest customer's age is 10, alpha scaled back.
        let oldest = self.ages.iter().copied().fold(0.0_f64, f64::max);
        let scale = if oldest > 0.0 { 10.0 / oldest } else { 1.0 };
        let cost = |p: &[f64]| {
            let params = CountParams { r: p[0].exp(), alpha: p[1].exp(), a: p[2].exp(), b: p[3].exp() };
            let ll = self.mean_ll(kind, &params, scale);
            if ll.is_finite() { -ll } else { f64::MAX }
        };
        let (best, value, evaluations) = minimise(&cost, vec![0.1; 4])?;
        let params = CountParams {
            r: best[0].exp(),
            alpha: best[1].exp() / scale,
            a: best[2].exp(),
            b: best[3].exp(),
        };
        Ok(CountFit { params, log_likelihood: -value, evaluations })
    }
}

/// Repeat buyers' frequency and mean spend per repeat purchase, for Gamma-Gamma.
#[derive(Clone, Debug, Default)]
pub struct SpendData {
    rows: Vec<(f64, f64, f64)>,
    total: f64,
}

impl SpendData {
    /// Adds `weight` customers with `frequency` (> 0) repeat purchases of `monetary` (> 0) on
    /// average; others are left out, as the model needs.
    pub fn add(&mut self, frequency: f64, monetary: f64, weight: f64) {
        if frequency > 0.0 && monetary > 0.0 {
            self.rows.push((frequency, monetary, weight));
            self.total += weight;
        }
    }

    #[must_use]
    pub fn customers(&self) -> f64 {
        self.total
    }

    fn mean_ll(&self, params: &SpendParams, scale: f64) -> f64 {
        let SpendParams { p, q, v } = *params;
        let (lg_q, ln_v) = (lgamma(q), v.ln());
        let mut total = 0.0;
        for &(x, m, w) in &self.rows {
            let m = m * scale;
            let px = p * x;
            let ll = lgamma(px + q) - lgamma(px) - lg_q + q * ln_v + (px - 1.0) * m.ln() + px * x.ln()
                - (px + q) * (x * m + v).ln();
            total += w * ll;
        }
        total / self.total
    }

    /// The mean log-likelihood per customer of `params` (spend unscaled).
    #[must_use]
    pub fn log_likelihood(&self, params: &SpendParams) -> f64 {
        self.mean_ll(params, 1.0)
    }

    /// Fits Gamma-Gamma by maximum likelihood.
    ///
    /// # Errors
    /// [`FitError::TooLittleData`] under [`MIN_REPEAT_BUYERS`] repeat buyers;
    /// [`FitError::NoConvergence`] when the optimum is not finite.
    pub fn fit(&self) -> Result<SpendFit, FitError> {
        if self.total < MIN_REPEAT_BUYERS {
            return Err(FitError::TooLittleData { customers: self.total, repeat_buyers: self.total });
        }
        // Spend scaled to a mean of 1 for the optimiser (the model scales with v), v scaled back.
        let mean = self.rows.iter().map(|&(_, m, w)| m * w).sum::<f64>() / self.total;
        let scale = 1.0 / mean;
        let cost = |p: &[f64]| {
            let params = SpendParams { p: p[0].exp(), q: p[1].exp(), v: p[2].exp() };
            let ll = self.mean_ll(&params, scale);
            if ll.is_finite() { -ll } else { f64::MAX }
        };
        let (best, value, evaluations) = minimise(&cost, vec![0.1; 3])?;
        let params = SpendParams { p: best[0].exp(), q: best[1].exp(), v: best[2].exp() / scale };
        // The log-likelihood of unscaled spend differs from the scaled one by a constant.
        let log_likelihood = self.mean_ll(&params, 1.0);
        debug_assert!(value.is_finite());
        Ok(SpendFit { params, log_likelihood, evaluations })
    }
}

fn log_add_exp(a: f64, b: f64) -> f64 {
    let max = a.max(b);
    if max == f64::NEG_INFINITY { max } else { max + ((a - max).exp() + (b - max).exp()).ln() }
}

struct Problem<'a>(&'a dyn Fn(&[f64]) -> f64);

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, param: &Self::Param) -> Result<Self::Output, Error> {
        Ok((self.0)(param))
    }
}

/// Minimises `cost` from `start` with Nelder-Mead, restarting around the best point with a
/// smaller simplex until a restart no longer improves it (a single run can stall on a ridge,
/// as the BG/NBD likelihood has between `a` and `b`). Returns the point, its cost and the
/// evaluations used.
fn minimise(cost: &dyn Fn(&[f64]) -> f64, start: Vec<f64>) -> Result<(Vec<f64>, f64, u64), FitError> {
    let mut best = start;
    let mut value = f64::MAX;
    // argmin's own counts stay at zero unless the problem counts itself: count here.
    let evaluations = std::cell::Cell::new(0_u64);
    let counted = |p: &[f64]| {
        evaluations.set(evaluations.get() + 1);
        cost(p)
    };
    for step in [1.0, 0.3, 0.1, 0.03, 0.01] {
        let mut simplex = vec![best.clone()];
        for i in 0..best.len() {
            let mut vertex = best.clone();
            vertex[i] += step;
            simplex.push(vertex);
        }
        let solver = NelderMead::new(simplex)
            .with_sd_tolerance(1e-12)
            .map_err(|e| FitError::NoConvergence(e.to_string()))?;
        let result = Executor::new(Problem(&counted), solver)
            .configure(|state| state.max_iters(5_000))
            .timer(false)
            .run()
            .map_err(|e| FitError::NoConvergence(e.to_string()))?;
        let state = result.state();
        let found = state.get_best_cost();
        let Some(point) = state.get_best_param().cloned() else {
            return Err(FitError::NoConvergence("no point".into()));
        };
        let improved = value - found;
        if found < value {
            best = point;
            value = found;
        }
        if step < 1.0 && improved < 1e-10 {
            break;
        }
    }
    if value >= f64::MAX || best.iter().any(|p| !p.is_finite()) {
        return Err(FitError::NoConvergence("the likelihood is not finite anywhere tried".into()));
    }
    Ok((best, value, evaluations.get()))
}
