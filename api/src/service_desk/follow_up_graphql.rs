//! Follow-ups (回访) over GraphQL: the due and upcoming lists, planning one by hand, putting one
//! off, doing it with an outcome, cancelling it, and the workspace's cadence by star level.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::Permission;
use starcrm_shared::customer::InteractionKind;
use starcrm_shared::follow_ups::{Cadence, FollowUpReason, FollowUpStatus};

use super::follow_ups::{self, FollowUpView};
use super::graphql::{Ticket, customer_for_desk, internal};
use super::tickets;
use crate::auth::ContextExt;
use crate::customers::graphql::types::{Customer, user_in_workspace};
use crate::entities::follow_up;
use crate::error::AppError;
use crate::graphql::limits::MAX_PAGE_SIZE;
use crate::graphql::pagination::ConnectionFields;
use crate::users::graphql::{StaffMember, parse_id};

/// A call back to a customer, with the start of the workspace's today (what is due before it is
/// overdue).
pub struct FollowUp(pub follow_up::Model, pub DateTime<Utc>);

/// A follow-up as a mutation returns it.
async fn one(ctx: &Context<'_>, row: follow_up::Model) -> async_graphql::Result<FollowUp> {
    let today =
        follow_ups::end_of_today(ctx.db()?, row.workspace_id, Utc::now()).await.map_err(|e| e.extend())?
            - chrono::Duration::days(1);
    Ok(FollowUp(row, today))
}

#[Object]
impl FollowUp {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn customer_id(&self) -> ID {
        ID(self.0.customer_id.to_string())
    }

    /// The customer, for callers with `customers:read`.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        customer_for_desk(ctx, self.0.customer_id).await
    }

    /// Who calls (null: anyone on the desk).
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffMember>> {
        let Some(id) = self.0.owner_id else { return Ok(None) };
        user_in_workspace(ctx, id).await
    }

    async fn reason(&self) -> async_graphql::Result<FollowUpReason> {
        FollowUpReason::parse(&self.0.reason).ok_or_else(|| internal("stored follow-up reason is unknown"))
    }

    /// The solved complaint a complaint follow-up is about (null when the caller may not see it).
    async fn ticket(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Ticket>> {
        let Some(id) = self.0.ticket_id else { return Ok(None) };
        match tickets::find(ctx.db()?, ctx.scope()?, id).await {
            Ok(t) => Ok(Some(Ticket(t))),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.extend()),
        }
    }

    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }

    async fn status(&self) -> async_graphql::Result<FollowUpStatus> {
        FollowUpStatus::parse(&self.0.status).ok_or_else(|| internal("stored follow-up status is unknown"))
    }

    /// Open and due before today (in the workspace's time zone).
    async fn overdue(&self) -> bool {
        self.0.status == FollowUpStatus::Open.as_str() && self.0.due_at < self.1
    }

    /// What to talk about.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// What came of it.
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
    }

    /// The interaction on the customer's timeline that records it.
    async fn interaction_id(&self) -> Option<ID> {
        self.0.interaction_id.map(|id| ID(id.to_string()))
    }

    /// How often it was put off.
    async fn snoozes(&self) -> i32 {
        self.0.snoozes
    }

    async fn done_at(&self) -> Option<DateTime<Utc>> {
        self.0.done_at
    }

    async fn done_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffMember>> {
        let Some(id) = self.0.done_by else { return Ok(None) };
        user_in_workspace(ctx, id).await
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// How often customers are called back.
#[derive(SimpleObject)]
pub struct FollowUpCadence {
    /// Days between calls for 1 to 5 stars (first: one star); null: not called on a schedule.
    pub every_days: Vec<Option<i32>>,
    /// Days after a solved complaint; null: no call.
    pub after_complaint_days: Option<i32>,
    /// Days after a customer loses a star; null: no call.
    pub after_star_drop_days: Option<i32>,
}

impl From<Cadence> for FollowUpCadence {
    fn from(c: Cadence) -> Self {
        Self {
            every_days: c.every_days.iter().map(|d| d.map(i32::from)).collect(),
            after_complaint_days: c.after_complaint_days.map(i32::from),
            after_star_drop_days: c.after_star_drop_days.map(i32::from),
        }
    }
}

/// A cadence to save.
#[derive(InputObject)]
pub struct FollowUpCadenceInput {
    /// Five entries, one star first; null: not called on a schedule.
    pub every_days: Vec<Option<i32>>,
    pub after_complaint_days: Option<i32>,
    pub after_star_drop_days: Option<i32>,
}

fn days(field: &str, v: Option<i32>) -> Result<Option<u16>, AppError> {
    v.map(|d| u16::try_from(d).map_err(|_| AppError::bad_input(field, "must be 1 to 730 days"))).transpose()
}

impl FollowUpCadenceInput {
    fn into_cadence(self) -> Result<Cadence, AppError> {
        let every: [Option<i32>; 5] = self.every_days.try_into().map_err(|_| {
            AppError::bad_input("everyDays", "must list the five star levels, one star first")
        })?;
        let mut every_days = [None; 5];
        for (i, d) in every.into_iter().enumerate() {
            every_days[i] = days(&format!("everyDays.{i}"), d)?;
        }
        Ok(Cadence {
            every_days,
            after_complaint_days: days("afterComplaintDays", self.after_complaint_days)?,
            after_star_drop_days: days("afterStarDropDays", self.after_star_drop_days)?,
        })
    }
}

fn decode_offset(cursor: &str) -> async_graphql::Result<u64> {
    cursor
        .strip_prefix("f:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| AppError::bad_input("after", "is not a valid cursor").extend())
}

#[derive(Default)]
pub struct FollowUpQuery;

#[Object]
impl FollowUpQuery {
    /// Follow-ups: open ones soonest due first, done ones latest first. Agents see their own
    /// and unowned ones. Needs `service:manage`.
    #[graphql(complexity = "crate::users::graphql::page_complexity(first, child_complexity)")]
    async fn follow_ups(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "FollowUpView::Due")] view: FollowUpView,
        customer_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, FollowUp, ConnectionFields>> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let first = first.unwrap_or(50);
        if !(1..=i32::try_from(MAX_PAGE_SIZE).unwrap_or(i32::MAX)).contains(&first) {
            return Err(
                AppError::bad_input("first", format!("must be between 1 and {MAX_PAGE_SIZE}")).extend()
            );
        }
        let offset = after.as_deref().map(decode_offset).transpose()?.unwrap_or(0);
        let db = ctx.db()?;
        let due_by =
            follow_ups::end_of_today(db, scope.workspace_id, Utc::now()).await.map_err(|e| e.extend())?;
        let today = due_by - chrono::Duration::days(1);
        let q = follow_ups::Query {
            view,
            customer_id: customer_id.as_ref().map(|id| parse_id(id, "customerId")).transpose()?,
            due_by,
            offset,
            limit: u64::from(first.unsigned_abs()),
        };
        let (rows, total) = follow_ups::list(db, scope, q).await.map_err(|e| e.extend())?;
        let shown = rows.len() as u64;
        let mut connection = Connection::with_additional_fields(
            offset > 0,
            offset + shown < total,
            ConnectionFields { total_count: total },
        );
        connection.edges.extend(
            rows.into_iter()
                .enumerate()
                .map(|(i, f)| Edge::new(format!("f:{}", offset + i as u64 + 1), FollowUp(f, today))),
        );
        Ok(connection)
    }

    /// How often customers are called back. Needs `service:manage`.
    async fn follow_up_cadence(&self, ctx: &Context<'_>) -> async_graphql::Result<FollowUpCadence> {
        let scope = ctx.require(Permission::ServiceManage)?;
        Ok(follow_ups::cadence(ctx.db()?, scope.workspace_id).await.map_err(|e| e.extend())?.into())
    }
}

