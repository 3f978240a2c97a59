//! Saved mapping presets: a shop's, POS's or call centre's export has the same columns every
//! time, so its mapping, mode and channel are saved once under a name. An upload whose header row
//! a preset of its kind fits (the preset knows at least half of the file's columns) is mapped by
//! it at once; columns it does not know keep their suggestion. Presets are per workspace and
//! kind; saving under an existing name replaces it.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use starcrm_shared::Permission;
use starcrm_shared::customer::Channel;
use starcrm_shared::imports::{ImportKind, ImportMode, Target, normalise_header};
use uuid::Uuid;

use super::{Column, Settings, headers_of, kind_of, mapping_of};
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::entities::{custom_field, import_preset};
use crate::error::AppError;

/// Longest preset name.
pub const NAME_MAX_CHARS: usize = 60;

/// A preset's column: what a header of that name fills.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresetColumn {
    pub header: String,
    pub target: Option<String>,
    #[serde(default)]
    pub keep: bool,
}

/// The columns a preset stores, by normalised header.
pub fn columns_of(model: &import_preset::Model) -> Vec<PresetColumn> {
    serde_json::from_str(&model.columns).unwrap_or_default()
}

/// The workspace's presets (of one kind, if given), by name. Needs `data:import`.
///
/// # Errors
/// `FORBIDDEN`.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    kind: Option<ImportKind>,
) -> Result<Vec<import_preset::Model>, AppError> {
    scope.require(Permission::DataImport)?;
    let mut query =
        import_preset::Entity::find().filter(import_preset::Column::WorkspaceId.eq(scope.workspace_id));
    if let Some(kind) = kind {
        query = query.filter(import_preset::Column::Kind.eq(kind.as_str()));
    }
    Ok(query.order_by_asc(import_preset::Column::Name).all(conn).await?)
}

/// Saves `settings` (checked against the import's file, as a run would) as preset `name` of the
/// import's kind, replacing one of that name. Needs `data:import`.
///
/// # Errors
/// `BAD_USER_INPUT` on `name` or for settings that do not fit the file; `NOT_FOUND` for an import
/// of another workspace.
pub async fn save(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    import_id: Uuid,
    name: &str,
    settings: Settings,
) -> Result<import_preset::Model, AppError> {
    scope.require(Permission::DataImport)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::bad_input("name", "give the preset a name"));
    }
    if name.chars().count() > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::bad_input("name", format!("at most {NAME_MAX_CHARS} characters, on one line")));
    }
    let found = super::get(conn, scope, import_id).await?;
    let kind = settings.kind.unwrap_or_else(|| kind_of(&found));
    let headers = headers_of(&found);
    let mapping = settings.mapping.unwrap_or_else(|| mapping_of(&found));
    let fields = crate::customers::profile::definitions(conn, scope.workspace_id).await?;
    super::rows::Plan::new(&headers, &mapping, settings.mode, settings.channel, kind, fields)?;
    let columns: Vec<PresetColumn> = headers
        .iter()
        .zip(&mapping)
        .filter(|(header, _)| !normalise_header(header).is_empty())
        .map(|(header, column)| PresetColumn {
            header: normalise_header(header),
            target: column.target.clone().filter(|t| !t.is_empty()),
            keep: column.keep,
        })
        .collect();
    let columns = serde_json::to_string(&columns).map_err(AppError::internal)?;
    let now = Utc::now();
    let existing = import_preset::Entity::find()
        .filter(import_preset::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(import_preset::Column::Kind.eq(kind.as_str()))
        .filter(import_preset::Column::Name.eq(name))
        .one(conn)
        .await?;
    let saved = match existing {
        Some(existing) => {
            let mut model: import_preset::ActiveModel = existing.into();
            model.columns = Set(columns);
            model.mode = Set(settings.mode.as_str().to_owned());
            model.channel = Set(settings.channel.as_str().to_owned());
            model.updated_at = Set(now);
            model.update(conn).await?
        }
        None => import_preset::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(scope.workspace_id),
            name: Set(name.to_owned()),
            kind: Set(kind.as_str().to_owned()),
            columns: Set(columns),
            mode: Set(settings.mode.as_str().to_owned()),
            channel: Set(settings.channel.as_str().to_owned()),
            created_by: Set(scope.user_id()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(conn)
        .await
        .map_err(|e| AppError::unique_or_internal(e, "name", "a preset of this name was saved meanwhile"))?,
    };
    audit::record(
        conn,
        scope,
        Entry::new("import.preset.save", "import_preset", saved.id)
            .changes(serde_json::json!({ "name": saved.name, "kind": saved.kind })),
    )
    .await?;
    Ok(saved)
}

/// Deletes a preset. Needs `data:import`.
///
/// # Errors
/// `NOT_FOUND` (also for another workspace's preset).
pub async fn delete(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<(), AppError> {
    scope.require(Permission::DataImport)?;
    let deleted = import_preset::Entity::delete_many()
        .filter(import_preset::Column::Id.eq(id))
        .filter(import_preset::Column::WorkspaceId.eq(scope.workspace_id))
        .exec(conn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound { entity: "import preset" });
    }
    audit::record(conn, scope, Entry::new("import.preset.delete", "import_preset", id)).await?;
    Ok(())
}

/// What an upload starts with when a preset fits it.
pub struct Fitted {
    pub name: String,
    pub mapping: Vec<Column>,
    pub mode: ImportMode,
    pub channel: Channel,
}

/// The preset of `kind` that knows the most of `headers` (at least half of them), applied over
/// `suggested`: a column it knows gets its target (if that is still a target of this kind and
/// workspace), the others keep their suggestion.
///
/// # Errors
/// Database failures.
pub async fn fit(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    kind: ImportKind,
    headers: &[String],
    suggested: &[Column],
    fields: &[custom_field::Model],
) -> Result<Option<Fitted>, AppError> {
    let presets = import_preset::Entity::find()
        .filter(import_preset::Column::WorkspaceId.eq(workspace_id))
        .filter(import_preset::Column::Kind.eq(kind.as_str()))
        .order_by_desc(import_preset::Column::UpdatedAt)
        .all(conn)
        .await?;
    let normalised: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    let mut best: Option<(usize, import_preset::Model, HashMap<String, PresetColumn>)> = None;
    for preset in presets {
        let known: HashMap<String, PresetColumn> =
            columns_of(&preset).into_iter().map(|c| (c.header.clone(), c)).collect();
        let count = normalised.iter().filter(|h| known.contains_key(*h)).count();
        if count > 0 && count * 2 >= headers.len() && best.as_ref().is_none_or(|(most, _, _)| count > *most) {
            best = Some((count, preset, known));
        }
    }
    let Some((_, preset, known)) = best else { return Ok(None) };
    let usable = |target: &str| {
        Target::parse(target).is_some_and(|t| {
            t.fits(kind) && !matches!(&t, Target::Custom(key) if !fields.iter().any(|f| &f.key == key))
        })
    };
    let mapping = normalised
        .iter()
        .zip(suggested)
        .map(|(header, suggestion)| match known.get(header) {
            Some(column) => Column { target: column.target.clone().filter(|t| usable(t)), keep: column.keep },
            None => suggestion.clone(),
        })
        .collect();
    Ok(Some(Fitted {
        name: preset.name,
        mapping,
        mode: ImportMode::parse(&preset.mode).unwrap_or(ImportMode::Upsert),
        channel: Channel::parse(&preset.channel).unwrap_or(Channel::Other),
    }))
}
