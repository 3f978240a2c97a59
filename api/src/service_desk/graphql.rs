//! The service desk over GraphQL: tickets, their thread and history, the queues, and the
//! service-level policy.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use starcrm_shared::Permission;
use starcrm_shared::business_hours::{Hours, Interval};
use starcrm_shared::customer::Channel;
use starcrm_shared::explain::Language;
use starcrm_shared::service_desk::{
    MessageKind, SlaRule, SlaState, SlaTarget, TicketKind, TicketPriority, TicketStatus,
};

use super::policy::{self, Policy};
use super::queue::{self, TicketView};
use super::root_causes;
use super::tickets::{self, NewMessage, NewTicket};
use crate::auth::ContextExt;
use crate::customers::graphql::CustomerRefInput;
use crate::customers::graphql::types::{Customer, user_in_workspace};
use crate::customers::loaders::CustomerLoader;
use crate::entities::{sla_miss, ticket, ticket_category, ticket_change, ticket_message};
use crate::error::AppError;
use crate::graphql::limits::MAX_PAGE_SIZE;
use crate::graphql::pagination::ConnectionFields;
use crate::users::graphql::{StaffMember, parse_id};

pub(super) fn internal(err: impl std::fmt::Display) -> async_graphql::Error {
    AppError::internal(anyhow::anyhow!("{err}")).extend()
}

