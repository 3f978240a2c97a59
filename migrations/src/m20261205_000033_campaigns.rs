//! Campaigns (issue 21).
//!
//! `campaigns`: the audience (a segment and/or star levels, more conditions in the customers
//! filter language, optionally only customers close to their next star), the channel, the content per language (JSON), the offer, the holdout share,
//! the attribution window, the throttle, the schedule and who launched, approved or cancelled it;
//! the audience counts are written when it is prepared. `campaign_recipients`: one row per
//! customer of the prepared audience: held out, excluded (with the reason) or sent a message (the
//! outbox row), with the personal coupon code, the unsubscribe link's token hash and the end of
//! its attribution window (from the planned send, moved to the delivery when it goes).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, integer, integer_null, small_integer, small_integer_null, string,
    string_null, text, text_null, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{customer_fk, foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Campaigns {
    Table,
    Id,
    WorkspaceId,
    Name,
    Status,
    Channel,
    SegmentId,
    Stars,
    Filter,
    NearNextStar,
    Content,
    OfferKind,
    OfferText,
    CouponPrefix,
    BonusPoints,
    HoldoutPercent,
    WindowDays,
    ThrottlePerHour,
    CostPerMessageMinor,
    FixedCostMinor,
    SendAt,
    Preset,
    Audience,
    HeldOut,
    Excluded,
    Queued,
    CreatedBy,
    LaunchedBy,
    LaunchedAt,
    ApprovedBy,
    ApprovedAt,
    PreparedAt,
    FinishedAt,
    CancelledBy,
    CancelledAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CampaignRecipients {
    Table,
    CampaignId,
    CustomerId,
    WorkspaceId,
    Stars,
    Status,
    Exclusion,
    MessageId,
    CouponCode,
    UnsubscribeHash,
    SendAt,
    SentAt,
    WindowEndsAt,
    PointsCredited,
    RedeemedAt,
    RedeemedRef,
    UnsubscribedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CampaignRecipients as R;
        use Campaigns as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::Id).primary_key())
                    .col(uuid(C::WorkspaceId))
                    .col(string(C::Name))
                    .col(string(C::Status))
                    .col(string(C::Channel))
                    .col(uuid_null(C::SegmentId))
                    .col(string(C::Stars))
                    .col(text_null(C::Filter))
                    .col(small_integer_null(C::NearNextStar))
                    .col(text(C::Content))
                    .col(string(C::OfferKind))
                    .col(text_null(C::OfferText))
                    .col(string_null(C::CouponPrefix))
                    .col(big_integer_null(C::BonusPoints))
                    .col(small_integer(C::HoldoutPercent))
                    .col(integer(C::WindowDays))
                    .col(integer_null(C::ThrottlePerHour))
                    .col(big_integer(C::CostPerMessageMinor))
                    .col(big_integer(C::FixedCostMinor))
                    .col(timestamp_with_time_zone_null(C::SendAt))
                    .col(string_null(C::Preset))
                    .col(big_integer(C::Audience))
                    .col(big_integer(C::HeldOut))
                    .col(big_integer(C::Excluded))
                    .col(big_integer(C::Queued))
                    .col(uuid_null(C::CreatedBy))
                    .col(uuid_null(C::LaunchedBy))
                    .col(timestamp_with_time_zone_null(C::LaunchedAt))
                    .col(uuid_null(C::ApprovedBy))
                    .col(timestamp_with_time_zone_null(C::ApprovedAt))
                    .col(timestamp_with_time_zone_null(C::PreparedAt))
                    .col(timestamp_with_time_zone_null(C::FinishedAt))
                    .col(uuid_null(C::CancelledBy))
                    .col(timestamp_with_time_zone_null(C::CancelledAt))
                    .col(integer(C::Version))
                    .col(timestamp_now(manager, C::CreatedAt))
                    .col(timestamp_now(manager, C::UpdatedAt))
                    .foreign_key(&mut workspace_fk(C::Table, "campaigns_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "campaigns_name_idx", C::Table, &[C::WorkspaceId, C::Name], true).await?;
        index(manager, "campaigns_due_idx", C::Table, &[C::Status, C::SendAt], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(uuid(R::CampaignId))
                    .col(uuid(R::CustomerId))
                    .col(uuid(R::WorkspaceId))
                    .col(small_integer_null(R::Stars))
                    .col(string(R::Status))
                    .col(string_null(R::Exclusion))
                    .col(uuid_null(R::MessageId))
                    .col(string_null(R::CouponCode))
                    .col(string_null(R::UnsubscribeHash))
                    .col(timestamp_with_time_zone(R::SendAt))
                    .col(timestamp_with_time_zone_null(R::SentAt))
                    .col(timestamp_with_time_zone(R::WindowEndsAt))
                    .col(small_integer(R::PointsCredited))
                    .col(timestamp_with_time_zone_null(R::RedeemedAt))
                    .col(string_null(R::RedeemedRef))
                    .col(timestamp_with_time_zone_null(R::UnsubscribedAt))
                    .primary_key(Index::create().col(R::CampaignId).col(R::CustomerId))
                    .foreign_key(&mut foreign_key(
                        "campaign_recipients_campaign_id_fkey",
                        R::Table,
                        R::CampaignId,
                        C::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut customer_fk(R::Table, "campaign_recipients_customer_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "campaign_recipients_status_idx", R::Table, &[R::CampaignId, R::Status], false)
            .await?;
        index(manager, "campaign_recipients_customer_idx", R::Table, &[R::CustomerId], false).await?;
        index(manager, "campaign_recipients_coupon_idx", R::Table, &[R::WorkspaceId, R::CouponCode], true)
            .await?;
        index(manager, "campaign_recipients_unsubscribe_idx", R::Table, &[R::UnsubscribeHash], true).await?;
        index(manager, "campaign_recipients_message_idx", R::Table, &[R::MessageId], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CampaignRecipients::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Campaigns::Table).to_owned()).await
    }
}
