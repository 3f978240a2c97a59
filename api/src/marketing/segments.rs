//! Segments: saved customer filters (the customers filter language, RFM groups included) whose
//! members are stored and kept current from the change feed (`super::membership`).
//!
//! Creating or editing a segment works its members out at once, in the same transaction, and
//! starts its feed cursor at the workspace's last committed change; that first fill records no
//! per-customer events (the audit log has the edit). From then on every customer who enters or
//! leaves is a `segmentEntered` / `segmentLeft` event with the reason.

use async_graphql::InputType;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::json;
use starcrm_shared::Permission;
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::customers::graphql::CustomerFilter;
use crate::customers::query::{self, Filter};
use crate::db;
use crate::entities::{customer, segment, segment_member};
use crate::error::AppError;

/// Segments per workspace.
pub const MAX_SEGMENTS: u64 = 200;
/// Longest name, in characters.
pub const NAME_MAX: usize = 80;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 500;

/// What a person saves.
#[derive(Clone, Debug)]
pub struct Spec {
    pub name: String,
    pub description: Option<String>,
    pub filter: Filter,
    /// The filter as given (the GraphQL `CustomerFilter` input as JSON): what is stored.
    pub filter_json: serde_json::Value,
}

/// A stored segment with its filter read back.
#[derive(Clone, Debug)]
pub struct Segment {
    pub row: segment::Model,
    pub filter: Filter,
    /// The filter as the API takes it (for the builder to edit).
    pub filter_json: serde_json::Value,
}

impl Segment {
    /// Reads a stored row.
    ///
    /// # Errors
    /// `INTERNAL` when the stored filter no longer parses.
    pub fn of(row: segment::Model) -> Result<Self, AppError> {
        let filter_json: serde_json::Value = serde_json::from_str(&row.filter).map_err(AppError::internal)?;
        let filter = stored_filter(&filter_json, &format!("segment {}", row.id))?;
        Ok(Self { row, filter, filter_json })
    }
}

/// A stored `CustomerFilter` (a segment's, a campaign's) read back; `whose` names the owner in
/// the error.
///
/// # Errors
/// `INTERNAL` when it no longer parses.
pub fn stored_filter(filter_json: &serde_json::Value, whose: &str) -> Result<Filter, AppError> {
    let value = async_graphql::Value::from_json(filter_json.clone()).map_err(AppError::internal)?;
    let input = <CustomerFilter as InputType>::parse(Some(value)).map_err(|e| {
        AppError::internal(anyhow::anyhow!(
            "{whose}: stored filter: {}",
            e.into_server_error(async_graphql::Pos::default()).message
        ))
    })?;
    input
        .into_filter()
        .map_err(|e| AppError::internal(anyhow::anyhow!("{whose}: stored filter: {}", e.message)))
}