#[derive(Default)]
pub struct FollowUpMutation;

#[Object]
impl FollowUpMutation {
    /// Plans a follow-up by hand, for `ownerId` (the caller when none; someone else needs
    /// `service:configure`). Needs `service:manage`.
    async fn plan_follow_up(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        due_at: DateTime<Utc>,
        owner_id: Option<ID>,
        note: Option<String>,
    ) -> async_graphql::Result<FollowUp> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let customer = parse_id(&customer_id, "customerId")?;
        let owner = owner_id.as_ref().map(|o| parse_id(o, "ownerId")).transpose()?;
        let row = follow_ups::create(ctx.db()?, scope, customer, owner, due_at, note)
            .await
            .map_err(|e| e.extend())?;
        one(ctx, row).await
    }

    /// Puts an open follow-up off until `until` (at most 90 days ahead). Needs `service:manage`.
    async fn snooze_follow_up(
        &self,
        ctx: &Context<'_>,
        id: ID,
        until: DateTime<Utc>,
    ) -> async_graphql::Result<FollowUp> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let id = parse_id(&id, "id")?;
        one(ctx, follow_ups::snooze(ctx.db()?, scope, id, until).await.map_err(|e| e.extend())?).await
    }

    /// Does an open follow-up: the outcome becomes an outbound interaction (`kind`, a call unless
    /// said) on the customer's timeline. Needs `service:manage`.
    async fn complete_follow_up(
        &self,
        ctx: &Context<'_>,
        id: ID,
        outcome: String,
        kind: Option<InteractionKind>,
    ) -> async_graphql::Result<FollowUp> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let id = parse_id(&id, "id")?;
        let row = follow_ups::complete(ctx.db()?, scope, id, &outcome, kind).await.map_err(|e| e.extend())?;
        one(ctx, row).await
    }

    /// Cancels an open follow-up. Needs `service:manage`.
    async fn cancel_follow_up(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<FollowUp> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let id = parse_id(&id, "id")?;
        one(ctx, follow_ups::cancel(ctx.db()?, scope, id).await.map_err(|e| e.extend())?).await
    }

    /// Saves how often customers are called back. Needs `service:configure`.
    async fn save_follow_up_cadence(
        &self,
        ctx: &Context<'_>,
        input: FollowUpCadenceInput,
    ) -> async_graphql::Result<FollowUpCadence> {
        let scope = ctx.require(Permission::ServiceConfigure)?;
        let cadence = input.into_cadence().map_err(|e| e.extend())?;
        Ok(follow_ups::save_cadence(ctx.db()?, scope, cadence).await.map_err(|e| e.extend())?.into())
    }
}