/// A ticket's or follow-up's customer, for callers with `customers:read` (null for service-only
/// integrations), batched across the page.
pub(crate) async fn customer_for_desk(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> async_graphql::Result<Option<Customer>> {
    let scope = ctx.scope()?;
    if !scope.can(Permission::CustomersRead) {
        return Ok(None);
    }
    let loader = ctx.data::<CustomerLoader>().map_err(|_| internal("loader missing"))?;
    let found = loader.load_one(id).await.map_err(internal)?;
    Ok(found.filter(|c| c.workspace_id == scope.workspace_id).map(Customer))
}

/// A ticket.
pub struct Ticket(pub ticket::Model);

#[Object]
impl Ticket {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// 1, 2, 3... in the workspace.
    async fn number(&self) -> i64 {
        self.0.number
    }

    /// `T000042`: what staff and customers quote.
    async fn code(&self) -> String {
        starcrm_shared::service_desk::ticket_code(self.0.number)
    }

    async fn customer_id(&self) -> ID {
        ID(self.0.customer_id.to_string())
    }

    /// The customer, for callers with `customers:read` (null for service-only integrations).
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        customer_for_desk(ctx, self.0.customer_id).await
    }

    async fn kind(&self) -> async_graphql::Result<TicketKind> {
        tickets::kind_of(&self.0).map_err(|e| e.extend())
    }

    async fn channel(&self) -> Option<Channel> {
        Channel::parse(&self.0.channel)
    }

    async fn subject(&self) -> &str {
        &self.0.subject
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    async fn status(&self) -> async_graphql::Result<TicketStatus> {
        tickets::status_of(&self.0).map_err(|e| e.extend())
    }

    async fn priority(&self) -> async_graphql::Result<TicketPriority> {
        tickets::priority_of(&self.0).map_err(|e| e.extend())
    }

    /// Why the priority is not the one stars and kind give (set by hand, or an escalation);
    /// null while it follows them.
    async fn priority_reason(&self) -> Option<&str> {
        self.0.priority_reason.as_deref()
    }

    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffMember>> {
        let Some(id) = self.0.assignee_id else { return Ok(None) };
        user_in_workspace(ctx, id).await
    }

    /// Its labels, as first written.
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        tickets::tags_of(ctx.db()?, self.0.id).await.map_err(|e| e.extend())
    }

    /// The team it was routed to.
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TeamRef>> {
        let Some(id) = self.0.team_id else { return Ok(None) };
        let found = crate::entities::team::Entity::find_by_id(id)
            .filter(crate::entities::team::Column::WorkspaceId.eq(self.0.workspace_id))
            .one(ctx.db()?)
            .await
            .map_err(internal)?;
        Ok(found.map(|t| TeamRef { id: ID(t.id.to_string()), name: t.name }))
    }

    /// The purchase an after-sales ticket is about.
    async fn transaction_id(&self) -> Option<ID> {
        self.0.transaction_id.map(|id| ID(id.to_string()))
    }

    async fn external_ref(&self) -> Option<&str> {
        self.0.external_ref.as_deref()
    }

    /// The root cause a complaint was solved with.
    async fn root_cause(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TicketCategory>> {
        let Some(id) = self.0.root_cause_id else { return Ok(None) };
        let found = ticket_category::Entity::find_by_id(id)
            .filter(ticket_category::Column::WorkspaceId.eq(self.0.workspace_id))
            .one(ctx.db()?)
            .await
            .map_err(internal)?;
        Ok(found.map(TicketCategory))
    }

    /// How it was resolved.
    async fn resolution(&self) -> Option<&str> {
        self.0.resolution.as_deref()
    }

    /// For a complaint: whether it was justified (null: not decided; it counts until found not
    /// upheld).
    async fn upheld(&self) -> Option<bool> {
        self.0.upheld
    }

    /// The customer's stars the service-level targets were chosen for (re-based when they
    /// change while the ticket is open).
    async fn stars(&self) -> Option<i16> {
        self.0.stars
    }

    /// The name of the service-level rule that covers it.
    async fn sla_rule(&self) -> Option<&str> {
        self.0.sla_rule.as_deref()
    }

    /// The policy version it runs under (0: the built-in policy).
    async fn sla_policy_version(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let Some(id) = self.0.sla_policy_id else { return Ok(0) };
        let db = ctx.db()?;
        let version: Option<i64> = crate::entities::sla_policy::Entity::find_by_id(id)
            .select_only()
            .column(crate::entities::sla_policy::Column::Version)
            .into_tuple()
            .one(db)
            .await
            .map_err(internal)?;
        Ok(version.unwrap_or(0))
    }

    async fn first_response_due(&self) -> Option<DateTime<Utc>> {
        self.0.first_response_due
    }

    async fn next_response_due(&self) -> Option<DateTime<Utc>> {
        self.0.next_response_due
    }

    async fn resolution_due(&self) -> Option<DateTime<Utc>> {
        self.0.resolution_due
    }

    /// The soonest deadline that still runs (the queues sort on it).
    async fn next_due(&self) -> Option<DateTime<Utc>> {
        self.0.next_due
    }

    async fn sla_state(&self) -> async_graphql::Result<SlaState> {
        sla_state(&self.0, Utc::now()).map_err(|e| e.extend())
    }

    /// Since when the customer's latest message waits for an answer.
    async fn waiting_since(&self) -> Option<DateTime<Utc>> {
        self.0.waiting_since
    }

    async fn first_responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_responded_at
    }

    async fn solved_at(&self) -> Option<DateTime<Utc>> {
        self.0.solved_at
    }

    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The thread, oldest first (at most 500 messages).
    async fn messages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TicketMessage>> {
        ctx.require(Permission::ServiceManage)?;
        let rows = ticket_message::Entity::find()
            .filter(ticket_message::Column::TicketId.eq(self.0.id))
            .filter(ticket_message::Column::WorkspaceId.eq(self.0.workspace_id))
            .order_by_asc(ticket_message::Column::CreatedAt)
            .order_by_asc(ticket_message::Column::Id)
            .limit(500)
            .all(ctx.db()?)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(TicketMessage).collect())
    }

    /// What changed on it (status, priority, assignee, service-level rule), oldest first.
    async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TicketHistoryEntry>> {
        ctx.require(Permission::ServiceManage)?;
        let rows = ticket_change::Entity::find()
            .filter(ticket_change::Column::TicketId.eq(self.0.id))
            .filter(ticket_change::Column::WorkspaceId.eq(self.0.workspace_id))
            .order_by_asc(ticket_change::Column::At)
            .order_by_asc(ticket_change::Column::Id)
            .limit(500)
            .all(ctx.db()?)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(TicketHistoryEntry).collect())
    }

    /// The service-level targets it missed (each recorded once).
    async fn misses(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SlaMiss>> {
        ctx.require(Permission::ServiceManage)?;
        let rows = sla_miss::Entity::find()
            .filter(sla_miss::Column::TicketId.eq(self.0.id))
            .filter(sla_miss::Column::WorkspaceId.eq(self.0.workspace_id))
            .order_by_asc(sla_miss::Column::DueAt)
            .all(ctx.db()?)
            .await
            .map_err(internal)?;
        rows.into_iter()
            .map(|m| {
                let target = SlaTarget::parse(&m.target).ok_or_else(|| internal("unknown SLA target"))?;
                Ok(SlaMiss { target, due_at: m.due_at, recorded_at: m.recorded_at })
            })
            .collect()
    }
}

