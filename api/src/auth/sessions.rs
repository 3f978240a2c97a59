//! Staff sessions: sign-in, refresh with rotation and reuse detection, sign-out, revocation.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use starcrm_shared::account::UserStatus;
use starcrm_shared::{Role, validate};
use uuid::Uuid;

use super::jwt::AccessClaims;
use super::rate_limit::{LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS, failures};
use super::scope::{Actor, Scope};
use super::{Auth, REFRESH_TOKEN_TTL, RequestMeta, SESSION_MAX_AGE, password, tokens};
use crate::audit::{self, Entry};
use crate::entities::{refresh_token, session, user, workspace};
use crate::error::AppError;

/// What a successful sign-in or refresh hands out.
#[derive(Debug)]
pub struct Issued {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub scope: Scope,
}

/// The one answer to every failed sign-in: it does not tell whether the email exists, the
/// password was wrong or the account is deactivated.
fn invalid_credentials() -> AppError {
    AppError::bad_credentials()
}

/// One email has accounts in at most this many workspaces that a sign-in tries.
const MAX_ACCOUNTS_PER_EMAIL: u64 = 20;

/// Signs in with email and password. An email may have accounts in several workspaces (each
/// workspace manages its own people); `workspace_id` picks one when the password opens more than
/// one.
///
/// Only failures count against the limits, per account and per client address, in the database
/// (every server process sees them); a right password clears the account's count.
///
/// # Errors
/// `RATE_LIMITED` after too many failures for the account or from the address;
/// `UNAUTHENTICATED` (always the same message) for any wrong credential; `BAD_USER_INPUT` on
/// `workspaceId`, listing the workspaces, when the password opens several and none was named.
pub async fn login(
    db: &DatabaseConnection,
    auth: &Auth,
    meta: &RequestMeta,
    email: &str,
    password_attempt: String,
    workspace_id: Option<Uuid>,
) -> Result<Issued, AppError> {
    let email = validate::email(email).unwrap_or_else(|_| email.trim().to_lowercase());
    let account_key = format!("email:{email}");
    let address_key = meta.ip.as_ref().map(|ip| format!("ip:{ip}"));
    failures::check(db, &account_key, LOGIN_PER_ACCOUNT).await?;
    if let Some(key) = &address_key {
        failures::check(db, key, LOGIN_PER_ADDRESS).await?;
    }

    let mut query = user::Entity::find().filter(user::Column::Email.eq(&email));
    if let Some(workspace) = workspace_id {
        query = query.filter(user::Column::WorkspaceId.eq(workspace));
    }
    let accounts = query.order_by_asc(user::Column::Id).limit(MAX_ACCOUNTS_PER_EMAIL).all(db).await?;
    if accounts.is_empty() {
        // Hash anyway, so an unknown email takes as long as a wrong password.
        password::verify(password_attempt.clone(), None).await?;
    }
    let mut opened = Vec::new();
    let mut refused = Vec::new();
    for account in accounts {
        let matches = password::verify(password_attempt.clone(), Some(account.password_hash.clone())).await?;
        if matches && account.status == UserStatus::Active.as_str() {
            opened.push(account);
        } else {
            refused.push((account, if matches { "deactivated" } else { "wrong password" }));
        }
    }
    let account = match opened.len() {
        1 => opened.swap_remove(0),
        0 => {
            let keys: Vec<String> = std::iter::once(account_key).chain(address_key).collect();
            failures::record(db, &keys).await?;
            if !refused.is_empty() {
                let txn = crate::db::begin_write(db).await?;
                for (account, reason) in refused {
                    let scope = scope_for_user(&account, Uuid::nil(), meta)?;
                    let entry = Entry::new("session.login_failed", "user", account.id)
                        .changes(json!({ "reason": reason }));
                    audit::record(&txn, &scope, entry).await?;
                }
                txn.commit().await?;
            }
            return Err(invalid_credentials());
        }
        _ => {
            let ids: Vec<Uuid> = opened.iter().map(|a| a.workspace_id).collect();
            let workspaces = workspace::Entity::find()
                .filter(workspace::Column::Id.is_in(ids))
                .order_by_asc(workspace::Column::Name)
                .all(db)
                .await?;
            return Err(AppError::ChooseWorkspace {
                workspaces: workspaces.into_iter().map(|w| (w.id, w.name)).collect(),
            });
        }
    };

    let txn = crate::db::begin_write(db).await?;
    failures::clear(&txn, &account_key).await?;
    let issued = start(&txn, auth, meta, &account).await?;
    let mut update: user::ActiveModel = account.clone().into();
    update.last_login_at = Set(Some(Utc::now()));
    update.update(&txn).await?;
    audit::record(&txn, &issued.scope, Entry::new("session.login", "session", issued.scope.session_id()))
        .await?;
    txn.commit().await?;
    Ok(issued)
}

