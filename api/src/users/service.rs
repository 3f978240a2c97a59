use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use starcrm_shared::account::UserStatus;
use starcrm_shared::{Permission, Role, mask, validate};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::rate_limit::{CURRENT_PASSWORD_CHECKS, failures};
use crate::auth::sessions::{self, Issued};
use crate::auth::{Auth, Scope, password};
use crate::entities::user;
use crate::error::AppError;
use crate::graphql::pagination::{PageRequest, Slice};

/// Narrows the user list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub status: Option<UserStatus>,
    pub role: Option<Role>,
    /// Part of the name or email.
    pub search: Option<String>,
}

/// The workspace's accounts in creation order.
///
/// # Errors
/// `FORBIDDEN` without `users:read`.
pub async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    filter: &Filter,
    page: PageRequest,
) -> Result<Slice<user::Model>, AppError> {
    scope.require(Permission::UsersRead)?;
    let mut query = user::Entity::find().filter(user::Column::WorkspaceId.eq(scope.workspace_id));
    if let Some(status) = filter.status {
        query = query.filter(user::Column::Status.eq(status.as_str()));
    }
    if let Some(role) = filter.role {
        query = query.filter(user::Column::Role.eq(role.as_str()));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if search.chars().count() > 200 {
            return Err(AppError::bad_input("filter.search", "at most 200 characters"));
        }
        let pattern = search.to_lowercase();
        query = query.filter(
            Condition::any()
                .add(crate::db::contains_text(user::Column::Name, search))
                .add(crate::db::contains_text(user::Column::Email, &pattern)),
        );
    }
    let total = query.clone().count(db).await?;
    if let Some(after) = page.after {
        query = query.filter(user::Column::Id.gt(after));
    }
    let mut rows = query.order_by_asc(user::Column::Id).limit(u64::from(page.first) + 1).all(db).await?;
    Ok(Slice::from_rows(&mut rows, page.first, total, |row| row.id))
}

/// One account of the caller's workspace.
///
/// # Errors
/// `FORBIDDEN` without `users:read` (one's own account is always readable); `NOT_FOUND` for
/// ids of other workspaces.
pub async fn get(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<user::Model, AppError> {
    if scope.user_id() != Some(id) {
        scope.require(Permission::UsersRead)?;
    }
    find_in_workspace(conn, scope, id).await
}

async fn find_in_workspace(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(id)
        .filter(user::Column::WorkspaceId.eq(scope.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "user" })
}

/// A new account, as an admin enters it.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub phone: Option<String>,
}

/// Creates an account with a generated temporary password, returned once for the admin to hand
/// over.
///
/// # Errors
/// `FORBIDDEN` without `users:manage` or for a role above the caller's; `BAD_USER_INPUT` for
/// invalid fields; `CONFLICT` when the email is taken.
pub async fn create(
    db: &DatabaseConnection,
    scope: &Scope,
    input: NewUser,
) -> Result<(user::Model, String), AppError> {
    scope.require(Permission::UsersManage)?;
    ensure_can_manage(scope, input.role)?;
    let email = validate::email(&input.email).map_err(|r| AppError::invalid("email", r))?;
    let name =
        validate::name(&input.name, validate::NAME_MAX_CHARS).map_err(|r| AppError::invalid("name", r))?;
    let phone = input
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(|p| validate::phone(p).map_err(|r| AppError::invalid("phone", r)))
        .transpose()?;
    let temporary = password::generate_temporary()?;
    let hash = password::hash(temporary.clone()).await?;

    let txn = crate::db::begin_write(db).await?;
    let created = user::ActiveModel {
        workspace_id: Set(scope.workspace_id),
        email: Set(email.clone()),
        name: Set(name.clone()),
        phone: Set(phone.clone()),
        role: Set(input.role.as_str().to_owned()),
        password_hash: Set(hash),
        status: Set(UserStatus::Active.as_str().to_owned()),
        last_login_at: Set(None),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::unique_or_internal(e, "email", "an account with this email already exists"))?;
    audit::record(
        &txn,
        scope,
        Entry::new("user.create", "user", created.id).changes(json!({
            "email": email,
            "name": name,
            "role": input.role.as_str(),
            "phone": phone.as_deref().map(mask::phone),
        })),
    )
    .await?;
    txn.commit().await?;
    Ok((created, temporary))
}

