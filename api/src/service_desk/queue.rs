//! The queues agents work from: mine, my team's, unassigned, everything open, breaching soon, breached, or
//! one customer's tickets; always soonest deadline first, then most stars, then oldest.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, NullOrdering, Order};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use serde::{Deserialize, Serialize};
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
    /// The page starts after this row.
    pub after: Option<Cursor>,
    pub limit: u64,
}

/// Where a queue page starts: the order key of the last row before it (deadline, stars,
/// number). A queue moves while someone pages through it; a key, unlike a row offset, neither
/// repeats nor skips a ticket because others left the queue meanwhile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The deadline as stored (every fraction of a second kept, so equal compares equal).
    #[serde(rename = "d")]
    pub next_due: Option<DateTime<Utc>>,
    #[serde(rename = "s")]
    pub stars: Option<i16>,
    #[serde(rename = "n")]
    pub number: i64,
}

impl Cursor {
    /// The cursor after `t`.
    pub fn after(t: &ticket::Model) -> Self {
        Self { next_due: t.next_due, stars: t.stars, number: t.number }
    }

    pub fn encode(&self) -> String {
        crate::graphql::pagination::encode_key_cursor(self)
    }

    /// # Errors
    /// `BAD_USER_INPUT` on `after` for anything this server did not make.
    pub fn decode(value: &str) -> Result<Self, AppError> {
        crate::graphql::pagination::decode_key_cursor(value)
    }

    /// The rows after this one in the queue's order: deadline ascending (none last), then
    /// stars descending (none last), then number ascending.
    fn condition(&self) -> Condition {
        use ticket::Column as C;
        let stars_then_number = match self.stars {
            Some(stars) => Condition::any()
                .add(C::Stars.lt(stars))
                .add(C::Stars.is_null())
                .add(Condition::all().add(C::Stars.eq(stars)).add(C::Number.gt(self.number))),
            None => Condition::all().add(C::Stars.is_null()).add(C::Number.gt(self.number)),
        };
        match self.next_due {
            Some(due) => Condition::any()
                .add(C::NextDue.gt(due))
                .add(C::NextDue.is_null())
                .add(Condition::all().add(C::NextDue.eq(due)).add(stars_then_number)),
            None => Condition::all().add(C::NextDue.is_null()).add(stars_then_number),
        }
    }
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

/// A page of a queue, how many tickets the queue holds, and whether more follow the page.
/// Needs `service:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` on `view` for `MINE` asked by an integration (it has no tickets of its own).
pub async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    q: Query,
) -> Result<(Vec<ticket::Model>, u64, bool), AppError> {
    scope.require(Permission::ServiceManage)?;
    let reach = teams::reach(db, scope).await?;
    let my_teams = match (q.view, scope.user_id()) {
        (TicketView::MyTeam, Some(me)) => teams::teams_of(db, scope.workspace_id, me).await?,
        _ => Vec::new(),
    };
    let statement = select(scope, &reach, &my_teams, &q, Utc::now())?;
    let total = statement.clone().count(db).await?;
    if q.limit == 0 {
        return Ok((Vec::new(), total, false));
    }
    let statement = match &q.after {
        Some(cursor) => statement.filter(cursor.condition()),
        None => statement,
    };
    let mut rows = statement.limit(q.limit + 1).all(db).await?;
    let more = rows.len() as u64 > q.limit;
    rows.truncate(usize::try_from(q.limit).unwrap_or(usize::MAX));
    Ok((rows, total, more))
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
        let q =
            Query { view: *view, customer_id: None, tag: None, within_minutes: 60, after: None, limit: 0 };
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
