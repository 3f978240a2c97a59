//! Campaigns over GraphQL: drafts, presets, the audience with its exclusions before launch, the
//! launch / approval / cancel steps, recipients, the report, and the till's coupon redemption.

use async_graphql::{Context, ErrorExtensions, ID, InputObject, InputType, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use starcrm_shared::Permission;
use starcrm_shared::campaigns::{
    CampaignExclusion, CampaignOffer, CampaignPreset, CampaignStatus, RecipientStatus,
};
use starcrm_shared::surveys::{MessageChannel, Template};

use super::campaigns::{self, Campaign as Row, Spec};
use super::graphql::Segment;
use super::{audience, presets, report, segments, sending};
use crate::auth::Caller;
use crate::auth::ContextExt;
use crate::customers::graphql::CustomerFilter;
use crate::customers::graphql::types::Money;
use crate::entities::{campaign_recipient, customer};
use crate::error::AppError;
use crate::users::graphql::parse_id;

#[allow(clippy::needless_pass_by_value, reason = "used as `map_err(ext)`")]
fn ext(err: AppError) -> async_graphql::Error {
    err.extend()
}

async fn currency(ctx: &Context<'_>, workspace_id: uuid::Uuid) -> async_graphql::Result<String> {
    Ok(crate::ratings::engine::Context::cached(ctx.db()?, workspace_id).await.map_err(ext)?.currency.clone())
}

/// The message in one language.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "CampaignMessageInput")]
pub struct CampaignMessage {
    /// `zh-CN`, `en`...; the first is the default.
    pub language: String,
    /// The email's subject (other channels have none).
    pub subject: String,
    /// `{name}`, `{stars}`, `{benefits}`, `{points}`, `{coupon}` and `{unsubscribe}` are filled
    /// in per recipient; without `{unsubscribe}` the link is added at the end.
    pub body: String,
}

/// A campaign as written.
#[derive(InputObject)]
pub struct CampaignInput {
    pub name: String,
    pub channel: MessageChannel,
    /// Members of this segment...
    pub segment_id: Option<ID>,
    /// ...and/or customers at these star levels (empty: any).
    #[graphql(default)]
    pub stars: Vec<i32>,
    /// More conditions in the customers filter language (not `segmentIds`).
    pub filter: Option<CustomerFilter>,
    /// Only customers at most this many score points below their next star.
    pub near_next_star: Option<i32>,
    pub content: Vec<CampaignMessage>,
    #[graphql(default_with = "CampaignOffer::None")]
    pub offer: CampaignOffer,
    pub offer_text: Option<String>,
    /// For a coupon offer: the codes' prefix (each recipient gets their own code).
    pub coupon_prefix: Option<String>,
    /// For a coupon offer: hand out the codes loaded into this reward's pool (your till's own
    /// codes) instead of generating them; customers past the last free code are excluded
    /// (`noCoupon`).
    pub coupon_reward_id: Option<ID>,
    /// For a points offer.
    pub bonus_points: Option<i64>,
    /// Held out, percent (default 10).
    pub holdout_percent: Option<i32>,
    /// Days after delivery a purchase counts (default by channel: email 5, SMS and WeChat 3,
    /// push 2).
    pub window_days: Option<i32>,
    pub throttle_per_hour: Option<i32>,
    /// Minor units per message handed to the channel.
    #[graphql(default)]
    pub cost_per_message_minor: i64,
    #[graphql(default)]
    pub fixed_cost_minor: i64,
    /// When to send (null: at launch).
    pub send_at: Option<DateTime<Utc>>,
}

impl CampaignInput {
    fn into_spec(self) -> async_graphql::Result<Spec> {
        let filter = match self.filter {
            Some(f) => {
                let json = serde_json::to_value(f.to_value()).map_err(|e| ext(AppError::internal(e)))?;
                Some((f.into_filter()?, json))
            }
            None => None,
        };
        let small = |v: Option<i32>, field: &str| -> async_graphql::Result<Option<u32>> {
            v.map(|n| u32::try_from(n).map_err(|_| ext(AppError::bad_input(field, "must not be negative"))))
                .transpose()
        };
        let stars = self
            .stars
            .iter()
            .map(|s| {
                u8::try_from(*s).map_err(|_| ext(AppError::bad_input("stars", "star levels are 1 to 5")))
            })
            .collect::<async_graphql::Result<Vec<u8>>>()?;
        Ok(Spec {
            name: self.name,
            channel: self.channel,
            segment_id: self.segment_id.as_ref().map(|id| parse_id(id, "segmentId")).transpose()?,
            stars,
            filter,
            near_next_star: self
                .near_next_star
                .map(|n| {
                    i16::try_from(n).map_err(|_| ext(AppError::bad_input("nearNextStar", "is out of range")))
                })
                .transpose()?,
            content: self
                .content
                .into_iter()
                .map(|m| Template { language: m.language, subject: m.subject, body: m.body })
                .collect(),
            offer: self.offer,
            offer_text: self.offer_text,
            coupon_prefix: self.coupon_prefix.map(|p| p.trim().to_uppercase()),
            coupon_reward_id: self
                .coupon_reward_id
                .as_ref()
                .map(|id| parse_id(id, "couponRewardId"))
                .transpose()?,
            bonus_points: self.bonus_points,
            holdout_percent: small(self.holdout_percent, "holdoutPercent")?
                .map(|p| u8::try_from(p).unwrap_or(u8::MAX)),
            window_days: small(self.window_days, "windowDays")?,
            throttle_per_hour: small(self.throttle_per_hour, "throttlePerHour")?,
            cost_per_message_minor: self.cost_per_message_minor,
            fixed_cost_minor: self.fixed_cost_minor,
            send_at: self.send_at,
            preset: None,
        })
    }
}

/// A star-targeted campaign.
pub struct Campaign(pub Row);

#[Object]
impl Campaign {
    async fn id(&self) -> ID {
        ID(self.0.row.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.row.name
    }

    async fn status(&self) -> CampaignStatus {
        self.0.status
    }

    async fn channel(&self) -> MessageChannel {
        self.0.channel
    }

    async fn segment_id(&self) -> Option<ID> {
        self.0.row.segment_id.map(|id| ID(id.to_string()))
    }

    /// The segment (null if it was deleted since).
    async fn segment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Segment>> {
        let Some(id) = self.0.row.segment_id else { return Ok(None) };
        let scope = ctx.require(Permission::CustomersRead)?;
        match segments::find(ctx.db()?, scope, id).await {
            Ok(s) => Ok(Some(Segment(s))),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(e) => Err(ext(e)),
        }
    }

    async fn stars(&self) -> Vec<i32> {
        self.0.stars.iter().map(|s| i32::from(*s)).collect()
    }

    /// The extra conditions as saved (a `CustomerFilter`).
    async fn filter(&self) -> Option<Json<serde_json::Value>> {
        self.0.filter_json.clone().map(Json)
    }

    async fn near_next_star(&self) -> Option<i32> {
        self.0.row.near_next_star.map(i32::from)
    }

    async fn content(&self) -> Vec<CampaignMessage> {
        self.0
            .content
            .iter()
            .map(|t| CampaignMessage {
                language: t.language.clone(),
                subject: t.subject.clone(),
                body: t.body.clone(),
            })
            .collect()
    }

    async fn offer(&self) -> CampaignOffer {
        self.0.offer
    }

    async fn offer_text(&self) -> Option<&str> {
        self.0.row.offer_text.as_deref()
    }

    async fn coupon_prefix(&self) -> Option<&str> {
        self.0.row.coupon_prefix.as_deref()
    }

    /// The reward whose pool of codes the coupons come from (null: generated codes).
    async fn coupon_reward_id(&self) -> Option<ID> {
        self.0.row.coupon_reward_id.map(|id| ID(id.to_string()))
    }

    /// Free codes left in that pool now.
    async fn coupon_pool_free(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i64>> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let Some(id) = self.0.row.coupon_reward_id else { return Ok(None) };
        match crate::loyalty::rewards::find(ctx.db()?, scope, id).await {
            Ok(reward) => Ok(reward.free_codes),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(e) => Err(ext(e)),
        }
    }

    async fn bonus_points(&self) -> Option<i64> {
        self.0.row.bonus_points
    }

    async fn holdout_percent(&self) -> i32 {
        i32::from(self.0.row.holdout_percent)
    }

    async fn window_days(&self) -> i32 {
        self.0.row.window_days
    }

    async fn throttle_per_hour(&self) -> Option<i32> {
        self.0.row.throttle_per_hour
    }

    async fn cost_per_message_minor(&self) -> i64 {
        self.0.row.cost_per_message_minor
    }

    async fn fixed_cost_minor(&self) -> i64 {
        self.0.row.fixed_cost_minor
    }

    async fn send_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.send_at
    }

    async fn preset(&self) -> Option<CampaignPreset> {
        self.0.row.preset.as_deref().and_then(CampaignPreset::parse)
    }

    /// Customers in the audience when prepared (0 before).
    async fn audience(&self) -> i64 {
        self.0.row.audience
    }

    async fn held_out(&self) -> i64 {
        self.0.row.held_out
    }

    async fn excluded(&self) -> i64 {
        self.0.row.excluded
    }

    async fn queued(&self) -> i64 {
        self.0.row.queued
    }

    async fn launched_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.launched_at
    }

    async fn approved_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.approved_at
    }

    async fn prepared_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.prepared_at
    }

    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.finished_at
    }

    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.cancelled_at
    }

    async fn version(&self) -> i32 {
        self.0.row.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }

    /// Who is in the audience now and what preparing it would exclude (for a draft or a launch
    /// not yet prepared).
    async fn audience_preview(&self, ctx: &Context<'_>) -> async_graphql::Result<CampaignAudience> {
        let scope = ctx.require(Permission::CustomersRead)?;
        preview(ctx, scope, &self.0).await
    }

    /// The result so far: funnel, revenue, cost, ROI, lift against the holdout.
    async fn report(&self, ctx: &Context<'_>) -> async_graphql::Result<CampaignReport> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let r = report::compute(ctx.db()?, &self.0).await.map_err(ext)?;
        Ok(CampaignReport::of(r, &currency(ctx, scope.workspace_id).await?))
    }
}

