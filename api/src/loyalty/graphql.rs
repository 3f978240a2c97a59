//! Loyalty over GraphQL: the earn rule, a customer's points (on `Customer.points`), redeeming
//! and adjusting points, and the workspace's liability.

use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use starcrm_shared::Permission;
use starcrm_shared::contact_budget::SkipReason;
use starcrm_shared::loyalty::{EarnRule, LotSource, OperationKind};
use starcrm_shared::surveys::{MessageChannel, MessageStatus};
use uuid::Uuid;

use super::ledger::{self, Done, Spend};
use super::{rules, views};
use crate::auth::ContextExt;
use crate::entities::{message, point_lot, point_operation, point_warning};
use crate::error::AppError;
use crate::graphql::pagination::PageRequest;
use crate::users::graphql::{StaffMember, page_complexity, parse_id};

#[allow(clippy::needless_pass_by_value, reason = "used as `map_err(ext)`")]
fn ext(err: AppError) -> async_graphql::Error {
    err.extend()
}

/// The workspace's earn rule as saved.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct LoyaltyRule {
    /// 0 before the first save (the rule shown is then the standard one, off).
    pub version: i32,
    pub rule: EarnRule,
    pub saved_at: Option<DateTime<Utc>>,
    #[graphql(skip)]
    pub saved_by_id: Option<Uuid>,
}

#[async_graphql::ComplexObject]
impl LoyaltyRule {
    /// The workspace currency the rule's amounts are in.
    async fn currency(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let scope = ctx.scope()?;
        crate::customers::aggregates::workspace_currency(ctx.db()?, scope.workspace_id).await.map_err(ext)
    }

    /// Who saved this version.
    async fn saved_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffMember>> {
        match self.saved_by_id {
            Some(id) => crate::customers::graphql::types::user_in_workspace(ctx, id).await,
            None => Ok(None),
        }
    }
}

impl From<rules::Saved> for LoyaltyRule {
    fn from(s: rules::Saved) -> Self {
        Self { version: s.version, rule: s.rule, saved_at: s.saved_at, saved_by_id: s.saved_by }
    }
}

/// A customer's points.
pub struct Points {
    pub customer_id: Uuid,
    pub summary: views::Summary,
}

#[Object]
impl Points {
    /// What the lots hold less what is owed: can be below zero while a refund's debt is unpaid.
    async fn balance(&self) -> i64 {
        self.summary.balance
    }

    /// What can be spent now.
    async fn spendable(&self) -> i64 {
        self.summary.spendable
    }

    /// Earned, spendable once the pending period ends.
    async fn pending(&self) -> i64 {
        self.summary.pending
    }

    /// Points a refund took back after they were spent; the next points earned repay it.
    async fn debt(&self) -> i64 {
        self.summary.debt
    }

    /// Points expiring within the rule's warning period.
    async fn expiring_soon(&self) -> i64 {
        self.summary.expiring_soon
    }

    /// When the first of those expire.
    async fn next_expiry(&self) -> Option<DateTime<Utc>> {
        self.summary.next_expiry
    }

    /// The lots: those still holding points in the order they are spent, then used-up ones,
    /// newest first (at most `first`: 50 by default, 100 at most).
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn lots(&self, ctx: &Context<'_>, first: Option<i32>) -> async_graphql::Result<Vec<PointsLot>> {
        let page = PageRequest::new(first, None)?;
        let rows = views::lots(ctx.db()?, ctx.scope()?, self.customer_id, u64::from(page.first))
            .await
            .map_err(ext)?;
        Ok(rows.into_iter().map(PointsLot).collect())
    }

    /// What happened, newest first: `first` operations (50 by default, 100 at most) before the
    /// operation `before`.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        before: Option<ID>,
    ) -> async_graphql::Result<Vec<PointsOperation>> {
        let page = PageRequest::new(first, None)?;
        let before = before.as_ref().map(|b| parse_id(b, "before")).transpose()?;
        let rows = views::history(ctx.db()?, ctx.scope()?, self.customer_id, before, u64::from(page.first))
            .await
            .map_err(ext)?;
        Ok(rows.into_iter().map(PointsOperation).collect())
    }

    /// The warnings the member was given before points expired, newest first (at most
    /// `first`: 20 by default, 100 at most), with how the message went.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn warnings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<PointsWarning>> {
        let page = PageRequest::new(first.or(Some(20)), None)?;
        let rows = views::warnings(ctx.db()?, ctx.scope()?, self.customer_id, u64::from(page.first))
            .await
            .map_err(ext)?;
        Ok(rows.into_iter().map(|(warning, message)| PointsWarning { warning, message }).collect())
    }

    /// The customer's referral code to pass on (made on first use).
    async fn referral_code(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        super::referrals::code_of(ctx.db()?, ctx.scope()?, self.customer_id).await.map_err(ext)
    }

    /// Vouchers the customer got for points, newest first (at most `first`: 50 by default, 100
    /// at most).
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn vouchers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<super::rewards_graphql::Voucher>> {
        let page = PageRequest::new(first, None)?;
        let (db, scope) = (ctx.db()?, ctx.scope()?);
        let rows = super::rewards::of_customer(db, scope, self.customer_id, u64::from(page.first))
            .await
            .map_err(ext)?;
        super::rewards_graphql::with_rewards(db, scope, rows).await.map_err(ext)
    }
}

