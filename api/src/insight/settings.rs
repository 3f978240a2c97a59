//! A workspace's insight settings (the lifecycle rules and the scoring model), its last fit, and
//! the lease a replica takes to run the pass.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait, QueryFilter};
use serde_json::json;
use starcrm_shared::insight::lifecycle::Rules;
use starcrm_shared::insight::models::ModelKind;
use starcrm_shared::insight::report::{FitStatus, ModelReport};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::entities::{insight_model, insight_setting, job};
use crate::error::AppError;

/// The rules and model a workspace's pass uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub rules: Rules,
    pub model: ModelKind,
    pub updated_at: Option<DateTime<Utc>>,
}

impl Default for Settings {
    fn default() -> Self {
        Self { rules: Rules::default(), model: ModelKind::ModifiedBgNbd, updated_at: None }
    }
}

impl Settings {
    /// The workspace's settings, the defaults until someone saves them.
    ///
    /// # Errors
    /// Database failures.
    pub async fn load(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Self, AppError> {
        let Some(row) = insight_setting::Entity::find_by_id(workspace_id).one(conn).await? else {
            return Ok(Self::default());
        };
        Ok(Self {
            rules: serde_json::from_str(&row.rules).map_err(AppError::internal)?,
            model: ModelKind::parse(&row.model).unwrap_or(ModelKind::ModifiedBgNbd),
            updated_at: Some(row.updated_at),
        })
    }
}

/// Checks rules: each threshold in its range, churn below the at-risk line.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field.
pub fn check(rules: &Rules) -> Result<(), AppError> {
    let within = |field: &str, value: f64, low: f64, high: f64| {
        if value.is_finite() && (low..=high).contains(&value) {
            Ok(())
        } else {
            Err(AppError::bad_input(field, format!("must be between {low} and {high}")))
        }
    };
    within("newDays", f64::from(rules.new_days), 1.0, 365.0)?;
    within("loyalMinPurchases", f64::from(rules.loyal_min_purchases), 2.0, 1000.0)?;
    within("loyalMinStars", f64::from(rules.loyal_min_stars), 1.0, 5.0)?;
    within("atRiskBelow", rules.at_risk_below, 0.01, 0.99)?;
    within("overdueFactor", rules.overdue_factor, 1.0, 20.0)?;
    within("complaintDays", f64::from(rules.complaint_days), 1.0, 365.0)?;
    within("complaintMinStars", f64::from(rules.complaint_min_stars), 1.0, 5.0)?;
    within("churnedBelow", rules.churned_below, 0.0, 0.99)?;
    within("churnedDays", f64::from(rules.churned_days), 30.0, 3650.0)?;
    within("wonBackDays", f64::from(rules.won_back_days), 1.0, 365.0)?;
    if rules.churned_below >= rules.at_risk_below {
        return Err(AppError::bad_input("churnedBelow", "must be below atRiskBelow"));
    }
    Ok(())
}

/// Saves the workspace's rules and scoring model (applied by the next pass). Audited.
///
/// # Errors
/// `BAD_USER_INPUT` for rules out of range; database failures.
pub async fn save(
    db: &DatabaseConnection,
    scope: &Scope,
    rules: Rules,
    model: ModelKind,
) -> Result<Settings, AppError> {
    check(&rules)?;
    let now = Utc::now();
    let text = serde_json::to_string(&rules).map_err(AppError::internal)?;
    let txn = crate::db::begin_write(db).await?;
    let row = insight_setting::ActiveModel {
        workspace_id: sea_orm::Set(scope.workspace_id),
        rules: sea_orm::Set(text),
        model: sea_orm::Set(model.as_str().to_owned()),
        updated_at: sea_orm::Set(now),
        updated_by: sea_orm::Set(scope.user_id()),
    };
    insight_setting::Entity::insert(row)
        .on_conflict(
            OnConflict::column(insight_setting::Column::WorkspaceId)
                .update_columns([
                    insight_setting::Column::Rules,
                    insight_setting::Column::Model,
                    insight_setting::Column::UpdatedAt,
                    insight_setting::Column::UpdatedBy,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    audit::record(
        &txn,
        scope,
        Entry::new("insight.settings_updated", "workspace", scope.workspace_id)
            .changes(json!({ "rules": rules, "model": model.as_str() })),
    )
    .await?;
    txn.commit().await?;
    Ok(Settings { rules, model, updated_at: Some(now) })
}

/// How long a replica's claim on a workspace's pass lasts.
const LEASE: Duration = Duration::minutes(30);
/// A fit older than this is due again.
pub const REFIT_EVERY: Duration = Duration::hours(24);

/// Takes the lease on the workspace's pass; `false` when another replica holds it.
///
/// # Errors
/// Database failures.
pub async fn claim(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    use insight_model::Column as C;
    let row = insight_model::ActiveModel {
        workspace_id: sea_orm::Set(workspace_id),
        fitted_at: sea_orm::Set(None),
        status: sea_orm::Set(FitStatus::NotYet.as_str().to_owned()),
        report: sea_orm::Set(None),
        duration_ms: sea_orm::Set(0),
        claimed_until: sea_orm::Set(None),
    };
    insight_model::Entity::insert(row)
        .on_conflict(OnConflict::column(C::WorkspaceId).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    let taken = insight_model::Entity::update_many()
        .col_expr(C::ClaimedUntil, Expr::value(Some(now + LEASE)))
        .filter(C::WorkspaceId.eq(workspace_id))
        .filter(C::ClaimedUntil.is_null().or(C::ClaimedUntil.lt(now)))
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Stores a finished pass's report and gives the lease back.
///
/// # Errors
/// Database failures.
pub async fn store_report(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
    report: &ModelReport,
    took: std::time::Duration,
) -> Result<(), AppError> {
    use insight_model::Column as C;
    let text = serde_json::to_string(report).map_err(AppError::internal)?;
    insight_model::Entity::update_many()
        .col_expr(C::FittedAt, Expr::value(Some(now)))
        .col_expr(C::Status, Expr::value(report.status.as_str()))
        .col_expr(C::Report, Expr::value(Some(text)))
        .col_expr(C::DurationMs, Expr::value(i64::try_from(took.as_millis()).unwrap_or(i64::MAX)))
        .col_expr(C::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::WorkspaceId.eq(workspace_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives the lease back after a failed pass (the fit stays as it was).
///
/// # Errors
/// Database failures.
pub async fn release(db: &DatabaseConnection, workspace_id: Uuid) -> Result<(), AppError> {
    use insight_model::Column as C;
    insight_model::Entity::update_many()
        .col_expr(C::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(C::WorkspaceId.eq(workspace_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The workspace's last fit.
///
/// # Errors
/// Database failures.
pub async fn last(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> Result<Option<insight_model::Model>, AppError> {
    Ok(insight_model::Entity::find_by_id(workspace_id).one(conn).await?)
}

/// Whether the workspace's pass is due: never run, older than [`REFIT_EVERY`], or a re-rating
/// finished since.
///
/// # Errors
/// Database failures.
pub async fn due(db: &DatabaseConnection, workspace_id: Uuid, now: DateTime<Utc>) -> Result<bool, AppError> {
    let Some(fitted_at) = last(db, workspace_id).await?.and_then(|m| m.fitted_at) else { return Ok(true) };
    if now - fitted_at >= REFIT_EVERY {
        return Ok(true);
    }
    let rerated = job::Entity::find()
        .filter(job::Column::WorkspaceId.eq(workspace_id))
        .filter(job::Column::Kind.eq(crate::ratings::jobs::RERATE))
        .filter(job::Column::FinishedAt.gt(fitted_at))
        .one(db)
        .await?;
    Ok(rerated.is_some())
}
