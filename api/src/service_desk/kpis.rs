//! How well the desk keeps its promises, for desk managers: the service-level hit rate by star
//! level (the promise made to the best customers, measured) and per agent (first response and
//! resolution times, hit rate, reopen rate, backlog), over the tickets opened in a period.
//!
//! A target counts once its outcome is known: met (answered or solved with no miss recorded) or
//! missed (a miss recorded by the breach pass); targets still running are left out.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QuerySelect};
use starcrm_shared::Permission;
use starcrm_shared::service_desk::{SlaTarget, TicketStatus};
use uuid::Uuid;

use super::queue::OPEN_CONDITION;
use crate::auth::Scope;
use crate::entities::{sla_miss, ticket, ticket_change, user};
use crate::error::AppError;

/// Met and missed targets of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, async_graphql::SimpleObject)]
#[graphql(complex)]
pub struct HitCount {
    pub met: u64,
    pub missed: u64,
}

impl HitCount {
    fn add(&mut self, met: Option<bool>) {
        match met {
            Some(true) => self.met += 1,
            Some(false) => self.missed += 1,
            None => {}
        }
    }
}

#[async_graphql::ComplexObject]
impl HitCount {
    /// Met / (met + missed); null while no outcome is known.
    async fn rate(&self) -> Option<f64> {
        rate(self.met, self.met + self.missed)
    }
}

#[allow(clippy::cast_precision_loss, reason = "a share")]
fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The promises kept for one star level.
#[derive(Clone, Debug, Default, async_graphql::SimpleObject)]
pub struct StarLevelSla {
    /// The stars the ticket was served under; null: unrated customers.
    pub stars: Option<i16>,
    pub tickets: u64,
    pub first_response: HitCount,
    pub resolution: HitCount,
}

/// One agent's work on the period's tickets.
#[derive(Clone, Debug, Default, async_graphql::SimpleObject)]
pub struct AgentKpi {
    pub agent_id: async_graphql::ID,
    pub name: String,
    /// Tickets of the period assigned to them.
    pub tickets: u64,
    pub solved: u64,
    /// Median minutes from opening to the first reply.
    pub median_first_response_minutes: Option<i64>,
    /// Median minutes from opening to solving.
    pub median_resolution_minutes: Option<i64>,
    pub first_response: HitCount,
    pub resolution: HitCount,
    /// Share of their solved tickets that were reopened.
    pub reopen_rate: Option<f64>,
    /// Open tickets they hold now (whenever opened).
    pub backlog: u64,
}

/// The desk's figures for a period.
#[derive(Clone, Debug, Default, async_graphql::SimpleObject)]
pub struct ServiceKpis {
    pub tickets: u64,
    pub first_response: HitCount,
    pub resolution: HitCount,
    /// Best customers first.
    pub by_stars: Vec<StarLevelSla>,
    /// Most tickets first.
    pub agents: Vec<AgentKpi>,
}

/// Whether a target was met (`Some(true)`), missed, or is still open (`None`).
fn outcome(due: Option<DateTime<Utc>>, done: bool, missed: bool) -> Option<bool> {
    due?;
    if missed {
        Some(false)
    } else if done {
        Some(true)
    } else {
        None
    }
}

fn median(mut values: Vec<i64>) -> Option<i64> {
    values.sort_unstable();
    values.get(values.len() / 2).copied().filter(|_| !values.is_empty())
}

