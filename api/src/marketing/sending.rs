//! Campaigns in the background, and what recipients do with them.
//!
//! Each replica's pass prepares the campaigns whose time has come (claimed by moving their
//! version, so two replicas never prepare one twice; everything in one transaction), then brings
//! the recipients of campaigns sending up to date with their messages (the outbox sends them:
//! consent, address, contact budget and quiet hours are checked again at send time), credits a
//! points offer once a message has gone, and marks a campaign sent when nothing is left queued.
//!
//! The unsubscribe link withdraws the customer's consent for the channel at once (the outbox's
//! check at send time then skips every queued message on it); a coupon redeemed at the till marks
//! the recipient converted.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    Set, Statement,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::campaigns::{CampaignExclusion, CampaignOffer, CampaignStatus, RecipientStatus};
use starcrm_shared::contact_budget::SkipReason;
use starcrm_shared::loyalty::{LotSource, OperationKind};
use starcrm_shared::surveys::MessageChannel;
use uuid::Uuid;

use super::audience;
use super::campaigns::{self, Campaign};
use crate::audit::{self, Entry};
use crate::auth::{Scope, tokens};
use crate::changes::{self, Change, Kind};
use crate::entities::{campaign, campaign_recipient, customer, customer_consent, workspace};
use crate::error::AppError;
use crate::wake::Wake;

/// Rung when a campaign is launched or approved.
pub static WAKE: Wake = Wake::new();
/// How often a replica looks without being woken.
pub const POLL: std::time::Duration = std::time::Duration::from_secs(15);
/// Recipients brought up to date per campaign per pass.
const SYNC_BATCH: u64 = 2_000;