/// Opens a session for `account` and issues its first tokens.
///
/// # Errors
/// Database or signing failures.
pub async fn start(
    conn: &impl ConnectionTrait,
    auth: &Auth,
    meta: &RequestMeta,
    account: &user::Model,
) -> Result<Issued, AppError> {
    let now = Utc::now();
    let session_id = Uuid::now_v7();
    session::ActiveModel {
        id: Set(session_id),
        workspace_id: Set(account.workspace_id),
        user_id: Set(account.id),
        user_agent: Set(meta.user_agent.clone()),
        ip: Set(meta.ip.clone()),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(now + SESSION_MAX_AGE),
        revoked_at: Set(None),
        revoked_reason: Set(None),
    }
    .insert(conn)
    .await?;
    issue(conn, auth, meta, account, session_id, now + SESSION_MAX_AGE).await
}

/// A new refresh token in `session_id` and a new access token.
async fn issue(
    conn: &impl ConnectionTrait,
    auth: &Auth,
    meta: &RequestMeta,
    account: &user::Model,
    session_id: Uuid,
    session_expires: DateTime<Utc>,
) -> Result<Issued, AppError> {
    let now = Utc::now();
    let refresh_token = tokens::generate(tokens::REFRESH_PREFIX)?;
    let refresh_expires_at = (now + REFRESH_TOKEN_TTL).min(session_expires);
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session_id),
        token_hash: Set(tokens::hash(&refresh_token)),
        created_at: Set(now),
        expires_at: Set(refresh_expires_at),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    let (access_token, access_expires_at) =
        auth.keys.issue(account.id, account.workspace_id, &account.role, session_id, now)?;
    Ok(Issued {
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at,
        scope: scope_for_user(account, session_id, meta)?,
    })
}

/// Exchanges a refresh token for new tokens. Each refresh token works once: presenting a used
/// one means it leaked, so the whole session is revoked.
///
/// # Errors
/// `UNAUTHENTICATED` for an unknown, used, expired or revoked token or a deactivated account.
pub async fn refresh(
    db: &DatabaseConnection,
    auth: &Auth,
    meta: &RequestMeta,
    token: &str,
) -> Result<Issued, AppError> {
    let hash = tokens::hash(token);
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let Some(row) =
        refresh_token::Entity::find().filter(refresh_token::Column::TokenHash.eq(&hash)).one(&txn).await?
    else {
        return Err(AppError::Unauthenticated);
    };
    // Claim the token; only one request can (the UPDATE is atomic on both databases).
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        let revoked = revoke_session(&txn, row.session_id, "refresh token reused").await?;
        if revoked {
            if let Some(found) = session::Entity::find_by_id(row.session_id).one(&txn).await?
                && let Some(account) = user::Entity::find_by_id(found.user_id).one(&txn).await?
            {
                let scope = scope_for_user(&account, found.id, meta)?;
                audit::record(&txn, &scope, Entry::new("session.reuse_detected", "session", found.id))
                    .await?;
            }
            tracing::warn!(session = %row.session_id, "refresh token reused: session revoked");
        }
        txn.commit().await?;
        return Err(AppError::Unauthenticated);
    }
    let session =
        session::Entity::find_by_id(row.session_id).one(&txn).await?.ok_or(AppError::Unauthenticated)?;
    let account =
        user::Entity::find_by_id(session.user_id).one(&txn).await?.ok_or(AppError::Unauthenticated)?;
    if row.expires_at <= now
        || session.revoked_at.is_some()
        || session.expires_at <= now
        || account.status != UserStatus::Active.as_str()
    {
        return Err(AppError::Unauthenticated);
    }
    let mut touch: session::ActiveModel = session.clone().into();
    touch.last_used_at = Set(now);
    touch.update(&txn).await?;
    let issued = issue(&txn, auth, meta, &account, session.id, session.expires_at).await?;
    txn.commit().await?;
    Ok(issued)
}

