//! `ticket_changes`: what changed on a ticket (status, priority, assignee, service-level
//! targets), by whom, when and why. The status rows are the history deadlines are computed from.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub ticket_id: Uuid,
    pub field: String,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    pub reason: Option<String>,
    pub actor_id: Option<Uuid>,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
