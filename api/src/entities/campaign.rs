//! `campaigns`: a star-targeted message with an offer, sent to an audience with a holdout.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    /// `shared::campaigns::CampaignStatus`.
    pub status: String,
    /// `shared::surveys::MessageChannel`.
    pub channel: String,
    pub segment_id: Option<Uuid>,
    /// Star levels as a JSON list (`[4,5]`; empty: every level).
    pub stars: String,
    /// More conditions: the GraphQL `CustomerFilter` input as JSON.
    pub filter: Option<String>,
    /// Only customers whose score is at most this many points below the next star.
    pub near_next_star: Option<i16>,
    /// `Vec<shared::surveys::Template>` as JSON; the first language is the default.
    pub content: String,
    /// `shared::campaigns::OfferKind`.
    pub offer_kind: String,
    /// The offer in words (`¥20 off your next order`).
    pub offer_text: Option<String>,
    pub coupon_prefix: Option<String>,
    /// The coupon reward whose pool of codes the campaign hands out (null: generated codes).
    pub coupon_reward_id: Option<Uuid>,
    pub bonus_points: Option<i64>,
    pub holdout_percent: i16,
    pub window_days: i32,
    pub throttle_per_hour: Option<i32>,
    pub cost_per_message_minor: i64,
    pub fixed_cost_minor: i64,
    /// When to send (`None`: as soon as launched).
    pub send_at: Option<DateTimeUtc>,
    /// `shared::campaigns::Preset` it was made from.
    pub preset: Option<String>,
    /// Customers in the audience when prepared (holdout and exclusions included).
    pub audience: i64,
    pub held_out: i64,
    pub excluded: i64,
    pub queued: i64,
    pub created_by: Option<Uuid>,
    pub launched_by: Option<Uuid>,
    pub launched_at: Option<DateTimeUtc>,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTimeUtc>,
    pub prepared_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub cancelled_by: Option<Uuid>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