/// A member told their points would expire.
pub struct PointsWarning {
    warning: point_warning::Model,
    message: Option<message::Model>,
}

#[Object]
impl PointsWarning {
    /// The last day the points could be spent (the workspace's calendar).
    async fn expires_on(&self) -> NaiveDate {
        self.warning.expires_on
    }

    async fn expires_at(&self) -> DateTime<Utc> {
        self.warning.expires_at
    }

    /// Points that were to expire then.
    async fn points(&self) -> i64 {
        self.warning.points
    }

    async fn warned_at(&self) -> DateTime<Utc> {
        self.warning.created_at
    }

    /// The message's channel (null: no message configured, the change feed's event only).
    async fn channel(&self) -> Option<MessageChannel> {
        self.message.as_ref().and_then(|m| MessageChannel::parse(&m.channel))
    }

    /// Where the message stands.
    async fn status(&self) -> Option<MessageStatus> {
        self.message.as_ref().and_then(|m| MessageStatus::parse(&m.status))
    }

    /// Why it was not sent.
    async fn skip_reason(&self) -> Option<SkipReason> {
        self.message.as_ref().and_then(|m| m.skip_reason.as_deref()).and_then(SkipReason::parse)
    }

    /// The last error sending it.
    async fn error(&self) -> Option<&str> {
        self.message.as_ref().and_then(|m| m.error.as_deref())
    }

    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.message.as_ref().and_then(|m| m.sent_at)
    }
}

/// One credit of points and what is left of it.
pub struct PointsLot(pub point_lot::Model);

#[Object]
impl PointsLot {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn source(&self) -> async_graphql::Result<LotSource> {
        LotSource::parse(&self.0.source).ok_or_else(|| ext(AppError::internal(anyhow::anyhow!("lot source"))))
    }

    /// What it was credited with.
    async fn points(&self) -> i64 {
        self.0.points
    }

    async fn remaining(&self) -> i64 {
        self.0.remaining
    }

    /// When its points can be spent.
    async fn available_at(&self) -> DateTime<Utc> {
        self.0.available_at
    }

