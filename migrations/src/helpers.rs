//! Pieces that many migrations need, written once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// Installs the shared `starcrm_set_updated_at()` trigger function (PostgreSQL only; SQLite
/// triggers carry their body inline). Idempotent.
pub async fn install_updated_at_function(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.get_database_backend() == DatabaseBackend::Postgres {
        // Only fills in `updated_at` when the writer did not set it, so application code that
        // sets an exact time (and returns it) keeps control.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE OR REPLACE FUNCTION starcrm_set_updated_at() RETURNS trigger AS $$
                 BEGIN
                   IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
                     NEW.updated_at := now();
                   END IF;
                   RETURN NEW;
                 END;
                 $$ LANGUAGE plpgsql",
            )
            .await?;
    }
    Ok(())
}

/// Keeps `table.updated_at` current on every UPDATE that does not set it itself.
pub async fn add_updated_at_trigger(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let sql = match manager.get_database_backend() {
        DatabaseBackend::Postgres => format!(
            "CREATE TRIGGER {table}_set_updated_at BEFORE UPDATE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION starcrm_set_updated_at()"
        ),
        // An AFTER trigger that writes the row again; recursive triggers are off by default in
        // SQLite, and the WHEN clause stops it when the writer set the column itself. The format
        // matches how sqlx writes `DateTime<Utc>` so the text sorts consistently.
        DatabaseBackend::Sqlite => format!(
            "CREATE TRIGGER {table}_set_updated_at AFTER UPDATE ON {table} \
             FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at BEGIN \
             UPDATE {table} SET updated_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') \
             WHERE id = NEW.id; END"
        ),
        other => return Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
    };
    manager.get_connection().execute_unprepared(&sql).await?;
    Ok(())
}
