//! Segments and RFM (issue 21).
//!
//! `segments`: a saved customer filter (the GraphQL `CustomerFilter` as JSON) kept current from
//! the change feed: `cursor` is the last feed position applied to its members, `member_count`
//! the members now; `updated_at` moves only when a person edits it. `segment_members`: who is in it since when (one row per segment and
//! customer). `customer_rfm`: each buying customer's recency, frequency and monetary quintile
//! scores and named group, rewritten per workspace by the RFM pass; `rfm_runs` says when it last
//! ran for the workspace.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, integer, small_integer, string, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{customer_fk, foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Segments {
    Table,
    Id,
    WorkspaceId,
    Name,
    Description,
    Filter,
    Cursor,
    MemberCount,
    RefreshedAt,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SegmentMembers {
    Table,
    SegmentId,
    CustomerId,
    WorkspaceId,
    EnteredAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomerRfm {
    Table,
    CustomerId,
    WorkspaceId,
    Recency,
    Frequency,
    Monetary,
    RfmGroup,
    ComputedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RfmRuns {
    Table,
    WorkspaceId,
    ComputedAt,
    Scored,
    DurationMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CustomerRfm as R;
        use RfmRuns as U;
        use SegmentMembers as M;
        use Segments as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(uuid(S::Id).primary_key())
                    .col(uuid(S::WorkspaceId))
                    .col(string(S::Name))
                    .col(text_null(S::Description))
                    .col(text(S::Filter))
                    .col(big_integer(S::Cursor))
                    .col(big_integer(S::MemberCount))
                    .col(timestamp_with_time_zone_null(S::RefreshedAt))
                    .col(uuid_null(S::CreatedBy))
                    .col(integer(S::Version))
                    .col(timestamp_now(manager, S::CreatedAt))
                    .col(timestamp_now(manager, S::UpdatedAt))
                    .foreign_key(&mut workspace_fk(S::Table, "segments_workspace_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "segments_name_idx", S::Table, &[S::WorkspaceId, S::Name], true).await?;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::SegmentId))
                    .col(uuid(M::CustomerId))
                    .col(uuid(M::WorkspaceId))
                    .col(timestamp_with_time_zone(M::EnteredAt))
                    .primary_key(Index::create().col(M::SegmentId).col(M::CustomerId))
                    .foreign_key(&mut foreign_key(
                        "segment_members_segment_id_fkey",
                        M::Table,
                        M::SegmentId,
                        S::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut customer_fk(M::Table, "segment_members_customer_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "segment_members_customer_idx", M::Table, &[M::CustomerId], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(uuid(R::CustomerId).primary_key())
                    .col(uuid(R::WorkspaceId))
                    .col(small_integer(R::Recency))
                    .col(small_integer(R::Frequency))
                    .col(small_integer(R::Monetary))
                    .col(string(R::RfmGroup))
                    .col(timestamp_with_time_zone(R::ComputedAt))
                    .foreign_key(&mut customer_fk(R::Table, "customer_rfm_customer_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "customer_rfm_group_idx", R::Table, &[R::WorkspaceId, R::RfmGroup], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(U::Table)
                    .col(uuid(U::WorkspaceId).primary_key())
                    .col(timestamp_with_time_zone(U::ComputedAt))
                    .col(big_integer(U::Scored))
                    .col(big_integer(U::DurationMs))
                    .foreign_key(&mut workspace_fk(U::Table, "rfm_runs_workspace_id_fkey"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RfmRuns::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(CustomerRfm::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SegmentMembers::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Segments::Table).to_owned()).await
    }
}
