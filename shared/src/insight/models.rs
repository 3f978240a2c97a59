//! Purchase-behaviour models (issue 22), written the way the `lifetimes` Python library writes
//! them so a fit here can be checked against it: BG/NBD (Fader, Hardie & Lee 2005), the modified
//! BG/NBD (Batislam, Denizel & Filiztekin 2007), which does not call a one-time buyer certainly
//! alive, and Gamma-Gamma for the spend per purchase (Fader, Hardie & Lee 2005b). Time is in days.
//!
//! Evaluating a fitted model (P(alive), expected purchases, lifetime value) needs only the
//! functions here; fitting (log-likelihoods and the optimiser) is in [`super::fit`], behind the
//! `models` feature so the SPA does not carry it.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "counts and days are far below 2^52; conversions round and clamp on purpose"
)]

use serde::{Deserialize, Serialize};

use crate::stored_enum;

stored_enum! {
    /// Which purchase-count model scores the customers.
    pub enum ModelKind {
        /// BG/NBD: a customer with no repeat purchase is certainly alive.
        BgNbd => "bg_nbd",
        /// Modified BG/NBD: a customer may drop out straight after the first purchase too.
        ModifiedBgNbd => "mbg_nbd",
    }
}

/// One customer's repeat-purchase summary, in days, as `lifetimes` defines it: `frequency`
/// counts the days with a purchase after the first, `recency` is the first purchase day to the
/// last, `age` the first purchase day to the end of the observation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub frequency: f64,
    pub recency: f64,
    pub age: f64,
}

/// The parameters of BG/NBD and modified BG/NBD: purchase rates are Gamma(`r`, `alpha`) over
/// customers, drop-out probabilities Beta(`a`, `b`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CountParams {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

/// The parameters of Gamma-Gamma: spend per purchase.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpendParams {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

/// Days in a month for lifetime value, as `lifetimes` counts them with daily data.
pub const DAYS_PER_MONTH: f64 = 30.0;

impl CountParams {
    /// The probability the customer has not dropped out.
    #[must_use]
    pub fn p_alive(&self, kind: ModelKind, s: Summary) -> f64 {
        let Self { r, alpha, a, b } = *self;
        let x = s.frequency;
        let ratio = ((alpha + s.age) / (alpha + s.recency)).powf(r + x);
        match kind {
            ModelKind::BgNbd if x <= 0.0 => 1.0,
            ModelKind::BgNbd => 1.0 / (1.0 + a / (b + x - 1.0) * ratio),
            ModelKind::ModifiedBgNbd => 1.0 / (1.0 + a / (b + x) * ratio),
        }
    }

    /// How many purchases the customer is expected to make in the next `t` days.
    #[must_use]
    pub fn expected_purchases(&self, kind: ModelKind, s: Summary, t: f64) -> f64 {
        self.expected_purchases_at(kind, s, &[t])[0]
    }

    /// [`Self::expected_purchases`] at several horizons at once: the hypergeometric series has
    /// the same coefficients at every horizon (only its argument changes), so they are worked
    /// out once for all ([`ln_hyp2f1_at`]).
    #[must_use]
    pub fn expected_purchases_at(&self, kind: ModelKind, s: Summary, ts: &[f64]) -> Vec<f64> {
        let Self { r, alpha, a, b } = *self;
        let x = s.frequency;
        // z = t / (alpha + T + t); the power ((alpha + T) / (alpha + T + t))^(r + x) is (1 - z)^(r + x).
        let zs: Vec<f64> = ts.iter().map(|&t| if t > 0.0 { t / (alpha + s.age + t) } else { 0.0 }).collect();
        let ratio = ((alpha + s.age) / (alpha + s.recency)).powf(r + x);
        let (hb, hc, scale, denominator) = match kind {
            ModelKind::BgNbd => (
                b + x,
                a + b + x - 1.0,
                (a + b + x - 1.0) / (a - 1.0),
                if x > 0.0 { 1.0 + a / (b + x - 1.0) * ratio } else { 1.0 },
            ),
            ModelKind::ModifiedBgNbd => {
                (b + x + 1.0, a + b + x, (a + b + x) / (a - 1.0), 1.0 + a / (b + x) * ratio)
            }
        };
        let series = ln_hyp2f1_at(r + x, hb, hc, &zs);
        ts.iter()
            .zip(zs.iter().zip(series))
            .map(|(&t, (&z, ln_f))| {
                if t <= 0.0 {
                    return 0.0;
                }
                scale * (1.0 - (ln_f + (r + x) * (1.0 - z).ln()).exp()) / denominator
            })
            .collect()
    }

    /// The expected purchase rate per day if alive: the mean of the customer's posterior
    /// Gamma(`r + x`, `alpha + T`).
    #[must_use]
    pub fn rate_if_alive(&self, s: Summary) -> f64 {
        (self.r + s.frequency) / (self.alpha + s.age)
    }