/// Ends the session a refresh token belongs to (sign-out). Unknown tokens are ignored: signing
/// out twice is not an error.
///
/// # Errors
/// Database failures.
pub async fn logout_by_refresh_token(
    db: &DatabaseConnection,
    meta: &RequestMeta,
    token: &str,
) -> Result<(), AppError> {
    let hash = tokens::hash(token);
    if let Some(row) =
        refresh_token::Entity::find().filter(refresh_token::Column::TokenHash.eq(hash)).one(db).await?
    {
        logout_session(db, meta, row.session_id).await?;
    }
    Ok(())
}

/// Ends `session_id` and records it.
///
/// # Errors
/// Database failures.
pub async fn logout_session(
    db: &DatabaseConnection,
    meta: &RequestMeta,
    session_id: Uuid,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    if revoke_session(&txn, session_id, "signed out").await?
        && let Some(found) = session::Entity::find_by_id(session_id).one(&txn).await?
        && let Some(account) = user::Entity::find_by_id(found.user_id).one(&txn).await?
    {
        let scope = scope_for_user(&account, session_id, meta)?;
        audit::record(&txn, &scope, Entry::new("session.logout", "session", session_id)).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Revokes one session if it is still open; returns whether it was.
async fn revoke_session(
    conn: &impl ConnectionTrait,
    session_id: Uuid,
    reason: &str,
) -> Result<bool, AppError> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Revokes every open session of a user (password change, deactivation); returns how many.
///
/// # Errors
/// Database failures.
pub async fn revoke_all_for_user(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    reason: &str,
) -> Result<u64, AppError> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// The caller an access token stands for, checked against the database: the session must be
/// open and the user active, and the user's *current* role decides the permissions, so
/// revocation, deactivation and role changes take effect on the next request.
///
/// # Errors
/// `UNAUTHENTICATED` when any of that does not hold.
pub async fn scope_for_access_token(
    db: &DatabaseConnection,
    claims: &AccessClaims,
    meta: &RequestMeta,
) -> Result<Scope, AppError> {
    let now = Utc::now();
    // One round trip per request: the session with its user.
    let user_of_session =
        session::Entity::belongs_to(user::Entity).from(session::Column::UserId).to(user::Column::Id).into();
    let (session, account) = session::Entity::find_by_id(claims.sid)
        .join(JoinType::InnerJoin, user_of_session)
        .select_also(user::Entity)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let account = account.filter(|a| a.id == claims.sub).ok_or(AppError::Unauthenticated)?;
    let valid = session.user_id == account.id
        && session.workspace_id == claims.ws
        && account.workspace_id == claims.ws
        && session.revoked_at.is_none()
        && session.expires_at > now
        && account.status == UserStatus::Active.as_str();
    if !valid {
        return Err(AppError::Unauthenticated);
    }
    scope_for_user(&account, session.id, meta)
}

/// The scope of `account` acting in `session_id`.
///
/// # Errors
/// A stored role this build does not know (`INTERNAL`).
pub fn scope_for_user(
    account: &user::Model,
    session_id: Uuid,
    meta: &RequestMeta,
) -> Result<Scope, AppError> {
    let role = Role::parse(&account.role).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("user {} has unknown role {:?}", account.id, account.role))
    })?;
    Ok(Scope {
        workspace_id: account.workspace_id,
        actor: Actor::User { id: account.id, name: account.name.clone(), role, session_id },
        permissions: role.permissions().iter().copied().collect(),
        meta: meta.clone(),
    })
}
