//! Campaigns: written as drafts, launched (now or at a time), approved when large, prepared by
//! the background pass (`super::sending`), cancelled at any point before the last message goes.
//!
//! The audience is a segment and/or star levels, with more conditions in the customers filter
//! language and, for the "close to the next star" preset, only customers whose score is within a
//! few points of the next level's threshold. Preparing it (`super::audience`) excludes, with the
//! reason, the customers without consent or address for the channel and those whose contact
//! budget is spent, holds out a reproducible share, and queues one message per recipient in the
//! outbox, spread by the throttle.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TryIntoModel,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::campaigns::{
    self as rules, CampaignOffer, CampaignPreset, CampaignStatus, DEFAULT_HOLDOUT, MAX_HOLDOUT,
    MAX_WINDOW_DAYS,
};
use starcrm_shared::surveys::{BODY_MAX, MessageChannel, MessageStatus, SUBJECT_MAX, Template};
use uuid::Uuid;

use super::{audience, segments};
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::customers::query::Filter;
use crate::db;
use crate::entities::{campaign, campaign_recipient, message, segment};
use crate::error::AppError;

/// Campaigns per workspace.
pub const MAX_CAMPAIGNS: u64 = 1_000;
/// Longest name, in characters.
pub const NAME_MAX: usize = 80;
/// Longest offer description, in characters.
pub const OFFER_TEXT_MAX: usize = 200;
/// Most languages of content.
pub const LANGUAGES_MAX: usize = 5;
/// Most bonus points an offer gives.
pub const BONUS_POINTS_MAX: i64 = 100_000;
/// Launches to more customers than this wait for `campaigns:approve` when the launcher does not
/// hold it.
pub const APPROVAL_ABOVE: u64 = 1_000;
/// Widest "close to the next star" gap, in score points (scores run 0 to 100).
pub const NEAR_NEXT_STAR_MAX: i16 = 30;

/// What a person writes.
#[derive(Clone, Debug)]
pub struct Spec {
    pub name: String,
    pub channel: MessageChannel,
    pub segment_id: Option<Uuid>,
    pub stars: Vec<u8>,
    /// More conditions, and the filter as given (stored).
    pub filter: Option<(Filter, serde_json::Value)>,
    pub near_next_star: Option<i16>,
    pub content: Vec<Template>,
    pub offer: CampaignOffer,
    pub offer_text: Option<String>,
    pub coupon_prefix: Option<String>,
    /// Hand out the codes of this coupon reward's pool instead of generating them.
    pub coupon_reward_id: Option<Uuid>,
    pub bonus_points: Option<i64>,
    pub holdout_percent: Option<u8>,
    pub window_days: Option<u32>,
    pub throttle_per_hour: Option<u32>,
    pub cost_per_message_minor: i64,
    pub fixed_cost_minor: i64,
    pub send_at: Option<DateTime<Utc>>,
    pub preset: Option<CampaignPreset>,
}

/// A stored campaign.
#[derive(Clone, Debug)]
pub struct Campaign {
    pub row: campaign::Model,
    pub status: CampaignStatus,
    pub channel: MessageChannel,
    pub stars: Vec<u8>,
    pub content: Vec<Template>,
    pub offer: CampaignOffer,
    pub filter_json: Option<serde_json::Value>,
}

impl Campaign {
    /// Reads a stored row.
    ///
    /// # Errors
    /// `INTERNAL` for stored values that no longer parse.
    pub fn of(row: campaign::Model) -> Result<Self, AppError> {
        let bad = |what: &str| AppError::internal(anyhow::anyhow!("campaign {}: stored {what}", row.id));
        let status = CampaignStatus::parse(&row.status).ok_or_else(|| bad("status"))?;
        let channel = MessageChannel::parse(&row.channel).ok_or_else(|| bad("channel"))?;
        let offer = CampaignOffer::parse(&row.offer_kind).ok_or_else(|| bad("offer"))?;
        let stars: Vec<u8> = serde_json::from_str(&row.stars).map_err(|_| bad("stars"))?;
        let content: Vec<Template> = serde_json::from_str(&row.content).map_err(|_| bad("content"))?;
        let filter_json =
            row.filter.as_deref().map(serde_json::from_str).transpose().map_err(|_| bad("filter"))?;
        Ok(Self { row, status, channel, stars, content, offer, filter_json })
    }

