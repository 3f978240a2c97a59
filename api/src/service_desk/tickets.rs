//! Tickets: opened by staff or by an integration from its channel (idempotent on `externalRef`,
//! the customer found or created as a purchase push does), then a thread, status changes,
//! assignment and priority. Every change recomputes the deadlines from the ticket's history, is
//! written to the ticket's own history, and goes on the change feed.

use std::collections::HashMap;
use std::collections::hash_map::Entry as Slot;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::customer::{self as rules, Channel};
use starcrm_shared::rating::Trigger;
use starcrm_shared::service_desk::{
    self as desk, Clock, MessageKind, SlaSubject, SlaTarget, TicketKind, TicketPriority, TicketStatus,
};
use starcrm_shared::validate::Invalid;
use uuid::Uuid;

use super::policy::{self, Policy};
use super::teams;
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::customers::aggregates;
use crate::customers::identities::{self, CustomerRef};
use crate::customers::ingest::{self, external_ref, lost_race, short_text};
use crate::db;
use crate::entities::{
    customer, sla_miss, ticket, ticket_change, ticket_message, ticket_tag, transaction, user,
};
use crate::error::AppError;
use crate::ratings::engine;

/// A solved ticket may be reopened (by the customer writing again, or by staff) for this long;
/// after it the customer opens a new one.
pub const REOPEN_DAYS: i64 = 7;
/// How long before a deadline the warning goes out (`ticketDueSoon` on the change feed).
pub const WARN_MINUTES: i64 = 30;
pub use starcrm_shared::service_desk::SUBJECT_MAX;
/// How often a write that lost a race (two openings with one `externalRef`, two tickets taking
/// the same number) is tried.
const ATTEMPTS: usize = 3;

/// A ticket as staff or an integration opens it.
#[derive(Clone, Debug)]
pub struct NewTicket {
    pub customer: CustomerRef,
    pub kind: TicketKind,
    pub channel: Channel,
    pub subject: String,
    pub description: Option<String>,
    /// The purchase an after-sales ticket is about (the customer's own).
    pub transaction_id: Option<Uuid>,
    /// A priority set by hand instead of the one stars and kind give; needs a reason.
    pub priority: Option<TicketPriority>,
    pub priority_reason: Option<String>,
    pub external_ref: Option<String>,
    /// Labels for finding it again.
    pub tags: Vec<String>,
}

/// What opening did.
#[derive(Clone, Debug)]
pub struct Opened {
    pub ticket: ticket::Model,
    /// False when `externalRef` was seen before and this is the ticket opened then.
    pub created: bool,
    pub customer_created: bool,
}

fn parse<T>(value: &str, parse: fn(&str) -> Option<T>, what: &str) -> Result<T, AppError> {
    parse(value).ok_or_else(|| AppError::internal(anyhow::anyhow!("stored {what} `{value}` is unknown")))
}

/// The ticket's status, kind, channel and priority as enums.
pub fn status_of(t: &ticket::Model) -> Result<TicketStatus, AppError> {
    parse(&t.status, TicketStatus::parse, "ticket status")
}

pub fn kind_of(t: &ticket::Model) -> Result<TicketKind, AppError> {
    parse(&t.kind, TicketKind::parse, "ticket kind")
}

pub fn priority_of(t: &ticket::Model) -> Result<TicketPriority, AppError> {
    parse(&t.priority, TicketPriority::parse, "ticket priority")
}

fn channel_of(t: &ticket::Model) -> Result<Channel, AppError> {
    parse(&t.channel, Channel::parse, "ticket channel")
}

