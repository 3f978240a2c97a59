use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;
use starcrm_shared::account::UserStatus;
use starcrm_shared::{Role, validate};

use crate::audit::{self, Entry};
use crate::auth::{RequestMeta, Scope, password, sessions};
use crate::entities::{user, workspace};
use crate::error::AppError;

/// A new workspace and its first user.
#[derive(Clone, Debug)]
pub struct NewWorkspace {
    pub name: String,
    pub timezone: Option<String>,
    pub currency: Option<String>,
    pub owner_email: String,
    pub owner_name: String,
    pub owner_password: String,
}

/// Creates a workspace and its owner in one transaction, both recorded in its audit log as done
/// by the new owner.
///
/// # Errors
/// `BAD_USER_INPUT` for invalid fields (the password rules included); `CONFLICT` when the
/// owner's email already has an account.
pub async fn create(
    db: &DatabaseConnection,
    meta: &RequestMeta,
    input: NewWorkspace,
) -> Result<(workspace::Model, user::Model), AppError> {
    let name = validate::name(&input.name, validate::NAME_MAX_CHARS)
        .map_err(|r| AppError::invalid("workspaceName", r))?;
    let email = validate::email(&input.owner_email).map_err(|r| AppError::invalid("email", r))?;
    let owner_name = validate::name(&input.owner_name, validate::NAME_MAX_CHARS)
        .map_err(|r| AppError::invalid("name", r))?;
    validate::password(&input.owner_password, Some(&email)).map_err(|r| AppError::invalid("password", r))?;
    let timezone = input.timezone.filter(|t| !t.trim().is_empty());
    if let Some(tz) = &timezone
        && !is_plausible_timezone(tz)
    {
        return Err(AppError::bad_input("timezone", "is not an IANA time zone like Asia/Shanghai"));
    }
    let currency = input.currency.map(|c| c.trim().to_uppercase()).filter(|c| !c.is_empty());
    if let Some(code) = &currency
        && !(code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(AppError::bad_input("currency", "is not an ISO 4217 code like CNY"));
    }
    let hash = password::hash(input.owner_password).await?;

    let txn = crate::db::begin_write(db).await?;
    let mut new_workspace = workspace::ActiveModel { name: Set(name.clone()), ..Default::default() };
    if let Some(tz) = timezone {
        new_workspace.timezone = Set(tz);
    }
    if let Some(code) = currency {
        new_workspace.currency = Set(code);
    }
    let created = new_workspace.insert(&txn).await?;
    let owner = user::ActiveModel {
        workspace_id: Set(created.id),
        email: Set(email.clone()),
        name: Set(owner_name.clone()),
        phone: Set(None),
        role: Set(Role::Owner.as_str().to_owned()),
        password_hash: Set(hash),
        status: Set(UserStatus::Active.as_str().to_owned()),
        last_login_at: Set(None),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::unique_or_internal(e, "email", "an account with this email already exists"))?;
    let scope = sessions::scope_for_user(&owner, uuid::Uuid::nil(), meta)?;
    audit::record(
        &txn,
        &scope,
        Entry::new("workspace.create", "workspace", created.id).changes(json!({ "name": name })),
    )
    .await?;
    audit::record(
        &txn,
        &scope,
        Entry::new("user.create", "user", owner.id)
            .changes(json!({ "email": email, "name": owner_name, "role": "owner" })),
    )
    .await?;
    txn.commit().await?;
    Ok((created, owner))
}

/// `Area/City` shaped (the embedded tz database arrives with schedules).
/// A zone of the IANA database (schedules run in it, so it must be one chrono-tz knows).
fn is_plausible_timezone(tz: &str) -> bool {
    tz.parse::<chrono_tz::Tz>().is_ok()
}

/// The caller's workspace.
///
/// # Errors
/// `NOT_FOUND` if it was deleted under the caller.
pub async fn current(db: &DatabaseConnection, scope: &Scope) -> Result<workspace::Model, AppError> {
    workspace::Entity::find_by_id(scope.workspace_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound { entity: "workspace" })
}
