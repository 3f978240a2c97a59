//! The earn rule: points per currency unit spent, times the star level's multiplier (from the
//! tier benefits), category bonuses, a cap per purchase, a pending period before the points can
//! be spent, and when they expire. A workspace's rule is versioned; every lot keeps a snapshot of
//! what earned it, so a refund takes back exactly what the purchase earned even after the rule
//! or the customer's stars changed.

use serde::{Deserialize, Serialize};

use crate::stored_enum;
use crate::validate::Invalid;

stored_enum! {
    /// When earned points expire.
    pub enum ExpiryKind {
        /// Never.
        Never => "never",
        /// `count` days after they were earned.
        AfterDays => "after_days",
        /// At the end of the month `count` months after the month they were earned in (0: the
        /// end of that month), in the workspace's time zone.
        MonthEnd => "month_end",
        /// At the end of the year `count` years after the year they were earned in (1: the end
        /// of next year), in the workspace's time zone.
        YearEnd => "year_end",
    }
}

/// When earned points expire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "ExpiryRuleInput"))]
#[serde(rename_all = "camelCase")]
pub struct ExpiryRule {
    pub kind: ExpiryKind,
    /// Days, months or years, as `kind` says; ignored for `NEVER`.
    pub count: u32,
}

/// Points for a category at a different rate: `multiplier` 2 earns double on those lines, 0
/// earns nothing on them (gift cards, deposits).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "CategoryBonusInput"))]
#[serde(rename_all = "camelCase")]
pub struct CategoryBonus {
    pub category: String,
    pub multiplier: f64,
}

/// A workspace's earn rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "EarnRuleInput"))]
#[serde(rename_all = "camelCase")]
pub struct EarnRule {
    /// Whether purchases earn points at all.
    pub active: bool,
    /// `points` for every `perMinor` minor units spent: 1 per 100 is one point per yuan.
    pub points: u32,
    pub per_minor: u32,
    pub category_bonuses: Vec<CategoryBonus>,
    /// The most points one purchase earns (after every multiplier).
    pub cap_per_purchase: Option<u32>,
    /// Days before earned points can be spent: a purchase refunded within them never made
    /// spendable points.
    pub pending_days: u32,
    pub expiry: ExpiryRule,
    /// Days before expiry a member is told what will expire.
    pub warn_days: u32,
    /// Birthday gift points by star level: five figures, 1 star to 5 stars (empty: no gift).
    /// Given once a year on the member's birthday in the workspace's time zone.
    #[serde(default)]
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub birthday_points: Vec<u32>,
    /// Points for a member whose referred customer's first purchase passed the pending period,
    /// and for that customer (0: no referral programme).
    #[serde(default)]
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub referrer_points: u32,
    #[serde(default)]
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub referred_points: u32,
    /// The message members get `warnDays` before points expire (none: only the
    /// `pointsExpiring` event in the change feed).
    #[serde(default)]
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub warning: Option<super::warning::ExpiryWarning>,
}

/// Most category bonuses in a rule.
pub const BONUSES_MAX: usize = 50;
/// Highest multiplier a category (or a star level) may have.
pub const MULTIPLIER_MAX: f64 = 100.0;
/// Longest pending period, days.
pub const PENDING_DAYS_MAX: u32 = 365;
/// Longest expiry period: 100 years in days, 1,200 months, 100 years.
pub const EXPIRY_DAYS_MAX: u32 = 36_600;

impl EarnRule {
    /// What a new workspace starts with: one point per currency unit, spendable after 7 days,
    /// expiring at the end of the year after, warned 30 days ahead. Off until the business
    /// turns it on.
    pub fn standard() -> Self {
        Self {
            active: false,
            points: 1,
            per_minor: 100,
            category_bonuses: Vec::new(),
            cap_per_purchase: None,
            pending_days: 7,
            expiry: ExpiryRule { kind: ExpiryKind::YearEnd, count: 1 },
            warn_days: 30,
            birthday_points: Vec::new(),
            referrer_points: 0,
            referred_points: 0,
            warning: None,
        }
    }

    /// The birthday gift for a member with `stars` (none without stars or a gift).
    pub fn birthday_gift(&self, stars: Option<i16>) -> Option<u32> {
        let level = usize::try_from(stars?).ok()?.checked_sub(1)?;
        self.birthday_points.get(level).copied().filter(|p| *p > 0)
    }