/// The ticket of the workspace opened with this `externalRef`, if the sender gave one.
async fn by_ref(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    reference: Option<&str>,
) -> Result<Option<ticket::Model>, AppError> {
    let Some(reference) = reference else { return Ok(None) };
    Ok(ticket::Entity::find()
        .filter(ticket::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(ticket::Column::ExternalRef.eq(reference))
        .one(conn)
        .await?)
}

fn reason(field: &str, value: Option<&str>) -> Result<String, AppError> {
    short_text(field, value, 500)?.ok_or_else(|| AppError::invalid(field, Invalid::Required))
}

fn stars_of(value: Option<i16>) -> Option<u8> {
    value.and_then(|s| u8::try_from(s).ok())
}

/// Opens a ticket. Needs `service:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field; `NOT_FOUND` for an unknown customer or purchase.
pub async fn open(db: &DatabaseConnection, scope: &Scope, input: NewTicket) -> Result<Opened, AppError> {
    scope.require(Permission::ServiceManage)?;
    let reference = identities::validate_ref(input.customer)?;
    let subject = starcrm_shared::validate::name(&input.subject, SUBJECT_MAX)
        .map_err(|r| AppError::invalid("subject", r))?;
    let description = short_text("description", input.description.as_deref(), rules::NOTES_MAX_CHARS)?;
    let own_ref = external_ref(input.external_ref.as_deref())?;
    let tags = checked_tags(&input.tags)?;
    let priority_reason = match input.priority {
        Some(_) => Some(reason("priorityReason", input.priority_reason.as_deref())?),
        None => None,
    };
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let attempt = async {
            let txn = db::begin_write(db).await?;
            if let Some(first) = by_ref(&*txn, scope, own_ref.as_deref()).await? {
                txn.commit().await?;
                return Ok(Opened { ticket: first, created: false, customer_created: false });
            }
            let (customer, customer_created) =
                ingest::find_or_create(&txn, scope, &reference, input.channel, None).await?;
            if let Some(id) = input.transaction_id {
                check_purchase(&*txn, scope, id, customer.id).await?;
            }
            if input.kind == TicketKind::Complaint {
                rate_complaint(&txn, scope, &customer).await?;
            }
            let number = next_number(&*txn, scope.workspace_id).await?;
            let policy = policy::active(&*txn, scope.workspace_id).await?;
            let now = Utc::now();
            let stars = stars_of(customer.stars);
            let priority = input.priority.unwrap_or_else(|| TicketPriority::derived(input.kind, stars));
            let (team, assignee, how) = route(&*txn, (input.kind, input.channel), &customer, now).await?;
            let mut row = ticket::Model {
                id: Uuid::now_v7(),
                workspace_id: scope.workspace_id,
                number,
                customer_id: customer.id,
                kind: input.kind.as_str().to_owned(),
                channel: input.channel.as_str().to_owned(),
                subject: subject.clone(),
                description: description.clone(),
                status: TicketStatus::New.as_str().to_owned(),
                priority: priority.as_str().to_owned(),
                priority_reason: priority_reason.clone(),
                assignee_id: assignee,
                team_id: team.as_ref().map(|t| t.id),
                transaction_id: input.transaction_id,
                upheld: None,
                root_cause_id: None,
                resolution: None,
                external_ref: own_ref.clone(),
                stars: customer.stars,
                sla_policy_id: policy.id,
                sla_rule: None,
                first_response_due: None,
                next_response_due: None,
                resolution_due: None,
                next_due: None,
                breach_check_at: None,
                warned_due: None,
                warn_check_at: None,
                waiting_since: None,
                first_responded_at: None,
                solved_at: None,
                closed_at: None,
                created_by: scope.user_id(),
                created_at: now,
                updated_at: now,
            };
            schedule(&mut row, &policy, &[(now, TicketStatus::New)], &[])?;
            let row = row.into_active_model().reset_all().insert(&*txn).await.map_err(|e| {
                AppError::unique_or_internal(e, "externalRef", "a ticket with this externalRef exists")
            })?;
            record_opening(&txn, scope, &row, (how, &tags), &customer).await?;
            txn.commit().await?;
            if input.kind == TicketKind::Complaint {
                // Purchases from now on count it, even the workspace's first.
                engine::Context::forget(scope.workspace_id);
            }
            Ok(Opened { ticket: row, created: true, customer_created })
        };
        match attempt.await {
            Err(err) if lost_race(&err) => last = Some(err),
            other => return other,
        }
    }
    Err(match last {
        Some(AppError::Internal(_)) => {
            AppError::conflict("another ticket was opened at the same time; try again")
        }
        Some(err) => err,
        None => AppError::internal(anyhow::anyhow!("no attempt made")),
    })
}

/// What opening a ticket writes beside it: its first history (with `how` it was given), its
/// tags, the change, the customer's activity and the audit entry.
async fn record_opening(
    txn: &db::WriteTxn,
    scope: &Scope,
    row: &ticket::Model,
    (how, tags): (&str, &[String]),
    customer: &customer::Model,
) -> Result<(), AppError> {
    ticket_change::Entity::insert_many(opening_history(row, scope, how))
        .exec_without_returning(&**txn)
        .await?;
    write_tags(&**txn, row, tags).await?;
    changes::record(&**txn, vec![event(Kind::TicketOpened, row)]).await?;
    // Coming to the desk is contact: the customer was active now.
    ingest::touch_activity(&**txn, customer, row.created_at, false).await?;
    let entry = Entry::new("ticket.open", "ticket", row.id).changes(json!({
        "number": row.number, "customerId": row.customer_id, "kind": row.kind,
        "channel": row.channel, "priority": row.priority, "slaRule": row.sla_rule,
    }));
    audit::record(&**txn, scope, entry).await
}

/// Where a new ticket goes: the team that takes its kind and channel, and the customer's
/// dedicated owner while active, else round robin in the team; with how it was given.
async fn route(
    conn: &impl ConnectionTrait,
    (kind, channel): (TicketKind, Channel),
    customer: &customer::Model,
    now: DateTime<Utc>,
) -> Result<(Option<crate::entities::team::Model>, Option<Uuid>, &'static str), AppError> {
    let team = teams::route(conn, customer.workspace_id, kind, channel).await?;
    if let Some(owner) = dedicated_owner(conn, customer.workspace_id, customer).await? {
        return Ok((team, Some(owner), "dedicated owner"));
    }
    let dealt = match &team {
        Some(team) => teams::deal(conn, team, now).await?,
        None => None,
    };
    Ok((team, dealt, "round robin"))
}

/// Rates the customer with the complaint about to be recorded counted (complaints weigh against
/// the score): their other open tickets are re-based if their stars change; the new ticket keeps
/// the stars the customer came with.
async fn rate_complaint(
    txn: &db::WriteTxn,
    scope: &Scope,
    customer: &customer::Model,
) -> Result<(), AppError> {
    if !engine::realtime() {
        return Ok(());
    }
    // A workspace's first complaint starts the criterion counting: read the context afresh and
    // count complaints whatever it says (this one is about to be recorded). The cached context
    // is forgotten once the ticket is committed.
    let ctx = engine::Context::load(&**txn, scope.workspace_id).await?;
    let now = Utc::now();
    let basis = aggregates::Basis { complaints_tracked: Some(true), ..ctx.basis(now) };
    let mut agg = aggregates::compute(&**txn, customer.id, &basis).await?;
    agg.window_complaints = Some(agg.window_complaints.unwrap_or(0).saturating_add(1));
    let cause = engine::Cause::of(scope, Trigger::Complaint);
    engine::store(&**txn, &ctx, customer, &agg, &cause, now, Vec::new()).await?;
    Ok(())
}