/// Exclusions by reason.
#[derive(SimpleObject, Default)]
pub struct Exclusions {
    pub no_consent: u64,
    pub no_address: u64,
    pub message_budget: u64,
    /// The coupon pool ran out before them (preparation only; never at send time).
    pub no_coupon: u64,
}

/// A campaign's audience now, before it is prepared.
#[derive(SimpleObject)]
pub struct CampaignAudience {
    pub customers: u64,
    /// `[not rated, 1 star, ..., 5 stars]`.
    pub by_stars: Vec<u64>,
    pub excluded: Exclusions,
    pub holdout: u64,
    pub to_send: u64,
    /// Messages planned in quiet hours (they go when the quiet hours end).
    pub quiet_hours: u64,
    /// When the last message is planned (the throttle spreads them).
    pub last_at: Option<DateTime<Utc>>,
    /// Whether a launch by the caller waits for approval.
    pub needs_approval: bool,
    pub estimated_cost: Money,
}

async fn preview(
    ctx: &Context<'_>,
    scope: &crate::auth::Scope,
    c: &Row,
) -> async_graphql::Result<CampaignAudience> {
    let db = ctx.db()?;
    let messaging = crate::messaging::settings::load(db, scope.workspace_id).await.map_err(ext)?;
    let plan = audience::plan(db, c, &messaging.budget, Utc::now()).await.map_err(ext)?;
    let sends = i64::try_from(plan.to_send).unwrap_or(i64::MAX);
    Ok(CampaignAudience {
        customers: plan.audience,
        by_stars: plan.by_stars.to_vec(),
        excluded: Exclusions {
            no_consent: plan.no_consent,
            no_address: plan.no_address,
            message_budget: plan.message_budget,
            no_coupon: plan.no_coupon,
        },
        holdout: plan.holdout,
        to_send: plan.to_send,
        quiet_hours: plan.quiet_hours,
        last_at: plan.last_at,
        needs_approval: plan.audience > campaigns::APPROVAL_ABOVE && !scope.can(Permission::CampaignsApprove),
        estimated_cost: Money {
            amount_minor: c
                .row
                .fixed_cost_minor
                .saturating_add(c.row.cost_per_message_minor.saturating_mul(sends)),
            currency: currency(ctx, scope.workspace_id).await?,
        },
    })
}

