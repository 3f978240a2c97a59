//! The customer data hub: customers with their phones, emails, tags, consents and channel
//! identities; workspace-defined custom fields and their values; transactions with items;
//! interactions; and the merge log that makes merges undoable.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, date_null, double_null, integer, small_integer_null, string, string_null,
    text_null, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{add_updated_at_trigger, customer_fk, foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Workspaces {
    Table,
    /// The last customer number handed out (codes are `C` + this number).
    CustomerSeq,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum Customers {
    Table,
    Id,
    WorkspaceId,
    Number,
    Name,
    Gender,
    Birthday,
    IdNumber,
    Address,
    Company,
    JobTitle,
    Education,
    NativePlace,
    OwnerId,
    LifecycleStage,
    SourceChannel,
    FirstSeenAt,
    LastActivityAt,
    Notes,
    Stars,
    TotalSpendMinor,
    OrderCount,
    FirstPurchaseAt,
    LastPurchaseAt,
    CategoryCount,
    Version,
    DeletedAt,
    ErasedAt,
    MergedInto,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomerPhones {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    Phone,
    Label,
    IsPrimary,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomerEmails {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    Email,
    Label,
    IsPrimary,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomerTags {
    Table,
    WorkspaceId,
    CustomerId,
    Tag,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomerConsents {
    Table,
    WorkspaceId,
    CustomerId,
    Channel,
    Granted,
    Source,
    ChangedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChannelIdentities {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    Channel,
    ExternalId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomFields {
    Table,
    Id,
    WorkspaceId,
    Key,
    Label,
    Kind,
    Options,
    Position,
    ArchivedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomerFieldValues {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    FieldId,
    ValueText,
    ValueNumber,
    ValueBool,
}

#[derive(DeriveIden, Clone, Copy)]
enum Transactions {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    Kind,
    Status,
    Channel,
    OccurredAt,
    AmountMinor,
    Currency,
    RefundedMinor,
    RefundOf,
    PaymentMethod,
    Store,
    Location,
    ExternalRef,
    Note,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TransactionItems {
    Table,
    Id,
    WorkspaceId,
    TransactionId,
    Position,
    Sku,
    Name,
    Category,
    Quantity,
    UnitPriceMinor,
}

#[derive(DeriveIden, Clone, Copy)]
enum Interactions {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    Kind,
    Direction,
    Channel,
    Subject,
    Body,
    AgentId,
    OccurredAt,
    ExternalRef,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomerMerges {
    Table,
    Id,
    WorkspaceId,
    SurvivorId,
    MergedId,
    Moved,
    CreatedAt,
    UndoneAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Workspaces::Table)
                    .add_column(big_integer(Workspaces::CustomerSeq).default(0))
                    .to_owned(),
            )
            .await?;
        create_customers(manager).await?;
        create_contact_points(manager).await?;
        create_identities(manager).await?;
        create_custom_fields(manager).await?;
        create_transactions(manager).await?;
        create_interactions(manager).await?;
        create_merges(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "customer_merges",
            "interactions",
            "transaction_items",
            "transactions",
            "customer_field_values",
            "custom_fields",
            "channel_identities",
            "customer_consents",
            "customer_tags",
            "customer_emails",
            "customer_phones",
            "customers",
        ] {
            manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter().table(Workspaces::Table).drop_column(Workspaces::CustomerSeq).to_owned(),
            )
            .await
    }
}

async fn create_customers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Customers as C;
    manager
        .create_table(
            Table::create()
                .table(C::Table)
                .col(uuid(C::Id).primary_key())
                .col(uuid(C::WorkspaceId))
                // Per-workspace number behind the code `C000123`.
                .col(big_integer(C::Number))
                .col(string(C::Name))
                .col(string(C::Gender).default("unknown"))
                // Personal data (masked without `pii:read`).
                .col(date_null(C::Birthday))
                .col(string_null(C::IdNumber))
                .col(text_null(C::Address))
                .col(string_null(C::Company))
                .col(string_null(C::JobTitle))
                .col(string_null(C::Education))
                .col(string_null(C::NativePlace))
                .col(uuid_null(C::OwnerId))
                .col(string(C::LifecycleStage).default("lead"))
                .col(string_null(C::SourceChannel))
                .col(timestamp_now(manager, C::FirstSeenAt))
                .col(timestamp_with_time_zone_null(C::LastActivityAt))
                .col(text_null(C::Notes))
                // Set by the star engine; null until the first evaluation.
                .col(small_integer_null(C::Stars))
                // Aggregates over the customer's transactions, kept by every write.
                .col(big_integer(C::TotalSpendMinor).default(0))
                .col(integer(C::OrderCount).default(0))
                .col(timestamp_with_time_zone_null(C::FirstPurchaseAt))
                .col(timestamp_with_time_zone_null(C::LastPurchaseAt))
                .col(integer(C::CategoryCount).default(0))
                .col(integer(C::Version).default(1))
                .col(timestamp_with_time_zone_null(C::DeletedAt))
                // Privacy erasure: personal data gone for good, aggregates kept.
                .col(timestamp_with_time_zone_null(C::ErasedAt))
                // Merged away into this customer; lookups of this id resolve to it.
                .col(uuid_null(C::MergedInto))
                .col(timestamp_now(manager, C::CreatedAt))
                .col(timestamp_now(manager, C::UpdatedAt))
                .foreign_key(&mut workspace_fk(C::Table, "customers_workspace_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "customers_owner_id_fkey",
                    C::Table,
                    C::OwnerId,
                    Users::Table,
                    ForeignKeyAction::SetNull,
                ))
                .foreign_key(&mut foreign_key(
                    "customers_merged_into_fkey",
                    C::Table,
                    C::MergedInto,
                    C::Table,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
    index(manager, "customers_number_key", C::Table, &[C::WorkspaceId, C::Number], true).await?;
    // Keyset pagination: each sort order has (workspace, key, id).
    index(manager, "customers_workspace_id_idx", C::Table, &[C::WorkspaceId, C::Id], false).await?;
    index(manager, "customers_name_idx", C::Table, &[C::WorkspaceId, C::Name, C::Id], false).await?;
    index(manager, "customers_spend_idx", C::Table, &[C::WorkspaceId, C::TotalSpendMinor, C::Id], false)
        .await?;
    index(
        manager,
        "customers_last_purchase_idx",
        C::Table,
        &[C::WorkspaceId, C::LastPurchaseAt, C::Id],
        false,
    )
    .await?;
    index(manager, "customers_owner_idx", C::Table, &[C::WorkspaceId, C::OwnerId], false).await?;
    index(manager, "customers_merged_into_idx", C::Table, &[C::MergedInto], false).await?;
    add_updated_at_trigger(manager, "customers").await
}

async fn create_contact_points(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(CustomerPhones::Table)
                .col(uuid(CustomerPhones::Id).primary_key())
                .col(uuid(CustomerPhones::WorkspaceId))
                .col(uuid(CustomerPhones::CustomerId))
                // International form (`+8613812345678`): the normalised key duplicates are found by.
                .col(string(CustomerPhones::Phone))
                .col(string_null(CustomerPhones::Label))
                .col(boolean(CustomerPhones::IsPrimary).default(false))
                .foreign_key(&mut customer_fk(CustomerPhones::Table, "customer_phones_customer_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "customer_phones_lookup_idx",
        CustomerPhones::Table,
        &[CustomerPhones::WorkspaceId, CustomerPhones::Phone],
        false,
    )
    .await?;
    index(
        manager,
        "customer_phones_customer_idx",
        CustomerPhones::Table,
        &[CustomerPhones::CustomerId],
        false,
    )
    .await?;

    manager
        .create_table(
            Table::create()
                .table(CustomerEmails::Table)
                .col(uuid(CustomerEmails::Id).primary_key())
                .col(uuid(CustomerEmails::WorkspaceId))
                .col(uuid(CustomerEmails::CustomerId))
                // Lower-cased.
                .col(string(CustomerEmails::Email))
                .col(string_null(CustomerEmails::Label))
                .col(boolean(CustomerEmails::IsPrimary).default(false))
                .foreign_key(&mut customer_fk(CustomerEmails::Table, "customer_emails_customer_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "customer_emails_lookup_idx",
        CustomerEmails::Table,
        &[CustomerEmails::WorkspaceId, CustomerEmails::Email],
        false,
    )
    .await?;
    index(
        manager,
        "customer_emails_customer_idx",
        CustomerEmails::Table,
        &[CustomerEmails::CustomerId],
        false,
    )
    .await?;

    manager
        .create_table(
            Table::create()
                .table(CustomerTags::Table)
                .col(uuid(CustomerTags::WorkspaceId))
                .col(uuid(CustomerTags::CustomerId))
                .col(string(CustomerTags::Tag))
                .primary_key(Index::create().col(CustomerTags::CustomerId).col(CustomerTags::Tag))
                .foreign_key(&mut customer_fk(CustomerTags::Table, "customer_tags_customer_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "customer_tags_tag_idx",
        CustomerTags::Table,
        &[CustomerTags::WorkspaceId, CustomerTags::Tag, CustomerTags::CustomerId],
        false,
    )
    .await?;

    manager
        .create_table(
            Table::create()
                .table(CustomerConsents::Table)
                .col(uuid(CustomerConsents::WorkspaceId))
                .col(uuid(CustomerConsents::CustomerId))
                .col(string(CustomerConsents::Channel))
                .col(boolean(CustomerConsents::Granted))
                // Where the answer came from (a form, the shop counter, a call...).
                .col(string_null(CustomerConsents::Source))
                .col(timestamp_with_time_zone(CustomerConsents::ChangedAt))
                .primary_key(Index::create().col(CustomerConsents::CustomerId).col(CustomerConsents::Channel))
                .foreign_key(&mut customer_fk(CustomerConsents::Table, "customer_consents_customer_id_fkey"))
                .to_owned(),
        )
        .await
}

async fn create_identities(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use ChannelIdentities as I;
    manager
        .create_table(
            Table::create()
                .table(I::Table)
                .col(uuid(I::Id).primary_key())
                .col(uuid(I::WorkspaceId))
                .col(uuid(I::CustomerId))
                .col(string(I::Channel))
                .col(string(I::ExternalId))
                .col(timestamp_now(manager, I::CreatedAt))
                .foreign_key(&mut customer_fk(I::Table, "channel_identities_customer_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(manager, "channel_identities_key", I::Table, &[I::WorkspaceId, I::Channel, I::ExternalId], true)
        .await?;
    index(manager, "channel_identities_customer_idx", I::Table, &[I::CustomerId], false).await
}

async fn create_custom_fields(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use CustomFields as F;
    use CustomerFieldValues as V;
    manager
        .create_table(
            Table::create()
                .table(F::Table)
                .col(uuid(F::Id).primary_key())
                .col(uuid(F::WorkspaceId))
                .col(string(F::Key))
                .col(string(F::Label))
                .col(string(F::Kind))
                // JSON array of the choices of select fields.
                .col(text_null(F::Options))
                .col(integer(F::Position).default(0))
                .col(timestamp_with_time_zone_null(F::ArchivedAt))
                .col(integer(F::Version).default(1))
                .col(timestamp_now(manager, F::CreatedAt))
                .col(timestamp_now(manager, F::UpdatedAt))
                .foreign_key(&mut workspace_fk(F::Table, "custom_fields_workspace_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(manager, "custom_fields_key", F::Table, &[F::WorkspaceId, F::Key], true).await?;
    add_updated_at_trigger(manager, "custom_fields").await?;

    // One row per value (several for a multi-select), typed, so filters are plain indexed SQL
    // on both databases.
    manager
        .create_table(
            Table::create()
                .table(V::Table)
                .col(uuid(V::Id).primary_key())
                .col(uuid(V::WorkspaceId))
                .col(uuid(V::CustomerId))
                .col(uuid(V::FieldId))
                // Text, dates (`YYYY-MM-DD`, which sorts as text) and select choices.
                .col(string_null(V::ValueText))
                .col(double_null(V::ValueNumber))
                .col(ColumnDef::new(V::ValueBool).boolean().null())
                .foreign_key(&mut customer_fk(V::Table, "customer_field_values_customer_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "customer_field_values_field_id_fkey",
                    V::Table,
                    V::FieldId,
                    F::Table,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    index(manager, "customer_field_values_customer_idx", V::Table, &[V::CustomerId, V::FieldId], false)
        .await?;
    index(manager, "customer_field_values_text_idx", V::Table, &[V::FieldId, V::ValueText], false).await?;
    index(manager, "customer_field_values_number_idx", V::Table, &[V::FieldId, V::ValueNumber], false).await
}

async fn create_transactions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use TransactionItems as L;
    use Transactions as T;
    manager
        .create_table(
            Table::create()
                .table(T::Table)
                .col(uuid(T::Id).primary_key())
                .col(uuid(T::WorkspaceId))
                .col(uuid(T::CustomerId))
                // `purchase` or `refund`.
                .col(string(T::Kind))
                .col(string(T::Status).default("completed"))
                .col(string(T::Channel))
                .col(timestamp_with_time_zone(T::OccurredAt))
                // Minor units (fen, cents); never floats.
                .col(big_integer(T::AmountMinor))
                .col(string(T::Currency))
                // On purchases: how much of the amount was refunded so far.
                .col(big_integer(T::RefundedMinor).default(0))
                .col(uuid_null(T::RefundOf))
                .col(string_null(T::PaymentMethod))
                .col(string_null(T::Store))
                .col(string_null(T::Location))
                // The sender's id for the purchase: a retried push finds the first one.
                .col(string_null(T::ExternalRef))
                .col(text_null(T::Note))
                .col(timestamp_now(manager, T::CreatedAt))
                .foreign_key(&mut workspace_fk(T::Table, "transactions_workspace_id_fkey"))
                .foreign_key(&mut customer_fk(T::Table, "transactions_customer_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "transactions_refund_of_fkey",
                    T::Table,
                    T::RefundOf,
                    T::Table,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
    index(manager, "transactions_external_ref_key", T::Table, &[T::WorkspaceId, T::ExternalRef], true)
        .await?;
    index(manager, "transactions_customer_idx", T::Table, &[T::CustomerId, T::OccurredAt, T::Id], false)
        .await?;
    index(manager, "transactions_workspace_time_idx", T::Table, &[T::WorkspaceId, T::OccurredAt], false)
        .await?;
    index(manager, "transactions_refund_of_idx", T::Table, &[T::RefundOf], false).await?;

    manager
        .create_table(
            Table::create()
                .table(L::Table)
                .col(uuid(L::Id).primary_key())
                .col(uuid(L::WorkspaceId))
                .col(uuid(L::TransactionId))
                .col(integer(L::Position))
                .col(string_null(L::Sku))
                .col(string(L::Name))
                .col(string_null(L::Category))
                .col(integer(L::Quantity))
                .col(big_integer(L::UnitPriceMinor))
                .foreign_key(&mut foreign_key(
                    "transaction_items_transaction_id_fkey",
                    L::Table,
                    L::TransactionId,
                    T::Table,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    index(manager, "transaction_items_transaction_idx", L::Table, &[L::TransactionId, L::Position], false)
        .await
}

async fn create_interactions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Interactions as I;
    manager
        .create_table(
            Table::create()
                .table(I::Table)
                .col(uuid(I::Id).primary_key())
                .col(uuid(I::WorkspaceId))
                .col(uuid(I::CustomerId))
                .col(string(I::Kind))
                .col(string(I::Direction))
                .col(string_null(I::Channel))
                .col(string_null(I::Subject))
                .col(text_null(I::Body))
                .col(uuid_null(I::AgentId))
                .col(timestamp_with_time_zone(I::OccurredAt))
                .col(string_null(I::ExternalRef))
                .col(timestamp_now(manager, I::CreatedAt))
                .foreign_key(&mut workspace_fk(I::Table, "interactions_workspace_id_fkey"))
                .foreign_key(&mut customer_fk(I::Table, "interactions_customer_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "interactions_agent_id_fkey",
                    I::Table,
                    I::AgentId,
                    Users::Table,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
    index(manager, "interactions_external_ref_key", I::Table, &[I::WorkspaceId, I::ExternalRef], true)
        .await?;
    index(manager, "interactions_customer_idx", I::Table, &[I::CustomerId, I::OccurredAt, I::Id], false).await
}

async fn create_merges(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use CustomerMerges as M;
    manager
        .create_table(
            Table::create()
                .table(M::Table)
                .col(uuid(M::Id).primary_key())
                .col(uuid(M::WorkspaceId))
                .col(uuid(M::SurvivorId))
                .col(uuid(M::MergedId))
                // JSON: the ids of every row the merge moved and the profile fields it filled,
                // which is what an unmerge puts back.
                .col(text_null(M::Moved))
                .col(timestamp_now(manager, M::CreatedAt))
                .col(timestamp_with_time_zone_null(M::UndoneAt))
                .foreign_key(&mut workspace_fk(M::Table, "customer_merges_workspace_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "customer_merges_survivor_id_fkey",
                    M::Table,
                    M::SurvivorId,
                    Customers::Table,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    "customer_merges_merged_id_fkey",
                    M::Table,
                    M::MergedId,
                    Customers::Table,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    index(manager, "customer_merges_merged_idx", M::Table, &[M::WorkspaceId, M::MergedId], false).await
}
