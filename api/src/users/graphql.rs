use async_graphql::connection::Connection;
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use serde_json::json;
use starcrm_shared::account::UserStatus;
use starcrm_shared::{Permission, Role, mask};
use uuid::Uuid;

use super::service::{self, Filter, NewUser};
use crate::audit::{self, Entry};
use crate::auth::ContextExt;
use crate::entities::user;
use crate::error::AppError;
use crate::graphql::pagination::{ConnectionFields, PageRequest};

/// A staff member as customer records show them (a customer's owner, an interaction's agent):
/// id and display name for everyone who may see the record; the account itself (email, role,
/// status, last sign-in) only for callers with `users:read`.
pub struct StaffMember(pub user::Model);

#[Object]
impl StaffMember {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The account, for callers with `users:read`; `null` for everyone else.
    async fn account(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(ctx.scope()?.can(Permission::UsersRead).then(|| User(self.0.clone())))
    }
}

/// A staff account.
pub struct User(pub user::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The sign-in email (lower case).
    async fn email(&self) -> &str {
        &self.0.email
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Masked (`138****5678`) unless `reveal: true`, which needs `pii:read` (or is one's own
    /// number) and is recorded in the audit log.
    async fn phone(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] reveal: bool,
    ) -> async_graphql::Result<Option<String>> {
        let Some(phone) = &self.0.phone else { return Ok(None) };
        if !reveal {
            return Ok(Some(mask::phone(phone)));
        }
        let scope = ctx.scope()?;
        if scope.user_id() != Some(self.0.id) {
            scope.require(Permission::PiiRead).map_err(|e| e.extend())?;
            let entry = Entry::new("pii.reveal", "user", self.0.id).changes(json!({ "field": "phone" }));
            audit::record(ctx.db()?, scope, entry).await.map_err(|e| e.extend())?;
        }
        Ok(Some(phone.clone()))
    }

    async fn role(&self) -> async_graphql::Result<Role> {
        Role::parse(&self.0.role).ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown role")).extend())
    }

    async fn status(&self) -> UserStatus {
        UserStatus::parse(&self.0.status).unwrap_or(UserStatus::Deactivated)
    }

    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Name this in updates; a stale one gets `CONFLICT`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Narrows the user list.
#[derive(InputObject, Default)]
pub struct UserFilter {
    pub status: Option<UserStatus>,
    pub role: Option<Role>,
    /// Part of the name or email.
    pub search: Option<String>,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub name: String,
    /// At most the caller's own role.
    pub role: Role,
    /// A Chinese mobile number or an international one (`+44 20 7946 0958`).
    pub phone: Option<String>,
}

/// An account and its new temporary password, shown this once.
#[derive(SimpleObject)]
pub struct CreateUserPayload {
    pub user: User,
    /// Hand it to the new user; they should change it after signing in.
    pub temporary_password: String,
}

#[derive(InputObject)]
pub struct ChangeUserRoleInput {
    pub id: ID,
    pub role: Role,
    /// The version the change is based on.
    pub version: i32,
}

/// A list field costs its page size times what each item selects.
pub fn page_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    usize::try_from(first.unwrap_or(50)).unwrap_or(0).max(1).saturating_mul(child_complexity)
}

pub fn parse_id(id: &ID, field: &str) -> async_graphql::Result<Uuid> {
    id.parse::<Uuid>().map_err(|_| AppError::bad_input(field, "is not a valid id").extend())
}

#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// The workspace's staff accounts. Needs `users:read`.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<UserFilter>,
    ) -> async_graphql::Result<Connection<String, User, ConnectionFields>> {
        let scope = ctx.require(Permission::UsersRead)?;
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = Filter { status: filter.status, role: filter.role, search: filter.search };
        let slice = service::list(ctx.db()?, scope, &filter, page).await.map_err(|e| e.extend())?;
        Ok(slice.into_connection(User))
    }

    /// One account by id (`null` if there is none in the workspace). Needs `users:read`,
    /// except for one's own.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<User>> {
        let scope = ctx.scope()?;
        let id = parse_id(&id, "id")?;
        match service::get(ctx.db()?, scope, id).await {
            Ok(found) => Ok(Some(User(found))),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err.extend()),
        }
    }
}

#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    /// Creates a staff account with a temporary password. Needs `users:manage`; the role may
    /// not be above the caller's.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<CreateUserPayload> {
        let scope = ctx.require(Permission::UsersManage)?;
        let input = NewUser { email: input.email, name: input.name, role: input.role, phone: input.phone };
        let (created, temporary_password) =
            service::create(ctx.db()?, scope, input).await.map_err(|e| e.extend())?;
        Ok(CreateUserPayload { user: User(created), temporary_password })
    }

    /// Gives an account another role. Needs `users:manage`; never one's own, never above one's own.
    async fn change_user_role(
        &self,
        ctx: &Context<'_>,
        input: ChangeUserRoleInput,
    ) -> async_graphql::Result<User> {
        let scope = ctx.require(Permission::UsersManage)?;
        let id = parse_id(&input.id, "id")?;
        let updated = service::change_role(ctx.db()?, scope, id, input.role, input.version)
            .await
            .map_err(|e| e.extend())?;
        Ok(User(updated))
    }

    /// Stops an account from signing in and ends its sessions at once. Needs `users:manage`.
    async fn deactivate_user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<User> {
        let scope = ctx.require(Permission::UsersManage)?;
        let id = parse_id(&id, "id")?;
        Ok(User(service::set_active(ctx.db()?, scope, id, false).await.map_err(|e| e.extend())?))
    }

    /// Sets a new temporary password on someone else's account (shown once) and ends its
    /// sessions. Needs `users:manage`; not above one's own role.
    async fn reset_user_password(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<CreateUserPayload> {
        let scope = ctx.require(Permission::UsersManage)?;
        let id = parse_id(&id, "id")?;
        let (user, temporary_password) =
            service::reset_password(ctx.db()?, scope, id).await.map_err(|e| e.extend())?;
        Ok(CreateUserPayload { user: User(user), temporary_password })
    }

    /// Lets a deactivated account sign in again. Needs `users:manage`.
    async fn reactivate_user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<User> {
        let scope = ctx.require(Permission::UsersManage)?;
        let id = parse_id(&id, "id")?;
        Ok(User(service::set_active(ctx.db()?, scope, id, true).await.map_err(|e| e.extend())?))
    }
}
