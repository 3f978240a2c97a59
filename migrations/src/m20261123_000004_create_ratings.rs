//! The star engine: versioned rating policies, tier benefits, the rating state on each customer
//! (score, the engine's stars, downgrade protection, a manual override), the star history, the
//! outbox of domain events and the jobs table that whole-workspace re-ratings run from.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, date_null, double_null, integer, integer_null, small_integer_null, string, string_null,
    text, text_null, timestamp_with_time_zone_null, uuid, uuid_null,
};

use crate::helpers::{add_updated_at_trigger, customer_fk, foreign_key, index, timestamp_now, workspace_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum Customers {
    Table,
    WorkspaceId,
    Stars,
    StarScore,
    ComputedStars,
    StarsBelowSince,
    AtRiskStars,
    AtRiskOn,
    StarPolicyVersion,
    StarsEvaluatedAt,
    StarOverride,
    StarOverrideReason,
    StarOverrideUntil,
    StarOverrideBy,
    StarOverrideAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RatingPolicies {
    Table,
    Id,
    WorkspaceId,
    Version,
    Status,
    Policy,
    Stats,
    StatsAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    ActivatedAt,
    ArchivedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RatingTiers {
    Table,
    WorkspaceId,
    Tiers,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum StarHistory {
    Table,
    Id,
    WorkspaceId,
    CustomerId,
    StarsBefore,
    StarsAfter,
    Score,
    Breakdown,
    PolicyVersion,
    Trigger,
    ActorId,
    ActorName,
    JobId,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Events {
    Table,
    Id,
    WorkspaceId,
    Kind,
    SubjectId,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Jobs {
    Table,
    Id,
    WorkspaceId,
    Kind,
    Status,
    Trigger,
    Params,
    Total,
    Processed,
    Changed,
    Cursor,
    LockedBy,
    LockedUntil,
    Attempts,
    Error,
    CreatedBy,
    CreatedAt,
    StartedAt,
    FinishedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_customer_columns(manager).await?;
        create_policies(manager).await?;
        create_history(manager).await?;
        create_events(manager).await?;
        create_jobs(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["jobs", "events", "star_history", "rating_tiers", "rating_policies"] {
            manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        manager
            .drop_index(Index::drop().name("customers_stars_idx").table(Customers::Table).to_owned())
            .await?;
        manager
            .drop_index(Index::drop().name("customers_override_until_idx").table(Customers::Table).to_owned())
            .await?;
        for column in RATING_COLUMNS {
            manager
                .alter_table(Table::alter().table(Customers::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

const RATING_COLUMNS: [Customers; 12] = [
    Customers::StarScore,
    Customers::ComputedStars,
    Customers::StarsBelowSince,
    Customers::AtRiskStars,
    Customers::AtRiskOn,
    Customers::StarPolicyVersion,
    Customers::StarsEvaluatedAt,
    Customers::StarOverride,
    Customers::StarOverrideReason,
    Customers::StarOverrideUntil,
    Customers::StarOverrideBy,
    Customers::StarOverrideAt,
];

async fn add_customer_columns(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Customers as C;
    // SQLite alters one column per statement.
    let columns = [
        // The last evaluation's score (0-100) and the stars the engine holds the customer at
        // (after downgrade protection, before a manual override; `stars` is what applies).
        double_null(C::StarScore),
        small_integer_null(C::ComputedStars),
        // Downgrade protection: below the held stars since this day; dropping to
        // `at_risk_stars` on `at_risk_on` unless the score recovers.
        date_null(C::StarsBelowSince),
        small_integer_null(C::AtRiskStars),
        date_null(C::AtRiskOn),
        integer_null(C::StarPolicyVersion),
        timestamp_with_time_zone_null(C::StarsEvaluatedAt),
        // A manual override: the stars set by hand, why, until when (open-ended when null), by whom.
        small_integer_null(C::StarOverride),
        text_null(C::StarOverrideReason),
        timestamp_with_time_zone_null(C::StarOverrideUntil),
        uuid_null(C::StarOverrideBy),
        timestamp_with_time_zone_null(C::StarOverrideAt),
    ];
    for mut column in columns {
        manager.alter_table(Table::alter().table(C::Table).add_column(&mut column).to_owned()).await?;
    }
    index(manager, "customers_stars_idx", C::Table, &[C::WorkspaceId, C::Stars], false).await?;
    index(manager, "customers_override_until_idx", C::Table, &[C::StarOverrideUntil], false).await
}

async fn create_policies(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use RatingPolicies as P;
    manager
        .create_table(
            Table::create()
                .table(P::Table)
                .col(uuid(P::Id).primary_key())
                .col(uuid(P::WorkspaceId))
                .col(integer(P::Version))
                // draft -> active -> archived; one active and at most one draft per workspace.
                .col(string(P::Status))
                // `shared::rating::Policy` as JSON.
                .col(text(P::Policy))
                // The population quantiles of the last whole-workspace run (JSON).
                .col(text_null(P::Stats))
                .col(timestamp_with_time_zone_null(P::StatsAt))
                .col(uuid_null(P::CreatedBy))
                .col(timestamp_now(manager, P::CreatedAt))
                .col(timestamp_now(manager, P::UpdatedAt))
                .col(timestamp_with_time_zone_null(P::ActivatedAt))
                .col(timestamp_with_time_zone_null(P::ArchivedAt))
                .foreign_key(&mut workspace_fk(P::Table, "rating_policies_workspace_id_fkey"))
                .foreign_key(&mut foreign_key(
                    "rating_policies_created_by_fkey",
                    P::Table,
                    P::CreatedBy,
                    Users::Table,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
    index(manager, "rating_policies_version_key", P::Table, &[P::WorkspaceId, P::Version], true).await?;
    let conn = manager.get_connection();
    // Partial unique indexes (both databases have them): the invariants hold under any race.
    conn.execute_unprepared(
        "CREATE UNIQUE INDEX rating_policies_one_active ON rating_policies (workspace_id) WHERE status = 'active'",
    )
    .await?;
    conn.execute_unprepared(
        "CREATE UNIQUE INDEX rating_policies_one_draft ON rating_policies (workspace_id) WHERE status = 'draft'",
    )
    .await?;
    add_updated_at_trigger(manager, "rating_policies").await?;

    create_tiers(manager).await
}

async fn create_tiers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use RatingTiers as T;
    manager
        .create_table(
            Table::create()
                .table(T::Table)
                .col(uuid(T::WorkspaceId).primary_key())
                // `Vec<shared::tiers::Tier>` as JSON.
                .col(text(T::Tiers))
                .col(uuid_null(T::UpdatedBy))
                .col(timestamp_now(manager, T::UpdatedAt))
                .foreign_key(&mut workspace_fk(T::Table, "rating_tiers_workspace_id_fkey"))
                .to_owned(),
        )
        .await?;
    Ok(())
}

async fn create_history(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use StarHistory as H;
    manager
        .create_table(
            Table::create()
                .table(H::Table)
                .col(uuid(H::Id).primary_key())
                .col(uuid(H::WorkspaceId))
                .col(uuid(H::CustomerId))
                .col(small_integer_null(H::StarsBefore))
                .col(small_integer_null(H::StarsAfter))
                .col(double_null(H::Score))
                // The evaluation's breakdown (JSON), as it was.
                .col(text_null(H::Breakdown))
                .col(integer_null(H::PolicyVersion))
                // transaction / schedule / manual / policy_change / override / override_ended / merge
                .col(string(H::Trigger))
                .col(uuid_null(H::ActorId))
                .col(string_null(H::ActorName))
                // The whole-workspace run that wrote it: one row per customer and run, however
                // often the run is resumed.
                .col(uuid_null(H::JobId))
                .col(text_null(H::Reason))
                .col(timestamp_now(manager, H::CreatedAt))
                .foreign_key(&mut workspace_fk(H::Table, "star_history_workspace_id_fkey"))
                .foreign_key(&mut customer_fk(H::Table, "star_history_customer_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(manager, "star_history_customer_idx", H::Table, &[H::CustomerId, H::CreatedAt], false).await?;
    index(manager, "star_history_job_key", H::Table, &[H::JobId, H::CustomerId], true).await
}

async fn create_events(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Events as E;
    manager
        .create_table(
            Table::create()
                .table(E::Table)
                .col(uuid(E::Id).primary_key())
                .col(uuid(E::WorkspaceId))
                // `starsChanged`, ...: written in the same transaction as the change.
                .col(string(E::Kind))
                .col(uuid_null(E::SubjectId))
                .col(text(E::Payload))
                .col(timestamp_now(manager, E::CreatedAt))
                .foreign_key(&mut workspace_fk(E::Table, "events_workspace_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(manager, "events_workspace_idx", E::Table, &[E::WorkspaceId, E::Id], false).await
}

async fn create_jobs(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Jobs as J;
    manager
        .create_table(
            Table::create()
                .table(J::Table)
                .col(uuid(J::Id).primary_key())
                .col(uuid(J::WorkspaceId))
                .col(string(J::Kind))
                // queued / running / succeeded / failed
                .col(string(J::Status))
                .col(string(J::Trigger))
                // What the run needs to resume identically (policy version, population stats).
                .col(text_null(J::Params))
                .col(big_integer(J::Total).default(0))
                .col(big_integer(J::Processed).default(0))
                .col(big_integer(J::Changed).default(0))
                // The last customer id done; a resumed run goes on after it.
                .col(uuid_null(J::Cursor))
                // The replica running it, until when (renewed each batch); a lapsed lease means
                // the runner died and another may take over.
                .col(string_null(J::LockedBy))
                .col(timestamp_with_time_zone_null(J::LockedUntil))
                .col(integer(J::Attempts).default(0))
                .col(text_null(J::Error))
                .col(uuid_null(J::CreatedBy))
                .col(timestamp_now(manager, J::CreatedAt))
                .col(timestamp_with_time_zone_null(J::StartedAt))
                .col(timestamp_with_time_zone_null(J::FinishedAt))
                .col(timestamp_now(manager, J::UpdatedAt))
                .foreign_key(&mut workspace_fk(J::Table, "jobs_workspace_id_fkey"))
                .to_owned(),
        )
        .await?;
    index(manager, "jobs_workspace_idx", J::Table, &[J::WorkspaceId, J::CreatedAt], false).await?;
    index(manager, "jobs_status_idx", J::Table, &[J::Status], false).await?;
    // One unfinished job of a kind per workspace.
    manager
        .get_connection()
        .execute_unprepared(
            "CREATE UNIQUE INDEX jobs_one_open ON jobs (workspace_id, kind) WHERE status IN ('queued', 'running')",
        )
        .await?;
    add_updated_at_trigger(manager, "jobs").await
}
