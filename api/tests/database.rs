//! Storage: migrations, the workspaces table and its defaults, the `updated_at` helper, and the
//! SQLite settings, on whichever engine this run tests (SQLite, or PostgreSQL in CI).

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, Set, Statement,
};
use starcrm_api::db;
use starcrm_api::entities::workspace;
use starcrm_e2e::TestDb;
use starcrm_e2e::db::Engine;

/// A fresh database with every migration applied.
async fn migrated() -> anyhow::Result<(TestDb, DatabaseConnection)> {
    let test_db = TestDb::new().await?;
    let conn = db::connect(test_db.url(), 2).await?;
    db::migrate(&conn).await?;
    Ok((test_db, conn))
}

#[tokio::test]
async fn migrations_apply_on_an_empty_database_and_are_idempotent() -> anyhow::Result<()> {
    let (_db, conn) = migrated().await?;
    db::migrate(&conn).await?;
    assert_eq!(workspace::Entity::find().all(&conn).await?.len(), 0);
    Ok(())
}

#[tokio::test]
async fn migrations_roll_back_and_apply_again() -> anyhow::Result<()> {
    use sea_orm_migration::MigratorTrait;
    let (_db, conn) = migrated().await?;
    let schema = db::schema_connection(&conn).await?;
    starcrm_migrations::Migrator::down(&schema, None).await?;
    assert!(workspace::Entity::find().all(&conn).await.is_err(), "the table is gone");
    db::migrate(&conn).await?;
    assert_eq!(workspace::Entity::find().all(&conn).await?.len(), 0);
    Ok(())
}

#[tokio::test]
async fn rows_stamped_by_sql_defaults_read_back_and_sort_with_rows_stamped_by_the_app() -> anyhow::Result<()>
{
    let (test_db, conn) = migrated().await?;
    let first =
        workspace::ActiveModel { name: Set("App".to_owned()), ..Default::default() }.insert(&conn).await?;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // A row written by plain SQL (an import, a fix): the database fills in both timestamps.
    let id = uuid::Uuid::now_v7();
    let sql = match test_db.engine() {
        Engine::Postgres => "INSERT INTO workspaces (id, name) VALUES ($1, $2)",
        Engine::Sqlite => "INSERT INTO workspaces (id, name) VALUES (?, ?)",
    };
    conn.execute_raw(Statement::from_sql_and_values(
        conn.get_database_backend(),
        sql,
        [id.into(), "SQL".into()],
    ))
    .await?;

    let newest_first =
        workspace::Entity::find().order_by_desc(workspace::Column::CreatedAt).all(&conn).await?;
    let names: Vec<&str> = newest_first.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["SQL", "App"]);
    assert!(newest_first[0].created_at > first.created_at);
    assert_eq!(newest_first[0].created_at, newest_first[0].updated_at);
    Ok(())
}

#[tokio::test]
async fn a_new_workspace_gets_a_uuid_v7_and_the_documented_defaults() -> anyhow::Result<()> {
    let (_db, conn) = migrated().await?;

    let created = workspace::ActiveModel { name: Set("Acme 商贸".to_owned()), ..Default::default() }
        .insert(&conn)
        .await?;
    assert_eq!(created.id.get_version_num(), 7);
    assert_eq!(created.timezone, "Asia/Shanghai");
    assert_eq!(created.currency, "CNY");
    assert_eq!(created.created_at, created.updated_at);

    let loaded = workspace::Entity::find_by_id(created.id).one(&conn).await?;
    assert_eq!(loaded.as_ref(), Some(&created), "round trip through the database");
    Ok(())
}

#[tokio::test]
async fn updating_through_the_model_moves_updated_at_only() -> anyhow::Result<()> {
    let (_db, conn) = migrated().await?;
    let created =
        workspace::ActiveModel { name: Set("Before".to_owned()), ..Default::default() }.insert(&conn).await?;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mut change: workspace::ActiveModel = created.clone().into();
    change.timezone = Set("Europe/Berlin".to_owned());
    let updated = change.update(&conn).await?;
    assert_eq!(updated.timezone, "Europe/Berlin");
    assert!(updated.updated_at > created.updated_at);
    assert_eq!((updated.id, updated.created_at), (created.id, created.created_at));
    Ok(())
}

#[tokio::test]
async fn updated_at_moves_on_raw_sql_updates_too() -> anyhow::Result<()> {
    let (test_db, conn) = migrated().await?;
    let created =
        workspace::ActiveModel { name: Set("Before".to_owned()), ..Default::default() }.insert(&conn).await?;

    // An UPDATE that does not mention updated_at (a hand-written fix, a bulk job).
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let backend = conn.get_database_backend();
    let sql = match test_db.engine() {
        Engine::Postgres => "UPDATE workspaces SET name = $1 WHERE id = $2",
        Engine::Sqlite => "UPDATE workspaces SET name = ? WHERE id = ?",
    };
    conn.execute_raw(Statement::from_sql_and_values(backend, sql, ["After".into(), created.id.into()]))
        .await?;

    let updated =
        workspace::Entity::find_by_id(created.id).one(&conn).await?.ok_or_else(|| anyhow::anyhow!("gone"))?;
    assert_eq!(updated.name, "After");
    assert!(updated.updated_at > created.updated_at, "{} !> {}", updated.updated_at, created.updated_at);
    assert_eq!(updated.created_at, created.created_at);
    Ok(())
}

#[tokio::test]
async fn the_embedded_database_runs_in_wal_mode_with_foreign_keys() -> anyhow::Result<()> {
    // The SQLite file a server creates in its data dir (DATABASE_URL unset).
    // A path with characters that mean something in a URL.
    let data_dir = tempfile::tempdir()?;
    let mut settings = starcrm_api::Settings::from_env()?;
    settings.data_dir = data_dir.path().join("nested").join("crm 100% ?#data");
    settings.database_url = None;
    let (conn, kind, _) = db::open(&settings).await?;
    assert_eq!(kind, starcrm_shared::DatabaseKind::Sqlite);
    db::migrate(&conn).await?;
    assert!(settings.data_dir.join(db::SQLITE_FILE).is_file(), "the file is where the data dir says");

    let backend = conn.get_database_backend();
    let pragma = |name: &str| Statement::from_string(backend, format!("PRAGMA {name}"));
    let journal =
        conn.query_one_raw(pragma("journal_mode")).await?.ok_or_else(|| anyhow::anyhow!("no row"))?;
    assert_eq!(journal.try_get_by_index::<String>(0)?, "wal");
    let fks = conn.query_one_raw(pragma("foreign_keys")).await?.ok_or_else(|| anyhow::anyhow!("no row"))?;
    assert_eq!(fks.try_get_by_index::<i32>(0)?, 1);
    Ok(())
}