/// The recipients' conversion against the holdout's.
#[derive(SimpleObject)]
pub struct CampaignLift {
    pub recipients_rate: f64,
    pub holdout_rate: f64,
    /// Difference in share (0.03 = 3 points).
    pub lift: f64,
    /// 95% interval of the difference.
    pub low: f64,
    pub high: f64,
    pub p_value: f64,
    /// Either group has fewer than 30 people: too few to tell.
    pub too_small: bool,
    /// p < 0.05 with both groups large enough; when false the difference may well be chance.
    pub significant: bool,
}

impl From<starcrm_shared::campaigns::Lift> for CampaignLift {
    fn from(l: starcrm_shared::campaigns::Lift) -> Self {
        Self {
            recipients_rate: l.recipients_rate,
            holdout_rate: l.holdout_rate,
            lift: l.lift,
            low: l.low,
            high: l.high,
            p_value: l.p_value,
            too_small: l.too_small,
            significant: l.significant,
        }
    }
}

/// One star level's result (stars as prepared; 0: not rated).
#[derive(SimpleObject)]
pub struct CampaignStarResult {
    pub stars: i32,
    pub recipients: u64,
    pub recipients_converted: u64,
    pub holdout: u64,
    pub holdout_converted: u64,
    pub revenue: Money,
    /// Null when either group is empty.
    pub lift: Option<CampaignLift>,
}

