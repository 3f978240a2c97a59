//! Referrals (issue 20): each member's referral code, and who referred whom. A referral is
//! `pending` until the referred customer's first purchase has passed the pending period, then
//! `rewarded` (both sides got their points) or `refused` (a self-referral guard found the two
//! share a phone, an email or an identity number).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string, text_null, timestamp_with_time_zone_null, uuid};

use crate::helpers::{customer_fk, foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ReferralCodes {
    Table,
    CustomerId,
    WorkspaceId,
    Code,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Referrals {
    Table,
    Id,
    WorkspaceId,
    ReferrerId,
    /// The referred customer (one referrer each).
    CustomerId,
    /// `pending`, `rewarded`, `refused`.
    Status,
    Reason,
    CreatedAt,
    SettledAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ReferralCodes as C;
        use Referrals as R;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::CustomerId).primary_key())
                    .col(uuid(C::WorkspaceId))
                    .col(string(C::Code))
                    .col(timestamp_now(manager, C::CreatedAt))
                    .foreign_key(&mut workspace_fk(C::Table, "referral_codes_workspace_id_fkey"))
                    .foreign_key(&mut customer_fk(C::Table, "referral_codes_customer_id_fkey"))
                    .to_owned(),
            )
            .await?;
        index(manager, "referral_codes_code_idx", C::Table, &[C::WorkspaceId, C::Code], true).await?;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(uuid(R::Id).primary_key())
                    .col(uuid(R::WorkspaceId))
                    .col(uuid(R::ReferrerId))
                    .col(uuid(R::CustomerId))
                    .col(string(R::Status))
                    .col(text_null(R::Reason))
                    .col(timestamp_now(manager, R::CreatedAt))
                    .col(timestamp_with_time_zone_null(R::SettledAt))
                    .foreign_key(&mut workspace_fk(R::Table, "referrals_workspace_id_fkey"))
                    .foreign_key(&mut customer_fk(R::Table, "referrals_customer_id_fkey"))
                    .foreign_key(&mut foreign_key(
                        "referrals_referrer_id_fkey",
                        R::Table,
                        R::ReferrerId,
                        Alias::new("customers"),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "referrals_customer_idx", R::Table, &[R::CustomerId], true).await?;
        index(manager, "referrals_pending_idx", R::Table, &[R::WorkspaceId, R::Status], false).await?;
        index(manager, "referrals_referrer_idx", R::Table, &[R::ReferrerId], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Referrals::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ReferralCodes::Table).to_owned()).await
    }
}