    /// Checks a rule as written in the settings; the error names the field.
    ///
    /// # Errors
    /// The first field that is wrong.
    pub fn check(&self) -> Result<(), (String, Invalid)> {
        let wrong = |field: &str, why| Err((field.to_owned(), why));
        if self.points == 0 {
            return wrong("points", Invalid::TooSmall { min: 1 });
        }
        if self.points > 1_000_000 {
            return wrong("points", Invalid::TooLarge);
        }
        if self.per_minor == 0 {
            return wrong("perMinor", Invalid::TooSmall { min: 1 });
        }
        if self.category_bonuses.len() > BONUSES_MAX {
            return wrong("categoryBonuses", Invalid::TooLarge);
        }
        for (i, bonus) in self.category_bonuses.iter().enumerate() {
            let category = bonus.category.trim();
            if category.is_empty() {
                return wrong(&format!("categoryBonuses[{i}].category"), Invalid::Required);
            }
            if category.chars().count() > 100 {
                return wrong(&format!("categoryBonuses[{i}].category"), Invalid::TooLong { max: 100 });
            }
            if self.category_bonuses[..i].iter().any(|b| b.category.trim() == category) {
                return wrong(&format!("categoryBonuses[{i}].category"), Invalid::Duplicate);
            }
            if !bonus.multiplier.is_finite() || bonus.multiplier < 0.0 {
                return wrong(&format!("categoryBonuses[{i}].multiplier"), Invalid::Negative);
            }
            if bonus.multiplier > MULTIPLIER_MAX {
                return wrong(&format!("categoryBonuses[{i}].multiplier"), Invalid::TooLarge);
            }
        }
        if self.cap_per_purchase == Some(0) {
            return wrong("capPerPurchase", Invalid::TooSmall { min: 1 });
        }
        if self.pending_days > PENDING_DAYS_MAX {
            return wrong("pendingDays", Invalid::TooLarge);
        }
        let longest = match self.expiry.kind {
            ExpiryKind::Never => u32::MAX,
            ExpiryKind::AfterDays => EXPIRY_DAYS_MAX,
            ExpiryKind::MonthEnd => 1_200,
            ExpiryKind::YearEnd => 100,
        };
        if self.expiry.kind == ExpiryKind::AfterDays && self.expiry.count == 0 {
            return wrong("expiry.count", Invalid::TooSmall { min: 1 });
        }
        if self.expiry.count > longest {
            return wrong("expiry.count", Invalid::TooLarge);
        }
        if self.warn_days > 365 {
            return wrong("warnDays", Invalid::TooLarge);
        }
        if !matches!(self.birthday_points.len(), 0 | 5) {
            return wrong("birthdayPoints", Invalid::WrongType);
        }
        if self.birthday_points.iter().any(|p| *p > 1_000_000) {
            return wrong("birthdayPoints", Invalid::TooLarge);
        }
        if self.referrer_points > 1_000_000 {
            return wrong("referrerPoints", Invalid::TooLarge);
        }
        if self.referred_points > 1_000_000 {
            return wrong("referredPoints", Invalid::TooLarge);
        }
        if let Some(warning) = &self.warning {
            if self.warn_days == 0 {
                return wrong("warnDays", Invalid::TooSmall { min: 1 });
            }
            if let Err((field, _)) = warning.check() {
                return wrong(&format!("warning.{field}"), Invalid::NotAnOption);
            }
        }
        Ok(())
    }

    /// The multiplier of `category`, in thousandths (1000 when it has no bonus).
    fn category_milli(&self, category: Option<&str>) -> i64 {
        category
            .and_then(|c| self.category_bonuses.iter().find(|b| b.category.trim() == c.trim()))
            .map_or(1000, |b| milli(b.multiplier))
    }

    /// What a purchase of `amount_minor` with `lines` earns for a customer whose star level
    /// multiplies points by `star_multiplier` (1 without one).
    ///
    /// Category bonuses apply to the lines' share of the amount: when the lines add up to more
    /// than was paid (a discount on the whole order), each line counts in proportion. Every
    /// step is integer arithmetic, rounded down once at the end.
    pub fn earn(&self, amount_minor: i64, lines: &[Line<'_>], star_multiplier: f64) -> Earned {
        let star_milli = milli(star_multiplier);
        let amount = i128::from(amount_minor.max(0));
        let lines_total: i128 = lines.iter().map(|l| i128::from(l.amount_minor.max(0))).sum();
        // Extra thousandths of a minor unit the categories add (or take away).
        let extra: i128 = lines
            .iter()
            .map(|l| i128::from(l.amount_minor.max(0)) * i128::from(self.category_milli(l.category) - 1000))
            .sum();
        let extra =
            if lines_total > amount && lines_total > 0 { extra * amount / lines_total } else { extra };
        let weighted_milli = (amount * 1000 + extra).max(0);
        let raw = weighted_milli * i128::from(star_milli) * i128::from(self.points)
            / (i128::from(self.per_minor.max(1)) * 1_000_000);
        let cap = self.cap_per_purchase.map(i128::from);
        let points = cap.map_or(raw, |c| raw.min(c));
        Earned {
            points: i64::try_from(points).unwrap_or(i64::MAX),
            weighted_minor: i64::try_from(weighted_milli / 1000).unwrap_or(i64::MAX),
            star_multiplier_milli: star_milli,
            capped: cap.is_some_and(|c| raw > c),
        }
    }
}

/// One line of a purchase as the earn rule sees it.
#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    pub category: Option<&'a str>,
    /// Quantity times unit price.
    pub amount_minor: i64,
}

