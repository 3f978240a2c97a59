//! Teams: who works which tickets. A new ticket is routed to the first team (in the workspace's
//! order) that takes its kind and channel; inside the team it goes to the customer's dedicated
//! owner while they are active and not away, else round robin to the available member who was
//! given one longest ago, among those holding fewer open tickets than the team's capacity. When
//! everyone is full or away it waits unassigned in the team's queue, and the dealing pass gives it
//! out as soon as someone frees up.
//!
//! Row-level scoping: an agent sees the tickets of their teams, the tickets given to them, and the
//! tickets no team took; whoever configures the desk (managers, admins, owners) and integrations
//! see every ticket.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use starcrm_shared::customer::Channel;
use starcrm_shared::service_desk::TicketKind;
use starcrm_shared::validate::{self, Invalid};
use starcrm_shared::{Permission, Role};
use uuid::Uuid;

use super::queue::OPEN_CONDITION;
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::db;
use crate::entities::{team, team_member, ticket, user};
use crate::error::AppError;

/// Most teams a workspace keeps.
pub const MAX_TEAMS: usize = 100;
/// Most members a team has.
pub const MAX_MEMBERS: usize = 500;
/// The largest capacity a team may give each member.
pub const MAX_CAPACITY: i32 = 1_000;

/// Which tickets a caller may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Every ticket of the workspace (desk managers, integrations, the server).
    All,
    /// An agent: tickets of these teams, given to them, or of no team.
    Agent { user_id: Uuid, teams: Vec<Uuid> },
}

impl Reach {
    /// The condition on `tickets` that keeps what the caller may see.
    pub fn condition(&self) -> Condition {
        match self {
            Self::All => Condition::all(),
            Self::Agent { user_id, teams } => Condition::any()
                .add(ticket::Column::TeamId.is_null())
                .add(ticket::Column::TeamId.is_in(teams.clone()))
                .add(ticket::Column::AssigneeId.eq(*user_id)),
        }
    }

    /// Whether the caller may see `t`.
    pub fn sees(&self, t: &ticket::Model) -> bool {
        match self {
            Self::All => true,
            Self::Agent { user_id, teams } => {
                t.team_id.is_none_or(|team| teams.contains(&team)) || t.assignee_id == Some(*user_id)
            }
        }
    }
}

