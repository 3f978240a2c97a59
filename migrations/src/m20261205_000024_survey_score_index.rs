//! A covering index for survey results (issue 19): scores over a period count answers by kind
//! and score (and by the customer's stars through `customer_id`) from the index alone, without
//! visiting a million rows. Measured with `starcrm bench surveys`.

use sea_orm_migration::prelude::*;

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SurveyResponses {
    Table,
    WorkspaceId,
    Kind,
    AnsweredAt,
    Score,
    CustomerId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SurveyResponses as R;
        index(
            manager,
            "survey_responses_scores_idx",
            R::Table,
            &[R::WorkspaceId, R::Kind, R::AnsweredAt, R::Score, R::CustomerId],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop().name("survey_responses_scores_idx").table(SurveyResponses::Table).to_owned(),
            )
            .await
    }
}
