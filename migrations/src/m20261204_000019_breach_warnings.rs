//! Warnings before a breach (issue 18): each ticket remembers the deadline it was last warned
//! about and when the next warning is due, so the warning pass finds its work by index and warns
//! once per deadline (a deadline that moves, after a reply or a change of stars, is warned about
//! again).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Tickets {
    Table,
    /// The deadline (`next_due`) the last warning was about.
    WarnedDue,
    /// When the warning about the soonest running deadline is due; null when there is none to
    /// give.
    WarnCheckAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [Tickets::WarnedDue, Tickets::WarnCheckAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .add_column(timestamp_with_time_zone_null(column))
                        .to_owned(),
                )
                .await?;
        }
        index(manager, "tickets_warn_check_idx", Tickets::Table, &[Tickets::WarnCheckAt], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite drops no indexed column.
        manager
            .drop_index(Index::drop().name("tickets_warn_check_idx").table(Tickets::Table).to_owned())
            .await?;
        for column in [Tickets::WarnedDue, Tickets::WarnCheckAt] {
            manager.alter_table(Table::alter().table(Tickets::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
