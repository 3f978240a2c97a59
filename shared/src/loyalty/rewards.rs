//! Rewards: what members spend points on, who may redeem them, and the vouchers redemption
//! gives. The catalogue's checks and the "can this member redeem it, and if not why" answer are
//! shared so the member page, the staff dialog and the server say the same thing.

use serde::{Deserialize, Serialize};

use crate::stored_enum;
use crate::validate::Invalid;

stored_enum! {
    /// What a reward is.
    pub enum RewardKind {
        /// A coupon code for the shop (from the business's pool or generated).
        Coupon => "coupon",
        /// A gift handed over in store or shipped (`description` says what).
        Gift => "gift",
        /// `percentOff` percent off a purchase.
        Discount => "discount",
        /// `valueMinor` off at the till: points turned into money.
        Cash => "cash",
    }
}

stored_enum! {
    /// Where a voucher's code comes from.
    pub enum RewardCodes {
        /// Made up by StarCRM at redemption (10 letters and digits, easy to read out).
        Generated => "generated",
        /// Taken from the codes the business loaded (one each; the pool is the stock).
        Pool => "pool",
    }
}

stored_enum! {
    /// Where a voucher stands.
    pub enum VoucherStatus {
        /// Can be used.
        Issued => "issued",
        /// Used at the till.
        Used => "used",
        /// Not used in time (the points are not returned).
        Expired => "expired",
    }
}

/// A reward as the catalogue keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(name = "RewardInput"))]
#[serde(rename_all = "camelCase")]
pub struct RewardSpec {
    pub name: String,
    pub description: Option<String>,
    pub kind: RewardKind,
    pub points_cost: i64,
    /// The least stars that may redeem it (1: everyone).
    pub min_stars: i32,
    /// How many may be issued in all (null: no limit). Ignored for a pool: its free codes are
    /// the stock.
    pub stock: Option<i32>,
    /// Cash: the money off; coupon: its value if it has one (minor units).
    pub value_minor: Option<i64>,
    /// Discount: percent off (1 to 100).
    pub percent_off: Option<i32>,
    pub codes: RewardCodes,
    /// A voucher is valid this many days after redemption (null: until used).
    pub valid_days: Option<i32>,
    pub active: bool,
}

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 500;
pub const COST_MAX: i64 = 100_000_000;
pub const STOCK_MAX: i32 = 10_000_000;
pub const VALID_DAYS_MAX: i32 = 3660;
/// Most codes loaded in one call.
pub const CODES_PER_CALL_MAX: usize = 10_000;
pub const CODE_MAX: usize = 64;

impl RewardSpec {
    /// Checks the reward; the error names the field.
    ///
    /// # Errors
    /// An empty or long name, a cost of zero or too large, stars outside 1-5, a negative stock,
    /// a cash reward without its value, a discount without a percent in 1-100, a validity
    /// outside 1-3660 days.
    pub fn check(&self) -> Result<(), (String, Invalid)> {
        let wrong = |field: &str, why| Err((field.to_owned(), why));
        let name = self.name.trim();
        if name.is_empty() {
            return wrong("name", Invalid::Required);
        }
        if name.chars().count() > NAME_MAX {
            return wrong("name", Invalid::TooLong { max: NAME_MAX });
        }
        if self.description.as_deref().is_some_and(|d| d.chars().count() > DESCRIPTION_MAX) {
            return wrong("description", Invalid::TooLong { max: DESCRIPTION_MAX });
        }
        if name
            .chars()
            .chain(self.description.as_deref().unwrap_or("").chars())
            .any(|c| c.is_control() && c != '\n')
        {
            return wrong("name", Invalid::Characters);
        }
        if self.points_cost < 1 {
            return wrong("pointsCost", Invalid::TooSmall { min: 1 });
        }
        if self.points_cost > COST_MAX {
            return wrong("pointsCost", Invalid::TooLarge);
        }
        if !(1..=5).contains(&self.min_stars) {
            return wrong("minStars", Invalid::NotAnOption);
        }
        match self.stock {
            Some(s) if s < 0 => return wrong("stock", Invalid::Negative),
            Some(s) if s > STOCK_MAX => return wrong("stock", Invalid::TooLarge),
            _ => {}
        }
        match (self.kind, self.value_minor) {
            (RewardKind::Cash, None) => return wrong("valueMinor", Invalid::Required),
            (_, Some(v)) if v < 1 => return wrong("valueMinor", Invalid::TooSmall { min: 1 }),
            (_, Some(v)) if v > COST_MAX * 100 => return wrong("valueMinor", Invalid::TooLarge),
            _ => {}
        }
        match (self.kind, self.percent_off) {
            (RewardKind::Discount, None) => return wrong("percentOff", Invalid::Required),
            (_, Some(p)) if !(1..=100).contains(&p) => return wrong("percentOff", Invalid::TooLarge),
            _ => {}
        }
        match self.valid_days {
            Some(d) if d < 1 => return wrong("validDays", Invalid::TooSmall { min: 1 }),
            Some(d) if d > VALID_DAYS_MAX => return wrong("validDays", Invalid::TooLarge),
            _ => {}
        }
        Ok(())
    }
}