/// A campaign's result.
#[derive(SimpleObject)]
pub struct CampaignReport {
    pub audience: u64,
    pub excluded: Exclusions,
    pub held_out: u64,
    pub queued: u64,
    /// Handed to the channel (delivered or failed).
    pub sent: u64,
    pub delivered: u64,
    pub failed: u64,
    /// Not sent when their time came, by reason (consent withdrawn, unsubscribed, budget used).
    pub skipped: Exclusions,
    pub cancelled: u64,
    pub unsubscribed: u64,
    pub coupons_redeemed: u64,
    /// Delivered recipients who bought within the window (or redeemed the coupon).
    pub converted: u64,
    pub holdout_converted: u64,
    pub revenue: Money,
    pub holdout_revenue: Money,
    pub incremental_revenue: Money,
    pub cost: Money,
    /// (revenue - cost) / cost; null without a cost.
    pub roi: Option<f64>,
    /// Null until both groups have someone.
    pub lift: Option<CampaignLift>,
    pub by_stars: Vec<CampaignStarResult>,
}

impl CampaignReport {
    fn of(r: report::Report, currency: &str) -> Self {
        let money = |amount_minor| Money { amount_minor, currency: currency.to_owned() };
        Self {
            audience: r.audience,
            excluded: Exclusions {
                no_consent: r.no_consent,
                no_address: r.no_address,
                message_budget: r.message_budget,
                no_coupon: r.no_coupon,
            },
            held_out: r.held_out,
            queued: r.queued,
            sent: r.sent,
            delivered: r.delivered,
            failed: r.failed,
            skipped: Exclusions {
                no_consent: r.skipped_no_consent,
                no_address: r.skipped_no_address,
                message_budget: r.skipped_budget,
                no_coupon: 0,
            },
            cancelled: r.cancelled,
            unsubscribed: r.unsubscribed,
            coupons_redeemed: r.redeemed,
            converted: r.recipients.converted,
            holdout_converted: r.holdout.converted,
            revenue: money(r.revenue_minor),
            holdout_revenue: money(r.holdout_revenue_minor),
            incremental_revenue: money(r.incremental_revenue_minor),
            cost: money(r.cost_minor),
            roi: r.roi,
            lift: r.lift.map(Into::into),
            by_stars: r
                .by_stars
                .into_iter()
                .map(|l| CampaignStarResult {
                    stars: i32::from(l.stars),
                    recipients: l.recipients.size,
                    recipients_converted: l.recipients.converted,
                    holdout: l.holdout.size,
                    holdout_converted: l.holdout.converted,
                    revenue: money(l.revenue_minor),
                    lift: l.lift.map(Into::into),
                })
                .collect(),
        }
    }
}

/// One customer of a prepared campaign.
#[derive(SimpleObject)]
pub struct CampaignRecipient {
    pub customer_id: ID,
    pub customer_name: String,
    /// Stars when the campaign was prepared.
    pub stars: Option<i32>,
    pub status: RecipientStatus,
    /// Why excluded or skipped.
    pub exclusion: Option<CampaignExclusion>,
    pub coupon_code: Option<String>,
    pub send_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub window_ends_at: DateTime<Utc>,
    pub redeemed_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

/// A coupon redeemed at the till.
#[derive(SimpleObject)]
pub struct CouponRedemption {
    pub campaign_id: ID,
    pub campaign_name: String,
    pub customer_id: ID,
    pub offer_text: Option<String>,
    pub redeemed_at: Option<DateTime<Utc>>,
    /// False for a retry with the same reference.
    pub created: bool,
}

/// What an unsubscribe link is about, for the customer's page (no sign-in: the token is the
/// key).
#[derive(SimpleObject)]
pub struct UnsubscribeLink {
    pub business: String,
    pub channel: MessageChannel,
    /// Whether this link was used already.
    pub unsubscribed: bool,
}

impl From<sending::Link> for UnsubscribeLink {
    fn from(l: sending::Link) -> Self {
        Self { business: l.business, channel: l.channel, unsubscribed: l.recipient.unsubscribed_at.is_some() }
    }
}

/// Recipients listed at most.
const RECIPIENTS_MAX: u64 = 500;

#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    /// The workspace's campaigns, newest first. Needs `customers:read`.
    async fn campaigns(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Campaign>> {
        let scope = ctx.require(Permission::CustomersRead)?;
        Ok(campaigns::list(ctx.db()?, scope).await.map_err(ext)?.into_iter().map(Campaign).collect())
    }

    /// One campaign. Needs `customers:read`.
    async fn campaign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Campaign> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let id = parse_id(&id, "id")?;
        Ok(Campaign(campaigns::find(ctx.db()?, scope, id).await.map_err(ext)?))
    }

