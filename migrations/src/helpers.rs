//! Pieces that many migrations need, written once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// "Now" on SQLite in the text form sqlx writes for `DateTime<Utc>` (`2026-11-23T08:00:00.123+00:00`).
/// SQLite compares timestamps as text, so rows stamped by SQL (defaults, triggers) and rows stamped
/// by the application must share one format to sort and filter correctly. `CURRENT_TIMESTAMP`
/// (`2026-11-23 08:00:00`) does not.
const SQLITE_NOW: &str = "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')";

/// A `NOT NULL` timestamp column defaulting to the current time, on either database.
pub fn timestamp_now(manager: &SchemaManager<'_>, column: impl IntoIden) -> ColumnDef {
    let mut def = timestamp_with_time_zone(column);
    match manager.get_database_backend() {
        DatabaseBackend::Sqlite => def.default(Expr::cust(format!("({SQLITE_NOW})"))),
        _ => def.default(Expr::current_timestamp()),
    };
    def
}

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

/// Removes `starcrm_set_updated_at()` (PostgreSQL), for the `down` of the migration that
/// installed it.
pub async fn drop_updated_at_function(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.get_database_backend() == DatabaseBackend::Postgres {
        manager
            .get_connection()
            .execute_unprepared("DROP FUNCTION IF EXISTS starcrm_set_updated_at()")
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
        // SQLite, and the WHEN clause stops it when the writer set the column itself. SQLite's
        // clock has millisecond precision while the application writes microseconds: `max`
        // keeps the column from moving backwards within one millisecond.
        DatabaseBackend::Sqlite => format!(
            "CREATE TRIGGER {table}_set_updated_at AFTER UPDATE ON {table} \
             FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at BEGIN \
             UPDATE {table} SET updated_at = max({SQLITE_NOW}, OLD.updated_at) \
             WHERE id = NEW.id; END"
        ),
        other => return Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
    };
    manager.get_connection().execute_unprepared(&sql).await?;
    Ok(())
}

/// Creates an index named `name` on `table (columns...)`, unique if asked.
pub async fn index<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: &[C],
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(*column);
    }
    if unique {
        statement.unique();
    }
    manager.create_index(statement).await
}

/// A foreign key `from_table.from_column -> to_table.id` named `name`, with `on_delete`.
pub fn foreign_key<F: IntoIden + 'static, C: IntoIden + 'static, T: IntoIden + 'static>(
    name: &str,
    from_table: F,
    from_column: C,
    to_table: T,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from_table, from_column)
        .to(to_table, Alias::new("id"))
        .on_delete(on_delete)
        .to_owned()
}

/// `table.workspace_id -> workspaces.id`, deleted with the workspace.
pub fn workspace_fk<T: IntoIden + Copy + 'static>(table: T, name: &str) -> ForeignKeyCreateStatement {
    foreign_key(name, table, Alias::new("workspace_id"), Alias::new("workspaces"), ForeignKeyAction::Cascade)
}

/// `table.customer_id -> customers.id`, deleted with the customer.
pub fn customer_fk<T: IntoIden + Copy + 'static>(table: T, name: &str) -> ForeignKeyCreateStatement {
    foreign_key(name, table, Alias::new("customer_id"), Alias::new("customers"), ForeignKeyAction::Cascade)
}