    /// The population's mean purchase rate per day.
    #[must_use]
    pub fn mean_rate(&self) -> f64 {
        self.r / self.alpha
    }
}

impl SpendParams {
    /// The expected spend per purchase of a customer with `frequency` repeat purchases of
    /// `monetary` on average; the population's mean for a customer with none.
    #[must_use]
    pub fn expected_spend(&self, frequency: f64, monetary: f64) -> f64 {
        let Self { p, q, v } = *self;
        if frequency <= 0.0 {
            return p * v / (q - 1.0);
        }
        p * (v + frequency * monetary) / (p * frequency + q - 1.0)
    }
}

/// The expected value of a customer's purchases over the next `months`, each month discounted
/// by `monthly_discount` (0.01 = 1%), as `lifetimes.utils._customer_lifetime_value` sums it.
#[must_use]
pub fn lifetime_value(
    count: &CountParams,
    kind: ModelKind,
    s: Summary,
    spend_per_purchase: f64,
    months: u32,
    monthly_discount: f64,
) -> f64 {
    let ends: Vec<f64> = (1..=months).map(month_end).collect();
    discounted_value(&count.expected_purchases_at(kind, s, &ends), spend_per_purchase, monthly_discount)
}

/// The horizon, in days, of the end of month `month` (1 = the first month ahead).
#[must_use]
pub fn month_end(month: u32) -> f64 {
    f64::from(month) * DAYS_PER_MONTH
}

/// The lifetime value from the expected purchases by the end of each month ahead
/// (`by_month_end[0]` the first month's): each month's increment at the spend per purchase,
/// discounted by `monthly_discount` per month.
#[must_use]
pub fn discounted_value(by_month_end: &[f64], spend_per_purchase: f64, monthly_discount: f64) -> f64 {
    let mut value = 0.0;
    let mut before = 0.0;
    let mut factor = 1.0;
    for &expected in by_month_end {
        factor /= 1.0 + monthly_discount;
        value += spend_per_purchase * (expected - before) * factor;
        before = expected;
    }
    value
}

/// ln 2F1(a, b; c; z) for 0 <= z < 1 by its power series, summed with a running scale so large
/// `a` and `b` (customers with many purchases) neither overflow nor lose the small terms. The
/// special-function crates at hand (`statrs`, `libm`) have no Gauss hypergeometric function.
#[must_use]
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    ln_hyp2f1_at(a, b, c, &[z])[0]
}