    /// A prepared campaign's recipients (at most 500), in one status. Needs `customers:read`.
    async fn campaign_recipients(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: Option<RecipientStatus>,
        #[graphql(default = 100)] first: i32,
    ) -> async_graphql::Result<Vec<CampaignRecipient>> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let db = ctx.db()?;
        let id = parse_id(&id, "id")?;
        let c = campaigns::find(db, scope, id).await.map_err(ext)?;
        let first = u64::try_from(first).unwrap_or(0).clamp(1, RECIPIENTS_MAX);
        let mut q = campaign_recipient::Entity::find()
            .filter(campaign_recipient::Column::CampaignId.eq(c.row.id))
            .filter(campaign_recipient::Column::WorkspaceId.eq(scope.workspace_id));
        if let Some(s) = status {
            q = q.filter(campaign_recipient::Column::Status.eq(s.as_str()));
        }
        let rows = q
            .order_by_asc(campaign_recipient::Column::SendAt)
            .order_by_asc(campaign_recipient::Column::CustomerId)
            .limit(first)
            .all(db)
            .await
            .map_err(|e| ext(e.into()))?;
        let names: std::collections::HashMap<uuid::Uuid, String> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .column(customer::Column::Name)
            .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(customer::Column::Id.is_in(rows.iter().map(|r| r.customer_id)))
            .into_tuple()
            .all(db)
            .await
            .map_err(|e| ext(e.into()))?
            .into_iter()
            .collect();
        Ok(rows
            .into_iter()
            .map(|r| CampaignRecipient {
                customer_id: ID(r.customer_id.to_string()),
                customer_name: names.get(&r.customer_id).cloned().unwrap_or_default(),
                stars: r.stars.map(i32::from),
                status: RecipientStatus::parse(&r.status).unwrap_or(RecipientStatus::Queued),
                exclusion: r.exclusion.as_deref().and_then(CampaignExclusion::parse),
                coupon_code: r.coupon_code,
                send_at: r.send_at,
                sent_at: r.sent_at,
                window_ends_at: r.window_ends_at,
                redeemed_at: r.redeemed_at,
                unsubscribed_at: r.unsubscribed_at,
            })
            .collect())
    }

    /// The unsubscribe link of a campaign message, for the customer's page: no sign-in needed,
    /// the token is the key. `NOT_FOUND` for a token that is not one.
    async fn unsubscribe_link(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> async_graphql::Result<UnsubscribeLink> {
        Ok(sending::link(ctx.db()?, &token).await.map_err(ext)?.into())
    }

    /// What a campaign as written would reach now, with the exclusions by reason: the wizard's
    /// live audience. Nothing is saved. Needs `customers:read`.
    async fn campaign_audience(
        &self,
        ctx: &Context<'_>,
        input: CampaignInput,
    ) -> async_graphql::Result<CampaignAudience> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let spec = input.into_spec()?;
        let c = campaigns::draft(ctx.db()?, scope, &spec).await.map_err(ext)?;
        preview(ctx, scope, &c).await
    }
}

#[derive(Default)]
pub struct CampaignMutation;

