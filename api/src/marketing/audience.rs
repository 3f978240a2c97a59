//! A campaign's audience: who it selects, who of them it may contact, and the preparation that
//! writes one recipient row per customer and one outbox message per customer it sends to.
//!
//! One statement reads the whole audience with what each customer's exclusion depends on (the
//! channel's consent, an address, the unasked contacts within their star level's budget period,
//! the points balance when the message shows it); the rest is decided here, in order of the
//! customers' numbers so a preparation run twice plans the same: excluded with the reason, else
//! held out (reproducibly, `shared::campaigns::in_holdout`), else a message, its time spread by
//! the throttle. The holdout is drawn from the customers who could be contacted, so the two
//! groups compare like with like.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set};
use starcrm_shared::campaigns::{self as rules, CampaignExclusion, CampaignOffer, Fill, RecipientStatus};
use starcrm_shared::contact_budget::ContactBudget;
use starcrm_shared::surveys::{InvitationStatus, MessageChannel, MessagePurpose, MessageStatus, Template};
use uuid::Uuid;

use super::campaigns::Campaign;
use super::segments;
use crate::auth::Scope;
use crate::auth::tokens;
use crate::entities::{
    campaign_recipient, channel_identity, customer, customer_consent, customer_email, customer_phone,
    message, point_account, survey_invitation,
};
use crate::error::AppError;

/// The condition selecting the campaign's audience among the workspace's live customers.
///
/// # Errors
/// As [`segments::live_condition`].
pub async fn condition(
    conn: &impl ConnectionTrait,
    campaign: &Campaign,
    now: DateTime<Utc>,
) -> Result<Condition, AppError> {
    let mut filter = campaign.filter()?;
    if let Some(id) = campaign.row.segment_id {
        filter.segment_ids = Some(vec![id]);
    }
    let mut wanted = segments::live_condition(conn, campaign.row.workspace_id, &filter, now).await?;
    if !campaign.stars.is_empty() {
        wanted = wanted.add(customer::Column::Stars.is_in(campaign.stars.iter().map(|s| i16::from(*s))));
    }
    if let Some(gap) = campaign.row.near_next_star {
        let ctx = crate::ratings::engine::Context::cached(conn, campaign.row.workspace_id).await?;
        let levels: Vec<u8> =
            if campaign.stars.is_empty() { vec![1, 2, 3, 4] } else { campaign.stars.clone() };
        let mut near = Condition::any();
        for s in levels.into_iter().filter(|s| *s < 5) {
            let floor = ctx.policy.thresholds.floor_of(s + 1) - f64::from(gap);
            near = near.add(
                Condition::all()
                    .add(customer::Column::Stars.eq(i16::from(s)))
                    .add(customer::Column::StarScore.gte(floor)),
            );
        }
        wanted = wanted.add(near);
    }
    Ok(wanted)
}

/// How many customers the audience selects now.
///
/// # Errors
/// Database failures.
pub async fn count(
    conn: &impl ConnectionTrait,
    campaign: &Campaign,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(customer::Entity::find().filter(condition(conn, campaign, now).await?).count(conn).await?)
}

/// One customer of the audience with what their exclusion depends on.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub id: Uuid,
    pub name: String,
    pub stars: Option<i16>,
    pub consent: bool,
    pub address: Option<String>,
    /// Unasked contacts within the customer's budget period (surveys and campaigns sent).
    pub contacts: i64,
    pub points: i64,
}

fn col<C: sea_orm::IdenStatic>(table: impl sea_orm::IdenStatic, column: C) -> Expr {
    Expr::col((table, column))
}

fn outer_id() -> Expr {
    col(customer::Entity, customer::Column::Id)
}

