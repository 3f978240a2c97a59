use std::collections::BTreeSet;
use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions};
use sea_orm::DatabaseConnection;
use starcrm_shared::account::ActorKind;
use starcrm_shared::{Permission, Role};
use uuid::Uuid;

use super::Auth;
use super::request::{Caller, RequestMeta};
use crate::error::AppError;

/// Who acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in staff member.
    User { id: Uuid, name: String, role: Role, session_id: Uuid },
    /// An integration. Acts with its scopes, limited by its creator's current role.
    ApiToken { id: Uuid, name: String, creator_role: Role },
    /// The server itself (command line, jobs).
    System,
}

/// The verified caller of one request: workspace, actor, effective permissions and where the
/// request came from. Every service call takes it; the workspace never comes from input.
#[derive(Clone, Debug)]
pub struct Scope {
    pub workspace_id: Uuid,
    pub actor: Actor,
    pub permissions: BTreeSet<Permission>,
    pub meta: RequestMeta,
}

impl Scope {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// # Errors
    /// `FORBIDDEN` naming the missing permission.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.can(permission) { Ok(()) } else { Err(AppError::missing_permission(permission)) }
    }

    /// The role whose rank limits what this caller may do to accounts: the user's own, or an
    /// API token creator's.
    pub fn rank_role(&self) -> Option<Role> {
        match &self.actor {
            Actor::User { role, .. } => Some(*role),
            Actor::ApiToken { creator_role, .. } => Some(*creator_role),
            Actor::System => Some(Role::Owner),
        }
    }

    /// The session of a signed-in user (nil for other actors).
    pub fn session_id(&self) -> Uuid {
        match &self.actor {
            Actor::User { session_id, .. } => *session_id,
            _ => Uuid::nil(),
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn actor_kind(&self) -> ActorKind {
        match self.actor {
            Actor::User { .. } => ActorKind::User,
            Actor::ApiToken { .. } => ActorKind::ApiToken,
            Actor::System => ActorKind::System,
        }
    }

    pub fn actor_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::User { id, .. } | Actor::ApiToken { id, .. } => Some(*id),
            Actor::System => None,
        }
    }

    pub fn actor_name(&self) -> &str {
        match &self.actor {
            Actor::User { name, .. } | Actor::ApiToken { name, .. } => name,
            Actor::System => "system",
        }
    }

    /// The server acting on its own in a workspace (command line, seed).
    pub fn system(workspace_id: Uuid) -> Self {
        Self {
            workspace_id,
            actor: Actor::System,
            permissions: Permission::ALL.into_iter().collect(),
            meta: RequestMeta::default(),
        }
    }
}

/// What resolvers read from the GraphQL context, with errors that keep their codes.
pub trait ContextExt {
    /// The verified caller, or `UNAUTHENTICATED`.
    fn scope(&self) -> async_graphql::Result<&Scope>;
    /// The verified caller holding `permission`, or `UNAUTHENTICATED` / `FORBIDDEN`.
    fn require(&self, permission: Permission) -> async_graphql::Result<&Scope>;
    fn meta(&self) -> async_graphql::Result<&RequestMeta>;
    fn db(&self) -> async_graphql::Result<&DatabaseConnection>;
    fn auth(&self) -> async_graphql::Result<&Arc<Auth>>;
}

fn missing(what: &str) -> async_graphql::Error {
    AppError::internal(anyhow::anyhow!("{what} missing from the GraphQL context")).extend()
}

impl ContextExt for Context<'_> {
    fn scope(&self) -> async_graphql::Result<&Scope> {
        match self.data::<Caller>().map_err(|_| missing("Caller"))? {
            Caller(Some(scope)) => Ok(scope),
            Caller(None) => Err(AppError::Unauthenticated.extend()),
        }
    }

    fn require(&self, permission: Permission) -> async_graphql::Result<&Scope> {
        let scope = self.scope()?;
        scope.require(permission).map_err(|e| e.extend())?;
        Ok(scope)
    }

    fn meta(&self) -> async_graphql::Result<&RequestMeta> {
        self.data::<RequestMeta>().map_err(|_| missing("RequestMeta"))
    }

    fn db(&self) -> async_graphql::Result<&DatabaseConnection> {
        self.data::<DatabaseConnection>().map_err(|_| missing("DatabaseConnection"))
    }

    fn auth(&self) -> async_graphql::Result<&Arc<Auth>> {
        self.data::<Arc<Auth>>().map_err(|_| missing("Auth"))
    }
}
