//! Tier benefits per workspace: stored as one document, the standard tiers until someone saves
//! their own; `customer.benefits` applies `shared::tiers::for_stars`.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::tiers::{self, Tier};

use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::db;
use crate::entities::rating_tiers;
use crate::error::AppError;

/// The workspace's tiers (the standard ones until saved).
///
/// # Errors
/// Database failures; a stored document that does not parse.
pub async fn load(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Tier>, AppError> {
    match rating_tiers::Entity::find_by_id(scope.workspace_id).one(conn).await? {
        Some(row) => serde_json::from_str(&row.tiers).map_err(AppError::internal),
        None => Ok(tiers::standard()),
    }
}

/// The workspace's tiers. Needs `ratings:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn get(db: &DatabaseConnection, scope: &Scope) -> Result<Vec<Tier>, AppError> {
    scope.require(Permission::RatingsRead)?;
    load(db, scope).await
}

/// Saves the workspace's tiers. Needs `ratings:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field (`tiers[3].benefits[0].value`); `FORBIDDEN`.
pub async fn save(db: &DatabaseConnection, scope: &Scope, tiers: Vec<Tier>) -> Result<Vec<Tier>, AppError> {
    scope.require(Permission::RatingsManage)?;
    tiers::check(&tiers).map_err(|(field, reason)| AppError::invalid(&field, reason))?;
    let tiers: Vec<Tier> = tiers
        .into_iter()
        .map(|mut t| {
            t.name = t.name.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
            for b in &mut t.benefits {
                b.text = b.text.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
            }
            t
        })
        .collect();
    let txn = db::begin_write(db).await?;
    let body = serde_json::to_string(&tiers).map_err(AppError::internal)?;
    rating_tiers::Entity::insert(rating_tiers::ActiveModel {
        workspace_id: Set(scope.workspace_id),
        tiers: Set(body),
        updated_by: Set(scope.user_id()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(rating_tiers::Column::WorkspaceId)
            .update_columns([
                rating_tiers::Column::Tiers,
                rating_tiers::Column::UpdatedBy,
                rating_tiers::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        scope,
        Entry::new("rating_tiers.saved", "workspace", scope.workspace_id).changes(json!({
            "names": tiers.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
            "benefits": tiers.iter().map(|t| t.benefits.len()).collect::<Vec<_>>(),
        })),
    )
    .await?;
    txn.commit().await?;
    // Points multipliers come from the tiers: the next purchase earns with the new ones.
    crate::loyalty::rules::forget(scope.workspace_id);
    Ok(tiers)
}
