//! Idempotency keys (issue 17, ARCHITECTURE.md section 9): a client that sends a mutation with an
//! `Idempotency-Key` header and retries it (a timeout, a dropped connection) gets the first answer
//! back instead of a second customer or purchase. One row per (workspace, caller, key), kept 24 h.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string, text_null, uuid};

use crate::helpers::{index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum IdempotencyKeys {
    Table,
    Id,
    WorkspaceId,
    /// `user:<id>` or `token:<id>`: keys of different callers never meet.
    Caller,
    Key,
    /// SHA-256 of the operation, its name and its variables.
    Fingerprint,
    /// The JSON answer; null while the first request is still running.
    Response,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use IdempotencyKeys as K;
        manager
            .create_table(
                Table::create()
                    .table(K::Table)
                    .col(uuid(K::Id).primary_key())
                    .col(uuid(K::WorkspaceId))
                    .col(string(K::Caller))
                    .col(string(K::Key))
                    .col(string(K::Fingerprint))
                    .col(text_null(K::Response))
                    .col(timestamp_now(manager, K::CreatedAt))
                    .foreign_key(&mut workspace_fk(K::Table, "idempotency_keys_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "idempotency_keys_key", K::Table, &[K::WorkspaceId, K::Caller, K::Key], true).await?;
        index(manager, "idempotency_keys_created_idx", K::Table, &[K::CreatedAt], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned()).await
    }
}