/// What the caller may see: everything for those who configure the desk and for integrations;
/// an agent's teams otherwise.
///
/// # Errors
/// Database failures.
pub async fn reach(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Reach, AppError> {
    let Some(user_id) = scope.user_id() else { return Ok(Reach::All) };
    if scope.can(Permission::ServiceConfigure) {
        return Ok(Reach::All);
    }
    Ok(Reach::Agent { user_id, teams: teams_of(conn, scope.workspace_id, user_id).await? })
}

/// The teams `user_id` belongs to.
///
/// # Errors
/// Database failures.
pub async fn teams_of(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
) -> Result<Vec<Uuid>, AppError> {
    Ok(team_member::Entity::find()
        .select_only()
        .column(team_member::Column::TeamId)
        .filter(team_member::Column::WorkspaceId.eq(workspace_id))
        .filter(team_member::Column::UserId.eq(user_id))
        .into_tuple()
        .all(conn)
        .await?)
}

/// The workspace's teams in routing order. Needs `service:manage`.
///
/// # Errors
/// `FORBIDDEN` without `service:manage`.
pub async fn list(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<team::Model>, AppError> {
    scope.require(Permission::ServiceManage)?;
    Ok(team::Entity::find()
        .filter(team::Column::WorkspaceId.eq(scope.workspace_id))
        .order_by_asc(team::Column::Position)
        .order_by_asc(team::Column::Name)
        .all(conn)
        .await?)
}

/// The members of these teams.
///
/// # Errors
/// Database failures.
pub async fn members(
    conn: &impl ConnectionTrait,
    team_ids: &[Uuid],
) -> Result<Vec<team_member::Model>, AppError> {
    if team_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(team_member::Entity::find()
        .filter(team_member::Column::TeamId.is_in(team_ids.to_vec()))
        .order_by_asc(team_member::Column::CreatedAt)
        .order_by_asc(team_member::Column::UserId)
        .all(conn)
        .await?)
}

/// A team's ticket kinds or channels as stored (null: any).
fn list_of<T: serde::de::DeserializeOwned>(value: Option<&str>) -> Vec<T> {
    value.and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default()
}

pub fn kinds_of(t: &team::Model) -> Vec<TicketKind> {
    list_of(t.kinds.as_deref())
}

pub fn channels_of(t: &team::Model) -> Vec<Channel> {
    list_of(t.channels.as_deref())
}

fn stored_list<T: serde::Serialize>(values: &[T]) -> Option<String> {
    (!values.is_empty()).then(|| serde_json::to_string(values).unwrap_or_default())
}

/// A team to create (no id) or change.
#[derive(Clone, Debug)]
pub struct TeamInput {
    pub id: Option<Uuid>,
    pub name: String,
    /// Empty: every kind.
    pub kinds: Vec<TicketKind>,
    /// Empty: every channel.
    pub channels: Vec<Channel>,
    pub capacity: i32,
    pub position: i32,
    pub archived: bool,
    /// The whole membership (members not listed leave the team).
    pub members: Vec<Uuid>,
}

/// Whether an account may be dealt tickets: active, in a role that serves customers.
pub fn serves_customers(u: &user::Model) -> bool {
    u.status == "active" && Role::parse(&u.role).is_some_and(|r| r.has(Permission::ServiceManage))
}

/// Creates or changes a team and sets its members (who keep their availability and turn).
/// Needs `service:configure`.
///
/// # Errors
/// `BAD_USER_INPUT` naming `name`, `capacity` or `members`; `NOT_FOUND` for a team of another
/// workspace; `CONFLICT` on `name` for a name another team has.
pub async fn save(db: &DatabaseConnection, scope: &Scope, input: TeamInput) -> Result<team::Model, AppError> {
    scope.require(Permission::ServiceConfigure)?;
    let name = validate::name(&input.name, 60).map_err(|r| AppError::invalid("name", r))?;
    if !(1..=MAX_CAPACITY).contains(&input.capacity) {
        return Err(AppError::bad_input("capacity", format!("must be between 1 and {MAX_CAPACITY}")));
    }
    let wanted: Vec<Uuid> = {
        let mut seen = HashSet::new();
        input.members.iter().copied().filter(|m| seen.insert(*m)).collect()
    };
    if wanted.len() > MAX_MEMBERS {
        return Err(AppError::invalid("members", Invalid::TooLarge));
    }
    let txn = db::begin_write(db).await?;
    let accounts = user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(user::Column::Id.is_in(wanted.clone()))
        .all(&*txn)
        .await?;
    if let Some(bad) =
        wanted.iter().position(|id| !accounts.iter().any(|u| u.id == *id && serves_customers(u)))
    {
        return Err(AppError::bad_input(
            format!("members[{bad}]"),
            "is not an active staff member who serves customers",
        ));
    }
    let all = list(&*txn, scope).await?;
    if input.id.is_none() && all.len() >= MAX_TEAMS {
        return Err(AppError::bad_input("name", format!("a workspace keeps at most {MAX_TEAMS} teams")));
    }
    if all.iter().any(|t| Some(t.id) != input.id && t.name.to_lowercase() == name.to_lowercase()) {
        return Err(AppError::Conflict {
            field: Some("name".into()),
            message: "another team has this name".into(),
        });
    }
    let now = Utc::now();
    let row = match input.id {
        Some(id) => {
            let mut found =
                all.into_iter().find(|t| t.id == id).ok_or(AppError::NotFound { entity: "team" })?;
            found.name.clone_from(&name);
            found.kinds = stored_list(&input.kinds);
            found.channels = stored_list(&input.channels);
            found.capacity = input.capacity;
            found.position = input.position;
            found.archived = input.archived;
            found.updated_at = now;
            found.into_active_model().reset_all().update(&*txn).await?
        }
        None => team::Model {
            id: Uuid::now_v7(),
            workspace_id: scope.workspace_id,
            name: name.clone(),
            kinds: stored_list(&input.kinds),
            channels: stored_list(&input.channels),
            capacity: input.capacity,
            position: input.position,
            archived: input.archived,
            created_at: now,
            updated_at: now,
        }
        .into_active_model()
        .insert(&*txn)
        .await
        .map_err(|e| AppError::unique_or_internal(e, "name", "another team has this name"))?,
    };
    let current = members(&*txn, &[row.id]).await?;
    let gone: Vec<Uuid> = current.iter().filter(|m| !wanted.contains(&m.user_id)).map(|m| m.id).collect();
    if !gone.is_empty() {
        team_member::Entity::delete_many().filter(team_member::Column::Id.is_in(gone)).exec(&*txn).await?;
    }
    let new: Vec<team_member::ActiveModel> = wanted
        .iter()
        .filter(|u| !current.iter().any(|m| m.user_id == **u))
        .map(|u| team_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(scope.workspace_id),
            team_id: Set(row.id),
            user_id: Set(*u),
            // Someone away elsewhere is away here too.
            available: Set(true),
            last_assigned_at: Set(None),
            created_at: Set(now),
        })
        .collect();
    if !new.is_empty() {
        team_member::Entity::insert_many(new).exec_without_returning(&*txn).await?;
    }
    let entry = Entry::new(if input.id.is_some() { "team.update" } else { "team.create" }, "team", row.id)
        .changes(json!({
            "name": row.name, "kinds": input.kinds, "channels": input.channels,
            "capacity": row.capacity, "archived": row.archived, "members": wanted,
        }));
    audit::record(&*txn, scope, entry).await?;
    txn.commit().await?;
    Ok(row)
}

/// Marks a staff member available for new tickets or away (in all their teams): `user_id` none
/// is the caller. Marking someone else needs `service:configure`.
///
/// # Errors
/// `BAD_USER_INPUT` on `userId` for an API token without one; `NOT_FOUND` for someone in no team
/// of the workspace.
pub async fn set_available(
    db: &DatabaseConnection,
    scope: &Scope,
    user_id: Option<Uuid>,
    available: bool,
) -> Result<Uuid, AppError> {
    scope.require(Permission::ServiceManage)?;
    let who = match user_id {
        Some(other) if Some(other) != scope.user_id() => {
            scope.require(Permission::ServiceConfigure)?;
            other
        }
        Some(me) => me,
        None => scope
            .user_id()
            .ok_or_else(|| AppError::bad_input("userId", "an API token is nobody's availability"))?,
    };
    let txn = db::begin_write(db).await?;
    let done = team_member::Entity::update_many()
        .col_expr(team_member::Column::Available, Expr::value(available))
        .filter(team_member::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(team_member::Column::UserId.eq(who))
        .exec(&*txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::NotFound { entity: "team member" });
    }
    let entry = Entry::new("team.availability", "user", who).changes(json!({ "available": available }));
    audit::record(&*txn, scope, entry).await?;
    txn.commit().await?;
    Ok(who)
}

/// Whether `user_id` marked themselves away (in teams, and available in none).
///
/// # Errors
/// Database failures.
pub async fn is_away(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
) -> Result<bool, AppError> {
    let rows: Vec<bool> = team_member::Entity::find()
        .select_only()
        .column(team_member::Column::Available)
        .filter(team_member::Column::WorkspaceId.eq(workspace_id))
        .filter(team_member::Column::UserId.eq(user_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(!rows.is_empty() && !rows.contains(&true))
}

/// The team a new ticket goes to: the first one, in the workspace's order, that is not archived
/// and takes its kind and channel.
///
/// # Errors
/// Database failures.
pub async fn route(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    kind: TicketKind,
    channel: Channel,
) -> Result<Option<team::Model>, AppError> {
    let teams = team::Entity::find()
        .filter(team::Column::WorkspaceId.eq(workspace_id))
        .filter(team::Column::Archived.eq(false))
        .order_by_asc(team::Column::Position)
        .order_by_asc(team::Column::Name)
        .all(conn)
        .await?;
    Ok(teams.into_iter().find(|t| {
        let (kinds, channels) = (kinds_of(t), channels_of(t));
        (kinds.is_empty() || kinds.contains(&kind)) && (channels.is_empty() || channels.contains(&channel))
    }))
}

/// Open tickets held by each of `users`.
///
/// # Errors
/// Database failures.
pub async fn open_load(conn: &impl ConnectionTrait, users: &[Uuid]) -> Result<HashMap<Uuid, i64>, AppError> {
    if users.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Option<Uuid>, i64)> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::AssigneeId)
        .column_as(ticket::Column::Id.count(), "n")
        .filter(ticket::Column::AssigneeId.is_in(users.to_vec()))
        .filter(Expr::cust(OPEN_CONDITION))
        .group_by(ticket::Column::AssigneeId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(u, n)| u.map(|u| (u, n))).collect())
}