    /// The extra conditions, read back.
    ///
    /// # Errors
    /// `INTERNAL` when the stored filter no longer parses.
    pub fn filter(&self) -> Result<Filter, AppError> {
        match &self.filter_json {
            Some(json) => segments::stored_filter(json, &format!("campaign {}", self.row.id)),
            None => Ok(Filter::default()),
        }
    }
}

/// The checked columns of a spec.
struct Valid {
    name: String,
    stars: Vec<u8>,
    content: Vec<Template>,
    holdout: u8,
    window_days: u32,
}

fn check_content(spec: &Spec) -> Result<Vec<Template>, AppError> {
    if spec.content.is_empty() {
        return Err(AppError::bad_input("content", "write the message in at least one language"));
    }
    if spec.content.len() > LANGUAGES_MAX {
        return Err(AppError::bad_input("content", format!("at most {LANGUAGES_MAX} languages")));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut content = Vec::with_capacity(spec.content.len());
    for (i, t) in spec.content.iter().enumerate() {
        let field = |name: &str| format!("content[{i}].{name}");
        let language = t.language.trim().to_owned();
        if language.is_empty() || language.len() > 10 {
            return Err(AppError::bad_input(field("language"), "a language tag such as zh-CN or en"));
        }
        if !seen.insert(language.clone()) {
            return Err(AppError::bad_input(field("language"), "is given twice"));
        }
        let subject = t.subject.trim().to_owned();
        let body = t.body.trim().to_owned();
        if spec.channel == MessageChannel::Email && subject.is_empty() {
            return Err(AppError::bad_input(field("subject"), "an email needs a subject"));
        }
        if subject.chars().count() > SUBJECT_MAX {
            return Err(AppError::bad_input(field("subject"), format!("at most {SUBJECT_MAX} characters")));
        }
        if body.is_empty() {
            return Err(AppError::bad_input(field("body"), "write the message"));
        }
        if body.chars().count() > BODY_MAX {
            return Err(AppError::bad_input(field("body"), format!("at most {BODY_MAX} characters")));
        }
        rules::check_text(&subject).map_err(|m| AppError::bad_input(field("subject"), m))?;
        rules::check_text(&body).map_err(|m| AppError::bad_input(field("body"), m))?;
        let uses_coupon = subject.contains("{coupon}") || body.contains("{coupon}");
        if spec.offer == CampaignOffer::Coupon && !body.contains("{coupon}") {
            return Err(AppError::bad_input(
                field("body"),
                "the offer is a coupon: put {coupon} in the message",
            ));
        }
        if spec.offer != CampaignOffer::Coupon && uses_coupon {
            return Err(AppError::bad_input(field("body"), "{coupon} needs a coupon offer"));
        }
        content.push(Template { language, subject, body });
    }
    Ok(content)
}

/// Checks who a spec targets: star levels, segment, extra conditions, the next-star gap. Returns
/// the star levels, sorted.
async fn check_audience(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    spec: &Spec,
) -> Result<Vec<u8>, AppError> {
    let mut stars = spec.stars.clone();
    stars.sort_unstable();
    stars.dedup();
    if stars.iter().any(|s| !(1..=5).contains(s)) {
        return Err(AppError::bad_input("stars", "star levels are 1 to 5"));
    }
    if let Some(id) = spec.segment_id {
        let found = segment::Entity::find_by_id(id)
            .filter(segment::Column::WorkspaceId.eq(scope.workspace_id))
            .count(conn)
            .await?;
        if found == 0 {
            return Err(AppError::bad_input("segmentId", "is not a segment of this workspace"));
        }
    }
    if let Some((filter, _)) = &spec.filter {
        if filter.uses_segments() {
            return Err(AppError::bad_input("filter.segmentIds", "choose the segment as segmentId"));
        }
        // Builds the SQL once: unknown custom fields and bad values are refused here.
        crate::customers::query::sql_condition(conn, scope.workspace_id, filter, Utc::now()).await?;
    }
    let has_filter = spec.filter.as_ref().is_some_and(|(f, _)| !f.parts().is_empty());
    if spec.segment_id.is_none() && stars.is_empty() && !has_filter {
        return Err(AppError::bad_input("stars", "choose a segment or star levels"));
    }
    if let Some(gap) = spec.near_next_star {
        if !(1..=NEAR_NEXT_STAR_MAX).contains(&gap) {
            return Err(AppError::bad_input(
                "nearNextStar",
                format!("1 to {NEAR_NEXT_STAR_MAX} points below the next star"),
            ));
        }
        if stars.contains(&5) {
            return Err(AppError::bad_input("nearNextStar", "5-star customers have no next star"));
        }
    }
    Ok(stars)
}

/// A coupon pool must be a pool reward of the workspace (another workspace's reads as unknown).
async fn check_pool(conn: &impl ConnectionTrait, scope: &Scope, reward_id: Uuid) -> Result<(), AppError> {
    let reward = match crate::loyalty::rewards::find(conn, scope, reward_id).await {
        Ok(reward) => reward,
        Err(AppError::NotFound { .. }) => {
            return Err(AppError::bad_input("couponRewardId", "is not a reward of this workspace"));
        }
        Err(e) => return Err(e),
    };
    if reward.free_codes.is_none() {
        return Err(AppError::bad_input("couponRewardId", "this reward generates its codes; it has no pool"));
    }
    Ok(())
}

async fn check(conn: &impl ConnectionTrait, scope: &Scope, spec: &Spec) -> Result<Valid, AppError> {
    let name = spec.name.trim().to_owned();
    if name.is_empty() {
        return Err(AppError::bad_input("name", "is required"));
    }
    if name.chars().count() > NAME_MAX {
        return Err(AppError::bad_input("name", format!("at most {NAME_MAX} characters")));
    }
    let stars = check_audience(conn, scope, spec).await?;
    let content = check_content(spec)?;
    if spec.offer_text.as_ref().is_some_and(|t| t.chars().count() > OFFER_TEXT_MAX) {
        return Err(AppError::bad_input("offerText", format!("at most {OFFER_TEXT_MAX} characters")));
    }
    match spec.offer {
        CampaignOffer::Coupon => {
            if let Some(reward_id) = spec.coupon_reward_id {
                check_pool(conn, scope, reward_id).await?;
            } else {
                let prefix = spec.coupon_prefix.as_deref().unwrap_or("");
                rules::check_prefix(prefix).map_err(|m| AppError::bad_input("couponPrefix", m))?;
            }
        }
        CampaignOffer::Points => {
            if !spec.bonus_points.is_some_and(|p| (1..=BONUS_POINTS_MAX).contains(&p)) {
                return Err(AppError::bad_input("bonusPoints", format!("1 to {BONUS_POINTS_MAX} points")));
            }
        }
        CampaignOffer::None => {}
    }
    if spec.coupon_reward_id.is_some() && spec.offer != CampaignOffer::Coupon {
        return Err(AppError::bad_input("couponRewardId", "a coupon pool needs a coupon offer"));
    }
    let holdout = spec.holdout_percent.unwrap_or(DEFAULT_HOLDOUT);
    if holdout > MAX_HOLDOUT {
        return Err(AppError::bad_input("holdoutPercent", format!("0 to {MAX_HOLDOUT} percent")));
    }
    let window_days = spec.window_days.unwrap_or_else(|| rules::default_window_days(spec.channel));
    if !(1..=MAX_WINDOW_DAYS).contains(&window_days) {
        return Err(AppError::bad_input("windowDays", format!("1 to {MAX_WINDOW_DAYS} days")));
    }
    if spec.throttle_per_hour.is_some_and(|t| !(1..=1_000_000).contains(&t)) {
        return Err(AppError::bad_input("throttlePerHour", "1 to 1000000 messages an hour"));
    }
    for (field, v) in [("costPerMessage", spec.cost_per_message_minor), ("fixedCost", spec.fixed_cost_minor)]
    {
        if !(0..=1_000_000_000_000).contains(&v) {
            return Err(AppError::bad_input(field, "0 or more, in the currency's minor units"));
        }
    }
    if let Some(at) = spec.send_at {
        let now = Utc::now();
        if at < now - Duration::minutes(1) {
            return Err(AppError::bad_input("sendAt", "is in the past: leave it out to send at once"));
        }
        if at > now + Duration::days(366) {
            return Err(AppError::bad_input("sendAt", "at most a year ahead"));
        }
    }
    Ok(Valid { name, stars, content, holdout, window_days })
}

fn apply(row: &mut campaign::ActiveModel, spec: &Spec, valid: Valid) {
    let keep = |o: &Option<String>| o.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    row.name = Set(valid.name);
    row.channel = Set(spec.channel.as_str().to_owned());
    row.segment_id = Set(spec.segment_id);
    row.stars = Set(serde_json::to_string(&valid.stars).unwrap_or_else(|_| "[]".to_owned()));
    row.filter = Set(spec.filter.as_ref().filter(|(f, _)| !f.parts().is_empty()).map(|(_, j)| j.to_string()));
    row.near_next_star = Set(spec.near_next_star);
    row.content = Set(serde_json::to_string(&valid.content).unwrap_or_else(|_| "[]".to_owned()));
    row.offer_kind = Set(spec.offer.as_str().to_owned());
    row.offer_text = Set(keep(&spec.offer_text));
    let pool = spec.coupon_reward_id.filter(|_| spec.offer == CampaignOffer::Coupon);
    row.coupon_reward_id = Set(pool);
    row.coupon_prefix = Set((spec.offer == CampaignOffer::Coupon && pool.is_none())
        .then(|| spec.coupon_prefix.clone().unwrap_or_default()));
    row.bonus_points = Set(spec.bonus_points.filter(|_| spec.offer == CampaignOffer::Points));
    row.holdout_percent = Set(i16::from(valid.holdout));
    row.window_days = Set(i32::try_from(valid.window_days).unwrap_or(5));
    row.throttle_per_hour = Set(spec.throttle_per_hour.and_then(|t| i32::try_from(t).ok()));
    row.cost_per_message_minor = Set(spec.cost_per_message_minor);
    row.fixed_cost_minor = Set(spec.fixed_cost_minor);
    row.send_at = Set(spec.send_at);
    row.preset = Set(spec.preset.map(|p| p.as_str().to_owned()));
}

async fn name_taken(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    name: &str,
    except: Option<Uuid>,
) -> Result<bool, AppError> {
    let mut q = campaign::Entity::find()
        .filter(campaign::Column::WorkspaceId.eq(workspace_id))
        .filter(campaign::Column::Name.eq(name));
    if let Some(id) = except {
        q = q.filter(campaign::Column::Id.ne(id));
    }
    Ok(q.count(conn).await? > 0)
}

/// The workspace's campaigns, newest first. Needs `customers:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn list(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Campaign>, AppError> {
    scope.require(Permission::CustomersRead)?;
    campaign::Entity::find()
        .filter(campaign::Column::WorkspaceId.eq(scope.workspace_id))
        .order_by_desc(campaign::Column::CreatedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(Campaign::of)
        .collect()
}

/// One campaign of the workspace. Needs `customers:read`.
///
/// # Errors
/// `NOT_FOUND` (also for another workspace's); `FORBIDDEN`.
pub async fn find(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<Campaign, AppError> {
    scope.require(Permission::CustomersRead)?;
    let row = campaign::Entity::find_by_id(id)
        .filter(campaign::Column::WorkspaceId.eq(scope.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "campaign" })?;
    Campaign::of(row)
}

/// A spec's audience checked and the spec read as an unsaved campaign (for the wizard's live
/// audience, before the message is written). Needs `customers:read`.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field.
pub async fn draft(conn: &impl ConnectionTrait, scope: &Scope, spec: &Spec) -> Result<Campaign, AppError> {
    scope.require(Permission::CustomersRead)?;
    // Only the audience must hold: the wizard counts it before the message is written (and the
    // coupon pool, whose free codes it counts).
    let stars = check_audience(conn, scope, spec).await?;
    if let Some(reward_id) = spec.coupon_reward_id.filter(|_| spec.offer == CampaignOffer::Coupon) {
        check_pool(conn, scope, reward_id).await?;
    }
    let valid = Valid {
        name: spec.name.trim().to_owned(),
        stars,
        content: spec.content.clone(),
        holdout: spec.holdout_percent.unwrap_or(DEFAULT_HOLDOUT).min(MAX_HOLDOUT),
        window_days: spec
            .window_days
            .unwrap_or_else(|| rules::default_window_days(spec.channel))
            .clamp(1, MAX_WINDOW_DAYS),
    };
    let now = Utc::now();
    let mut row = blank(scope, Uuid::nil(), now);
    apply(&mut row, spec, valid);
    let model = row.try_into_model().map_err(AppError::internal)?;
    Campaign::of(model)
}

fn blank(scope: &Scope, id: Uuid, now: DateTime<Utc>) -> campaign::ActiveModel {
    campaign::ActiveModel {
        id: Set(id),
        workspace_id: Set(scope.workspace_id),
        status: Set(CampaignStatus::Draft.as_str().to_owned()),
        audience: Set(0),
        held_out: Set(0),
        excluded: Set(0),
        queued: Set(0),
        created_by: Set(scope.user_id()),
        launched_by: Set(None),
        launched_at: Set(None),
        approved_by: Set(None),
        approved_at: Set(None),
        prepared_at: Set(None),
        finished_at: Set(None),
        cancelled_by: Set(None),
        cancelled_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Saves a new draft. Needs `campaigns:manage`; audited.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field; `FORBIDDEN`.
pub async fn create(db: &DatabaseConnection, scope: &Scope, spec: &Spec) -> Result<Campaign, AppError> {
    scope.require(Permission::CampaignsManage)?;
    let valid = check(db, scope, spec).await?;
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let count = campaign::Entity::find()
        .filter(campaign::Column::WorkspaceId.eq(scope.workspace_id))
        .count(&txn)
        .await?;
    if count >= MAX_CAMPAIGNS {
        return Err(AppError::bad_input(
            "name",
            format!("a workspace holds at most {MAX_CAMPAIGNS} campaigns"),
        ));
    }
    if name_taken(&txn, scope.workspace_id, &valid.name, None).await? {
        return Err(AppError::bad_input("name", "another campaign has this name"));
    }
    let id = Uuid::now_v7();
    let mut row = blank(scope, id, now);
    apply(&mut row, spec, valid);
    let saved = row.insert(&txn).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("campaign.created", "campaign", id)
            .changes(json!({ "name": saved.name, "channel": saved.channel })),
    )
    .await?;
    txn.commit().await?;
    Campaign::of(saved)
}

/// A campaign of the workspace at `version`, in a state that allows `what`.
async fn editable(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
    version: i32,
    allowed: &[CampaignStatus],
    what: &str,
) -> Result<Campaign, AppError> {
    let found = find(conn, scope, id).await?;
    if found.row.version != version {
        return Err(AppError::stale("campaign"));
    }
    if !allowed.contains(&found.status) {
        return Err(AppError::conflict(format!(
            "a campaign that is {} cannot be {what}",
            found.status.as_str()
        )));
    }
    Ok(found)
}

/// Saves a draft again (`version`: the one edited). Needs `campaigns:manage`; audited.
///
/// # Errors
/// `BAD_USER_INPUT`; `NOT_FOUND`; `CONFLICT` for a stale version or a launched campaign.
pub async fn update(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    version: i32,
    spec: &Spec,
) -> Result<Campaign, AppError> {
    scope.require(Permission::CampaignsManage)?;
    let valid = check(db, scope, spec).await?;
    let txn = db::begin_write(db).await?;
    let old = editable(&txn, scope, id, version, &[CampaignStatus::Draft], "edited").await?.row;
    if name_taken(&txn, scope.workspace_id, &valid.name, Some(id)).await? {
        return Err(AppError::bad_input("name", "another campaign has this name"));
    }
    let mut row: campaign::ActiveModel = old.clone().into();
    apply(&mut row, spec, valid);
    row.version = Set(old.version + 1);
    row.updated_at = Set(Utc::now());
    let saved = row.update(&txn).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("campaign.updated", "campaign", id).changes(json!({ "name": saved.name })),
    )
    .await?;
    txn.commit().await?;
    Campaign::of(saved)
}

/// Deletes a draft. Needs `campaigns:manage`; audited. A launched campaign keeps its report:
/// cancel it instead.
///
/// # Errors
/// `NOT_FOUND`; `CONFLICT`.
pub async fn delete(db: &DatabaseConnection, scope: &Scope, id: Uuid, version: i32) -> Result<(), AppError> {
    scope.require(Permission::CampaignsManage)?;
    let txn = db::begin_write(db).await?;
    let old =
        editable(&txn, scope, id, version, &[CampaignStatus::Draft], "deleted (cancel it instead)").await?;
    campaign::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("campaign.deleted", "campaign", id).changes(json!({ "name": old.row.name })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Launches a draft: at its time, or now. More than [`APPROVAL_ABOVE`] customers wait for
/// someone with `campaigns:approve` unless the launcher holds it. Needs `campaigns:manage`;
/// audited.
///
/// # Errors
/// `CONFLICT` for a stale version, a campaign not a draft, or no public address of links in the
/// messaging settings; `BAD_USER_INPUT` on `stars` for an audience of nobody, on `sendAt` for a
/// time now past.
pub async fn launch(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    version: i32,
) -> Result<Campaign, AppError> {
    scope.require(Permission::CampaignsManage)?;
    let now = Utc::now();
    let current = find(db, scope, id).await?;
    let size = audience::count(db, &current, now).await?;
    if size == 0 {
        return Err(AppError::bad_input("stars", "the audience is empty: nobody would receive it"));
    }
    if current.row.send_at.is_some_and(|at| at < now - Duration::minutes(1)) {
        return Err(AppError::bad_input("sendAt", "is now in the past: edit the campaign to send it now"));
    }
    // Every message carries its unsubscribe link: without the public address none can go.
    if crate::messaging::settings::load(db, scope.workspace_id).await?.link_base.is_none() {
        return Err(AppError::conflict(
            "set the public address of links in the messaging settings before launching a campaign",
        ));
    }
    let needs_approval = size > APPROVAL_ABOVE && !scope.can(Permission::CampaignsApprove);
    let status = if needs_approval { CampaignStatus::AwaitingApproval } else { CampaignStatus::Scheduled };
    let txn = db::begin_write(db).await?;
    editable(&txn, scope, id, version, &[CampaignStatus::Draft], "launched").await?;
    set_status(&txn, id, version, status, |u| {
        u.col_expr(campaign::Column::LaunchedBy, Expr::value(scope.user_id()))
            .col_expr(campaign::Column::LaunchedAt, Expr::value(now))
    })
    .await?;
    audit::record(
        &txn,
        scope,
        Entry::new("campaign.launched", "campaign", id)
            .changes(json!({ "audience": size, "status": status.as_str(), "sendAt": current.row.send_at })),
    )
    .await?;
    let saved = find(&txn, scope, id).await?;
    txn.commit().await?;
    super::sending::WAKE.ring();
    Ok(saved)
}

/// Approves a launch waiting for it. Needs `campaigns:approve`; the launcher cannot approve
/// their own. Audited.
///
/// # Errors
/// `FORBIDDEN`; `CONFLICT` for a stale version, a campaign not waiting, the launcher approving.
pub async fn approve(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    version: i32,
) -> Result<Campaign, AppError> {
    scope.require(Permission::CampaignsApprove)?;
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let current = editable(&txn, scope, id, version, &[CampaignStatus::AwaitingApproval], "approved").await?;
    if current.row.launched_by.is_some() && current.row.launched_by == scope.user_id() {
        return Err(AppError::conflict("someone else must approve a campaign you launched"));
    }
    set_status(&txn, id, version, CampaignStatus::Scheduled, |u| {
        u.col_expr(campaign::Column::ApprovedBy, Expr::value(scope.user_id()))
            .col_expr(campaign::Column::ApprovedAt, Expr::value(now))
    })
    .await?;
    audit::record(
        &txn,
        scope,
        Entry::new("campaign.approved", "campaign", id).changes(json!({ "name": current.row.name })),
    )
    .await?;
    let saved = find(&txn, scope, id).await?;
    txn.commit().await?;
    super::sending::WAKE.ring();
    Ok(saved)
}

/// Stops a campaign: a launch not yet prepared goes back to nothing, and of a campaign sending,
/// every message still queued is withdrawn (those out already stay out). Needs
/// `campaigns:manage`; audited.
///
/// # Errors
/// `CONFLICT` for a stale version or a campaign finished, cancelled or still a draft.
pub async fn cancel(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    version: i32,
) -> Result<Campaign, AppError> {
    scope.require(Permission::CampaignsManage)?;
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let allowed = [CampaignStatus::AwaitingApproval, CampaignStatus::Scheduled, CampaignStatus::Sending];
    let current = editable(&txn, scope, id, version, &allowed, "cancelled").await?;
    set_status(&txn, id, version, CampaignStatus::Cancelled, |u| {
        u.col_expr(campaign::Column::CancelledBy, Expr::value(scope.user_id()))
            .col_expr(campaign::Column::CancelledAt, Expr::value(now))
            .col_expr(campaign::Column::FinishedAt, Expr::value(now))
    })
    .await?;
    let withdrawn = withdraw_queued(&txn, current.row.workspace_id, id).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("campaign.cancelled", "campaign", id)
            .changes(json!({ "name": current.row.name, "withdrawn": withdrawn })),
    )
    .await?;
    let saved = find(&txn, scope, id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Withdraws the campaign's queued messages and marks their recipients cancelled. Returns how
/// many. (A message being sent at this moment still goes; the next sync records it as sent.)
async fn withdraw_queued(conn: &impl ConnectionTrait, workspace_id: Uuid, id: Uuid) -> Result<u64, AppError> {
    use sea_orm::sea_query::Query;
    let origin = format!("campaign:{id}:");
    let withdrawn = message::Entity::update_many()
        .col_expr(message::Column::Status, Expr::value(MessageStatus::Cancelled.as_str()))
        .filter(message::Column::WorkspaceId.eq(workspace_id))
        .filter(message::Column::Origin.starts_with(&origin))
        .filter(message::Column::Status.eq(MessageStatus::Queued.as_str()))
        .exec(conn)
        .await?;
    let cancelled = Query::select()
        .column(message::Column::Id)
        .from(message::Entity)
        .and_where(message::Column::WorkspaceId.eq(workspace_id))
        .and_where(message::Column::Origin.starts_with(&origin))
        .and_where(message::Column::Status.eq(MessageStatus::Cancelled.as_str()))
        .to_owned();
    campaign_recipient::Entity::update_many()
        .col_expr(campaign_recipient::Column::Status, Expr::value(rules::RecipientStatus::Cancelled.as_str()))
        .filter(campaign_recipient::Column::CampaignId.eq(id))
        .filter(campaign_recipient::Column::Status.eq(rules::RecipientStatus::Queued.as_str()))
        .filter(campaign_recipient::Column::MessageId.in_subquery(cancelled))
        .exec(conn)
        .await?;
    Ok(withdrawn.rows_affected)
}

/// Moves a campaign to `status` if it is still at `version`, bumping the version.
///
/// # Errors
/// `CONFLICT` when someone changed it meanwhile.
pub(super) async fn set_status(
    conn: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    status: CampaignStatus,
    more: impl FnOnce(sea_orm::UpdateMany<campaign::Entity>) -> sea_orm::UpdateMany<campaign::Entity>,
) -> Result<(), AppError> {
    let update = campaign::Entity::update_many()
        .col_expr(campaign::Column::Status, Expr::value(status.as_str()))
        .col_expr(campaign::Column::Version, Expr::value(version + 1))
        .col_expr(campaign::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(campaign::Column::Id.eq(id))
        .filter(campaign::Column::Version.eq(version));
    if more(update).exec(conn).await?.rows_affected != 1 {
        return Err(AppError::stale("campaign"));
    }
    Ok(())
}
