//! Custom profile fields a workspace defines (the classic customer profile sheet: hobbies,
//! favourite sport, motto...): typed, with choices for select fields, archived rather than
//! deleted so stored values keep their meaning.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::customer::{self as rules, CustomFieldKind};
use starcrm_shared::validate::{self, Invalid};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::db;
use crate::entities::custom_field;
use crate::error::AppError;

/// At most this many choices per select field.
const MAX_OPTIONS: usize = 100;
/// At most this many active fields per workspace.
const MAX_FIELDS: usize = 100;

/// A field definition as an admin writes it.
#[derive(Clone, Debug)]
pub struct FieldInput {
    pub key: String,
    pub label: String,
    pub kind: CustomFieldKind,
    pub options: Vec<String>,
    pub position: Option<i32>,
}

fn options(kind: CustomFieldKind, raw: &[String]) -> Result<Option<String>, AppError> {
    let select = matches!(kind, CustomFieldKind::SingleSelect | CustomFieldKind::MultiSelect);
    if !select {
        if raw.is_empty() {
            return Ok(None);
        }
        return Err(AppError::bad_input("options", "only select fields have options"));
    }
    if raw.is_empty() {
        return Err(AppError::invalid("options", Invalid::Required));
    }
    if raw.len() > MAX_OPTIONS {
        return Err(AppError::bad_input("options", format!("at most {MAX_OPTIONS} choices")));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (i, option) in raw.iter().enumerate() {
        let option =
            validate::name(option, 100).map_err(|r| AppError::invalid(&format!("options[{i}]"), r))?;
        if out.contains(&option) {
            return Err(AppError::invalid(&format!("options[{i}]"), Invalid::Duplicate));
        }
        out.push(option);
    }
    Ok(Some(serde_json::to_string(&out).map_err(AppError::internal)?))
}

/// Defines a field. Needs `settings:manage`.
///
/// # Errors
/// `BAD_USER_INPUT`; `CONFLICT` when the key is taken.
pub async fn create(
    db: &DatabaseConnection,
    scope: &Scope,
    input: FieldInput,
) -> Result<custom_field::Model, AppError> {
    scope.require(Permission::SettingsManage)?;
    let key = rules::custom_field_key(&input.key).map_err(|r| AppError::invalid("key", r))?;
    let label = validate::name(&input.label, 100).map_err(|r| AppError::invalid("label", r))?;
    let options = options(input.kind, &input.options)?;
    let txn = db::begin_write(db).await?;
    let existing = super::profile::definitions(&txn, scope.workspace_id).await?;
    if existing.len() >= MAX_FIELDS {
        return Err(AppError::bad_input(
            "key",
            format!("a workspace has at most {MAX_FIELDS} custom fields"),
        ));
    }
    let position =
        input.position.unwrap_or_else(|| existing.iter().map(|f| f.position).max().unwrap_or(0) + 1);
    let now = Utc::now();
    let created = custom_field::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        key: Set(key.clone()),
        label: Set(label),
        kind: Set(input.kind.as_str().to_owned()),
        options: Set(options),
        position: Set(position),
        archived_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::unique_or_internal(e, "key", "a custom field with this key exists"))?;
    audit::record(
        &txn,
        scope,
        Entry::new("custom_field.create", "custom_field", created.id)
            .changes(json!({ "key": key, "kind": input.kind.as_str() })),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a field's label, choices or position (never its key or kind, which stored values
/// depend on). Removing a choice leaves existing values as they are. Needs `settings:manage`.
///
/// # Errors
/// `NOT_FOUND`, `CONFLICT` for a stale version, `BAD_USER_INPUT`.
pub async fn update(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    version: i32,
    label: Option<String>,
    new_options: Option<Vec<String>>,
    position: Option<i32>,
) -> Result<custom_field::Model, AppError> {
    scope.require(Permission::SettingsManage)?;
    let txn = db::begin_write(db).await?;
    let current = find(&txn, scope, id).await?;
    if current.version != version {
        return Err(AppError::stale("custom field"));
    }
    let kind = CustomFieldKind::parse(&current.kind)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown custom field kind")))?;
    let mut model: custom_field::ActiveModel = current.clone().into();
    if let Some(label) = label {
        model.label = Set(validate::name(&label, 100).map_err(|r| AppError::invalid("label", r))?);
    }
    if let Some(list) = new_options {
        model.options = Set(options(kind, &list)?);
    }
    if let Some(position) = position {
        model.position = Set(position);
    }
    model.version = Set(current.version + 1);
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    audit::record(&txn, scope, Entry::new("custom_field.update", "custom_field", id)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Archives a field: hidden from forms and filters, values kept. Needs `settings:manage`.
///
/// # Errors
/// `NOT_FOUND`.
pub async fn archive(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
) -> Result<custom_field::Model, AppError> {
    scope.require(Permission::SettingsManage)?;
    let txn = db::begin_write(db).await?;
    let current = find(&txn, scope, id).await?;
    let mut model: custom_field::ActiveModel = current.clone().into();
    model.archived_at = Set(Some(Utc::now()));
    model.version = Set(current.version + 1);
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    audit::record(&txn, scope, Entry::new("custom_field.archive", "custom_field", id)).await?;
    txn.commit().await?;
    Ok(updated)
}

async fn find(
    conn: &impl sea_orm::ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<custom_field::Model, AppError> {
    custom_field::Entity::find_by_id(id)
        .filter(custom_field::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(custom_field::Column::ArchivedAt.is_null())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "custom field" })
}
