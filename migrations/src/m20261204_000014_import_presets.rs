//! Saved mapping presets (issue 17): a shop's monthly export has the same columns every month;
//! its mapping, mode and channel are saved once under a name and applied to every upload whose
//! header row they fit. An import remembers the preset it started from.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string, string_null, text, uuid, uuid_null};

use crate::helpers::{index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ImportPresets {
    Table,
    Id,
    WorkspaceId,
    Name,
    /// See `ImportKind`.
    Kind,
    /// JSON object: header (as the matcher normalises it) -> `{ "target": ..., "keep": ... }`.
    Columns,
    Mode,
    Channel,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Imports {
    Table,
    /// The name of the preset the mapping came from, when one fitted the file.
    PresetName,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ImportPresets as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(uuid(P::Id).primary_key())
                    .col(uuid(P::WorkspaceId))
                    .col(string(P::Name))
                    .col(string(P::Kind))
                    .col(text(P::Columns))
                    .col(string(P::Mode))
                    .col(string(P::Channel))
                    .col(uuid_null(P::CreatedBy))
                    .col(timestamp_now(manager, P::CreatedAt))
                    .col(timestamp_now(manager, P::UpdatedAt))
                    .foreign_key(&mut workspace_fk(P::Table, "import_presets_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "import_presets_name_idx", P::Table, &[P::WorkspaceId, P::Kind, P::Name], true)
            .await?;
        manager
            .alter_table(
                Table::alter().table(Imports::Table).add_column(string_null(Imports::PresetName)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Imports::Table).drop_column(Imports::PresetName).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(ImportPresets::Table).to_owned()).await
    }
}
