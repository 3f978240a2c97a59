//! `point_entries`: how an operation touched the lots and the debt. Append-only.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "point_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    pub operation_id: Uuid,
    /// `starcrm_shared::loyalty::EntryKind`.
    pub kind: String,
    pub lot_id: Option<Uuid>,
    pub points: i64,
    pub debt: i64,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
