//! The ledger's writes. Every change to a member's points takes their `point_accounts` row
//! first (created on first use): it is what two spenders of the same points queue on, on
//! PostgreSQL by its row lock and on SQLite by the write turn. Then the member's live lots are
//! read, `shared::loyalty::ledger` plans the movement, and the plan is written as it is: one
//! operation (what happened), its entries (how it touched each lot and the debt), the lots'
//! remainders and the account's held and debt.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, Statement,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::loyalty::earn::Line;
use starcrm_shared::loyalty::ledger::{self as plan, Take};
use starcrm_shared::loyalty::{EntryKind, LotSource, LotState, OperationKind, expiry};
use uuid::Uuid;

use super::rules::{self, Earning};
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::customers::ingest::{external_ref, short_text};
use crate::customers::service;
use crate::db;
use crate::entities::{customer, point_account, point_entry, point_lot, point_operation, transaction};
use crate::error::AppError;

/// The most points one redemption or adjustment may move.
pub const POINTS_MAX: i64 = 1_000_000_000;
/// Longest reason, characters.
pub const REASON_MAX: usize = 500;

/// A member's points held (in lots) and owed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Account {
    held: i64,
    debt: i64,
}

impl Account {
    const fn balance(self) -> i64 {
        self.held - self.debt
    }
}

/// Takes (creating) the member's account row for this transaction and returns what it holds.
async fn lock(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    customer_id: Uuid,
) -> Result<Account, AppError> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "INSERT INTO point_accounts (customer_id, workspace_id, held, debt, version, updated_at)
             VALUES ($1, $2, 0, 0, 1, $3)
             ON CONFLICT (customer_id) DO UPDATE SET version = point_accounts.version + 1
             RETURNING held, debt, workspace_id"
        }
        _ => {
            "INSERT INTO point_accounts (customer_id, workspace_id, held, debt, version, updated_at)
             VALUES (?, ?, 0, 0, 1, ?)
             ON CONFLICT (customer_id) DO UPDATE SET version = point_accounts.version + 1
             RETURNING held, debt, workspace_id"
        }
    };
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [customer_id.into(), workspace_id.into(), Utc::now().into()],
        ))
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the points account returned no row")))?;
    let owner: Uuid = row.try_get_by_index(2)?;
    if owner != workspace_id {
        return Err(AppError::NotFound { entity: "customer" });
    }
    Ok(Account { held: row.try_get_by_index(0)?, debt: row.try_get_by_index(1)? })
}

/// Adds `points` to a member who owes nothing (creating the account on first use) and returns
/// what they hold now; `None` when they owe (the caller then repays the debt first).
async fn add_unless_owing(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    customer_id: Uuid,
    points: i64,
) -> Result<Option<i64>, AppError> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "INSERT INTO point_accounts (customer_id, workspace_id, held, debt, version, updated_at)
             VALUES ($1, $2, $3, 0, 1, $4)
             ON CONFLICT (customer_id) DO UPDATE SET held = point_accounts.held + EXCLUDED.held,
               version = point_accounts.version + 1, updated_at = EXCLUDED.updated_at
             WHERE point_accounts.debt = 0 AND point_accounts.workspace_id = EXCLUDED.workspace_id
             RETURNING held"
        }
        _ => {
            "INSERT INTO point_accounts (customer_id, workspace_id, held, debt, version, updated_at)
             VALUES (?, ?, ?, 0, 1, ?)
             ON CONFLICT (customer_id) DO UPDATE SET held = point_accounts.held + excluded.held,
               version = point_accounts.version + 1, updated_at = excluded.updated_at
             WHERE point_accounts.debt = 0 AND point_accounts.workspace_id = excluded.workspace_id
             RETURNING held"
        }
    };
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [customer_id.into(), workspace_id.into(), points.into(), Utc::now().into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get_by_index(0)?),
        None => None,
    })
}

