//! Manual review: a person with `ratings:override` sets a customer's stars with a reason and an
//! optional end. The engine keeps scoring meanwhile (the computed stars stay visible) but leaves
//! the stars alone until the override ends (lifted, or run out: then the computed stars apply
//! again at once). Every step is in the star history and the audit log.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::customer as rules;
use starcrm_shared::rating::Trigger;
use uuid::Uuid;

use super::engine::{self, Cause};
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::customers::{aggregates, service};
use crate::db;
use crate::entities::{customer, star_history};
use crate::error::AppError;

/// Longest reason.
pub const REASON_MAX_CHARS: usize = 500;

/// A manual override as asked for.
#[derive(Clone, Debug)]
pub struct NewOverride {
    pub stars: i32,
    pub reason: String,
    pub until: Option<DateTime<Utc>>,
}

/// Sets a customer's stars by hand. Needs `ratings:override`.
///
/// # Errors
/// `BAD_USER_INPUT` for stars outside 1-5 (`stars`), an empty or long reason (`reason`), an end
/// in the past or more than five years ahead (`until`); `NOT_FOUND`; `FORBIDDEN`.
pub async fn set(
    db: &DatabaseConnection,
    scope: &Scope,
    customer_id: Uuid,
    input: NewOverride,
) -> Result<customer::Model, AppError> {
    scope.require(Permission::RatingsOverride)?;
    let stars = i16::try_from(input.stars)
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| AppError::bad_input("stars", "must be 1 to 5"))?;
    let reason = rules::optional_text(Some(&input.reason), REASON_MAX_CHARS)
        .map_err(|r| AppError::invalid("reason", r))?
        .ok_or_else(|| AppError::bad_input("reason", "say why the stars are set by hand"))?;
    let now = Utc::now();
    if let Some(until) = input.until
        && (until <= now || until > now + Duration::days(5 * 366))
    {
        return Err(AppError::bad_input("until", "must be in the future and within five years"));
    }
    let txn = db::begin_write(db).await?;
    let found = service::find_named(&txn, scope, customer_id, "customerId").await?;
    if found.deleted_at.is_some() || found.erased_at.is_some() {
        return Err(AppError::bad_input("customerId", "the customer is deleted or erased"));
    }
    // Rate first, so the computed stars the override sits over are current.
    aggregates::refresh(&txn, scope, found.id, Trigger::Manual).await?;
    let current = service::find(&txn, scope, found.id).await?;
    customer::Entity::update_many()
        .col_expr(customer::Column::Stars, Expr::value(stars))
        .col_expr(customer::Column::StarOverride, Expr::value(stars))
        .col_expr(customer::Column::StarOverrideReason, Expr::value(reason.clone()))
        .col_expr(customer::Column::StarOverrideUntil, Expr::value(input.until))
        .col_expr(customer::Column::StarOverrideBy, Expr::value(scope.user_id()))
        .col_expr(customer::Column::StarOverrideAt, Expr::value(now))
        .filter(customer::Column::Id.eq(current.id))
        .exec(&txn)
        .await?;
    let cause = Cause { reason: Some(reason.clone()), ..Cause::of(scope, Trigger::Override) };
    let row = star_history::ActiveModel {
        stars_before: sea_orm::Set(current.stars),
        stars_after: sea_orm::Set(Some(stars)),
        score: sea_orm::Set(current.star_score),
        policy_version: sea_orm::Set(current.star_policy_version),
        ..history_row(&current, &cause, now)
    };
    let event = engine::stars_changed(
        scope.workspace_id,
        current.id,
        current.stars,
        Some(stars),
        current.star_score,
        Trigger::Override,
        now,
    );
    engine::record_changes(&txn, vec![row], vec![event]).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("customer.stars_overridden", "customer", current.id).changes(json!({
            "stars": [current.stars, stars],
            "reason": reason,
            "until": input.until,
        })),
    )
    .await?;
    let updated = service::find(&txn, scope, current.id).await?;
    txn.commit().await?;
    Ok(updated)
}

fn history_row(c: &customer::Model, cause: &Cause, at: DateTime<Utc>) -> star_history::ActiveModel {
    use sea_orm::Set;
    star_history::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(c.workspace_id),
        customer_id: Set(c.id),
        stars_before: Set(c.stars),
        stars_after: Set(c.stars),
        score: Set(c.star_score),
        breakdown: Set(None),
        policy_version: Set(c.star_policy_version),
        trigger: Set(cause.trigger.as_str().to_owned()),
        actor_id: Set(cause.actor_id),
        actor_name: Set(cause.actor_name.clone()),
        job_id: Set(None),
        reason: Set(cause.reason.clone()),
        created_at: Set(at),
    }
}

/// Lifts a manual override: the computed stars apply again. Needs `ratings:override`.
///
/// # Errors
/// `BAD_USER_INPUT` when there is no override; `NOT_FOUND`; `FORBIDDEN`.
pub async fn lift(
    db: &DatabaseConnection,
    scope: &Scope,
    customer_id: Uuid,
) -> Result<customer::Model, AppError> {
    scope.require(Permission::RatingsOverride)?;
    let txn = db::begin_write(db).await?;
    let found = service::find_named(&txn, scope, customer_id, "customerId").await?;
    if found.star_override.is_none() {
        return Err(AppError::bad_input("customerId", "the customer's stars are not set by hand"));
    }
    engine::clear_override(customer::Entity::update_many())
        .filter(customer::Column::Id.eq(found.id))
        .exec(&txn)
        .await?;
    aggregates::refresh(&txn, scope, found.id, Trigger::OverrideEnded).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("customer.stars_override_lifted", "customer", found.id)
            .changes(json!({ "stars": found.star_override })),
    )
    .await?;
    let updated = service::find(&txn, scope, found.id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Ends every override that has run out by `now` (the engine re-rates those customers at once).
/// Returns how many ended.
///
/// # Errors
/// Database failures.
pub async fn expire(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let due: Vec<(Uuid, Uuid)> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .column(customer::Column::WorkspaceId)
        .filter(customer::Column::StarOverrideUntil.lte(now))
        .limit(1_000)
        .into_tuple()
        .all(db)
        .await?;
    for (id, workspace_id) in &due {
        let scope = Scope::system(*workspace_id);
        let txn = db::begin_write(db).await?;
        aggregates::refresh_at(&txn, &scope, *id, Trigger::OverrideEnded, now).await?;
        audit::record(&txn, &scope, Entry::new("customer.stars_override_ended", "customer", id)).await?;
        txn.commit().await?;
    }
    Ok(due.len())
}
