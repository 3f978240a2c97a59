//! `teams`: groups of agents that tickets are routed to and dealt out among.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "teams")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    /// JSON array of the ticket kinds it takes; null: every kind.
    pub kinds: Option<String>,
    /// JSON array of the channels it takes; null: every channel.
    pub channels: Option<String>,
    pub capacity: i32,
    pub position: i32,
    pub archived: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
