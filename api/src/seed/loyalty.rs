//! The demo's points: the earn rule on (1 point per yuan, spendable after 7 days, expiring at
//! the end of the next year), every demo purchase's points earned at the stars its customer holds
//! now (refunds taking back their share), some members' redemptions, and the expiry pass, so
//! that the customer pages and the Points page have a real ledger on the first run.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use starcrm_shared::customer::TransactionKind;
use starcrm_shared::loyalty::{EarnRule, ExpiryKind, ExpiryRule};
use uuid::Uuid;

use super::generator::Rng;
use crate::auth::Scope;
use crate::db;
use crate::entities::{customer, transaction};
use crate::error::AppError;
use crate::loyalty::{expiry, ledger, rules};

/// Purchases earned per write transaction.
const BATCH: usize = 200;

/// Seeds the demo workspace's points; returns (lots earned, redemptions).
///
/// # Errors
/// Database failures.
pub async fn demo(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<(usize, usize), AppError> {
    let system = Scope::system(workspace_id);
    let rule = EarnRule {
        active: true,
        expiry: ExpiryRule { kind: ExpiryKind::YearEnd, count: 1 },
        ..EarnRule::standard()
    };
    rules::save(db, &system, rule, 0).await?;
    let earning = rules::earning(db, &system)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the demo rule is not active")))?;
    let customers: std::collections::HashMap<Uuid, customer::Model> = customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(workspace_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let all = transaction::Entity::find()
        .filter(transaction::Column::WorkspaceId.eq(workspace_id))
        .order_by_asc(transaction::Column::OccurredAt)
        .all(db)
        .await?;
    let purchases: std::collections::HashMap<Uuid, transaction::Model> = all
        .iter()
        .filter(|t| t.kind == TransactionKind::Purchase.as_str())
        .map(|t| (t.id, t.clone()))
        .collect();
    let mut refunded: std::collections::HashMap<Uuid, i64> = std::collections::HashMap::new();
    let mut earned = 0;
    for chunk in all.chunks(BATCH) {
        let txn = db::begin_write(db).await?;
        for t in chunk {
            if t.kind == TransactionKind::Purchase.as_str() {
                let Some(c) = customers.get(&t.customer_id) else { continue };
                let mut at_purchase = t.clone();
                // Earned as bought: the refunds that follow take their share back below.
                at_purchase.refunded_minor = 0;
                if ledger::earn_purchase(&txn, &system, &earning, c, &at_purchase, &[]).await?.is_some() {
                    earned += 1;
                }
            } else if let Some(original) = t.refund_of.and_then(|id| purchases.get(&id)) {
                let before = refunded.get(&original.id).copied().unwrap_or(0);
                let after = before + t.amount_minor;
                ledger::reverse_refund(&txn, &system, original, t, before, after).await?;
                refunded.insert(original.id, after);
            }
        }
        txn.commit().await?;
    }
    // Some members spent points on rewards.
    let mut rng = Rng::new(seed ^ 0x0010_17a1);
    let mut redemptions = 0;
    let mut ids: Vec<&Uuid> = customers.keys().collect();
    ids.sort();
    for id in ids {
        if !rng.chance(0.35) {
            continue;
        }
        let summary = crate::loyalty::views::summary_of(db, &system, *id).await?;
        if summary.spendable < 200 {
            continue;
        }
        let points = 100
            * i64::try_from(1 + rng.below(u64::try_from(summary.spendable / 200).unwrap_or(1))).unwrap_or(1);
        let reward = *rng.pick(&["兑换保温杯", "兑换 50 元代金券", "兑换会员礼盒", "抵扣现金"]);
        let spend =
            ledger::Spend { customer_id: *id, points, reason: Some(reward.to_owned()), external_ref: None };
        ledger::redeem(db, &system, spend).await?;
        redemptions += 1;
    }
    // Points from earlier years have run out.
    expiry::pass_workspace(db, workspace_id, now).await?;
    Ok((earned, redemptions))
}