/// Runs the campaigns in the background.
pub fn spawn(db: DatabaseConnection) {
    tokio::spawn(async move {
        let mut woken = WAKE.subscribe();
        loop {
            match run(&db, Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(handled = n, "campaign pass"),
                Err(err) => tracing::warn!(error = %err, "campaign pass failed; will retry"),
            }
            tokio::select! {
                _ = woken.changed() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    });
}

/// One pass: prepares what is due, syncs what is sending. Returns campaigns prepared plus
/// recipients updated.
///
/// # Errors
/// Database failures.
pub async fn run(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let mut handled = 0;
    let due = campaign::Entity::find()
        .filter(campaign::Column::Status.eq(CampaignStatus::Scheduled.as_str()))
        .filter(
            Condition::any().add(campaign::Column::SendAt.is_null()).add(campaign::Column::SendAt.lte(now)),
        )
        .all(db)
        .await?;
    for row in due {
        let id = row.id;
        match prepare(db, Campaign::of(row)?, now).await {
            Ok(()) => handled += 1,
            Err(err) => {
                tracing::warn!(campaign = %id, error = %err, "campaign preparation failed; will retry");
            }
        }
    }
    let sending = campaign::Entity::find()
        .filter(
            campaign::Column::Status
                .is_in([CampaignStatus::Sending.as_str(), CampaignStatus::Cancelled.as_str()]),
        )
        .filter(campaign::Column::PreparedAt.is_not_null())
        .filter(
            Condition::any()
                .add(campaign::Column::FinishedAt.is_null())
                .add(campaign::Column::FinishedAt.gt(now - Duration::days(1))),
        )
        .all(db)
        .await?;
    for row in sending {
        handled += sync(db, &Campaign::of(row)?, now).await?;
    }
    Ok(handled)
}

/// Prepares one due campaign: claims it, writes recipients and messages, wakes the outbox.
async fn prepare(db: &DatabaseConnection, c: Campaign, now: DateTime<Utc>) -> Result<(), AppError> {
    let messaging = crate::messaging::settings::load(db, c.row.workspace_id).await?;
    let txn = crate::db::begin_write(db).await?;
    // The claim: whoever moves the version prepares it.
    campaigns::set_status(&txn, c.row.id, c.row.version, CampaignStatus::Sending, |u| u).await?;
    let done = audience::prepare(&*txn, &c, &messaging, now).await?;
    let big = |n: u64| Expr::value(i64::try_from(n).unwrap_or(i64::MAX));
    campaign::Entity::update_many()
        .col_expr(campaign::Column::Audience, big(done.audience))
        .col_expr(campaign::Column::Excluded, big(done.excluded))
        .col_expr(campaign::Column::HeldOut, big(done.held_out))
        .col_expr(campaign::Column::Queued, big(done.queued))
        .col_expr(campaign::Column::PreparedAt, Expr::value(now))
        .filter(campaign::Column::Id.eq(c.row.id))
        .exec(&*txn)
        .await?;
    let system = Scope::system(c.row.workspace_id);
    let entry = Entry::new("campaign.prepared", "campaign", c.row.id).changes(json!({
        "audience": done.audience, "excluded": done.excluded, "heldOut": done.held_out, "queued": done.queued,
    }));
    audit::record(&*txn, &system, entry).await?;
    txn.commit().await?;
    crate::messaging::outbox::WAKE.ring();
    Ok(())
}

/// Brings recipients up to date with their messages; credits points offers; finishes the
/// campaign when nothing is queued. Returns recipients updated.
///
/// # Errors
/// Database failures.
pub async fn sync(db: &DatabaseConnection, c: &Campaign, now: DateTime<Utc>) -> Result<u64, AppError> {
    use campaign_recipient::Column as R;
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT r.customer_id, r.send_at, r.window_ends_at, m.status, m.sent_at, m.skip_reason \
             FROM campaign_recipients r JOIN messages m ON m.id = r.message_id \
             WHERE r.campaign_id = $1 AND r.status IN ($2, $3) AND m.status IN ($4, $5, $6) LIMIT $7",
            [
                c.row.id.into(),
                RecipientStatus::Queued.as_str().into(),
                RecipientStatus::Cancelled.as_str().into(),
                "sent".into(),
                "skipped".into(),
                "failed".into(),
                i64::try_from(SYNC_BATCH).unwrap_or(2_000).into(),
            ],
        ))
        .await?;
    let mut updated = 0;
    if !rows.is_empty() {
        let txn = crate::db::begin_write(db).await?;
        for r in &rows {
            let customer_id: Uuid = r.try_get_by_index(0)?;
            let send_at: DateTime<Utc> = r.try_get_by_index(1)?;
            let window_ends: DateTime<Utc> = r.try_get_by_index(2)?;
            let status: String = r.try_get_by_index(3)?;
            let delivered_at: Option<DateTime<Utc>> = r.try_get_by_index(4)?;
            let skip: Option<String> = r.try_get_by_index(5)?;
            let mut update = campaign_recipient::Entity::update_many()
                .filter(R::CampaignId.eq(c.row.id))
                .filter(R::CustomerId.eq(customer_id));
            update = match (status.as_str(), delivered_at) {
                ("sent", Some(at)) => update
                    .col_expr(R::Status, Expr::value(RecipientStatus::Sent.as_str()))
                    .col_expr(R::SentAt, Expr::value(at))
                    .col_expr(R::WindowEndsAt, Expr::value(at + (window_ends - send_at))),
                ("skipped", _) => update
                    .col_expr(R::Status, Expr::value(RecipientStatus::Skipped.as_str()))
                    .col_expr(R::Exclusion, Expr::value(skip.as_deref().map(exclusion_of))),
                _ => update.col_expr(R::Status, Expr::value(RecipientStatus::Failed.as_str())),
            };
            update.exec(&*txn).await?;
            updated += 1;
        }
        txn.commit().await?;
    }
    if c.offer == CampaignOffer::Points {
        updated += credit_points(db, c).await?;
    }
    if c.status == CampaignStatus::Sending {
        let left = campaign_recipient::Entity::find()
            .filter(campaign_recipient::Column::CampaignId.eq(c.row.id))
            .filter(campaign_recipient::Column::Status.eq(RecipientStatus::Queued.as_str()))
            .count(db)
            .await?;
        if left == 0 {
            // Someone may have cancelled meanwhile: only a campaign still at its version finishes.
            let _ = campaigns::set_status(db, c.row.id, c.row.version, CampaignStatus::Sent, |u| {
                u.col_expr(campaign::Column::FinishedAt, Expr::value(now))
            })
            .await;
        }
    }
    Ok(updated)
}

/// The exclusion a skip at send time stands for.
fn exclusion_of(skip: &str) -> &'static str {
    match SkipReason::parse(skip) {
        Some(SkipReason::NoAddress) => CampaignExclusion::NoAddress.as_str(),
        Some(SkipReason::MessageBudget | SkipReason::SurveyBudget) => {
            CampaignExclusion::MessageBudget.as_str()
        }
        Some(SkipReason::NoConsent) | None => CampaignExclusion::NoConsent.as_str(),
    }
}

