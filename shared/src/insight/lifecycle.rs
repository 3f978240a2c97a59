//! Automatic lifecycle stages (issue 22): where each buying customer stands, from P(alive), the
//! customer's own purchase rhythm, stars and recent complaints or detractor scores, with the
//! reasons in words. Pure: the server decides with it on every scoring pass and the SPA shows the
//! same sentences.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "counts and days are far below 2^52; conversions round and clamp on purpose"
)]

use serde::{Deserialize, Serialize};

use crate::customer::LifecycleStage;
use crate::explain::Language;

/// A workspace's lifecycle rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "LifecycleRulesInput"))]
#[serde(rename_all = "camelCase")]
pub struct Rules {
    /// Stages are set automatically for buying customers (staff still set lead and prospect).
    pub automatic: bool,
    /// A one-time buyer is new for this many days after the first purchase.
    pub new_days: u32,
    /// Loyal: at least this many days with a purchase and at least `loyal_min_stars` stars.
    pub loyal_min_purchases: u32,
    pub loyal_min_stars: u8,
    /// At risk below this P(alive) (0..1).
    pub at_risk_below: f64,
    /// At risk when the time since the last purchase passes this many of the customer's usual
    /// gaps (customers with at least [`MIN_GAPS`] gaps).
    pub overdue_factor: f64,
    /// Customers of at least `complaint_min_stars` with a complaint in the last
    /// `complaint_days` days, or a detractor score (0-6) in that time, are at risk.
    pub complaint_days: u32,
    pub complaint_min_stars: u8,
    /// Churned below this P(alive); without a fitted model, after `churned_days` without a
    /// purchase.
    pub churned_below: f64,
    pub churned_days: u32,
    /// A churned customer who buys again is won back for this many days.
    pub won_back_days: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            automatic: true,
            new_days: 60,
            loyal_min_purchases: 4,
            loyal_min_stars: 4,
            at_risk_below: 0.5,
            overdue_factor: 2.5,
            complaint_days: 30,
            complaint_min_stars: 4,
            churned_below: 0.15,
            churned_days: 365,
            won_back_days: 90,
        }
    }
}

/// The fewest gaps between purchase days that make a personal rhythm worth reading.
pub const MIN_GAPS: u32 = 2;

/// A customer's own rhythm: the gaps in days between consecutive days with a purchase.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rhythm {
    pub gaps: u32,
    pub median_days: f64,
    /// Half the interquartile range of the gaps.
    pub spread_days: f64,
}

impl Rhythm {
    /// The rhythm of these purchase days (sorted, distinct); `None` without [`MIN_GAPS`] gaps.
    #[must_use]
    pub fn of_days(days: &[i64]) -> Option<Self> {
        let mut gaps: Vec<f64> = days.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
        let count = u32::try_from(gaps.len()).ok()?;
        if count < MIN_GAPS {
            return None;
        }
        gaps.sort_by(f64::total_cmp);
        Some(Self {
            gaps: count,
            median_days: quantile(&gaps, 0.5),
            spread_days: (quantile(&gaps, 0.75) - quantile(&gaps, 0.25)) / 2.0,
        })
    }
}

/// Linear-interpolated quantile of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - position.floor())
}

/// What the stage is decided from.
#[derive(Clone, Debug, PartialEq)]
pub struct Signals {
    /// Distinct days with a purchase.
    pub purchase_days: u32,
    pub days_since_first: f64,
    pub days_since_last: f64,
    /// From the fitted model; `None` without one.
    pub p_alive: Option<f64>,
    pub rhythm: Option<Rhythm>,
    pub stars: Option<u8>,
    /// Complaints opened within the rules' `complaint_days`.
    pub recent_complaints: u32,
    /// The lowest NPS score (0-10) given within `complaint_days`, if any.
    pub recent_nps: Option<u8>,
    pub previous: LifecycleStage,
    /// Days since the previous stage was set.
    pub days_in_previous: f64,
}