/// An after-sales ticket's purchase: one of the workspace's, bought by the ticket's customer.
async fn check_purchase(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
    customer_id: Uuid,
) -> Result<(), AppError> {
    let purchase = transaction::Entity::find_by_id(id)
        .filter(transaction::Column::WorkspaceId.eq(scope.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "transaction" })?;
    if purchase.customer_id != customer_id {
        return Err(AppError::bad_input("transactionId", "is a purchase of another customer"));
    }
    Ok(())
}

/// What a new ticket's history starts with: its status, a priority set by hand, the team it was
/// routed to, and whom it went to and how (`dedicated owner`, `round robin`).
fn opening_history(row: &ticket::Model, scope: &Scope, how: &str) -> Vec<ticket_change::ActiveModel> {
    let at = row.created_at;
    let mut history =
        vec![change_row(row, scope, "status", None, Some(TicketStatus::New.as_str()), None, at)];
    if let Some(why) = &row.priority_reason {
        history.push(change_row(row, scope, "priority", None, Some(&row.priority), Some(why), at));
    }
    if let Some(team) = row.team_id {
        let team = team.to_string();
        history.push(change_row(row, scope, "team", None, Some(&team), Some("routed"), at));
    }
    if let Some(owner) = row.assignee_id {
        let owner = owner.to_string();
        history.push(change_row(row, scope, "assignee", None, Some(&owner), Some(how), at));
    }
    history
}

async fn next_number(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<i64, AppError> {
    let last: Option<Option<i64>> = ticket::Entity::find()
        .select_only()
        .column_as(ticket::Column::Number.max(), "n")
        .filter(ticket::Column::WorkspaceId.eq(workspace_id))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(last.flatten().unwrap_or(0) + 1)
}

/// The customer's dedicated owner, while they are an active staff member who serves customers
/// and has not marked themselves away.
async fn dedicated_owner(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    customer: &customer::Model,
) -> Result<Option<Uuid>, AppError> {
    let Some(owner) = customer.owner_id else { return Ok(None) };
    let Some(found) =
        user::Entity::find_by_id(owner).filter(user::Column::WorkspaceId.eq(workspace_id)).one(conn).await?
    else {
        return Ok(None);
    };
    if !teams::serves_customers(&found) || teams::is_away(conn, workspace_id, found.id).await? {
        return Ok(None);
    }
    Ok(Some(found.id))
}

fn change_row(
    t: &ticket::Model,
    scope: &Scope,
    field: &str,
    from: Option<&str>,
    to: Option<&str>,
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> ticket_change::ActiveModel {
    ticket_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(t.workspace_id),
        ticket_id: Set(t.id),
        field: Set(field.to_owned()),
        from_value: Set(from.map(str::to_owned)),
        to_value: Set(to.map(str::to_owned)),
        reason: Set(reason.map(str::to_owned)),
        actor_id: Set(scope.actor_id()),
        at: Set(at),
    }
}

/// A ticket change for the feed: ids and states, never the subject or the thread.
pub(crate) fn event(kind: Kind, t: &ticket::Model) -> Change {
    Change::new(t.workspace_id, kind, t.customer_id).with(json!({
        "ticketId": t.id,
        "number": t.number,
        "kind": t.kind,
        "status": t.status,
        "priority": t.priority,
        "assigneeId": t.assignee_id,
        "teamId": t.team_id,
        "nextDue": t.next_due,
        "externalRef": t.external_ref,
    }))
}

/// Sets the rule and deadlines of `t` under `policy` from its status history (oldest first) and
/// the targets it already missed: `next_due` is the soonest deadline still running (the queues
/// sort on it), `breach_check_at` the soonest not yet recorded as missed, `warn_check_at`
/// [`WARN_MINUTES`] before it unless that deadline was warned about already.
pub fn schedule(
    t: &mut ticket::Model,
    policy: &Policy,
    history: &[(DateTime<Utc>, TicketStatus)],
    missed: &[SlaTarget],
) -> Result<(), AppError> {
    let status = status_of(t)?;
    let subject = SlaSubject {
        stars: stars_of(t.stars),
        kind: kind_of(t)?,
        channel: channel_of(t)?,
        priority: priority_of(t)?,
    };
    let rule = desk::matching_rule(&policy.rules, &subject).map(|(_, r)| r);
    t.sla_rule = rule.map(|r| r.name.clone());
    let due = rule
        .map(|rule| {
            let clock = Clock { opened_at: t.created_at, history, waiting_since: t.waiting_since };
            desk::deadlines(&policy.calendar, rule, &clock)
        })
        .unwrap_or_default();
    t.first_response_due = due.first_response;
    t.next_response_due = due.next_response;
    t.resolution_due = due.resolution;
    let mut next = None;
    let mut check = None;
    if status.is_active() {
        for target in SlaTarget::ALL.iter().copied().filter(|&x| running(t, x)) {
            let Some(at) = due.get(target) else { continue };
            next = Some(next.map_or(at, |n: DateTime<Utc>| n.min(at)));
            if !missed.contains(&target) {
                check = Some(check.map_or(at, |n: DateTime<Utc>| n.min(at)));
            }
        }
    }
    t.next_due = next;
    t.breach_check_at = check;
    // A warning is due ahead of the soonest deadline not yet missed, unless given for it already.
    t.warn_check_at =
        check.filter(|at| t.warned_due != Some(*at)).map(|at| at - Duration::minutes(WARN_MINUTES));
    Ok(())
}

/// Whether `target`'s clock still runs on `t`: the first response until the first reply, the
/// next response while a customer's message waits, the resolution until solved.
pub const fn running(t: &ticket::Model, target: SlaTarget) -> bool {
    match target {
        SlaTarget::FirstResponse => t.first_responded_at.is_none(),
        SlaTarget::NextResponse => t.waiting_since.is_some(),
        SlaTarget::Resolution => t.solved_at.is_none(),
    }
}

/// `t`'s deadline for `target`, as last computed.
pub const fn due_of(t: &ticket::Model, target: SlaTarget) -> Option<DateTime<Utc>> {
    match target {
        SlaTarget::FirstResponse => t.first_response_due,
        SlaTarget::NextResponse => t.next_response_due,
        SlaTarget::Resolution => t.resolution_due,
    }
}

/// The status history of a ticket, oldest first.
pub async fn history(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
) -> Result<Vec<(DateTime<Utc>, TicketStatus)>, AppError> {
    let rows = ticket_change::Entity::find()
        .filter(ticket_change::Column::TicketId.eq(ticket_id))
        .filter(ticket_change::Column::Field.eq("status"))
        .order_by_asc(ticket_change::Column::At)
        .order_by_asc(ticket_change::Column::Id)
        .all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let to = r.to_value.as_deref().unwrap_or_default();
            Ok((r.at, parse(to, TicketStatus::parse, "ticket status")?))
        })
        .collect()
}

