//! Ticket tags (issue 18): free labels staff put on tickets ("refund", "VIP event"), for finding
//! them again; a queue can be narrowed to one tag.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string, uuid};

use crate::helpers::{foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum TicketTags {
    Table,
    Id,
    WorkspaceId,
    TicketId,
    /// As first written (unique per ticket ignoring case, which the application checks).
    Tag,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use TicketTags as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(uuid(T::Id).primary_key())
                    .col(uuid(T::WorkspaceId))
                    .col(uuid(T::TicketId))
                    .col(string(T::Tag))
                    .col(timestamp_now(manager, T::CreatedAt))
                    .foreign_key(&mut workspace_fk(T::Table, "ticket_tags_workspace_id_fkey"))
                    .foreign_key(&mut foreign_key(
                        "ticket_tags_ticket_id_fkey",
                        T::Table,
                        T::TicketId,
                        Alias::new("tickets"),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "ticket_tags_ticket_idx", T::Table, &[T::TicketId, T::Tag], true).await?;
        index(manager, "ticket_tags_tag_idx", T::Table, &[T::WorkspaceId, T::Tag], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TicketTags::Table).to_owned()).await
    }
}