/// Where `t` stands at `now`.
pub fn sla_state(t: &ticket::Model, now: DateTime<Utc>) -> Result<SlaState, AppError> {
    let status = tickets::status_of(t)?;
    Ok(match (status.is_active(), t.next_due) {
        (true, Some(due)) if due <= now => SlaState::Breached,
        (true, Some(due)) if due <= now + Duration::hours(1) => SlaState::DueSoon,
        (true, Some(_)) => SlaState::OnTrack,
        (true, None) if status.pauses_clock() => SlaState::Paused,
        (false, _) | (true, None) => SlaState::None,
    })
}

/// A complaint root cause.
pub struct TicketCategory(pub ticket_category::Model);

#[Object]
impl TicketCategory {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The cause of a subcause; null for a cause.
    async fn parent_id(&self) -> Option<ID> {
        self.0.parent_id.map(|p| ID(p.to_string()))
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn archived(&self) -> bool {
        self.0.archived
    }
}

/// A complaint root cause to add (no id) or change.
#[derive(InputObject)]
pub struct TicketCategoryInput {
    pub id: Option<ID>,
    pub parent_id: Option<ID>,
    pub name: String,
    #[graphql(default)]
    pub archived: bool,
}

/// A message of a ticket's thread.
pub struct TicketMessage(pub ticket_message::Model);

#[Object]
impl TicketMessage {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn kind(&self) -> async_graphql::Result<MessageKind> {
        MessageKind::parse(&self.0.kind).ok_or_else(|| internal("unknown message kind"))
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The staff member who wrote it (null: the customer, or an integration).
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffMember>> {
        let Some(id) = self.0.author_id else { return Ok(None) };
        user_in_workspace(ctx, id).await
    }