/// The targets a ticket already missed.
pub async fn missed(conn: &impl ConnectionTrait, ticket_id: Uuid) -> Result<Vec<SlaTarget>, AppError> {
    let rows = sla_miss::Entity::find().filter(sla_miss::Column::TicketId.eq(ticket_id)).all(conn).await?;
    rows.iter().map(|r| parse(&r.target, SlaTarget::parse, "SLA target")).collect()
}

/// Recomputes the deadlines of a ticket from its stored history under its policy version.
pub async fn reschedule(conn: &impl ConnectionTrait, t: &mut ticket::Model) -> Result<(), AppError> {
    let policy = policy::version(conn, t.workspace_id, t.sla_policy_id).await?;
    let history = history(conn, t.id).await?;
    let missed = missed(conn, t.id).await?;
    schedule(t, &policy, &history, &missed)
}

/// A ticket of the caller's workspace that the caller may see (another team's is not found),
/// locked for the change (PostgreSQL; SQLite's writer holds the whole database).
async fn locked(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<ticket::Model, AppError> {
    let reach = teams::reach(conn, scope).await?;
    let mut select = ticket::Entity::find_by_id(id)
        .filter(ticket::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(reach.condition());
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        select = select.lock_exclusive();
    }
    select.one(conn).await?.ok_or(AppError::NotFound { entity: "ticket" })
}

/// A ticket of the caller's workspace that the caller may see. Needs `service:manage`.
///
/// # Errors
/// `NOT_FOUND` for a ticket of another workspace or of a team an agent is not in (or none).
pub async fn find(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<ticket::Model, AppError> {
    find_where(conn, scope, ticket::Column::Id.eq(id)).await
}

/// The ticket staff quote as `code` (`T000042`, `#42`, `42`), if the caller may see it.
///
/// # Errors
/// `BAD_USER_INPUT` on `code` when it is not a ticket code; `NOT_FOUND` when there is no such
/// ticket the caller may see.
pub async fn find_by_code(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    code: &str,
) -> Result<ticket::Model, AppError> {
    let number = starcrm_shared::service_desk::parse_ticket_code(code)
        .ok_or_else(|| AppError::bad_input("code", "a ticket code looks like T000042 or 42"))?;
    find_where(conn, scope, ticket::Column::Number.eq(number)).await
}

async fn find_where(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    which: sea_orm::sea_query::SimpleExpr,
) -> Result<ticket::Model, AppError> {
    scope.require(Permission::ServiceManage)?;
    let reach = teams::reach(conn, scope).await?;
    ticket::Entity::find()
        .filter(which)
        .filter(ticket::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(reach.condition())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "ticket" })
}

/// Writes every column of a changed ticket.
async fn save(
    conn: &impl ConnectionTrait,
    mut t: ticket::Model,
    now: DateTime<Utc>,
) -> Result<ticket::Model, AppError> {
    t.updated_at = now;
    Ok(t.into_active_model().reset_all().update(conn).await?)
}

/// Moves `t` to `to`, recording the change; refuses moves the status rules forbid.
fn move_status(
    t: &mut ticket::Model,
    scope: &Scope,
    to: TicketStatus,
    why: Option<&str>,
    now: DateTime<Utc>,
    rows: &mut Vec<ticket_change::ActiveModel>,
) -> Result<(), AppError> {
    let from = status_of(t)?;
    if from == to {
        return Ok(());
    }
    if !from.can_move_to(to) {
        return Err(AppError::conflict(format!("a {} ticket cannot become {}", from.as_str(), to.as_str())));
    }
    if from == TicketStatus::Solved && t.solved_at.is_some_and(|at| now - at > Duration::days(REOPEN_DAYS)) {
        return Err(AppError::conflict(format!(
            "solved more than {REOPEN_DAYS} days ago: open a new ticket instead"
        )));
    }
    match to {
        TicketStatus::Solved => t.solved_at = Some(now),
        TicketStatus::Closed => t.closed_at = Some(now),
        TicketStatus::Open if from == TicketStatus::Solved => t.solved_at = None,
        _ => {}
    }
    rows.push(change_row(t, scope, "status", Some(from.as_str()), Some(to.as_str()), why, now));
    to.as_str().clone_into(&mut t.status);
    Ok(())
}

/// Stores the ticket's history rows, recomputes its deadlines, saves it and records the change.
async fn commit_change(
    txn: db::WriteTxn,
    scope: &Scope,
    t: ticket::Model,
    rows: Vec<ticket_change::ActiveModel>,
    audit_entry: Option<Entry>,
    now: DateTime<Utc>,
) -> Result<ticket::Model, AppError> {
    let t = commit_change_uncommitted(&txn, scope, t, rows, audit_entry, now).await?;
    txn.commit().await?;
    Ok(t)
}

/// [`commit_change`] without the commit, for a caller with more to do in the transaction.
async fn commit_change_uncommitted(
    txn: &db::WriteTxn,
    scope: &Scope,
    mut t: ticket::Model,
    rows: Vec<ticket_change::ActiveModel>,
    audit_entry: Option<Entry>,
    now: DateTime<Utc>,
) -> Result<ticket::Model, AppError> {
    if !rows.is_empty() {
        ticket_change::Entity::insert_many(rows).exec_without_returning(&**txn).await?;
    }
    reschedule(&**txn, &mut t).await?;
    let t = save(&**txn, t, now).await?;
    changes::record(&**txn, vec![event(Kind::TicketChanged, &t)]).await?;
    if let Some(entry) = audit_entry {
        audit::record(&**txn, scope, entry).await?;
    }
    Ok(t)
}

/// A message for a ticket's thread.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub ticket_id: Uuid,
    pub kind: MessageKind,
    pub body: String,
    pub external_ref: Option<String>,
}

