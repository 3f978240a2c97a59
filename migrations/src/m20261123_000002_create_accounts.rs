//! Accounts and access: staff users, login sessions with rotating refresh tokens, API tokens for
//! integrators, the append-only audit log, and server-wide secrets (the JWT signing key).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    string, string_null, text_null, timestamp_with_time_zone_null, uuid, uuid_null,
};
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::helpers::{add_updated_at_trigger, index, timestamp_now};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
    WorkspaceId,
    Email,
    Name,
    Phone,
    Role,
    PasswordHash,
    Status,
    LastLoginAt,
    PasswordChangedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    Id,
    WorkspaceId,
    UserId,
    UserAgent,
    Ip,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
    RevokedReason,
}

#[derive(DeriveIden, Clone, Copy)]
enum RefreshTokens {
    Table,
    Id,
    SessionId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiTokens {
    Table,
    Id,
    WorkspaceId,
    Name,
    Prefix,
    SecretHash,
    Scopes,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    RevokedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditLog {
    Table,
    Id,
    WorkspaceId,
    ActorKind,
    ActorId,
    ActorName,
    Action,
    EntityType,
    EntityId,
    Changes,
    RequestId,
    Ip,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ServerSecrets {
    Table,
    Name,
    Value,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_users(manager).await?;
        create_sessions(manager).await?;
        create_refresh_tokens(manager).await?;
        create_api_tokens(manager).await?;
        create_audit_log(manager).await?;
        create_server_secrets(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["server_secrets", "audit_log", "api_tokens", "refresh_tokens", "sessions", "users"] {
            manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS starcrm_audit_log_append_only()")
                .await?;
        }
        Ok(())
    }
}

async fn create_users(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Users::Table)
                .col(uuid(Users::Id).primary_key())
                .col(uuid(Users::WorkspaceId))
                // Lower-cased; one account per email across the deployment.
                .col(string(Users::Email))
                .col(string(Users::Name))
                // Stored in international form (+8613812345678); personal data.
                .col(string_null(Users::Phone))
                .col(string(Users::Role))
                // argon2id PHC string.
                .col(string(Users::PasswordHash))
                .col(string(Users::Status).default("active"))
                .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                .col(timestamp_now(manager, Users::PasswordChangedAt))
                .col(ColumnDef::new(Users::Version).integer().not_null().default(1))
                .col(timestamp_now(manager, Users::CreatedAt))
                .col(timestamp_now(manager, Users::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("users_workspace_id_fkey")
                        .from(Users::Table, Users::WorkspaceId)
                        .to(Workspaces::Table, Workspaces::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    index(manager, "users_email_key", Users::Table, &[Users::Email], true).await?;
    index(manager, "users_workspace_id_idx", Users::Table, &[Users::WorkspaceId, Users::Id], false).await?;
    add_updated_at_trigger(manager, "users").await
}

async fn create_sessions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // One row per sign-in on a device: the refresh-token family. Revoking it ends the session.
    manager
        .create_table(
            Table::create()
                .table(Sessions::Table)
                .col(uuid(Sessions::Id).primary_key())
                .col(uuid(Sessions::WorkspaceId))
                .col(uuid(Sessions::UserId))
                .col(string_null(Sessions::UserAgent))
                .col(string_null(Sessions::Ip))
                .col(timestamp_now(manager, Sessions::CreatedAt))
                .col(timestamp_now(manager, Sessions::LastUsedAt))
                .col(timestamp_with_time_zone_null(Sessions::ExpiresAt).not_null())
                .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                .col(string_null(Sessions::RevokedReason))
                .foreign_key(
                    ForeignKey::create()
                        .name("sessions_user_id_fkey")
                        .from(Sessions::Table, Sessions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    index(manager, "sessions_user_id_idx", Sessions::Table, &[Sessions::UserId], false).await
}

async fn create_refresh_tokens(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(uuid(RefreshTokens::Id).primary_key())
                .col(uuid(RefreshTokens::SessionId))
                // SHA-256 (hex) of the token; the token itself is never stored.
                .col(string(RefreshTokens::TokenHash))
                .col(timestamp_now(manager, RefreshTokens::CreatedAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::ExpiresAt).not_null())
                // Set when the token is exchanged for a new one; presenting it again is reuse.
                .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("refresh_tokens_session_id_fkey")
                        .from(RefreshTokens::Table, RefreshTokens::SessionId)
                        .to(Sessions::Table, Sessions::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    index(manager, "refresh_tokens_token_hash_key", RefreshTokens::Table, &[RefreshTokens::TokenHash], true)
        .await?;
    index(manager, "refresh_tokens_session_id_idx", RefreshTokens::Table, &[RefreshTokens::SessionId], false)
        .await
}

async fn create_api_tokens(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(uuid(ApiTokens::Id).primary_key())
                .col(uuid(ApiTokens::WorkspaceId))
                .col(string(ApiTokens::Name))
                // The visible start of the secret, to recognise a token in lists and logs.
                .col(string(ApiTokens::Prefix))
                // SHA-256 (hex) of the whole secret.
                .col(string(ApiTokens::SecretHash))
                // Space-separated permission wire forms.
                .col(string(ApiTokens::Scopes))
                .col(uuid(ApiTokens::CreatedBy))
                .col(timestamp_now(manager, ApiTokens::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                .col(uuid_null(ApiTokens::RevokedBy))
                .foreign_key(
                    ForeignKey::create()
                        .name("api_tokens_workspace_id_fkey")
                        .from(ApiTokens::Table, ApiTokens::WorkspaceId)
                        .to(Workspaces::Table, Workspaces::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("api_tokens_created_by_fkey")
                        .from(ApiTokens::Table, ApiTokens::CreatedBy)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
    index(manager, "api_tokens_secret_hash_key", ApiTokens::Table, &[ApiTokens::SecretHash], true).await?;
    index(manager, "api_tokens_workspace_id_idx", ApiTokens::Table, &[ApiTokens::WorkspaceId], false).await
}

async fn create_audit_log(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(AuditLog::Table)
                // UUIDv7: time-ordered, so it doubles as the listing order and cursor.
                .col(uuid(AuditLog::Id).primary_key())
                .col(uuid(AuditLog::WorkspaceId))
                .col(string(AuditLog::ActorKind))
                .col(uuid_null(AuditLog::ActorId))
                .col(string(AuditLog::ActorName))
                .col(string(AuditLog::Action))
                .col(string(AuditLog::EntityType))
                .col(string_null(AuditLog::EntityId))
                // JSON object of changed fields: secrets never, personal data masked.
                .col(text_null(AuditLog::Changes))
                .col(string_null(AuditLog::RequestId))
                .col(string_null(AuditLog::Ip))
                .col(timestamp_now(manager, AuditLog::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("audit_log_workspace_id_fkey")
                        .from(AuditLog::Table, AuditLog::WorkspaceId)
                        .to(Workspaces::Table, Workspaces::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "audit_log_workspace_id_idx",
        AuditLog::Table,
        &[AuditLog::WorkspaceId, AuditLog::Id],
        false,
    )
    .await?;
    index(
        manager,
        "audit_log_workspace_action_idx",
        AuditLog::Table,
        &[AuditLog::WorkspaceId, AuditLog::Action, AuditLog::Id],
        false,
    )
    .await?;
    make_append_only(manager).await
}

async fn create_server_secrets(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(ServerSecrets::Table)
                .col(string(ServerSecrets::Name).primary_key())
                .col(string(ServerSecrets::Value))
                .col(timestamp_now(manager, ServerSecrets::CreatedAt))
                .to_owned(),
        )
        .await
}

/// Rows of the audit log can be added, never changed or removed (short of dropping the table).
async fn make_append_only(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let statements: &[&str] = match manager.get_database_backend() {
        DatabaseBackend::Postgres => &[
            "CREATE OR REPLACE FUNCTION starcrm_audit_log_append_only() RETURNS trigger AS $$
             BEGIN RAISE EXCEPTION 'audit_log is append-only'; END;
             $$ LANGUAGE plpgsql",
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
             FOR EACH ROW EXECUTE FUNCTION starcrm_audit_log_append_only()",
        ],
        DatabaseBackend::Sqlite => &[
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        ],
        other => return Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
    };
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}
