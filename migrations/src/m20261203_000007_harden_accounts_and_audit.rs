//! Findings of an outside review, in the schema:
//! - an email is unique within a workspace, not across the server: `createUser` with an address
//!   used in another workspace answered `CONFLICT`, telling any admin that the account exists
//!   elsewhere. Sign-in by email then asks which workspace when one address has several.
//! - the audit log stays append-only but accepts one kind of change: a privacy erasure replacing
//!   an entry's `changes` with a redaction (a JSON object with a `redacted` key), every other
//!   column untouched. Erasure must not leave a customer's name in the log.
//! - failed sign-ins are counted in the database (`login_failures`), so several server processes
//!   enforce one limit instead of each allowing its own.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_pk_auto, string};
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::helpers::{index, timestamp_now};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    WorkspaceId,
    Email,
}

#[derive(DeriveIden, Clone, Copy)]
enum LoginFailures {
    Table,
    Id,
    /// `email:<address>` or `ip:<address>`.
    Key,
    At,
}

/// The columns a redaction must leave as they were.
const KEPT: &[&str] = &[
    "id",
    "workspace_id",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "entity_type",
    "entity_id",
    "request_id",
    "ip",
    "created_at",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("users_email_key").table(Users::Table).to_owned()).await?;
        index(manager, "users_workspace_email_key", Users::Table, &[Users::WorkspaceId, Users::Email], true)
            .await?;
        index(manager, "users_email_idx", Users::Table, &[Users::Email], false).await?;

        let conn = manager.get_connection();
        for sql in redaction_triggers(manager.get_database_backend())? {
            conn.execute_unprepared(&sql).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(big_pk_auto(LoginFailures::Id))
                    .col(string(LoginFailures::Key))
                    .col(timestamp_now(manager, LoginFailures::At))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "login_failures_key_at_idx",
            LoginFailures::Table,
            &[LoginFailures::Key, LoginFailures::At],
            false,
        )
        .await?;
        // Old rows are deleted by time.
        index(manager, "login_failures_at_idx", LoginFailures::Table, &[LoginFailures::At], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LoginFailures::Table).to_owned()).await?;
        let conn = manager.get_connection();
        for sql in append_only_triggers(manager.get_database_backend())? {
            conn.execute_unprepared(sql).await?;
        }
        manager.drop_index(Index::drop().name("users_email_idx").table(Users::Table).to_owned()).await?;
        manager
            .drop_index(Index::drop().name("users_workspace_email_key").table(Users::Table).to_owned())
            .await?;
        index(manager, "users_email_key", Users::Table, &[Users::Email], true).await
    }
}

/// Triggers that refuse every UPDATE and DELETE of the audit log except a redaction.
fn redaction_triggers(backend: DatabaseBackend) -> Result<Vec<String>, DbErr> {
    Ok(match backend {
        DatabaseBackend::Postgres => {
            let old = KEPT.iter().map(|c| format!("OLD.{c}")).collect::<Vec<_>>().join(", ");
            let new = KEPT.iter().map(|c| format!("NEW.{c}")).collect::<Vec<_>>().join(", ");
            vec![format!(
                "CREATE OR REPLACE FUNCTION starcrm_audit_log_append_only() RETURNS trigger AS $$
                 BEGIN
                   IF TG_OP = 'UPDATE'
                      AND NEW.changes IS NOT NULL AND (NEW.changes::jsonb ? 'redacted')
                      AND ({new}) IS NOT DISTINCT FROM ({old}) THEN
                     RETURN NEW;
                   END IF;
                   RAISE EXCEPTION 'audit_log is append-only';
                 END;
                 $$ LANGUAGE plpgsql"
            )]
        }
        DatabaseBackend::Sqlite => {
            let same = KEPT.iter().map(|c| format!("NEW.{c} IS OLD.{c}")).collect::<Vec<_>>().join(" AND ");
            // A new name, created before the old trigger goes: SQLite answered "already exists"
            // to re-creating the dropped name within the migration.
            vec![
                format!(
                    "CREATE TRIGGER audit_log_update_redaction_only BEFORE UPDATE ON audit_log
                     WHEN NOT (coalesce(json_valid(NEW.changes), 0) = 1
                               AND json_type(NEW.changes, '$.redacted') IS NOT NULL AND {same})
                     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                ),
                "DROP TRIGGER audit_log_no_update".to_owned(),
            ]
        }
        other => return Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
    })
}

/// The triggers as the accounts migration made them (for `down`).
fn append_only_triggers(backend: DatabaseBackend) -> Result<&'static [&'static str], DbErr> {
    Ok(match backend {
        DatabaseBackend::Postgres => {
            &["CREATE OR REPLACE FUNCTION starcrm_audit_log_append_only() RETURNS trigger AS $$
             BEGIN RAISE EXCEPTION 'audit_log is append-only'; END;
             $$ LANGUAGE plpgsql"]
        }
        DatabaseBackend::Sqlite => &[
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            "DROP TRIGGER audit_log_update_redaction_only",
        ],
        other => return Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
    })
}
