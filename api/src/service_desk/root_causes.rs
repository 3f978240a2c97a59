//! Complaint root causes: the workspace's two-level taxonomy (a cause and its subcauses), the
//! root cause a complaint is solved with, and the Pareto of complaints over a period by root
//! cause, channel, star level, agent or product category, against the period before.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::explain::Language;
use starcrm_shared::service_desk::{TicketKind, standard_root_causes};
use starcrm_shared::validate::{self, Invalid};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::db;
use crate::entities::{ticket, ticket_category, transaction_item, user};
use crate::error::AppError;

/// Most categories a workspace keeps (causes and subcauses together).
pub const MAX_CATEGORIES: usize = 200;

/// The workspace's categories, causes first then their subcauses, in their order.
///
/// # Errors
/// `FORBIDDEN` without `service:manage`.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<ticket_category::Model>, AppError> {
    scope.require(Permission::ServiceManage)?;
    Ok(ticket_category::Entity::find()
        .filter(ticket_category::Column::WorkspaceId.eq(scope.workspace_id))
        .order_by_asc(ticket_category::Column::Position)
        .order_by_asc(ticket_category::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// A category to create (no id) or change.
#[derive(Clone, Debug)]
pub struct CategoryInput {
    pub id: Option<Uuid>,
    /// A top-level category for a subcause; none for a cause.
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub archived: bool,
}

/// Creates or changes a category. Two levels: a subcause's parent is a top-level cause, and a
/// cause with subcauses stays top-level. Sibling names are unique (ignoring case). Needs
/// `service:configure`.
///
/// # Errors
/// `BAD_USER_INPUT` naming `name` or `parentId`; `NOT_FOUND` for a category of another workspace.
pub async fn save(
    db: &DatabaseConnection,
    scope: &Scope,
    input: CategoryInput,
) -> Result<ticket_category::Model, AppError> {
    scope.require(Permission::ServiceConfigure)?;
    let name = validate::name(&input.name, 60).map_err(|r| AppError::invalid("name", r))?;
    let txn = db::begin_write(db).await?;
    let all = list(&*txn, scope).await?;
    let current = match input.id {
        Some(id) => {
            Some(all.iter().find(|c| c.id == id).cloned().ok_or(AppError::NotFound { entity: "category" })?)
        }
        None => None,
    };
    if let Some(parent) = input.parent_id {
        let found = all.iter().find(|c| c.id == parent).ok_or(AppError::NotFound { entity: "category" })?;
        if found.parent_id.is_some() || Some(parent) == input.id {
            return Err(AppError::bad_input(
                "parentId",
                "choose a top-level cause: causes have one level of subcauses",
            ));
        }
        if let Some(c) = &current
            && all.iter().any(|x| x.parent_id == Some(c.id))
        {
            return Err(AppError::bad_input("parentId", "a cause with subcauses stays top-level"));
        }
    }
    let taken = all.iter().any(|c| {
        c.parent_id == input.parent_id
            && Some(c.id) != input.id
            && c.name.to_lowercase() == name.to_lowercase()
    });
    if taken {
        return Err(AppError::invalid("name", Invalid::Duplicate));
    }
    if current.is_none() && all.len() >= MAX_CATEGORIES {
        return Err(AppError::bad_input(
            "name",
            format!("a workspace keeps at most {MAX_CATEGORIES} categories"),
        ));
    }
    let saved = if let Some(c) = current {
        let mut row: ticket_category::ActiveModel = c.into();
        row.name = Set(name.clone());
        row.parent_id = Set(input.parent_id);
        row.archived = Set(input.archived);
        row.update(&*txn).await?
    } else {
        let position = all.iter().filter(|c| c.parent_id == input.parent_id).count();
        insert(&*txn, scope, input.parent_id, &name, position, input.archived).await?
    };
    let entry = Entry::new("ticket_category.save", "ticket_category", saved.id).changes(json!({
        "name": saved.name, "parentId": saved.parent_id, "archived": saved.archived, "created": input.id.is_none(),
    }));
    audit::record(&*txn, scope, entry).await?;
    txn.commit().await?;
    Ok(saved)
}

async fn insert(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    parent_id: Option<Uuid>,
    name: &str,
    position: usize,
    archived: bool,
) -> Result<ticket_category::Model, AppError> {
    Ok(ticket_category::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        parent_id: Set(parent_id),
        name: Set(name.to_owned()),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        archived: Set(archived),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?)
}

/// Adds the standard taxonomy ([`starcrm_shared::service_desk::STANDARD_ROOT_CAUSES`]) in
/// `language` to the workspace's: causes and subcauses it lacks (by name, ignoring case; an archived one counts as there, so
/// it is not brought back), after what it keeps. Running it again adds nothing. Needs
/// `service:configure`. Returns how many categories it added.
///
/// # Errors
/// `BAD_USER_INPUT` on `name` when the workspace would keep more than [`MAX_CATEGORIES`].
pub async fn add_standard(
    db: &DatabaseConnection,
    scope: &Scope,
    language: Language,
) -> Result<usize, AppError> {
    scope.require(Permission::ServiceConfigure)?;
    let txn = db::begin_write(db).await?;
    let mut all = list(&*txn, scope).await?;
    let same = |c: &ticket_category::Model, parent: Option<Uuid>, name: &str| {
        c.parent_id == parent && c.name.to_lowercase() == name.to_lowercase()
    };
    let mut added = Vec::new();
    for (cause, subcauses) in standard_root_causes(language) {
        let parent = if let Some(found) = all.iter().find(|c| same(c, None, cause)) {
            found.clone()
        } else {
            let position = all.iter().filter(|c| c.parent_id.is_none()).count();
            let row = insert(&*txn, scope, None, cause, position, false).await?;
            added.push(row.name.clone());
            all.push(row.clone());
            row
        };
        for sub in subcauses {
            if !all.iter().any(|c| same(c, Some(parent.id), sub)) {
                let position = all.iter().filter(|c| c.parent_id == Some(parent.id)).count();
                let row = insert(&*txn, scope, Some(parent.id), sub, position, false).await?;
                added.push(format!("{} / {}", parent.name, row.name));
                all.push(row);
            }
        }
    }
    if all.len() > MAX_CATEGORIES {
        return Err(AppError::bad_input(
            "name",
            format!("a workspace keeps at most {MAX_CATEGORIES} categories"),
        ));
    }
    if !added.is_empty() {
        let entry = Entry::new("ticket_category.standard", "workspace", scope.workspace_id)
            .changes(json!({ "added": added }));
        audit::record(&*txn, scope, entry).await?;
    }
    txn.commit().await?;
    Ok(added.len())
}

/// Checks a root cause chosen to solve a complaint: a live category of the workspace, a
/// subcause when the cause has live subcauses.
///
/// # Errors
/// `BAD_USER_INPUT` on `rootCauseId`.
pub async fn check_choice(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<(), AppError> {
    let all = list(conn, scope).await?;
    let Some(chosen) = all.iter().find(|c| c.id == id && !c.archived) else {
        return Err(AppError::bad_input("rootCauseId", "is not a root cause of this workspace"));
    };
    if all.iter().any(|c| c.parent_id == Some(chosen.id) && !c.archived) {
        return Err(AppError::bad_input("rootCauseId", "choose one of its subcauses"));
    }
    Ok(())
}

/// What the Pareto groups complaints by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum ComplaintDimension {
    /// The top-level root cause (unclassified until solved).
    RootCause,
    Channel,
    /// The customer's stars when they complained.
    StarLevel,
    /// Who the complaint is assigned to.
    Agent,
    /// The product category of the purchase it is about (its largest line); empty for a
    /// complaint about no purchase.
    ProductCategory,
}

/// One bar of the Pareto.
#[derive(Clone, Debug, PartialEq, async_graphql::SimpleObject)]
pub struct ParetoRow {
    /// The group's code (a category id, a channel, a star level, a user id); empty for none.
    pub key: String,
    /// The group's name (the category's or agent's name; the code otherwise).
    pub label: String,
    pub count: u64,
    /// Complaints in the period before, of the same length.
    pub previous_count: u64,
    /// Of the period's complaints, 0 to 1.
    pub share: f64,
    /// This row's share and the shares of the rows before it.
    pub cumulative_share: f64,
}

/// Complaints opened in `[from, to)` by `dimension`, biggest first, against `[from - (to - from),
/// from)`. Needs `service:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` on `to` when the period is empty or longer than two years.
pub async fn pareto(
    db: &DatabaseConnection,
    scope: &Scope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dimension: ComplaintDimension,
) -> Result<Vec<ParetoRow>, AppError> {
    scope.require(Permission::ServiceManage)?;
    if to <= from || to - from > chrono::Duration::days(731) {
        return Err(AppError::bad_input("to", "must be after `from`, within two years of it"));
    }
    let current = counts(db, scope, from, to, dimension).await?;
    let previous = counts(db, scope, from - (to - from), from, dimension).await?;
    let labels = labels(db, scope, dimension).await?;
    let total: u64 = current.values().sum();
    let mut rows: Vec<ParetoRow> = current
        .iter()
        .map(|(key, &count)| ParetoRow {
            key: key.clone(),
            label: labels.get(key).cloned().unwrap_or_else(|| key.clone()),
            count,
            previous_count: previous.get(key).copied().unwrap_or(0),
            share: 0.0,
            cumulative_share: 0.0,
        })
        .collect();
    // Groups that had complaints only before show with none now: the trend is the point.
    for (key, &count) in &previous {
        if !current.contains_key(key) {
            rows.push(ParetoRow {
                key: key.clone(),
                label: labels.get(key).cloned().unwrap_or_else(|| key.clone()),
                count: 0,
                previous_count: count,
                share: 0.0,
                cumulative_share: 0.0,
            });
        }
    }
    rows.sort_by(|a, b| {
        b.count.cmp(&a.count).then(b.previous_count.cmp(&a.previous_count)).then(a.label.cmp(&b.label))
    });
    let mut running = 0;
    for row in &mut rows {
        running += row.count;
        #[allow(clippy::cast_precision_loss, reason = "shares")]
        if total > 0 {
            row.share = row.count as f64 / total as f64;
            row.cumulative_share = running as f64 / total as f64;
        }
    }
    Ok(rows)
}

/// Complaints per group opened in `[from, to)` (one grouped query).
async fn counts(
    db: &DatabaseConnection,
    scope: &Scope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    dimension: ComplaintDimension,
) -> Result<HashMap<String, u64>, AppError> {
    if dimension == ComplaintDimension::ProductCategory {
        return by_category(db, scope, from, to).await;
    }
    let column = match dimension {
        ComplaintDimension::RootCause | ComplaintDimension::ProductCategory => ticket::Column::RootCauseId,
        ComplaintDimension::Channel => ticket::Column::Channel,
        ComplaintDimension::StarLevel => ticket::Column::Stars,
        ComplaintDimension::Agent => ticket::Column::AssigneeId,
    };
    let base = ticket::Entity::find()
        .select_only()
        .column(column)
        .column_as(ticket::Column::Id.count(), "n")
        .filter(ticket::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(ticket::Column::Kind.eq(TicketKind::Complaint.as_str()))
        .filter(ticket::Column::CreatedAt.gte(from))
        .filter(ticket::Column::CreatedAt.lt(to))
        .group_by(column);
    // Typed per column: ids are stored as bytes on SQLite, so they are read as ids, not text.
    let grouped: Vec<(Option<String>, i64)> = match dimension {
        ComplaintDimension::RootCause | ComplaintDimension::Agent => base
            .into_tuple::<(Option<Uuid>, i64)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(k, n)| (k.map(|id| id.to_string()), n))
            .collect(),
        ComplaintDimension::Channel | ComplaintDimension::ProductCategory => {
            base.into_tuple::<(Option<String>, i64)>().all(db).await?
        }
        ComplaintDimension::StarLevel => base
            .into_tuple::<(Option<i16>, i64)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(k, n)| (k.map(|s| s.to_string()), n))
            .collect(),
    };
    let mut out: HashMap<String, u64> = HashMap::new();
    let parents: HashMap<String, String> = if dimension == ComplaintDimension::RootCause {
        list(db, scope)
            .await?
            .into_iter()
            .filter_map(|c| c.parent_id.map(|p| (c.id.to_string(), p.to_string())))
            .collect()
    } else {
        HashMap::new()
    };
    for (key, n) in grouped {
        let key = key.unwrap_or_default();
        // A subcause counts for its cause.
        let key = parents.get(&key).cloned().unwrap_or(key);
        *out.entry(key).or_default() += u64::try_from(n).unwrap_or(0);
    }
    Ok(out)
}

/// Complaints per product category opened in `[from, to)`: the category of the largest line of
/// the purchase each is about (empty for none).
async fn by_category(
    db: &DatabaseConnection,
    scope: &Scope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HashMap<String, u64>, AppError> {
    let purchases: Vec<Option<Uuid>> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::TransactionId)
        .filter(ticket::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(ticket::Column::Kind.eq(TicketKind::Complaint.as_str()))
        .filter(ticket::Column::CreatedAt.gte(from))
        .filter(ticket::Column::CreatedAt.lt(to))
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<Uuid> = purchases.iter().flatten().copied().collect();
    let mut largest: HashMap<Uuid, (i64, String)> = HashMap::new();
    for chunk in ids.chunks(500) {
        let lines = transaction_item::Entity::find()
            .filter(transaction_item::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(transaction_item::Column::TransactionId.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        for line in lines {
            let value = line.unit_price_minor.saturating_mul(i64::from(line.quantity));
            let category = line.category.unwrap_or_default();
            let slot = largest.entry(line.transaction_id).or_insert((i64::MIN, String::new()));
            if value > slot.0 {
                *slot = (value, category);
            }
        }
    }
    let mut out: HashMap<String, u64> = HashMap::new();
    for purchase in purchases {
        let key = purchase.and_then(|p| largest.get(&p)).map(|(_, c)| c.clone()).unwrap_or_default();
        *out.entry(key).or_default() += 1;
    }
    Ok(out)
}

/// Names for the groups' codes: categories and agents by id.
async fn labels(
    db: &DatabaseConnection,
    scope: &Scope,
    dimension: ComplaintDimension,
) -> Result<HashMap<String, String>, AppError> {
    Ok(match dimension {
        ComplaintDimension::RootCause => {
            list(db, scope).await?.into_iter().map(|c| (c.id.to_string(), c.name)).collect()
        }
        ComplaintDimension::Agent => user::Entity::find()
            .filter(user::Column::WorkspaceId.eq(scope.workspace_id))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id.to_string(), u.name))
            .collect(),
        ComplaintDimension::Channel | ComplaintDimension::StarLevel | ComplaintDimension::ProductCategory => {
            HashMap::new()
        }
    })
}
