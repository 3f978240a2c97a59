//! The one-click campaigns the star levels call for, as drafts to review before launching:
//! exclusive early access for 5-star customers; a coupon for 2-star customers within a few
//! points of 3 stars (the star engine's threshold for the next level); a win-back coupon for
//! 4-5 star customers who have not bought for 60 days. Content in Chinese and English.

use chrono::Utc;
use starcrm_shared::campaigns::{CampaignOffer, CampaignPreset};
use starcrm_shared::surveys::{MessageChannel, Template};

use super::campaigns::Spec;
use super::segments;
use crate::error::AppError;

/// Score points below the next star that count as "close" for the lift-to-three preset.
pub const CLOSE_TO_NEXT: i16 = 10;

fn template(language: &str, subject: &str, body: &str) -> Template {
    Template { language: language.to_owned(), subject: subject.to_owned(), body: body.to_owned() }
}

/// The draft a preset starts from; the name carries today's date so presets can be used again.
///
/// # Errors
/// `INTERNAL` if the preset's own filter does not parse (a bug).
pub fn spec(preset: CampaignPreset) -> Result<Spec, AppError> {
    let today = Utc::now().format("%Y-%m-%d");
    let base = Spec {
        name: String::new(),
        channel: MessageChannel::Email,
        segment_id: None,
        stars: Vec::new(),
        filter: None,
        near_next_star: None,
        content: Vec::new(),
        offer: CampaignOffer::None,
        offer_text: None,
        coupon_prefix: None,
        coupon_reward_id: None,
        bonus_points: None,
        holdout_percent: None,
        window_days: None,
        throttle_per_hour: None,
        cost_per_message_minor: 0,
        fixed_cost_minor: 0,
        send_at: None,
        preset: Some(preset),
    };
    Ok(match preset {
        CampaignPreset::EarlyAccess => Spec {
            name: format!("5★ early access {today}"),
            stars: vec![5],
            offer_text: Some("48 hours' early access to the new collection".to_owned()),
            content: vec![
                template(
                    "zh-CN",
                    "{name}，五星会员专享：新品抢先 48 小时",
                    "{name}，您好！\n\n作为{stars}会员，您可在新品正式发售前 48 小时抢先选购。\n您的专属权益：{benefits}。",
                ),
                template(
                    "en",
                    "{name}, 5-star members first: 48 hours' early access",
                    "Hello {name},\n\nAs a {stars} member you can shop the new collection 48 hours before anyone else.\nYour benefits: {benefits}.",
                ),
            ],
            ..base
        },
        CampaignPreset::LiftToThree => Spec {
            name: format!("2★ close to 3★ coupon {today}"),
            stars: vec![2],
            near_next_star: Some(CLOSE_TO_NEXT),
            offer: CampaignOffer::Coupon,
            coupon_prefix: Some("UP3".to_owned()),
            offer_text: Some("¥20 off the next order".to_owned()),
            content: vec![
                template(
                    "zh-CN",
                    "{name}，再下一单即可升级三星",
                    "{name}，您好！\n\n您离三星会员只差一步。送您一张 20 元优惠券：{coupon}\n升级后可享：更多积分与生日礼。",
                ),
                template(
                    "en",
                    "{name}, one more order to reach 3 stars",
                    "Hello {name},\n\nYou are one step from 3 stars. Here is ¥20 off your next order: {coupon}\nAt 3 stars you earn more points and a birthday gift.",
                ),
            ],
            ..base
        },
        CampaignPreset::WinBack => {
            let filter = serde_json::json!({ "daysSinceLastPurchase": { "min": 60 } });
            let parsed = segments::stored_filter(&filter, "win-back preset")?;
            Spec {
                name: format!("Win back 4-5★ {today}"),
                stars: vec![4, 5],
                filter: Some((parsed, filter)),
                offer: CampaignOffer::Coupon,
                coupon_prefix: Some("BACK".to_owned()),
                offer_text: Some("15% off, valid 14 days".to_owned()),
                window_days: Some(14),
                content: vec![
                    template(
                        "zh-CN",
                        "{name}，好久不见，为您保留了专属优惠",
                        "{name}，您好！\n\n我们想念您。作为{stars}会员，您的权益仍在：{benefits}。\n专属 85 折券：{coupon}（14 天内有效）",
                    ),
                    template(
                        "en",
                        "{name}, we have kept something for you",
                        "Hello {name},\n\nWe miss you. As a {stars} member your benefits are waiting: {benefits}.\nYour 15% off code: {coupon} (valid 14 days)",
                    ),
                ],
                ..base
            }
        }
    })
}
