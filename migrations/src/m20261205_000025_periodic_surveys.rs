//! Relationship surveys (issue 19): a survey definition can ask the customers of some star levels
//! again every `period_days` days, whatever they bought or asked, so that each level's NPS is
//! measured on its own rhythm (the best customers more often, say).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{integer_null, string_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SurveyDefinitions {
    Table,
    /// How often a customer is asked, for the `periodic` trigger.
    PeriodDays,
    /// JSON array of the star levels asked (`[4, 5]`); null: every level.
    StarLevels,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SurveyDefinitions as D;
        manager
            .alter_table(Table::alter().table(D::Table).add_column(integer_null(D::PeriodDays)).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(D::Table).add_column(string_null(D::StarLevels)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SurveyDefinitions as D;
        for column in [D::StarLevels, D::PeriodDays] {
            manager.alter_table(Table::alter().table(D::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
