//! Tier benefits: what each star level earns (priority service, a dedicated owner, a discount,
//! free shipping, a points multiplier, a birthday gift, or anything written out), configured per
//! workspace. A level includes the benefits of the levels below unless it says otherwise; where
//! two levels give the same kind, the higher level's wins.

use crate::stored_enum;
use crate::validate::Invalid;

stored_enum! {
    /// A kind of benefit.
    pub enum BenefitKind {
        /// Served first: shorter queues and response targets.
        PriorityService => "priority_service",
        /// A named member of staff looks after the customer.
        DedicatedOwner => "dedicated_owner",
        /// `value` percent off.
        Discount => "discount",
        FreeShipping => "free_shipping",
        /// Loyalty points earned times `value`.
        PointsMultiplier => "points_multiplier",
        /// A gift on the birthday (`text` says which).
        BirthdayGift => "birthday_gift",
        /// Anything else, written out in `text`.
        Custom => "custom",
    }
}

/// One benefit of a level.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "BenefitInput"))]
pub struct Benefit {
    pub kind: BenefitKind,
    /// Discount percent or points multiplier.
    #[serde(default)]
    pub value: Option<f64>,
    /// The gift, or the custom benefit, in words.
    #[serde(default)]
    pub text: Option<String>,
}

/// The benefits of one star level.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "TierInput"))]
#[serde(rename_all = "camelCase")]
pub struct Tier {
    pub stars: u8,
    /// The workspace's own name for the level (钻石, 金卡, 银卡...), shown beside the stars.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether the level also gives the benefits of the levels below it.
    pub includes_lower: bool,
    pub benefits: Vec<Benefit>,
}

/// Longest tier name.
pub const TIER_NAME_MAX: usize = 20;
/// Longest benefit text.
pub const BENEFIT_TEXT_MAX: usize = 200;
/// Most benefits on one level.
pub const BENEFITS_PER_TIER_MAX: usize = 20;

impl Benefit {
    const fn new(kind: BenefitKind) -> Self {
        Self { kind, value: None, text: None }
    }

    fn valued(kind: BenefitKind, value: f64) -> Self {
        Self { value: Some(value), ..Self::new(kind) }
    }

    /// Whether two benefits are the same thing (one replaces the other across levels).
    fn same_slot(&self, other: &Self) -> bool {
        self.kind == other.kind && (self.kind != BenefitKind::Custom || self.text == other.text)
    }
}

/// The five levels a workspace configures, 1 to 5 stars in order.
pub fn standard() -> Vec<Tier> {
    use BenefitKind::{
        BirthdayGift, DedicatedOwner, Discount, FreeShipping, PointsMultiplier, PriorityService,
    };
    let tier = |stars, benefits| Tier { stars, name: None, includes_lower: true, benefits };
    vec![
        tier(1, vec![]),
        tier(2, vec![Benefit::valued(PointsMultiplier, 1.0)]),
        tier(3, vec![Benefit::valued(PointsMultiplier, 1.5), Benefit::new(BirthdayGift)]),
        tier(
            4,
            vec![Benefit::valued(Discount, 5.0), Benefit::new(FreeShipping), Benefit::new(PriorityService)],
        ),
        tier(
            5,
            vec![
                Benefit::valued(Discount, 10.0),
                Benefit::valued(PointsMultiplier, 2.0),
                Benefit::new(DedicatedOwner),
            ],
        ),
    ]
}

