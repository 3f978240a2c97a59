//! The service desk (issue 18, ARCHITECTURE.md sections 5 and 12): tickets with a thread of
//! messages and a history of what changed on them, versioned service-level policies (rules by
//! stars, kind, channel and priority; business hours), and the targets each ticket missed.
//!
//! A ticket's deadlines are stored for the queues to sort and filter on, but they are always
//! recomputable from the ticket's opening, its status history and the policy version it runs
//! under.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean_null, small_integer_null, string, string_null, text, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{add_updated_at_trigger, customer_fk, foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SlaPolicies {
    Table,
    Id,
    WorkspaceId,
    /// 1, 2, 3... per workspace; a ticket keeps the version it was opened under.
    Version,
    /// `active` or `archived` (one active per workspace).
    Status,
    /// JSON array of rules (`starcrm_shared::service_desk::SlaRule`), first match wins.
    Rules,
    /// JSON business hours (`starcrm_shared::business_hours::Hours`).
    Hours,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tickets {
    Table,
    Id,
    WorkspaceId,
    /// 1, 2, 3... per workspace: what staff and customers quote.
    Number,
    CustomerId,
    Kind,
    Channel,
    Subject,
    Description,
    Status,
    Priority,
    /// Why someone set the priority by hand; null while it follows stars and kind.
    PriorityReason,
    AssigneeId,
    /// The purchase an after-sales ticket is about.
    TransactionId,
    /// A complaint found unjustified is `false` and stops counting against the customer's
    /// stars; null (undecided) and `true` count.
    Upheld,
    ExternalRef,
    /// The customer's stars the targets were chosen for (re-based when they change).
    Stars,
    SlaPolicyId,
    /// The name of the rule that matched, for people to read.
    SlaRule,
    FirstResponseDue,
    NextResponseDue,
    ResolutionDue,
    /// The soonest of the three deadlines still running: the queues sort on it.
    NextDue,
    /// The soonest deadline still running that is not yet recorded as missed: the breach pass
    /// looks at tickets whose check time has come.
    BreachCheckAt,
    /// The customer's oldest message not answered yet (after the first reply).
    WaitingSince,
    FirstRespondedAt,
    SolvedAt,
    ClosedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TicketMessages {
    Table,
    Id,
    WorkspaceId,
    TicketId,
    /// `inbound`, `reply` or `note`.
    Kind,
    Body,
    /// The staff member who wrote it (null: the customer, or an integration).
    AuthorId,
    ExternalRef,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TicketChanges {
    Table,
    Id,
    WorkspaceId,
    TicketId,
    /// `status`, `priority`, `assignee` or `sla`.
    Field,
    FromValue,
    ToValue,
    Reason,
    ActorId,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
enum SlaMisses {
    Table,
    Id,
    WorkspaceId,
    TicketId,
    /// `first_response`, `next_response` or `resolution`.
    Target,
    DueAt,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SlaPolicies as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(uuid(P::Id).primary_key())
                    .col(uuid(P::WorkspaceId))
                    .col(big_integer(P::Version))
                    .col(string(P::Status))
                    .col(text(P::Rules))
                    .col(text(P::Hours))
                    .col(uuid_null(P::CreatedBy))
                    .col(timestamp_now(manager, P::CreatedAt))
                    .foreign_key(&mut workspace_fk(P::Table, "sla_policies_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "sla_policies_version_idx", P::Table, &[P::WorkspaceId, P::Version], true).await?;
        create_tickets(manager).await?;
        create_thread(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SlaMisses::Table.into_iden(),
            TicketChanges::Table.into_iden(),
            TicketMessages::Table.into_iden(),
            Tickets::Table.into_iden(),
            SlaPolicies::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn create_tickets(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Tickets as T;
    manager
        .create_table(
            Table::create()
                .table(T::Table)
                .col(uuid(T::Id).primary_key())
                .col(uuid(T::WorkspaceId))
                .col(big_integer(T::Number))
                .col(uuid(T::CustomerId))
                .col(string(T::Kind))
                .col(string(T::Channel))
                .col(string(T::Subject))
                .col(text_null(T::Description))
                .col(string(T::Status))
                .col(string(T::Priority))
                .col(string_null(T::PriorityReason))
                .col(uuid_null(T::AssigneeId))
                .col(uuid_null(T::TransactionId))
                .col(boolean_null(T::Upheld))
                .col(string_null(T::ExternalRef))
                .col(small_integer_null(T::Stars))
                .col(uuid_null(T::SlaPolicyId))
                .col(string_null(T::SlaRule))
                .col(timestamp_with_time_zone_null(T::FirstResponseDue))
                .col(timestamp_with_time_zone_null(T::NextResponseDue))
                .col(timestamp_with_time_zone_null(T::ResolutionDue))
                .col(timestamp_with_time_zone_null(T::NextDue))
                .col(timestamp_with_time_zone_null(T::BreachCheckAt))
                .col(timestamp_with_time_zone_null(T::WaitingSince))
                .col(timestamp_with_time_zone_null(T::FirstRespondedAt))
                .col(timestamp_with_time_zone_null(T::SolvedAt))
                .col(timestamp_with_time_zone_null(T::ClosedAt))
                .col(uuid_null(T::CreatedBy))
                .col(timestamp_with_time_zone(T::CreatedAt))
                .col(timestamp_now(manager, T::UpdatedAt))
                .foreign_key(&mut workspace_fk(T::Table, "tickets_workspace_id_fkey"))
                .foreign_key(&mut customer_fk(T::Table, "tickets_customer_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "tickets_assignee_id_fkey",
                    T::Table,
                    T::AssigneeId,
                    Alias::new("users"),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
    add_updated_at_trigger(manager, "tickets").await?;
    index(manager, "tickets_number_idx", T::Table, &[T::WorkspaceId, T::Number], true).await?;
    index(manager, "tickets_external_ref_idx", T::Table, &[T::WorkspaceId, T::ExternalRef], true).await?;
    index(manager, "tickets_customer_idx", T::Table, &[T::CustomerId, T::CreatedAt], false).await?;
    // Complaints per customer in the rating window, and whether a workspace has any.
    index(manager, "tickets_kind_idx", T::Table, &[T::WorkspaceId, T::Kind, T::CreatedAt], false).await?;
    // The queues: by workspace and due time, and by assignee.
    index(manager, "tickets_due_idx", T::Table, &[T::WorkspaceId, T::NextDue], false).await?;
    index(manager, "tickets_breach_check_idx", T::Table, &[T::BreachCheckAt], false).await?;
    index(manager, "tickets_assignee_idx", T::Table, &[T::WorkspaceId, T::AssigneeId, T::NextDue], false)
        .await
}

/// A ticket's messages, its history of changes and the targets it missed.
async fn create_thread(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use {SlaMisses as S, TicketChanges as C, TicketMessages as M, Tickets as T};
    manager
        .create_table(
            Table::create()
                .table(M::Table)
                .col(uuid(M::Id).primary_key())
                .col(uuid(M::WorkspaceId))
                .col(uuid(M::TicketId))
                .col(string(M::Kind))
                .col(text(M::Body))
                .col(uuid_null(M::AuthorId))
                .col(string_null(M::ExternalRef))
                .col(timestamp_with_time_zone(M::CreatedAt))
                .foreign_key(&mut workspace_fk(M::Table, "ticket_messages_workspace_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "ticket_messages_ticket_id_fkey",
                    M::Table,
                    M::TicketId,
                    T::Table,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    index(manager, "ticket_messages_ticket_idx", M::Table, &[M::TicketId, M::CreatedAt], false).await?;
    index(manager, "ticket_messages_external_ref_idx", M::Table, &[M::WorkspaceId, M::ExternalRef], true)
        .await?;

    manager
        .create_table(
            Table::create()
                .table(C::Table)
                .col(uuid(C::Id).primary_key())
                .col(uuid(C::WorkspaceId))
                .col(uuid(C::TicketId))
                .col(string(C::Field))
                .col(string_null(C::FromValue))
                .col(string_null(C::ToValue))
                .col(string_null(C::Reason))
                .col(uuid_null(C::ActorId))
                .col(timestamp_with_time_zone(C::At))
                .foreign_key(&mut workspace_fk(C::Table, "ticket_changes_workspace_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "ticket_changes_ticket_id_fkey",
                    C::Table,
                    C::TicketId,
                    T::Table,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    index(manager, "ticket_changes_ticket_idx", C::Table, &[C::TicketId, C::At], false).await?;

    manager
        .create_table(
            Table::create()
                .table(S::Table)
                .col(uuid(S::Id).primary_key())
                .col(uuid(S::WorkspaceId))
                .col(uuid(S::TicketId))
                .col(string(S::Target))
                .col(timestamp_with_time_zone(S::DueAt))
                .col(timestamp_now(manager, S::RecordedAt))
                .foreign_key(&mut workspace_fk(S::Table, "sla_misses_workspace_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "sla_misses_ticket_id_fkey",
                    S::Table,
                    S::TicketId,
                    T::Table,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    // A miss is recorded once per ticket and target.
    index(manager, "sla_misses_once_idx", S::Table, &[S::TicketId, S::Target], true).await
}
