//! Staff notifications (issue 18): what the desk tells a person rather than the whole feed, such
//! as a ticket that missed its promise, for the desk's managers and the ticket's assignee. Each
//! belongs to one account; it names what it is about by id and says nothing personal itself.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer_null, string, text_null, timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Notifications {
    Table,
    Id,
    WorkspaceId,
    /// The account told.
    UserId,
    /// `ticket_breached`, ...
    Kind,
    /// What it is about: a ticket's id and number.
    TicketId,
    TicketNumber,
    /// Kind-specific facts as JSON text (the targets missed, the priority now).
    Details,
    CreatedAt,
    ReadAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Notifications as N;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .col(uuid(N::Id).primary_key())
                    .col(uuid(N::WorkspaceId))
                    .col(uuid(N::UserId))
                    .col(string(N::Kind))
                    .col(uuid_null(N::TicketId))
                    .col(big_integer_null(N::TicketNumber))
                    .col(text_null(N::Details))
                    .col(timestamp_now(manager, N::CreatedAt))
                    .col(timestamp_with_time_zone_null(N::ReadAt))
                    .foreign_key(&mut workspace_fk(N::Table, "notifications_workspace_id_fkey"))
                    .foreign_key(&mut foreign_key(
                        "notifications_user_id_fkey",
                        N::Table,
                        N::UserId,
                        Alias::new("users"),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // A person's list, newest first, and their unread count.
        index(manager, "notifications_user_idx", N::Table, &[N::UserId, N::CreatedAt], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Notifications::Table).to_owned()).await
    }
}
