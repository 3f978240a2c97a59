//! Rating policy versions: every workspace has exactly one active policy (the standard one
//! until someone activates their own), at most one draft being edited, and archived versions
//! kept for the history. Activating a draft archives the active version and re-rates everyone.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::rating::{Policy, PolicyStatus, Trigger};
use uuid::Uuid;

use super::jobs;
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::db;
use crate::entities::{job, rating_policy};
use crate::error::AppError;

/// A stored policy document.
///
/// # Errors
/// `INTERNAL` when the stored JSON does not parse (it was checked when written).
pub fn parse(json: &str) -> Result<Policy, AppError> {
    serde_json::from_str(json).map_err(AppError::internal)
}

fn row(
    workspace_id: Uuid,
    version: i32,
    status: PolicyStatus,
    policy: &Policy,
) -> rating_policy::ActiveModel {
    let now = Utc::now();
    rating_policy::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        version: Set(version),
        status: Set(status.as_str().to_owned()),
        policy: Set(serde_json::to_string(policy).unwrap_or_default()),
        stats: Set(None),
        stats_at: Set(None),
        created_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        activated_at: Set((status == PolicyStatus::Active).then_some(now)),
        archived_at: Set(None),
    }
}

async fn active(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> Result<Option<rating_policy::Model>, AppError> {
    Ok(rating_policy::Entity::find()
        .filter(rating_policy::Column::WorkspaceId.eq(workspace_id))
        .filter(rating_policy::Column::Status.eq(PolicyStatus::Active.as_str()))
        .one(conn)
        .await?)
}

/// The workspace's active policy; a workspace without one gets the standard policy as version 1
/// (safe under concurrent callers: the first insert wins, the others read it).
///
/// # Errors
/// Database failures.
pub async fn ensure_active(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> Result<rating_policy::Model, AppError> {
    if let Some(found) = active(conn, workspace_id).await? {
        return Ok(found);
    }
    rating_policy::Entity::insert(row(workspace_id, 1, PolicyStatus::Active, &Policy::standard()))
        .on_conflict_do_nothing_on([rating_policy::Column::WorkspaceId, rating_policy::Column::Version])
        .exec_without_returning(conn)
        .await?;
    active(conn, workspace_id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no active rating policy")))
}

/// Starts a new workspace on `policy` as its active version 1 (the demo's, with a welcome level);
/// a workspace that has a policy keeps it.
///
/// # Errors
/// Database failures.
pub async fn start_with(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    policy: &Policy,
) -> Result<(), AppError> {
    rating_policy::Entity::insert(row(workspace_id, 1, PolicyStatus::Active, policy))
        .on_conflict_do_nothing_on([rating_policy::Column::WorkspaceId, rating_policy::Column::Version])
        .exec_without_returning(conn)
        .await?;
    super::engine::Context::forget(workspace_id);
    Ok(())
}

/// Every version of the workspace's policy, newest first. Needs `ratings:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn versions(db: &DatabaseConnection, scope: &Scope) -> Result<Vec<rating_policy::Model>, AppError> {
    scope.require(Permission::RatingsRead)?;
    ensure_active(db, scope.workspace_id).await?;
    Ok(rating_policy::Entity::find()
        .filter(rating_policy::Column::WorkspaceId.eq(scope.workspace_id))
        .order_by_desc(rating_policy::Column::Version)
        .limit(100)
        .all(db)
        .await?)
}

fn checked(policy: &Policy) -> Result<(), AppError> {
    policy.check().map_err(|(field, reason)| AppError::invalid(&format!("policy.{field}"), reason))
}

/// Saves `policy` as the workspace's draft (creating the draft, as the next version, if there is
/// none). Needs `ratings:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field (`policy.rules[2].weight`); `FORBIDDEN`.
pub async fn save_draft(
    db: &DatabaseConnection,
    scope: &Scope,
    policy: &Policy,
) -> Result<rating_policy::Model, AppError> {
    scope.require(Permission::RatingsManage)?;
    checked(policy)?;
    let txn = db::begin_write(db).await?;
    ensure_active(&txn, scope.workspace_id).await?;
    let draft = find_status(&txn, scope.workspace_id, PolicyStatus::Draft).await?;
    let body = serde_json::to_string(policy).map_err(AppError::internal)?;
    let saved = if let Some(draft) = draft {
        let mut change: rating_policy::ActiveModel = draft.into();
        change.policy = Set(body);
        change.updated_at = Set(Utc::now());
        change.update(&txn).await?
    } else {
        let last: Option<i32> = rating_policy::Entity::find()
            .select_only()
            .column_as(rating_policy::Column::Version.max(), "v")
            .filter(rating_policy::Column::WorkspaceId.eq(scope.workspace_id))
            .into_tuple()
            .one(&txn)
            .await?
            .flatten();
        let mut new = row(scope.workspace_id, last.unwrap_or(0) + 1, PolicyStatus::Draft, policy);
        new.created_by = Set(scope.user_id());
        rating_policy::Entity::insert(new).exec_with_returning(&txn).await.map_err(|e| {
            AppError::unique_or_internal(e, "policy", "a draft was created at the same time; reload")
        })?
    };
    audit::record(
        &txn,
        scope,
        Entry::new("rating_policy.draft_saved", "rating_policy", saved.id)
            .changes(json!({ "version": saved.version })),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

async fn find_status(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    status: PolicyStatus,
) -> Result<Option<rating_policy::Model>, AppError> {
    Ok(rating_policy::Entity::find()
        .filter(rating_policy::Column::WorkspaceId.eq(workspace_id))
        .filter(rating_policy::Column::Status.eq(status.as_str()))
        .one(conn)
        .await?)
}

/// Throws the draft away. Needs `ratings:manage`.
///
/// # Errors
/// `NOT_FOUND` when there is no draft; `FORBIDDEN`.
pub async fn discard_draft(db: &DatabaseConnection, scope: &Scope) -> Result<(), AppError> {
    scope.require(Permission::RatingsManage)?;
    let txn = db::begin_write(db).await?;
    let draft = find_status(&txn, scope.workspace_id, PolicyStatus::Draft)
        .await?
        .ok_or(AppError::NotFound { entity: "draft policy" })?;
    rating_policy::Entity::delete_by_id(draft.id).exec(&txn).await?;
    audit::record(&txn, scope, Entry::new("rating_policy.draft_discarded", "rating_policy", draft.id))
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Makes the draft (version `version`, as the caller saw it) the active policy, archives the
/// previous one and queues a re-rating of everyone under it. Needs `ratings:manage`.
///
/// # Errors
/// `NOT_FOUND` when there is no draft; `CONFLICT` when the draft is not version `version`;
/// `FORBIDDEN`.
pub async fn activate(
    db: &DatabaseConnection,
    scope: &Scope,
    version: i32,
) -> Result<(rating_policy::Model, job::Model), AppError> {
    scope.require(Permission::RatingsManage)?;
    let txn = db::begin_write(db).await?;
    let previous = ensure_active(&txn, scope.workspace_id).await?;
    let draft = find_status(&txn, scope.workspace_id, PolicyStatus::Draft)
        .await?
        .ok_or(AppError::NotFound { entity: "draft policy" })?;
    if draft.version != version {
        return Err(AppError::conflict(format!(
            "the draft is version {}, not {version}; reload",
            draft.version
        )));
    }
    checked(&parse(&draft.policy)?)?;
    let now = Utc::now();
    rating_policy::Entity::update_many()
        .col_expr(rating_policy::Column::Status, Expr::value(PolicyStatus::Archived.as_str()))
        .col_expr(rating_policy::Column::ArchivedAt, Expr::value(now))
        .filter(rating_policy::Column::Id.eq(previous.id))
        .exec(&txn)
        .await?;
    let mut change: rating_policy::ActiveModel = draft.into();
    change.status = Set(PolicyStatus::Active.as_str().to_owned());
    change.activated_at = Set(Some(now));
    // The population was measured over the old window; the run under the new policy measures it again.
    change.stats = Set(previous.stats.clone());
    change.stats_at = Set(previous.stats_at);
    let active = change.update(&txn).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("rating_policy.activated", "rating_policy", active.id)
            .changes(json!({ "version": active.version, "previousVersion": previous.version })),
    )
    .await?;
    let job = jobs::enqueue(&txn, scope, Trigger::PolicyChange).await?;
    txn.commit().await?;
    super::engine::Context::forget(scope.workspace_id);
    Ok((active, job))
}
