//! Teams over GraphQL: the workspace's teams with their members' availability and load, saving a
//! team, marking oneself (or, for desk managers, someone) away, and moving a ticket to a team.

use std::collections::HashMap;

use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object};
use starcrm_shared::Permission;
use starcrm_shared::customer::Channel;
use starcrm_shared::service_desk::TicketKind;
use uuid::Uuid;

use super::graphql::Ticket;
use super::{teams, tickets};
use crate::auth::ContextExt;
use crate::customers::graphql::types::user_in_workspace;
use crate::entities::{team, team_member};
use crate::users::graphql::{StaffMember, parse_id};

/// A team of agents that tickets are routed to.
pub struct Team {
    pub row: team::Model,
    pub members: Vec<team_member::Model>,
    /// Open tickets per member.
    pub load: HashMap<Uuid, i64>,
}

#[Object]
impl Team {
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.row.name
    }

    /// The ticket kinds it takes (empty: all).
    async fn kinds(&self) -> Vec<TicketKind> {
        teams::kinds_of(&self.row)
    }

    /// The channels it takes (empty: all).
    async fn channels(&self) -> Vec<Channel> {
        teams::channels_of(&self.row)
    }

    /// The most open tickets round robin gives one member.
    async fn capacity(&self) -> i32 {
        self.row.capacity
    }

    /// Routing order: the first team that takes a ticket gets it.
    async fn position(&self) -> i32 {
        self.row.position
    }

    async fn archived(&self) -> bool {
        self.row.archived
    }

    async fn members(&self) -> Vec<TeamMember> {
        self.members
            .iter()
            .map(|m| TeamMember {
                row: m.clone(),
                open_tickets: self.load.get(&m.user_id).copied().unwrap_or(0),
            })
            .collect()
    }
}

/// A member of a team.
pub struct TeamMember {
    row: team_member::Model,
    open_tickets: i64,
}

#[Object]
impl TeamMember {
    async fn user_id(&self) -> ID {
        ID(self.row.user_id.to_string())
    }

    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffMember>> {
        user_in_workspace(ctx, self.row.user_id).await
    }

    /// Takes new tickets (false: away).
    async fn available(&self) -> bool {
        self.row.available
    }

    /// Open tickets they hold (in any team).
    async fn open_tickets(&self) -> i64 {
        self.open_tickets
    }

    /// When round robin last gave them a ticket of this team.
    async fn last_assigned_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.row.last_assigned_at
    }
}

/// A team to save.
#[derive(InputObject)]
pub struct TeamInput {
    /// None: a new team.
    pub id: Option<ID>,
    pub name: String,
    /// Ticket kinds it takes; empty: all.
    #[graphql(default)]
    pub kinds: Vec<TicketKind>,
    /// Channels it takes; empty: all.
    #[graphql(default)]
    pub channels: Vec<Channel>,
    #[graphql(default = 20)]
    pub capacity: i32,
    #[graphql(default)]
    pub position: i32,
    #[graphql(default)]
    pub archived: bool,
    /// The whole membership: staff who serve customers.
    #[graphql(default)]
    pub members: Vec<ID>,
}

/// The teams with their members and each member's open tickets, read in three statements.
async fn with_members(
    db: &sea_orm::DatabaseConnection,
    rows: Vec<team::Model>,
) -> async_graphql::Result<Vec<Team>> {
    let ids: Vec<Uuid> = rows.iter().map(|t| t.id).collect();
    let members = teams::members(db, &ids).await.map_err(|e| e.extend())?;
    let users: Vec<Uuid> = members.iter().map(|m| m.user_id).collect();
    let load = teams::open_load(db, &users).await.map_err(|e| e.extend())?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mine = members.iter().filter(|m| m.team_id == row.id).cloned().collect();
            Team { row, members: mine, load: load.clone() }
        })
        .collect())
}

#[derive(Default)]
pub struct TeamQuery;

#[Object]
impl TeamQuery {
    /// The workspace's teams in routing order. Needs `service:manage`.
    async fn teams(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Team>> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let db = ctx.db()?;
        let rows = teams::list(db, scope).await.map_err(|e| e.extend())?;
        with_members(db, rows).await
    }
}

#[derive(Default)]
pub struct TeamMutation;

#[Object]
impl TeamMutation {
    /// Creates or changes a team and sets its members. Needs `service:configure`.
    async fn save_team(&self, ctx: &Context<'_>, input: TeamInput) -> async_graphql::Result<Team> {
        let scope = ctx.require(Permission::ServiceConfigure)?;
        let members = input
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| parse_id(m, &format!("members[{i}]")))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        let input = teams::TeamInput {
            id: input.id.as_ref().map(|id| parse_id(id, "id")).transpose()?,
            name: input.name,
            kinds: input.kinds,
            channels: input.channels,
            capacity: input.capacity,
            position: input.position,
            archived: input.archived,
            members,
        };
        let db = ctx.db()?;
        let row = teams::save(db, scope, input).await.map_err(|e| e.extend())?;
        Ok(with_members(db, vec![row]).await?.remove(0))
    }

    /// Marks a staff member available for new tickets or away, in all their teams (`userId`
    /// none: the caller). Someone else needs `service:configure`. Returns whom it marked.
    async fn set_availability(
        &self,
        ctx: &Context<'_>,
        available: bool,
        user_id: Option<ID>,
    ) -> async_graphql::Result<ID> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let user = user_id.as_ref().map(|u| parse_id(u, "userId")).transpose()?;
        let who = teams::set_available(ctx.db()?, scope, user, available).await.map_err(|e| e.extend())?;
        Ok(ID(who.to_string()))
    }

    /// Moves a ticket to a team (`teamId: null`: to none); an assignee outside the new team gives
    /// it up to round robin there. Needs `service:manage`.
    async fn set_ticket_team(
        &self,
        ctx: &Context<'_>,
        id: ID,
        team_id: Option<ID>,
    ) -> async_graphql::Result<Ticket> {
        let scope = ctx.require(Permission::ServiceManage)?;
        let id = parse_id(&id, "id")?;
        let team = team_id.as_ref().map(|t| parse_id(t, "teamId")).transpose()?;
        Ok(Ticket(tickets::set_team(ctx.db()?, scope, id, team).await.map_err(|e| e.extend())?))
    }
}
