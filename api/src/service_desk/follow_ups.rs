//! Follow-ups (回访): calls back to customers. The workspace's cadence calls each star level every
//! so many days (five stars most often); a solved complaint and a lost star plan one on their own.
//! Each goes to the customer's dedicated owner (anyone on the desk when they have none), is due on
//! a day, may be put off, and is done with an outcome that becomes an interaction on the
//! customer's timeline.
//!
//! Generated follow-ups carry a source key (the period, the ticket, the drop) that is unique per
//! workspace, so two replicas, a retried pass or a reopened-and-solved-again complaint never plan
//! one twice. Agents see their own and unowned follow-ups; managers see all.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, NullOrdering, OnConflict, Order};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, TryInsertResult,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::customer::{self as rules, Direction, InteractionKind};
use starcrm_shared::follow_ups::{Cadence, FollowUpReason, FollowUpStatus, is_star_drop};
use starcrm_shared::validate::Invalid;
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::customers::ingest::{self, short_text};
use crate::customers::service as customers;
use crate::db;
use crate::entities::{customer, follow_up, interaction, service_settings, ticket, user, workspace};
use crate::error::AppError;

/// The longest a follow-up may be put off at once, in days.
pub const MAX_SNOOZE_DAYS: i64 = 90;
/// Customers looked at per star level and pass.
const BATCH: u64 = 500;

