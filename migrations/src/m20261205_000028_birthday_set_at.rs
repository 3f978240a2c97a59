//! When each customer's birthday was last set (issue 20): a birthday gift waits a year for a
//! birthday entered less than 30 days before it comes round. Existing birthdays count as known
//! long ago (NULL).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    BirthdaySetAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(timestamp_with_time_zone_null(Customers::BirthdaySetAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Customers::Table).drop_column(Customers::BirthdaySetAt).to_owned(),
            )
            .await
    }
}
