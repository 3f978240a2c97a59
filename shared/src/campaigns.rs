//! Campaigns: the pure parts the server and the SPA share. Which customers a campaign holds out
//! (reproducibly, from the campaign and the customer alone), the message variables and their
//! filling, the attribution window per channel, and the arithmetic of the result: conversion of
//! the recipients against the holdout, the difference (incremental lift) with its 95% interval
//! and a two-sided test, so that a report can say plainly when a result could be chance.

use serde::{Deserialize, Serialize};

use crate::stored_enum;
use crate::surveys::{self, MessageChannel};

stored_enum! {
    /// Where a campaign stands.
    pub enum CampaignStatus {
        /// Being written; nothing prepared.
        Draft => "draft",
        /// Launched by someone who may not send one this large: waits for `campaigns:approve`.
        AwaitingApproval => "awaiting_approval",
        /// Launched, to be prepared and sent at its time.
        Scheduled => "scheduled",
        /// Prepared: recipients chosen, messages queued and going out.
        Sending => "sending",
        /// Every message handled (sent, skipped or failed).
        Sent => "sent",
        /// Stopped: nothing more goes out.
        Cancelled => "cancelled",
    }
}

stored_enum! {
    /// Where one customer of a campaign's audience stands.
    pub enum RecipientStatus {
        /// Drawn into the holdout: receives nothing, measured for comparison.
        Holdout => "holdout",
        /// Left out when the campaign was prepared (the reason is kept).
        Excluded => "excluded",
        /// Message queued.
        Queued => "queued",
        /// Handed to the channel (the SMTP server or the business's sender accepted it).
        Sent => "sent",
        /// Not sent when its time came: consent withdrawn, unsubscribed, budget used up since.
        Skipped => "skipped",
        /// Sending failed for good.
        Failed => "failed",
        /// The campaign was cancelled before it went.
        Cancelled => "cancelled",
    }
}

stored_enum! {
    /// Why a customer of the audience was not sent the campaign.
    pub enum CampaignExclusion {
        /// No consent for the campaign's channel (an unsubscribe withdraws it).
        NoConsent => "no_consent",
        /// No address on the channel (no email, no phone, no WeChat identity).
        NoAddress => "no_address",
        /// The customer had their messages for the period (the contact budget).
        MessageBudget => "message_budget",
        /// The coupon pool the campaign hands out ran out of codes before this customer.
        NoCoupon => "no_coupon",
    }
}

stored_enum! {
    /// What a campaign offers.
    pub enum CampaignOffer {
        /// A message only.
        None => "none",
        /// A personal coupon code per recipient (generated with the campaign's prefix).
        Coupon => "coupon",
        /// Bonus points credited through the ledger when the message goes out.
        Points => "points",
    }
}

stored_enum! {
    /// The one-click campaigns the star levels call for.
    pub enum CampaignPreset {
        /// Exclusive early access for 5-star customers.
        EarlyAccess => "early_access",
        /// A coupon for 2-star customers close to 3 stars.
        LiftToThree => "lift_to_three",
        /// Win back 4-5 star customers at risk (no purchase for 60 days).
        WinBack => "win_back",
    }
}

/// The variables a campaign message may use.
pub const VARIABLES: [&str; 7] =
    ["name", "stars", "benefits", "points", "coupon", "recommendation", "unsubscribe"];

/// The holdout share when none is given, percent.
pub const DEFAULT_HOLDOUT: u8 = 10;
/// The largest holdout share, percent.
pub const MAX_HOLDOUT: u8 = 50;
/// The longest attribution window, days.
pub const MAX_WINDOW_DAYS: u32 = 60;

/// Days after delivery a purchase counts for the campaign, by channel: a text is acted on
/// quickly or not at all, an email is read over days.
pub const fn default_window_days(channel: MessageChannel) -> u32 {
    match channel {
        MessageChannel::Email => 5,
        MessageChannel::Sms | MessageChannel::Wechat => 3,
        MessageChannel::Push => 2,
    }
}

/// Checks a campaign message text (subject or body).
///
/// # Errors
/// Why, naming the variables allowed.
pub fn check_text(text: &str) -> Result<(), String> {
    surveys::check_text(text, &VARIABLES)
}

/// What fills one recipient's message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fill<'a> {
    pub name: &'a str,
    pub stars: Option<u8>,
    /// The benefits of the recipient's star level, in words.
    pub benefits: &'a str,
    pub points: i64,
    pub coupon: &'a str,
    /// The product to offer the recipient next (their first recommendation), by name.
    pub recommendation: &'a str,
    pub unsubscribe: &'a str,
}

