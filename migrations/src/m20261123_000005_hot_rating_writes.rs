//! Re-rating a workspace rewrites the rating columns of most customers (the score moves with
//! recency and tenure every day). On PostgreSQL such an update is cheap only when it is HOT (a
//! heap-only tuple: no index entry changes and the new version fits on the same page); otherwise
//! every one of the customers table's indexes gets a new entry per row. So:
//! - the index on stars goes: five values spread over everyone narrow nothing (the distribution
//!   reads every row anyway, and the list's star filter rides the sort's index), and it made
//!   every change of stars a non-HOT update;
//! - PostgreSQL keeps 15% of each customers page free for the new versions (fillfactor 85).
//!
//! With that, a run's writes to customers touch no index at all.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Customers {
    Table,
    WorkspaceId,
    Stars,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("customers_stars_idx").table(Customers::Table).to_owned())
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE customers SET (fillfactor = 85)")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared("ALTER TABLE customers RESET (fillfactor)").await?;
        }
        index(
            manager,
            "customers_stars_idx",
            Customers::Table,
            &[Customers::WorkspaceId, Customers::Stars],
            false,
        )
        .await
    }
}