/// The workspace's cadence (the defaults until it saves one).
///
/// # Errors
/// Database failures.
pub async fn cadence(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Cadence, AppError> {
    let row = service_settings::Entity::find_by_id(workspace_id).one(conn).await?;
    Ok(row.and_then(|r| serde_json::from_str(&r.follow_up_cadence).ok()).unwrap_or_default())
}

/// Saves the workspace's cadence. Needs `service:configure`.
///
/// # Errors
/// `BAD_USER_INPUT` naming the interval at fault.
pub async fn save_cadence(
    db: &DatabaseConnection,
    scope: &Scope,
    cadence: Cadence,
) -> Result<Cadence, AppError> {
    scope.require(Permission::ServiceConfigure)?;
    cadence.validate().map_err(|(field, why)| AppError::invalid(&field, why))?;
    let text = serde_json::to_string(&cadence).map_err(|e| AppError::internal(anyhow::Error::from(e)))?;
    let txn = db::begin_write(db).await?;
    let row = service_settings::ActiveModel {
        workspace_id: Set(scope.workspace_id),
        follow_up_cadence: Set(text),
        updated_by: Set(scope.user_id()),
        updated_at: Set(Utc::now()),
    };
    service_settings::Entity::insert(row)
        .on_conflict(
            OnConflict::column(service_settings::Column::WorkspaceId)
                .update_columns([
                    service_settings::Column::FollowUpCadence,
                    service_settings::Column::UpdatedBy,
                    service_settings::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&*txn)
        .await?;
    let entry = Entry::new("service.follow_up_cadence", "workspace", scope.workspace_id)
        .changes(serde_json::to_value(&cadence).unwrap_or_default());
    audit::record(&*txn, scope, entry).await?;
    txn.commit().await?;
    Ok(cadence)
}

/// A follow-up to plan.
#[derive(Clone, Debug)]
pub struct Plan {
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    pub owner_id: Option<Uuid>,
    pub reason: FollowUpReason,
    pub ticket_id: Option<Uuid>,
    /// What makes it once only (none for one planned by hand).
    pub source_key: Option<String>,
    pub due_at: DateTime<Utc>,
    pub note: Option<String>,
    pub created_by: Option<Uuid>,
}

/// Plans follow-ups in the caller's transaction, skipping those whose source key was planned
/// before; each planned one goes on the change feed. Returns how many were planned.
///
/// # Errors
/// Database failures.
pub async fn plan(
    conn: &impl ConnectionTrait,
    plans: Vec<Plan>,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut planned = 0;
    for p in plans {
        let id = Uuid::now_v7();
        let row = follow_up::ActiveModel {
            id: Set(id),
            workspace_id: Set(p.workspace_id),
            customer_id: Set(p.customer_id),
            owner_id: Set(p.owner_id),
            reason: Set(p.reason.as_str().to_owned()),
            ticket_id: Set(p.ticket_id),
            source_key: Set(p.source_key.clone()),
            due_at: Set(p.due_at),
            status: Set(FollowUpStatus::Open.as_str().to_owned()),
            note: Set(p.note.clone()),
            outcome: Set(None),
            interaction_id: Set(None),
            snoozes: Set(0),
            done_at: Set(None),
            done_by: Set(None),
            created_by: Set(p.created_by),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let inserted = follow_up::Entity::insert(row)
            .on_conflict_do_nothing_on([follow_up::Column::WorkspaceId, follow_up::Column::SourceKey])
            .exec_without_returning(conn)
            .await?;
        if !matches!(inserted, TryInsertResult::Inserted(n) if n > 0) {
            continue;
        }
        planned += 1;
        let change = Change::new(p.workspace_id, Kind::FollowUpPlanned, p.customer_id).with(json!({
            "followUpId": id, "reason": p.reason.as_str(), "ownerId": p.owner_id,
            "ticketId": p.ticket_id, "dueAt": p.due_at,
        }));
        changes::record(conn, vec![change]).await?;
    }
    Ok(planned)
}

/// Whom a follow-up of `customer` goes to: their dedicated owner while active, else anyone.
async fn owner_of(conn: &impl ConnectionTrait, c: &customer::Model) -> Result<Option<Uuid>, AppError> {
    Ok(owners_of(conn, std::slice::from_ref(c)).await?.get(&c.id).copied().flatten())
}

/// [`owner_of`] for many customers in one query: customer id -> owner.
async fn owners_of(
    conn: &impl ConnectionTrait,
    customers: &[customer::Model],
) -> Result<HashMap<Uuid, Option<Uuid>>, AppError> {
    let ids: Vec<Uuid> = customers.iter().filter_map(|c| c.owner_id).collect();
    let active: HashMap<Uuid, Uuid> = if ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .filter(user::Column::Status.eq("active"))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.workspace_id))
            .collect()
    };
    Ok(customers
        .iter()
        .map(|c| {
            let owner = c.owner_id.filter(|o| active.get(o) == Some(&c.workspace_id));
            (c.id, owner)
        })
        .collect())
}

/// Plans the call after a solved complaint (once per ticket, however often it is solved), to
/// whoever solved it, else the customer's owner.
///
/// # Errors
/// Database failures.
pub async fn after_complaint(
    conn: &impl ConnectionTrait,
    t: &ticket::Model,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let Some(days) = cadence(conn, t.workspace_id).await?.after_complaint_days else { return Ok(0) };
    let owner = match t.assignee_id {
        Some(a) => Some(a),
        None => match customer::Entity::find_by_id(t.customer_id).one(conn).await? {
            Some(c) => owner_of(conn, &c).await?,
            None => None,
        },
    };
    let plan_ = Plan {
        workspace_id: t.workspace_id,
        customer_id: t.customer_id,
        owner_id: owner,
        reason: FollowUpReason::Complaint,
        ticket_id: Some(t.id),
        source_key: Some(format!("complaint:{}", t.id)),
        due_at: now + Duration::days(i64::from(days)),
        note: None,
        created_by: None,
    };
    plan(conn, vec![plan_], now).await
}

/// Plans a call to customers who just lost a star (from the star engine's `starsChanged`
/// changes, in its transaction): one open star-drop follow-up per customer at a time.
///
/// # Errors
/// Database failures.
pub async fn after_star_drops(
    conn: &impl ConnectionTrait,
    drops: &[(Uuid, Uuid, Option<i16>, Option<i16>)],
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let as_stars = |s: &Option<i16>| s.and_then(|s| u8::try_from(s).ok());
    let drops: Vec<_> = drops
        .iter()
        .filter(|(_, _, before, after)| is_star_drop(as_stars(before), as_stars(after)))
        .collect();
    if drops.is_empty() {
        return Ok(0);
    }
    // A bulk re-rating drops many stars at once: everything is read once per batch.
    let ids: Vec<Uuid> = drops.iter().map(|(_, c, _, _)| *c).collect();
    let waiting: HashSet<Uuid> = follow_up::Entity::find()
        .select_only()
        .column(follow_up::Column::CustomerId)
        .filter(follow_up::Column::CustomerId.is_in(ids.clone()))
        .filter(follow_up::Column::Reason.eq(FollowUpReason::StarDrop.as_str()))
        .filter(follow_up::Column::Status.eq(FollowUpStatus::Open.as_str()))
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let customers: Vec<customer::Model> = customer::Entity::find()
        .filter(customer::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .filter(|c| !waiting.contains(&c.id) && c.erased_at.is_none() && c.merged_into.is_none())
        .collect();
    let owners = owners_of(conn, &customers).await?;
    let mut cadences: HashMap<Uuid, Cadence> = HashMap::new();
    let mut plans = Vec::new();
    for (workspace_id, customer_id, before, after) in drops {
        let Some(c) = customers.iter().find(|c| c.id == *customer_id) else { continue };
        let cadence = match cadences.get(workspace_id) {
            Some(found) => found,
            None => cadences.entry(*workspace_id).or_insert(cadence(conn, *workspace_id).await?),
        };
        let Some(days) = cadence.after_star_drop_days else { continue };
        plans.push(Plan {
            workspace_id: *workspace_id,
            customer_id: c.id,
            owner_id: owners.get(&c.id).copied().flatten(),
            reason: FollowUpReason::StarDrop,
            ticket_id: None,
            source_key: Some(format!("drop:{customer_id}:{}", now.timestamp_micros())),
            due_at: now + Duration::days(i64::from(days)),
            note: Some(format!("★{} → ★{}", before.map_or(0, i32::from), after.map_or(0, i32::from))),
            created_by: None,
        });
    }
    plan(conn, plans, now).await
}

/// The cadence pass: for each workspace and star level with a cadence, customers not called (nor
/// with a call planned) within the interval, and known for at least that long, get a follow-up
/// due now. Returns how many were planned.
///
/// # Errors
/// Database failures.
pub async fn sweep(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let workspaces: Vec<Uuid> =
        workspace::Entity::find().select_only().column(workspace::Column::Id).into_tuple().all(db).await?;
    let mut planned = 0;
    for workspace_id in workspaces {
        let cadence = cadence(db, workspace_id).await?;
        for stars in 1..=5_u8 {
            let Some(days) = cadence.days_for(Some(stars)) else { continue };
            let since = now - Duration::days(i64::from(days));
            let txn = db::begin_write(db).await?;
            let recent = follow_up::Entity::find()
                .select_only()
                .column(follow_up::Column::Id)
                .filter(
                    Expr::col((follow_up::Entity, follow_up::Column::CustomerId))
                        .equals((customer::Entity, customer::Column::Id)),
                )
                .filter(follow_up::Column::Status.ne(FollowUpStatus::Cancelled.as_str()))
                .filter(
                    Condition::any()
                        .add(follow_up::Column::Status.eq(FollowUpStatus::Open.as_str()))
                        .add(follow_up::Column::CreatedAt.gt(since))
                        .add(follow_up::Column::DoneAt.gt(since)),
                )
                .into_query();
            let due = customer::Entity::find()
                .filter(customer::Column::WorkspaceId.eq(workspace_id))
                .filter(customer::Column::Stars.eq(i16::from(stars)))
                .filter(customer::Column::DeletedAt.is_null())
                .filter(customer::Column::ErasedAt.is_null())
                .filter(customer::Column::MergedInto.is_null())
                .filter(customer::Column::CreatedAt.lte(since))
                .filter(Expr::exists(recent).not())
                .order_by_asc(customer::Column::Id)
                .limit(BATCH)
                .all(&*txn)
                .await?;
            let owners = owners_of(&*txn, &due).await?;
            let mut plans = Vec::with_capacity(due.len());
            for c in &due {
                plans.push(Plan {
                    workspace_id,
                    customer_id: c.id,
                    owner_id: owners.get(&c.id).copied().flatten(),
                    reason: FollowUpReason::Cadence,
                    ticket_id: None,
                    source_key: Some(format!("cadence:{}:{}", c.id, now.date_naive())),
                    due_at: now,
                    note: None,
                    created_by: None,
                });
            }
            planned += plan(&*txn, plans, now).await?;
            txn.commit().await?;
        }
    }
    Ok(planned)
}

/// The end of the workspace's today (its next local midnight), for the due list.
///
/// # Errors
/// Database failures.
pub async fn end_of_today(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, AppError> {
    let tz: chrono_tz::Tz = workspace::Entity::find_by_id(workspace_id)
        .one(conn)
        .await?
        .and_then(|w| w.timezone.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    let tomorrow = now.with_timezone(&tz).date_naive() + Duration::days(1);
    Ok(tomorrow
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(tz).earliest())
        .map_or(now + Duration::days(1), |t| t.with_timezone(&Utc)))
}

/// Which follow-ups a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum FollowUpView {
    /// Open ones of the signed-in staff member, due or not.
    Mine,
    /// Open ones due by the end of today (overdue included).
    Due,
    /// Open ones due later.
    Upcoming,
    /// Every open one.
    Open,
    /// Done ones, most recent first.
    Done,
    /// Everything, cancelled included.
    All,
}

/// The condition that keeps the follow-ups the caller may see: agents their own and unowned
/// ones; desk managers and integrations all.
fn reach(scope: &Scope) -> Condition {
    match scope.user_id() {
        Some(me) if !scope.can(Permission::ServiceConfigure) => {
            Condition::any().add(follow_up::Column::OwnerId.is_null()).add(follow_up::Column::OwnerId.eq(me))
        }
        _ => Condition::all(),
    }
}

/// What to list.
#[derive(Clone, Copy, Debug)]
pub struct Query {
    pub view: FollowUpView,
    pub customer_id: Option<Uuid>,
    /// The end of "today" for `DUE` (the caller's local midnight).
    pub due_by: DateTime<Utc>,
    pub offset: u64,
    pub limit: u64,
}

/// A page of follow-ups and how many the list holds: open ones soonest due first, done ones
/// latest first. Needs `service:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` on `view` for `MINE` asked by an integration.
pub async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    q: Query,
) -> Result<(Vec<follow_up::Model>, u64), AppError> {
    use follow_up::Column as C;
    scope.require(Permission::ServiceManage)?;
    let open = FollowUpStatus::Open.as_str();
    let mut select =
        follow_up::Entity::find().filter(C::WorkspaceId.eq(scope.workspace_id)).filter(reach(scope));
    select = match q.view {
        FollowUpView::Mine => {
            let me = scope.user_id().ok_or_else(|| {
                AppError::bad_input("view", "MINE is for signed-in staff; an API token has no follow-ups")
            })?;
            select.filter(C::Status.eq(open)).filter(C::OwnerId.eq(me))
        }
        FollowUpView::Due => select.filter(C::Status.eq(open)).filter(C::DueAt.lt(q.due_by)),
        FollowUpView::Upcoming => select.filter(C::Status.eq(open)).filter(C::DueAt.gte(q.due_by)),
        FollowUpView::Open => select.filter(C::Status.eq(open)),
        FollowUpView::Done => select.filter(C::Status.eq(FollowUpStatus::Done.as_str())),
        FollowUpView::All => select,
    };
    if let Some(customer) = q.customer_id {
        select = select.filter(C::CustomerId.eq(customer));
    }
    select = if q.view == FollowUpView::Done {
        select.order_by_desc(C::DoneAt).order_by_desc(C::Id)
    } else {
        // Soonest due first; calls planned at the same time (a cadence pass), best customers first.
        select
            .join(
                JoinType::InnerJoin,
                follow_up::Entity::belongs_to(customer::Entity)
                    .from(C::CustomerId)
                    .to(customer::Column::Id)
                    .into(),
            )
            .order_by_asc(C::DueAt)
            .order_by_with_nulls(customer::Column::Stars, Order::Desc, NullOrdering::Last)
            .order_by_asc(C::Id)
    };
    let total = select.clone().count(db).await?;
    if q.limit == 0 {
        return Ok((Vec::new(), total));
    }
    Ok((select.offset(q.offset).limit(q.limit).all(db).await?, total))
}

/// A follow-up of the caller's workspace that the caller may see.
///
/// # Errors
/// `NOT_FOUND` otherwise.
pub async fn find(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<follow_up::Model, AppError> {
    scope.require(Permission::ServiceManage)?;
    follow_up::Entity::find_by_id(id)
        .filter(follow_up::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(reach(scope))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "follow-up" })
}

fn require_open(f: &follow_up::Model) -> Result<(), AppError> {
    if f.status == FollowUpStatus::Open.as_str() {
        Ok(())
    } else {
        Err(AppError::conflict(format!("the follow-up is {}", f.status)))
    }
}

/// Plans a follow-up by hand, for `owner_id` (the caller when none; an integration's go to the
/// customer's owner). Needs `service:manage`.
///
/// # Errors
/// `NOT_FOUND` for a customer of another workspace; `BAD_USER_INPUT` on `ownerId` or `dueAt`.
pub async fn create(
    db: &DatabaseConnection,
    scope: &Scope,
    customer_id: Uuid,
    owner_id: Option<Uuid>,
    due_at: DateTime<Utc>,
    note: Option<String>,
) -> Result<follow_up::Model, AppError> {
    scope.require(Permission::ServiceManage)?;
    let note = short_text("note", note.as_deref(), rules::TEXT_MAX_CHARS)?;
    let now = Utc::now();
    if due_at < now - Duration::days(1) || due_at > now + Duration::days(730) {
        return Err(AppError::bad_input("dueAt", "must be from yesterday to two years ahead"));
    }
    let txn = db::begin_write(db).await?;
    let c = customers::find(&*txn, scope, customer_id).await?;
    if c.erased_at.is_some() || c.deleted_at.is_some() {
        return Err(AppError::conflict("the customer is deleted"));
    }
    let owner = match owner_id.or(scope.user_id()) {
        Some(who) => {
            let found = user::Entity::find_by_id(who)
                .filter(user::Column::WorkspaceId.eq(scope.workspace_id))
                .one(&*txn)
                .await?;
            if !found.as_ref().is_some_and(super::teams::serves_customers) {
                return Err(AppError::bad_input(
                    "ownerId",
                    "is not an active staff member who serves customers",
                ));
            }
            if Some(who) != scope.user_id()
                && !scope.can(Permission::ServiceConfigure)
                && scope.user_id().is_some()
            {
                return Err(AppError::missing_permission(Permission::ServiceConfigure));
            }
            Some(who)
        }
        None => owner_of(&*txn, &c).await?,
    };
    let id_key = Uuid::now_v7();
    let p = Plan {
        workspace_id: scope.workspace_id,
        customer_id: c.id,
        owner_id: owner,
        reason: FollowUpReason::Manual,
        ticket_id: None,
        source_key: Some(format!("manual:{id_key}")),
        due_at,
        note,
        created_by: scope.user_id(),
    };
    plan(&*txn, vec![p], now).await?;
    let row = follow_up::Entity::find()
        .filter(follow_up::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(follow_up::Column::SourceKey.eq(format!("manual:{id_key}")))
        .one(&*txn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the planned follow-up is missing")))?;
    audit::record(
        &*txn,
        scope,
        Entry::new("follow_up.create", "follow_up", row.id).changes(json!({
            "customerId": row.customer_id, "ownerId": row.owner_id, "dueAt": row.due_at,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Puts an open follow-up off until `until` (at most [`MAX_SNOOZE_DAYS`] ahead). Needs
/// `service:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` on `until`; `CONFLICT` for one that is done or cancelled.
pub async fn snooze(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    until: DateTime<Utc>,
) -> Result<follow_up::Model, AppError> {
    scope.require(Permission::ServiceManage)?;
    let now = Utc::now();
    if until <= now || until > now + Duration::days(MAX_SNOOZE_DAYS) {
        return Err(AppError::bad_input(
            "until",
            format!("must be later today or within {MAX_SNOOZE_DAYS} days"),
        ));
    }
    let txn = db::begin_write(db).await?;
    let f = find(&*txn, scope, id).await?;
    require_open(&f)?;
    let before = f.due_at;
    let mut row = f.into_active_model();
    row.due_at = Set(until);
    row.snoozes = Set(row.snoozes.clone().unwrap() + 1);
    row.updated_at = Set(now);
    let row = row.update(&*txn).await?;
    audit::record(
        &*txn,
        scope,
        Entry::new("follow_up.snooze", "follow_up", row.id).changes(json!({
            "dueAt": [before, until],
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Marks an open follow-up done with what came of it: the outcome becomes an outbound
/// interaction (a call unless said otherwise) on the customer's timeline, and counts as
/// contact. Needs `service:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` on `outcome` (required); `CONFLICT` for one that is done or cancelled.
pub async fn complete(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    outcome: &str,
    kind: Option<InteractionKind>,
) -> Result<follow_up::Model, AppError> {
    scope.require(Permission::ServiceManage)?;
    let outcome = short_text("outcome", Some(outcome), rules::NOTES_MAX_CHARS)?
        .ok_or_else(|| AppError::invalid("outcome", Invalid::Required))?;
    let kind = kind.unwrap_or(InteractionKind::Call);
    let txn = db::begin_write(db).await?;
    let f = find(&*txn, scope, id).await?;
    require_open(&f)?;
    let c = customers::find(&*txn, scope, f.customer_id).await?;
    let now = Utc::now();
    let record = interaction::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        customer_id: Set(c.id),
        kind: Set(kind.as_str().to_owned()),
        direction: Set(Direction::Outbound.as_str().to_owned()),
        channel: Set(Some(ingest::channel_of_kind(kind).as_str().to_owned())),
        subject: Set(Some("回访 · Follow-up".to_owned())),
        body: Set(Some(outcome.clone())),
        agent_id: Set(scope.user_id()),
        occurred_at: Set(now),
        external_ref: Set(None),
        import_id: Set(None),
        import_row: Set(None),
        created_at: Set(now),
    }
    .insert(&*txn)
    .await?;
    let mut row = f.into_active_model();
    row.status = Set(FollowUpStatus::Done.as_str().to_owned());
    row.outcome = Set(Some(outcome));
    row.interaction_id = Set(Some(record.id));
    row.done_at = Set(Some(now));
    row.done_by = Set(scope.user_id());
    row.updated_at = Set(now);
    let row = row.update(&*txn).await?;
    let events = vec![
        Change::new(scope.workspace_id, Kind::InteractionRecorded, c.id).with(json!({
            "interactionId": record.id, "kind": record.kind, "direction": record.direction,
            "channel": record.channel, "occurredAt": record.occurred_at, "externalRef": null,
        })),
        Change::new(scope.workspace_id, Kind::FollowUpDone, c.id).with(json!({
            "followUpId": row.id, "reason": row.reason, "interactionId": record.id,
        })),
    ];
    changes::record(&*txn, events).await?;
    ingest::touch_activity(&*txn, &c, now, false).await?;
    audit::record(
        &*txn,
        scope,
        Entry::new("follow_up.done", "follow_up", row.id).changes(json!({
            "interactionId": record.id,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Cancels an open follow-up that is no longer needed. Needs `service:manage`.
///
/// # Errors
/// `CONFLICT` for one that is done or cancelled.
pub async fn cancel(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> Result<follow_up::Model, AppError> {
    scope.require(Permission::ServiceManage)?;
    let txn = db::begin_write(db).await?;
    let f = find(&*txn, scope, id).await?;
    require_open(&f)?;
    let mut row = f.into_active_model();
    row.status = Set(FollowUpStatus::Cancelled.as_str().to_owned());
    row.updated_at = Set(Utc::now());
    let row = row.update(&*txn).await?;
    audit::record(&*txn, scope, Entry::new("follow_up.cancel", "follow_up", row.id)).await?;
    txn.commit().await?;
    Ok(row)
}
