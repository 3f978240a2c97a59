//! Recommendations (issue 22): what the insight pass learns from baskets (each purchase's
//! distinct products; a product is its SKU, else its name).
//!
//! `product_stats`: each product's name and category as last sold and how many baskets hold it
//! (the best sellers, and the denominators of the metrics). `product_associations`: "customers
//! who bought `from_product` also bought `to_product`", with the baskets holding both, support,
//! confidence and lift; only those that count (3 baskets or more, lift above 1), the 20 strongest
//! per product. Both are rewritten whole by each pass.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, double, string, string_null, uuid};

use crate::helpers::workspace_fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ProductStats {
    Table,
    WorkspaceId,
    Product,
    Name,
    Category,
    Baskets,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProductAssociations {
    Table,
    WorkspaceId,
    FromProduct,
    ToProduct,
    Baskets,
    Support,
    Confidence,
    Lift,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ProductAssociations as A;
        use ProductStats as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(uuid(P::WorkspaceId))
                    .col(string(P::Product))
                    .col(string(P::Name))
                    .col(string_null(P::Category))
                    .col(big_integer(P::Baskets))
                    .primary_key(Index::create().col(P::WorkspaceId).col(P::Product))
                    .foreign_key(&mut workspace_fk(P::Table, "product_stats_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(uuid(A::WorkspaceId))
                    .col(string(A::FromProduct))
                    .col(string(A::ToProduct))
                    .col(big_integer(A::Baskets))
                    .col(double(A::Support))
                    .col(double(A::Confidence))
                    .col(double(A::Lift))
                    .primary_key(Index::create().col(A::WorkspaceId).col(A::FromProduct).col(A::ToProduct))
                    .foreign_key(&mut workspace_fk(A::Table, "product_associations_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ProductAssociations::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ProductStats::Table).to_owned()).await
    }
}
