//! Member access over GraphQL: `issueMemberToken` for the business's backend, and `me`, the only
//! field a member token reaches, answering for that one customer.

use async_graphql::{Context, ErrorExtensions, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::EntityTrait;
use starcrm_shared::Permission;
use starcrm_shared::explain::Language;
use starcrm_shared::loyalty::{OperationKind, Redeemable, RewardKind, VoucherStatus};
use starcrm_shared::rating::Suggestion;
use starcrm_shared::tiers::{self, Benefit};

use super::members::{self, Member};
use super::rewards::{self, Reward};
use super::views;
use crate::auth::ContextExt;
use crate::entities::{customer, point_operation, reward, voucher};
use crate::error::AppError;
use crate::users::graphql::parse_id;

#[allow(clippy::needless_pass_by_value, reason = "used as `map_err(ext)`")]
fn ext(err: AppError) -> async_graphql::Error {
    err.extend()
}

/// The member a request's token stands for (`None`: not a member token).
#[derive(Clone, Debug)]
pub struct MemberCaller(pub Option<Member>);

fn member<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Member> {
    match ctx.data::<MemberCaller>() {
        Ok(MemberCaller(Some(m))) => Ok(m),
        _ => Err(AppError::Unauthenticated.extend()),
    }
}

/// A member token for the business's app.
#[derive(SimpleObject)]
pub struct MemberToken {
    /// Send as `Authorization: Bearer <token>`; it reaches `me` only.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub customer_id: ID,
}

/// The member's own standing.
pub struct MemberView {
    member: Member,
    customer: customer::Model,
}

/// The member's stars, in plain language.
#[derive(SimpleObject)]
pub struct MemberStars {
    /// The stars that apply (1 to 5; null before the first rating).
    pub stars: Option<i32>,
    /// The workspace's name for the member's level (金卡...), if it gave one.
    pub tier_name: Option<String>,
    pub score: f64,
    /// The score the member's level starts at and the one the next level starts at (0 to 100):
    /// progress to the next star is `(score - levelScore) / (nextScore - levelScore)`.
    pub level_score: f64,
    pub next_score: Option<f64>,
    /// Why, and what would raise them, in sentences.
    pub lines: Vec<String>,
    pub next_stars: Option<i32>,
    /// The least extra spend, orders or categories, each alone, for the next level.
    pub to_next: Vec<Suggestion>,
    /// The smallest single purchase today that reaches the next level (minor units).
    pub next_purchase_minor: Option<i64>,
    pub currency: String,
    /// A new member's welcome level: the stars are at least it until then (the lines say so).
    pub welcome_until: Option<DateTime<Utc>>,
}

/// The member's points.
#[derive(SimpleObject)]
pub struct MemberPoints {
    pub balance: i64,
    pub spendable: i64,
    pub pending: i64,
    pub owed: i64,
    pub expiring_soon: i64,
    pub next_expiry: Option<DateTime<Utc>>,
}

/// One change to the member's points, as the member sees it.
#[derive(SimpleObject)]
pub struct MemberPointsEntry {
    pub kind: OperationKind,
    pub points: i64,
    pub balance_after: i64,
    pub created_at: DateTime<Utc>,
}

impl MemberPointsEntry {
    fn of(row: &point_operation::Model) -> Option<Self> {
        Some(Self {
            kind: OperationKind::parse(&row.kind)?,
            points: row.points,
            balance_after: row.balance_after,
            created_at: row.created_at,
        })
    }
}

/// A reward as the member sees it: what it costs and whether they can have it now.
#[derive(SimpleObject)]
pub struct MemberReward {
    pub id: ID,
    pub name: String,
    pub description: Option<String>,
    pub kind: RewardKind,
    pub points_cost: i64,
    pub min_stars: i32,
    pub value_minor: Option<i64>,
    pub percent_off: Option<i32>,
    /// How many are left (null: no limit).
    pub left: Option<i64>,
    /// `YES`, or the first reason they cannot redeem it now.
    pub redeemable: Redeemable,
}

impl MemberReward {
    fn of(r: &Reward, stars: Option<i32>, spendable: i64) -> Option<Self> {
        Some(Self {
            id: ID(r.row.id.to_string()),
            name: r.row.name.clone(),
            description: r.row.description.clone(),
            kind: RewardKind::parse(&r.row.kind)?,
            points_cost: r.row.points_cost,
            min_stars: r.row.min_stars,
            value_minor: r.row.value_minor,
            percent_off: r.row.percent_off,
            left: r.left(),
            redeemable: r.redeemable(stars, spendable),
        })
    }
}

/// A voucher the member got.
#[derive(SimpleObject)]
pub struct MemberVoucher {
    pub code: String,
    pub status: VoucherStatus,
    pub reward_name: Option<String>,
    pub reward_kind: Option<RewardKind>,
    pub value_minor: Option<i64>,
    pub percent_off: Option<i32>,
    pub points: i64,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub used_at: Option<DateTime<Utc>>,
}

impl MemberVoucher {
    fn of(v: voucher::Model, rewards: &[reward::Model]) -> Self {
        let reward = rewards.iter().find(|r| r.id == v.reward_id);
        Self {
            status: rewards::status(&v, Utc::now()),
            reward_name: reward.map(|r| r.name.clone()),
            reward_kind: reward.and_then(|r| RewardKind::parse(&r.kind)),
            value_minor: reward.and_then(|r| r.value_minor),
            percent_off: reward.and_then(|r| r.percent_off),
            points: v.points,
            issued_at: v.issued_at,
            expires_at: v.expires_at,
            used_at: v.used_at,
            code: v.code,
        }
    }
}

async fn member_vouchers(
    conn: &impl sea_orm::ConnectionTrait,
    member: &Member,
    rows: Vec<voucher::Model>,
) -> Result<Vec<MemberVoucher>, AppError> {
    let ids: Vec<uuid::Uuid> = rows.iter().map(|v| v.reward_id).collect();
    let named = rewards::rewards_by_id(conn, &member.scope(), ids).await?;
    Ok(rows.into_iter().map(|v| MemberVoucher::of(v, &named)).collect())
}

/// A survey waiting for the member's answer.
#[derive(SimpleObject)]
pub struct MemberSurvey {
    pub id: ID,
    /// NPS (0-10) or CSAT (1-5).
    pub kind: starcrm_shared::surveys::SurveyKind,
    /// The business asking (the workspace's name).
    pub business: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The member's referrals.
#[derive(SimpleObject)]
pub struct MemberReferrals {
    pub rewarded: u64,
    pub pending: u64,
}

/// What the member's redemption gave.
#[derive(SimpleObject)]
pub struct MemberRedeemPayload {
    pub voucher: MemberVoucher,
    pub balance: i64,
    /// False when a retry got the first voucher back.
    pub created: bool,
}

#[Object]
impl MemberView {
    async fn customer_id(&self) -> ID {
        ID(self.customer.id.to_string())
    }

    /// The member's name as the business holds it.
    async fn name(&self) -> &str {
        &self.customer.name
    }

    /// The member's stars and what would raise them.
    #[graphql(complexity = 20)]
    async fn stars(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] language: Language,
    ) -> async_graphql::Result<MemberStars> {
        let db = ctx.db()?;
        let e = members::explanation(db, &self.member, &self.customer, language).await.map_err(ext)?;
        let all = crate::ratings::tiers::load(db, &self.member.scope()).await.map_err(ext)?;
        let thresholds = crate::ratings::engine::Context::cached(db, self.member.workspace_id)
            .await
            .map_err(ext)?
            .policy
            .thresholds;
        let level = e.stars.and_then(|s| u8::try_from(s).ok()).unwrap_or(1);
        Ok(MemberStars {
            stars: e.stars.map(i32::from),
            tier_name: tiers::name_of(&all, level).map(str::to_owned),
            score: e.evaluation.score,
            level_score: thresholds.floor_of(level),
            next_score: e.next_stars.map(|n| thresholds.floor_of(n)),
            lines: e.lines,
            next_stars: e.next_stars.map(i32::from),
            to_next: e.to_next,
            next_purchase_minor: e.next_purchase,
            currency: e.currency,
            welcome_until: crate::ratings::graphql::fields::welcome_of(&self.customer).map(|w| w.until),
        })
    }

    /// What the member's stars earn.
    async fn benefits(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Benefit>> {
        let all = crate::ratings::tiers::load(ctx.db()?, &self.member.scope()).await.map_err(ext)?;
        let stars = self.customer.stars.and_then(|s| u8::try_from(s).ok()).unwrap_or(0);
        Ok(if stars == 0 { Vec::new() } else { tiers::for_stars(&all, stars) })
    }

    async fn points(&self, ctx: &Context<'_>) -> async_graphql::Result<MemberPoints> {
        let s = views::summary_of(ctx.db()?, &self.member.scope(), self.customer.id).await.map_err(ext)?;
        Ok(MemberPoints {
            balance: s.balance,
            spendable: s.spendable,
            pending: s.pending,
            owed: s.debt,
            expiring_soon: s.expiring_soon,
            next_expiry: s.next_expiry,
        })
    }

    /// The rewards on offer, cheapest first, each saying whether the member can redeem it now.
    #[graphql(complexity = 20)]
    async fn rewards(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MemberReward>> {
        let db = ctx.db()?;
        let scope = self.member.scope();
        let all = rewards::list(db, &scope, false).await.map_err(ext)?;
        let spendable = views::summary_of(db, &scope, self.customer.id).await.map_err(ext)?.spendable;
        let stars = self.customer.stars.map(i32::from);
        Ok(all.iter().filter_map(|r| MemberReward::of(r, stars, spendable)).collect())
    }

    /// The member's vouchers, newest first (at most `first`, 50 by default, 100 at most).
    #[graphql(complexity = "crate::users::graphql::page_complexity(first, child_complexity)")]
    async fn vouchers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<MemberVoucher>> {
        let page = crate::graphql::pagination::PageRequest::new(first, None)?;
        let db = ctx.db()?;
        let rows = rewards::of_customer(db, &self.member.scope(), self.customer.id, u64::from(page.first))
            .await
            .map_err(ext)?;
        member_vouchers(db, &self.member, rows).await.map_err(ext)
    }

    /// Surveys waiting for the member's answer (answer with `answerMySurvey`).
    async fn surveys(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MemberSurvey>> {
        let db = ctx.db()?;
        let rows =
            crate::surveys::invitations::open_for(db, self.member.workspace_id, self.customer.id, Utc::now())
                .await
                .map_err(ext)?;
        let business = if rows.is_empty() {
            String::new()
        } else {
            crate::entities::workspace::Entity::find_by_id(self.member.workspace_id)
                .one(db)
                .await
                .map_err(|e| ext(e.into()))?
                .map(|w| w.name)
                .unwrap_or_default()
        };
        Ok(rows
            .into_iter()
            .filter_map(|i| {
                Some(MemberSurvey {
                    kind: starcrm_shared::surveys::SurveyKind::parse(&i.kind)?,
                    business: business.clone(),
                    id: ID(i.id.to_string()),
                    sent_at: i.sent_at,
                    expires_at: i.expires_at,
                })
            })
            .collect())
    }

    /// The member's referral code to pass on (made on first use).
    async fn referral_code(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        super::referrals::code_of(ctx.db()?, &self.member.scope(), self.customer.id).await.map_err(ext)
    }

    /// Customers the member referred: rewarded, and waiting for their first purchase to settle.
    async fn referrals(&self, ctx: &Context<'_>) -> async_graphql::Result<MemberReferrals> {
        let (rewarded, pending) =
            super::referrals::counts(ctx.db()?, &self.member.scope(), self.customer.id).await.map_err(ext)?;
        Ok(MemberReferrals { rewarded, pending })
    }

    /// The newest changes to the member's points (at most `first`, 50 by default, 100 at most).
    #[graphql(complexity = "crate::users::graphql::page_complexity(first, child_complexity)")]
    async fn points_history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<MemberPointsEntry>> {
        let page = crate::graphql::pagination::PageRequest::new(first, None)?;
        let rows = members::history(ctx.db()?, &self.member, u64::from(page.first)).await.map_err(ext)?;
        Ok(rows.iter().filter_map(MemberPointsEntry::of).collect())
    }
}

#[derive(Default)]
pub struct MemberQuery;

#[Object]
impl MemberQuery {
    /// The member's own standing. Only a member token reaches it; staff and API tokens get
    /// `UNAUTHENTICATED`.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<MemberView> {
        let m = member(ctx)?;
        let customer = members::customer(ctx.db()?, m).await.map_err(ext)?;
        Ok(MemberView { member: m.clone(), customer })
    }
}

#[derive(Default)]
pub struct MemberMutation;

#[Object]
impl MemberMutation {
    /// A short-lived token bound to one customer, for the business's own app once it has
    /// signed its customer in (1 to 60 minutes, 30 by default). Needs `members:issue`; audited.
    async fn issue_member_token(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        #[graphql(default = 30)] minutes: i32,
    ) -> async_graphql::Result<MemberToken> {
        let scope = ctx.require(Permission::MembersIssue)?;
        let id = parse_id(&customer_id, "customerId")?;
        let (token, expires_at, customer) =
            members::issue(ctx.db()?, ctx.auth()?, scope, id, i64::from(minutes)).await.map_err(ext)?;
        Ok(MemberToken { token, expires_at, customer_id: ID(customer.to_string()) })
    }

    /// The member answers one of their own surveys (`me.surveys`), as the link would: once,
    /// before it expires; the answer moves their stars as any answer does.
    async fn answer_my_survey(
        &self,
        ctx: &Context<'_>,
        invitation_id: ID,
        score: i32,
        comment: Option<String>,
        language: Option<String>,
    ) -> async_graphql::Result<bool> {
        let m = member(ctx)?;
        let id = parse_id(&invitation_id, "invitationId")?;
        let link = crate::surveys::invitations::Link::Member {
            workspace_id: m.workspace_id,
            customer_id: m.customer_id,
            invitation_id: id,
        };
        crate::surveys::invitations::answer(ctx.db()?, link, score, comment.as_deref(), language.as_deref())
            .await
            .map_err(ext)?;
        Ok(true)
    }

    /// The member spends their own points on a reward (member token only). Idempotent on
    /// `externalRef`.
    async fn redeem_my_reward(
        &self,
        ctx: &Context<'_>,
        reward_id: ID,
        external_ref: Option<String>,
    ) -> async_graphql::Result<MemberRedeemPayload> {
        let m = member(ctx)?;
        let reward = parse_id(&reward_id, "rewardId")?;
        let db = ctx.db()?;
        let done = rewards::redeem(db, &m.scope(), m.customer_id, reward, external_ref.as_deref())
            .await
            .map_err(ext)?;
        let voucher = member_vouchers(db, m, vec![done.voucher]).await.map_err(ext)?.remove(0);
        Ok(MemberRedeemPayload { voucher, balance: done.balance, created: done.created })
    }
}