    /// When what is left expires (null: never).
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }

    /// The purchase that earned it.
    async fn transaction_id(&self) -> Option<ID> {
        self.0.transaction_id.map(|id| ID(id.to_string()))
    }

    /// The earn rule version, the stars and the multiplier it was earned with: what a refund
    /// reverses, whatever they are now.
    async fn rule_version(&self) -> Option<i32> {
        self.0.rule_version
    }

    async fn stars(&self) -> Option<i32> {
        self.0.stars
    }

    /// The star level's multiplier when earned (1.5 for 1.5x).
    async fn multiplier(&self) -> Option<f64> {
        self.0.multiplier_milli.map(|m| f64::from(m) / 1000.0)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One thing that happened to a customer's points.
pub struct PointsOperation(pub point_operation::Model);

#[Object]
impl PointsOperation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn customer_id(&self) -> ID {
        ID(self.0.customer_id.to_string())
    }

    async fn kind(&self) -> async_graphql::Result<OperationKind> {
        OperationKind::parse(&self.0.kind)
            .ok_or_else(|| ext(AppError::internal(anyhow::anyhow!("operation kind {}", self.0.kind))))
    }

    /// The change to the balance.
    async fn points(&self) -> i64 {
        self.0.points
    }

    async fn balance_after(&self) -> i64 {
        self.0.balance_after
    }

    /// The purchase that earned, or the refund that took back.
    async fn transaction_id(&self) -> Option<ID> {
        self.0.transaction_id.map(|id| ID(id.to_string()))
    }

    async fn external_ref(&self) -> Option<&str> {
        self.0.external_ref.as_deref()
    }

    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// The staff member who did it (null for integrations and the system).
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffMember>> {
        match self.0.actor_user_id {
            Some(id) => crate::customers::graphql::types::user_in_workspace(ctx, id).await,
            None => Ok(None),
        }
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Points outstanding that expire in one month of the workspace's calendar.
#[derive(SimpleObject)]
pub struct PointsLiabilityMonth {
    pub month_start: DateTime<Utc>,
    /// `2027-03`.
    pub month: String,
    pub points: i64,
}

/// The workspace's points liability.
#[derive(SimpleObject)]
pub struct PointsLiability {
    /// Points in lots (spendable and pending), not expired.
    pub outstanding: i64,
    pub never_expiring: i64,
    /// Points members owe after refunds.
    pub debt: i64,
    /// By month of expiry, from this month, 24 months.
    pub months: Vec<PointsLiabilityMonth>,
    /// Expiring after the last month listed.
    pub later: i64,
    /// Of the points that left lots so far, the share that expired rather than being spent
    /// (null before any did).
    pub breakage_rate: Option<f64>,
    /// Expiring points outstanding times the breakage rate.
    pub expected_breakage: Option<i64>,
}

#[derive(Default)]
pub struct LoyaltyQuery;

#[Object]
impl LoyaltyQuery {
    /// The workspace's earn rule. Needs `loyalty:read`.
    async fn loyalty_rule(&self, ctx: &Context<'_>) -> async_graphql::Result<LoyaltyRule> {
        let scope = ctx.require(Permission::LoyaltyRead)?;
        Ok(rules::get(ctx.db()?, scope).await.map_err(ext)?.into())
    }

    /// Points outstanding by month of expiry, owed, and the breakage to expect. Needs
    /// `loyalty:read`.
    async fn points_liability(&self, ctx: &Context<'_>) -> async_graphql::Result<PointsLiability> {
        let scope = ctx.require(Permission::LoyaltyRead)?;
        let l = views::liability(ctx.db()?, scope).await.map_err(ext)?;
        Ok(PointsLiability {
            outstanding: l.outstanding,
            never_expiring: l.never_expiring,
            debt: l.debt,
            months: l
                .months
                .into_iter()
                .map(|m| PointsLiabilityMonth {
                    month_start: m.month_start,
                    month: m.label,
                    points: m.points,
                })
                .collect(),
            later: l.later,
            breakage_rate: l.breakage_rate,
            expected_breakage: l.expected_breakage,
        })
    }
}

/// Points to spend or to adjust.
#[derive(InputObject)]
pub struct PointsInput {
    pub customer_id: ID,
    /// Redeem: how many to spend. Adjust: how many to give (above zero) or take away (below).
    pub points: i64,
    /// Why (required for adjustments): shown in the history and the audit log.
    pub reason: Option<String>,
    /// Your reference (a POS receipt): a retry with the same one returns the first result.
    pub external_ref: Option<String>,
}

/// What a redemption or adjustment did.
#[derive(SimpleObject)]
pub struct PointsPayload {
    pub operation: PointsOperation,
    /// The customer's balance after it.
    pub balance: i64,
    /// False when a retry got the first result back.
    pub created: bool,
}

impl From<Done> for PointsPayload {
    fn from(done: Done) -> Self {
        Self {
            balance: done.operation.balance_after,
            operation: PointsOperation(done.operation),
            created: done.created,
        }
    }
}

fn spend_of(input: PointsInput) -> async_graphql::Result<Spend> {
    Ok(Spend {
        customer_id: parse_id(&input.customer_id, "customerId")?,
        points: input.points,
        reason: input.reason,
        external_ref: input.external_ref,
    })
}

#[derive(Default)]
pub struct LoyaltyMutation;

#[Object]
impl LoyaltyMutation {
    /// Saves a new version of the earn rule; `version` is the one you edited (a `CONFLICT` if
    /// someone saved meanwhile). Points already earned keep what they were earned under. Needs
    /// `loyalty:manage`.
    async fn save_loyalty_rule(
        &self,
        ctx: &Context<'_>,
        rule: EarnRule,
        version: i32,
    ) -> async_graphql::Result<LoyaltyRule> {
        let scope = ctx.require(Permission::LoyaltyManage)?;
        Ok(rules::save(ctx.db()?, scope, rule, version).await.map_err(ext)?.into())
    }

    /// Spends a customer's points, the soonest-expiring first (a reward, a discount at the till).
    /// Idempotent on `externalRef`. Needs `points:redeem`.
    async fn redeem_points(
        &self,
        ctx: &Context<'_>,
        input: PointsInput,
    ) -> async_graphql::Result<PointsPayload> {
        let scope = ctx.require(Permission::PointsRedeem)?;
        Ok(ledger::redeem(ctx.db()?, scope, spend_of(input)?).await.map_err(ext)?.into())
    }

    /// Gives or takes away points by hand, with a reason (audited). Idempotent on `externalRef`.
    /// Needs `points:adjust`.
    async fn adjust_points(
        &self,
        ctx: &Context<'_>,
        input: PointsInput,
    ) -> async_graphql::Result<PointsPayload> {
        let scope = ctx.require(Permission::PointsAdjust)?;
        Ok(ledger::adjust(ctx.db()?, scope, spend_of(input)?).await.map_err(ext)?.into())
    }
}
