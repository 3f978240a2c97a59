//! Rewards and vouchers (issue 20).
//!
//! `rewards` is a workspace's catalogue: what a member can spend points on (a coupon, a gift, a
//! discount, money off at the till), its points cost, the least stars that may redeem it, and its
//! stock (`issued` counts what went out; the row is also what two redemptions of the last unit
//! queue on). `reward_codes` is a pool of coupon codes the business loaded, each handed out once.
//! `vouchers` is what a redemption gives the member: a code the till accepts once (`useVoucher`),
//! idempotent on the redeemer's and the till's references.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, boolean, integer, integer_null, string, string_null, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{customer_fk, foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Rewards {
    Table,
    Id,
    WorkspaceId,
    Name,
    Description,
    /// `coupon`, `gift`, `discount`, `cash`.
    Kind,
    PointsCost,
    /// The least stars that may redeem it (1 to 5).
    MinStars,
    /// How many may be issued in all (null: no limit; pool rewards: the pool's free codes).
    Stock,
    Issued,
    /// Money off or cash value, minor units.
    ValueMinor,
    PercentOff,
    /// `generated` or `pool`.
    Codes,
    /// A voucher is valid this many days (null: until used).
    ValidDays,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RewardCodes {
    Table,
    Id,
    WorkspaceId,
    RewardId,
    Code,
    /// The voucher it went to (null: free).
    VoucherId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Vouchers {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    RewardId,
    Code,
    /// `issued` or `used` (an issued voucher past `expires_at` reads as expired).
    Status,
    /// What it cost.
    Points,
    /// The redemption that paid for it.
    OperationId,
    /// The redeemer's reference: a retry with it gets this voucher back.
    ExternalRef,
    IssuedAt,
    ExpiresAt,
    UsedAt,
    /// The till's reference for the use.
    UsedRef,
    UsedByUserId,
    UsedByTokenId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_rewards(manager).await?;
        create_vouchers(manager).await?;
        create_codes(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [RewardCodes::Table.into_iden(), Vouchers::Table.into_iden(), Rewards::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn create_rewards(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Rewards as R;
    manager
        .create_table(
            Table::create()
                .table(R::Table)
                .col(uuid(R::Id).primary_key())
                .col(uuid(R::WorkspaceId))
                .col(string(R::Name))
                .col(text_null(R::Description))
                .col(string(R::Kind))
                .col(big_integer(R::PointsCost))
                .col(integer(R::MinStars))
                .col(integer_null(R::Stock))
                .col(integer(R::Issued))
                .col(big_integer_null(R::ValueMinor))
                .col(integer_null(R::PercentOff))
                .col(string(R::Codes))
                .col(integer_null(R::ValidDays))
                .col(boolean(R::Active))
                .col(integer(R::Version))
                .col(timestamp_now(manager, R::CreatedAt))
                .col(timestamp_now(manager, R::UpdatedAt))
                .foreign_key(&mut workspace_fk(R::Table, "rewards_workspace_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(manager, "rewards_workspace_idx", R::Table, &[R::WorkspaceId, R::PointsCost], false).await
}

async fn create_vouchers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Vouchers as V;
    manager
        .create_table(
            Table::create()
                .table(V::Table)
                .col(uuid(V::Id).primary_key())
                .col(uuid(V::WorkspaceId))
                .col(uuid(V::CustomerId))
                .col(uuid(V::RewardId))
                .col(string(V::Code))
                .col(string(V::Status))
                .col(big_integer(V::Points))
                .col(uuid(V::OperationId))
                .col(string_null(V::ExternalRef))
                .col(timestamp_with_time_zone(V::IssuedAt))
                .col(timestamp_with_time_zone_null(V::ExpiresAt))
                .col(timestamp_with_time_zone_null(V::UsedAt))
                .col(string_null(V::UsedRef))
                .col(uuid_null(V::UsedByUserId))
                .col(uuid_null(V::UsedByTokenId))
                .foreign_key(&mut workspace_fk(V::Table, "vouchers_workspace_id_fkey"))
                .foreign_key(&mut customer_fk(V::Table, "vouchers_customer_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "vouchers_reward_id_fkey",
                    V::Table,
                    V::RewardId,
                    Rewards::Table,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    index(manager, "vouchers_code_idx", V::Table, &[V::WorkspaceId, V::Code], true).await?;
    index(manager, "vouchers_ref_idx", V::Table, &[V::WorkspaceId, V::ExternalRef], true).await?;
    index(manager, "vouchers_customer_idx", V::Table, &[V::CustomerId, V::IssuedAt], false).await
}

async fn create_codes(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use RewardCodes as C;
    manager
        .create_table(
            Table::create()
                .table(C::Table)
                .col(uuid(C::Id).primary_key())
                .col(uuid(C::WorkspaceId))
                .col(uuid(C::RewardId))
                .col(string(C::Code))
                .col(uuid_null(C::VoucherId))
                .col(timestamp_now(manager, C::CreatedAt))
                .foreign_key(&mut workspace_fk(C::Table, "reward_codes_workspace_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "reward_codes_reward_id_fkey",
                    C::Table,
                    C::RewardId,
                    Rewards::Table,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    // A code is handed out once in a workspace, whichever reward's pool it is in.
    index(manager, "reward_codes_code_idx", C::Table, &[C::WorkspaceId, C::Code], true).await?;
    index(manager, "reward_codes_free_idx", C::Table, &[C::RewardId, C::VoucherId], false).await
}
