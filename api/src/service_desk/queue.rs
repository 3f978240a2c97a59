//! The queues agents work from: mine, my team's, unassigned, everything open, breaching soon, breached, or
//! one customer's tickets; always soonest deadline first, then most stars, then oldest.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, NullOrdering, Order};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select,
};
use starcrm_shared::Permission;
use starcrm_shared::service_desk::TicketStatus;
use uuid::Uuid;

use super::teams::{self, Reach};
use crate::auth::Scope;
use crate::entities::{ticket, ticket_tag};
use crate::error::AppError;

/// Which tickets a queue shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum TicketView {
    /// Open tickets assigned to the signed-in staff member.
    Mine,
    /// Open tickets of the signed-in staff member's teams.
    MyTeam,
    /// Open tickets nobody has taken.
    Unassigned,
    /// Every open ticket.
    Open,
    /// Open tickets whose next deadline falls within the warning window (an hour unless asked).
    BreachingSoon,
    /// Open tickets past a deadline that still runs.
    Breached,
    /// Every ticket, solved and closed included.
    All,
}

/// What to list.
#[derive(Clone, Debug)]
pub struct Query {
    pub view: TicketView,
    pub customer_id: Option<Uuid>,
    /// Only tickets with this tag (ignoring case).
    pub tag: Option<String>,
    /// The warning window of `BreachingSoon`, in minutes.
    pub within_minutes: u32,
    pub offset: u64,
    pub limit: u64,
}

/// The SQL condition of an open ticket, exactly as the partial queue indexes state it.
pub const OPEN_CONDITION: &str = "tickets.status IN ('new', 'open', 'pending', 'on_hold')";

/// The statuses that still need the team.
pub fn active_statuses() -> Vec<&'static str> {
    TicketStatus::ALL.iter().filter(|s| s.is_active()).map(|s| s.as_str()).collect()
}

/// The statement of a queue (without paging): the tickets it holds that the caller may see
/// (`reach`), in the queue's order. `my_teams`: the caller's teams, for `MY_TEAM`.
///
/// # Errors
/// `BAD_USER_INPUT` on `view` for `MINE` or `MY_TEAM` asked by an integration (it has no tickets
/// of its own).
pub fn select(
    scope: &Scope,
    reach: &Reach,
    my_teams: &[Uuid],
    q: &Query,
    now: DateTime<Utc>,
) -> Result<Select<ticket::Entity>, AppError> {
    use ticket::Column as C;
    let mut select =
        ticket::Entity::find().filter(C::WorkspaceId.eq(scope.workspace_id)).filter(reach.condition());
    if q.view != TicketView::All {
        // Written as the literal the partial queue indexes are defined with (migration 16), so
        // the planner can use them.
        select = select.filter(Expr::cust(OPEN_CONDITION));
    }
    select = match q.view {
        TicketView::Mine => {
            let me = scope.user_id().ok_or_else(|| {
                AppError::bad_input("view", "MINE is for signed-in staff; an API token has no tickets")
            })?;
            select.filter(C::AssigneeId.eq(me))
        }
        TicketView::MyTeam => {
            if scope.user_id().is_none() {
                return Err(AppError::bad_input(
                    "view",
                    "MY_TEAM is for signed-in staff; an API token has no team",
                ));
            }
            select.filter(C::TeamId.is_in(my_teams.to_vec()))
        }
        TicketView::Unassigned => select.filter(C::AssigneeId.is_null()),
        TicketView::BreachingSoon => select
            .filter(C::NextDue.gt(now))
            .filter(C::NextDue.lte(now + Duration::minutes(i64::from(q.within_minutes)))),
        TicketView::Breached => select.filter(C::NextDue.lte(now)),
        TicketView::Open | TicketView::All => select,
    };
    if let Some(customer) = q.customer_id {
        select = select.filter(C::CustomerId.eq(customer));
    }
    if let Some(tag) = &q.tag {
        let tagged = ticket_tag::Entity::find()
            .select_only()
            .column(ticket_tag::Column::TicketId)
            .filter(ticket_tag::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(ExprTrait::eq(
                Expr::expr(Func::lower(Expr::col((ticket_tag::Entity, ticket_tag::Column::Tag)))),
                tag.trim().to_lowercase(),
            ))
            .into_query();
        select = select.filter(C::Id.in_subquery(tagged));
    }
    Ok(select
        .order_by_with_nulls(C::NextDue, Order::Asc, NullOrdering::Last)
        .order_by_with_nulls(C::Stars, Order::Desc, NullOrdering::Last)
        .order_by_asc(C::Number))
}

/// A page of a queue and how many tickets it holds. Needs `service:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` on `view` for `MINE` asked by an integration (it has no tickets of its own).
pub async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    q: Query,
) -> Result<(Vec<ticket::Model>, u64), AppError> {
    scope.require(Permission::ServiceManage)?;
    let reach = teams::reach(db, scope).await?;
    let my_teams = match (q.view, scope.user_id()) {
        (TicketView::MyTeam, Some(me)) => teams::teams_of(db, scope.workspace_id, me).await?,
        _ => Vec::new(),
    };
    let statement = select(scope, &reach, &my_teams, &q, Utc::now())?;
    let total = statement.clone().count(db).await?;
    if q.limit == 0 {
        return Ok((Vec::new(), total));
    }
    let rows = statement.offset(q.offset).limit(q.limit).all(db).await?;
    Ok((rows, total))
}

/// How many open tickets each of `views` holds for the caller (the caller's reach and teams read
/// once). Needs `service:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` on `view` for `MINE` or `MY_TEAM` asked by an integration.
pub async fn counts(
    db: &DatabaseConnection,
    scope: &Scope,
    views: &[TicketView],
) -> Result<Vec<u64>, AppError> {
    scope.require(Permission::ServiceManage)?;
    let reach = teams::reach(db, scope).await?;
    let my_teams = match scope.user_id() {
        Some(me) => teams::teams_of(db, scope.workspace_id, me).await?,
        None => Vec::new(),
    };
    let now = Utc::now();
    let mut out = Vec::with_capacity(views.len());
    for view in views {
        let q = Query { view: *view, customer_id: None, tag: None, within_minutes: 60, offset: 0, limit: 0 };
        out.push(select(scope, &reach, &my_teams, &q, now)?.count(db).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_open_condition_lists_the_active_statuses() {
        let listed: Vec<String> = super::active_statuses().iter().map(|s| format!("'{s}'")).collect();
        assert_eq!(super::OPEN_CONDITION, format!("tickets.status IN ({})", listed.join(", ")));
    }
}
