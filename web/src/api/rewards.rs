//! Rewards: the catalogue (Settings > Points), redeeming one for a customer (the points card),
//! and the member page's own calls, made with the member token the business's app passed in.

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::loyalty::{Redeemable, RewardCodes, RewardKind, RewardSpec, VoucherStatus};
use starcrm_shared::tiers::Benefit;

use super::{ApiError, execute, send};

const REWARDS: &str = include_str!("../../graphql/rewards.graphql");
const SAVE: &str = include_str!("../../graphql/save_reward.graphql");
const ADD_CODES: &str = include_str!("../../graphql/add_reward_codes.graphql");
const REDEEM: &str = include_str!("../../graphql/redeem_reward.graphql");
const MEMBER: &str = include_str!("../../graphql/member.graphql");
const REDEEM_MINE: &str = include_str!("../../graphql/redeem_my_reward.graphql");
const ANSWER_MINE: &str = include_str!("../../graphql/answer_my_survey.graphql");

/// A reward in the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RewardView {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: RewardKind,
    pub points_cost: i64,
    pub min_stars: i32,
    pub stock: Option<i32>,
    pub issued: i32,
    pub left: Option<i64>,
    pub value_minor: Option<i64>,
    pub percent_off: Option<i32>,
    pub codes: RewardCodes,
    pub valid_days: Option<i32>,
    pub active: bool,
    pub version: i32,
}

impl RewardView {
    /// The reward as the editor starts from.
    pub fn spec(&self) -> RewardSpec {
        RewardSpec {
            name: self.name.clone(),
            description: self.description.clone(),
            kind: self.kind,
            points_cost: self.points_cost,
            min_stars: self.min_stars,
            stock: self.stock,
            value_minor: self.value_minor,
            percent_off: self.percent_off,
            codes: self.codes,
            valid_days: self.valid_days,
            active: self.active,
        }
    }
}

/// A voucher as the points card lists it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoucherView {
    pub code: String,
    pub status: VoucherStatus,
    pub reward_name: Option<String>,
    pub points: i64,
    pub issued_at: String,
    pub expires_at: Option<String>,
    pub used_at: Option<String>,
    #[serde(default)]
    pub used_ref: Option<String>,
}

pub async fn list(include_inactive: bool) -> Result<Vec<RewardView>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        rewards: Vec<RewardView>,
    }
    execute::<_, Data>(REWARDS, &json!({ "includeInactive": include_inactive })).await.map(|d| d.rewards)
}

/// Adds (`id` none) or saves a reward; `version` is the one edited. Returns its id.
pub async fn save(id: Option<&str>, version: Option<i32>, spec: &RewardSpec) -> Result<String, ApiError> {
    #[derive(Deserialize)]
    struct Saved {
        id: String,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        save_reward: Saved,
    }
    let variables = json!({ "id": id, "version": version, "input": spec });
    execute::<_, Data>(SAVE, &variables).await.map(|d| d.save_reward.id)
}

/// Loads codes into a pool; returns (added, skipped).
pub async fn add_codes(reward_id: &str, codes: &[String]) -> Result<(u64, u64), ApiError> {
    #[derive(Deserialize)]
    struct Added {
        added: u64,
        skipped: u64,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        add_reward_codes: Added,
    }
    let data = execute::<_, Data>(ADD_CODES, &json!({ "rewardId": reward_id, "codes": codes })).await?;
    Ok((data.add_reward_codes.added, data.add_reward_codes.skipped))
}

/// What a redemption gave: the voucher's code and the balance after.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Redeemed {
    pub balance: i64,
    pub voucher: Code,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Code {
    pub code: String,
}

pub async fn redeem(customer_id: &str, reward_id: &str) -> Result<Redeemed, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        redeem_reward: Redeemed,
    }
    execute::<_, Data>(REDEEM, &json!({ "customerId": customer_id, "rewardId": reward_id }))
        .await
        .map(|d| d.redeem_reward)
}

// ---- The member page ----

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberStars {
    pub stars: Option<i32>,
    pub tier_name: Option<String>,
    pub score: f64,
    pub level_score: f64,
    pub next_score: Option<f64>,
    pub next_stars: Option<i32>,
    pub lines: Vec<String>,
    pub next_purchase_minor: Option<i64>,
    pub currency: String,
    /// A new member's welcome level ends then.
    #[serde(default)]
    pub welcome_until: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberPoints {
    pub balance: i64,
    pub spendable: i64,
    pub pending: i64,
    pub owed: i64,
    pub expiring_soon: i64,
    pub next_expiry: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberReward {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: RewardKind,
    pub points_cost: i64,
    pub min_stars: i32,
    pub value_minor: Option<i64>,
    pub percent_off: Option<i32>,
    pub left: Option<i64>,
    pub redeemable: Redeemable,
}

/// The member's own standing.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub name: String,
    pub stars: MemberStars,
    pub benefits: Vec<Benefit>,
    pub points: MemberPoints,
    pub rewards: Vec<MemberReward>,
    pub vouchers: Vec<VoucherView>,
    pub referral_code: String,
    pub referrals: MemberReferrals,
    pub surveys: Vec<MemberSurvey>,
}

/// A survey waiting for the member's answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct MemberSurvey {
    pub id: String,
    pub kind: starcrm_shared::surveys::SurveyKind,
    pub business: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct MemberReferrals {
    pub rewarded: u64,
    pub pending: u64,
}

pub async fn member(token: &str, language: &str) -> Result<Member, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        me: Member,
    }
    send::<_, Data>(MEMBER, &json!({ "language": language }), Some(token)).await.map(|d| d.me)
}

pub async fn redeem_mine(token: &str, reward_id: &str) -> Result<Redeemed, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        redeem_my_reward: Redeemed,
    }
    send::<_, Data>(REDEEM_MINE, &json!({ "rewardId": reward_id }), Some(token))
        .await
        .map(|d| d.redeem_my_reward)
}

pub async fn answer_mine(
    token: &str,
    invitation_id: &str,
    score: u8,
    language: &str,
) -> Result<(), ApiError> {
    let variables = json!({ "invitationId": invitation_id, "score": score, "language": language });
    send::<_, serde_json::Value>(ANSWER_MINE, &variables, Some(token)).await.map(|_| ())
}
