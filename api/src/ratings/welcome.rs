//! New customers' welcome level (the seeds' 新客户注册送星级): a customer who joins while the
//! active policy has a welcome is shown at least its stars for its days. [`start`] gives it when
//! a customer is created by staff, an integration or a first purchase (never to customers an
//! import loads in bulk: they are not new to the business); [`expire`] ends it on time, re-rating
//! the customer so the computed stars apply again (trigger `welcome_ended` in the history).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use starcrm_shared::rating::Trigger;
use uuid::Uuid;

use super::engine::Context;
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::customers::aggregates;
use crate::entities::customer;
use crate::error::AppError;

/// Welcomes ended per pass at most (the next pass, a minute later, takes the rest).
const BATCH: u64 = 1_000;

/// Gives `created` (just inserted in the caller's transaction) the active policy's welcome, on the
/// row and on the model. Returns whether it did: the caller rates the customer then (a purchase
/// rates them anyway).
///
/// # Errors
/// Database failures.
pub async fn start(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    created: &mut customer::Model,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let ctx = Context::cached(conn, scope.workspace_id).await?;
    let Some(welcome) = ctx.policy.welcome else { return Ok(false) };
    let stars = i16::from(welcome.stars);
    let until = now + Duration::days(i64::from(welcome.days));
    customer::Entity::update_many()
        .col_expr(customer::Column::WelcomeStars, Expr::value(stars))
        .col_expr(customer::Column::WelcomeUntil, Expr::value(until))
        .filter(customer::Column::Id.eq(created.id))
        .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .exec(conn)
        .await?;
    created.welcome_stars = Some(stars);
    created.welcome_until = Some(until);
    Ok(true)
}

/// [`start`], then rates the customer at once so the welcome level shows (staff creating a
/// customer, a first contact that is not a purchase).
///
/// # Errors
/// Database failures.
pub async fn start_and_rate(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    created: &mut customer::Model,
) -> Result<(), AppError> {
    if start(conn, scope, created, Utc::now()).await? {
        aggregates::refresh_loaded(conn, scope, created, Trigger::Welcome, Vec::new()).await?;
    }
    Ok(())
}

/// Ends every welcome that has run out by `now`: each customer is re-rated (their computed stars
/// apply again) and the end audited. Returns how many ended.
///
/// # Errors
/// Database failures.
pub async fn expire(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let due: Vec<(Uuid, Uuid)> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .column(customer::Column::WorkspaceId)
        .filter(customer::Column::WelcomeUntil.lte(now))
        .limit(BATCH)
        .into_tuple()
        .all(db)
        .await?;
    for (id, workspace_id) in &due {
        let scope = Scope::system(*workspace_id);
        let txn = crate::db::begin_write(db).await?;
        // A customer deleted or moved meanwhile has nothing to end but the columns.
        if let Err(err) = aggregates::refresh_at(&txn, &scope, *id, Trigger::WelcomeEnded, now).await
            && !matches!(err, AppError::NotFound { .. })
        {
            return Err(err);
        }
        // Cleared whatever the rating did (a customer that is not rated any more, the
        // benchmark's path without real-time rating), so the pass never reads it again.
        customer::Entity::update_many()
            .col_expr(customer::Column::WelcomeStars, Expr::value(Option::<i16>::None))
            .col_expr(customer::Column::WelcomeUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(customer::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
        audit::record(&txn, &scope, Entry::new("customer.welcome_ended", "customer", id)).await?;
        txn.commit().await?;
    }
    Ok(due.len())
}