/// Why a customer is at a stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Reason {
    NoPurchase,
    FirstPurchase {
        days: u32,
    },
    Buying {
        purchase_days: u32,
    },
    Loyal {
        purchase_days: u32,
        stars: u8,
    },
    LowPAlive {
        percent: u32,
        below: u32,
    },
    Overdue {
        usual_days: u32,
        days_since: u32,
    },
    Complaints {
        count: u32,
        stars: u8,
    },
    Detractor {
        score: u8,
    },
    Silent {
        days: u32,
    },
    Returned {
        days_in_churned: u32,
    },
    /// Staff set the stage.
    SetByStaff,
}

/// A decided stage and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub stage: LifecycleStage,
    pub reasons: Vec<Reason>,
}

fn days(value: f64) -> u32 {
    value.max(0.0).round() as u32
}

fn percent(value: f64) -> u32 {
    (value * 100.0).round().clamp(0.0, 100.0) as u32
}

/// The stage the rules give a customer. Customers with no purchase keep a lead or prospect stage
/// staff gave them (else prospect); a churned customer stays churned until a purchase after
/// being called churned, which wins them back.
#[must_use]
pub fn decide(rules: &Rules, s: &Signals) -> Decision {
    let one = |stage, reason| Decision { stage, reasons: vec![reason] };
    if s.purchase_days == 0 {
        let stage = match s.previous {
            LifecycleStage::Lead | LifecycleStage::Prospect => s.previous,
            _ => LifecycleStage::Prospect,
        };
        return one(stage, Reason::NoPurchase);
    }
    let came_back = s.previous == LifecycleStage::Churned && s.days_since_last < s.days_in_previous;
    if !came_back {
        if let Some(p) = s.p_alive {
            if p < rules.churned_below {
                let reason = Reason::LowPAlive { percent: percent(p), below: percent(rules.churned_below) };
                return one(LifecycleStage::Churned, reason);
            }
        } else if s.days_since_last >= f64::from(rules.churned_days) {
            return one(LifecycleStage::Churned, Reason::Silent { days: days(s.days_since_last) });
        }
        if s.previous == LifecycleStage::Churned {
            // No purchase since: still churned whatever a refit says.
            return Decision {
                stage: LifecycleStage::Churned,
                reasons: vec![Reason::Silent { days: days(s.days_since_last) }],
            };
        }
    }
    let mut risks = Vec::new();
    if let Some(p) = s.p_alive.filter(|p| *p < rules.at_risk_below) {
        risks.push(Reason::LowPAlive { percent: percent(p), below: percent(rules.at_risk_below) });
    }
    if let Some(rhythm) =
        s.rhythm.filter(|r| r.median_days > 0.0 && s.days_since_last > rules.overdue_factor * r.median_days)
    {
        risks.push(Reason::Overdue {
            usual_days: days(rhythm.median_days),
            days_since: days(s.days_since_last),
        });
    }
    let stars = s.stars.unwrap_or(0);
    if stars >= rules.complaint_min_stars {
        if s.recent_complaints > 0 {
            risks.push(Reason::Complaints { count: s.recent_complaints, stars });
        }
        if let Some(score) = s.recent_nps.filter(|score| *score <= 6) {
            risks.push(Reason::Detractor { score });
        }
    }
    if !risks.is_empty() && !came_back {
        return Decision { stage: LifecycleStage::AtRisk, reasons: risks };
    }
    if came_back {
        return one(LifecycleStage::WonBack, Reason::Returned { days_in_churned: days(s.days_in_previous) });
    }
    if s.previous == LifecycleStage::WonBack && s.days_in_previous < f64::from(rules.won_back_days) {
        return one(LifecycleStage::WonBack, Reason::Buying { purchase_days: s.purchase_days });
    }
    if s.purchase_days == 1 && s.days_since_first <= f64::from(rules.new_days) {
        return one(LifecycleStage::New, Reason::FirstPurchase { days: days(s.days_since_first) });
    }
    if s.purchase_days >= rules.loyal_min_purchases && stars >= rules.loyal_min_stars {
        return one(LifecycleStage::Loyal, Reason::Loyal { purchase_days: s.purchase_days, stars });
    }
    one(LifecycleStage::Active, Reason::Buying { purchase_days: s.purchase_days })
}

