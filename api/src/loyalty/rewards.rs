//! Rewards and vouchers. Redeeming a reward is one write transaction: the reward's row first (a
//! conditional `issued + 1` that is also what two redemptions of its last unit queue on), then the
//! member's points through the ledger (soonest-expiring first), then a code (the next free one
//! from the pool, or a generated one) and the voucher. The till uses a voucher once
//! (`useVoucher`); a retry with the same reference gets the same answer.
//!
//! Lock order: reward, then points account. Nothing takes them the other way round (purchases,
//! refunds and redemptions of points alone take only the account).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::loyalty::rewards::{self as catalogue, CODE_MAX, CODES_PER_CALL_MAX};
use starcrm_shared::loyalty::{OperationKind, Redeemable, RewardCodes, RewardSpec, VoucherStatus};
use uuid::Uuid;

use super::ledger;
use crate::audit::{self, Entry};
use crate::auth::{Actor, Scope};
use crate::changes;
use crate::customers::ingest::external_ref;
use crate::db;
use crate::entities::{reward, reward_code, voucher};
use crate::error::AppError;

/// Most rewards in a workspace's catalogue.
pub const REWARDS_MAX: u64 = 500;

/// A reward with what is left of it.
#[derive(Clone, Debug)]
pub struct Reward {
    pub row: reward::Model,
    /// Free codes in the pool (pool rewards only).
    pub free_codes: Option<i64>,
}

impl Reward {
    /// How many can still be issued (`None`: no limit).
    pub fn left(&self) -> Option<i64> {
        if self.row.codes == RewardCodes::Pool.as_str() {
            return Some(self.free_codes.unwrap_or(0));
        }
        self.row.stock.map(|s| i64::from(s) - i64::from(self.row.issued))
    }

    /// Whether a member with `stars` and `spendable` points can redeem it now.
    pub fn redeemable(&self, stars: Option<i32>, spendable: i64) -> Redeemable {
        catalogue::redeemable(
            self.row.active,
            self.row.min_stars,
            self.row.points_cost,
            self.left(),
            stars,
            spendable,
        )
    }
}

/// A voucher's status at `now` (an issued voucher past its date is expired).
pub fn status(v: &voucher::Model, now: DateTime<Utc>) -> VoucherStatus {
    if v.status == VoucherStatus::Used.as_str() {
        VoucherStatus::Used
    } else if v.expires_at.is_some_and(|at| at <= now) {
        VoucherStatus::Expired
    } else {
        VoucherStatus::Issued
    }
}

async fn free_codes(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    reward_id: Option<Uuid>,
) -> Result<Vec<(Uuid, i64)>, AppError> {
    let mut query = reward_code::Entity::find()
        .select_only()
        .column(reward_code::Column::RewardId)
        .column_as(reward_code::Column::Id.count(), "n")
        .filter(reward_code::Column::WorkspaceId.eq(workspace_id))
        .filter(reward_code::Column::VoucherId.is_null())
        .filter(reward_code::Column::CampaignId.is_null())
        .group_by(reward_code::Column::RewardId);
    if let Some(id) = reward_id {
        query = query.filter(reward_code::Column::RewardId.eq(id));
    }
    Ok(query.into_tuple().all(conn).await?)
}

/// Free codes in a reward's pool now.
///
/// # Errors
/// Database failures.
pub async fn free_in_pool(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    reward_id: Uuid,
) -> Result<u64, AppError> {
    Ok(free_codes(conn, workspace_id, Some(reward_id)).await?.first().map_or(0, |(_, n)| n.unsigned_abs()))
}

/// The catalogue, cheapest first (switched-off rewards only with `include_inactive`). Callers
/// check the permission (staff: `loyalty:read`; members see active ones through `me`).
///
/// # Errors
/// Database failures.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    include_inactive: bool,
) -> Result<Vec<Reward>, AppError> {
    let mut query = reward::Entity::find().filter(reward::Column::WorkspaceId.eq(scope.workspace_id));
    if !include_inactive {
        query = query.filter(reward::Column::Active.eq(true));
    }
    let rows = query
        .order_by_asc(reward::Column::PointsCost)
        .order_by_asc(reward::Column::Name)
        .limit(REWARDS_MAX)
        .all(conn)
        .await?;
    let free = free_codes(conn, scope.workspace_id, None).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let free_codes = (row.codes == RewardCodes::Pool.as_str())
                .then(|| free.iter().find(|(id, _)| *id == row.id).map_or(0, |(_, n)| *n));
            Reward { row, free_codes }
        })
        .collect())
}

