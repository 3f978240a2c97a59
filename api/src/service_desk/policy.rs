//! Service-level policies: ordered rules (stars, kind, channel, priority -> targets in business
//! minutes) and business hours, versioned per workspace. Saving makes a new active version; a
//! ticket keeps the version it was opened under until its targets are re-based.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::business_hours::{Calendar, Hours, HoursError};
use starcrm_shared::service_desk::{self as rules, SlaRule};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::db;
use crate::entities::{sla_policy, workspace};
use crate::error::AppError;

/// A policy version, checked and ready to compute deadlines.
#[derive(Clone, Debug)]
pub struct Policy {
    /// None: the built-in default (the workspace never saved one).
    pub id: Option<Uuid>,
    pub version: i64,
    pub rules: Vec<SlaRule>,
    pub hours: Hours,
    pub calendar: Calendar,
    pub created_at: Option<chrono::DateTime<Utc>>,
}

impl Policy {
    fn from_row(row: &sla_policy::Model) -> Result<Self, AppError> {
        let rules: Vec<SlaRule> = serde_json::from_str(&row.rules).map_err(AppError::internal)?;
        let hours: Hours = serde_json::from_str(&row.hours).map_err(AppError::internal)?;
        let calendar = hours
            .calendar()
            .map_err(|e| AppError::internal(anyhow::anyhow!("stored business hours refused: {e:?}")))?;
        Ok(Self {
            id: Some(row.id),
            version: row.version,
            rules,
            hours,
            calendar,
            created_at: Some(row.created_at),
        })
    }

    /// The built-in policy: faster targets for more stars, office hours in the workspace's zone.
    fn default_for(timezone: &str) -> Result<Self, AppError> {
        let hours = Hours::office(timezone);
        let calendar = hours
            .calendar()
            .or_else(|_| Hours::office("UTC").calendar())
            .map_err(|e| AppError::internal(anyhow::anyhow!("default business hours refused: {e:?}")))?;
        Ok(Self { id: None, version: 0, rules: rules::default_rules(), hours, calendar, created_at: None })
    }
}

/// The workspace's active policy (the built-in one until it saves its own).
pub async fn active(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Policy, AppError> {
    let row = sla_policy::Entity::find()
        .filter(sla_policy::Column::WorkspaceId.eq(workspace_id))
        .filter(sla_policy::Column::Status.eq("active"))
        .order_by_desc(sla_policy::Column::Version)
        .one(conn)
        .await?;
    match row {
        Some(row) => Policy::from_row(&row),
        None => Policy::default_for(&workspace_timezone(conn, workspace_id).await?),
    }
}

/// The policy version a ticket runs under (`None`: the built-in one).
pub async fn version(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Option<Uuid>,
) -> Result<Policy, AppError> {
    let Some(id) = id else {
        return Policy::default_for(&workspace_timezone(conn, workspace_id).await?);
    };
    let row = sla_policy::Entity::find_by_id(id)
        .filter(sla_policy::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "SLA policy" })?;
    Policy::from_row(&row)
}

/// Every saved version, newest first.
pub async fn versions(db: &DatabaseConnection, scope: &Scope) -> Result<Vec<Policy>, AppError> {
    scope.require(Permission::ServiceManage)?;
    let rows = sla_policy::Entity::find()
        .filter(sla_policy::Column::WorkspaceId.eq(scope.workspace_id))
        .order_by_desc(sla_policy::Column::Version)
        .limit(100)
        .all(db)
        .await?;
    rows.iter().map(Policy::from_row).collect()
}

async fn workspace_timezone(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<String, AppError> {
    Ok(workspace::Entity::find_by_id(workspace_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "workspace" })?
        .timezone)
}

/// Why business hours were refused, as a field error.
pub fn hours_error(err: &HoursError) -> AppError {
    match err {
        HoursError::Timezone => {
            AppError::bad_input("hours.timezone", "is not an IANA time zone like Asia/Shanghai")
        }
        HoursError::Week => AppError::bad_input("hours.week", "must list the seven days, Monday first"),
        HoursError::Interval { weekday } => AppError::bad_input(
            format!("hours.week[{weekday}]"),
            "each interval must end after it starts, within the day, after the one before",
        ),
        HoursError::NeverOpen => {
            AppError::bad_input("hours.week", "is never open: give opening hours or choose round the clock")
        }
    }
}

/// Saves rules and hours as the workspace's new active version. Tickets already open keep their
/// version. Needs `service:configure`.
///
/// # Errors
/// `BAD_USER_INPUT` naming the rule and field, or the part of the hours, that is wrong.
pub async fn save(
    db: &DatabaseConnection,
    scope: &Scope,
    rules: Vec<SlaRule>,
    mut hours: Hours,
) -> Result<Policy, AppError> {
    scope.require(Permission::ServiceConfigure)?;
    rules::check_rules(&rules)
        .map_err(|e| AppError::invalid(&format!("rules[{}].{}", e.rule, e.field), e.reason))?;
    if rules.is_empty() {
        return Err(AppError::bad_input(
            "rules",
            "give at least one rule (the last usually matches everyone)",
        ));
    }
    hours.holidays.sort_unstable();
    hours.holidays.dedup();
    if hours.holidays.len() > 366 {
        return Err(AppError::bad_input("hours.holidays", "at most 366 days"));
    }
    hours.calendar().map_err(|e| hours_error(&e))?;
    let mut rules = rules;
    for rule in &mut rules {
        rule.name = rule.name.trim().to_owned();
    }

    let txn = db::begin_write(db).await?;
    let last = sla_policy::Entity::find()
        .filter(sla_policy::Column::WorkspaceId.eq(scope.workspace_id))
        .order_by_desc(sla_policy::Column::Version)
        .one(&txn)
        .await?
        .map_or(0, |p| p.version);
    sla_policy::Entity::update_many()
        .col_expr(sla_policy::Column::Status, sea_orm::sea_query::Expr::value("archived"))
        .filter(sla_policy::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(sla_policy::Column::Status.eq("active"))
        .exec(&txn)
        .await?;
    let row = sla_policy::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        version: Set(last + 1),
        status: Set("active".to_owned()),
        rules: Set(serde_json::to_string(&rules).map_err(AppError::internal)?),
        hours: Set(serde_json::to_string(&hours).map_err(AppError::internal)?),
        created_by: Set(scope.user_id()),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        AppError::unique_or_internal(e, "version", "another policy was saved at the same time; try again")
    })?;
    let entry = Entry::new("sla_policy.activate", "sla_policy", row.id)
        .changes(json!({ "version": row.version, "rules": rules.len(), "timezone": hours.timezone }));
    audit::record(&txn, scope, entry).await?;
    txn.commit().await?;
    Policy::from_row(&row)
}
