//! Customers > Import, and the export of the customer list.

use serde::Deserialize;
use serde_json::{Value, json};
use starcrm_shared::imports::{ImportInfo, ImportPresetInfo};

use super::{ApiError, execute};

const IMPORT: &str = include_str!("../../graphql/import.graphql");
const IMPORTS: &str = include_str!("../../graphql/imports.graphql");
const TARGETS: &str = include_str!("../../graphql/import_targets.graphql");
const CHECK: &str = include_str!("../../graphql/check_import.graphql");
const START: &str = include_str!("../../graphql/start_import.graphql");
const REVERT: &str = include_str!("../../graphql/revert_import.graphql");
const PRESETS: &str = include_str!("../../graphql/import_presets.graphql");
const SAVE_PRESET: &str = include_str!("../../graphql/save_import_preset.graphql");
const DELETE_PRESET: &str = include_str!("../../graphql/delete_import_preset.graphql");
const ERRORS: &str = include_str!("../../graphql/import_errors_download.graphql");
/// Followed with [`super::live::follow`] while a pass runs.
pub const PROGRESS: &str = include_str!("../../graphql/import_progress.graphql");

/// A target a column can fill.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ImportTarget {
    pub value: String,
    pub label: Option<String>,
}

/// Sends `file` to the server; the new import's id.
///
/// # Errors
/// The server refused the file (too big, empty, not CSV) or cannot be reached.
/// `kind`: `customers`, `transactions`, or `None` for the server to tell from the header row.
pub async fn upload(file: web_sys::File, kind: Option<&str>) -> Result<String, ApiError> {
    let name = js_sys::encode_uri_component(&file.name()).as_string().unwrap_or_default();
    let kind = kind.map(|k| format!("&kind={k}")).unwrap_or_default();
    let answer = super::upload(&format!("/api/imports?fileName={name}{kind}"), &file).await?;
    Ok(answer["id"].as_str().unwrap_or_default().to_owned())
}

pub async fn get(id: &str) -> Result<Option<ImportInfo>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        import: Option<ImportInfo>,
    }
    execute::<_, Data>(IMPORT, &json!({ "id": id })).await.map(|d| d.import)
}

pub async fn list() -> Result<Vec<ImportInfo>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        imports: Vec<ImportInfo>,
    }
    execute::<_, Data>(IMPORTS, &json!({})).await.map(|d| d.imports)
}

/// What columns of a file of `kind` (`CUSTOMERS`, `TRANSACTIONS`) can fill.
pub async fn targets(kind: &str) -> Result<Vec<ImportTarget>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        import_targets: Vec<ImportTarget>,
    }
    execute::<_, Data>(TARGETS, &json!({ "kind": kind })).await.map(|d| d.import_targets)
}

/// The settings of `checkImport` and `startImport`: one `(target, keep)` per column.
pub struct Settings<'a> {
    pub mapping: &'a [(Option<String>, bool)],
    pub mode: &'a str,
    pub channel: &'a str,
}

fn input(id: &str, settings: &Settings<'_>) -> Value {
    let mapping: Vec<Value> =
        settings.mapping.iter().map(|(target, keep)| json!({ "target": target, "keep": keep })).collect();
    json!({ "input": { "importId": id, "mapping": mapping, "mode": settings.mode, "channel": settings.channel } })
}

/// Queues the dry run (`check`) or the import.
pub async fn queue(id: &str, settings: &Settings<'_>, check: bool) -> Result<(), ApiError> {
    let document = if check { CHECK } else { START };
    execute::<_, Value>(document, &input(id, settings)).await.map(|_| ())
}

/// The saved mapping presets.
pub async fn presets() -> Result<Vec<ImportPresetInfo>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        import_presets: Vec<ImportPresetInfo>,
    }
    execute::<_, Data>(PRESETS, &json!({})).await.map(|d| d.import_presets)
}

/// Saves the settings as preset `name` for files with the same headers.
pub async fn save_preset(id: &str, settings: &Settings<'_>, name: &str) -> Result<(), ApiError> {
    let mut variables = input(id, settings);
    variables["name"] = json!(name);
    execute::<_, Value>(SAVE_PRESET, &variables).await.map(|_| ())
}

pub async fn delete_preset(id: &str) -> Result<(), ApiError> {
    execute::<_, Value>(DELETE_PRESET, &json!({ "id": id })).await.map(|_| ())
}

pub async fn revert(id: &str) -> Result<(), ApiError> {
    execute::<_, Value>(REVERT, &json!({ "id": id })).await.map(|_| ())
}

/// A link to the rows a pass (`CHECK`, `RUN`, `REVERT`) refused, as CSV.
pub async fn errors_link(id: &str, phase: &str) -> Result<String, ApiError> {
    let data = execute::<_, Value>(ERRORS, &json!({ "id": id, "phase": phase })).await?;
    Ok(data["importErrorsDownload"]["url"].as_str().unwrap_or_default().to_owned())
}
