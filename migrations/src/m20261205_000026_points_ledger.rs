//! The loyalty points ledger (issue 20).
//!
//! `loyalty_rules` keeps every version of a workspace's earn rule (the newest applies; lots name
//! the version that earned them). `point_lots` holds each credit with what is left of it, when it
//! becomes spendable and when it expires, and for a purchase the earn snapshot a refund reverses.
//! `point_operations` is what happened, one row per earn, redemption, reversal, expiry or
//! adjustment (idempotent on the sender's reference), and `point_entries` how each one touched
//! the lots and the debt. Both are append-only. `point_accounts` caches each member's points held
//! and debt; its row is also what two spenders of the same points queue on.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, integer, integer_null, string, string_null, text, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{customer_fk, foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum LoyaltyRules {
    Table,
    Id,
    WorkspaceId,
    /// 1, 2, 3... per workspace; the highest applies.
    Version,
    /// JSON `starcrm_shared::loyalty::EarnRule`.
    Rule,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PointAccounts {
    Table,
    CustomerId,
    WorkspaceId,
    /// What the lots hold (spendable, pending, expired but not yet written off).
    Held,
    /// Points a refund took back after they were spent; the next credits repay it.
    Debt,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PointLots {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    /// `purchase`, `adjustment`, `welcome`, `referral`, `birthday`.
    Source,
    /// What it was credited with.
    Points,
    Remaining,
    AvailableAt,
    ExpiresAt,
    /// The purchase that earned it (one lot per purchase).
    TransactionId,
    /// The purchase's amount, which a refund's share is measured against.
    AmountMinor,
    /// The earn snapshot: rule version, stars and multiplier, the weighted amount.
    RuleVersion,
    Stars,
    MultiplierMilli,
    Snapshot,
    OperationId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PointOperations {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    /// `earn`, `reverse`, `redeem`, `expire`, `adjust`.
    Kind,
    /// The change to the member's balance (held less debt).
    Points,
    BalanceAfter,
    TransactionId,
    /// The sender's reference (a POS receipt); unique per workspace and kind.
    ExternalRef,
    Reason,
    ActorUserId,
    ActorTokenId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PointEntries {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    OperationId,
    /// `earn`, `repay`, `redeem`, `reverse`, `debt`, `expire`, `adjust`.
    Kind,
    LotId,
    /// The change to what the lot holds.
    Points,
    /// The change to the debt.
    Debt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_rules(manager).await?;
        create_accounts(manager).await?;
        create_operations(manager).await?;
        create_lots(manager).await?;
        create_entries(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PointEntries::Table.into_iden(),
            PointLots::Table.into_iden(),
            PointOperations::Table.into_iden(),
            PointAccounts::Table.into_iden(),
            LoyaltyRules::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

/// `loyalty_rules` and its index.
async fn create_rules(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use LoyaltyRules as R;
    manager
        .create_table(
            Table::create()
                .table(R::Table)
                .col(uuid(R::Id).primary_key())
                .col(uuid(R::WorkspaceId))
                .col(integer(R::Version))
                .col(text(R::Rule))
                .col(uuid_null(R::CreatedBy))
                .col(timestamp_now(manager, R::CreatedAt))
                .foreign_key(&mut workspace_fk(R::Table, "loyalty_rules_workspace_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(manager, "loyalty_rules_version_idx", R::Table, &[R::WorkspaceId, R::Version], true).await?;
    Ok(())
}

/// `point_accounts` and its index.
async fn create_accounts(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use PointAccounts as A;
    manager
        .create_table(
            Table::create()
                .table(A::Table)
                .col(uuid(A::CustomerId).primary_key())
                .col(uuid(A::WorkspaceId))
                .col(big_integer(A::Held))
                .col(big_integer(A::Debt))
                .col(big_integer(A::Version))
                .col(timestamp_now(manager, A::UpdatedAt))
                .foreign_key(&mut workspace_fk(A::Table, "point_accounts_workspace_id_fkey"))
                .foreign_key(&mut customer_fk(A::Table, "point_accounts_customer_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(manager, "point_accounts_workspace_idx", A::Table, &[A::WorkspaceId, A::Held], false).await?;
    Ok(())
}

/// `point_operations` and its indexes.
async fn create_operations(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use PointOperations as O;
    manager
        .create_table(
            Table::create()
                .table(O::Table)
                .col(uuid(O::Id).primary_key())
                .col(uuid(O::WorkspaceId))
                .col(uuid(O::CustomerId))
                .col(string(O::Kind))
                .col(big_integer(O::Points))
                .col(big_integer(O::BalanceAfter))
                .col(uuid_null(O::TransactionId))
                .col(string_null(O::ExternalRef))
                .col(text_null(O::Reason))
                .col(uuid_null(O::ActorUserId))
                .col(uuid_null(O::ActorTokenId))
                .col(timestamp_now(manager, O::CreatedAt))
                .foreign_key(&mut workspace_fk(O::Table, "point_operations_workspace_id_fkey"))
                .foreign_key(&mut customer_fk(O::Table, "point_operations_customer_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(manager, "point_operations_ref_idx", O::Table, &[O::WorkspaceId, O::Kind, O::ExternalRef], true)
        .await?;
    index(manager, "point_operations_customer_idx", O::Table, &[O::CustomerId, O::CreatedAt], false).await?;
    index(manager, "point_operations_transaction_idx", O::Table, &[O::TransactionId], false).await?;
    Ok(())
}

/// `point_lots` and its indexes (the live-lots one partial).
async fn create_lots(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use PointLots as L;
    use PointOperations as O;
    manager
        .create_table(
            Table::create()
                .table(L::Table)
                .col(uuid(L::Id).primary_key())
                .col(uuid(L::WorkspaceId))
                .col(uuid(L::CustomerId))
                .col(string(L::Source))
                .col(big_integer(L::Points))
                .col(big_integer(L::Remaining))
                .col(timestamp_with_time_zone(L::AvailableAt))
                .col(timestamp_with_time_zone_null(L::ExpiresAt))
                .col(uuid_null(L::TransactionId))
                .col(big_integer_null(L::AmountMinor))
                .col(integer_null(L::RuleVersion))
                .col(integer_null(L::Stars))
                .col(integer_null(L::MultiplierMilli))
                .col(text_null(L::Snapshot))
                .col(uuid(L::OperationId))
                .col(timestamp_now(manager, L::CreatedAt))
                .foreign_key(&mut workspace_fk(L::Table, "point_lots_workspace_id_fkey"))
                .foreign_key(&mut customer_fk(L::Table, "point_lots_customer_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "point_lots_operation_id_fkey",
                    L::Table,
                    L::OperationId,
                    O::Table,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    // One lot per purchase (NULLs, the other sources, are all distinct).
    index(manager, "point_lots_transaction_idx", L::Table, &[L::TransactionId], true).await?;
    index(manager, "point_lots_customer_idx", L::Table, &[L::CustomerId, L::ExpiresAt], false).await?;
    // The expiry pass and the liability report read only lots that still hold points.
    manager
        .get_connection()
        .execute_unprepared(
            "CREATE INDEX point_lots_live_idx ON point_lots (workspace_id, expires_at) \
                 WHERE remaining > 0",
        )
        .await?;
    Ok(())
}

/// `point_entries` and its indexes.
async fn create_entries(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use PointEntries as E;
    use PointOperations as O;
    manager
        .create_table(
            Table::create()
                .table(E::Table)
                .col(uuid(E::Id).primary_key())
                .col(uuid(E::WorkspaceId))
                .col(uuid(E::CustomerId))
                .col(uuid(E::OperationId))
                .col(string(E::Kind))
                .col(uuid_null(E::LotId))
                .col(big_integer(E::Points))
                .col(big_integer(E::Debt))
                .col(timestamp_now(manager, E::CreatedAt))
                .foreign_key(&mut workspace_fk(E::Table, "point_entries_workspace_id_fkey"))
                .foreign_key(&mut customer_fk(E::Table, "point_entries_customer_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "point_entries_operation_id_fkey",
                    E::Table,
                    E::OperationId,
                    O::Table,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    index(manager, "point_entries_operation_idx", E::Table, &[E::OperationId], false).await?;
    index(manager, "point_entries_lot_idx", E::Table, &[E::LotId], false).await
}