/// The customer's address on the channel: the primary email or phone, the WeChat identity.
fn address_column(channel: MessageChannel) -> Expr {
    let pick = |q: SelectStatement| Expr::SubQuery(None, Box::new(q.into()));
    match channel {
        MessageChannel::Email => pick(
            Query::select()
                .column(customer_email::Column::Email)
                .from(customer_email::Entity)
                .and_where(
                    col(customer_email::Entity, customer_email::Column::CustomerId)
                        .equals((customer::Entity, customer::Column::Id)),
                )
                .order_by(customer_email::Column::IsPrimary, Order::Desc)
                .limit(1)
                .to_owned(),
        ),
        MessageChannel::Sms => pick(
            Query::select()
                .column(customer_phone::Column::Phone)
                .from(customer_phone::Entity)
                .and_where(
                    col(customer_phone::Entity, customer_phone::Column::CustomerId)
                        .equals((customer::Entity, customer::Column::Id)),
                )
                .order_by(customer_phone::Column::IsPrimary, Order::Desc)
                .limit(1)
                .to_owned(),
        ),
        MessageChannel::Wechat => pick(
            Query::select()
                .column(channel_identity::Column::ExternalId)
                .from(channel_identity::Entity)
                .and_where(
                    col(channel_identity::Entity, channel_identity::Column::CustomerId)
                        .equals((customer::Entity, customer::Column::Id)),
                )
                .and_where(channel_identity::Column::Channel.eq("wechat"))
                .limit(1)
                .to_owned(),
        ),
        // The business's app knows its members by id.
        MessageChannel::Push => Expr::cast_as(outer_id(), sea_orm::sea_query::Alias::new("TEXT")),
    }
}

/// The start of the customer's budget period: by their star level's limit.
fn budget_since(budget: &ContactBudget, now: DateTime<Utc>) -> Expr {
    let since = |stars: Option<u8>| now - Duration::days(i64::from(budget.limits(stars).1.days));
    let mut case = sea_orm::sea_query::CaseStatement::new();
    for s in 1..=5_u8 {
        case = case.case(customer::Column::Stars.eq(i16::from(s)), Expr::val(since(Some(s))));
    }
    Expr::Case(Box::new(case.finally(Expr::val(since(None)))))
}

/// Unasked contacts since the customer's budget period began: surveys and campaign messages
/// sent.
fn contacts_column(budget: &ContactBudget, now: DateTime<Utc>) -> Expr {
    let campaigns = Query::select()
        .expr(Expr::col(message::Column::Id).count())
        .from(message::Entity)
        .and_where(
            col(message::Entity, message::Column::CustomerId)
                .equals((customer::Entity, customer::Column::Id)),
        )
        .and_where(message::Column::Purpose.eq(MessagePurpose::Campaign.as_str()))
        .and_where(message::Column::Status.eq(MessageStatus::Sent.as_str()))
        .and_where(col(message::Entity, message::Column::SentAt).gt(budget_since(budget, now)))
        .to_owned();
    let surveys = Query::select()
        .expr(Expr::col(survey_invitation::Column::Id).count())
        .from(survey_invitation::Entity)
        .and_where(
            col(survey_invitation::Entity, survey_invitation::Column::CustomerId)
                .equals((customer::Entity, customer::Column::Id)),
        )
        .and_where(
            survey_invitation::Column::Status
                .is_in([InvitationStatus::Sent.as_str(), InvitationStatus::Answered.as_str()]),
        )
        .and_where(
            col(survey_invitation::Entity, survey_invitation::Column::SentAt).gt(budget_since(budget, now)),
        )
        .to_owned();
    Expr::SubQuery(None, Box::new(campaigns.into())).add(Expr::SubQuery(None, Box::new(surveys.into())))
}

