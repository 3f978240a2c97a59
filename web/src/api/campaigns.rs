//! Campaigns: the list with its presets, the wizard (draft, live audience), the report, and the
//! customer's unsubscribe page.

use serde::Deserialize;
use serde_json::{Value, json};
use starcrm_shared::campaigns::{
    CampaignExclusion, CampaignOffer, CampaignPreset, CampaignStatus, RecipientStatus,
};
use starcrm_shared::customer::MoneyValue;
use starcrm_shared::surveys::MessageChannel;

use super::{ApiError, execute};

const LIST: &str = include_str!("../../graphql/campaigns.graphql");
const ONE: &str = include_str!("../../graphql/campaign.graphql");
const AUDIENCE: &str = include_str!("../../graphql/campaign_audience.graphql");
const CREATE: &str = include_str!("../../graphql/create_campaign.graphql");
const UPDATE: &str = include_str!("../../graphql/update_campaign.graphql");
const DELETE: &str = include_str!("../../graphql/delete_campaign.graphql");
const PRESET: &str = include_str!("../../graphql/campaign_from_preset.graphql");
const LAUNCH: &str = include_str!("../../graphql/launch_campaign.graphql");
const APPROVE: &str = include_str!("../../graphql/approve_campaign.graphql");
const CANCEL: &str = include_str!("../../graphql/cancel_campaign.graphql");
const RECIPIENTS: &str = include_str!("../../graphql/campaign_recipients.graphql");
const LINK: &str = include_str!("../../graphql/unsubscribe_link.graphql");
const UNSUBSCRIBE: &str = include_str!("../../graphql/unsubscribe.graphql");

/// A campaign in the list.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignRow {
    pub id: String,
    pub name: String,
    pub status: CampaignStatus,
    pub channel: MessageChannel,
    pub stars: Vec<u8>,
    pub preset: Option<CampaignPreset>,
    pub audience: i64,
    pub held_out: i64,
    pub excluded: i64,
    pub queued: i64,
    pub send_at: Option<String>,
    pub launched_at: Option<String>,
    pub finished_at: Option<String>,
    pub created_at: String,
    pub version: i32,
}

/// The message in one language.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Message {
    pub language: String,
    pub subject: String,
    pub body: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exclusions {
    pub no_consent: u64,
    pub no_address: u64,
    pub message_budget: u64,
    #[serde(default)]
    pub no_coupon: u64,
}

impl Exclusions {
    pub const fn total(self) -> u64 {
        self.no_consent + self.no_address + self.message_budget + self.no_coupon
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiftView {
    #[serde(default)]
    pub recipients_rate: f64,
    #[serde(default)]
    pub holdout_rate: f64,
    pub lift: f64,
    pub low: f64,
    pub high: f64,
    pub p_value: f64,
    pub too_small: bool,
    pub significant: bool,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StarResult {
    pub stars: u8,
    pub recipients: u64,
    pub recipients_converted: u64,
    pub holdout: u64,
    pub holdout_converted: u64,
    pub revenue: MoneyValue,
    pub lift: Option<LiftView>,
}

/// What a campaign came to.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub audience: u64,
    pub held_out: u64,
    pub queued: u64,
    pub sent: u64,
    pub delivered: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub unsubscribed: u64,
    pub coupons_redeemed: u64,
    pub converted: u64,
    pub holdout_converted: u64,
    pub roi: Option<f64>,
    pub excluded: Exclusions,
    pub skipped: Exclusions,
    pub revenue: MoneyValue,
    pub holdout_revenue: MoneyValue,
    pub incremental_revenue: MoneyValue,
    pub cost: MoneyValue,
    pub lift: Option<LiftView>,
    pub by_stars: Vec<StarResult>,
}

/// A campaign as written, with its report.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignView {
    pub id: String,
    pub name: String,
    pub status: CampaignStatus,
    pub channel: MessageChannel,
    pub segment_id: Option<String>,
    pub stars: Vec<u8>,
    pub filter: Option<Value>,
    pub near_next_star: Option<i32>,
    pub offer: CampaignOffer,
    pub offer_text: Option<String>,
    pub coupon_prefix: Option<String>,
    pub coupon_reward_id: Option<String>,
    pub coupon_pool_free: Option<i64>,
    pub bonus_points: Option<i64>,
    pub holdout_percent: i32,
    pub window_days: i32,
    pub throttle_per_hour: Option<i32>,
    pub cost_per_message_minor: i64,
    pub fixed_cost_minor: i64,
    pub send_at: Option<String>,
    pub preset: Option<CampaignPreset>,
    pub version: i32,
    pub audience: i64,
    pub held_out: i64,
    pub excluded: i64,
    pub queued: i64,
    pub launched_at: Option<String>,
    pub approved_at: Option<String>,
    pub prepared_at: Option<String>,
    pub finished_at: Option<String>,
    pub cancelled_at: Option<String>,
    pub created_at: String,
    pub content: Vec<Message>,
    pub report: Report,
}

/// Who a campaign as written would reach now.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Audience {
    pub customers: u64,
    /// `[not rated, 1 star, ..., 5 stars]`.
    pub by_stars: Vec<u64>,
    pub holdout: u64,
    pub to_send: u64,
    pub quiet_hours: u64,
    pub last_at: Option<String>,
    pub needs_approval: bool,
    pub excluded: Exclusions,
    pub estimated_cost: MoneyValue,
}