/// The condition selecting the live customers a filter holds for, in the workspace.
///
/// # Errors
/// As [`query::sql_condition`].
pub async fn live_condition(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Condition, AppError> {
    Ok(Condition::all()
        .add(customer::Column::WorkspaceId.eq(workspace_id))
        .add(customer::Column::MergedInto.is_null())
        .add(customer::Column::DeletedAt.is_null())
        .add(query::sql_condition(conn, workspace_id, filter, now).await?))
}

/// The segments of the workspace, by name. Needs `customers:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn list(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Segment>, AppError> {
    scope.require(Permission::CustomersRead)?;
    segment::Entity::find()
        .filter(segment::Column::WorkspaceId.eq(scope.workspace_id))
        .order_by_asc(segment::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(Segment::of)
        .collect()
}

/// One segment of the workspace. Needs `customers:read`.
///
/// # Errors
/// `NOT_FOUND` (also for another workspace's); `FORBIDDEN`.
pub async fn find(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<Segment, AppError> {
    scope.require(Permission::CustomersRead)?;
    let row = segment::Entity::find_by_id(id)
        .filter(segment::Column::WorkspaceId.eq(scope.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "segment" })?;
    Segment::of(row)
}

/// Checks a spec and returns its filter, trimmed name and description.
async fn check(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    spec: &Spec,
) -> Result<(Filter, serde_json::Value, String, Option<String>), AppError> {
    let name = spec.name.trim().to_owned();
    if name.is_empty() {
        return Err(AppError::bad_input("name", "is required"));
    }
    if name.chars().count() > NAME_MAX {
        return Err(AppError::bad_input("name", format!("at most {NAME_MAX} characters")));
    }
    let description = spec.description.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned);
    if description.as_ref().is_some_and(|d| d.chars().count() > DESCRIPTION_MAX) {
        return Err(AppError::bad_input("description", format!("at most {DESCRIPTION_MAX} characters")));
    }
    let filter = spec.filter.clone();
    if filter.uses_segments() {
        return Err(AppError::bad_input("filter.segmentIds", "a segment cannot be made of other segments"));
    }
    if filter.parts().is_empty() {
        return Err(AppError::bad_input("filter", "give at least one condition"));
    }
    // Builds the SQL once: unknown custom fields and bad values are refused here.
    query::sql_condition(conn, scope.workspace_id, &filter, Utc::now()).await?;
    Ok((filter, spec.filter_json.clone(), name, description))
}

async fn name_taken(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    name: &str,
    except: Option<Uuid>,
) -> Result<bool, AppError> {
    let mut q = segment::Entity::find()
        .filter(segment::Column::WorkspaceId.eq(workspace_id))
        .filter(segment::Column::Name.eq(name));
    if let Some(id) = except {
        q = q.filter(segment::Column::Id.ne(id));
    }
    Ok(q.count(conn).await? > 0)
}

/// The workspace's last committed change-feed position (0 before the first change).
///
/// # Errors
/// Database failures.
pub async fn last_position(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<i64, AppError> {
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            "SELECT last_position FROM change_positions WHERE workspace_id = $1",
            [workspace_id.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

/// Writes every live customer the filter holds for as a member, in one statement. Returns how
/// many.
///
/// # Errors
/// Database failures.
pub async fn materialise(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    segment_id: Uuid,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let select = Query::select()
        .expr(Expr::val(segment_id))
        .column(customer::Column::Id)
        .column(customer::Column::WorkspaceId)
        .expr(Expr::val(now))
        .from(customer::Entity)
        .cond_where(live_condition(conn, workspace_id, filter, now).await?)
        .to_owned();
    let insert = Query::insert()
        .into_table(segment_member::Entity)
        .columns([
            segment_member::Column::SegmentId,
            segment_member::Column::CustomerId,
            segment_member::Column::WorkspaceId,
            segment_member::Column::EnteredAt,
        ])
        .select_from(select)
        .map_err(AppError::internal)?
        .to_owned();
    let statement = conn.get_database_backend().build(&insert);
    Ok(conn.execute_raw(statement).await?.rows_affected())
}

/// Saves a new segment and works out its members. Needs `campaigns:manage`; audited.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field; `FORBIDDEN`.
pub async fn create(db: &DatabaseConnection, scope: &Scope, spec: &Spec) -> Result<Segment, AppError> {
    scope.require(Permission::CampaignsManage)?;
    let (filter, filter_json, name, description) = check(db, scope, spec).await?;
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let count = segment::Entity::find()
        .filter(segment::Column::WorkspaceId.eq(scope.workspace_id))
        .count(&txn)
        .await?;
    if count >= MAX_SEGMENTS {
        return Err(AppError::bad_input(
            "name",
            format!("a workspace holds at most {MAX_SEGMENTS} segments"),
        ));
    }
    if name_taken(&txn, scope.workspace_id, &name, None).await? {
        return Err(AppError::bad_input("name", "another segment has this name"));
    }
    let id = Uuid::now_v7();
    let cursor = last_position(&txn, scope.workspace_id).await?;
    segment::ActiveModel {
        id: Set(id),
        workspace_id: Set(scope.workspace_id),
        name: Set(name.clone()),
        description: Set(description),
        filter: Set(filter_json.to_string()),
        cursor: Set(cursor),
        member_count: Set(0),
        refreshed_at: Set(Some(now)),
        created_by: Set(scope.user_id()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let members = materialise(&txn, scope.workspace_id, id, &filter, now).await?;
    set_count(&txn, id, members).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("segment.created", "segment", id)
            .changes(json!({ "name": name, "filter": filter_json, "members": members })),
    )
    .await?;
    let saved = find(&txn, scope, id).await?;
    txn.commit().await?;
    Ok(saved)
}

async fn set_count(conn: &impl ConnectionTrait, id: Uuid, members: u64) -> Result<(), AppError> {
    segment::Entity::update_many()
        .col_expr(segment::Column::MemberCount, Expr::value(i64::try_from(members).unwrap_or(i64::MAX)))
        .filter(segment::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Saves a new version of a segment (`version`: the one edited; `CONFLICT` if someone saved
/// meanwhile) and works its members out again. Needs `campaigns:manage`; audited.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field; `NOT_FOUND`; `CONFLICT`; `FORBIDDEN`.
pub async fn update(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    version: i32,
    spec: &Spec,
) -> Result<Segment, AppError> {
    scope.require(Permission::CampaignsManage)?;
    let (filter, filter_json, name, description) = check(db, scope, spec).await?;
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let old = find(&txn, scope, id).await?.row;
    if old.version != version {
        return Err(AppError::stale("segment"));
    }
    if name_taken(&txn, scope.workspace_id, &name, Some(id)).await? {
        return Err(AppError::bad_input("name", "another segment has this name"));
    }
    let cursor = last_position(&txn, scope.workspace_id).await?;
    let mut row: segment::ActiveModel = old.clone().into();
    row.name = Set(name.clone());
    row.description = Set(description);
    row.filter = Set(filter_json.to_string());
    row.cursor = Set(cursor);
    row.refreshed_at = Set(Some(now));
    row.version = Set(old.version + 1);
    row.updated_at = Set(now);
    row.update(&txn).await?;
    segment_member::Entity::delete_many().filter(segment_member::Column::SegmentId.eq(id)).exec(&txn).await?;
    let members = materialise(&txn, scope.workspace_id, id, &filter, now).await?;
    set_count(&txn, id, members).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("segment.updated", "segment", id).changes(json!({
            "before": { "name": old.name, "filter": serde_json::from_str::<serde_json::Value>(&old.filter).ok() },
            "name": name,
            "filter": filter_json,
            "members": members,
        })),
    )
    .await?;
    let saved = find(&txn, scope, id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Deletes a segment and its member list. Needs `campaigns:manage`; audited.
///
/// # Errors
/// `NOT_FOUND`; `FORBIDDEN`.
pub async fn delete(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> Result<(), AppError> {
    scope.require(Permission::CampaignsManage)?;
    let txn = db::begin_write(db).await?;
    let old = find(&txn, scope, id).await?.row;
    segment_member::Entity::delete_many().filter(segment_member::Column::SegmentId.eq(id)).exec(&txn).await?;
    segment::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("segment.deleted", "segment", id)
            .changes(json!({ "name": old.name, "members": old.member_count })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What a filter selects right now, for the builder's live count.
#[derive(Clone, Debug, Default)]
pub struct Preview {
    pub customers: u64,
    /// Customers by stars: index 0 not rated yet, 1 to 5 the levels.
    pub by_stars: [u64; 6],
    pub spend_minor: i64,
    pub currency: String,
}

/// Counts the live customers a filter selects, by stars, with their total spend. Needs
/// `customers:read`.
///
/// # Errors
/// `BAD_USER_INPUT` for a bad filter; `FORBIDDEN`.
pub async fn preview(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Preview, AppError> {
    scope.require(Permission::CustomersRead)?;
    let rows: Vec<(Option<i16>, i64, Option<i64>)> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Stars)
        .column_as(Expr::col(customer::Column::Id).count().cast_as("BIGINT"), "n")
        .column_as(Expr::col(customer::Column::TotalSpendMinor).sum().cast_as("BIGINT"), "spend")
        .filter(live_condition(conn, scope.workspace_id, filter, now).await?)
        .group_by(customer::Column::Stars)
        .into_tuple()
        .all(conn)
        .await?;
    let ctx = crate::ratings::engine::Context::cached(conn, scope.workspace_id).await?;
    let mut preview = Preview { currency: ctx.currency.clone(), ..Preview::default() };
    for (stars, n, spend) in rows {
        let n = n.unsigned_abs();
        preview.customers += n;
        preview.spend_minor += spend.unwrap_or(0);
        let at = stars.and_then(|s| usize::try_from(s).ok()).filter(|s| (1..=5).contains(s)).unwrap_or(0);
        preview.by_stars[at] += n;
    }
    Ok(preview)
}
