//! Imports of interactions (issue 17): an interaction an import recorded names it and its row,
//! so a revert can find and delete exactly those.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer_null, uuid_null};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Interactions {
    Table,
    /// The import that recorded the interaction; null for every other way in.
    ImportId,
    /// The file's row that recorded it.
    ImportRow,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [uuid_null(Interactions::ImportId), big_integer_null(Interactions::ImportRow)] {
            let mut column = column;
            manager
                .alter_table(Table::alter().table(Interactions::Table).add_column(&mut column).to_owned())
                .await?;
        }
        index(manager, "interactions_import_idx", Interactions::Table, &[Interactions::ImportId], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("interactions_import_idx").table(Interactions::Table).to_owned())
            .await?;
        for column in [Interactions::ImportRow, Interactions::ImportId] {
            manager
                .alter_table(Table::alter().table(Interactions::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