/// Credits the offer's points to recipients whose message has gone (once each: the ledger is
/// idempotent on the reference, and the row remembers).
async fn credit_points(db: &DatabaseConnection, c: &Campaign) -> Result<u64, AppError> {
    let Some(points) = c.row.bonus_points.filter(|p| *p > 0) else { return Ok(0) };
    let due: Vec<Uuid> = campaign_recipient::Entity::find()
        .select_only()
        .column(campaign_recipient::Column::CustomerId)
        .filter(campaign_recipient::Column::CampaignId.eq(c.row.id))
        .filter(campaign_recipient::Column::Status.eq(RecipientStatus::Sent.as_str()))
        .filter(campaign_recipient::Column::PointsCredited.eq(0))
        .limit(SYNC_BATCH)
        .into_tuple()
        .all(db)
        .await?;
    let system = Scope::system(c.row.workspace_id);
    let mut credited = 0;
    for customer_id in due {
        let given = crate::loyalty::ledger::Given {
            kind: OperationKind::Gift,
            source: LotSource::Campaign,
            points,
            reference: Some(format!("campaign:{}:{}", c.row.id.simple(), customer_id.simple())),
            reason: c.row.name.clone(),
        };
        match crate::loyalty::ledger::give(db, &system, customer_id, given).await {
            Ok(_)
            | Err(AppError::NotFound { .. } | AppError::BadUserInput { .. } | AppError::Invalid { .. }) => {}
            Err(err) => return Err(err),
        }
        campaign_recipient::Entity::update_many()
            .col_expr(campaign_recipient::Column::PointsCredited, Expr::value(1_i16))
            .filter(campaign_recipient::Column::CampaignId.eq(c.row.id))
            .filter(campaign_recipient::Column::CustomerId.eq(customer_id))
            .exec(db)
            .await?;
        credited += 1;
    }
    Ok(credited)
}

/// What an unsubscribe link is about.
#[derive(Clone, Debug)]
pub struct Link {
    pub recipient: campaign_recipient::Model,
    pub channel: MessageChannel,
    pub business: String,
}

/// The recipient an unsubscribe link's token names: `NOT_FOUND` for a token that is not one.
///
/// # Errors
/// `NOT_FOUND`; database failures.
pub async fn link(conn: &impl ConnectionTrait, token: &str) -> Result<Link, AppError> {
    let token = token.trim();
    if token.is_empty() || token.len() > 100 {
        return Err(AppError::NotFound { entity: "unsubscribe link" });
    }
    let recipient = campaign_recipient::Entity::find()
        .filter(campaign_recipient::Column::UnsubscribeHash.eq(tokens::hash(token)))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "unsubscribe link" })?;
    let c = campaign::Entity::find_by_id(recipient.campaign_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "unsubscribe link" })?;
    let channel = MessageChannel::parse(&c.channel).unwrap_or(MessageChannel::Email);
    let business =
        workspace::Entity::find_by_id(c.workspace_id).one(conn).await?.map(|w| w.name).unwrap_or_default();
    Ok(Link { recipient, channel, business })
}