impl Reason {
    /// The reason in words.
    #[must_use]
    pub fn text(&self, language: Language) -> String {
        let zh = language == Language::ZhCn;
        match *self {
            Self::NoPurchase if zh => "尚无购买".to_owned(),
            Self::NoPurchase => "No purchase yet".to_owned(),
            Self::FirstPurchase { days } if zh => format!("{days} 天前首次购买"),
            Self::FirstPurchase { days } => format!("First purchase {days} days ago"),
            Self::Buying { purchase_days } if zh => format!("已在 {purchase_days} 天有购买"),
            Self::Buying { purchase_days } => format!("Has bought on {purchase_days} days"),
            Self::Loyal { purchase_days, stars } if zh => {
                format!("{stars} 星，已在 {purchase_days} 天有购买")
            }
            Self::Loyal { purchase_days, stars } => {
                format!("{stars} stars, has bought on {purchase_days} days")
            }
            Self::LowPAlive { percent, below } if zh => format!("仍活跃的概率为 {percent}%，低于 {below}%"),
            Self::LowPAlive { percent, below } => {
                format!("Probability still active is {percent}%, below {below}%")
            }
            Self::Overdue { usual_days, days_since } if zh => {
                format!("通常每 {usual_days} 天购买一次，距上次购买已 {days_since} 天")
            }
            Self::Overdue { usual_days, days_since } => {
                format!("Usually buys every {usual_days} days, now {days_since} days since the last purchase")
            }
            Self::Complaints { count, stars } if zh => format!("{stars} 星客户，近期有 {count} 次投诉"),
            Self::Complaints { count: 1, stars } => {
                format!("A {stars}-star customer with a recent complaint")
            }
            Self::Complaints { count, stars } => {
                format!("A {stars}-star customer with {count} recent complaints")
            }
            Self::Detractor { score } if zh => format!("近期调查评分 {score}/10（贬损者）"),
            Self::Detractor { score } => format!("Scored {score} of 10 in a recent survey (detractor)"),
            Self::Silent { days } if zh => format!("已 {days} 天没有购买"),
            Self::Silent { days } => format!("No purchase for {days} days"),
            Self::Returned { days_in_churned } if zh => format!("流失 {days_in_churned} 天后再次购买"),
            Self::Returned { days_in_churned } => {
                format!("Bought again after {days_in_churned} days as churned")
            }
            Self::SetByStaff if zh => "由员工设置".to_owned(),
            Self::SetByStaff => "Set by staff".to_owned(),
        }
    }
}

