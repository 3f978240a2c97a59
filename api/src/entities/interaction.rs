//! `interactions`: consultations, calls, emails, chats, visits and social contacts.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    pub kind: String,
    pub direction: String,
    pub channel: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub agent_id: Option<Uuid>,
    pub occurred_at: DateTimeUtc,
    pub external_ref: Option<String>,
    /// The import that recorded it (a revert deletes it), and its row.
    pub import_id: Option<Uuid>,
    pub import_row: Option<i64>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
