//! Customer imports (issue 17, ARCHITECTURE.md section 11): an uploaded file with its mapping,
//! counts and resume point; the changeset of every customer an import created or changed (what
//! a revert undoes); and the rows it refused, with the reason and the original cells.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, integer, string, string_null, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Imports {
    Table,
    Id,
    WorkspaceId,
    /// See `ImportStatus`.
    Status,
    FileName,
    FileBytes,
    /// `utf-8` or `gb18030`.
    Encoding,
    Delimiter,
    /// JSON array of the header row's cells.
    Headers,
    /// JSON array, one entry per column: `{ "target": "phone", "keep": false }` or null.
    Mapping,
    /// See `ImportMode`.
    Mode,
    /// The channel a member number column belongs to.
    Channel,
    /// Whether the file was checked by a dry run with the mapping it runs with.
    Checked,
    TotalRows,
    /// Data rows finished (committed): where a resumed run starts reading again.
    RowsDone,
    Created,
    Updated,
    Skipped,
    Rejected,
    /// Rows a revert left alone because they changed since the import.
    RevertRefused,
    /// JSON: the first rows as they would be stored.
    Preview,
    Error,
    CreatedBy,
    CreatedAt,
    StartedAt,
    FinishedAt,
    RevertedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ImportChanges {
    Table,
    ImportId,
    CustomerId,
    WorkspaceId,
    /// The first row of the file that touched the customer.
    RowNumber,
    /// `created` or `updated`.
    Action,
    /// JSON: the customer's fields and contacts before the import (for `updated`).
    Before,
    /// The customer's version after the import's last write: a revert refuses a customer whose
    /// version moved on since.
    VersionAfter,
    /// Null until a revert looks at it; then `reverted` or `refused` (changed since the import).
    Revert,
}

#[derive(DeriveIden, Clone, Copy)]
enum ImportErrors {
    Table,
    ImportId,
    /// `check`, `run` or `revert`.
    Phase,
    RowNumber,
    /// The header of the column at fault (null: the whole row).
    Column,
    Code,
    Message,
    /// JSON: the validation reason (`"PHONE"`, `{"TOO_LONG":{"max":100}}`), for the SPA to word.
    Reason,
    /// JSON array: the row's cells as read.
    Cells,
    CustomerId,
}

#[derive(DeriveIden, Clone, Copy)]
enum DownloadLinks {
    Table,
    /// SHA-256 of the link's secret (the link itself is shown once).
    TokenHash,
    WorkspaceId,
    /// The user or API token that asked for it.
    CreatedBy,
    /// `importErrors` or `customers`.
    Kind,
    /// JSON: what the file holds (filter, columns, import id...).
    Params,
    /// Whether contact details go out unmasked (the asker held `pii:read`).
    Unmasked,
    ExpiresAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use {ImportChanges as C, ImportErrors as R, Imports as I};
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(uuid(I::Id).primary_key())
                    .col(uuid(I::WorkspaceId))
                    .col(string(I::Status))
                    .col(string(I::FileName))
                    .col(big_integer(I::FileBytes))
                    .col(string(I::Encoding))
                    .col(string(I::Delimiter))
                    .col(text(I::Headers))
                    .col(text_null(I::Mapping))
                    .col(string(I::Mode).default("upsert"))
                    .col(string(I::Channel).default("other"))
                    .col(boolean(I::Checked).default(false))
                    .col(big_integer(I::TotalRows).default(0))
                    .col(big_integer(I::RowsDone).default(0))
                    .col(big_integer(I::Created).default(0))
                    .col(big_integer(I::Updated).default(0))
                    .col(big_integer(I::Skipped).default(0))
                    .col(big_integer(I::Rejected).default(0))
                    .col(big_integer(I::RevertRefused).default(0))
                    .col(text_null(I::Preview))
                    .col(text_null(I::Error))
                    .col(uuid_null(I::CreatedBy))
                    .col(timestamp_now(manager, I::CreatedAt))
                    .col(timestamp_with_time_zone_null(I::StartedAt))
                    .col(timestamp_with_time_zone_null(I::FinishedAt))
                    .col(timestamp_with_time_zone_null(I::RevertedAt))
                    .col(timestamp_now(manager, I::UpdatedAt))
                    .foreign_key(&mut workspace_fk(I::Table, "imports_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "imports_workspace_idx", I::Table, &[I::WorkspaceId, I::CreatedAt], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::ImportId))
                    .col(uuid(C::CustomerId))
                    .col(uuid(C::WorkspaceId))
                    .col(big_integer(C::RowNumber))
                    .col(string(C::Action))
                    .col(text_null(C::Before))
                    .col(integer(C::VersionAfter))
                    .col(string_null(C::Revert))
                    .primary_key(Index::create().col(C::ImportId).col(C::CustomerId))
                    .foreign_key(&mut foreign_key(
                        "import_changes_import_id_fkey",
                        C::Table,
                        C::ImportId,
                        I::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "import_changes_row_idx", C::Table, &[C::ImportId, C::RowNumber], false).await?;
        index(manager, "import_changes_customer_idx", C::Table, &[C::CustomerId], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(uuid(R::ImportId))
                    .col(string(R::Phase))
                    .col(big_integer(R::RowNumber))
                    .col(string_null(R::Column))
                    .col(string(R::Code))
                    .col(text(R::Message))
                    .col(text_null(R::Reason))
                    .col(text(R::Cells))
                    .col(uuid_null(R::CustomerId))
                    .primary_key(Index::create().col(R::ImportId).col(R::Phase).col(R::RowNumber))
                    .foreign_key(&mut foreign_key(
                        "import_errors_import_id_fkey",
                        R::Table,
                        R::ImportId,
                        I::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_download_links(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DownloadLinks::Table.into_iden(),
            ImportErrors::Table.into_iden(),
            ImportChanges::Table.into_iden(),
            Imports::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn create_download_links(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(DownloadLinks::Table)
                .col(string(DownloadLinks::TokenHash).primary_key())
                .col(uuid(DownloadLinks::WorkspaceId))
                .col(uuid_null(DownloadLinks::CreatedBy))
                .col(string(DownloadLinks::Kind))
                .col(text(DownloadLinks::Params))
                .col(boolean(DownloadLinks::Unmasked))
                .col(timestamp_with_time_zone(DownloadLinks::ExpiresAt))
                .col(timestamp_now(manager, DownloadLinks::CreatedAt))
                .foreign_key(&mut workspace_fk(DownloadLinks::Table, "download_links_workspace_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(manager, "download_links_expires_idx", DownloadLinks::Table, &[DownloadLinks::ExpiresAt], false)
        .await
}
