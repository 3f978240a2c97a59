//! Imports of purchases (issue 17): an import says what its file holds (`customers` or
//! `transactions`), and a purchase an import recorded names it, so a revert can find and delete
//! exactly those.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer_null, string, uuid_null};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Imports {
    Table,
    /// See `ImportKind`.
    Kind,
}

#[derive(DeriveIden, Clone, Copy)]
enum Transactions {
    Table,
    /// The import that recorded the purchase; null for every other way in.
    ImportId,
    /// The file's row that recorded it (what a revert names when it leaves it alone).
    ImportRow,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Imports::Table)
                    .add_column(string(Imports::Kind).default("customers"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Transactions::Table)
                    .add_column(uuid_null(Transactions::ImportId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Transactions::Table)
                    .add_column(big_integer_null(Transactions::ImportRow))
                    .to_owned(),
            )
            .await?;
        index(manager, "transactions_import_idx", Transactions::Table, &[Transactions::ImportId], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("transactions_import_idx").table(Transactions::Table).to_owned())
            .await?;
        for column in [Transactions::ImportRow, Transactions::ImportId] {
            manager
                .alter_table(Table::alter().table(Transactions::Table).drop_column(column).to_owned())
                .await?;
        }
        manager.alter_table(Table::alter().table(Imports::Table).drop_column(Imports::Kind).to_owned()).await
    }
}
