//! `product_associations`: "customers who bought `from_product` also bought `to_product`".

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "product_associations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub from_product: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub to_product: String,
    pub baskets: i64,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
}

impl ActiveModelBehavior for ActiveModel {}