/// Adds a message to a ticket's thread. A reply answers the customer (the first one meets the
/// first-response target; a new ticket becomes open); a customer's message restarts the clock
/// of a ticket waiting on them and reopens a solved one. Needs `service:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` for an empty or too long body; `CONFLICT` on a closed ticket.
pub async fn add_message(
    db: &DatabaseConnection,
    scope: &Scope,
    input: NewMessage,
) -> Result<(ticket::Model, ticket_message::Model, bool), AppError> {
    scope.require(Permission::ServiceManage)?;
    let body = short_text("body", Some(&input.body), rules::NOTES_MAX_CHARS)?
        .ok_or_else(|| AppError::invalid("body", Invalid::Required))?;
    let own_ref = external_ref(input.external_ref.as_deref())?;
    let txn = db::begin_write(db).await?;
    let mut t = locked(&*txn, scope, input.ticket_id).await?;
    if let Some(reference) = &own_ref
        && let Some(first) = ticket_message::Entity::find()
            .filter(ticket_message::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(ticket_message::Column::ExternalRef.eq(reference.as_str()))
            .one(&*txn)
            .await?
    {
        if first.ticket_id != t.id {
            return Err(AppError::Conflict {
                field: Some("externalRef".into()),
                message: "a message of another ticket has this externalRef".into(),
            });
        }
        txn.commit().await?;
        return Ok((t, first, false));
    }
    if status_of(&t)? == TicketStatus::Closed {
        return Err(AppError::conflict("the ticket is closed: open a new one"));
    }
    let now = Utc::now();
    let mut rows = Vec::new();
    match input.kind {
        MessageKind::Reply => {
            t.first_responded_at.get_or_insert(now);
            t.waiting_since = None;
            if status_of(&t)? == TicketStatus::New {
                move_status(&mut t, scope, TicketStatus::Open, Some("replied"), now, &mut rows)?;
            }
        }
        MessageKind::Inbound => {
            if t.first_responded_at.is_some() && t.waiting_since.is_none() {
                t.waiting_since = Some(now);
            }
            if matches!(status_of(&t)?, TicketStatus::Pending | TicketStatus::Solved) {
                move_status(&mut t, scope, TicketStatus::Open, Some("the customer wrote"), now, &mut rows)?;
            }
        }
        MessageKind::Note => {}
    }
    let message = ticket_message::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        ticket_id: Set(t.id),
        kind: Set(input.kind.as_str().to_owned()),
        body: Set(body),
        // The customer's words have no staff author, whoever typed them in.
        author_id: Set(if input.kind == MessageKind::Inbound { None } else { scope.user_id() }),
        external_ref: Set(own_ref),
        created_at: Set(now),
    }
    .insert(&*txn)
    .await
    .map_err(|e| AppError::unique_or_internal(e, "externalRef", "a message with this externalRef exists"))?;
    let t = commit_change(txn, scope, t, rows, None, now).await?;
    Ok((t, message, true))
}

