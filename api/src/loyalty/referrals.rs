//! Referrals: every member has a code to pass on; the business's app records, when a new
//! customer signs up with a code, who referred them. Once the new customer's first purchase has
//! passed the pending period (and was not refunded in full), both get the rule's points. Self-
//! referral guards: a member cannot refer themselves, nor a customer who shares a phone, an
//! email, an identity number or a channel identity with them (checked when the referral is
//! recorded and again before the points are given), nor one who had bought already.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use starcrm_shared::Permission;
use starcrm_shared::customer::TransactionKind;
use starcrm_shared::loyalty::{EarnRule, LotSource, OperationKind};
use uuid::Uuid;

use super::ledger::{self, Given};
use super::rules;
use crate::auth::Scope;
use crate::db;
use crate::entities::{
    channel_identity, customer, customer_email, customer_phone, referral, referral_code, transaction,
};
use crate::error::AppError;

pub const PENDING: &str = "pending";
pub const REWARDED: &str = "rewarded";
pub const REFUSED: &str = "refused";

/// The member's referral code, made on first use (8 letters and digits, easy to read out).
///
/// # Errors
/// Database failures.
pub async fn code_of(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
) -> Result<String, AppError> {
    if let Some(row) = referral_code::Entity::find_by_id(customer_id)
        .filter(referral_code::Column::WorkspaceId.eq(scope.workspace_id))
        .one(conn)
        .await?
    {
        return Ok(row.code);
    }
    // A clash with another member's code (about one in 10^12) is retried with fresh bytes.
    for _ in 0..3 {
        let mut random = [0_u8; 10];
        getrandom::fill(&mut random)
            .map_err(|e| AppError::internal(anyhow::anyhow!("random source: {e}")))?;
        let code: String = starcrm_shared::loyalty::rewards::voucher_code(random)
            .chars()
            .filter(|c| *c != '-')
            .take(8)
            .collect();
        let inserted = referral_code::Entity::insert(referral_code::ActiveModel {
            customer_id: Set(customer_id),
            workspace_id: Set(scope.workspace_id),
            code: Set(code.clone()),
            created_at: Set(Utc::now()),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(conn)
        .await?;
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
            return Ok(code);
        }
        // Made by a concurrent call for the same member: that one.
        if let Some(row) = referral_code::Entity::find_by_id(customer_id).one(conn).await? {
            return Ok(row.code);
        }
    }
    Err(AppError::internal(anyhow::anyhow!("no free referral code")))
}

/// What the two share that makes the referral a self-referral, if anything.
async fn shared_trait(
    conn: &impl ConnectionTrait,
    a: &customer::Model,
    b: &customer::Model,
) -> Result<Option<&'static str>, AppError> {
    let phones = |id: Uuid| {
        customer_phone::Entity::find()
            .select_only()
            .column(customer_phone::Column::Phone)
            .filter(customer_phone::Column::CustomerId.eq(id))
            .into_tuple::<String>()
            .all(conn)
    };
    let (pa, pb) = (phones(a.id).await?, phones(b.id).await?);
    if pa.iter().any(|p| pb.contains(p)) {
        return Ok(Some("phone"));
    }
    let emails = |id: Uuid| {
        customer_email::Entity::find()
            .select_only()
            .column(customer_email::Column::Email)
            .filter(customer_email::Column::CustomerId.eq(id))
            .into_tuple::<String>()
            .all(conn)
    };
    let (ea, eb) = (emails(a.id).await?, emails(b.id).await?);
    if ea.iter().any(|e| eb.iter().any(|f| f.eq_ignore_ascii_case(e))) {
        return Ok(Some("email"));
    }
    if a.id_number.is_some() && a.id_number == b.id_number {
        return Ok(Some("identity number"));
    }
    let identities = |id: Uuid| {
        channel_identity::Entity::find()
            .select_only()
            .column(channel_identity::Column::ExternalId)
            .filter(channel_identity::Column::CustomerId.eq(id))
            .into_tuple::<String>()
            .all(conn)
    };
    let (ia, ib) = (identities(a.id).await?, identities(b.id).await?);
    if ia.iter().any(|i| ib.contains(i)) {
        return Ok(Some("channel identity"));
    }
    Ok(None)
}

async fn has_bought(conn: &impl ConnectionTrait, customer_id: Uuid) -> Result<bool, AppError> {
    Ok(transaction::Entity::find()
        .select_only()
        .column(transaction::Column::Id)
        .filter(transaction::Column::CustomerId.eq(customer_id))
        .filter(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()))
        .into_tuple::<Uuid>()
        .one(conn)
        .await?
        .is_some())
}

