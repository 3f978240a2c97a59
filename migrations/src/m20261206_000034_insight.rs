//! Insight (issue 22): purchase-behaviour models, lifecycle stages and churn warning.
//!
//! `customer_insight`: each buying customer's repeat-purchase summary (days), own rhythm (median
//! gap and spread) and what the workspace's fitted models say of them (P(alive), expected
//! purchases over 30/90/365 days, 12-month lifetime value, value at risk = lifetime value x
//! (1 - P(alive)), the next expected purchase), rewritten by the insight pass. `insight_models`:
//! the workspace's last fit (parameters, log-likelihoods, the calibration/holdout report) as
//! JSON, and `claimed_until`, the lease of the replica running the pass. `insight_settings`: the lifecycle rules and which count model scores. `lifecycle_transitions`:
//! every stage change with its reasons (JSON) and what made it (`model`, `purchase`, `staff`).
//! `customers` gains when its stage last changed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, double_null, integer, string, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{customer_fk, index, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Customers {
    Table,
    LifecycleChangedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomerInsight {
    Table,
    CustomerId,
    WorkspaceId,
    PurchaseDays,
    RecencyDays,
    AgeDays,
    MonetaryMinor,
    MedianGapDays,
    GapSpreadDays,
    PAlive,
    Expected30,
    Expected90,
    Expected365,
    ClvMinor,
    ValueAtRiskMinor,
    NextPurchaseAt,
    ComputedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum InsightModels {
    Table,
    WorkspaceId,
    FittedAt,
    Status,
    Report,
    DurationMs,
    ClaimedUntil,
}

#[derive(DeriveIden, Clone, Copy)]
enum InsightSettings {
    Table,
    WorkspaceId,
    Rules,
    Model,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum LifecycleTransitions {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    FromStage,
    ToStage,
    Reasons,
    Source,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CustomerInsight as I;
        use InsightModels as M;
        use InsightSettings as S;
        use LifecycleTransitions as T;
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(timestamp_with_time_zone_null(Customers::LifecycleChangedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(uuid(I::CustomerId).primary_key())
                    .col(uuid(I::WorkspaceId))
                    .col(integer(I::PurchaseDays))
                    .col(integer(I::RecencyDays))
                    .col(integer(I::AgeDays))
                    .col(big_integer(I::MonetaryMinor))
                    .col(double_null(I::MedianGapDays))
                    .col(double_null(I::GapSpreadDays))
                    .col(double_null(I::PAlive))
                    .col(double_null(I::Expected30))
                    .col(double_null(I::Expected90))
                    .col(double_null(I::Expected365))
                    .col(big_integer_null(I::ClvMinor))
                    .col(big_integer_null(I::ValueAtRiskMinor))
                    .col(timestamp_with_time_zone_null(I::NextPurchaseAt))
                    .col(timestamp_with_time_zone(I::ComputedAt))
                    .foreign_key(&mut customer_fk(I::Table, "customer_insight_customer_id_fkey"))
                    .to_owned(),
            )
            .await?;
        // The churn warning reads a workspace's customers by value at risk, highest first.
        index(manager, "customer_insight_risk_idx", I::Table, &[I::WorkspaceId, I::ValueAtRiskMinor], false)
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::WorkspaceId).primary_key())
                    .col(timestamp_with_time_zone_null(M::FittedAt))
                    .col(string(M::Status))
                    .col(text_null(M::Report))
                    .col(big_integer(M::DurationMs))
                    .col(timestamp_with_time_zone_null(M::ClaimedUntil))
                    .foreign_key(&mut workspace_fk(M::Table, "insight_models_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(uuid(S::WorkspaceId).primary_key())
                    .col(text(S::Rules))
                    .col(string(S::Model))
                    .col(timestamp_with_time_zone(S::UpdatedAt))
                    .col(uuid_null(S::UpdatedBy))
                    .foreign_key(&mut workspace_fk(S::Table, "insight_settings_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(uuid(T::Id).primary_key())
                    .col(uuid(T::WorkspaceId))
                    .col(uuid(T::CustomerId))
                    .col(string(T::FromStage))
                    .col(string(T::ToStage))
                    .col(text(T::Reasons))
                    .col(string(T::Source))
                    .col(timestamp_with_time_zone(T::At))
                    .foreign_key(&mut customer_fk(T::Table, "lifecycle_transitions_customer_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "lifecycle_transitions_customer_idx", T::Table, &[T::CustomerId, T::At], false)
            .await?;
        index(manager, "lifecycle_transitions_workspace_idx", T::Table, &[T::WorkspaceId, T::At], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LifecycleTransitions::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(InsightSettings::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(InsightModels::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(CustomerInsight::Table).to_owned()).await?;
        manager
            .alter_table(
                Table::alter().table(Customers::Table).drop_column(Customers::LifecycleChangedAt).to_owned(),
            )
            .await
    }
}
