//! How well the desk keeps its promises, for desk managers: the service-level hit rate by star
//! level (the promise made to the best customers, measured) and per agent (first response and
//! resolution times, hit rate, reopen rate, backlog), over the tickets opened in a period.
//!
//! A target counts once its outcome is known: met (answered or solved with no miss recorded) or
//! missed (a miss recorded by the breach pass); targets still running are left out.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    Statement,
};
use starcrm_shared::Permission;
use starcrm_shared::service_desk::{SlaTarget, TicketStatus};
use uuid::Uuid;

use super::queue::OPEN_CONDITION;
use crate::auth::Scope;
use crate::entities::{ticket, user};
use crate::error::AppError;

/// Met and missed targets of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, async_graphql::SimpleObject)]
#[graphql(complex)]
pub struct HitCount {
    pub met: u64,
    pub missed: u64,
}

impl HitCount {
    fn merge(&mut self, other: Self) {
        self.met += other.met;
        self.missed += other.missed;
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
    // Counted by the database, one row per star level and assignee: a year of a busy desk is
    // never read into memory.
    let backend = db.get_database_backend();
    let counts = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            COUNTS_SQL,
            [
                scope.workspace_id.into(),
                from.into(),
                to.into(),
                SlaTarget::FirstResponse.as_str().into(),
                SlaTarget::Resolution.as_str().into(),
                TicketStatus::Solved.as_str().into(),
                TicketStatus::Open.as_str().into(),
            ],
        ))
        .await?;
    let mut out = ServiceKpis::default();
    let mut by_stars: BTreeMap<std::cmp::Reverse<Option<i16>>, StarLevelSla> = BTreeMap::new();
    let mut agents: HashMap<Uuid, Tally> = HashMap::new();
    for row in counts {
        let n = |column: &str| -> Result<u64, AppError> {
            let value: Option<i64> = row.try_get("", column)?;
            Ok(value.and_then(|v| u64::try_from(v).ok()).unwrap_or(0))
        };
        let stars: Option<i16> = row.try_get("", "stars")?;
        let assignee: Option<Uuid> = row.try_get("", "assignee_id")?;
        let tickets = n("tickets")?;
        let first = HitCount { met: n("first_met")?, missed: n("first_missed")? };
        let resolution = HitCount { met: n("resolution_met")?, missed: n("resolution_missed")? };
        out.tickets += tickets;
        out.first_response.merge(first);
        out.resolution.merge(resolution);
        let level = by_stars
            .entry(std::cmp::Reverse(stars))
            .or_insert_with(|| StarLevelSla { stars, ..StarLevelSla::default() });
        level.tickets += tickets;
        level.first_response.merge(first);
        level.resolution.merge(resolution);
        let Some(agent) = assignee else { continue };
        let (kpi, _, _, reopens) = agents.entry(agent).or_default();
        kpi.tickets += tickets;
        kpi.solved += n("solved")?;
        kpi.first_response.merge(first);
        kpi.resolution.merge(resolution);
        *reopens += n("reopened")?;
    }
    // The medians need each answered or solved ticket's times: two timestamps a ticket.
    let times: Vec<Times> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::AssigneeId)
        .column(ticket::Column::CreatedAt)
        .column(ticket::Column::FirstRespondedAt)
        .column(ticket::Column::SolvedAt)
        .filter(ticket::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(ticket::Column::CreatedAt.gte(from))
        .filter(ticket::Column::CreatedAt.lt(to))
        .filter(ticket::Column::AssigneeId.is_not_null())
        .filter(
            Condition::any()
                .add(ticket::Column::FirstRespondedAt.is_not_null())
                .add(ticket::Column::SolvedAt.is_not_null()),
        )
        .into_tuple()
        .all(db)
        .await?;
    for (assignee, created, responded, solved) in times {
        let Some((_, firsts, resolutions, _)) = assignee.and_then(|a| agents.get_mut(&a)) else { continue };
        firsts.extend(responded.map(|at| (at - created).num_minutes()));
        resolutions.extend(solved.map(|at| (at - created).num_minutes()));
    }
    out.by_stars = by_stars.into_values().collect();
    out.agents = agent_rows(db, scope, agents).await?;
    Ok(out)
}

/// The period's tickets counted per star level and assignee: each target met (answered or
/// solved, no miss recorded) or missed (a miss recorded), solved, and reopened (solved -> open
/// in its history). `$1` workspace, `$2`..`$3` the period, `$4`/`$5` the first-response and
/// resolution targets, `$6`/`$7` the solved and open statuses.
const COUNTS_SQL: &str = "SELECT t.stars, t.assignee_id, COUNT(*) AS tickets,
    SUM(CASE WHEN t.first_response_due IS NOT NULL AND t.first_responded_at IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM sla_misses m WHERE m.ticket_id = t.id AND m.target = $4)
        THEN 1 ELSE 0 END) AS first_met,
    SUM(CASE WHEN t.first_response_due IS NOT NULL
             AND EXISTS (SELECT 1 FROM sla_misses m WHERE m.ticket_id = t.id AND m.target = $4)
        THEN 1 ELSE 0 END) AS first_missed,
    SUM(CASE WHEN t.resolution_due IS NOT NULL AND t.solved_at IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM sla_misses m WHERE m.ticket_id = t.id AND m.target = $5)
        THEN 1 ELSE 0 END) AS resolution_met,
    SUM(CASE WHEN t.resolution_due IS NOT NULL
             AND EXISTS (SELECT 1 FROM sla_misses m WHERE m.ticket_id = t.id AND m.target = $5)
        THEN 1 ELSE 0 END) AS resolution_missed,
    SUM(CASE WHEN t.solved_at IS NOT NULL THEN 1 ELSE 0 END) AS solved,
    SUM(CASE WHEN EXISTS (SELECT 1 FROM ticket_changes c WHERE c.ticket_id = t.id AND c.field = 'status'
                          AND c.from_value = $6 AND c.to_value = $7)
        THEN 1 ELSE 0 END) AS reopened
  FROM tickets t
  WHERE t.workspace_id = $1 AND t.created_at >= $2 AND t.created_at < $3
  GROUP BY t.stars, t.assignee_id";

/// A ticket's assignee, opening, first reply and solving.
type Times = (Option<Uuid>, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

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
    use super::median;

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![30, 10, 20]), Some(20));
        assert_eq!(median(vec![5, 1, 9, 7]), Some(7));
    }
}
