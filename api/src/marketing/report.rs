//! A campaign's result: the funnel (audience, exclusions by reason, holdout, sent, delivered,
//! converted), revenue, cost and ROI, and the incremental lift against the holdout with its
//! interval and significance, overall and by star level.
//!
//! A recipient converts with a purchase between the delivery of their message and the end of
//! the campaign's attribution window, or by redeeming the campaign's coupon within it; a member
//! of the holdout with a purchase in the same window from when their message would have gone.
//! The recipients compared with the holdout are those whose message was delivered: a customer
//! who unsubscribed or was skipped at send time received nothing to react to.

use sea_orm::{ConnectionTrait, Statement};
use starcrm_shared::Permission;
use starcrm_shared::campaigns::{self as rules, Arm, CampaignExclusion, Lift, RecipientStatus};
use starcrm_shared::customer::{TransactionKind, TransactionStatus};

use super::campaigns::{self, Campaign};
use crate::auth::Scope;
use crate::error::AppError;

/// One star level's comparison (stars as prepared; 0: not rated).
#[derive(Clone, Debug, Default)]
pub struct ByStars {
    pub stars: u8,
    pub recipients: Arm,
    pub holdout: Arm,
    pub revenue_minor: i64,
    pub lift: Option<Lift>,
}

/// What a campaign came to.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub audience: u64,
    pub no_consent: u64,
    pub no_address: u64,
    pub message_budget: u64,
    pub no_coupon: u64,
    pub held_out: u64,
    pub queued: u64,
    /// Handed to the channel: delivered or failed.
    pub sent: u64,
    pub delivered: u64,
    pub failed: u64,
    /// Not sent when their time came, by reason.
    pub skipped_no_consent: u64,
    pub skipped_no_address: u64,
    pub skipped_budget: u64,
    pub cancelled: u64,
    pub unsubscribed: u64,
    pub redeemed: u64,
    pub recipients: Arm,
    pub holdout: Arm,
    /// Purchases of delivered recipients within their windows.
    pub revenue_minor: i64,
    pub holdout_revenue_minor: i64,
    /// What the recipients spent beyond what they would have at the holdout's rate per head.
    pub incremental_revenue_minor: i64,
    pub cost_minor: i64,
    pub roi: Option<f64>,
    pub lift: Option<Lift>,
    pub by_stars: Vec<ByStars>,
}

const SQL: &str = "SELECT r.status, r.exclusion, r.stars, COUNT(*), \
     SUM(CASE WHEN r.unsubscribed_at IS NOT NULL THEN 1 ELSE 0 END), \
     SUM(CASE WHEN r.redeemed_at IS NOT NULL AND r.redeemed_at <= r.window_ends_at THEN 1 ELSE 0 END), \
     SUM(CASE WHEN (r.redeemed_at IS NOT NULL AND r.redeemed_at <= r.window_ends_at) OR EXISTS ( \
         SELECT 1 FROM transactions t WHERE t.customer_id = r.customer_id AND t.kind = $2 AND t.status = $3 \
         AND t.occurred_at >= COALESCE(r.sent_at, r.send_at) AND t.occurred_at <= r.window_ends_at) \
       THEN 1 ELSE 0 END), \
     CAST(SUM(COALESCE(( \
         SELECT SUM(t.amount_minor - t.refunded_minor) FROM transactions t WHERE t.customer_id = r.customer_id \
         AND t.kind = $2 AND t.status = $3 \
         AND t.occurred_at >= COALESCE(r.sent_at, r.send_at) AND t.occurred_at <= r.window_ends_at), 0)) AS BIGINT) \
     FROM campaign_recipients r WHERE r.campaign_id = $1 \
     GROUP BY r.status, r.exclusion, r.stars";

/// Works out the campaign's report now. Needs `customers:read`.
///
/// # Errors
/// `NOT_FOUND` (also another workspace's); `FORBIDDEN`; database failures.
pub async fn report(conn: &impl ConnectionTrait, scope: &Scope, id: uuid::Uuid) -> Result<Report, AppError> {
    scope.require(Permission::CustomersRead)?;
    let c = campaigns::find(conn, scope, id).await?;
    compute(conn, &c).await
}