/// `text` with its variables filled in.
pub fn render(text: &str, fill: &Fill<'_>) -> String {
    if !text.contains('{') {
        return text.to_owned();
    }
    let stars = fill.stars.map_or_else(String::new, |s| "★".repeat(usize::from(s)));
    text.replace("{name}", fill.name)
        .replace("{stars}", &stars)
        .replace("{benefits}", fill.benefits)
        .replace("{points}", &fill.points.to_string())
        .replace("{coupon}", fill.coupon)
        .replace("{recommendation}", fill.recommendation)
        .replace("{unsubscribe}", fill.unsubscribe)
}

/// A star level's benefits in words for a message (`{benefits}`), in Chinese (`zh`) or English.
pub fn benefits_text(benefits: &[crate::tiers::Benefit], zh: bool) -> String {
    use crate::tiers::BenefitKind as K;
    let words: Vec<String> = benefits
        .iter()
        .map(|b| {
            let v = b.value.unwrap_or(0.0);
            match (b.kind, zh) {
                (K::Discount, true) => format!("{}折", fmt_number((100.0 - v) / 10.0)),
                (K::Discount, false) => format!("{}% off", fmt_number(v)),
                (K::FreeShipping, true) => "免运费".to_owned(),
                (K::FreeShipping, false) => "free shipping".to_owned(),
                (K::PriorityService, true) => "优先服务".to_owned(),
                (K::PriorityService, false) => "priority service".to_owned(),
                (K::DedicatedOwner, true) => "专属顾问".to_owned(),
                (K::DedicatedOwner, false) => "a dedicated adviser".to_owned(),
                (K::PointsMultiplier, true) => format!("{}倍积分", fmt_number(v)),
                (K::PointsMultiplier, false) => format!("{}x points", fmt_number(v)),
                (K::BirthdayGift, true) => b.text.clone().unwrap_or_else(|| "生日礼".to_owned()),
                (K::BirthdayGift, false) => b.text.clone().unwrap_or_else(|| "a birthday gift".to_owned()),
                (K::Custom, _) => b.text.clone().unwrap_or_default(),
            }
        })
        .filter(|w| !w.is_empty())
        .collect();
    words.join(if zh { "、" } else { ", " })
}

/// `9.5` as "9.5", `9.0` as "9".
fn fmt_number(v: f64) -> String {
    let text = format!("{v:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_owned)
}

/// Whether the customer is in the campaign's holdout. The same campaign and customer always
/// give the same answer (a report can be recomputed, a retried preparation draws the same
/// people), and different campaigns draw independently. `campaign` and `customer` are the ids'
/// bytes; `percent` is the share held out.
pub fn in_holdout(campaign: [u8; 16], customer: [u8; 16], percent: u8) -> bool {
    if percent == 0 {
        return false;
    }
    let word = |b: &[u8; 16], half: usize| {
        let mut w = [0_u8; 8];
        w.copy_from_slice(&b[half * 8..half * 8 + 8]);
        u64::from_le_bytes(w)
    };
    let mut h = mix(word(&campaign, 0));
    h = mix(h ^ word(&campaign, 1));
    h = mix(h ^ word(&customer, 0));
    h = mix(h ^ word(&customer, 1));
    h % 10_000 < u64::from(percent.min(100)) * 100
}

/// `SplitMix64`'s finaliser: every input bit moves every output bit.
const fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One group of a comparison: how many, how many converted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Arm {
    pub size: u64,
    pub converted: u64,
}

impl Arm {
    /// Share converted (0 for an empty group).
    #[allow(clippy::cast_precision_loss)]
    pub fn rate(self) -> f64 {
        if self.size == 0 { 0.0 } else { self.converted as f64 / self.size as f64 }
    }
}

/// The recipients' conversion against the holdout's.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lift {
    pub recipients_rate: f64,
    pub holdout_rate: f64,
    /// `recipients_rate - holdout_rate`, in points of share (0.03 = 3 points).
    pub lift: f64,
    /// The 95% interval of `lift` (Newcombe's hybrid score interval: each rate's Wilson
    /// interval combined, which stays honest for small groups and rates near 0 or 1 where the
    /// textbook Wald interval collapses to a point).
    pub low: f64,
    pub high: f64,
    /// Two-sided p-value of "no difference" (pooled two-proportion z-test).
    pub p_value: f64,
    /// Either group is smaller than [`MIN_GROUP`]: too few people to tell.
    pub too_small: bool,
    /// `p_value < 0.05` with both groups at least [`MIN_GROUP`].
    pub significant: bool,
}

