//! The search outbox: every change to what the search index holds of a customer (create, update,
//! merge, delete, erase, stars, tags, channel ids) writes a row here in the same transaction as the
//! change. A worker pushes the named customers to the index and deletes the row; a row that fails
//! stays, with its attempts and the next time to try. Rows carry ids only: the worker reads the
//! customers as they are then, so replaying a row is harmless and the index never holds data the
//! database does not.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_pk_auto, integer, text, text_null, uuid};

use crate::helpers::{index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SearchOutbox {
    Table,
    Id,
    WorkspaceId,
    /// JSON array of customer ids.
    CustomerIds,
    Attempts,
    AvailableAt,
    LastError,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SearchOutbox as O;
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    // Ordered: the worker takes the oldest rows first.
                    .col(big_pk_auto(O::Id))
                    .col(uuid(O::WorkspaceId))
                    .col(text(O::CustomerIds))
                    .col(integer(O::Attempts).default(0))
                    .col(timestamp_now(manager, O::AvailableAt))
                    .col(text_null(O::LastError))
                    .col(timestamp_now(manager, O::CreatedAt))
                    .foreign_key(&mut workspace_fk(O::Table, "search_outbox_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "search_outbox_available_idx", O::Table, &[O::AvailableAt, O::Id], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SearchOutbox::Table).to_owned()).await
    }
}
