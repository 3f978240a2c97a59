//! Rewards over GraphQL: the catalogue, redeeming a reward for a voucher, and the till using it.

use async_graphql::{Context, ErrorExtensions, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::Permission;
use starcrm_shared::loyalty::{RewardCodes, RewardKind, RewardSpec, VoucherStatus};

use super::rewards::{self, Reward as Row};
use crate::auth::ContextExt;
use crate::entities::{reward, voucher};
use crate::error::AppError;
use crate::users::graphql::{StaffMember, parse_id};

#[allow(clippy::needless_pass_by_value, reason = "used as `map_err(ext)`")]
fn ext(err: AppError) -> async_graphql::Error {
    err.extend()
}

fn stored<T>(parsed: Option<T>, what: &str) -> async_graphql::Result<T> {
    parsed.ok_or_else(|| ext(AppError::internal(anyhow::anyhow!("stored {what}"))))
}

/// A reward in the catalogue.
pub struct Reward(pub Row);

#[Object]
impl Reward {
    async fn id(&self) -> ID {
        ID(self.0.row.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.row.name
    }

    async fn description(&self) -> Option<&str> {
        self.0.row.description.as_deref()
    }

    async fn kind(&self) -> async_graphql::Result<RewardKind> {
        stored(RewardKind::parse(&self.0.row.kind), "reward kind")
    }

    async fn points_cost(&self) -> i64 {
        self.0.row.points_cost
    }

    /// The least stars that may redeem it.
    async fn min_stars(&self) -> i32 {
        self.0.row.min_stars
    }

    /// How many may be issued in all (null: no limit; pool rewards: the pool's free codes).
    async fn stock(&self) -> Option<i32> {
        self.0.row.stock
    }

    /// Vouchers issued so far.
    async fn issued(&self) -> i32 {
        self.0.row.issued
    }

    /// How many can still be issued (null: no limit).
    async fn left(&self) -> Option<i64> {
        self.0.left()
    }

    async fn value_minor(&self) -> Option<i64> {
        self.0.row.value_minor
    }

    async fn percent_off(&self) -> Option<i32> {
        self.0.row.percent_off
    }

    async fn codes(&self) -> async_graphql::Result<RewardCodes> {
        stored(RewardCodes::parse(&self.0.row.codes), "reward codes")
    }

    /// Days a voucher stays valid (null: until used).
    async fn valid_days(&self) -> Option<i32> {
        self.0.row.valid_days
    }

    async fn active(&self) -> bool {
        self.0.row.active
    }

    /// Send it back with an edit.
    async fn version(&self) -> i32 {
        self.0.row.version
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.row.updated_at
    }
}

/// What a member got for points.
pub struct Voucher {
    pub row: voucher::Model,
    /// The reward as it is now (its name and value).
    pub reward: Option<reward::Model>,
}

#[Object]
impl Voucher {
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }

    /// What the till takes.
    async fn code(&self) -> &str {
        &self.row.code
    }

    async fn status(&self) -> VoucherStatus {
        rewards::status(&self.row, Utc::now())
    }

    async fn customer_id(&self) -> ID {
        ID(self.row.customer_id.to_string())
    }

    async fn reward_id(&self) -> ID {
        ID(self.row.reward_id.to_string())
    }

    async fn reward_name(&self) -> Option<&str> {
        self.reward.as_ref().map(|r| r.name.as_str())
    }

    async fn reward_kind(&self) -> Option<RewardKind> {
        self.reward.as_ref().and_then(|r| RewardKind::parse(&r.kind))
    }

    async fn value_minor(&self) -> Option<i64> {
        self.reward.as_ref().and_then(|r| r.value_minor)
    }

    async fn percent_off(&self) -> Option<i32> {
        self.reward.as_ref().and_then(|r| r.percent_off)
    }

    /// The points it cost.
    async fn points(&self) -> i64 {
        self.row.points
    }

    async fn issued_at(&self) -> DateTime<Utc> {
        self.row.issued_at
    }

    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.row.expires_at
    }

    async fn used_at(&self) -> Option<DateTime<Utc>> {
        self.row.used_at
    }

    /// The till's reference for the use.
    async fn used_ref(&self) -> Option<&str> {
        self.row.used_ref.as_deref()
    }

    /// The staff member who marked it used (null for a till's API token).
    async fn used_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffMember>> {
        match self.row.used_by_user_id {
            Some(id) => crate::customers::graphql::types::user_in_workspace(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// Vouchers with the rewards they name.
pub(crate) async fn with_rewards(
    conn: &impl sea_orm::ConnectionTrait,
    scope: &crate::auth::Scope,
    rows: Vec<voucher::Model>,
) -> Result<Vec<Voucher>, AppError> {
    let mut ids: Vec<uuid::Uuid> = rows.iter().map(|v| v.reward_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let found = rewards::rewards_by_id(conn, scope, ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let reward = found.iter().find(|r| r.id == row.reward_id).cloned();
            Voucher { row, reward }
        })
        .collect())
}

/// What a redemption gave.
#[derive(SimpleObject)]
pub struct RedeemRewardPayload {
    pub voucher: Voucher,
    /// The member's balance after it.
    pub balance: i64,
    /// False when a retry got the first voucher back.
    pub created: bool,
}

impl From<(rewards::Redeemed, Option<reward::Model>)> for RedeemRewardPayload {
    fn from((r, reward): (rewards::Redeemed, Option<reward::Model>)) -> Self {
        Self { voucher: Voucher { row: r.voucher, reward }, balance: r.balance, created: r.created }
    }
}

/// A voucher the till used.
#[derive(SimpleObject)]
pub struct UseVoucherPayload {
    pub voucher: Voucher,
    /// False when a retry with the same reference got the first answer back.
    pub created: bool,
}

/// Who referred whom.
#[derive(SimpleObject)]
pub struct Referral {
    pub id: ID,
    pub referrer_id: ID,
    pub customer_id: ID,
    /// `pending` until the customer's first purchase passes the pending period, then `rewarded`
    /// or `refused` (with the reason).
    pub status: String,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
}

/// Codes loaded into a pool.
#[derive(SimpleObject)]
pub struct AddRewardCodesPayload {
    pub added: u64,
    /// Already in the workspace (in this or another pool), or given twice.
    pub skipped: u64,
    pub reward: Reward,
}

#[derive(Default)]
pub struct RewardsQuery;

#[Object]
impl RewardsQuery {
    /// The rewards catalogue, cheapest first (switched-off ones with `includeInactive`). Needs
    /// `loyalty:read`.
    async fn rewards(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] include_inactive: bool,
    ) -> async_graphql::Result<Vec<Reward>> {
        let scope = ctx.require(Permission::LoyaltyRead)?;
        let rows = rewards::list(ctx.db()?, scope, include_inactive).await.map_err(ext)?;
        Ok(rows.into_iter().map(Reward).collect())
    }

    /// A voucher by its code, as the till checks it before use. Needs `loyalty:read`.
    async fn voucher(&self, ctx: &Context<'_>, code: String) -> async_graphql::Result<Voucher> {
        let scope = ctx.require(Permission::LoyaltyRead)?;
        let db = ctx.db()?;
        let row = rewards::by_code(db, scope, &code).await.map_err(ext)?;
        let mut out = with_rewards(db, scope, vec![row]).await.map_err(ext)?;
        out.pop().ok_or_else(|| ext(AppError::NotFound { entity: "voucher" }))
    }
}

#[derive(Default)]
pub struct RewardsMutation;

#[Object]
impl RewardsMutation {
    /// Adds a reward (no `id`) or saves one (`version`: the one you edited; a `CONFLICT` if
    /// someone saved meanwhile). Needs `loyalty:manage`; audited.
    async fn save_reward(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        version: Option<i32>,
        input: RewardSpec,
    ) -> async_graphql::Result<Reward> {
        let scope = ctx.require(Permission::LoyaltyManage)?;
        let id = id.as_ref().map(|i| parse_id(i, "id")).transpose()?;
        Ok(Reward(rewards::save(ctx.db()?, scope, id, version, input).await.map_err(ext)?))
    }

    /// Loads coupon codes into a pool reward (codes already in the workspace are skipped; at
    /// most 10,000 a call). Needs `loyalty:manage`; audited.
    async fn add_reward_codes(
        &self,
        ctx: &Context<'_>,
        reward_id: ID,
        codes: Vec<String>,
    ) -> async_graphql::Result<AddRewardCodesPayload> {
        let scope = ctx.require(Permission::LoyaltyManage)?;
        let id = parse_id(&reward_id, "rewardId")?;
        let db = ctx.db()?;
        let (added, skipped) = rewards::add_codes(db, scope, id, codes).await.map_err(ext)?;
        let reward = rewards::find(db, scope, id).await.map_err(ext)?;
        Ok(AddRewardCodesPayload { added, skipped, reward: Reward(reward) })
    }

    /// Spends a customer's points on a reward and gives them a voucher. Idempotent on
    /// `externalRef`. Needs `points:redeem`.
    async fn redeem_reward(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        reward_id: ID,
        external_ref: Option<String>,
    ) -> async_graphql::Result<RedeemRewardPayload> {
        let scope = ctx.require(Permission::PointsRedeem)?;
        let customer = parse_id(&customer_id, "customerId")?;
        let reward = parse_id(&reward_id, "rewardId")?;
        let db = ctx.db()?;
        let done =
            rewards::redeem(db, scope, customer, reward, external_ref.as_deref()).await.map_err(ext)?;
        let named = rewards::rewards_by_id(db, scope, vec![reward]).await.map_err(ext)?.pop();
        Ok((done, named).into())
    }

    /// Records that the holder of a referral code referred this new customer (the business's
    /// app calls it at sign-up). Both are rewarded once the customer's first purchase passes the
    /// pending period. Needs `customers:write`.
    async fn record_referral(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        code: String,
    ) -> async_graphql::Result<Referral> {
        let scope = ctx.require(Permission::CustomersWrite)?;
        let id = parse_id(&customer_id, "customerId")?;
        let r = super::referrals::record(ctx.db()?, scope, id, &code).await.map_err(ext)?;
        Ok(Referral {
            id: ID(r.id.to_string()),
            referrer_id: ID(r.referrer_id.to_string()),
            customer_id: ID(r.customer_id.to_string()),
            status: r.status,
            reason: r.reason,
            created_at: r.created_at,
            settled_at: r.settled_at,
        })
    }

    /// Marks a voucher used at the till (once; a retry with the same `externalRef` gets the
    /// same answer). Needs `points:redeem`; audited.
    async fn use_voucher(
        &self,
        ctx: &Context<'_>,
        code: String,
        external_ref: Option<String>,
    ) -> async_graphql::Result<UseVoucherPayload> {
        let scope = ctx.require(Permission::PointsRedeem)?;
        let db = ctx.db()?;
        let (row, created) =
            rewards::use_voucher(db, scope, &code, external_ref.as_deref()).await.map_err(ext)?;
        let mut out = with_rewards(db, scope, vec![row]).await.map_err(ext)?;
        let voucher = out.pop().ok_or_else(|| ext(AppError::NotFound { entity: "voucher" }))?;
        Ok(UseVoucherPayload { voucher, created })
    }
}