/// One reward of the workspace with what is left of it.
///
/// # Errors
/// `NOT_FOUND`; database failures.
pub async fn find(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<Reward, AppError> {
    let row = reward::Entity::find_by_id(id)
        .filter(reward::Column::WorkspaceId.eq(scope.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "reward" })?;
    let free_codes = if row.codes == RewardCodes::Pool.as_str() {
        Some(free_codes(conn, scope.workspace_id, Some(id)).await?.first().map_or(0, |(_, n)| *n))
    } else {
        None
    };
    Ok(Reward { row, free_codes })
}

/// Adds a reward (`id` none) or saves a new version of one (`version`: the one edited; a
/// `CONFLICT` if someone saved meanwhile). Needs `loyalty:manage`; audited.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field; `NOT_FOUND`; `CONFLICT`; `FORBIDDEN`.
pub async fn save(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Option<Uuid>,
    version: Option<i32>,
    mut spec: RewardSpec,
) -> Result<Reward, AppError> {
    scope.require(Permission::LoyaltyManage)?;
    spec.check().map_err(|(field, why)| AppError::invalid(&field, why))?;
    spec.name = spec.name.trim().to_owned();
    spec.description = spec.description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let saved = if let Some(id) = id {
        let old = find(&txn, scope, id).await?.row;
        if version.is_some_and(|v| v != old.version) {
            return Err(AppError::stale("reward"));
        }
        if old.codes != spec.codes.as_str() && old.issued > 0 {
            return Err(AppError::bad_input("codes", "cannot change once vouchers were issued"));
        }
        let mut row: reward::ActiveModel = old.clone().into();
        fill(&mut row, &spec);
        row.version = Set(old.version + 1);
        row.updated_at = Set(now);
        let saved = row.update(&txn).await?;
        audit::record(
            &txn,
            scope,
            Entry::new("reward.updated", "reward", id).changes(json!({ "before": old.name, "reward": spec })),
        )
        .await?;
        saved
    } else {
        let count = reward::Entity::find()
            .filter(reward::Column::WorkspaceId.eq(scope.workspace_id))
            .count(&txn)
            .await?;
        if count >= REWARDS_MAX {
            return Err(AppError::bad_input(
                "name",
                format!("a catalogue holds at most {REWARDS_MAX} rewards"),
            ));
        }
        let mut row = reward::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(scope.workspace_id),
            issued: Set(0),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        fill(&mut row, &spec);
        let saved = row.insert(&txn).await?;
        audit::record(&txn, scope, Entry::new("reward.created", "reward", saved.id).changes(json!(spec)))
            .await?;
        saved
    };
    let reward = find(&txn, scope, saved.id).await?;
    txn.commit().await?;
    Ok(reward)
}

fn fill(row: &mut reward::ActiveModel, spec: &RewardSpec) {
    row.name = Set(spec.name.clone());
    row.description = Set(spec.description.clone());
    row.kind = Set(spec.kind.as_str().to_owned());
    row.points_cost = Set(spec.points_cost);
    row.min_stars = Set(spec.min_stars);
    row.stock = Set(spec.stock);
    row.value_minor = Set(spec.value_minor);
    row.percent_off = Set(spec.percent_off);
    row.codes = Set(spec.codes.as_str().to_owned());
    row.valid_days = Set(spec.valid_days);
    row.active = Set(spec.active);
}

/// Loads coupon codes into a pool reward's pool. Codes already in the workspace (in any pool)
/// are skipped. Needs `loyalty:manage`; audited. Returns (added, skipped).
///
/// # Errors
/// `BAD_USER_INPUT` on `codes` (none, too many, one empty or too long, or the reward does not
/// take a pool); `NOT_FOUND`; `FORBIDDEN`.
pub async fn add_codes(
    db: &DatabaseConnection,
    scope: &Scope,
    reward_id: Uuid,
    codes: Vec<String>,
) -> Result<(u64, u64), AppError> {
    scope.require(Permission::LoyaltyManage)?;
    if codes.is_empty() {
        return Err(AppError::bad_input("codes", "give at least one code"));
    }
    if codes.len() > CODES_PER_CALL_MAX {
        return Err(AppError::bad_input("codes", format!("at most {CODES_PER_CALL_MAX} codes at a time")));
    }
    let mut clean: Vec<String> = Vec::with_capacity(codes.len());
    for (i, code) in codes.iter().enumerate() {
        let code = catalogue::normalize_code(code);
        if code.is_empty() || code.chars().count() > CODE_MAX || code.chars().any(char::is_control) {
            return Err(AppError::bad_input(
                format!("codes[{i}]"),
                format!("must be 1 to {CODE_MAX} characters"),
            ));
        }
        clean.push(code);
    }
    clean.sort_unstable();
    clean.dedup();
    let txn = db::begin_write(db).await?;
    let reward = find(&txn, scope, reward_id).await?.row;
    if reward.codes != RewardCodes::Pool.as_str() {
        return Err(AppError::bad_input("rewardId", "this reward generates its codes; it has no pool"));
    }
    let mut taken: Vec<String> = Vec::new();
    for chunk in clean.chunks(500) {
        let found: Vec<String> = reward_code::Entity::find()
            .select_only()
            .column(reward_code::Column::Code)
            .filter(reward_code::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(reward_code::Column::Code.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(&txn)
            .await?;
        taken.extend(found);
    }
    let now = Utc::now();
    let fresh: Vec<reward_code::ActiveModel> = clean
        .iter()
        .filter(|c| !taken.contains(c))
        .map(|code| reward_code::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(scope.workspace_id),
            reward_id: Set(reward_id),
            code: Set(code.clone()),
            voucher_id: Set(None),
            campaign_id: Set(None),
            created_at: Set(now),
        })
        .collect();
    let added = fresh.len() as u64;
    for chunk in fresh.chunks(500) {
        reward_code::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    let skipped = codes.len() as u64 - added;
    audit::record(
        &txn,
        scope,
        Entry::new("reward.codes_added", "reward", reward_id)
            .changes(json!({ "added": added, "skipped": skipped })),
    )
    .await?;
    txn.commit().await?;
    Ok((added, skipped))
}

/// A voucher a redemption gave, and the member's balance after it.
#[derive(Clone, Debug)]
pub struct Redeemed {
    pub voucher: voucher::Model,
    pub balance: i64,
    /// False when a retry with the same reference got the first voucher back.
    pub created: bool,
}

/// Spends a member's points on a reward and gives them a voucher. Staff need `points:redeem`;
/// a member redeems for themselves (the caller checks the token). Idempotent on `externalRef`.
///
/// # Errors
/// `BAD_USER_INPUT` on `rewardId` (switched off, needs more stars, out of stock) or `points`
/// (not enough, naming how many can be spent); `NOT_FOUND`; `CONFLICT` for a reference used
/// for another member or reward.
pub async fn redeem(
    db: &DatabaseConnection,
    scope: &Scope,
    customer_id: Uuid,
    reward_id: Uuid,
    reference: Option<&str>,
) -> Result<Redeemed, AppError> {
    scope.require(Permission::PointsRedeem)?;
    let reference = external_ref(reference)?;
    let txn = db::begin_write(db).await?;
    let customer = ledger::member(&txn, scope, customer_id).await?;
    if let Some(first) = first_redemption(&txn, scope, reference.as_deref()).await? {
        if first.customer_id != customer.id || first.reward_id != reward_id {
            return Err(AppError::Conflict {
                field: Some("externalRef".to_owned()),
                message: "this externalRef was used for another redemption".to_owned(),
            });
        }
        let balance = super::views::summary_of(&txn, scope, customer.id).await?.balance;
        txn.commit().await?;
        return Ok(Redeemed { voucher: first, balance, created: false });
    }
    let reward = find(&txn, scope, reward_id).await?;
    let stars = customer.stars.map(i32::from);
    match reward.redeemable(stars, i64::MAX) {
        Redeemable::NotOffered => return Err(AppError::bad_input("rewardId", "is not offered now")),
        Redeemable::NeedsStars => {
            return Err(AppError::bad_input(
                "rewardId",
                format!("needs {} stars; the customer has {}", reward.row.min_stars, stars.unwrap_or(0)),
            ));
        }
        Redeemable::OutOfStock => return Err(AppError::bad_input("rewardId", "is out of stock")),
        Redeemable::Yes | Redeemable::NeedsPoints => {}
    }
    // The reward's row: the stock check and what the last unit's redeemers queue on.
    let mut bump = reward::Entity::update_many()
        .col_expr(reward::Column::Issued, Expr::col(reward::Column::Issued).add(1))
        .filter(reward::Column::Id.eq(reward_id))
        .filter(reward::Column::Active.eq(true));
    if reward.row.codes != RewardCodes::Pool.as_str() {
        bump = bump.filter(
            reward::Column::Stock
                .is_null()
                .or(Expr::col(reward::Column::Issued).lt(Expr::col(reward::Column::Stock))),
        );
    }
    if bump.exec(&txn).await?.rows_affected == 0 {
        return Err(AppError::bad_input("rewardId", "is out of stock"));
    }
    let reason = reward.row.name.clone();
    let (operation, change) = ledger::spend_in(
        &txn,
        scope,
        customer.id,
        reward.row.points_cost,
        OperationKind::Redeem,
        None,
        Some(reason.chars().take(ledger::REASON_MAX).collect()),
    )
    .await?;
    let voucher_id = Uuid::now_v7();
    let code = if reward.row.codes == RewardCodes::Pool.as_str() {
        take_code(&txn, scope, reward_id, voucher_id).await?
    } else {
        generated_code()?
    };
    let now = operation.created_at;
    let voucher = voucher::ActiveModel {
        id: Set(voucher_id),
        workspace_id: Set(scope.workspace_id),
        customer_id: Set(customer.id),
        reward_id: Set(reward_id),
        code: Set(code),
        status: Set(VoucherStatus::Issued.as_str().to_owned()),
        points: Set(reward.row.points_cost),
        operation_id: Set(operation.id),
        external_ref: Set(reference),
        issued_at: Set(now),
        expires_at: Set(reward.row.valid_days.map(|d| now + Duration::days(i64::from(d)))),
        used_at: Set(None),
        used_ref: Set(None),
        used_by_user_id: Set(None),
        used_by_token_id: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::unique_or_internal(e, "externalRef", "a voucher with this externalRef exists"))?;
    changes::record(&txn, vec![change]).await?;
    txn.commit().await?;
    Ok(Redeemed { voucher, balance: operation.balance_after, created: true })
}

/// The voucher an earlier redemption with this reference gave.
async fn first_redemption(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    reference: Option<&str>,
) -> Result<Option<voucher::Model>, AppError> {
    let Some(reference) = reference else { return Ok(None) };
    Ok(voucher::Entity::find()
        .filter(voucher::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(voucher::Column::ExternalRef.eq(reference))
        .one(conn)
        .await?)
}

/// The pool's next free code, now belonging to `voucher_id`.
async fn take_code(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    reward_id: Uuid,
    voucher_id: Uuid,
) -> Result<String, AppError> {
    let free = reward_code::Entity::find()
        .filter(reward_code::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(reward_code::Column::RewardId.eq(reward_id))
        .filter(reward_code::Column::VoucherId.is_null())
        .filter(reward_code::Column::CampaignId.is_null())
        .order_by_asc(reward_code::Column::CreatedAt)
        .order_by_asc(reward_code::Column::Id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::bad_input("rewardId", "is out of stock"))?;
    let taken = reward_code::Entity::update_many()
        .col_expr(reward_code::Column::VoucherId, Expr::value(voucher_id))
        .filter(reward_code::Column::Id.eq(free.id))
        .filter(reward_code::Column::VoucherId.is_null())
        .filter(reward_code::Column::CampaignId.is_null())
        .exec(conn)
        .await?;
    if taken.rows_affected == 0 {
        // Another redemption took it between the read and the write (the reward row normally
        // queues them): the caller retries.
        return Err(AppError::conflict("the code was just taken; try again"));
    }
    Ok(free.code)
}

/// Up to `n` of the pool's free codes, oldest first, now belonging to `campaign_id` (fewer when
/// the pool runs dry). A code a redemption takes between the read and the write is skipped (the
/// write only takes codes still free), so every code goes to one voucher or one campaign.
///
/// # Errors
/// Database failures.
pub async fn take_for_campaign(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    reward_id: Uuid,
    campaign_id: Uuid,
    n: usize,
) -> Result<Vec<String>, AppError> {
    let mut codes = Vec::with_capacity(n);
    while codes.len() < n {
        let free: Vec<(Uuid, String)> = reward_code::Entity::find()
            .select_only()
            .column(reward_code::Column::Id)
            .column(reward_code::Column::Code)
            .filter(reward_code::Column::WorkspaceId.eq(workspace_id))
            .filter(reward_code::Column::RewardId.eq(reward_id))
            .filter(reward_code::Column::VoucherId.is_null())
            .filter(reward_code::Column::CampaignId.is_null())
            .order_by_asc(reward_code::Column::CreatedAt)
            .order_by_asc(reward_code::Column::Id)
            .limit(u64::try_from(n - codes.len()).unwrap_or(u64::MAX))
            .into_tuple()
            .all(conn)
            .await?;
        if free.is_empty() {
            break;
        }
        let ids: Vec<Uuid> = free.iter().map(|(id, _)| *id).collect();
        reward_code::Entity::update_many()
            .col_expr(reward_code::Column::CampaignId, Expr::value(campaign_id))
            .filter(reward_code::Column::Id.is_in(ids.clone()))
            .filter(reward_code::Column::VoucherId.is_null())
            .filter(reward_code::Column::CampaignId.is_null())
            .exec(conn)
            .await?;
        let ours: std::collections::HashSet<Uuid> = reward_code::Entity::find()
            .select_only()
            .column(reward_code::Column::Id)
            .filter(reward_code::Column::Id.is_in(ids))
            .filter(reward_code::Column::CampaignId.eq(campaign_id))
            .into_tuple()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        codes.extend(free.into_iter().filter(|(id, _)| ours.contains(id)).map(|(_, code)| code));
    }
    Ok(codes)
}

fn generated_code() -> Result<String, AppError> {
    let mut random = [0_u8; 10];
    getrandom::fill(&mut random)
        .map_err(|e| AppError::internal(anyhow::anyhow!("random source failed: {e}")))?;
    Ok(catalogue::voucher_code(random))
}

/// A voucher by its code, in the caller's workspace.
///
/// # Errors
/// `NOT_FOUND`.
pub async fn by_code(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    code: &str,
) -> Result<voucher::Model, AppError> {
    voucher::Entity::find()
        .filter(voucher::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(voucher::Column::Code.eq(catalogue::normalize_code(code)))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "voucher" })
}

/// A member's vouchers, newest first.
///
/// # Errors
/// Database failures.
pub async fn of_customer(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
    limit: u64,
) -> Result<Vec<voucher::Model>, AppError> {
    Ok(voucher::Entity::find()
        .filter(voucher::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(voucher::Column::CustomerId.eq(customer_id))
        .order_by_desc(voucher::Column::IssuedAt)
        .order_by_desc(voucher::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// The rewards vouchers name, by id.
///
/// # Errors
/// Database failures.
pub async fn rewards_by_id(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    ids: Vec<Uuid>,
) -> Result<Vec<reward::Model>, AppError> {
    Ok(reward::Entity::find()
        .filter(reward::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(reward::Column::Id.is_in(ids))
        .all(conn)
        .await?)
}

/// Marks a voucher used at the till. Needs `points:redeem`; audited. A retry with the same
/// `externalRef` gets the same answer (`created` false).
///
/// # Errors
/// `NOT_FOUND` for an unknown code; `BAD_USER_INPUT` on `code` for an expired voucher;
/// `CONFLICT` on `code` for one used already (with another reference, or none).
pub async fn use_voucher(
    db: &DatabaseConnection,
    scope: &Scope,
    code: &str,
    reference: Option<&str>,
) -> Result<(voucher::Model, bool), AppError> {
    scope.require(Permission::PointsRedeem)?;
    let reference = external_ref(reference)?;
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let found = by_code(&txn, scope, code).await?;
    let used_already = |v: &voucher::Model| -> Result<(voucher::Model, bool), AppError> {
        if reference.is_some() && v.used_ref == reference {
            return Ok((v.clone(), false));
        }
        let at = v.used_at.map_or_else(String::new, |t| t.format(" on %Y-%m-%d %H:%M UTC").to_string());
        Err(AppError::Conflict { field: Some("code".to_owned()), message: format!("was used{at}") })
    };
    match status(&found, now) {
        VoucherStatus::Used => {
            let out = used_already(&found);
            txn.commit().await?;
            return out;
        }
        VoucherStatus::Expired => {
            let at = found.expires_at.map_or_else(String::new, |t| t.format(" on %Y-%m-%d").to_string());
            return Err(AppError::bad_input("code", format!("expired{at}")));
        }
        VoucherStatus::Issued => {}
    }
    let token = match &scope.actor {
        Actor::ApiToken { id, .. } => Some(*id),
        _ => None,
    };
    let done = voucher::Entity::update_many()
        .col_expr(voucher::Column::Status, Expr::value(VoucherStatus::Used.as_str()))
        .col_expr(voucher::Column::UsedAt, Expr::value(now))
        .col_expr(voucher::Column::UsedRef, Expr::value(reference.clone()))
        .col_expr(voucher::Column::UsedByUserId, Expr::value(scope.user_id()))
        .col_expr(voucher::Column::UsedByTokenId, Expr::value(token))
        .filter(voucher::Column::Id.eq(found.id))
        .filter(voucher::Column::Status.eq(VoucherStatus::Issued.as_str()))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        // Used by another till between the read and the write.
        let again = by_code(&txn, scope, code).await?;
        let out = used_already(&again);
        txn.commit().await?;
        return out;
    }
    audit::record(
        &txn,
        scope,
        Entry::new("voucher.used", "customer", found.customer_id)
            .changes(json!({ "voucherId": found.id, "code": found.code, "usedRef": reference })),
    )
    .await?;
    let used = by_code(&txn, scope, code).await?;
    txn.commit().await?;
    Ok((used, true))
}
