//! Survey definitions, invitations and messaging settings (issue 19).
//!
//! A definition says what is asked (NPS or CSAT), when (a ticket solved, days after a purchase, or
//! by hand), on which channel and in which words (a template per language). An invitation is one
//! customer asked once: queued, then sent, skipped (with the reason: no consent, no address, the
//! contact budget) or failed, and at most once answered through its single-use link, whose token
//! is kept only as a hash. Messaging settings hold the workspace's SMTP server, the address of its
//! own sender for SMS, WeChat and app push, the public address links point at, and the contact
//! budget.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, string, string_null, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{customer_fk, foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SurveyDefinitions {
    Table,
    Id,
    WorkspaceId,
    Name,
    /// `nps` or `csat`.
    Kind,
    /// `ticket_solved`, `after_purchase` or `manual`.
    Trigger,
    /// Days after the trigger the invitation goes out.
    DelayDays,
    /// `email`, `sms`, `wechat` or `push`.
    Channel,
    /// JSON: per language (`zh-CN`, `en`) a subject and a body with `{name}`, `{stars}`, `{link}`.
    Templates,
    /// How long a link stays valid.
    LinkDays,
    Active,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SurveyInvitations {
    Table,
    Id,
    WorkspaceId,
    DefinitionId,
    CustomerId,
    Kind,
    Channel,
    /// What it follows: the solved ticket (and its agent), the purchase (and its store).
    TicketId,
    TransactionId,
    AgentId,
    Store,
    /// Why it was made, unique per definition (`ticket:<id>`, `purchase:<id>`, `manual:<id>`): a
    /// trigger seen twice asks once.
    Origin,
    /// SHA-256 of the link's token, set when the message goes out.
    TokenHash,
    /// `queued`, `sent`, `skipped`, `failed`, `answered`.
    Status,
    SkipReason,
    Error,
    Attempts,
    /// When it may go out (quiet hours and retries move it).
    SendAt,
    SentAt,
    ExpiresAt,
    AnsweredAt,
    ResponseId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum MessagingSettings {
    Table,
    WorkspaceId,
    /// The public address of the web app the links point at (`https://crm.example.com`).
    LinkBase,
    /// JSON SMTP settings without the password.
    Smtp,
    SmtpPassword,
    /// The business's own sender for SMS, WeChat and app push: signed webhooks.
    DeliveryUrl,
    DeliverySecret,
    /// JSON `starcrm_shared::contact_budget::ContactBudget`.
    ContactBudget,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MessagingSettings as M;
        use SurveyDefinitions as D;
        use SurveyInvitations as I;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(uuid(D::Id).primary_key())
                    .col(uuid(D::WorkspaceId))
                    .col(string(D::Name))
                    .col(string(D::Kind))
                    .col(string(D::Trigger))
                    .col(integer(D::DelayDays))
                    .col(string(D::Channel))
                    .col(text(D::Templates))
                    .col(integer(D::LinkDays))
                    .col(boolean(D::Active))
                    .col(uuid_null(D::UpdatedBy))
                    .col(timestamp_now(manager, D::CreatedAt))
                    .col(timestamp_now(manager, D::UpdatedAt))
                    .foreign_key(&mut workspace_fk(D::Table, "survey_definitions_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "survey_definitions_name_idx", D::Table, &[D::WorkspaceId, D::Name], true).await?;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(uuid(I::Id).primary_key())
                    .col(uuid(I::WorkspaceId))
                    .col(uuid(I::DefinitionId))
                    .col(uuid(I::CustomerId))
                    .col(string(I::Kind))
                    .col(string(I::Channel))
                    .col(uuid_null(I::TicketId))
                    .col(uuid_null(I::TransactionId))
                    .col(uuid_null(I::AgentId))
                    .col(string_null(I::Store))
                    .col(string(I::Origin))
                    .col(string_null(I::TokenHash))
                    .col(string(I::Status))
                    .col(string_null(I::SkipReason))
                    .col(text_null(I::Error))
                    .col(integer(I::Attempts))
                    .col(timestamp_with_time_zone(I::SendAt))
                    .col(timestamp_with_time_zone_null(I::SentAt))
                    .col(timestamp_with_time_zone_null(I::ExpiresAt))
                    .col(timestamp_with_time_zone_null(I::AnsweredAt))
                    .col(uuid_null(I::ResponseId))
                    .col(timestamp_now(manager, I::CreatedAt))
                    .foreign_key(&mut workspace_fk(I::Table, "survey_invitations_workspace_id_fkey"))
                    .foreign_key(&mut customer_fk(I::Table, "survey_invitations_customer_id_fkey"))
                    .foreign_key(&mut foreign_key(
                        "survey_invitations_definition_id_fkey",
                        I::Table,
                        I::DefinitionId,
                        Alias::new("survey_definitions"),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "survey_invitations_ticket_id_fkey",
                        I::Table,
                        I::TicketId,
                        Alias::new("tickets"),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "survey_invitations_origin_idx", I::Table, &[I::DefinitionId, I::Origin], true)
            .await?;
        index(manager, "survey_invitations_token_idx", I::Table, &[I::TokenHash], true).await?;
        // The sender's queue, and a customer's recent contacts for the budget.
        index(manager, "survey_invitations_due_idx", I::Table, &[I::Status, I::SendAt], false).await?;
        index(manager, "survey_invitations_customer_idx", I::Table, &[I::CustomerId, I::SentAt], false)
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::WorkspaceId).primary_key())
                    .col(string_null(M::LinkBase))
                    .col(text_null(M::Smtp))
                    .col(text_null(M::SmtpPassword))
                    .col(string_null(M::DeliveryUrl))
                    .col(string_null(M::DeliverySecret))
                    .col(text_null(M::ContactBudget))
                    .col(uuid_null(M::UpdatedBy))
                    .col(timestamp_now(manager, M::UpdatedAt))
                    .foreign_key(&mut workspace_fk(M::Table, "messaging_settings_workspace_id_fkey"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MessagingSettings::Table.into_iden(),
            SurveyInvitations::Table.into_iden(),
            SurveyDefinitions::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
