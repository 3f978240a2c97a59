//! The queues agents work from: mine, unassigned, everything open, breaching soon, breached, or
//! one customer's tickets; always soonest deadline first, then most stars, then oldest.

use chrono::{Duration, Utc};
use sea_orm::sea_query::{NullOrdering, Order};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use starcrm_shared::Permission;
use starcrm_shared::service_desk::TicketStatus;
use uuid::Uuid;

use crate::auth::Scope;
use crate::entities::ticket;
use crate::error::AppError;

/// Which tickets a queue shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum TicketView {
    /// Open tickets assigned to the signed-in staff member.
    Mine,
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
#[derive(Clone, Copy, Debug)]
pub struct Query {
    pub view: TicketView,
    pub customer_id: Option<Uuid>,
    /// The warning window of `BreachingSoon`, in minutes.
    pub within_minutes: u32,
    pub offset: u64,
    pub limit: u64,
}

/// The statuses that still need the team.
pub fn active_statuses() -> Vec<&'static str> {
    TicketStatus::ALL.iter().filter(|s| s.is_active()).map(|s| s.as_str()).collect()
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
    use ticket::Column as C;
    scope.require(Permission::ServiceManage)?;
    let now = Utc::now();
    let mut select = ticket::Entity::find().filter(C::WorkspaceId.eq(scope.workspace_id));
    if q.view != TicketView::All {
        select = select.filter(C::Status.is_in(active_statuses()));
    }
    select = match q.view {
        TicketView::Mine => {
            let me = scope.user_id().ok_or_else(|| {
                AppError::bad_input("view", "MINE is for signed-in staff; an API token has no tickets")
            })?;
            select.filter(C::AssigneeId.eq(me))
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
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_with_nulls(C::NextDue, Order::Asc, NullOrdering::Last)
        .order_by_with_nulls(C::Stars, Order::Desc, NullOrdering::Last)
        .order_by_asc(C::Number)
        .offset(q.offset)
        .limit(q.limit)
        .all(db)
        .await?;
    Ok((rows, total))
}