/// A status change, with what solving a complaint records.
#[derive(Clone, Debug, Default)]
pub struct StatusChange {
    pub reason: Option<String>,
    /// The root cause a complaint is solved with (required to solve one that has none, once the
    /// workspace keeps root causes).
    pub root_cause_id: Option<Uuid>,
    /// How it was resolved, for the record.
    pub resolution: Option<String>,
    /// Whether a complaint was justified; `false` stops it counting against the stars.
    pub upheld: Option<bool>,
}

/// Moves a ticket to another status (solve, close, put on hold, wait on the customer, reopen
/// within [`REOPEN_DAYS`]); solving a complaint takes its root cause once the workspace keeps
/// root causes. Needs `service:manage`.
///
/// # Errors
/// `CONFLICT` for a move the status rules forbid; `BAD_USER_INPUT` on `rootCauseId` for a
/// complaint solved without one, on `upheld` for a ticket that is not a complaint.
pub async fn set_status(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    to: TicketStatus,
    change: StatusChange,
) -> Result<ticket::Model, AppError> {
    scope.require(Permission::ServiceManage)?;
    let why = short_text("reason", change.reason.as_deref(), 500)?;
    let resolution = short_text("resolution", change.resolution.as_deref(), 2_000)?;
    if to == TicketStatus::New {
        return Err(AppError::bad_input("status", "a ticket cannot become new again"));
    }
    let txn = db::begin_write(db).await?;
    let mut t = locked(&*txn, scope, id).await?;
    let complaint = kind_of(&t)? == TicketKind::Complaint;
    let from = status_of(&t)?;
    let now = Utc::now();
    let mut rows = Vec::new();
    if let Some(cause) = change.root_cause_id.filter(|c| t.root_cause_id != Some(*c)) {
        super::root_causes::check_choice(&*txn, scope, cause).await?;
        let (old, new) = (t.root_cause_id.map(|c| c.to_string()), cause.to_string());
        rows.push(change_row(&t, scope, "root_cause", old.as_deref(), Some(&new), None, now));
        t.root_cause_id = Some(cause);
    }
    // Once the workspace keeps root causes, a complaint is solved with one.
    if complaint
        && to == TicketStatus::Solved
        && t.root_cause_id.is_none()
        && super::root_causes::list(&*txn, scope).await?.iter().any(|c| !c.archived)
    {
        return Err(AppError::invalid("rootCauseId", Invalid::Required));
    }
    if resolution.is_some() {
        t.resolution = resolution;
    }
    let rerate = match change.upheld {
        Some(_) if !complaint => {
            return Err(AppError::bad_input("upheld", "only complaints are upheld or not"));
        }
        Some(upheld) if t.upheld != Some(upheld) => {
            let (old, new) = (t.upheld.map(|u| u.to_string()), upheld.to_string());
            rows.push(change_row(&t, scope, "upheld", old.as_deref(), Some(&new), None, now));
            t.upheld = Some(upheld);
            true
        }
        _ => false,
    };
    move_status(&mut t, scope, to, why.as_deref(), now, &mut rows)?;
    let entry = Entry::new("ticket.status", "ticket", t.id).changes(json!({
        "status": [from.as_str(), to.as_str()], "rootCauseId": t.root_cause_id, "upheld": t.upheld,
    }));
    let solved_complaint = complaint && to == TicketStatus::Solved && from != to;
    let mut t = commit_change_uncommitted(&txn, scope, t, rows, Some(entry), now).await?;
    if solved_complaint {
        // Was it really solved? The customer is called back (once per ticket).
        super::follow_ups::after_complaint(&*txn, &t, now).await?;
    }
    if rerate {
        // A complaint found unjustified (or justified after all) changes the customer's
        // complaint count: they are rated again at once, in the same transaction (their open
        // tickets, this one included, follow their stars).
        engine::Context::forget(scope.workspace_id);
        aggregates::refresh(&*txn, scope, t.customer_id, Trigger::Complaint).await?;
        t = locked(&*txn, scope, t.id).await?;
    }
    txn.commit().await?;
    Ok(t)
}

/// Gives a ticket to a staff member who serves customers, or takes it back to the unassigned
/// queue (`None`). Needs `service:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` on `assigneeId` for someone who is not an active agent of the workspace.
pub async fn assign(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    assignee: Option<Uuid>,
) -> Result<ticket::Model, AppError> {
    scope.require(Permission::ServiceManage)?;
    let txn = db::begin_write(db).await?;
    if let Some(who) = assignee {
        let found = user::Entity::find_by_id(who)
            .filter(user::Column::WorkspaceId.eq(scope.workspace_id))
            .one(&*txn)
            .await?;
        if !found.as_ref().is_some_and(teams::serves_customers) {
            return Err(AppError::bad_input(
                "assigneeId",
                "is not an active staff member who serves customers",
            ));
        }
    }
    let mut t = locked(&*txn, scope, id).await?;
    if t.assignee_id == assignee {
        txn.commit().await?;
        return Ok(t);
    }
    let now = Utc::now();
    let (from, to) = (t.assignee_id.map(|u| u.to_string()), assignee.map(|u| u.to_string()));
    let rows = vec![change_row(&t, scope, "assignee", from.as_deref(), to.as_deref(), None, now)];
    let entry = Entry::new("ticket.assign", "ticket", t.id).changes(json!({ "assigneeId": [from, to] }));
    t.assignee_id = assignee;
    commit_change(txn, scope, t, rows, Some(entry), now).await
}