/// What a purchase earned, and why: kept on the lot as its earn snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Earned {
    pub points: i64,
    /// The amount after category bonuses.
    pub weighted_minor: i64,
    /// The star level's multiplier in thousandths (1500 for 1.5x).
    pub star_multiplier_milli: i64,
    /// Whether the cap cut it.
    pub capped: bool,
}

/// A multiplier in thousandths, within 0 and [`MULTIPLIER_MAX`].
#[allow(clippy::cast_possible_truncation)] // clamped to 0..=100_000 first
pub fn milli(multiplier: f64) -> i64 {
    if multiplier.is_finite() {
        (multiplier.clamp(0.0, MULTIPLIER_MAX) * 1000.0).round() as i64
    } else {
        1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> EarnRule {
        EarnRule { active: true, ..EarnRule::standard() }
    }

    #[test]
    fn one_point_per_yuan_times_the_star_multiplier() {
        let earned = rule().earn(12_850, &[], 1.5);
        assert_eq!(earned.points, 192, "128.50 yuan at 1.5x is 192.75, rounded down");
        assert_eq!(earned.star_multiplier_milli, 1500);
        assert_eq!(rule().earn(99, &[], 1.0).points, 0, "less than a yuan earns nothing");
        assert_eq!(rule().earn(10_000, &[], 2.0).points, 200);
    }

    #[test]
    fn category_bonuses_apply_to_their_lines_share() {
        let mut r = rule();
        r.category_bonuses = vec![
            CategoryBonus { category: "母婴".into(), multiplier: 2.0 },
            CategoryBonus { category: "gift card".into(), multiplier: 0.0 },
        ];
        let lines = [
            Line { category: Some("母婴"), amount_minor: 5_000 },
            Line { category: Some("gift card"), amount_minor: 3_000 },
            Line { category: None, amount_minor: 2_000 },
        ];
        // 100 paid: 50 counts double, 30 not at all, 20 once: 100 + 50 - 30 = 120.
        assert_eq!(r.earn(10_000, &lines, 1.0).points, 120);
        // A 20% discount on the whole order: each line counts 80%: 80 + 40 - 24 = 96.
        assert_eq!(r.earn(8_000, &lines, 1.0).points, 96);
        // Only gift cards: nothing.
        assert_eq!(r.earn(3_000, &lines[1..2], 2.0).points, 0);
    }

    #[test]
    fn the_cap_cuts_and_says_so() {
        let mut r = rule();
        r.cap_per_purchase = Some(500);
        let earned = r.earn(100_000, &[], 1.0);
        assert_eq!((earned.points, earned.capped), (500, true));
        assert!(!r.earn(10_000, &[], 1.0).capped);
    }

    #[test]
    fn huge_amounts_do_not_overflow() {
        let earned = rule().earn(i64::MAX, &[Line { category: None, amount_minor: i64::MAX }], 100.0);
        assert!(earned.points > 0);
    }

    #[test]
    fn a_rule_names_its_wrong_field() {
        assert_eq!(EarnRule::standard().check(), Ok(()));
        let mut r = rule();
        r.per_minor = 0;
        assert_eq!(r.check().map_err(|e| e.0), Err("perMinor".to_owned()));
        let mut r = rule();
        r.category_bonuses = vec![
            CategoryBonus { category: "a".into(), multiplier: 2.0 },
            CategoryBonus { category: " a ".into(), multiplier: 3.0 },
        ];
        assert_eq!(r.check(), Err(("categoryBonuses[1].category".to_owned(), Invalid::Duplicate)));
        let mut r = rule();
        r.category_bonuses = vec![CategoryBonus { category: "a".into(), multiplier: f64::NAN }];
        assert_eq!(r.check().map_err(|e| e.0), Err("categoryBonuses[0].multiplier".to_owned()));
        let mut r = rule();
        r.expiry = ExpiryRule { kind: ExpiryKind::AfterDays, count: 0 };
        assert_eq!(r.check().map_err(|e| e.0), Err("expiry.count".to_owned()));
    }
}
