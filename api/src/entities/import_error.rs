//! `import_errors`: rows an import (or its dry run, or its revert) refused, and why.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_errors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub import_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub phase: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub row_number: i64,
    pub column: Option<String>,
    pub code: String,
    pub message: String,
    /// JSON of the validation reason, if the refusal has one.
    pub reason: Option<String>,
    /// JSON array of the row's cells.
    pub cells: String,
    pub customer_id: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}