/// Moves a ticket to another team (`None`: to no team). Someone outside the new team gives it up
/// to round robin there (or to the team's unassigned queue). Needs `service:manage`.
///
/// # Errors
/// `NOT_FOUND` on a team of another workspace; `BAD_USER_INPUT` on `teamId` for an archived one.
pub async fn set_team(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    team_id: Option<Uuid>,
) -> Result<ticket::Model, AppError> {
    scope.require(Permission::ServiceManage)?;
    let txn = db::begin_write(db).await?;
    let team = match team_id {
        Some(team_id) => {
            let found = teams::list(&*txn, scope)
                .await?
                .into_iter()
                .find(|t| t.id == team_id)
                .ok_or(AppError::NotFound { entity: "team" })?;
            if found.archived {
                return Err(AppError::bad_input("teamId", "the team is archived"));
            }
            Some(found)
        }
        None => None,
    };
    let mut t = locked(&*txn, scope, id).await?;
    if t.team_id == team_id {
        txn.commit().await?;
        return Ok(t);
    }
    let now = Utc::now();
    let (from, to) = (t.team_id.map(|u| u.to_string()), team_id.map(|u| u.to_string()));
    let mut rows = vec![change_row(&t, scope, "team", from.as_deref(), to.as_deref(), None, now)];
    t.team_id = team_id;
    if let (Some(team), Some(assignee)) = (&team, t.assignee_id) {
        let inside = teams::members(&*txn, &[team.id]).await?.iter().any(|m| m.user_id == assignee);
        if !inside && status_of(&t)?.is_active() {
            let next = teams::deal(&*txn, team, now).await?;
            let (old, new) = (assignee.to_string(), next.map(|u| u.to_string()));
            rows.push(change_row(
                &t,
                scope,
                "assignee",
                Some(&old),
                new.as_deref(),
                Some("round robin"),
                now,
            ));
            t.assignee_id = next;
        }
    }
    let entry = Entry::new("ticket.team", "ticket", t.id)
        .changes(json!({ "teamId": [from, to], "assigneeId": t.assignee_id }));
    commit_change(txn, scope, t, rows, Some(entry), now).await
}

/// The dealing pass: open tickets waiting unassigned in a team (everyone was full or away when
/// they came) go round robin to members who have room now, soonest deadline first. Returns how
/// many were dealt.
///
/// # Errors
/// Database failures.
pub async fn deal_waiting(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let txn = db::begin_write(db).await?;
    let waiting = ticket::Entity::find()
        .filter(sea_orm::sea_query::Expr::cust(super::queue::OPEN_CONDITION))
        .filter(ticket::Column::AssigneeId.is_null())
        .filter(ticket::Column::TeamId.is_not_null())
        .order_by_asc(ticket::Column::NextDue)
        .limit(200)
        .all(&*txn)
        .await?;
    let mut full: Vec<Uuid> = Vec::new();
    let mut dealt = 0;
    for mut t in waiting {
        let Some(team_id) = t.team_id.filter(|id| !full.contains(id)) else { continue };
        let Some(team) = crate::entities::team::Entity::find_by_id(team_id).one(&*txn).await? else {
            continue;
        };
        let Some(next) = teams::deal(&*txn, &team, now).await? else {
            full.push(team_id);
            continue;
        };
        let scope = Scope::system(t.workspace_id);
        let to = next.to_string();
        let rows = vec![change_row(&t, &scope, "assignee", None, Some(&to), Some("round robin"), now)];
        t.assignee_id = Some(next);
        ticket_change::Entity::insert_many(rows).exec_without_returning(&*txn).await?;
        let t = save(&*txn, t, now).await?;
        changes::record(&*txn, vec![event(Kind::TicketChanged, &t)]).await?;
        dealt += 1;
    }
    txn.commit().await?;
    Ok(dealt)
}

/// A ticket's tags, checked, naming the bad one (`tags[2]`).
fn checked_tags(tags: &[String]) -> Result<Vec<String>, AppError> {
    desk::normalize_tags(tags).map_err(|(i, why)| AppError::invalid(&format!("tags[{i}]"), why))
}

/// Replaces a ticket's tags.
async fn write_tags(conn: &impl ConnectionTrait, t: &ticket::Model, tags: &[String]) -> Result<(), AppError> {
    ticket_tag::Entity::delete_many().filter(ticket_tag::Column::TicketId.eq(t.id)).exec(conn).await?;
    if tags.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = tags.iter().map(|tag| ticket_tag::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(t.workspace_id),
        ticket_id: Set(t.id),
        tag: Set(tag.clone()),
        created_at: Set(now),
    });
    ticket_tag::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