/// The figures for tickets opened in `[from, to)`. Needs `service:configure`.
///
/// # Errors
/// `BAD_USER_INPUT` on `to` for a period that ends before it starts or spans more than a year.
pub async fn compute(
    db: &DatabaseConnection,
    scope: &Scope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<ServiceKpis, AppError> {
    scope.require(Permission::ServiceConfigure)?;
    if to <= from || to - from > chrono::Duration::days(366) {
        return Err(AppError::bad_input("to", "the period must end after it starts and last at most a year"));
    }
    let in_period = |select: sea_orm::Select<ticket::Entity>| {
        select
            .filter(ticket::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(ticket::Column::CreatedAt.gte(from))
            .filter(ticket::Column::CreatedAt.lt(to))
    };
    let rows = in_period(ticket::Entity::find()).all(db).await?;
    let recorded: HashSet<(Uuid, String)> = in_period(ticket::Entity::find())
        .select_only()
        .column_as(sla_miss::Column::TicketId, "t")
        .column_as(sla_miss::Column::Target, "k")
        .join(
            JoinType::InnerJoin,
            ticket::Entity::belongs_to(sla_miss::Entity)
                .from(ticket::Column::Id)
                .to(sla_miss::Column::TicketId)
                .into(),
        )
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let reopened: HashSet<Uuid> = in_period(ticket::Entity::find())
        .select_only()
        .column_as(ticket_change::Column::TicketId, "t")
        .join(
            JoinType::InnerJoin,
            ticket::Entity::belongs_to(ticket_change::Entity)
                .from(ticket::Column::Id)
                .to(ticket_change::Column::TicketId)
                .into(),
        )
        .filter(ticket_change::Column::Field.eq("status"))
        .filter(ticket_change::Column::FromValue.eq(TicketStatus::Solved.as_str()))
        .filter(ticket_change::Column::ToValue.eq(TicketStatus::Open.as_str()))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let missed =
        |t: &ticket::Model, target: SlaTarget| recorded.contains(&(t.id, target.as_str().to_owned()));

    let mut out = ServiceKpis { tickets: rows.len() as u64, ..ServiceKpis::default() };
    let mut by_stars: BTreeMap<std::cmp::Reverse<Option<i16>>, StarLevelSla> = BTreeMap::new();
    let mut agents: HashMap<Uuid, Tally> = HashMap::new();
    for t in &rows {
        let first = outcome(
            t.first_response_due,
            t.first_responded_at.is_some(),
            missed(t, SlaTarget::FirstResponse),
        );
        let resolved = outcome(t.resolution_due, t.solved_at.is_some(), missed(t, SlaTarget::Resolution));
        out.first_response.add(first);
        out.resolution.add(resolved);
        let level = by_stars
            .entry(std::cmp::Reverse(t.stars))
            .or_insert_with(|| StarLevelSla { stars: t.stars, ..StarLevelSla::default() });
        level.tickets += 1;
        level.first_response.add(first);
        level.resolution.add(resolved);
        let Some(agent) = t.assignee_id else { continue };
        let (kpi, firsts, resolutions, reopens) = agents.entry(agent).or_default();
        kpi.tickets += 1;
        kpi.first_response.add(first);
        kpi.resolution.add(resolved);
        if let Some(at) = t.first_responded_at {
            firsts.push((at - t.created_at).num_minutes());
        }
        if let Some(at) = t.solved_at {
            kpi.solved += 1;
            resolutions.push((at - t.created_at).num_minutes());
        }
        if reopened.contains(&t.id) {
            *reopens += 1;
        }
    }
    out.by_stars = by_stars.into_values().collect();
    out.agents = agent_rows(db, scope, agents).await?;
    Ok(out)
}

/// Per agent: running totals, first-response and resolution minutes, reopens.
type Tally = (AgentKpi, Vec<i64>, Vec<i64>, u64);

/// The agents' rows with their names, medians, reopen rates and current backlogs, most tickets
/// first.
async fn agent_rows(
    db: &DatabaseConnection,
    scope: &Scope,
    agents: HashMap<Uuid, Tally>,
) -> Result<Vec<AgentKpi>, AppError> {
    let ids: Vec<Uuid> = agents.keys().copied().collect();
    let names: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let backlog: HashMap<Uuid, i64> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::AssigneeId)
        .column_as(ticket::Column::Id.count(), "n")
        .filter(ticket::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(ticket::Column::AssigneeId.is_in(ids))
        .filter(Expr::cust(OPEN_CONDITION))
        .group_by(ticket::Column::AssigneeId)
        .into_tuple::<(Option<Uuid>, i64)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(u, n)| u.map(|u| (u, n)))
        .collect();
    let mut list: Vec<AgentKpi> = agents
        .into_iter()
        .map(|(id, (mut kpi, firsts, resolutions, reopens))| {
            kpi.agent_id = async_graphql::ID(id.to_string());
            kpi.name = names.get(&id).cloned().unwrap_or_default();
            kpi.median_first_response_minutes = median(firsts);
            kpi.median_resolution_minutes = median(resolutions);
            kpi.reopen_rate = rate(reopens, kpi.solved.max(reopens));
            kpi.backlog = backlog.get(&id).copied().and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
            kpi
        })
        .collect();
    list.sort_by(|a, b| b.tickets.cmp(&a.tickets).then(a.name.cmp(&b.name)));
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::{median, outcome};

    #[test]
    fn a_target_counts_once_its_outcome_is_known() {
        let due = Some(chrono::Utc::now());
        assert_eq!(outcome(due, true, false), Some(true));
        assert_eq!(outcome(due, true, true), Some(false), "answered late");
        assert_eq!(outcome(due, false, true), Some(false));
        assert_eq!(outcome(due, false, false), None, "still running");
        assert_eq!(outcome(None, true, false), None, "no promise");
    }

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![30, 10, 20]), Some(20));
        assert_eq!(median(vec![5, 1, 9, 7]), Some(7));
    }
}