/// Checks a configuration; the error names the field (`tiers[3].benefits[0].value`).
///
/// # Errors
/// Not exactly the levels 1 to 5 in order, too many benefits, a discount outside 0-100, a
/// multiplier outside 0-100, a custom benefit without text, a text too long.
pub fn check(tiers: &[Tier]) -> Result<(), (String, Invalid)> {
    if tiers.len() != 5 {
        return Err(("tiers".to_owned(), Invalid::WrongType));
    }
    for (i, tier) in tiers.iter().enumerate() {
        let at = |f: &str| format!("tiers[{i}].{f}");
        if usize::from(tier.stars) != i + 1 {
            return Err((at("stars"), Invalid::NotAnOption));
        }
        if let Some(name) = tier.name.as_deref() {
            if name.chars().count() > TIER_NAME_MAX {
                return Err((at("name"), Invalid::TooLong { max: TIER_NAME_MAX }));
            }
            if name.chars().any(char::is_control) {
                return Err((at("name"), Invalid::Characters));
            }
        }
        if tier.benefits.len() > BENEFITS_PER_TIER_MAX {
            return Err((at("benefits"), Invalid::TooLarge));
        }
        for (j, b) in tier.benefits.iter().enumerate() {
            let at = |f: &str| at(&format!("benefits[{j}].{f}"));
            let needs_value = matches!(b.kind, BenefitKind::Discount | BenefitKind::PointsMultiplier);
            match b.value {
                None if needs_value => return Err((at("value"), Invalid::Required)),
                Some(v) if !v.is_finite() || v <= 0.0 => return Err((at("value"), Invalid::Negative)),
                Some(v) if v > 100.0 => return Err((at("value"), Invalid::TooLarge)),
                _ => {}
            }
            let text = b.text.as_deref().map(str::trim).unwrap_or_default();
            if b.kind == BenefitKind::Custom && text.is_empty() {
                return Err((at("text"), Invalid::Required));
            }
            if text.chars().count() > BENEFIT_TEXT_MAX {
                return Err((at("text"), Invalid::TooLong { max: BENEFIT_TEXT_MAX }));
            }
        }
    }
    Ok(())
}

/// The workspace's name for the level of `stars` (none when it gave none).
pub fn name_of(tiers: &[Tier], stars: u8) -> Option<&str> {
    tiers
        .iter()
        .find(|t| t.stars == stars)
        .and_then(|t| t.name.as_deref())
        .map(str::trim)
        .filter(|n| !n.is_empty())
}

/// What a customer with `stars` gets: their level's benefits, then (while levels include the ones
/// below) the lower levels' benefits that the higher ones do not already give.
pub fn for_stars(tiers: &[Tier], stars: u8) -> Vec<Benefit> {
    let mut out: Vec<Benefit> = Vec::new();
    for tier in tiers.iter().rev().skip_while(|t| t.stars > stars) {
        for benefit in &tier.benefits {
            if !out.iter().any(|b| b.same_slot(benefit)) {
                out.push(benefit.clone());
            }
        }
        if !tier.includes_lower {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_tiers_are_valid() {
        assert_eq!(check(&standard()), Ok(()));
    }

    #[test]
    fn a_level_includes_lower_ones_and_the_higher_value_wins() {
        let five = for_stars(&standard(), 5);
        let kinds: Vec<_> = five.iter().map(|b| b.kind).collect();
        assert_eq!(
            kinds,
            [
                BenefitKind::Discount,
                BenefitKind::PointsMultiplier,
                BenefitKind::DedicatedOwner,
                BenefitKind::FreeShipping,
                BenefitKind::PriorityService,
                BenefitKind::BirthdayGift,
            ]
        );
        assert_eq!(five[0].value, Some(10.0));
        assert_eq!(five[1].value, Some(2.0));
        assert!(for_stars(&standard(), 1).is_empty());
        assert_eq!(for_stars(&standard(), 3)[0].value, Some(1.5));
    }

    #[test]
    fn a_level_can_stand_alone() {
        let mut tiers = standard();
        tiers[3].includes_lower = false;
        let four: Vec<_> = for_stars(&tiers, 4).into_iter().map(|b| b.kind).collect();
        assert_eq!(four, [BenefitKind::Discount, BenefitKind::FreeShipping, BenefitKind::PriorityService]);
        // Five still includes four, which stops there.
        assert_eq!(for_stars(&tiers, 5).len(), 5);
    }

    #[test]
    fn bad_configurations_name_the_field() {
        let mut tiers = standard();
        tiers[3].benefits[0].value = Some(150.0);
        assert_eq!(check(&tiers).map_err(|e| e.0), Err("tiers[3].benefits[0].value".to_owned()));
        let mut tiers = standard();
        tiers[0].benefits.push(Benefit::new(BenefitKind::Custom));
        assert_eq!(check(&tiers).map_err(|e| e.0), Err("tiers[0].benefits[0].text".to_owned()));
        let mut tiers = standard();
        tiers.swap(0, 1);
        assert_eq!(check(&tiers).map_err(|e| e.0), Err("tiers[0].stars".to_owned()));
        assert_eq!(check(&standard()[..4]).map_err(|e| e.0), Err("tiers".to_owned()));
    }
}
