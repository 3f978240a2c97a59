//! `import_presets`: a saved mapping, mode and channel, applied to uploads whose header row it fits.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_presets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    /// See `ImportKind`.
    pub kind: String,
    /// JSON object: normalised header -> `{ target, keep }`.
    pub columns: String,
    pub mode: String,
    pub channel: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
