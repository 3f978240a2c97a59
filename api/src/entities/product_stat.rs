//! `product_stats`: each product's name, category and basket count, from the insight pass.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_stats")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    /// The SKU, else the name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub product: String,
    pub name: String,
    pub category: Option<String>,
    pub baskets: i64,
}

impl ActiveModelBehavior for ActiveModel {}
