//! `events`: the change feed, one row per domain change, written in the same transaction as the
//! change by `changes::record` (the only writer).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// 1, 2, 3, ... per workspace, without gaps, in commit order.
    pub position: i64,
    pub kind: String,
    pub subject_id: Option<Uuid>,
    /// JSON.
    pub payload: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