/// [`ln_hyp2f1`] at several `zs` at once: the series' coefficient ratios
/// (a + n)(b + n) / ((c + n)(n + 1)) are shared, each argument keeps its own term, sum and scale.
#[must_use]
#[allow(clippy::many_single_char_names, reason = "the function's own notation")]
pub fn ln_hyp2f1_at(a: f64, b: f64, c: f64, zs: &[f64]) -> Vec<f64> {
    const RESCALE: f64 = 1e200;
    let mut terms = vec![1.0_f64; zs.len()];
    let mut sums = vec![1.0_f64; zs.len()];
    let mut ln_scales = vec![0.0_f64; zs.len()];
    let mut n = 0.0_f64;
    // Terms grow while (a + n)(b + n) z > (c + n)(n + 1) and shrink geometrically (ratio -> z)
    // after; stop once every series is past its peak and its term negligible.
    for _ in 0..1_000_000 {
        let coefficient = (a + n) * (b + n) / ((c + n) * (n + 1.0));
        n += 1.0;
        let mut done = true;
        for (((term, sum), ln_scale), &z) in terms.iter_mut().zip(&mut sums).zip(&mut ln_scales).zip(zs) {
            let ratio = coefficient * z;
            *term *= ratio;
            *sum += *term;
            if *sum > RESCALE {
                *sum /= RESCALE;
                *term /= RESCALE;
                *ln_scale += RESCALE.ln();
            }
            done &= ratio < 1.0 && term.abs() <= sum.abs() * 1e-16;
        }
        if done {
            break;
        }
    }
    sums.iter().zip(ln_scales).map(|(sum, ln_scale)| sum.ln() + ln_scale).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The CDNOW sample's parameters as `lifetimes` 0.11.3 fits them (its `load_cdnow_summary`),
    // in weeks, and its answers for a customer with 2 repeat purchases, recency 30.43, age 38.86.
    const CDNOW_BG: CountParams = CountParams {
        r: 0.242_592_928_279_821_5,
        alpha: 4.413_532_265_271_809,
        a: 0.792_885_966_440_657_8,
        b: 2.425_752_382_625_737_4,
    };

    #[test]
    fn bg_nbd_matches_lifetimes_on_cdnow() {
        let s = Summary { frequency: 2.0, recency: 30.43, age: 38.86 };
        let alive = CDNOW_BG.p_alive(ModelKind::BgNbd, s);
        assert!((alive - 0.726_609_14).abs() < 1e-7, "{alive}");
        let expected = CDNOW_BG.expected_purchases(ModelKind::BgNbd, s, 39.0);
        assert!((expected - 1.225_910_424_174_406_8).abs() < 1e-9, "{expected}");
    }

    #[test]
    fn the_series_agrees_with_closed_forms() {
        // 2F1(1, 1; 2; z) = -ln(1 - z) / z; 2F1(a, b; b; z) = (1 - z)^-a.
        for z in [0.01_f64, 0.3, 0.7, 0.95, 0.999] {
            let closed = (-(1.0 - z).ln() / z).ln();
            assert!((ln_hyp2f1(1.0, 1.0, 2.0, z) - closed).abs() < 1e-9, "z={z}");
            let closed = -2.5 * (1.0 - z).ln();
            assert!((ln_hyp2f1(2.5, 3.0, 3.0, z) - closed).abs() < 1e-9, "z={z}");
        }
        // Several arguments at once give each what it gives alone.
        let zs = [0.0, 0.01, 0.3, 0.7, 0.95, 0.999];
        for (z, at) in zs.iter().zip(ln_hyp2f1_at(0.4, 33.0, 34.2, &zs)) {
            let alone = ln_hyp2f1_at(0.4, 33.0, 34.2, &[*z])[0];
            assert!((at - alone).abs() <= 1e-13 * alone.abs().max(1.0), "z={z}: {at} vs {alone}");
        }
        // Large parameters (a customer with 2000 purchases) stay finite.
        let big = ln_hyp2f1(2000.0, 2001.0, 2002.0, 0.6);
        assert!(big.is_finite() && big > 1000.0, "{big}");
    }

    #[test]
    fn p_alive_falls_with_time_since_the_last_purchase() {
        let params = CountParams { r: 0.8, alpha: 40.0, a: 0.6, b: 3.0 };
        for kind in [ModelKind::BgNbd, ModelKind::ModifiedBgNbd] {
            let mut before = 1.0;
            for age in [100.0, 150.0, 250.0, 400.0] {
                let alive = params.p_alive(kind, Summary { frequency: 4.0, recency: 90.0, age });
                assert!(alive < before && alive > 0.0, "{kind:?} {age} {alive}");
                before = alive;
            }
        }
        // A one-time buyer: BG/NBD calls her certainly alive, the modified model does not.
        let once = Summary { frequency: 0.0, recency: 0.0, age: 300.0 };
        assert!((params.p_alive(ModelKind::BgNbd, once) - 1.0).abs() < f64::EPSILON);
        assert!(params.p_alive(ModelKind::ModifiedBgNbd, once) < 1.0);
    }

    #[test]
    fn expectations_grow_with_the_horizon_and_value_is_discounted() {
        let params = CountParams { r: 0.8, alpha: 40.0, a: 0.6, b: 3.0 };
        let s = Summary { frequency: 5.0, recency: 200.0, age: 220.0 };
        for kind in [ModelKind::BgNbd, ModelKind::ModifiedBgNbd] {
            let e30 = params.expected_purchases(kind, s, 30.0);
            let e90 = params.expected_purchases(kind, s, 90.0);
            let e365 = params.expected_purchases(kind, s, 365.0);
            assert!(0.0 < e30 && e30 < e90 && e90 < e365, "{kind:?} {e30} {e90} {e365}");
            // Never more than the rate if alive would give.
            assert!(e365 < params.rate_if_alive(s) * 365.0);
            // All horizons at once give each what it gives alone.
            let ts = [30.0, 90.0, 365.0, 0.0];
            for (t, at) in ts.iter().zip(params.expected_purchases_at(kind, s, &ts)) {
                let alone = params.expected_purchases_at(kind, s, &[*t])[0];
                assert!((at - alone).abs() < 1e-12, "{kind:?} t={t}: {at} vs {alone}");
            }
            let undiscounted = lifetime_value(&params, kind, s, 100.0, 12, 0.0);
            let discounted = lifetime_value(&params, kind, s, 100.0, 12, 0.01);
            assert!((undiscounted - 100.0 * params.expected_purchases(kind, s, 360.0)).abs() < 1e-9);
            assert!(discounted < undiscounted && discounted > 0.88 * undiscounted);
        }
    }

    #[test]
    fn gamma_gamma_shrinks_towards_the_population_mean() {
        let spend = SpendParams { p: 6.0, q: 4.0, v: 15.0 };
        let mean = spend.expected_spend(0.0, 0.0);
        assert!((mean - 30.0).abs() < 1e-12);
        // One purchase of 100 moves the estimate part of the way; many purchases nearly all of it.
        let one = spend.expected_spend(1.0, 100.0);
        let many = spend.expected_spend(50.0, 100.0);
        assert!(mean < one && one < many && many < 100.0, "{one} {many}");
    }
}