/// The smallest group a lift is judged on: below it the normal approximation behind the test
/// is not trusted and the report says there are too few people to tell.
pub const MIN_GROUP: u64 = 30;

/// The 95% Wilson score interval of `converted` out of `size` (`size` > 0).
#[allow(clippy::cast_precision_loss)]
pub fn wilson(arm: Arm) -> (f64, f64) {
    let (n, p) = (arm.size as f64, arm.rate());
    let z2 = Z95 * Z95;
    let centre = p + z2 / (2.0 * n);
    let spread = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let d = 1.0 + z2 / n;
    ((centre - spread) / d, (centre + spread) / d)
}

/// The z of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Compares the recipients with the holdout; `None` when either group is empty.
#[allow(clippy::cast_precision_loss)]
pub fn lift(recipients: Arm, holdout: Arm) -> Option<Lift> {
    if recipients.size == 0 || holdout.size == 0 {
        return None;
    }
    let (p1, p0) = (recipients.rate(), holdout.rate());
    let (n1, n0) = (recipients.size as f64, holdout.size as f64);
    let diff = p1 - p0;
    let (l1, u1) = wilson(recipients);
    let (l0, u0) = wilson(holdout);
    let pooled = (recipients.converted + holdout.converted) as f64 / (n1 + n0);
    let se0 = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n0)).sqrt();
    let p_value = if se0 > 0.0 { 2.0 * normal_tail((diff / se0).abs()) } else { 1.0 };
    let too_small = recipients.size.min(holdout.size) < MIN_GROUP;
    Some(Lift {
        recipients_rate: p1,
        holdout_rate: p0,
        lift: diff,
        low: diff - ((p1 - l1).powi(2) + (u0 - p0).powi(2)).sqrt(),
        high: diff + ((u1 - p1).powi(2) + (p0 - l0).powi(2)).sqrt(),
        p_value,
        too_small,
        significant: p_value < 0.05 && !too_small,
    })
}

/// P(Z > z) for a standard normal Z (the complementary error function by the Chebyshev fit
/// known as `erfcc`, fractional error below 1.2e-7 everywhere).
pub fn normal_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Return on the campaign's cost: `(revenue - cost) / cost`; `None` without a cost.
#[allow(clippy::cast_precision_loss)]
pub fn roi(revenue_minor: i64, cost_minor: i64) -> Option<f64> {
    (cost_minor > 0).then(|| (revenue_minor - cost_minor) as f64 / cost_minor as f64)
}

/// The characters of a coupon code: digits and capitals without look-alikes (no 0/O, 1/I/L).
pub const CODE_ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTUVWXY";

/// A code per recipient: the prefix, a dash, and one character of [`CODE_ALPHABET`] per digit
/// (each taken modulo 30; the caller draws them uniformly).
pub fn coupon_code(prefix: &str, digits: &[u8]) -> String {
    let mut code = String::with_capacity(prefix.len() + 1 + digits.len());
    code.push_str(prefix);
    code.push('-');
    for d in digits {
        code.push(char::from(CODE_ALPHABET[usize::from(*d) % CODE_ALPHABET.len()]));
    }
    code
}