/// The star explanation's sentence on what the purchase models say: the chance the customer is
/// still active and the day the next purchase is expected (`YYYY-MM-DD`).
#[must_use]
pub fn activity_line(p_alive: f64, next: Option<&str>, language: Language) -> String {
    let percent = percent(p_alive);
    match (language, next) {
        (Language::ZhCn, Some(day)) => format!("仍活跃的概率为 {percent}%，预计 {day} 前后再次购买。"),
        (Language::ZhCn, None) => format!("仍活跃的概率为 {percent}%。"),
        (Language::En, Some(day)) => {
            format!("Chance still active: {percent}%; next purchase expected around {day}.")
        }
        (Language::En, None) => format!("Chance still active: {percent}%."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals() -> Signals {
        Signals {
            purchase_days: 5,
            days_since_first: 300.0,
            days_since_last: 10.0,
            p_alive: Some(0.9),
            rhythm: Rhythm::of_days(&[0, 20, 41, 60, 82]),
            stars: Some(3),
            recent_complaints: 0,
            recent_nps: None,
            previous: LifecycleStage::Active,
            days_in_previous: 40.0,
        }
    }

    #[test]
    fn the_activity_sentence_in_both_languages() {
        assert_eq!(
            activity_line(0.842, Some("2026-12-20"), Language::En),
            "Chance still active: 84%; next purchase expected around 2026-12-20."
        );
        assert_eq!(activity_line(0.5, None, Language::ZhCn), "仍活跃的概率为 50%。");
    }

    #[test]
    fn rhythm_is_the_median_gap_and_half_the_iqr() {
        let rhythm = Rhythm::of_days(&[0, 20, 41, 60, 82]).unwrap();
        assert_eq!(rhythm.gaps, 4);
        assert!((rhythm.median_days - 20.5).abs() < 1e-12);
        assert!((rhythm.spread_days - 0.75).abs() < 1e-12, "{rhythm:?}");
        assert_eq!(Rhythm::of_days(&[3, 9]), None);
    }

    #[test]
    fn stages_follow_the_rules() {
        let rules = Rules::default();
        assert_eq!(decide(&rules, &signals()).stage, LifecycleStage::Active);
        let loyal = Signals { stars: Some(4), ..signals() };
        assert_eq!(decide(&rules, &loyal).stage, LifecycleStage::Loyal);
        let new = Signals {
            purchase_days: 1,
            days_since_first: 12.0,
            days_since_last: 12.0,
            rhythm: None,
            ..signals()
        };
        assert_eq!(decide(&rules, &new).reasons, vec![Reason::FirstPurchase { days: 12 }]);
        let none = Signals { purchase_days: 0, previous: LifecycleStage::Lead, ..signals() };
        assert_eq!(decide(&rules, &none).stage, LifecycleStage::Lead);
        let reverted = Signals { purchase_days: 0, previous: LifecycleStage::Active, ..signals() };
        assert_eq!(decide(&rules, &reverted).stage, LifecycleStage::Prospect);
    }

    #[test]
    fn overdue_against_the_own_rhythm_with_the_reason_in_both_languages() {
        let late = Signals { days_since_last: 64.0, ..signals() };
        let decision = decide(&Rules::default(), &late);
        assert_eq!(decision.stage, LifecycleStage::AtRisk);
        assert_eq!(decision.reasons, vec![Reason::Overdue { usual_days: 21, days_since: 64 }]);
        assert_eq!(
            decision.reasons[0].text(Language::En),
            "Usually buys every 21 days, now 64 days since the last purchase"
        );
        assert_eq!(decision.reasons[0].text(Language::ZhCn), "通常每 21 天购买一次，距上次购买已 64 天");
    }

    #[test]
    fn complaints_and_detractors_put_high_stars_at_risk_only() {
        let rules = Rules::default();
        let upset = Signals { stars: Some(5), recent_complaints: 2, recent_nps: Some(3), ..signals() };
        let decision = decide(&rules, &upset);
        assert_eq!(decision.stage, LifecycleStage::AtRisk);
        assert_eq!(
            decision.reasons,
            vec![Reason::Complaints { count: 2, stars: 5 }, Reason::Detractor { score: 3 }]
        );
        let low = Signals { stars: Some(2), recent_complaints: 2, ..signals() };
        assert_eq!(decide(&rules, &low).stage, LifecycleStage::Active);
    }

    #[test]
    fn churn_holds_until_a_purchase_wins_the_customer_back() {
        let rules = Rules::default();
        let gone = Signals { p_alive: Some(0.1), days_since_last: 200.0, ..signals() };
        assert_eq!(decide(&rules, &gone).stage, LifecycleStage::Churned);
        // A refit lifting P(alive) without a purchase leaves them churned.
        let refit = Signals {
            p_alive: Some(0.3),
            days_since_last: 230.0,
            previous: LifecycleStage::Churned,
            days_in_previous: 30.0,
            ..signals()
        };
        assert_eq!(decide(&rules, &refit).stage, LifecycleStage::Churned);
        // A purchase after being called churned: won back, then back to the usual stages.
        let back = Signals {
            days_since_last: 2.0,
            previous: LifecycleStage::Churned,
            days_in_previous: 120.0,
            ..signals()
        };
        let decision = decide(&rules, &back);
        assert_eq!(decision.stage, LifecycleStage::WonBack);
        assert_eq!(decision.reasons[0].text(Language::En), "Bought again after 120 days as churned");
        let settled = Signals { previous: LifecycleStage::WonBack, days_in_previous: 100.0, ..signals() };
        assert_eq!(decide(&rules, &settled).stage, LifecycleStage::Active);
        // Without a model, silence for the churn period.
        let silent = Signals { p_alive: None, rhythm: None, days_since_last: 400.0, ..signals() };
        assert_eq!(decide(&rules, &silent).reasons, vec![Reason::Silent { days: 400 }]);
    }
}