/// Withdraws the consent the link's message relied on, at once: every message still queued on
/// that channel is skipped when its turn comes. A second use changes nothing. Returns the link.
///
/// # Errors
/// `NOT_FOUND` for a token that is not one; database failures.
pub async fn unsubscribe(db: &DatabaseConnection, token: &str) -> Result<Link, AppError> {
    let found = link(db, token).await?;
    if found.recipient.unsubscribed_at.is_some() {
        return Ok(found);
    }
    let r = &found.recipient;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let consent = found.channel.consent().as_str();
    customer_consent::Entity::delete_many()
        .filter(customer_consent::Column::CustomerId.eq(r.customer_id))
        .filter(customer_consent::Column::Channel.eq(consent))
        .exec(&*txn)
        .await?;
    customer_consent::Entity::insert(customer_consent::ActiveModel {
        workspace_id: Set(r.workspace_id),
        customer_id: Set(r.customer_id),
        channel: Set(consent.to_owned()),
        granted: Set(false),
        source: Set(Some("unsubscribe link".to_owned())),
        changed_at: Set(now),
    })
    .exec_without_returning(&*txn)
    .await?;
    let version: Option<i32> = customer::Entity::find_by_id(r.customer_id)
        .select_only()
        .column(customer::Column::Version)
        .into_tuple()
        .one(&*txn)
        .await?;
    let version = version.unwrap_or(0) + 1;
    customer::Entity::update_many()
        .col_expr(customer::Column::Version, Expr::value(version))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now))
        .filter(customer::Column::Id.eq(r.customer_id))
        .exec(&*txn)
        .await?;
    campaign_recipient::Entity::update_many()
        .col_expr(campaign_recipient::Column::UnsubscribedAt, Expr::value(now))
        .filter(campaign_recipient::Column::CampaignId.eq(r.campaign_id))
        .filter(campaign_recipient::Column::CustomerId.eq(r.customer_id))
        .exec(&*txn)
        .await?;
    let change = Change::new(r.workspace_id, Kind::CustomerUpdated, r.customer_id)
        .with(json!({ "version": version, "fields": ["consents"] }));
    changes::record(&*txn, vec![change]).await?;
    let system = Scope::system(r.workspace_id);
    let entry = Entry::new("customer.unsubscribed", "customer", r.customer_id)
        .changes(json!({ "channel": consent, "campaignId": r.campaign_id }));
    audit::record(&*txn, &system, entry).await?;
    txn.commit().await?;
    link(db, token).await
}

/// A coupon redeemed at the till.
#[derive(Clone, Debug)]
pub struct Redeemed {
    pub recipient: campaign_recipient::Model,
    pub campaign: Campaign,
    /// Whether this call redeemed it (false: a retry with the same reference).
    pub created: bool,
}

/// Redeems a campaign's personal coupon (`reference`: the till's receipt, so a retry gets the
/// same answer). Needs `transactions:write`; audited.
///
/// # Errors
/// `NOT_FOUND` for a code that is not one of the workspace's; `CONFLICT` for one used already
/// with another reference, or of a cancelled campaign; `BAD_USER_INPUT` on `reference`.
pub async fn redeem_coupon(
    db: &DatabaseConnection,
    scope: &Scope,
    code: &str,
    reference: &str,
) -> Result<Redeemed, AppError> {
    scope.require(Permission::TransactionsWrite)?;
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 100 {
        return Err(AppError::bad_input("reference", "the receipt's reference, 1 to 100 characters"));
    }
    let code = code.trim().to_uppercase();
    let find = |conn| {
        campaign_recipient::Entity::find()
            .filter(campaign_recipient::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(campaign_recipient::Column::CouponCode.eq(code.clone()))
            .one(conn)
    };
    let txn = crate::db::begin_write(db).await?;
    let r = find(&*txn).await?.ok_or(AppError::NotFound { entity: "coupon" })?;
    let c = campaigns::find(&*txn, &Scope::system(scope.workspace_id), r.campaign_id).await?;
    if let Some(used) = &r.redeemed_ref {
        if used == reference {
            return Ok(Redeemed { recipient: r, campaign: c, created: false });
        }
        return Err(AppError::conflict("this coupon was used already"));
    }
    if r.status != RecipientStatus::Sent.as_str() {
        return Err(AppError::conflict("this coupon was never sent"));
    }
    let now = Utc::now();
    campaign_recipient::Entity::update_many()
        .col_expr(campaign_recipient::Column::RedeemedAt, Expr::value(now))
        .col_expr(campaign_recipient::Column::RedeemedRef, Expr::value(reference))
        .filter(campaign_recipient::Column::CampaignId.eq(r.campaign_id))
        .filter(campaign_recipient::Column::CustomerId.eq(r.customer_id))
        .filter(campaign_recipient::Column::RedeemedAt.is_null())
        .exec(&*txn)
        .await?;
    let entry = Entry::new("campaign.coupon_redeemed", "campaign", r.campaign_id)
        .changes(json!({ "customerId": r.customer_id, "reference": reference }));
    audit::record(&*txn, scope, entry).await?;
    let r = find(&*txn).await?.ok_or(AppError::NotFound { entity: "coupon" })?;
    txn.commit().await?;
    Ok(Redeemed { recipient: r, campaign: c, created: true })
}
