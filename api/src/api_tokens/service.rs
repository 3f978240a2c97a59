use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde_json::json;
use starcrm_shared::account::UserStatus;
use starcrm_shared::{Permission, Role, validate};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::tokens::{self, API_TOKEN_PREFIX, API_TOKEN_VISIBLE};
use crate::auth::{Actor, RequestMeta, Scope};
use crate::entities::{api_token, user};
use crate::error::AppError;

/// `last_used_at` is written at most this often per token, not on every request.
const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

/// A token and the name of the user who created it.
pub struct Listed {
    pub token: api_token::Model,
    pub created_by: Option<(Uuid, String)>,
}

/// Creates a token with `scopes` (each held by the creator). The secret is returned once; only
/// its hash is stored.
///
/// # Errors
/// `FORBIDDEN` without `tokens:manage`, for API-token callers, or for a scope the creator does
/// not hold; `BAD_USER_INPUT` for a bad name, unknown scopes or an expiry in the past.
pub async fn create(
    db: &DatabaseConnection,
    scope: &Scope,
    name: &str,
    scopes: &[String],
    expires_at: Option<DateTime<Utc>>,
) -> Result<(api_token::Model, String), AppError> {
    scope.require(Permission::TokensManage)?;
    let Some(creator) = scope.user_id() else {
        return Err(AppError::forbidden("API tokens are created by signed-in users"));
    };
    let name = validate::name(name, validate::NAME_MAX_CHARS).map_err(|r| AppError::invalid("name", r))?;
    let granted = parse_scopes(scopes)?;
    if let Some(missing) = granted.iter().find(|p| !scope.can(**p)) {
        return Err(AppError::Forbidden {
            permission: Some(missing.as_str().to_owned()),
            reason: format!("you cannot grant {missing}, which you do not hold"),
        });
    }
    if expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(AppError::bad_input("expiresAt", "must be in the future"));
    }
    let secret = tokens::generate(API_TOKEN_PREFIX)?;
    let scopes_text = granted.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(" ");

    let txn = crate::db::begin_write(db).await?;
    let created = api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        name: Set(name.clone()),
        prefix: Set(secret.chars().take(API_TOKEN_VISIBLE).collect()),
        secret_hash: Set(tokens::hash(&secret)),
        scopes: Set(scopes_text.clone()),
        created_by: Set(creator),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        revoked_by: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        scope,
        Entry::new("api_token.create", "api_token", created.id)
            .changes(json!({ "name": name, "scopes": scopes_text, "expiresAt": expires_at })),
    )
    .await?;
    txn.commit().await?;
    Ok((created, secret))
}

fn parse_scopes(scopes: &[String]) -> Result<BTreeSet<Permission>, AppError> {
    if scopes.is_empty() {
        return Err(AppError::bad_input("scopes", "choose at least one scope"));
    }
    scopes
        .iter()
        .map(|s| {
            Permission::parse(s.trim())
                .ok_or_else(|| AppError::bad_input("scopes", format!("unknown scope {s:?}")))
        })
        .collect()
}

