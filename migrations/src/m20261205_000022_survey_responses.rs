//! Survey responses (issue 19): a customer's NPS (0 to 10) or CSAT (1 to 5) answer with its
//! comment and what it is attributed to (the agent of a solved ticket, the channel and store of
//! a purchase). The star engine's satisfaction criterion reads them; an unhappy answer opens a
//! complaint ticket, whose id is kept here so the loop is closed once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    small_integer, string, string_null, text_null, timestamp_with_time_zone, uuid, uuid_null,
};

use crate::helpers::{customer_fk, foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SurveyResponses {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    /// `nps` or `csat`.
    Kind,
    Score,
    Comment,
    /// The language the customer answered in (`zh-CN`, `en`), when known.
    Language,
    /// The channel the answer is about (where the purchase was made, the ticket came in).
    Channel,
    Store,
    /// The agent of the solved ticket a CSAT answer rates.
    AgentId,
    TicketId,
    TransactionId,
    /// `link` (the customer's own invitation link) or `integration` (gathered on the business's
    /// own channels and recorded over the API).
    Source,
    /// Unique per workspace: a retried push gets the first result.
    ExternalRef,
    /// The complaint ticket an unhappy answer opened.
    LoopTicketId,
    /// Who recorded it (an API token or a staff member; none for the customer's own link).
    RecordedBy,
    AnsweredAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SurveyResponses as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(uuid(R::Id).primary_key())
                    .col(uuid(R::WorkspaceId))
                    .col(uuid(R::CustomerId))
                    .col(string(R::Kind))
                    .col(small_integer(R::Score))
                    .col(text_null(R::Comment))
                    .col(string_null(R::Language))
                    .col(string_null(R::Channel))
                    .col(string_null(R::Store))
                    .col(uuid_null(R::AgentId))
                    .col(uuid_null(R::TicketId))
                    .col(uuid_null(R::TransactionId))
                    .col(string(R::Source))
                    .col(string_null(R::ExternalRef))
                    .col(uuid_null(R::LoopTicketId))
                    .col(uuid_null(R::RecordedBy))
                    .col(timestamp_with_time_zone(R::AnsweredAt))
                    .col(timestamp_now(manager, R::CreatedAt))
                    .foreign_key(&mut workspace_fk(R::Table, "survey_responses_workspace_id_fkey"))
                    .foreign_key(&mut customer_fk(R::Table, "survey_responses_customer_id_fkey"))
                    .foreign_key(&mut foreign_key(
                        "survey_responses_agent_id_fkey",
                        R::Table,
                        R::AgentId,
                        Alias::new("users"),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        "survey_responses_ticket_id_fkey",
                        R::Table,
                        R::TicketId,
                        Alias::new("tickets"),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        "survey_responses_loop_ticket_id_fkey",
                        R::Table,
                        R::LoopTicketId,
                        Alias::new("tickets"),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // A customer's answers, newest first (their page; the star engine's satisfaction).
        index(manager, "survey_responses_customer_idx", R::Table, &[R::CustomerId, R::AnsweredAt], false)
            .await?;
        // Scores over a period.
        index(manager, "survey_responses_period_idx", R::Table, &[R::WorkspaceId, R::AnsweredAt], false)
            .await?;
        index(manager, "survey_responses_ref_idx", R::Table, &[R::WorkspaceId, R::ExternalRef], true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SurveyResponses::Table).to_owned()).await
    }
}
