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
        birthday_points: vec![0, 50, 100, 200, 500],
        referrer_points: 200,
        referred_points: 100,
        ..EarnRule::standard()
    };
    rules::save(db, &system, rule, 0).await?;
    // The levels' own names, beside the standard benefits.
    let names = ["普通会员", "银卡会员", "金卡会员", "铂金会员", "钻石会员"];
    let tiers = starcrm_shared::tiers::standard()
        .into_iter()
        .zip(names)
        .map(|(tier, name)| starcrm_shared::tiers::Tier { name: Some(name.to_owned()), ..tier })
        .collect();
    crate::ratings::tiers::save(db, &system, tiers).await?;
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
    let rewards = catalogue(db, &system).await?;
    // Some members spent points on rewards, and used some of the vouchers.
    let mut rng = Rng::new(seed ^ 0x0010_17a1);
    let mut redemptions = 0;
    let mut ids: Vec<&Uuid> = customers.keys().collect();
    ids.sort();
    for id in ids {
        if !rng.chance(0.35) {
            continue;
        }
        let summary = crate::loyalty::views::summary_of(db, &system, *id).await?;
        let stars = customers.get(id).and_then(|c| c.stars).map(i32::from);
        let offers: Vec<&crate::loyalty::rewards::Reward> = rewards
            .iter()
            .filter(|r| r.redeemable(stars, summary.spendable) == starcrm_shared::loyalty::Redeemable::Yes)
            .collect();
        if offers.is_empty() {
            continue;
        }
        let reward = offers[usize::try_from(rng.below(offers.len() as u64)).unwrap_or(0)];
        let got = match crate::loyalty::rewards::redeem(db, &system, *id, reward.row.id, None).await {
            Ok(got) => got,
            // The last unit of a limited gift went to an earlier member.
            Err(AppError::BadUserInput { .. }) => continue,
            Err(e) => return Err(e),
        };
        if rng.chance(0.5) {
            let till = format!("POS-{}", 10_000 + redemptions);
            crate::loyalty::rewards::use_voucher(db, &system, &got.voucher.code, Some(&till)).await?;
        }
        redemptions += 1;
    }
    // Points from earlier years have run out; members whose points run out within the warning
    // days were told (on the change feed: the demo has no message configured).
    expiry::pass_workspace(db, workspace_id, now).await?;
    crate::loyalty::warnings::pass_workspace(db, workspace_id, now).await?;
    Ok((earned, redemptions))
}

/// The demo's rewards catalogue: money off for everyone, a discount, a gift from 3 stars, a pool
/// of shop coupons and a gift box for 5 stars.
async fn catalogue(
    db: &DatabaseConnection,
    system: &Scope,
) -> Result<Vec<crate::loyalty::rewards::Reward>, AppError> {
    use starcrm_shared::loyalty::{RewardCodes, RewardKind, RewardSpec};
    let spec = |name: &str, kind, cost, min_stars| RewardSpec {
        name: name.to_owned(),
        description: None,
        kind,
        points_cost: cost,
        min_stars,
        stock: None,
        value_minor: None,
        percent_off: None,
        codes: RewardCodes::Generated,
        valid_days: Some(90),
        active: true,
    };
    let rewards = [
        RewardSpec { value_minor: Some(5_000), ..spec("50 元代金券", RewardKind::Cash, 500, 1) },
        RewardSpec {
            percent_off: Some(10),
            valid_days: Some(30),
            ..spec("全场 9 折券", RewardKind::Discount, 300, 2)
        },
        RewardSpec {
            description: Some("304 不锈钢，500 ml，门店领取".to_owned()),
            stock: Some(200),
            ..spec("品牌保温杯", RewardKind::Gift, 800, 3)
        },
        RewardSpec {
            value_minor: Some(2_000),
            codes: RewardCodes::Pool,
            ..spec("天猫旗舰店 20 元券", RewardKind::Coupon, 200, 1)
        },
        RewardSpec {
            description: Some("当季新品礼盒，专属顾问送达".to_owned()),
            stock: Some(20),
            valid_days: None,
            ..spec("钻石会员礼盒", RewardKind::Gift, 2_000, 5)
        },
    ];
    let mut pool = None;
    for reward in rewards {
        let is_pool = reward.codes == RewardCodes::Pool;
        let saved = crate::loyalty::rewards::save(db, system, None, None, reward).await?;
        if is_pool {
            pool = Some(saved.row.id);
        }
    }
    if let Some(pool) = pool {
        let codes = (1..=40).map(|i| format!("TMALL-20-{i:04}")).collect();
        crate::loyalty::rewards::add_codes(db, system, pool, codes).await?;
    }
    crate::loyalty::rewards::list(db, system, true).await
}