/// One customer of a prepared campaign.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    pub customer_id: String,
    pub customer_name: String,
    pub stars: Option<u8>,
    pub status: RecipientStatus,
    pub exclusion: Option<CampaignExclusion>,
    pub coupon_code: Option<String>,
    pub send_at: String,
    pub sent_at: Option<String>,
    pub window_ends_at: String,
    pub redeemed_at: Option<String>,
    pub unsubscribed_at: Option<String>,
}

/// What an unsubscribe link is about.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct UnsubscribeLink {
    pub business: String,
    pub channel: MessageChannel,
    pub unsubscribed: bool,
}

/// The workspace's campaigns, newest first.
pub async fn list() -> Result<Vec<CampaignRow>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        campaigns: Vec<CampaignRow>,
    }
    execute::<_, Data>(LIST, &json!({})).await.map(|d| d.campaigns)
}

/// One campaign with its report.
pub async fn get(id: String) -> Result<CampaignView, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        campaign: CampaignView,
    }
    execute::<_, Data>(ONE, &json!({ "id": id })).await.map(|d| d.campaign)
}

/// Who `input` would reach now.
pub async fn audience(input: &Value) -> Result<Audience, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        campaign_audience: Audience,
    }
    execute::<_, Data>(AUDIENCE, &json!({ "input": input })).await.map(|d| d.campaign_audience)
}

/// Saves a new draft (`edit`: none) or a draft again; returns its id and version.
pub async fn save(edit: Option<(&str, i32)>, input: &Value) -> Result<(String, i32), ApiError> {
    let data = match edit {
        None => execute::<_, Value>(CREATE, &json!({ "input": input })).await?["createCampaign"].clone(),
        Some((id, version)) => execute::<_, Value>(
            UPDATE,
            &json!({ "id": id, "version": version, "input": input }),
        )
        .await?["updateCampaign"]
            .clone(),
    };
    let version = data["version"].as_i64().and_then(|v| i32::try_from(v).ok()).unwrap_or(1);
    Ok((data["id"].as_str().unwrap_or_default().to_owned(), version))
}

pub async fn delete(id: &str, version: i32) -> Result<(), ApiError> {
    execute::<_, Value>(DELETE, &json!({ "id": id, "version": version })).await.map(|_| ())
}

/// A draft from a preset; its id.
pub async fn from_preset(preset: CampaignPreset) -> Result<String, ApiError> {
    let data = execute::<_, Value>(PRESET, &json!({ "preset": preset })).await?;
    Ok(data["createCampaignFromPreset"]["id"].as_str().unwrap_or_default().to_owned())
}

/// A step of the campaign's life: `launch`, `approve` or `cancel`. Returns the new status.
pub async fn step(step: Step, id: &str, version: i32) -> Result<CampaignStatus, ApiError> {
    let (document, field) = match step {
        Step::Launch => (LAUNCH, "launchCampaign"),
        Step::Approve => (APPROVE, "approveCampaign"),
        Step::Cancel => (CANCEL, "cancelCampaign"),
    };
    let data = execute::<_, Value>(document, &json!({ "id": id, "version": version })).await?;
    Ok(serde_json::from_value(data[field]["status"].clone()).unwrap_or(CampaignStatus::Draft))
}

/// The campaign's life steps the page offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Launch,
    Approve,
    Cancel,
}

/// The first recipients of a prepared campaign.
pub async fn recipients(id: String) -> Result<Vec<Recipient>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        campaign_recipients: Vec<Recipient>,
    }
    execute::<_, Data>(RECIPIENTS, &json!({ "id": id, "status": Value::Null }))
        .await
        .map(|d| d.campaign_recipients)
}

/// What an unsubscribe link is about (no sign-in).
pub async fn link(token: &str) -> Result<UnsubscribeLink, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        unsubscribe_link: UnsubscribeLink,
    }
    execute::<_, Data>(LINK, &json!({ "token": token })).await.map(|d| d.unsubscribe_link)
}

/// Withdraws the consent (no sign-in).
pub async fn unsubscribe(token: &str) -> Result<UnsubscribeLink, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        unsubscribe: UnsubscribeLink,
    }
    execute::<_, Data>(UNSUBSCRIBE, &json!({ "token": token })).await.map(|d| d.unsubscribe)
}