#[Object]
impl CampaignMutation {
    /// Saves a draft. Needs `campaigns:manage`.
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        input: CampaignInput,
    ) -> async_graphql::Result<Campaign> {
        let scope = ctx.require(Permission::CampaignsManage)?;
        let spec = input.into_spec()?;
        Ok(Campaign(campaigns::create(ctx.db()?, scope, &spec).await.map_err(ext)?))
    }

    /// Saves a draft made from a star-aware preset, to review and launch. Needs
    /// `campaigns:manage`.
    async fn create_campaign_from_preset(
        &self,
        ctx: &Context<'_>,
        preset: CampaignPreset,
    ) -> async_graphql::Result<Campaign> {
        let scope = ctx.require(Permission::CampaignsManage)?;
        let db = ctx.db()?;
        let mut spec = presets::spec(preset).map_err(ext)?;
        // A preset used twice on one day gets a numbered name.
        let base = spec.name.clone();
        for n in 2..=50 {
            match campaigns::create(db, scope, &spec).await {
                Err(AppError::BadUserInput { field, .. }) if field == "name" => {
                    spec.name = format!("{base} ({n})");
                }
                other => return Ok(Campaign(other.map_err(ext)?)),
            }
        }
        Err(ext(AppError::bad_input("name", "too many campaigns from this preset today")))
    }

    /// Saves a draft again (`version`: the one edited). Needs `campaigns:manage`.
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: CampaignInput,
    ) -> async_graphql::Result<Campaign> {
        let scope = ctx.require(Permission::CampaignsManage)?;
        let id = parse_id(&id, "id")?;
        let spec = input.into_spec()?;
        Ok(Campaign(campaigns::update(ctx.db()?, scope, id, version, &spec).await.map_err(ext)?))
    }

    /// Deletes a draft. Needs `campaigns:manage`.
    async fn delete_campaign(&self, ctx: &Context<'_>, id: ID, version: i32) -> async_graphql::Result<bool> {
        let scope = ctx.require(Permission::CampaignsManage)?;
        let id = parse_id(&id, "id")?;
        campaigns::delete(ctx.db()?, scope, id, version).await.map_err(ext)?;
        Ok(true)
    }

    /// Launches a draft, at its time or now; large launches by someone without
    /// `campaigns:approve` wait for approval. Needs `campaigns:manage`.
    async fn launch_campaign(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<Campaign> {
        let scope = ctx.require(Permission::CampaignsManage)?;
        let id = parse_id(&id, "id")?;
        Ok(Campaign(campaigns::launch(ctx.db()?, scope, id, version).await.map_err(ext)?))
    }

    /// Approves a launch waiting for it (not one's own). Needs `campaigns:approve`.
    async fn approve_campaign(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<Campaign> {
        let scope = ctx.require(Permission::CampaignsApprove)?;
        let id = parse_id(&id, "id")?;
        Ok(Campaign(campaigns::approve(ctx.db()?, scope, id, version).await.map_err(ext)?))
    }

    /// Stops a campaign: what is still queued is withdrawn. Needs `campaigns:manage`.
    async fn cancel_campaign(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<Campaign> {
        let scope = ctx.require(Permission::CampaignsManage)?;
        let id = parse_id(&id, "id")?;
        Ok(Campaign(campaigns::cancel(ctx.db()?, scope, id, version).await.map_err(ext)?))
    }

    /// Withdraws the consent a campaign message relied on, at once (messages still queued on the
    /// channel are skipped). No sign-in: the token is the key, and a signed-in staff member is
    /// refused (staff do not unsubscribe customers through their links). `NOT_FOUND` for a token
    /// that is not one; a second use changes nothing.
    async fn unsubscribe(&self, ctx: &Context<'_>, token: String) -> async_graphql::Result<UnsubscribeLink> {
        if matches!(ctx.data::<Caller>(), Ok(Caller(Some(_)))) {
            return Err(ext(AppError::Forbidden {
                permission: None,
                reason: "staff cannot unsubscribe a customer through their link; change the consent on the customer's page".to_owned(),
            }));
        }
        Ok(sending::unsubscribe(ctx.db()?, &token).await.map_err(ext)?.into())
    }

    /// Redeems a campaign's personal coupon at the till (`reference`: the receipt; a retry with
    /// it gets the same answer). Needs `transactions:write`.
    async fn redeem_campaign_coupon(
        &self,
        ctx: &Context<'_>,
        code: String,
        reference: String,
    ) -> async_graphql::Result<CouponRedemption> {
        let scope = ctx.require(Permission::TransactionsWrite)?;
        let r = sending::redeem_coupon(ctx.db()?, scope, &code, &reference).await.map_err(ext)?;
        Ok(CouponRedemption {
            campaign_id: ID(r.campaign.row.id.to_string()),
            campaign_name: r.campaign.row.name.clone(),
            customer_id: ID(r.recipient.customer_id.to_string()),
            offer_text: r.campaign.row.offer_text.clone(),
            redeemed_at: r.recipient.redeemed_at,
            created: r.created,
        })
    }
}
