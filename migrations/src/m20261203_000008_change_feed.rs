//! The change feed (issue 17, ARCHITECTURE.md section 9): every event gets a position, counted per
//! workspace from 1 without gaps, so a consumer (an integrator reading `changes`, later webhooks
//! and subscriptions) can say "everything after 41" and miss nothing.
//!
//! Positions come from `change_positions`, one counter row per workspace that the recording
//! transaction bumps: on PostgreSQL its row lock orders the writers of one workspace, so a position
//! never becomes visible after a higher one. Events recorded before this migration are numbered in
//! the order they were written (their ids are time-ordered UUIDv7).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, uuid};

use crate::helpers::{index, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Events {
    Table,
    WorkspaceId,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChangePositions {
    Table,
    WorkspaceId,
    LastPosition,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(big_integer(Events::Position).default(0))
                    .to_owned(),
            )
            .await?;
        let conn = manager.get_connection();
        // Window functions and UPDATE ... FROM: PostgreSQL, and SQLite since 3.33.
        conn.execute_unprepared(
            "UPDATE events SET position = numbered.n
             FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY workspace_id ORDER BY id) AS n FROM events) AS numbered
             WHERE events.id = numbered.id",
        )
        .await?;
        index(
            manager,
            "events_workspace_position_key",
            Events::Table,
            &[Events::WorkspaceId, Events::Position],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChangePositions::Table)
                    .col(uuid(ChangePositions::WorkspaceId).primary_key())
                    .col(big_integer(ChangePositions::LastPosition))
                    .foreign_key(&mut workspace_fk(
                        ChangePositions::Table,
                        "change_positions_workspace_id_fkey",
                    ))
                    .to_owned(),
            )
            .await?;
        conn.execute_unprepared(
            "INSERT INTO change_positions (workspace_id, last_position)
             SELECT workspace_id, MAX(position) FROM events GROUP BY workspace_id",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ChangePositions::Table).to_owned()).await?;
        manager
            .drop_index(Index::drop().name("events_workspace_position_key").table(Events::Table).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Events::Table).drop_column(Events::Position).to_owned())
            .await
    }
}
