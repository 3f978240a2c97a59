//! Complaint root causes (issue 18): a workspace's two-level taxonomy of why customers complain,
//! and on each ticket the root cause it was solved with, the resolution note, and whether the
//! complaint was upheld (a complaint found unjustified stops counting against the stars; the
//! `upheld` column came with the tickets).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, integer, string, text_null, uuid, uuid_null};

use crate::helpers::{foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum TicketCategories {
    Table,
    Id,
    WorkspaceId,
    /// Null for a top-level category; a subcategory's parent is always top-level.
    ParentId,
    Name,
    Position,
    /// Hidden from new choices; tickets keep it.
    Archived,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tickets {
    Table,
    RootCauseId,
    Resolution,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use TicketCategories as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::Id).primary_key())
                    .col(uuid(C::WorkspaceId))
                    .col(uuid_null(C::ParentId))
                    .col(string(C::Name))
                    .col(integer(C::Position).default(0))
                    .col(boolean(C::Archived).default(false))
                    .col(timestamp_now(manager, C::CreatedAt))
                    .foreign_key(&mut workspace_fk(C::Table, "ticket_categories_workspace_id_fkey"))
                    .foreign_key(&mut foreign_key(
                        "ticket_categories_parent_id_fkey",
                        C::Table,
                        C::ParentId,
                        C::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "ticket_categories_workspace_idx", C::Table, &[C::WorkspaceId, C::ParentId], false)
            .await?;
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter().table(Tickets::Table).add_column(uuid_null(Tickets::RootCauseId)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Tickets::Table).add_column(text_null(Tickets::Resolution)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Tickets::RootCauseId, Tickets::Resolution] {
            manager.alter_table(Table::alter().table(Tickets::Table).drop_column(column).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(TicketCategories::Table).to_owned()).await
    }
}
