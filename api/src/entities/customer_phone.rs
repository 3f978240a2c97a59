//! `customer_phones`: a customer's phone numbers, in international form.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_phones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    pub phone: String,
    pub label: Option<String>,
    pub is_primary: bool,
}

impl ActiveModelBehavior for ActiveModel {}