/// Round robin in `team`: the available member under capacity who was given a ticket longest
/// ago (never first), whose turn is then taken. None when everyone is full or away. Two
/// openings at once take turns on the team's row (PostgreSQL; SQLite has one writer).
///
/// # Errors
/// Database failures.
pub async fn deal(
    conn: &impl ConnectionTrait,
    team: &team::Model,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, AppError> {
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        team::Entity::find_by_id(team.id).lock_exclusive().one(conn).await?;
    }
    let mut candidates: Vec<team_member::Model> =
        members(conn, &[team.id]).await?.into_iter().filter(|m| m.available).collect();
    let ids: Vec<Uuid> = candidates.iter().map(|m| m.user_id).collect();
    let active: HashSet<Uuid> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.clone()))
        .all(conn)
        .await?
        .iter()
        .filter(|u| serves_customers(u))
        .map(|u| u.id)
        .collect();
    let load = open_load(conn, &ids).await?;
    candidates.retain(|m| {
        active.contains(&m.user_id) && load.get(&m.user_id).copied().unwrap_or(0) < i64::from(team.capacity)
    });
    candidates.sort_by_key(|m| (m.last_assigned_at.is_some(), m.last_assigned_at, m.created_at, m.user_id));
    let Some(next) = candidates.into_iter().next() else { return Ok(None) };
    let user_id = next.user_id;
    let mut turn = next.into_active_model();
    turn.last_assigned_at = Set(Some(now));
    turn.update(conn).await?;
    Ok(Some(user_id))
}
