//! Webhooks (issue 17, ARCHITECTURE.md section 9): endpoints a workspace registers, one message
//! per (endpoint, change) fanned out from the change feed, and a log of every attempt to deliver
//! one. Signed by the Standard Webhooks scheme; retried on a fixed schedule.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, integer, integer_null, string, string_null, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum WebhookEndpoints {
    Table,
    Id,
    WorkspaceId,
    Url,
    Description,
    /// Space-separated change kinds; empty: every kind.
    EventTypes,
    /// `whsec_...`: the signing secret.
    Secret,
    /// The secret before the last rotation, still signing until `PreviousSecretExpiresAt`.
    PreviousSecret,
    PreviousSecretExpiresAt,
    /// `active` or `disabled`.
    Status,
    DisabledReason,
    /// When deliveries started failing without a success since; null when healthy.
    FailingSince,
    /// The last change-feed position turned into messages.
    Cursor,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookMessages {
    Table,
    Id,
    WorkspaceId,
    EndpointId,
    /// The change it carries (null for a test event).
    EventId,
    EventPosition,
    CustomerId,
    EventType,
    /// The exact JSON body sent (signatures are over it).
    Payload,
    /// `pending`, `delivered` or `failed` (every retry used up).
    Status,
    Attempts,
    NextAttemptAt,
    LastStatusCode,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookAttempts {
    Table,
    Id,
    WorkspaceId,
    EndpointId,
    MessageId,
    /// The message's event type, for the log to say what was sent.
    EventType,
    /// `scheduled`, `replay` or `test`.
    Trigger,
    Url,
    AttemptedAt,
    StatusCode,
    /// The start of the response body (at most 1 KB).
    ResponseExcerpt,
    /// Why no HTTP answer came (timeout, refused address...).
    Error,
    DurationMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use {WebhookAttempts as A, WebhookEndpoints as E, WebhookMessages as M};
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(uuid(E::Id).primary_key())
                    .col(uuid(E::WorkspaceId))
                    .col(text(E::Url))
                    .col(string(E::Description).default(""))
                    .col(text(E::EventTypes).default(""))
                    .col(string(E::Secret))
                    .col(string_null(E::PreviousSecret))
                    .col(timestamp_with_time_zone_null(E::PreviousSecretExpiresAt))
                    .col(string(E::Status).default("active"))
                    .col(string_null(E::DisabledReason))
                    .col(timestamp_with_time_zone_null(E::FailingSince))
                    .col(big_integer(E::Cursor).default(0))
                    .col(uuid_null(E::CreatedBy))
                    .col(timestamp_now(manager, E::CreatedAt))
                    .col(timestamp_now(manager, E::UpdatedAt))
                    .foreign_key(&mut workspace_fk(E::Table, "webhook_endpoints_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "webhook_endpoints_workspace_idx", E::Table, &[E::WorkspaceId], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::Id).primary_key())
                    .col(uuid(M::WorkspaceId))
                    .col(uuid(M::EndpointId))
                    .col(uuid_null(M::EventId))
                    .col(big_integer(M::EventPosition))
                    .col(uuid_null(M::CustomerId))
                    .col(string(M::EventType))
                    .col(text(M::Payload))
                    .col(string(M::Status).default("pending"))
                    .col(integer(M::Attempts).default(0))
                    .col(timestamp_with_time_zone(M::NextAttemptAt))
                    .col(integer_null(M::LastStatusCode))
                    .col(timestamp_now(manager, M::CreatedAt))
                    .col(timestamp_with_time_zone_null(M::DeliveredAt))
                    .foreign_key(&mut workspace_fk(M::Table, "webhook_messages_workspace_id_fkey"))
                    .foreign_key(&mut foreign_key(
                        "webhook_messages_endpoint_id_fkey",
                        M::Table,
                        M::EndpointId,
                        E::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "webhook_messages_due_idx",
            M::Table,
            &[M::EndpointId, M::Status, M::EventPosition],
            false,
        )
        .await?;
        index(manager, "webhook_messages_created_idx", M::Table, &[M::EndpointId, M::CreatedAt], false)
            .await?;
        index(manager, "webhook_messages_customer_idx", M::Table, &[M::CustomerId], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(uuid(A::Id).primary_key())
                    .col(uuid(A::WorkspaceId))
                    .col(uuid(A::EndpointId))
                    .col(uuid(A::MessageId))
                    .col(string(A::EventType))
                    .col(string(A::Trigger))
                    .col(text(A::Url))
                    .col(timestamp_with_time_zone(A::AttemptedAt))
                    .col(integer_null(A::StatusCode))
                    .col(text_null(A::ResponseExcerpt))
                    .col(text_null(A::Error))
                    .col(big_integer(A::DurationMs))
                    .foreign_key(&mut workspace_fk(A::Table, "webhook_attempts_workspace_id_fkey"))
                    .foreign_key(&mut foreign_key(
                        "webhook_attempts_message_id_fkey",
                        A::Table,
                        A::MessageId,
                        M::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "webhook_attempts_endpoint_idx", A::Table, &[A::EndpointId, A::AttemptedAt], false)
            .await?;
        index(manager, "webhook_attempts_message_idx", A::Table, &[A::MessageId], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookMessages::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