/// A ticket's tags, as first written, in the order given.
///
/// # Errors
/// Database failures.
pub async fn tags_of(conn: &impl ConnectionTrait, ticket_id: Uuid) -> Result<Vec<String>, AppError> {
    Ok(ticket_tag::Entity::find()
        .select_only()
        .column(ticket_tag::Column::Tag)
        .filter(ticket_tag::Column::TicketId.eq(ticket_id))
        .order_by_asc(ticket_tag::Column::CreatedAt)
        .order_by_asc(ticket_tag::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Replaces a ticket's tags (trimmed, each kept once ignoring case). Needs `service:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` on `tags[i]` for an empty, too long or garbled tag, or too many.
pub async fn set_tags(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    tags: &[String],
) -> Result<ticket::Model, AppError> {
    scope.require(Permission::ServiceManage)?;
    let tags = checked_tags(tags)?;
    let txn = db::begin_write(db).await?;
    let t = locked(&*txn, scope, id).await?;
    let before = tags_of(&*txn, t.id).await?;
    if before == tags {
        txn.commit().await?;
        return Ok(t);
    }
    write_tags(&*txn, &t, &tags).await?;
    let now = Utc::now();
    let (from, to) = (before.join(", "), tags.join(", "));
    let rows = vec![change_row(&t, scope, "tags", Some(&from), Some(&to), None, now)];
    // The tags' words stay in the ticket's history (erasure scrubs it there), not in the audit log.
    let entry =
        Entry::new("ticket.tags", "ticket", t.id).changes(json!({ "tags": [before.len(), tags.len()] }));
    commit_change(txn, scope, t, rows, Some(entry), now).await
}

/// Sets a ticket's priority by hand (with a reason), or back to what stars and kind give
/// (`None`). The service-level rule is matched again. Needs `service:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` on `reason` when a priority is set without one.
pub async fn set_priority(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    priority: Option<TicketPriority>,
    why: Option<String>,
) -> Result<ticket::Model, AppError> {
    scope.require(Permission::ServiceManage)?;
    let why = match priority {
        Some(_) => Some(reason("reason", why.as_deref())?),
        None => short_text("reason", why.as_deref(), 500)?,
    };
    let txn = db::begin_write(db).await?;
    let mut t = locked(&*txn, scope, id).await?;
    let now = Utc::now();
    let from = t.priority.clone();
    let to = match priority {
        Some(p) => p,
        None => TicketPriority::derived(kind_of(&t)?, stars_of(t.stars)),
    };
    let rows = vec![change_row(&t, scope, "priority", Some(&from), Some(to.as_str()), why.as_deref(), now)];
    // The reason stays in the ticket's history (erasure scrubs it there), not in the audit log.
    let entry = Entry::new("ticket.priority", "ticket", t.id)
        .changes(json!({ "priority": [from, to.as_str()], "byHand": priority.is_some() }));
    to.as_str().clone_into(&mut t.priority);
    t.priority_reason = if priority.is_some() { why } else { None };
    commit_change(txn, scope, t, rows, Some(entry), now).await
}

/// Re-bases the open tickets of customers whose stars just changed (in the caller's transaction,
/// from the star engine's `starsChanged` changes): the priority follows the new stars unless set
/// by hand, the rule is matched again under the ticket's policy version, the deadlines are
/// recomputed from the opening, and the history and the audit log say so.
///
/// # Errors
/// Database failures.
pub async fn rebase(
    conn: &impl ConnectionTrait,
    stars: &[(Uuid, Uuid, Option<i16>)],
) -> Result<(), AppError> {
    if stars.is_empty() {
        return Ok(());
    }
    let customers: Vec<Uuid> = stars.iter().map(|(_, c, _)| *c).collect();
    let open = ticket::Entity::find()
        .filter(ticket::Column::CustomerId.is_in(customers))
        .filter(
            ticket::Column::Status.is_not_in([TicketStatus::Solved.as_str(), TicketStatus::Closed.as_str()]),
        )
        .all(conn)
        .await?;
    let now = Utc::now();
    // A bulk re-rating re-bases many tickets: each policy version is read once.
    let mut policies: HashMap<(Uuid, Option<Uuid>), Policy> = HashMap::new();
    for mut t in open {
        let Some(&(workspace_id, _, new_stars)) =
            stars.iter().find(|(w, c, _)| *w == t.workspace_id && *c == t.customer_id)
        else {
            continue;
        };
        if t.stars == new_stars {
            continue;
        }
        let scope = Scope::system(workspace_id);
        let (old_stars, old_rule, old_priority) = (t.stars, t.sla_rule.clone(), t.priority.clone());
        t.stars = new_stars;
        if t.priority_reason.is_none() {
            TicketPriority::derived(kind_of(&t)?, stars_of(new_stars)).as_str().clone_into(&mut t.priority);
        }
        let policy = match policies.entry((t.workspace_id, t.sla_policy_id)) {
            Slot::Occupied(found) => found.into_mut(),
            Slot::Vacant(slot) => slot.insert(policy::version(conn, t.workspace_id, t.sla_policy_id).await?),
        };
        let (history, missed) = (history(conn, t.id).await?, missed(conn, t.id).await?);
        schedule(&mut t, policy, &history, &missed)?;
        let why = format!(
            "stars {} -> {}",
            old_stars.map_or("none".to_owned(), |s| s.to_string()),
            new_stars.map_or("none".to_owned(), |s| s.to_string())
        );
        let mut rows =
            vec![change_row(&t, &scope, "sla", old_rule.as_deref(), t.sla_rule.as_deref(), Some(&why), now)];
        if old_priority != t.priority {
            rows.push(change_row(
                &t,
                &scope,
                "priority",
                Some(&old_priority),
                Some(&t.priority),
                Some(&why),
                now,
            ));
        }
        ticket_change::Entity::insert_many(rows).exec_without_returning(conn).await?;
        let entry = Entry::new("ticket.sla_rebase", "ticket", t.id).changes(json!({
            "stars": [old_stars, new_stars], "slaRule": [old_rule, t.sla_rule],
            "priority": [old_priority, t.priority], "nextDue": t.next_due,
        }));
        audit::record(conn, &scope, entry).await?;
        let t = save(conn, t, now).await?;
        changes::record(conn, vec![event(Kind::TicketChanged, &t)]).await?;
    }
    Ok(())
}
