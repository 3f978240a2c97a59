//! `imports`: an uploaded customer file, its mapping, counts and resume point.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub status: String,
    /// See `ImportKind`: what the file holds.
    pub kind: String,
    pub file_name: String,
    pub file_bytes: i64,
    pub encoding: String,
    pub delimiter: String,
    /// JSON array of strings.
    pub headers: String,
    /// JSON array of `{ target, keep }` or null, one per column.
    pub mapping: Option<String>,
    pub mode: String,
    pub channel: String,
    pub checked: bool,
    pub total_rows: i64,
    pub rows_done: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub rejected: i64,
    pub revert_refused: i64,
    /// JSON.
    pub preview: Option<String>,
    pub error: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub reverted_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// The preset the mapping came from, when one fitted the file.
    pub preset_name: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