/// Whether a member can redeem a reward now, and if not the first reason why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Redeemable {
    Yes,
    /// The reward is switched off.
    NotOffered,
    /// More stars needed.
    NeedsStars,
    /// None left.
    OutOfStock,
    /// Not enough spendable points.
    NeedsPoints,
}

/// What the member can do with a reward: `stars` their stars now (unrated members count as 1),
/// `left` the reward's remaining stock (`None`: no limit), `spendable` their points.
pub const fn redeemable(
    active: bool,
    min_stars: i32,
    cost: i64,
    left: Option<i64>,
    stars: Option<i32>,
    spendable: i64,
) -> Redeemable {
    let stars = match stars {
        Some(s) => s,
        None => 1,
    };
    if !active {
        Redeemable::NotOffered
    } else if stars < min_stars {
        Redeemable::NeedsStars
    } else if matches!(left, Some(n) if n <= 0) {
        Redeemable::OutOfStock
    } else if spendable < cost {
        Redeemable::NeedsPoints
    } else {
        Redeemable::Yes
    }
}

/// Letters and digits that cannot be misread for each other (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A voucher code from 10 random bytes, written `ABCD-EFGH-JK` (about 50 bits).
pub fn voucher_code(random: [u8; 10]) -> String {
    let mut out = String::with_capacity(12);
    for (i, b) in random.iter().enumerate() {
        if i == 4 || i == 8 {
            out.push('-');
        }
        // 256 % 31 leaves a slight bias towards the first 8 symbols: harmless for a code that
        // is only ever looked up by a signed-in till.
        out.push(char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]));
    }
    out
}

/// A code as a till may type or scan it: trimmed; generated codes compared in capitals with
/// the dashes where they belong, pool codes exactly.
pub fn normalize_code(code: &str) -> String {
    let trimmed = code.trim();
    let compact: String = trimmed.chars().filter(|c| *c != '-' && *c != ' ').collect();
    let upper = compact.to_ascii_uppercase();
    if upper.len() == 10 && upper.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        format!("{}-{}-{}", &upper[..4], &upper[4..8], &upper[8..])
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RewardSpec {
        RewardSpec {
            name: "满100减10".to_owned(),
            description: None,
            kind: RewardKind::Cash,
            points_cost: 500,
            min_stars: 1,
            stock: None,
            value_minor: Some(1000),
            percent_off: None,
            codes: RewardCodes::Generated,
            valid_days: Some(30),
            active: true,
        }
    }

    #[test]
    fn a_reward_names_the_field_it_gets_wrong() {
        assert_eq!(spec().check(), Ok(()));
        let bad = |f: fn(&mut RewardSpec)| {
            let mut s = spec();
            f(&mut s);
            s.check().unwrap_err().0
        };
        assert_eq!(bad(|s| s.name = "  ".into()), "name");
        assert_eq!(bad(|s| s.points_cost = 0), "pointsCost");
        assert_eq!(bad(|s| s.min_stars = 6), "minStars");
        assert_eq!(bad(|s| s.stock = Some(-1)), "stock");
        assert_eq!(bad(|s| s.value_minor = None), "valueMinor");
        assert_eq!(bad(|s| s.kind = RewardKind::Discount), "percentOff");
        assert_eq!(bad(|s| s.valid_days = Some(0)), "validDays");
    }

    #[test]
    fn the_first_reason_a_member_cannot_redeem_is_the_one_told() {
        use Redeemable::*;
        assert_eq!(redeemable(true, 3, 100, None, Some(4), 100), Yes);
        assert_eq!(redeemable(false, 3, 100, None, Some(4), 100), NotOffered);
        assert_eq!(redeemable(true, 3, 100, Some(0), Some(2), 0), NeedsStars);
        assert_eq!(redeemable(true, 1, 100, Some(0), None, 500), OutOfStock);
        assert_eq!(redeemable(true, 1, 100, Some(1), None, 99), NeedsPoints);
    }

    #[test]
    fn generated_codes_read_back_however_a_till_types_them() {
        let code = voucher_code([0, 1, 2, 3, 30, 31, 200, 255, 9, 10]);
        assert_eq!(code.len(), 12);
        assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
        assert_eq!(normalize_code(&code.to_ascii_lowercase().replace('-', " ")), code);
        assert_eq!(normalize_code("  Summer-2027 "), "Summer-2027");
    }
}