/// Reads the audience with everything its exclusions depend on, by customer number.
///
/// # Errors
/// Database failures.
pub async fn candidates(
    conn: &impl ConnectionTrait,
    campaign: &Campaign,
    budget: &ContactBudget,
    now: DateTime<Utc>,
) -> Result<Vec<Candidate>, AppError> {
    let consent = Query::select()
        .expr(Expr::val(1))
        .from(customer_consent::Entity)
        .and_where(
            col(customer_consent::Entity, customer_consent::Column::CustomerId)
                .equals((customer::Entity, customer::Column::Id)),
        )
        .and_where(customer_consent::Column::Channel.eq(campaign.channel.consent().as_str()))
        .and_where(customer_consent::Column::Granted.eq(true))
        .to_owned();
    let uses_points =
        campaign.content.iter().any(|t| t.subject.contains("{points}") || t.body.contains("{points}"));
    let points = if uses_points {
        let balance = Query::select()
            .expr(
                col(point_account::Entity, point_account::Column::Held)
                    .sub(col(point_account::Entity, point_account::Column::Debt)),
            )
            .from(point_account::Entity)
            .and_where(
                col(point_account::Entity, point_account::Column::CustomerId)
                    .equals((customer::Entity, customer::Column::Id)),
            )
            .to_owned();
        Expr::SubQuery(None, Box::new(balance.into()))
    } else {
        Expr::val(0_i64)
    };
    let select = Query::select()
        .column((customer::Entity, customer::Column::Id))
        .column((customer::Entity, customer::Column::Name))
        .column((customer::Entity, customer::Column::Stars))
        .expr(Expr::case(Expr::exists(consent), 1).finally(0))
        .expr(address_column(campaign.channel))
        .expr(Expr::cast_as(contacts_column(budget, now), sea_orm::sea_query::Alias::new("BIGINT")))
        .expr(Expr::cast_as(points, sea_orm::sea_query::Alias::new("BIGINT")))
        .from(customer::Entity)
        .cond_where(condition(conn, campaign, now).await?)
        .order_by((customer::Entity, customer::Column::Number), Order::Asc)
        .to_owned();
    let rows = conn.query_all_raw(conn.get_database_backend().build(&select)).await?;
    rows.into_iter()
        .map(|r| {
            Ok(Candidate {
                id: r.try_get_by_index(0)?,
                name: r.try_get_by_index(1)?,
                stars: r.try_get_by_index(2)?,
                consent: r.try_get_by_index::<i32>(3)? == 1,
                address: r.try_get_by_index(4)?,
                contacts: r.try_get_by_index::<Option<i64>>(5)?.unwrap_or(0),
                points: r.try_get_by_index::<Option<i64>>(6)?.unwrap_or(0),
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(AppError::from)
}

/// What the campaign does with one candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Excluded(CampaignExclusion),
    Holdout,
    Send,
}

/// Decides for one candidate.
pub fn decide(campaign: &Campaign, budget: &ContactBudget, c: &Candidate) -> Decision {
    if !c.consent {
        return Decision::Excluded(CampaignExclusion::NoConsent);
    }
    if c.address.as_deref().is_none_or(str::is_empty) {
        return Decision::Excluded(CampaignExclusion::NoAddress);
    }
    let stars = c.stars.and_then(|s| u8::try_from(s).ok());
    if c.contacts >= i64::from(budget.limits(stars).1.max) {
        return Decision::Excluded(CampaignExclusion::MessageBudget);
    }
    let percent = u8::try_from(campaign.row.holdout_percent).unwrap_or(rules::DEFAULT_HOLDOUT);
    if rules::in_holdout(*campaign.row.id.as_bytes(), *c.id.as_bytes(), percent) {
        return Decision::Holdout;
    }
    Decision::Send
}

/// A coupon pool's free codes, counted down in the order customers are prepared. Once it runs
/// dry everyone after is excluded (`no_coupon`), the holdout's share included, so recipients and
/// holdout stay drawn from the same customers. Without a pool decisions pass unchanged.
#[derive(Clone, Copy, Debug, Default)]
struct Pool {
    left: Option<u64>,
    dry: bool,
}

impl Pool {
    fn apply(&mut self, decision: Decision) -> Decision {
        let Some(left) = self.left.as_mut() else { return decision };
        match decision {
            Decision::Send | Decision::Holdout if self.dry => Decision::Excluded(CampaignExclusion::NoCoupon),
            Decision::Send if *left == 0 => {
                self.dry = true;
                Decision::Excluded(CampaignExclusion::NoCoupon)
            }
            Decision::Send => {
                *left -= 1;
                Decision::Send
            }
            other => other,
        }
    }
}

/// The reward whose pool a coupon campaign hands out, if it does.
fn pool_of(campaign: &Campaign) -> Option<Uuid> {
    campaign.row.coupon_reward_id.filter(|_| campaign.offer == CampaignOffer::Coupon)
}

/// When the `n`th customer the campaign may contact is planned (the holdout keeps its place in
/// the plan, so its window starts when its message would have gone).
pub fn planned(start: DateTime<Utc>, throttle_per_hour: Option<i32>, n: u64) -> DateTime<Utc> {
    match throttle_per_hour.and_then(|t| u64::try_from(t).ok()).filter(|t| *t > 0) {
        Some(per_hour) => {
            let ms = n.saturating_mul(3_600_000) / per_hour;
            start + Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX / 2))
        }
        None => start,
    }
}

/// The audience counted as it would be prepared now.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub audience: u64,
    /// The audience by stars: index 0 not rated yet, 1 to 5 the levels.
    pub by_stars: [u64; 6],
    pub no_consent: u64,
    pub no_address: u64,
    pub message_budget: u64,
    /// Past the last free code of the coupon pool.
    pub no_coupon: u64,
    pub holdout: u64,
    pub to_send: u64,
    /// Messages whose planned time falls in quiet hours (they go when the quiet hours end).
    pub quiet_hours: u64,
    /// When the last message is planned.
    pub last_at: Option<DateTime<Utc>>,
}