/// The report of a campaign already found.
///
/// # Errors
/// Database failures.
pub async fn compute(conn: &impl ConnectionTrait, c: &Campaign) -> Result<Report, AppError> {
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            SQL,
            [
                c.row.id.into(),
                TransactionKind::Purchase.as_str().into(),
                TransactionStatus::Completed.as_str().into(),
            ],
        ))
        .await?;
    let mut report = Report::default();
    let mut levels: [ByStars; 6] =
        std::array::from_fn(|s| ByStars { stars: u8::try_from(s).unwrap_or(0), ..ByStars::default() });
    for row in rows {
        let status: String = row.try_get_by_index(0)?;
        let exclusion: Option<String> = row.try_get_by_index(1)?;
        let stars: Option<i16> = row.try_get_by_index(2)?;
        let n = row.try_get_by_index::<i64>(3)?.unsigned_abs();
        let unsubscribed = row.try_get_by_index::<Option<i64>>(4)?.unwrap_or(0).unsigned_abs();
        let redeemed = row.try_get_by_index::<Option<i64>>(5)?.unwrap_or(0).unsigned_abs();
        let converted = row.try_get_by_index::<Option<i64>>(6)?.unwrap_or(0).unsigned_abs();
        let revenue = row.try_get_by_index::<Option<i64>>(7)?.unwrap_or(0);
        let level = stars.and_then(|s| usize::try_from(s).ok()).filter(|s| *s <= 5).unwrap_or(0);
        report.audience += n;
        report.unsubscribed += unsubscribed;
        report.redeemed += redeemed;
        let reason = exclusion.as_deref().and_then(CampaignExclusion::parse);
        match RecipientStatus::parse(&status) {
            Some(RecipientStatus::Excluded) => match reason {
                Some(CampaignExclusion::NoAddress) => report.no_address += n,
                Some(CampaignExclusion::MessageBudget) => report.message_budget += n,
                Some(CampaignExclusion::NoCoupon) => report.no_coupon += n,
                Some(CampaignExclusion::NoConsent) | None => report.no_consent += n,
            },
            Some(RecipientStatus::Holdout) => {
                report.held_out += n;
                report.holdout.size += n;
                report.holdout.converted += converted;
                report.holdout_revenue_minor += revenue;
                levels[level].holdout.size += n;
                levels[level].holdout.converted += converted;
            }
            Some(RecipientStatus::Sent) => {
                report.sent += n;
                report.delivered += n;
                report.recipients.size += n;
                report.recipients.converted += converted;
                report.revenue_minor += revenue;
                levels[level].recipients.size += n;
                levels[level].recipients.converted += converted;
                levels[level].revenue_minor += revenue;
            }
            Some(RecipientStatus::Failed) => {
                report.sent += n;
                report.failed += n;
            }
            Some(RecipientStatus::Skipped) => match reason {
                Some(CampaignExclusion::NoAddress) => report.skipped_no_address += n,
                Some(CampaignExclusion::MessageBudget) => report.skipped_budget += n,
                // Never a reason at send time: the code was in hand when the message was queued.
                Some(CampaignExclusion::NoConsent | CampaignExclusion::NoCoupon) | None => {
                    report.skipped_no_consent += n;
                }
            },
            Some(RecipientStatus::Cancelled) => report.cancelled += n,
            Some(RecipientStatus::Queued) | None => report.queued += n,
        }
    }
    report.cost_minor = c.row.fixed_cost_minor.saturating_add(
        c.row.cost_per_message_minor.saturating_mul(i64::try_from(report.sent).unwrap_or(i64::MAX)),
    );
    report.roi = rules::roi(report.revenue_minor, report.cost_minor);
    report.lift = rules::lift(report.recipients, report.holdout);
    report.incremental_revenue_minor = incremental(&report);
    report.by_stars = levels
        .into_iter()
        .filter(|l| l.recipients.size + l.holdout.size > 0)
        .map(|mut l| {
            l.lift = rules::lift(l.recipients, l.holdout);
            l
        })
        .collect();
    Ok(report)
}

/// Recipients' revenue beyond the holdout's revenue per head times the recipients.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
fn incremental(r: &Report) -> i64 {
    if r.holdout.size == 0 || r.recipients.size == 0 {
        return 0;
    }
    let per_head = r.holdout_revenue_minor as f64 / r.holdout.size as f64;
    r.revenue_minor - (per_head * r.recipients.size as f64).round() as i64
}
