//! The messaging outbox and points expiry warnings (issue 20).
//!
//! `messages`: one row per message the business sends a customer outside surveys (points about
//! to expire now, campaigns later): queued, then sent, skipped (with the reason) or failed (with
//! the error), sent by the background pass with consent, address and quiet hours checked at send
//! time. `origin` says what it is about and is unique per workspace, so a pass that runs twice,
//! or on two replicas, sends once.
//!
//! `point_warnings`: one row per member and expiry date warned of (unique), with the message that
//! told them, if the business configured one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, date, integer, string, string_null, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{customer_fk, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    /// `points_expiring`, later `campaign`.
    Purpose,
    /// `email`, `sms`, `wechat`, `push`.
    Channel,
    Origin,
    Subject,
    Body,
    /// `queued`, `sent`, `skipped`, `failed`.
    Status,
    SkipReason,
    Error,
    Attempts,
    SendAt,
    SentAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PointWarnings {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    /// The last day the points can be spent, in the workspace's calendar.
    ExpiresOn,
    ExpiresAt,
    Points,
    MessageId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Messages as M;
        use PointWarnings as W;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::Id).primary_key())
                    .col(uuid(M::WorkspaceId))
                    .col(uuid(M::CustomerId))
                    .col(string(M::Purpose))
                    .col(string(M::Channel))
                    .col(string(M::Origin))
                    .col(text(M::Subject))
                    .col(text(M::Body))
                    .col(string(M::Status))
                    .col(string_null(M::SkipReason))
                    .col(text_null(M::Error))
                    .col(integer(M::Attempts))
                    .col(timestamp_with_time_zone(M::SendAt))
                    .col(timestamp_with_time_zone_null(M::SentAt))
                    .col(timestamp_now(manager, M::CreatedAt))
                    .foreign_key(&mut workspace_fk(M::Table, "messages_workspace_id_fkey"))
                    .foreign_key(&mut customer_fk(M::Table, "messages_customer_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "messages_origin_idx", M::Table, &[M::WorkspaceId, M::Origin], true).await?;
        index(manager, "messages_due_idx", M::Table, &[M::Status, M::SendAt], false).await?;
        index(manager, "messages_customer_idx", M::Table, &[M::CustomerId, M::CreatedAt], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(W::Table)
                    .col(uuid(W::Id).primary_key())
                    .col(uuid(W::WorkspaceId))
                    .col(uuid(W::CustomerId))
                    .col(date(W::ExpiresOn))
                    .col(timestamp_with_time_zone(W::ExpiresAt))
                    .col(big_integer(W::Points))
                    .col(uuid_null(W::MessageId))
                    .col(timestamp_now(manager, W::CreatedAt))
                    .foreign_key(&mut workspace_fk(W::Table, "point_warnings_workspace_id_fkey"))
                    .foreign_key(&mut customer_fk(W::Table, "point_warnings_customer_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "point_warnings_once_idx", W::Table, &[W::CustomerId, W::ExpiresOn], true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PointWarnings::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Messages::Table).to_owned()).await
    }
}