async fn store(conn: &impl ConnectionTrait, customer_id: Uuid, account: Account) -> Result<(), AppError> {
    point_account::Entity::update_many()
        .col_expr(point_account::Column::Held, Expr::value(account.held))
        .col_expr(point_account::Column::Debt, Expr::value(account.debt))
        .col_expr(point_account::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(point_account::Column::CustomerId.eq(customer_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The member's lots that still hold points, oldest first.
pub(crate) async fn live_lots(
    conn: &impl ConnectionTrait,
    customer_id: Uuid,
) -> Result<Vec<point_lot::Model>, AppError> {
    Ok(point_lot::Entity::find()
        .filter(point_lot::Column::CustomerId.eq(customer_id))
        .filter(point_lot::Column::Remaining.gt(0))
        .order_by_asc(point_lot::Column::Id)
        .all(conn)
        .await?)
}

/// A lot as the planner sees it.
pub(crate) fn state(lot: &point_lot::Model) -> LotState<Uuid> {
    LotState {
        id: lot.id,
        remaining: lot.remaining,
        available_at: lot.available_at.timestamp_millis(),
        expires_at: lot.expires_at.map(|t| t.timestamp_millis()),
    }
}

/// One operation about to be written.
struct Operation {
    id: Uuid,
    customer_id: Uuid,
    kind: OperationKind,
    points: i64,
    transaction_id: Option<Uuid>,
    external_ref: Option<String>,
    reason: Option<String>,
    at: DateTime<Utc>,
}

impl Operation {
    fn new(customer_id: Uuid, kind: OperationKind, points: i64, at: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            customer_id,
            kind,
            points,
            transaction_id: None,
            external_ref: None,
            reason: None,
            at,
        }
    }

    /// Writes the operation (first: its lots and entries refer to it) with the balance it
    /// leaves.
    async fn insert(
        &self,
        conn: &impl ConnectionTrait,
        scope: &Scope,
        after: Account,
    ) -> Result<(point_operation::Model, Change), AppError> {
        let token = match &scope.actor {
            crate::auth::Actor::ApiToken { id, .. } => Some(*id),
            _ => None,
        };
        let row = point_operation::ActiveModel {
            id: Set(self.id),
            workspace_id: Set(scope.workspace_id),
            customer_id: Set(self.customer_id),
            kind: Set(self.kind.as_str().to_owned()),
            points: Set(self.points),
            balance_after: Set(after.balance()),
            transaction_id: Set(self.transaction_id),
            external_ref: Set(self.external_ref.clone()),
            reason: Set(self.reason.clone()),
            actor_user_id: Set(scope.user_id()),
            actor_token_id: Set(token),
            created_at: Set(self.at),
        }
        .insert(conn)
        .await
        .map_err(|e| {
            AppError::unique_or_internal(e, "externalRef", "an operation with this externalRef exists")
        })?;
        let change = Change::new(scope.workspace_id, Kind::PointsChanged, row.customer_id)
            .at(row.created_at)
            .with(json!({
                "operationId": row.id,
                "kind": row.kind,
                "points": row.points,
                "balance": row.balance_after,
                "transactionId": row.transaction_id,
            }));
        Ok((row, change))
    }
}

/// Writes `takes` out of their lots as entries of `kind` under `operation`.
async fn take(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    operation: &Operation,
    kind: EntryKind,
    takes: &[Take<Uuid>],
) -> Result<(), AppError> {
    for t in takes {
        let done = point_lot::Entity::update_many()
            .col_expr(point_lot::Column::Remaining, Expr::col(point_lot::Column::Remaining).sub(t.points))
            .filter(point_lot::Column::Id.eq(t.lot))
            .filter(point_lot::Column::Remaining.gte(t.points))
            .exec(conn)
            .await?;
        if done.rows_affected != 1 {
            return Err(AppError::internal(anyhow::anyhow!("lot {} holds less than planned", t.lot)));
        }
    }
    entries(conn, scope, operation, takes.iter().map(|t| (kind, Some(t.lot), -t.points, 0))).await
}

async fn entries(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    operation: &Operation,
    rows: impl Iterator<Item = (EntryKind, Option<Uuid>, i64, i64)>,
) -> Result<(), AppError> {
    let rows: Vec<point_entry::ActiveModel> = rows
        .map(|(kind, lot, points, debt)| point_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(scope.workspace_id),
            customer_id: Set(operation.customer_id),
            operation_id: Set(operation.id),
            kind: Set(kind.as_str().to_owned()),
            lot_id: Set(lot),
            points: Set(points),
            debt: Set(debt),
            created_at: Set(operation.at),
        })
        .collect();
    if !rows.is_empty() {
        point_entry::Entity::insert_many(rows).exec(conn).await?;
    }
    Ok(())
}

/// A lot about to be credited.
struct NewLot {
    source: LotSource,
    points: i64,
    available_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    transaction_id: Option<Uuid>,
    amount_minor: Option<i64>,
    snapshot: Option<(i32, Option<i16>, starcrm_shared::loyalty::Earned)>,
}

/// The account after crediting `points`, which repay debt first; and the part that does.
fn credited(account: Account, points: i64) -> (Account, i64) {
    let repay = plan::repayment(points, account.debt);
    (Account { held: account.held + points - repay, debt: account.debt - repay }, repay)
}

/// Credits a lot under `operation`, `repay` of it paying off debt.
async fn credit(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    operation: &Operation,
    lot: NewLot,
    repay: i64,
) -> Result<Uuid, AppError> {
    let id = Uuid::now_v7();
    let (rule_version, stars, multiplier, snapshot) = match lot.snapshot {
        Some((version, stars, earned)) => (
            Some(version),
            stars.map(i32::from),
            i32::try_from(earned.star_multiplier_milli).ok(),
            Some(serde_json::to_string(&earned).map_err(AppError::internal)?),
        ),
        None => (None, None, None, None),
    };
    point_lot::ActiveModel {
        id: Set(id),
        workspace_id: Set(scope.workspace_id),
        customer_id: Set(operation.customer_id),
        source: Set(lot.source.as_str().to_owned()),
        points: Set(lot.points),
        remaining: Set(lot.points - repay),
        available_at: Set(lot.available_at),
        expires_at: Set(lot.expires_at),
        transaction_id: Set(lot.transaction_id),
        amount_minor: Set(lot.amount_minor),
        rule_version: Set(rule_version),
        stars: Set(stars),
        multiplier_milli: Set(multiplier),
        snapshot: Set(snapshot),
        operation_id: Set(operation.id),
        created_at: Set(operation.at),
    }
    .insert(conn)
    .await?;
    // The lot is the credit; entries record what leaves it (here: debt repaid at once).
    if repay > 0 {
        entries(conn, scope, operation, std::iter::once((EntryKind::Repay, Some(id), -repay, -repay)))
            .await?;
    }
    Ok(id)
}

/// Earns a purchase's points in the caller's write transaction, at the multiplier of the stars
/// the customer held when buying. Returns the change to record with the purchase's, or `None`
/// when it earns nothing.
///
/// # Errors
/// Database failures.
pub(crate) async fn earn_purchase(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    earning: &Earning,
    customer: &customer::Model,
    purchase: &transaction::Model,
    lines: &[Line<'_>],
) -> Result<Option<Change>, AppError> {
    let earned = earning.rule.earn(purchase.amount_minor, lines, earning.multiplier(customer.stars));
    if earned.points <= 0 {
        return Ok(None);
    }
    // Most members owe nothing: one statement adds the points (and takes the account row).
    let owed = add_unless_owing(conn, scope.workspace_id, customer.id, earned.points).await?;
    let (after, repay, stored) = if let Some(held) = owed {
        (Account { held, debt: 0 }, 0, true)
    } else {
        let (after, repay) = credited(lock(conn, scope.workspace_id, customer.id).await?, earned.points);
        (after, repay, false)
    };
    let mut operation = Operation::new(customer.id, OperationKind::Earn, earned.points, Utc::now());
    operation.transaction_id = Some(purchase.id);
    let (_, change) = operation.insert(conn, scope, after).await?;
    let lot = NewLot {
        source: LotSource::Purchase,
        points: earned.points,
        available_at: purchase.occurred_at + Duration::days(i64::from(earning.rule.pending_days)),
        expires_at: expiry::expires_at(earning.rule.expiry, purchase.occurred_at, earning.zone),
        transaction_id: Some(purchase.id),
        amount_minor: Some(purchase.amount_minor),
        snapshot: Some((earning.version, customer.stars, earned)),
    };
    credit(conn, scope, &operation, lot, repay).await?;
    if !stored {
        store(conn, customer.id, after).await?;
    }
    Ok(Some(change))
}

/// Takes back, in the caller's write transaction, the share of a purchase's points that a
/// refund growing its refunded amount from `before` to `after` reverses: measured against what
/// the purchase's lot earned (its snapshot), whatever the rule or the stars are now. Returns the
/// change to record with the refund's, or `None` when the purchase earned nothing.
///
/// # Errors
/// Database failures.
pub(crate) async fn reverse_refund(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    purchase: &transaction::Model,
    refund: &transaction::Model,
    before: i64,
    after: i64,
) -> Result<Option<Change>, AppError> {
    let Some(lot) = point_lot::Entity::find()
        .filter(point_lot::Column::TransactionId.eq(purchase.id))
        .filter(point_lot::Column::WorkspaceId.eq(scope.workspace_id))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let back = plan::reversal(lot.points, lot.amount_minor.unwrap_or(purchase.amount_minor), before, after);
    if back <= 0 {
        return Ok(None);
    }
    let now = Utc::now();
    let mut account = lock(conn, scope.workspace_id, lot.customer_id).await?;
    let lots: Vec<LotState<Uuid>> = live_lots(conn, lot.customer_id).await?.iter().map(state).collect();
    let (takes, debt) = plan::take_back(&lots, Some(lot.id), back, now.timestamp_millis());
    let mut operation = Operation::new(lot.customer_id, OperationKind::Reverse, -back, now);
    operation.transaction_id = Some(refund.id);
    account.held -= takes.iter().map(|t| t.points).sum::<i64>();
    account.debt += debt;
    let (_, change) = operation.insert(conn, scope, account).await?;
    take(conn, scope, &operation, EntryKind::Reverse, &takes).await?;
    if debt > 0 {
        entries(conn, scope, &operation, std::iter::once((EntryKind::Debt, None, 0, debt))).await?;
    }
    store(conn, lot.customer_id, account).await?;
    Ok(Some(change))
}

/// A redemption or a deduction as a caller asks for it.
#[derive(Clone, Debug)]
pub struct Spend {
    pub customer_id: Uuid,
    pub points: i64,
    pub reason: Option<String>,
    pub external_ref: Option<String>,
}

/// What a redemption or an adjustment did, and the member's balance after it.
#[derive(Clone, Debug)]
pub struct Done {
    pub operation: point_operation::Model,
    /// Whether this call did it (false: a retry answered with the first result).
    pub created: bool,
}

fn checked_points(points: i64) -> Result<i64, AppError> {
    if points <= 0 {
        return Err(AppError::bad_input("points", "must be more than zero"));
    }
    if points > POINTS_MAX {
        return Err(AppError::bad_input("points", format!("must be at most {POINTS_MAX}")));
    }
    Ok(points)
}

/// The first operation of `kind` with this reference, answered to a retry. A reference already
/// used for another member is a `CONFLICT`.
async fn first(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    kind: OperationKind,
    reference: Option<&str>,
    customer_id: Uuid,
) -> Result<Option<Done>, AppError> {
    let Some(reference) = reference else { return Ok(None) };
    let Some(row) = point_operation::Entity::find()
        .filter(point_operation::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(point_operation::Column::Kind.eq(kind.as_str()))
        .filter(point_operation::Column::ExternalRef.eq(reference))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if row.customer_id != customer_id {
        return Err(AppError::Conflict {
            field: Some("externalRef".to_owned()),
            message: "this externalRef was used for another customer".to_owned(),
        });
    }
    Ok(Some(Done { operation: row, created: false }))
}

/// The live customer a points call names (following merges to the survivor).
pub(crate) async fn member(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<customer::Model, AppError> {
    let customer = service::find(conn, scope, id).await?;
    if customer.deleted_at.is_some() {
        return Err(AppError::bad_input("customerId", "is deleted"));
    }
    Ok(customer)
}

/// Spends a member's points, the soonest-expiring first. Needs `points:redeem`. Idempotent on
/// `externalRef`. Two redemptions racing for the same points: one succeeds, the other is told
/// how many are left.
///
/// # Errors
/// `BAD_USER_INPUT` on `points` when fewer can be spent, naming how many can; `NOT_FOUND`;
/// `FORBIDDEN`; `CONFLICT` for a reference used for another customer.
pub async fn redeem(db: &DatabaseConnection, scope: &Scope, input: Spend) -> Result<Done, AppError> {
    scope.require(Permission::PointsRedeem)?;
    spend(db, scope, input, OperationKind::Redeem).await
}

async fn spend(
    db: &DatabaseConnection,
    scope: &Scope,
    input: Spend,
    kind: OperationKind,
) -> Result<Done, AppError> {
    let points = checked_points(input.points)?;
    let reference = external_ref(input.external_ref.as_deref())?;
    let reason = short_text("reason", input.reason.as_deref(), REASON_MAX)?;
    if kind == OperationKind::Adjust && reason.is_none() {
        return Err(AppError::bad_input("reason", "say why the points are taken away"));
    }
    let txn = db::begin_write(db).await?;
    let customer = member(&txn, scope, input.customer_id).await?;
    if let Some(done) = first(&txn, scope, kind, reference.as_deref(), customer.id).await? {
        txn.commit().await?;
        return Ok(done);
    }
    let (row, change) = spend_in(&txn, scope, customer.id, points, kind, reference, reason).await?;
    if kind == OperationKind::Adjust {
        audit_adjustment(&txn, scope, &row).await?;
    }
    changes::record(&txn, vec![change]).await?;
    txn.commit().await?;
    Ok(Done { operation: row, created: true })
}

/// Within the caller's write transaction: takes the member's account, spends `points` (the
/// soonest-expiring spendable first) and writes the operation, its entries, the lots and the
/// account. The caller records the change and commits.
///
/// # Errors
/// `BAD_USER_INPUT` on `points` when fewer can be spent, naming how many can.
pub(crate) async fn spend_in(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
    points: i64,
    kind: OperationKind,
    reference: Option<String>,
    reason: Option<String>,
) -> Result<(point_operation::Model, Change), AppError> {
    let now = Utc::now();
    let mut account = lock(conn, scope.workspace_id, customer_id).await?;
    let lots: Vec<LotState<Uuid>> = live_lots(conn, customer_id).await?.iter().map(state).collect();
    let Some(takes) = plan::redeem(&lots, points, now.timestamp_millis()) else {
        let can = plan::spendable(&lots, now.timestamp_millis());
        return Err(AppError::bad_input("points", format!("only {can} points can be spent now")));
    };
    let mut operation = Operation::new(customer_id, kind, -points, now);
    operation.external_ref = reference;
    operation.reason = reason;
    let entry_kind = if kind == OperationKind::Adjust { EntryKind::Adjust } else { EntryKind::Redeem };
    account.held -= points;
    let (row, change) = operation.insert(conn, scope, account).await?;
    take(conn, scope, &operation, entry_kind, &takes).await?;
    store(conn, customer_id, account).await?;
    Ok((row, change))
}

async fn audit_adjustment(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    row: &point_operation::Model,
) -> Result<(), AppError> {
    audit::record(
        conn,
        scope,
        Entry::new("points.adjusted", "customer", row.customer_id).changes(json!({
            "operationId": row.id,
            "points": row.points,
            "balanceAfter": row.balance_after,
            "reason": row.reason,
        })),
    )
    .await
}

/// Gives (`points` above zero) or takes away (below zero) points by hand, with a reason; given
/// points are spendable at once and expire by the current rule. Needs `points:adjust`; audited.
/// Idempotent on `externalRef`.
///
/// # Errors
/// `BAD_USER_INPUT` on `points` (zero, too many, more than can be taken) or `reason` (missing);
/// `NOT_FOUND`; `FORBIDDEN`.
pub async fn adjust(db: &DatabaseConnection, scope: &Scope, input: Spend) -> Result<Done, AppError> {
    scope.require(Permission::PointsAdjust)?;
    if input.points < 0 {
        let points =
            input.points.checked_neg().ok_or_else(|| AppError::bad_input("points", "is too large"))?;
        return spend(db, scope, Spend { points, ..input }, OperationKind::Adjust).await;
    }
    let points = checked_points(input.points)?;
    let reference = external_ref(input.external_ref.as_deref())?;
    let Some(reason) = short_text("reason", input.reason.as_deref(), REASON_MAX)? else {
        return Err(AppError::bad_input("reason", "say why the points are given"));
    };
    let given =
        Given { kind: OperationKind::Adjust, source: LotSource::Adjustment, points, reference, reason };
    give(db, scope, input.customer_id, given).await
}

/// Points credited outside a purchase: by hand, or by a programme (birthday, welcome, referral).
pub(crate) struct Given {
    pub kind: OperationKind,
    pub source: LotSource,
    pub points: i64,
    pub reference: Option<String>,
    pub reason: String,
}

/// Credits `given` to the member as a lot spendable at once, expiring by the current rule
/// (never, while the workspace has none); repays debt first. Idempotent on the reference; an
/// adjustment is audited.
///
/// # Errors
/// `NOT_FOUND`; `BAD_USER_INPUT` for a deleted customer; `CONFLICT` for a reference used for
/// another member.
pub(crate) async fn give(
    db: &DatabaseConnection,
    scope: &Scope,
    customer_id: Uuid,
    given: Given,
) -> Result<Done, AppError> {
    // The rule's expiry, in the workspace's zone (never, while the workspace has no rule).
    let (rule, zone) = match rules::current(db, scope.workspace_id).await? {
        Some(row) => (
            Some(
                serde_json::from_str::<starcrm_shared::loyalty::EarnRule>(&row.rule)
                    .map_err(AppError::internal)?,
            ),
            crate::ratings::engine::Context::cached(db, scope.workspace_id).await?.tz,
        ),
        None => (None, chrono_tz::Tz::UTC),
    };
    let txn = db::begin_write(db).await?;
    let customer = member(&txn, scope, customer_id).await?;
    if let Some(done) = first(&txn, scope, given.kind, given.reference.as_deref(), customer.id).await? {
        txn.commit().await?;
        return Ok(done);
    }
    let now = Utc::now();
    let account = lock(&txn, scope.workspace_id, customer.id).await?;
    let mut operation = Operation::new(customer.id, given.kind, given.points, now);
    operation.external_ref = given.reference;
    operation.reason = Some(given.reason);
    let (after, repay) = credited(account, given.points);
    let (row, change) = operation.insert(&txn, scope, after).await?;
    let lot = NewLot {
        source: given.source,
        points: given.points,
        available_at: now,
        expires_at: rule.and_then(|r| expiry::expires_at(r.expiry, now, zone)),
        transaction_id: None,
        amount_minor: None,
        snapshot: None,
    };
    credit(&txn, scope, &operation, lot, repay).await?;
    store(&txn, customer.id, after).await?;
    if given.kind == OperationKind::Adjust {
        audit_adjustment(&txn, scope, &row).await?;
    }
    changes::record(&txn, vec![change]).await?;
    txn.commit().await?;
    Ok(Done { operation: row, created: true })
}

/// Writes off, in one write transaction, the expired points of the members owning up to `limit`
/// due lots of a workspace: their accounts are taken first (in id order, as a redemption takes
/// one: account, then lots), the due lots read again under them, and then one operation per
/// member, one entry per lot, the lots and the accounts are written set by set. Returns
/// (members, points) written off.
///
/// # Errors
/// Database failures.
pub(crate) async fn expire_batch(
    db: &DatabaseConnection,
    scope: &Scope,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<(u64, i64), AppError> {
    use std::collections::BTreeMap;
    let due = |query: sea_orm::Select<point_lot::Entity>| {
        query
            .filter(point_lot::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(point_lot::Column::Remaining.gt(0))
            .filter(point_lot::Column::ExpiresAt.lte(now))
    };
    let mut members: Vec<Uuid> =
        due(point_lot::Entity::find().select_only().column(point_lot::Column::CustomerId))
            .limit(limit)
            .into_tuple()
            .all(db)
            .await?;
    members.sort_unstable();
    members.dedup();
    if members.is_empty() {
        return Ok((0, 0));
    }
    let txn = db::begin_write(db).await?;
    let mut accounts = lock_many(&txn, scope, &members).await?;
    let mut lots: Vec<point_lot::Model> = Vec::new();
    for chunk in members.chunks(500) {
        lots.extend(
            due(point_lot::Entity::find())
                .filter(point_lot::Column::CustomerId.is_in(chunk.iter().copied()))
                .all(&txn)
                .await?,
        );
    }
    let mut per_member: BTreeMap<Uuid, Vec<&point_lot::Model>> = BTreeMap::new();
    for lot in &lots {
        per_member.entry(lot.customer_id).or_default().push(lot);
    }
    let mut operations = Vec::with_capacity(per_member.len());
    let mut entry_rows = Vec::with_capacity(lots.len());
    let mut feed = Vec::with_capacity(per_member.len());
    let mut total = 0;
    for (customer_id, lots) in &per_member {
        let Some(account) = accounts.get_mut(customer_id) else { continue };
        let points: i64 = lots.iter().map(|l| l.remaining).sum();
        account.held -= points;
        total += points;
        let operation = Operation::new(*customer_id, OperationKind::Expire, -points, now);
        operations.push(point_operation::ActiveModel {
            id: Set(operation.id),
            workspace_id: Set(scope.workspace_id),
            customer_id: Set(*customer_id),
            kind: Set(OperationKind::Expire.as_str().to_owned()),
            points: Set(-points),
            balance_after: Set(account.balance()),
            transaction_id: Set(None),
            external_ref: Set(None),
            reason: Set(None),
            actor_user_id: Set(None),
            actor_token_id: Set(None),
            created_at: Set(now),
        });
        entry_rows.extend(lots.iter().map(|l| point_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(scope.workspace_id),
            customer_id: Set(*customer_id),
            operation_id: Set(operation.id),
            kind: Set(EntryKind::Expire.as_str().to_owned()),
            lot_id: Set(Some(l.id)),
            points: Set(-l.remaining),
            debt: Set(0),
            created_at: Set(now),
        }));
        feed.push(Change::new(scope.workspace_id, Kind::PointsChanged, *customer_id).at(now).with(json!({
            "operationId": operation.id,
            "kind": OperationKind::Expire.as_str(),
            "points": -points,
            "balance": account.balance(),
            "transactionId": null,
        })));
    }
    db::insert_chunks(&txn, operations).await?;
    db::insert_chunks(&txn, entry_rows).await?;
    let ids: Vec<Uuid> =
        lots.iter().filter(|l| accounts.contains_key(&l.customer_id)).map(|l| l.id).collect();
    for chunk in ids.chunks(1000) {
        point_lot::Entity::update_many()
            .col_expr(point_lot::Column::Remaining, Expr::value(0_i64))
            .filter(point_lot::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    for (customer_id, account) in &accounts {
        if per_member.contains_key(customer_id) {
            store(&txn, *customer_id, *account).await?;
        }
    }
    changes::record(&txn, feed).await?;
    txn.commit().await?;
    Ok((u64::try_from(per_member.len()).unwrap_or(u64::MAX), total))
}

/// Takes the accounts of `members` (sorted) for this transaction, in id order: two passes never
/// wait on each other in a circle.
async fn lock_many(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    members: &[Uuid],
) -> Result<std::collections::BTreeMap<Uuid, Account>, AppError> {
    let mut accounts = std::collections::BTreeMap::new();
    for chunk in members.chunks(500) {
        let locked = point_account::Entity::update_many()
            .col_expr(point_account::Column::Version, Expr::col(point_account::Column::Version).add(1))
            .filter(point_account::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(point_account::Column::CustomerId.is_in(chunk.iter().copied()))
            .exec_with_returning(conn)
            .await?;
        accounts.extend(locked.into_iter().map(|a| (a.customer_id, Account { held: a.held, debt: a.debt })));
    }
    Ok(accounts)
}

/// Sets a member's cached held and debt from their lots and entries, after a merge moved lots
/// to or from them.
///
/// # Errors
/// Database failures.
async fn recount(conn: &impl ConnectionTrait, scope: &Scope, customer_id: Uuid) -> Result<(), AppError> {
    let held: Option<i64> = point_lot::Entity::find()
        .select_only()
        .column_as(Expr::col(point_lot::Column::Remaining).sum().cast_as("BIGINT"), "held")
        .filter(point_lot::Column::CustomerId.eq(customer_id))
        .into_tuple()
        .one(conn)
        .await?
        .flatten();
    let debt: Option<i64> = point_entry::Entity::find()
        .select_only()
        .column_as(Expr::col(point_entry::Column::Debt).sum().cast_as("BIGINT"), "debt")
        .filter(point_entry::Column::CustomerId.eq(customer_id))
        .into_tuple()
        .one(conn)
        .await?
        .flatten();
    lock(conn, scope.workspace_id, customer_id).await?;
    store(conn, customer_id, Account { held: held.unwrap_or(0), debt: debt.unwrap_or(0) }).await
}

/// After a merge moved a customer's `lots` (with their operations and entries) to the survivor,
/// or an unmerge moved them back (`undo`: the entries that touched them since follow them):
/// both customers' held and debt recounted.
///
/// # Errors
/// Database failures.
pub(crate) async fn after_merge(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    lots: &[Uuid],
    undo: bool,
    customers: [Uuid; 2],
) -> Result<(), AppError> {
    if lots.is_empty() {
        return Ok(());
    }
    if undo {
        entries_follow_lots(conn, lots).await?;
    }
    for customer in customers {
        recount(conn, scope, customer).await?;
    }
    Ok(())
}

/// After an unmerge moved `lots` back to their customer, the entries that touched them since
/// the merge (the survivor spending them) follow them, so that every customer's entries add up
/// to what their lots hold. The operations stay in the history of whoever made them.
///
/// # Errors
/// Database failures.
async fn entries_follow_lots(conn: &impl ConnectionTrait, lots: &[Uuid]) -> Result<(), AppError> {
    for chunk in lots.chunks(500) {
        let owners: Vec<(Uuid, Uuid)> = point_lot::Entity::find()
            .select_only()
            .column(point_lot::Column::Id)
            .column(point_lot::Column::CustomerId)
            .filter(point_lot::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        for (lot, owner) in owners {
            point_entry::Entity::update_many()
                .col_expr(point_entry::Column::CustomerId, Expr::value(owner))
                .filter(point_entry::Column::LotId.eq(lot))
                .filter(point_entry::Column::CustomerId.ne(owner))
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}