impl Plan {
    pub fn add(&mut self, c: &Candidate, decision: Decision) {
        self.audience += 1;
        let at = c.stars.and_then(|s| usize::try_from(s).ok()).filter(|s| (1..=5).contains(s)).unwrap_or(0);
        self.by_stars[at] += 1;
        match decision {
            Decision::Excluded(CampaignExclusion::NoConsent) => self.no_consent += 1,
            Decision::Excluded(CampaignExclusion::NoAddress) => self.no_address += 1,
            Decision::Excluded(CampaignExclusion::MessageBudget) => self.message_budget += 1,
            Decision::Excluded(CampaignExclusion::NoCoupon) => self.no_coupon += 1,
            Decision::Holdout => self.holdout += 1,
            Decision::Send => self.to_send += 1,
        }
    }
}

/// Counts what preparing the campaign now would do, writing nothing.
///
/// # Errors
/// Database failures.
pub async fn plan(
    conn: &impl ConnectionTrait,
    campaign: &Campaign,
    budget: &ContactBudget,
    now: DateTime<Utc>,
) -> Result<Plan, AppError> {
    let start = std::cmp::max(campaign.row.send_at.unwrap_or(now), now);
    let mut plan = Plan::default();
    let mut n = 0_u64;
    let mut pool = Pool::default();
    if let Some(reward_id) = pool_of(campaign) {
        pool.left =
            Some(crate::loyalty::rewards::free_in_pool(conn, campaign.row.workspace_id, reward_id).await?);
    }
    for c in candidates(conn, campaign, budget, now).await? {
        let decision = pool.apply(decide(campaign, budget, &c));
        plan.add(&c, decision);
        if matches!(decision, Decision::Send | Decision::Holdout) {
            let at = planned(start, campaign.row.throttle_per_hour, n);
            n += 1;
            if decision == Decision::Send {
                plan.quiet_hours += u64::from(budget.quiet_until(at).is_some());
                plan.last_at = Some(at);
            }
        }
    }
    Ok(plan)
}

/// What a recipient's message says, per language.
pub struct Texts<'a> {
    pub template: &'a Template,
    /// The benefits of each star level in words (index 0: not rated).
    pub benefits: [String; 6],
    pub link_base: &'a str,
    pub zh: bool,
}

impl<'a> Texts<'a> {
    /// The campaign's first language, with the workspace's benefits in it.
    pub fn new(
        campaign: &'a Campaign,
        tiers: &[starcrm_shared::tiers::Tier],
        link_base: &'a str,
    ) -> Option<Self> {
        let template = campaign.content.first()?;
        let zh = template.language.starts_with("zh");
        let benefits = std::array::from_fn(|s| {
            u8::try_from(s)
                .ok()
                .filter(|s| (1..=5).contains(s))
                .map(|s| rules::benefits_text(&starcrm_shared::tiers::for_stars(tiers, s), zh))
                .unwrap_or_default()
        });
        Some(Self { template, benefits, link_base, zh })
    }