/// Checks a coupon prefix: 2 to 12 letters, digits or dashes.
pub fn check_prefix(prefix: &str) -> Result<(), &'static str> {
    let ok =
        (2..=12).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok { Ok(()) } else { Err("2 to 12 letters, digits or dashes") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64, salt: u64) -> [u8; 16] {
        let mut b = [0_u8; 16];
        b[..8].copy_from_slice(&n.to_le_bytes());
        b[8..].copy_from_slice(&salt.to_le_bytes());
        b
    }

    #[test]
    fn holdout_is_reproducible_near_its_share_and_independent_between_campaigns() {
        let (a, b) = (id(1, 99), id(2, 99));
        let n = 100_000_u64;
        let mut in_a = 0;
        let mut in_both = 0;
        for c in 0..n {
            let customer = id(c, 7);
            let first = in_holdout(a, customer, 10);
            assert_eq!(first, in_holdout(a, customer, 10), "same campaign and customer, same answer");
            in_a += u64::from(first);
            in_both += u64::from(first && in_holdout(b, customer, 10));
        }
        // 10% of 100 000 is 10 000 with a standard deviation of about 95.
        assert!((9_600..=10_400).contains(&in_a), "{in_a}");
        // Independent draws overlap on about 1%.
        assert!((800..=1_200).contains(&in_both), "{in_both}");
        assert!(!in_holdout(a, id(5, 7), 0));
        assert!((0..1000).all(|c| in_holdout(a, id(c, 3), 100)));
    }

    #[test]
    fn lift_matches_a_hand_computed_example() {
        // 1 000 recipients of whom 120 bought; 100 held out of whom 5 bought.
        let l = lift(Arm { size: 1_000, converted: 120 }, Arm { size: 100, converted: 5 }).unwrap();
        assert!((l.recipients_rate - 0.12).abs() < 1e-12);
        assert!((l.holdout_rate - 0.05).abs() < 1e-12);
        assert!((l.lift - 0.07).abs() < 1e-12);
        // Wilson: 120/1000 -> [0.10130, 0.14161]; 5/100 -> [0.02154, 0.11175]; Newcombe:
        // 0.07 - sqrt((0.12-0.10130)^2 + (0.11175-0.05)^2) = 0.00548,
        // 0.07 + sqrt((0.14161-0.12)^2 + (0.05-0.02154)^2) = 0.10573.
        let (lo, hi) = wilson(Arm { size: 1_000, converted: 120 });
        assert!((lo - 0.101_30).abs() < 1e-5 && (hi - 0.141_61).abs() < 1e-5, "{lo} {hi}");
        assert!((l.low - 0.005_480).abs() < 1e-6, "{}", l.low);
        assert!((l.high - 0.105_731).abs() < 1e-6, "{}", l.high);
        // pooled 125/1100; z = 0.07 / sqrt(p(1-p)(1/1000+1/100)) = 2.1030; p = 2(1 - Φ(z)) = 0.03547
        assert!((l.p_value - 0.035_47).abs() < 0.000_05, "{}", l.p_value);
        assert!(l.significant);
        // The same rates on a tenth of the people: not significant.
        let small = lift(Arm { size: 100, converted: 12 }, Arm { size: 10, converted: 0 }).unwrap();
        assert!(!small.significant && small.too_small);
        // All of one converting and none of the other: the interval is still an interval, and
        // one person against three is too few to tell.
        let tiny = lift(Arm { size: 1, converted: 1 }, Arm { size: 3, converted: 0 }).unwrap();
        assert!(tiny.low < 0.5 && tiny.high <= 1.0 && tiny.too_small && !tiny.significant, "{tiny:?}");
        assert!(lift(Arm { size: 10, converted: 1 }, Arm::default()).is_none());
    }

    #[test]
    fn normal_tail_matches_known_values() {
        for (z, p) in [(0.0, 0.5), (1.0, 0.158_655_3), (1.959_964, 0.025), (3.0, 0.001_349_9)] {
            assert!((normal_tail(z) - p).abs() < 2e-7, "{z}: {}", normal_tail(z));
        }
    }

    #[test]
    fn render_fills_every_variable_and_checks_refuse_unknown_ones() {
        let fill = Fill {
            name: "王芳",
            stars: Some(5),
            benefits: "免运费",
            points: 1200,
            coupon: "VIP-ABCD2345",
            recommendation: "西湖龙井",
            unsubscribe: "https://x/u/t",
        };
        let text = "{name} {stars} {benefits} {points} {coupon} {recommendation} {unsubscribe}";
        assert!(check_text(text).is_ok());
        assert_eq!(render(text, &fill), "王芳 ★★★★★ 免运费 1200 VIP-ABCD2345 西湖龙井 https://x/u/t");
        assert!(check_text("{link}").unwrap_err().contains("{coupon}"));
        assert!(check_text("{name").is_err());
    }

    #[test]
    fn benefits_read_as_words_in_both_languages() {
        let tiers = crate::tiers::standard();
        let five = crate::tiers::for_stars(&tiers, 5);
        let zh = benefits_text(&five, true);
        assert!(zh.contains("9折") && zh.contains("2倍积分") && zh.contains("专属顾问"), "{zh}");
        let en = benefits_text(&five, false);
        assert!(en.contains("10% off") && en.contains("2x points"), "{en}");
        assert_eq!(benefits_text(&[], true), "");
    }

    #[test]
    fn coupon_codes_use_the_prefix_and_no_look_alikes() {
        let code = coupon_code("SPRING", &[0, 1, 29, 30, 200, 255, 7, 8]);
        assert_eq!(code.len(), "SPRING-".len() + 8);
        assert!(code.starts_with("SPRING-"));
        assert!(!code[7..].contains(['0', 'O', '1', 'I', 'L']));
        assert!(check_prefix("VIP-5").is_ok());
        assert!(check_prefix("x").is_err());
        assert!(check_prefix("has space").is_err());
        assert_eq!(roi(15_000, 10_000), Some(0.5));
        assert_eq!(roi(1, 0), None);
    }
}