/// The workspace's tokens, newest first, with their creators' names (one extra query).
///
/// # Errors
/// `FORBIDDEN` without `tokens:manage`.
pub async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    include_revoked: bool,
) -> Result<Vec<Listed>, AppError> {
    scope.require(Permission::TokensManage)?;
    let mut query = api_token::Entity::find().filter(api_token::Column::WorkspaceId.eq(scope.workspace_id));
    if !include_revoked {
        query = query.filter(api_token::Column::RevokedAt.is_null());
    }
    let found = query.order_by_desc(api_token::Column::Id).all(db).await?;
    let creator_ids: BTreeSet<Uuid> = found.iter().map(|t| t.created_by).collect();
    let creators: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(creator_ids))
        .filter(user::Column::WorkspaceId.eq(scope.workspace_id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(found
        .into_iter()
        .map(|token| {
            let created_by = creators.get(&token.created_by).map(|name| (token.created_by, name.clone()));
            Listed { token, created_by }
        })
        .collect())
}

/// Revokes a token: the next request with it is refused. Revoking twice is harmless. A caller
/// may revoke tokens created by accounts whose role it could manage (a manager does not pull an
/// admin's integration).
///
/// # Errors
/// `FORBIDDEN` without `tokens:manage` or for a token of a higher-ranked creator; `NOT_FOUND`
/// outside the workspace.
pub async fn revoke(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> Result<Listed, AppError> {
    scope.require(Permission::TokensManage)?;
    let txn = crate::db::begin_write(db).await?;
    let token = api_token::Entity::find_by_id(id)
        .filter(api_token::Column::WorkspaceId.eq(scope.workspace_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound { entity: "API token" })?;
    let creator = user::Entity::find_by_id(token.created_by).one(&txn).await?;
    let creator_role = creator.as_ref().and_then(|u| Role::parse(&u.role)).unwrap_or(Role::Owner);
    if !scope.rank_role().is_some_and(|own| own.can_manage(creator_role)) {
        return Err(AppError::forbidden(format!("a token created by a {creator_role} is out of your reach")));
    }
    let revoked = if token.revoked_at.is_some() {
        token
    } else {
        let mut update: api_token::ActiveModel = token.clone().into();
        update.revoked_at = Set(Some(Utc::now()));
        update.revoked_by = Set(scope.actor_id());
        let revoked = update.update(&txn).await?;
        let entry = Entry::new("api_token.revoke", "api_token", id).changes(json!({ "name": token.name }));
        audit::record(&txn, scope, entry).await?;
        revoked
    };
    let created_by = creator.map(|u| (u.id, u.name));
    txn.commit().await?;
    Ok(Listed { token: revoked, created_by })
}

/// Revokes every live token `creator` made (their account was deactivated): they stay revoked
/// if the account comes back, as a token's secret may have left with its holder. Returns how
/// many.
///
/// # Errors
/// Database failures.
pub async fn revoke_all_of_creator(
    conn: &impl ConnectionTrait,
    creator: Uuid,
    by: Option<Uuid>,
) -> Result<u64, AppError> {
    let result = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(api_token::Column::RevokedBy, Expr::value(by))
        .filter(api_token::Column::CreatedBy.eq(creator))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// The caller an API token stands for. Its permissions are its scopes, narrowed to what its
/// creator's role allows today, and it stops working when its creator is deactivated.
///
/// # Errors
/// `UNAUTHENTICATED` for unknown, revoked or expired tokens, or an inactive creator.
pub async fn authenticate(
    db: &DatabaseConnection,
    secret: &str,
    meta: &RequestMeta,
) -> Result<Scope, AppError> {
    let token = api_token::Entity::find()
        .filter(api_token::Column::SecretHash.eq(tokens::hash(secret)))
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let now = Utc::now();
    if token.revoked_at.is_some() || token.expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::Unauthenticated);
    }
    let creator =
        user::Entity::find_by_id(token.created_by).one(db).await?.ok_or(AppError::Unauthenticated)?;
    let creator_role = Role::parse(&creator.role).ok_or(AppError::Unauthenticated)?;
    if creator.status != UserStatus::Active.as_str() || creator.workspace_id != token.workspace_id {
        return Err(AppError::Unauthenticated);
    }
    let permissions = token
        .scopes
        .split_whitespace()
        .filter_map(Permission::parse)
        .filter(|p| creator_role.has(*p))
        .collect();
    if token.last_used_at.is_none_or(|at| now - at >= LAST_USED_RESOLUTION) {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(token.id))
            .exec(db)
            .await?;
    }
    Ok(Scope {
        workspace_id: token.workspace_id,
        actor: Actor::ApiToken { id: token.id, name: token.name, creator_role },
        permissions,
        meta: meta.clone(),
    })
}