    /// Whether the message names each recipient's recommended product.
    pub fn uses_recommendation(&self) -> bool {
        self.template.subject.contains("{recommendation}") || self.template.body.contains("{recommendation}")
    }

    /// Subject and body for one recipient.
    pub fn render(
        &self,
        c: &Candidate,
        (coupon, recommendation): (&str, &str),
        unsubscribe_token: &str,
    ) -> (String, String) {
        let link = format!("{}/u/{unsubscribe_token}", self.link_base);
        let level = c.stars.and_then(|s| usize::try_from(s).ok()).filter(|s| *s <= 5).unwrap_or(0);
        let fill = Fill {
            name: &c.name,
            stars: c.stars.and_then(|s| u8::try_from(s).ok()),
            benefits: &self.benefits[level],
            points: c.points,
            coupon,
            recommendation,
            unsubscribe: &link,
        };
        let subject = rules::render(&self.template.subject, &fill);
        let mut body = rules::render(&self.template.body, &fill);
        if !self.template.body.contains("{unsubscribe}") {
            let words = if self.zh { "退订" } else { "Unsubscribe" };
            body.push_str("\n\n");
            body.push_str(words);
            body.push_str(": ");
            body.push_str(&link);
        }
        (subject, body)
    }
}

/// Counts of a preparation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Prepared {
    pub audience: u64,
    pub excluded: u64,
    pub held_out: u64,
    pub queued: u64,
}

/// Rows written per batch.
const BATCH: usize = 2_000;

/// One customer's place in a preparation.
struct Planned<'a> {
    c: &'a Candidate,
    decision: Decision,
    at: DateTime<Utc>,
    /// The personal coupon (empty without a coupon offer or a message).
    coupon: String,
    /// The unsubscribe link's token (empty without a message).
    token: String,
    message_id: Option<Uuid>,
}

impl Planned<'_> {
    fn row(&self, campaign: &Campaign, window: Duration) -> campaign_recipient::ActiveModel {
        let (status, exclusion) = match self.decision {
            Decision::Excluded(reason) => (RecipientStatus::Excluded, Some(reason.as_str().to_owned())),
            Decision::Holdout => (RecipientStatus::Holdout, None),
            Decision::Send => (RecipientStatus::Queued, None),
        };
        campaign_recipient::ActiveModel {
            campaign_id: Set(campaign.row.id),
            customer_id: Set(self.c.id),
            workspace_id: Set(campaign.row.workspace_id),
            stars: Set(self.c.stars),
            status: Set(status.as_str().to_owned()),
            exclusion: Set(exclusion),
            message_id: Set(self.message_id),
            coupon_code: Set((!self.coupon.is_empty()).then(|| self.coupon.clone())),
            unsubscribe_hash: Set((!self.token.is_empty()).then(|| tokens::hash(&self.token))),
            send_at: Set(self.at),
            sent_at: Set(None),
            window_ends_at: Set(self.at + window),
            points_credited: Set(0),
            redeemed_at: Set(None),
            redeemed_ref: Set(None),
            unsubscribed_at: Set(None),
        }
    }
}

/// Times a preparation draws new codes for those that clashed before it gives up.
const CODE_ATTEMPTS: usize = 8;

/// A personal coupon code: the prefix and 10 characters drawn uniformly (30^10, about 6e14
/// codes; a clash with a code of the workspace is drawn again by [`write_recipients`]).
fn random_code(prefix: &str) -> Result<String, AppError> {
    let mut digits = Vec::with_capacity(10);
    while digits.len() < 10 {
        let mut bytes = [0_u8; 16];
        getrandom::fill(&mut bytes)
            .map_err(|e| AppError::internal(anyhow::anyhow!("random source failed: {e}")))?;
        // Bytes below 240 are uniform modulo 30.
        digits.extend(bytes.into_iter().filter(|b| *b < 240).map(|b| b % 30));
    }
    digits.truncate(10);
    Ok(rules::coupon_code(prefix, &digits))
}

