//! Teams and follow-ups (issue 18): agents work in teams that tickets are routed to (by kind and
//! channel) and dealt out among round robin, each agent holding at most the team's capacity of
//! open tickets; an agent sees the tickets of their teams. Follow-ups (回访) are calls back to a
//! customer, due on a cadence by star level, after a solved complaint, and when a customer drops
//! a star; doing one records its outcome on the customer's timeline.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, string, string_null, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{add_updated_at_trigger, customer_fk, foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Teams {
    Table,
    Id,
    WorkspaceId,
    Name,
    /// JSON array of ticket kinds the team takes; null takes every kind.
    Kinds,
    /// JSON array of channels the team takes; null takes every channel.
    Channels,
    /// The most open tickets round robin gives one member.
    Capacity,
    /// Routing order: the first team that takes a ticket gets it.
    Position,
    /// Takes no new tickets; its tickets stay where they are.
    Archived,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TeamMembers {
    Table,
    Id,
    WorkspaceId,
    TeamId,
    UserId,
    /// Off shift or away: round robin passes them over (a dedicated owner's tickets too).
    Available,
    /// When round robin last gave this member a ticket of this team.
    LastAssignedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tickets {
    Table,
    WorkspaceId,
    TeamId,
    NextDue,
}

#[derive(DeriveIden, Clone, Copy)]
enum FollowUps {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    /// Who calls (the customer's owner); null: anyone on the desk.
    OwnerId,
    /// `cadence`, `complaint`, `star_drop` or `manual`.
    Reason,
    /// The solved complaint a `complaint` follow-up is about.
    TicketId,
    /// What makes a generated follow-up once only (a cadence period, a ticket, a star drop).
    SourceKey,
    DueAt,
    /// `open`, `done` or `cancelled`.
    Status,
    /// What to talk about.
    Note,
    /// What came of it (becomes an interaction on the timeline).
    Outcome,
    InteractionId,
    /// How often it was put off.
    Snoozes,
    DoneAt,
    DoneBy,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ServiceSettings {
    Table,
    WorkspaceId,
    /// JSON `starcrm_shared::follow_ups::Cadence`.
    FollowUpCadence,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ServiceSettings as S;
        create_teams(manager).await?;
        manager
            .alter_table(
                Table::alter().table(Tickets::Table).add_column(uuid_null(Tickets::TeamId)).to_owned(),
            )
            .await?;
        index(
            manager,
            "tickets_team_idx",
            Tickets::Table,
            &[Tickets::WorkspaceId, Tickets::TeamId, Tickets::NextDue],
            false,
        )
        .await?;
        create_follow_ups(manager).await?;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(uuid(S::WorkspaceId).primary_key())
                    .col(text(S::FollowUpCadence))
                    .col(uuid_null(S::UpdatedBy))
                    .col(timestamp_now(manager, S::UpdatedAt))
                    .foreign_key(&mut workspace_fk(S::Table, "service_settings_workspace_id_fkey"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ServiceSettings::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(FollowUps::Table).to_owned()).await?;
        // SQLite drops no indexed column.
        manager.drop_index(Index::drop().name("tickets_team_idx").table(Tickets::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Tickets::Table).drop_column(Tickets::TeamId).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(TeamMembers::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Teams::Table).to_owned()).await
    }
}

async fn create_teams(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use {TeamMembers as M, Teams as T};
    manager
        .create_table(
            Table::create()
                .table(T::Table)
                .col(uuid(T::Id).primary_key())
                .col(uuid(T::WorkspaceId))
                .col(string(T::Name))
                .col(text_null(T::Kinds))
                .col(text_null(T::Channels))
                .col(integer(T::Capacity).default(20))
                .col(integer(T::Position).default(0))
                .col(boolean(T::Archived).default(false))
                .col(timestamp_now(manager, T::CreatedAt))
                .col(timestamp_now(manager, T::UpdatedAt))
                .foreign_key(&mut workspace_fk(T::Table, "teams_workspace_id_fkey"))
                .to_owned(),
        )
        .await?;
    add_updated_at_trigger(manager, "teams").await?;
    index(manager, "teams_name_idx", T::Table, &[T::WorkspaceId, T::Name], true).await?;
    manager
        .create_table(
            Table::create()
                .table(M::Table)
                .col(uuid(M::Id).primary_key())
                .col(uuid(M::WorkspaceId))
                .col(uuid(M::TeamId))
                .col(uuid(M::UserId))
                .col(boolean(M::Available).default(true))
                .col(timestamp_with_time_zone_null(M::LastAssignedAt))
                .col(timestamp_now(manager, M::CreatedAt))
                .foreign_key(&mut workspace_fk(M::Table, "team_members_workspace_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "team_members_team_id_fkey",
                    M::Table,
                    M::TeamId,
                    T::Table,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    "team_members_user_id_fkey",
                    M::Table,
                    M::UserId,
                    Alias::new("users"),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    index(manager, "team_members_member_idx", M::Table, &[M::TeamId, M::UserId], true).await?;
    index(manager, "team_members_user_idx", M::Table, &[M::WorkspaceId, M::UserId], false).await
}

async fn create_follow_ups(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use FollowUps as F;
    manager
        .create_table(
            Table::create()
                .table(F::Table)
                .col(uuid(F::Id).primary_key())
                .col(uuid(F::WorkspaceId))
                .col(uuid(F::CustomerId))
                .col(uuid_null(F::OwnerId))
                .col(string(F::Reason))
                .col(uuid_null(F::TicketId))
                .col(string_null(F::SourceKey))
                .col(timestamp_with_time_zone(F::DueAt))
                .col(string(F::Status))
                .col(text_null(F::Note))
                .col(text_null(F::Outcome))
                .col(uuid_null(F::InteractionId))
                .col(integer(F::Snoozes).default(0))
                .col(timestamp_with_time_zone_null(F::DoneAt))
                .col(uuid_null(F::DoneBy))
                .col(uuid_null(F::CreatedBy))
                .col(timestamp_now(manager, F::CreatedAt))
                .col(timestamp_now(manager, F::UpdatedAt))
                .foreign_key(&mut workspace_fk(F::Table, "follow_ups_workspace_id_fkey"))
                .foreign_key(&mut customer_fk(F::Table, "follow_ups_customer_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "follow_ups_owner_id_fkey",
                    F::Table,
                    F::OwnerId,
                    Alias::new("users"),
                    ForeignKeyAction::SetNull,
                ))
                .foreign_key(&mut foreign_key(
                    "follow_ups_ticket_id_fkey",
                    F::Table,
                    F::TicketId,
                    Alias::new("tickets"),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
    add_updated_at_trigger(manager, "follow_ups").await?;
    index(manager, "follow_ups_source_idx", F::Table, &[F::WorkspaceId, F::SourceKey], true).await?;
    index(manager, "follow_ups_due_idx", F::Table, &[F::WorkspaceId, F::Status, F::DueAt], false).await?;
    index(
        manager,
        "follow_ups_owner_idx",
        F::Table,
        &[F::WorkspaceId, F::OwnerId, F::Status, F::DueAt],
        false,
    )
    .await?;
    index(manager, "follow_ups_customer_idx", F::Table, &[F::CustomerId, F::CreatedAt], false).await
}
