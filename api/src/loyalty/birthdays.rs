//! Birthday gifts: once a year each member whose birthday it is in the workspace's time zone
//! gets the points the rule gives their star level (a birthday entered less than 30 days ahead
//! waits a year; see `shared::loyalty::birthday`). Runs hourly with the expiry ticker; each gift
//! is idempotent on `birthday:<customer>:<year>`, so replicas and reruns never give twice.

use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use starcrm_shared::loyalty::birthday;
use starcrm_shared::loyalty::{EarnRule, LotSource, OperationKind};
use uuid::Uuid;

use super::ledger::{self, Given};
use super::rules;
use crate::auth::Scope;
use crate::entities::{customer, workspace};
use crate::error::AppError;

/// Gives every workspace's birthday gifts due at `now`; returns how many were given.
///
/// # Errors
/// Database failures.
pub async fn pass(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let workspaces: Vec<Uuid> =
        workspace::Entity::find().select_only().column(workspace::Column::Id).into_tuple().all(db).await?;
    let mut given = 0;
    for workspace_id in workspaces {
        given += pass_workspace(db, workspace_id, now).await?;
    }
    Ok(given)
}

/// [`pass`] for one workspace.
///
/// # Errors
/// Database failures.
pub async fn pass_workspace(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let Some(row) = rules::current(db, workspace_id).await? else { return Ok(0) };
    let rule: EarnRule = serde_json::from_str(&row.rule).map_err(AppError::internal)?;
    if !rule.active || rule.birthday_points.iter().all(|p| *p == 0) {
        return Ok(0);
    }
    let zone = crate::ratings::engine::Context::cached(db, workspace_id).await?.tz;
    let today = now.with_timezone(&zone).date_naive();
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let mut born = Condition::any();
    for (month, day) in birthday::born_on(today) {
        // Whole numbers worked out above, written into the statement.
        born = born.add(Expr::cust(if postgres {
            format!("(EXTRACT(MONTH FROM birthday) = {month} AND EXTRACT(DAY FROM birthday) = {day})")
        } else {
            format!("strftime('%m-%d', birthday) = '{month:02}-{day:02}'")
        }));
    }
    let members = customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(workspace_id))
        .filter(customer::Column::DeletedAt.is_null())
        .filter(customer::Column::ErasedAt.is_null())
        .filter(customer::Column::Birthday.is_not_null())
        .filter(born)
        .all(db)
        .await?;
    let scope = Scope::system(workspace_id);
    let mut given = 0;
    for c in members {
        let Some(born_on) = c.birthday else { continue };
        let set_on = c.birthday_set_at.map(|t| t.with_timezone(&zone).date_naive());
        if !birthday::due(today, born_on, set_on) {
            continue;
        }
        let Some(points) = rule.birthday_gift(c.stars) else { continue };
        let gift = Given {
            kind: OperationKind::Gift,
            source: LotSource::Birthday,
            points: i64::from(points),
            reference: Some(format!("birthday:{}:{}", c.id, today.year())),
            reason: format!("birthday {}", today.year()),
        };
        if ledger::give(db, &scope, c.id, gift).await?.created {
            given += 1;
        }
    }
    Ok(given)
}