/// Records that the holder of `code` referred `customer_id` (a new customer, just signed up).
/// Needs `customers:write`.
///
/// # Errors
/// `NOT_FOUND` for an unknown code or customer; `BAD_USER_INPUT` on `code` for a self-referral
/// (the same member, or one sharing a phone, email, identity number or channel identity) and on
/// `customerId` for a customer who bought already or is deleted; `CONFLICT` when the customer
/// was referred already.
pub async fn record(
    db: &DatabaseConnection,
    scope: &Scope,
    customer_id: Uuid,
    code: &str,
) -> Result<referral::Model, AppError> {
    scope.require(Permission::CustomersWrite)?;
    let code = code.trim().to_ascii_uppercase();
    let txn = db::begin_write(db).await?;
    let newcomer = ledger::member(&txn, scope, customer_id).await?;
    let holder = referral_code::Entity::find()
        .filter(referral_code::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(referral_code::Column::Code.eq(code.as_str()))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound { entity: "referral code" })?;
    let referrer = ledger::member(&txn, scope, holder.customer_id).await?;
    if referrer.id == newcomer.id {
        return Err(AppError::bad_input("code", "is the customer's own code"));
    }
    if let Some(what) = shared_trait(&txn, &referrer, &newcomer).await? {
        return Err(AppError::bad_input("code", format!("belongs to a member with the same {what}")));
    }
    if has_bought(&txn, newcomer.id).await? {
        return Err(AppError::bad_input("customerId", "bought before; referrals are for new customers"));
    }
    let row = referral::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        referrer_id: Set(referrer.id),
        customer_id: Set(newcomer.id),
        status: Set(PENDING.to_owned()),
        reason: Set(None),
        created_at: Set(Utc::now()),
        settled_at: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::unique_or_internal(e, "customerId", "this customer was referred already"))?;
    txn.commit().await?;
    Ok(row)
}

/// Settles every workspace's referrals due at `now`; returns how many were rewarded.
///
/// # Errors
/// Database failures.
pub async fn pass(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let workspaces: Vec<Uuid> = referral::Entity::find()
        .select_only()
        .column(referral::Column::WorkspaceId)
        .filter(referral::Column::Status.eq(PENDING))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut rewarded = 0;
    for workspace_id in workspaces {
        rewarded += settle_workspace(db, workspace_id, now).await?;
    }
    Ok(rewarded)
}

/// Rewards the workspace's pending referrals whose referred customer's first purchase has
/// passed the pending period and was not refunded in full (or refuses them when a guard finds
/// the two share a contact point now). Returns how many were rewarded.
///
/// # Errors
/// Database failures.
pub async fn settle_workspace(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let Some(rule) = rules::current(db, workspace_id).await? else { return Ok(0) };
    let rule: EarnRule = serde_json::from_str(&rule.rule).map_err(AppError::internal)?;
    if !rule.active || (rule.referrer_points == 0 && rule.referred_points == 0) {
        return Ok(0);
    }
    let scope = Scope::system(workspace_id);
    let pending = referral::Entity::find()
        .filter(referral::Column::WorkspaceId.eq(workspace_id))
        .filter(referral::Column::Status.eq(PENDING))
        .order_by_asc(referral::Column::CreatedAt)
        .all(db)
        .await?;
    let settled_before = now - Duration::days(i64::from(rule.pending_days));
    let mut rewarded = 0;
    for r in pending {
        let first = transaction::Entity::find()
            .filter(transaction::Column::CustomerId.eq(r.customer_id))
            .filter(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()))
            .order_by_asc(transaction::Column::OccurredAt)
            .one(db)
            .await?;
        let Some(first) = first.filter(|t| t.occurred_at <= settled_before) else { continue };
        if first.refunded_minor >= first.amount_minor {
            continue;
        }
        let (Some(referrer), Some(newcomer)) = (
            customer::Entity::find_by_id(r.referrer_id).one(db).await?,
            customer::Entity::find_by_id(r.customer_id).one(db).await?,
        ) else {
            continue;
        };
        if let Some(what) = shared_trait(db, &referrer, &newcomer).await? {
            settle(db, &r, REFUSED, Some(format!("the two share a {what}")), now).await?;
            continue;
        }
        for (who, points, side) in
            [(referrer.id, rule.referrer_points, "referrer"), (newcomer.id, rule.referred_points, "referred")]
        {
            if points == 0 || customer_gone(&referrer, &newcomer, who) {
                continue;
            }
            let gift = Given {
                kind: OperationKind::Gift,
                source: LotSource::Referral,
                points: i64::from(points),
                reference: Some(format!("referral:{}:{side}", r.id)),
                reason: format!("referral ({side})"),
            };
            ledger::give(db, &scope, who, gift).await?;
        }
        settle(db, &r, REWARDED, None, now).await?;
        rewarded += 1;
    }
    Ok(rewarded)
}

fn customer_gone(referrer: &customer::Model, newcomer: &customer::Model, who: Uuid) -> bool {
    let c = if who == referrer.id { referrer } else { newcomer };
    c.deleted_at.is_some() || c.erased_at.is_some()
}

async fn settle(
    db: &DatabaseConnection,
    r: &referral::Model,
    status: &str,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut row: referral::ActiveModel = r.clone().into();
    row.status = Set(status.to_owned());
    row.reason = Set(reason);
    row.settled_at = Set(Some(now));
    row.update(db).await?;
    Ok(())
}

/// A member's referrals as (rewarded, pending).
///
/// # Errors
/// Database failures.
pub async fn counts(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    referrer_id: Uuid,
) -> Result<(u64, u64), AppError> {
    let rows: Vec<String> = referral::Entity::find()
        .select_only()
        .column(referral::Column::Status)
        .filter(referral::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(referral::Column::ReferrerId.eq(referrer_id))
        .into_tuple()
        .all(conn)
        .await?;
    let rewarded = rows.iter().filter(|s| *s == REWARDED).count() as u64;
    let pending = rows.iter().filter(|s| *s == PENDING).count() as u64;
    Ok((rewarded, pending))
}