    async fn external_ref(&self) -> Option<&str> {
        self.0.external_ref.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A ticket's team, by name.
#[derive(SimpleObject)]
pub struct TeamRef {
    pub id: ID,
    pub name: String,
}

/// One change on a ticket.
pub struct TicketHistoryEntry(pub ticket_change::Model);

#[Object]
impl TicketHistoryEntry {
    /// `status`, `priority`, `assignee`, `team`, `root_cause`, `upheld` or `sla` (the rule, after
    /// the customer's stars changed).
    async fn field(&self) -> &str {
        &self.0.field
    }

    async fn from(&self) -> Option<&str> {
        self.0.from_value.as_deref()
    }

    async fn to(&self) -> Option<&str> {
        self.0.to_value.as_deref()
    }

    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// The staff member who made it (null: an integration or the server).
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffMember>> {
        let Some(id) = self.0.actor_id else { return Ok(None) };
        user_in_workspace(ctx, id).await
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// A missed service-level target.
#[derive(SimpleObject)]
pub struct SlaMiss {
    pub target: SlaTarget,
    pub due_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
}

/// Open tickets per queue, for the inbox.
#[derive(SimpleObject, Default)]
pub struct TicketCounts {
    /// Assigned to the caller (0 for an API token).
    pub mine: u64,
    /// Of the caller's teams (0 for an API token).
    pub my_team: u64,
    pub unassigned: u64,
    pub open: u64,
    pub breaching_soon: u64,
    pub breached: u64,
}

/// A rule of a service-level policy: which tickets (an empty list matches any) and the targets
/// in business minutes.
#[derive(SimpleObject, Clone)]
pub struct SlaRuleValue {
    pub name: String,
    /// Star levels 1-5 it covers.
    pub stars: Vec<i32>,
    pub kinds: Vec<TicketKind>,
    pub channels: Vec<Channel>,
    pub priorities: Vec<TicketPriority>,
    pub first_response_minutes: Option<i32>,
    pub next_response_minutes: Option<i32>,
    pub resolution_minutes: Option<i32>,
}

/// A rule of a service-level policy to save.
#[derive(InputObject, Clone)]
pub struct SlaRuleInput {
    pub name: String,
    /// Star levels 1-5 it covers; empty: any (customers without stars too).
    #[graphql(default)]
    pub stars: Vec<i32>,
    #[graphql(default)]
    pub kinds: Vec<TicketKind>,
    #[graphql(default)]
    pub channels: Vec<Channel>,
    #[graphql(default)]
    pub priorities: Vec<TicketPriority>,
    /// Business minutes to the first reply; null: no promise.
    pub first_response_minutes: Option<i32>,
    /// Business minutes to answer each later message of the customer.
    pub next_response_minutes: Option<i32>,
    /// Business minutes to solve it.
    pub resolution_minutes: Option<i32>,
}

/// Opening hours of one day: `09:00`-`12:00`.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "OpeningIntervalInput")]
pub struct OpeningInterval {
    pub from: String,
    pub to: String,
}

/// When the team works.
#[derive(SimpleObject, Clone)]
pub struct BusinessHours {
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub timezone: String,
    /// Round the clock, every day (the week and holidays are ignored).
    pub always_open: bool,
    /// Seven days, Monday first; each a list of intervals.
    pub week: Vec<Vec<OpeningInterval>>,
    /// Days off, `YYYY-MM-DD` in the time zone.
    pub holidays: Vec<NaiveDate>,
}

/// When the team works, to save.
#[derive(InputObject, Clone)]
pub struct BusinessHoursInput {
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub timezone: String,
    /// Round the clock, every day (the week and holidays are ignored).
    #[graphql(default)]
    pub always_open: bool,
    /// Seven days, Monday first; each a list of intervals (empty: closed).
    pub week: Vec<Vec<OpeningInterval>>,
    /// Days off, `YYYY-MM-DD` in the time zone.
    #[graphql(default)]
    pub holidays: Vec<NaiveDate>,
}

/// A version of the workspace's service-level policy.
#[derive(SimpleObject)]
pub struct SlaPolicy {
    /// 0: the built-in policy (the workspace has not saved one).
    pub version: i64,
    pub rules: Vec<SlaRuleValue>,
    pub hours: BusinessHours,
    pub created_at: Option<DateTime<Utc>>,
}

fn minutes_out(v: Option<u32>) -> Option<i32> {
    v.map(|m| i32::try_from(m).unwrap_or(i32::MAX))
}

impl From<Policy> for SlaPolicy {
    fn from(p: Policy) -> Self {
        let rules = p
            .rules
            .into_iter()
            .map(|r| SlaRuleValue {
                name: r.name,
                stars: r.stars.into_iter().map(i32::from).collect(),
                kinds: r.kinds,
                channels: r.channels,
                priorities: r.priorities,
                first_response_minutes: minutes_out(r.first_response_minutes),
                next_response_minutes: minutes_out(r.next_response_minutes),
                resolution_minutes: minutes_out(r.resolution_minutes),
            })
            .collect();
        let week = p
            .hours
            .week
            .iter()
            .map(|day| {
                day.iter()
                    .map(|i| OpeningInterval {
                        from: Interval::format_time(i.from),
                        to: Interval::format_time(i.to),
                    })
                    .collect()
            })
            .collect();
        Self {
            version: p.version,
            rules,
            hours: BusinessHours {
                timezone: p.hours.timezone,
                always_open: p.hours.always_open,
                week,
                holidays: p.hours.holidays,
            },
            created_at: p.created_at,
        }
    }
}

fn rule_in(i: usize, r: SlaRuleInput) -> Result<SlaRule, AppError> {
    let field = |f: &str| format!("rules[{i}].{f}");
    let minutes = |f: &str, v: Option<i32>| {
        v.map(|m| u32::try_from(m).map_err(|_| AppError::bad_input(field(f), "must be at least 1 minute")))
            .transpose()
    };
    Ok(SlaRule {
        name: r.name,
        stars: r
            .stars
            .into_iter()
            .map(|s| {
                u8::try_from(s).map_err(|_| AppError::bad_input(field("stars"), "star levels are 1 to 5"))
            })
            .collect::<Result<_, _>>()?,
        kinds: r.kinds,
        channels: r.channels,
        priorities: r.priorities,
        first_response_minutes: minutes("firstResponseMinutes", r.first_response_minutes)?,
        next_response_minutes: minutes("nextResponseMinutes", r.next_response_minutes)?,
        resolution_minutes: minutes("resolutionMinutes", r.resolution_minutes)?,
    })
}

fn hours_in(h: BusinessHoursInput) -> Result<Hours, AppError> {
    if h.week.len() != 7 {
        return Err(AppError::bad_input("hours.week", "must list the seven days, Monday first"));
    }
    let week = h
        .week
        .into_iter()
        .enumerate()
        .map(|(d, day)| {
            if day.len() > 12 {
                return Err(AppError::bad_input(format!("hours.week[{d}]"), "at most 12 intervals a day"));
            }
            day.into_iter()
                .enumerate()
                .map(|(n, i)| {
                    let time = |f: &str, v: &str| {
                        Interval::parse_time(v).ok_or_else(|| {
                            AppError::bad_input(
                                format!("hours.week[{d}][{n}].{f}"),
                                "is not a time like 09:30",
                            )
                        })
                    };
                    Ok(Interval { from: time("from", &i.from)?, to: time("to", &i.to)? })
                })
                .collect()
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Hours {
        timezone: h.timezone.trim().to_owned(),
        always_open: h.always_open,
        week,
        holidays: h.holidays,
    })
}

#[derive(Default)]
pub struct ServiceDeskQuery;

#[Object]
impl ServiceDeskQuery {
    /// A ticket of the workspace. Needs `service:manage`.
    async fn ticket(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Ticket> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let id = parse_id(&id, "id")?;
        Ok(Ticket(tickets::find(ctx.db()?, scope, id).await.map_err(|e| e.extend())?))
    }

    /// The ticket staff or a customer quote: `T000042`, `#42` or `42`. Needs `service:manage`;
    /// `NOT_FOUND` for a ticket the caller may not see, as for one that does not exist.
    async fn ticket_by_code(&self, ctx: &Context<'_>, code: String) -> async_graphql::Result<Ticket> {
        let scope = ctx.require(Permission::ServiceManage)?;
        Ok(Ticket(tickets::find_by_code(ctx.db()?, scope, &code).await.map_err(|e| e.extend())?))
    }

    /// A queue: soonest deadline first, then most stars, then oldest; `tag` narrows it to the
    /// tickets with that tag (ignoring case). Needs `service:manage`.
    #[graphql(complexity = "crate::users::graphql::page_complexity(first, child_complexity)")]
    #[allow(clippy::too_many_arguments, reason = "the arguments of one query")]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "TicketView::Open")] view: TicketView,
        customer_id: Option<ID>,
        tag: Option<String>,
        #[graphql(default = 60)] within_minutes: i32,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Ticket, ConnectionFields>> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let first = first.unwrap_or(50);
        if !(1..=i32::try_from(MAX_PAGE_SIZE).unwrap_or(i32::MAX)).contains(&first) {
            return Err(
                AppError::bad_input("first", format!("must be between 1 and {MAX_PAGE_SIZE}")).extend()
            );
        }
        if !(1..=7 * 24 * 60).contains(&within_minutes) {
            return Err(AppError::bad_input("withinMinutes", "must be between 1 and 10080 (a week)").extend());
        }
        let cursor = after.as_deref().map(queue::Cursor::decode).transpose().map_err(|e| e.extend())?;
        let q = queue::Query {
            view,
            customer_id: customer_id.as_ref().map(|id| parse_id(id, "customerId")).transpose()?,
            tag: tag.filter(|t| !t.trim().is_empty()),
            within_minutes: within_minutes.unsigned_abs(),
            limit: u64::from(first.unsigned_abs()),
            after: cursor,
        };
        let had_before = q.after.is_some();
        let (rows, total, more) = queue::list(ctx.db()?, scope, q).await.map_err(|e| e.extend())?;
        let mut connection =
            Connection::with_additional_fields(had_before, more, ConnectionFields { total_count: total });
        connection
            .edges
            .extend(rows.into_iter().map(|t| Edge::new(queue::Cursor::after(&t).encode(), Ticket(t))));
        Ok(connection)
    }

    /// How many open tickets each queue holds. Needs `service:manage`.
    async fn ticket_counts(&self, ctx: &Context<'_>) -> async_graphql::Result<TicketCounts> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let staff = scope.user_id().is_some();
        let mut views =
            vec![TicketView::Unassigned, TicketView::Open, TicketView::BreachingSoon, TicketView::Breached];
        if staff {
            views.extend([TicketView::Mine, TicketView::MyTeam]);
        }
        let n = queue::counts(ctx.db()?, scope, &views).await.map_err(|e| e.extend())?;
        let at = |i: usize| n.get(i).copied().unwrap_or(0);
        Ok(TicketCounts {
            unassigned: at(0),
            open: at(1),
            breaching_soon: at(2),
            breached: at(3),
            mine: at(4),
            my_team: at(5),
        })
    }

    /// The service-level policy new tickets get. Needs `service:manage`.
    async fn sla_policy(&self, ctx: &Context<'_>) -> async_graphql::Result<SlaPolicy> {
        let scope = ctx.require(Permission::ServiceManage)?;
        Ok(policy::active(ctx.db()?, scope.workspace_id).await.map_err(|e| e.extend())?.into())
    }

    /// The workspace's complaint root causes (causes and their subcauses). Needs
    /// `service:manage`.
    async fn ticket_categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TicketCategory>> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let all = root_causes::list(ctx.db()?, scope).await.map_err(|e| e.extend())?;
        Ok(all.into_iter().map(TicketCategory).collect())
    }

    /// Complaints opened in `[from, to)` grouped by root cause, channel, star level or agent,
    /// biggest first with shares (a Pareto), against the period of the same length before.
    /// Needs `service:manage`.
    async fn complaint_analysis(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        by: root_causes::ComplaintDimension,
    ) -> async_graphql::Result<Vec<root_causes::ParetoRow>> {
        let scope = ctx.require(Permission::ServiceManage)?;
        root_causes::pareto(ctx.db()?, scope, from, to, by).await.map_err(|e| e.extend())
    }

    /// How well the desk kept its promises for the tickets opened in `[from, to)`: service-level
    /// hit rates by star level and per agent, with response and resolution times, reopen rates and
    /// backlogs. Needs `service:configure`.
    async fn service_kpis(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> async_graphql::Result<super::kpis::ServiceKpis> {
        let scope = ctx.require(Permission::ServiceConfigure)?;
        super::kpis::compute(ctx.db()?, scope, from, to).await.map_err(|e| e.extend())
    }

    /// Every saved version, newest first. Needs `service:manage`.
    async fn sla_policies(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SlaPolicy>> {
        let scope = ctx.require(Permission::ServiceManage)?;
        Ok(policy::versions(ctx.db()?, scope)
            .await
            .map_err(|e| e.extend())?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// A ticket to open.
#[derive(InputObject)]
pub struct OpenTicketInput {
    /// Who it is about: id, channel identity, phone or email; created when nobody matches.
    pub customer: CustomerRefInput,
    pub kind: TicketKind,
    pub channel: Channel,
    pub subject: String,
    pub description: Option<String>,
    /// The purchase an after-sales ticket is about.
    pub transaction_id: Option<ID>,
    /// Instead of the priority stars and kind give; needs `priorityReason`.
    pub priority: Option<TicketPriority>,
    pub priority_reason: Option<String>,
    /// The sender's id for it: opening again with the same one returns the first ticket.
    pub external_ref: Option<String>,
    /// Labels for finding it again (each up to 30 characters, at most 20).
    #[graphql(default)]
    pub tags: Vec<String>,
}

#[derive(SimpleObject)]
pub struct OpenTicketPayload {
    pub ticket: Ticket,
    /// False when `externalRef` was seen before: this is the ticket opened then.
    pub created: bool,
    pub customer_created: bool,
}

/// A message for a ticket's thread.
#[derive(InputObject)]
pub struct AddTicketMessageInput {
    pub ticket_id: ID,
    /// `INBOUND` from the customer, `REPLY` to them, `NOTE` for the team.
    pub kind: MessageKind,
    pub body: String,
    /// The channel's id for the message: sending it again does not add it twice.
    pub external_ref: Option<String>,
}

#[derive(SimpleObject)]
pub struct AddTicketMessagePayload {
    pub ticket: Ticket,
    pub message: TicketMessage,
    /// False when `externalRef` was seen before.
    pub created: bool,
}

/// A service-level policy to save as the new active version.
#[derive(InputObject)]
pub struct SlaPolicyInput {
    /// In order: the first rule that covers a ticket applies.
    pub rules: Vec<SlaRuleInput>,
    pub hours: BusinessHoursInput,
}

#[derive(Default)]
pub struct ServiceDeskMutation;

#[Object]
impl ServiceDeskMutation {
    /// Opens a ticket; its priority and service-level targets follow the customer's stars. A
    /// customer with a dedicated owner gets them as assignee. Idempotent on `externalRef`.
    /// Needs `service:manage`.
    async fn open_ticket(
        &self,
        ctx: &Context<'_>,
        input: OpenTicketInput,
    ) -> async_graphql::Result<OpenTicketPayload> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let new = NewTicket {
            customer: input.customer.into_ref()?,
            kind: input.kind,
            channel: input.channel,
            subject: input.subject,
            description: input.description,
            transaction_id: input
                .transaction_id
                .as_ref()
                .map(|id| parse_id(id, "transactionId"))
                .transpose()?,
            priority: input.priority,
            priority_reason: input.priority_reason,
            external_ref: input.external_ref,
            tags: input.tags,
        };
        let opened = tickets::open(ctx.db()?, scope, new).await.map_err(|e| e.extend())?;
        Ok(OpenTicketPayload {
            ticket: Ticket(opened.ticket),
            created: opened.created,
            customer_created: opened.customer_created,
        })
    }

    /// Adds a message to a ticket's thread. Needs `service:manage`.
    async fn add_ticket_message(
        &self,
        ctx: &Context<'_>,
        input: AddTicketMessageInput,
    ) -> async_graphql::Result<AddTicketMessagePayload> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let new = NewMessage {
            ticket_id: parse_id(&input.ticket_id, "ticketId")?,
            kind: input.kind,
            body: input.body,
            external_ref: input.external_ref,
        };
        let (t, message, created) =
            tickets::add_message(ctx.db()?, scope, new).await.map_err(|e| e.extend())?;
        Ok(AddTicketMessagePayload { ticket: Ticket(t), message: TicketMessage(message), created })
    }

    /// Moves a ticket to another status. Solving a complaint takes its root cause once the
    /// workspace keeps root causes (a subcause when the cause has some); `upheld: false` says the complaint was not justified, and it
    /// stops counting against the customer's stars. Needs `service:manage`.
    #[allow(clippy::too_many_arguments, reason = "the arguments of one mutation")]
    async fn set_ticket_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: TicketStatus,
        reason: Option<String>,
        root_cause_id: Option<ID>,
        resolution: Option<String>,
        upheld: Option<bool>,
    ) -> async_graphql::Result<Ticket> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let id = parse_id(&id, "id")?;
        let change = tickets::StatusChange {
            reason,
            root_cause_id: root_cause_id.as_ref().map(|c| parse_id(c, "rootCauseId")).transpose()?,
            resolution,
            upheld,
        };
        Ok(Ticket(tickets::set_status(ctx.db()?, scope, id, status, change).await.map_err(|e| e.extend())?))
    }

    /// Adds or changes a complaint root cause (`parentId`: the cause of a subcause; archived ones
    /// are no longer offered). Needs `service:configure`.
    async fn save_ticket_category(
        &self,
        ctx: &Context<'_>,
        input: TicketCategoryInput,
    ) -> async_graphql::Result<TicketCategory> {
        let scope = ctx.require(Permission::ServiceConfigure)?;
        let input = root_causes::CategoryInput {
            id: input.id.as_ref().map(|id| parse_id(id, "id")).transpose()?,
            parent_id: input.parent_id.as_ref().map(|id| parse_id(id, "parentId")).transpose()?,
            name: input.name,
            archived: input.archived,
        };
        Ok(TicketCategory(root_causes::save(ctx.db()?, scope, input).await.map_err(|e| e.extend())?))
    }

    /// Adds the standard complaint root causes (product, delivery, service, billing, policy,
    /// other, with their subcauses) in `language`, leaving out those the workspace has (by name,
    /// archived ones included), and returns the workspace's taxonomy. Needs `service:configure`.
    async fn add_standard_ticket_categories(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] language: Language,
    ) -> async_graphql::Result<Vec<TicketCategory>> {
        let scope = ctx.require(Permission::ServiceConfigure)?;
        let db = ctx.db()?;
        root_causes::add_standard(db, scope, language).await.map_err(|e| e.extend())?;
        let all = root_causes::list(db, scope).await.map_err(|e| e.extend())?;
        Ok(all.into_iter().map(TicketCategory).collect())
    }

    /// Gives a ticket to someone who serves customers; `assigneeId: null` puts it back in the
    /// unassigned queue. Needs `service:manage`.
    async fn assign_ticket(
        &self,
        ctx: &Context<'_>,
        id: ID,
        assignee_id: Option<ID>,
    ) -> async_graphql::Result<Ticket> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let id = parse_id(&id, "id")?;
        let assignee = assignee_id.as_ref().map(|a| parse_id(a, "assigneeId")).transpose()?;
        Ok(Ticket(tickets::assign(ctx.db()?, scope, id, assignee).await.map_err(|e| e.extend())?))
    }

    /// Replaces a ticket's tags (trimmed; the same tag twice, ignoring case, is kept once).
    /// Needs `service:manage`.
    async fn set_ticket_tags(
        &self,
        ctx: &Context<'_>,
        id: ID,
        tags: Vec<String>,
    ) -> async_graphql::Result<Ticket> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let id = parse_id(&id, "id")?;
        Ok(Ticket(tickets::set_tags(ctx.db()?, scope, id, &tags).await.map_err(|e| e.extend())?))
    }

    /// Sets a ticket's priority by hand with a reason; `priority: null` goes back to the one
    /// stars and kind give. Needs `service:manage`.
    async fn set_ticket_priority(
        &self,
        ctx: &Context<'_>,
        id: ID,
        priority: Option<TicketPriority>,
        reason: Option<String>,
    ) -> async_graphql::Result<Ticket> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let id = parse_id(&id, "id")?;
        Ok(Ticket(
            tickets::set_priority(ctx.db()?, scope, id, priority, reason).await.map_err(|e| e.extend())?,
        ))
    }

    /// Saves the service-level rules and business hours as the new active version (open
    /// tickets keep theirs). Needs `service:configure`.
    async fn save_sla_policy(
        &self,
        ctx: &Context<'_>,
        input: SlaPolicyInput,
    ) -> async_graphql::Result<SlaPolicy> {
        let scope = ctx.require(Permission::ServiceConfigure)?;
        if input.rules.len() > starcrm_shared::service_desk::MAX_RULES {
            return Err(AppError::bad_input("rules", "at most 50 rules").extend());
        }
        let rules =
            input.rules.into_iter().enumerate().map(|(i, r)| rule_in(i, r)).collect::<Result<Vec<_>, _>>();
        let hours = hours_in(input.hours).map_err(|e| e.extend())?;
        let saved = policy::save(ctx.db()?, scope, rules.map_err(|e| e.extend())?, hours)
            .await
            .map_err(|e| e.extend())?;
        Ok(saved.into())
    }
}