/// Writes a chunk's recipient rows. A coupon code that another recipient of the workspace holds
/// already leaves its row out (`ON CONFLICT DO NOTHING` on the workspace's codes); those rows
/// get new codes and are written again.
async fn write_recipients(
    conn: &impl ConnectionTrait,
    campaign: &Campaign,
    rows: &mut [Planned<'_>],
    window: Duration,
    prefix: &str,
) -> Result<(), AppError> {
    use sea_orm::sea_query::OnConflict;
    let mut pending: Vec<usize> = (0..rows.len()).collect();
    for _ in 0..CODE_ATTEMPTS {
        let mut inserted = 0_u64;
        for part in pending.chunks(crate::db::INSERT_CHUNK) {
            let models: Vec<_> = part.iter().map(|i| rows[*i].row(campaign, window)).collect();
            let conflict = OnConflict::columns([
                campaign_recipient::Column::WorkspaceId,
                campaign_recipient::Column::CouponCode,
            ])
            .do_nothing()
            .to_owned();
            inserted += campaign_recipient::Entity::insert_many(models)
                .on_conflict(conflict)
                .exec_without_returning(conn)
                .await?;
        }
        if inserted == u64::try_from(pending.len()).unwrap_or(u64::MAX) {
            return Ok(());
        }
        let written: std::collections::HashSet<Uuid> = campaign_recipient::Entity::find()
            .select_only()
            .column(campaign_recipient::Column::CustomerId)
            .filter(campaign_recipient::Column::CampaignId.eq(campaign.row.id))
            .filter(campaign_recipient::Column::CustomerId.is_in(pending.iter().map(|i| rows[*i].c.id)))
            .into_tuple()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        pending.retain(|i| !written.contains(&rows[*i].c.id));
        if pool_of(campaign).is_some() {
            // A pool's codes are the till's own: one another campaign generated cannot be redrawn.
            return Err(AppError::conflict(
                "a code of the coupon pool is already held by a recipient of another campaign: remove it from the pool",
            ));
        }
        for i in &pending {
            rows[*i].coupon = random_code(prefix)?;
        }
    }
    Err(AppError::internal(anyhow::anyhow!(
        "could not draw unclashing coupon codes for campaign {}",
        campaign.row.id
    )))
}

/// A coupon pool's codes for a chunk's messages, taken in one go (fewer when it runs dry); none
/// without a pool.
async fn pool_codes(
    conn: &impl ConnectionTrait,
    campaign: &Campaign,
    pool: &mut Pool,
    decisions: &[Decision],
) -> Result<Vec<String>, AppError> {
    let Some(reward_id) = pool_of(campaign) else { return Ok(Vec::new()) };
    let wanted = if pool.dry { 0 } else { decisions.iter().filter(|d| **d == Decision::Send).count() };
    let taken = if wanted == 0 {
        Vec::new()
    } else {
        crate::loyalty::rewards::take_for_campaign(
            conn,
            campaign.row.workspace_id,
            reward_id,
            campaign.row.id,
            wanted,
        )
        .await?
    };
    pool.left = Some(taken.len() as u64);
    Ok(taken)
}

/// Writes the recipients and queues the messages of a campaign, in `conn` (the caller's
/// transaction). Returns the counts.
///
/// # Errors
/// `CONFLICT` without the public address of links; database failures.
pub async fn prepare(
    conn: &impl ConnectionTrait,
    campaign: &Campaign,
    messaging: &crate::messaging::settings::Messaging,
    now: DateTime<Utc>,
) -> Result<Prepared, AppError> {
    let Some(link_base) = messaging.link_base.as_deref() else {
        return Err(AppError::conflict("set the public address of links in the messaging settings"));
    };
    let budget = &messaging.budget;
    let tiers = crate::ratings::tiers::load(conn, &Scope::system(campaign.row.workspace_id)).await?;
    let texts = Texts::new(campaign, &tiers, link_base)
        .ok_or_else(|| AppError::conflict("the campaign has no message"))?;
    let start = std::cmp::max(campaign.row.send_at.unwrap_or(now), now);
    let window = Duration::days(i64::from(campaign.row.window_days));
    let prefix = campaign.row.coupon_prefix.clone().unwrap_or_default();
    let candidates = candidates(conn, campaign, budget, now).await?;
    let mut done = Prepared::default();
    let mut n = 0_u64;
    let mut pool = Pool::default();
    for chunk in candidates.chunks(BATCH) {
        let decisions: Vec<Decision> = chunk.iter().map(|c| decide(campaign, budget, c)).collect();
        let mut codes = pool_codes(conn, campaign, &mut pool, &decisions).await?.into_iter();
        let mut planned_rows = Vec::with_capacity(chunk.len());
        for (c, decision) in chunk.iter().zip(decisions) {
            let decision = pool.apply(decision);
            let at = if matches!(decision, Decision::Excluded(_)) {
                start
            } else {
                n += 1;
                planned(start, campaign.row.throttle_per_hour, n - 1)
            };
            let mut row =
                Planned { c, decision, at, coupon: String::new(), token: String::new(), message_id: None };
            match decision {
                Decision::Excluded(_) => done.excluded += 1,
                Decision::Holdout => done.held_out += 1,
                Decision::Send => {
                    done.queued += 1;
                    if campaign.offer == CampaignOffer::Coupon {
                        row.coupon = match pool.left {
                            Some(_) => codes.next().ok_or_else(|| {
                                AppError::internal(anyhow::anyhow!(
                                    "campaign {}: pool codes miscounted",
                                    campaign.row.id
                                ))
                            })?,
                            None => random_code(&prefix)?,
                        };
                    }
                    row.token = tokens::generate("")?;
                    row.message_id = Some(Uuid::now_v7());
                }
            }
            done.audience += 1;
            planned_rows.push(row);
        }
        write_recipients(conn, campaign, &mut planned_rows, window, &prefix).await?;
        // Each recipient's first recommendation, read for the chunk at once, when the message
        // names it.
        let recommended = if texts.uses_recommendation() {
            let ids: Vec<Uuid> =
                planned_rows.iter().filter(|p| p.message_id.is_some()).map(|p| p.c.id).collect();
            crate::insight::recommend::first_for(conn, campaign.row.workspace_id, &ids, now).await?
        } else {
            std::collections::HashMap::new()
        };
        let messages: Vec<message::ActiveModel> = planned_rows
            .iter()
            .filter_map(|p| {
                let id = p.message_id?;
                let product = recommended.get(&p.c.id).map_or("", String::as_str);
                let (subject, body) = texts.render(p.c, (&p.coupon, product), &p.token);
                Some(message::ActiveModel {
                    id: Set(id),
                    workspace_id: Set(campaign.row.workspace_id),
                    customer_id: Set(p.c.id),
                    purpose: Set(MessagePurpose::Campaign.as_str().to_owned()),
                    channel: Set(campaign.channel.as_str().to_owned()),
                    origin: Set(format!("campaign:{}:{}", campaign.row.id, p.c.id)),
                    subject: Set(subject),
                    body: Set(body),
                    status: Set(MessageStatus::Queued.as_str().to_owned()),
                    skip_reason: Set(None),
                    error: Set(None),
                    attempts: Set(0),
                    send_at: Set(p.at),
                    sent_at: Set(None),
                    created_at: Set(now),
                })
            })
            .collect();
        crate::db::insert_chunks(conn, messages).await?;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dry_pool_excludes_everyone_after_the_last_code_holdout_included() {
        use Decision::{Excluded, Holdout, Send};
        let no_coupon = Excluded(CampaignExclusion::NoCoupon);
        let budget = Excluded(CampaignExclusion::MessageBudget);
        let mut pool = Pool { left: Some(2), dry: false };
        let got: Vec<Decision> =
            [Send, Holdout, budget, Send, Send, Holdout, Send].into_iter().map(|d| pool.apply(d)).collect();
        assert_eq!(got, [Send, Holdout, budget, Send, no_coupon, no_coupon, no_coupon]);
        // Without a pool nothing changes.
        let mut none = Pool::default();
        assert_eq!([Send, Holdout].map(|d| none.apply(d)), [Send, Holdout]);
    }
}