/// Gives an account another role.
///
/// # Errors
/// `FORBIDDEN` for one's own account, a target or new role above the caller's, or without
/// `users:manage`; `CONFLICT` for a stale `version` or when the last owner would go;
/// `NOT_FOUND` outside the workspace.
pub async fn change_role(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    role: Role,
    version: i32,
) -> Result<user::Model, AppError> {
    scope.require(Permission::UsersManage)?;
    if scope.user_id() == Some(id) {
        return Err(AppError::forbidden("nobody changes their own role"));
    }
    let txn = crate::db::begin_write(db).await?;
    let target = find_in_workspace(&txn, scope, id).await?;
    let current = stored_role(&target)?;
    ensure_can_manage(scope, current)?;
    ensure_can_manage(scope, role)?;
    if target.version != version {
        return Err(AppError::stale("user"));
    }
    if current == Role::Owner && role != Role::Owner {
        ensure_another_active_owner(&txn, scope, id).await?;
    }
    let mut update: user::ActiveModel = target.clone().into();
    update.role = Set(role.as_str().to_owned());
    update.version = Set(target.version + 1);
    let updated = update.update(&txn).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("user.role_change", "user", id)
            .changes(json!({ "role": { "from": current.as_str(), "to": role.as_str() } })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deactivates (`active = false`: ends every session at once) or reactivates an account.
///
/// # Errors
/// As for [`change_role`]; deactivating oneself is refused.
pub async fn set_active(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    active: bool,
) -> Result<user::Model, AppError> {
    scope.require(Permission::UsersManage)?;
    if scope.user_id() == Some(id) {
        return Err(AppError::forbidden("you cannot deactivate or reactivate your own account"));
    }
    let txn = crate::db::begin_write(db).await?;
    let target = find_in_workspace(&txn, scope, id).await?;
    let role = stored_role(&target)?;
    ensure_can_manage(scope, role)?;
    let status = if active { UserStatus::Active } else { UserStatus::Deactivated };
    if target.status == status.as_str() {
        txn.commit().await?;
        return Ok(target);
    }
    if !active && role == Role::Owner {
        ensure_another_active_owner(&txn, scope, id).await?;
    }
    let mut update: user::ActiveModel = target.clone().into();
    update.status = Set(status.as_str().to_owned());
    update.version = Set(target.version + 1);
    let updated = update.update(&txn).await?;
    let (ended, tokens_revoked) = if active {
        (0, 0)
    } else {
        (
            sessions::revoke_all_for_user(&txn, id, "account deactivated").await?,
            crate::api_tokens::service::revoke_all_of_creator(&txn, id, scope.actor_id()).await?,
        )
    };
    let action = if active { "user.reactivate" } else { "user.deactivate" };
    let changes = json!({ "sessionsEnded": ended, "apiTokensRevoked": tokens_revoked });
    audit::record(&txn, scope, Entry::new(action, "user", id).changes(changes)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Gives someone else's account a new temporary password (they forgot theirs) and ends its
/// sessions. The password is returned once, for the admin to hand over.
///
/// # Errors
/// As for [`set_active`]: not oneself (use [`change_password`]), not above one's role.
pub async fn reset_password(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
) -> Result<(user::Model, String), AppError> {
    scope.require(Permission::UsersManage)?;
    if scope.user_id() == Some(id) {
        return Err(AppError::forbidden("change your own password with your current one"));
    }
    let target = find_in_workspace(db, scope, id).await?;
    ensure_can_manage(scope, stored_role(&target)?)?;
    let temporary = password::generate_temporary()?;
    let hash = password::hash(temporary.clone()).await?;
    let txn = crate::db::begin_write(db).await?;
    let mut update: user::ActiveModel = target.clone().into();
    update.password_hash = Set(hash);
    update.password_changed_at = Set(Utc::now());
    update.version = Set(target.version + 1);
    let updated = update.update(&txn).await?;
    let ended = sessions::revoke_all_for_user(&txn, id, "password reset").await?;
    audit::record(
        &txn,
        scope,
        Entry::new("user.password_reset", "user", id).changes(json!({ "sessionsEnded": ended })),
    )
    .await?;
    txn.commit().await?;
    Ok((updated, temporary))
}

/// Changes the caller's own password. Every session of the account ends (a stolen session
/// dies with the old password); the caller gets a fresh one.
///
/// # Errors
/// `BAD_USER_INPUT` on `currentPassword` for a wrong one (attempts rate limited like sign-in);
/// `BAD_USER_INPUT` for a new password that breaks the rules; `FORBIDDEN` for API tokens.
pub async fn change_password(
    db: &DatabaseConnection,
    auth: &Auth,
    scope: &Scope,
    current: String,
    new: String,
) -> Result<Issued, AppError> {
    let id =
        scope.user_id().ok_or_else(|| AppError::forbidden("only a signed-in user changes a password"))?;
    let account = find_in_workspace(db, scope, id).await?;
    let key = format!("password:{id}");
    failures::check(db, &key, CURRENT_PASSWORD_CHECKS).await?;
    if !password::verify(current, Some(account.password_hash.clone())).await? {
        failures::record(db, &[key]).await?;
        // Not UNAUTHENTICATED: the session is fine, the form field is wrong.
        return Err(AppError::bad_input("currentPassword", "is not your current password"));
    }
    validate::password(&new, Some(&account.email)).map_err(|r| AppError::invalid("newPassword", r))?;
    let hash = password::hash(new).await?;

    let txn = crate::db::begin_write(db).await?;
    let mut update: user::ActiveModel = account.clone().into();
    update.password_hash = Set(hash);
    update.password_changed_at = Set(Utc::now());
    update.version = Set(account.version + 1);
    let updated = update.update(&txn).await?;
    let ended = sessions::revoke_all_for_user(&txn, id, "password changed").await?;
    let issued = sessions::start(&txn, auth, &scope.meta, &updated).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("user.password_change", "user", id).changes(json!({ "sessionsEnded": ended })),
    )
    .await?;
    txn.commit().await?;
    Ok(issued)
}

fn stored_role(account: &user::Model) -> Result<Role, AppError> {
    Role::parse(&account.role)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown role {:?}", account.role)))
}

fn ensure_can_manage(scope: &Scope, role: Role) -> Result<(), AppError> {
    match scope.rank_role() {
        Some(own) if own.can_manage(role) => Ok(()),
        _ => Err(AppError::forbidden(format!("your role cannot manage {role} accounts"))),
    }
}

/// Adds an account with a known password hash, recording nothing: for the demo seed, whose
/// passwords are printed anyway.
///
/// # Errors
/// Database failures; `CONFLICT` when the email is taken.
pub async fn insert_seeded(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    email: &str,
    name: &str,
    role: Role,
    password_hash: String,
) -> Result<user::Model, AppError> {
    user::ActiveModel {
        workspace_id: Set(workspace_id),
        email: Set(email.to_owned()),
        name: Set(name.to_owned()),
        phone: Set(None),
        role: Set(role.as_str().to_owned()),
        password_hash: Set(password_hash),
        status: Set(UserStatus::Active.as_str().to_owned()),
        last_login_at: Set(None),
        version: Set(1),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| AppError::unique_or_internal(e, "email", "an account with this email already exists"))
}

/// A workspace always keeps an active owner.
async fn ensure_another_active_owner(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    except: Uuid,
) -> Result<(), AppError> {
    let others = user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(user::Column::Role.eq(Role::Owner.as_str()))
        .filter(user::Column::Status.eq(UserStatus::Active.as_str()))
        .filter(user::Column::Id.ne(except))
        .count(conn)
        .await?;
    if others == 0 {
        Err(AppError::conflict("the workspace must keep at least one active owner"))
    } else {
        Ok(())
    }
}
