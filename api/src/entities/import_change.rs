//! `import_changes`: the changeset of an import, one row per customer it created or changed.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub import_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: Uuid,
    pub workspace_id: Uuid,
    pub row_number: i64,
    pub action: String,
    /// JSON snapshot before the import (for `updated`).
    pub before: Option<String>,
    pub version_after: i32,
    /// `reverted` or `refused` once a revert looked at it.
    pub revert: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
