//! `customer_merges`: what each merge moved, so it can be undone.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_merges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub survivor_id: Uuid,
    pub merged_id: Uuid,
    pub moved: Option<String>,
    pub created_at: DateTimeUtc,
    pub undone_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
