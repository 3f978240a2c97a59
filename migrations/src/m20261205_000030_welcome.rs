//! New customers' welcome level (issue 20): the stars a customer is shown at least, and until
//! when, given when they join under a policy with a welcome. Both cleared when the welcome ends
//! (the star history keeps it), so the pass that ends welcomes reads only those running, by the
//! index on the end.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{small_integer_null, timestamp_with_time_zone_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    WelcomeStars,
    WelcomeUntil,
}

const INDEX: &str = "idx_customers_welcome_until";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(small_integer_null(Customers::WelcomeStars))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(timestamp_with_time_zone_null(Customers::WelcomeUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name(INDEX).table(Customers::Table).col(Customers::WelcomeUntil).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table(Customers::Table).to_owned()).await?;
        for column in [Customers::WelcomeUntil, Customers::WelcomeStars] {
            manager
                .alter_table(Table::alter().table(Customers::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
