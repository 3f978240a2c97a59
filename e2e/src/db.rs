//! A fresh, empty database for each test, so tests run in parallel without seeing each other.

use anyhow::Context;
use sea_orm::{ConnectionTrait, Database};
use tempfile::TempDir;

/// Environment variable naming a PostgreSQL server (a URL whose user may create databases).
/// Unset: tests use SQLite.
pub const POSTGRES_ENV: &str = "STARCRM_TEST_POSTGRES_URL";

/// Which database engine the current test run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine this run tests against (see [`POSTGRES_ENV`]).
    pub fn current() -> Self {
        if postgres_admin_url().is_some() { Self::Postgres } else { Self::Sqlite }
    }
}

fn postgres_admin_url() -> Option<String> {
    std::env::var(POSTGRES_ENV).ok().filter(|url| !url.trim().is_empty())
}

/// A database that exists for the lifetime of this value: a SQLite file in a temporary
/// directory, or a PostgreSQL database created for the test and dropped afterwards.
pub struct TestDb {
    url: String,
    engine: Engine,
    /// SQLite: the directory holding the file. PostgreSQL: `None`.
    _dir: Option<TempDir>,
    /// PostgreSQL: admin URL and database name, for dropping it.
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// Creates a fresh empty database on the engine this run tests against.
    pub async fn new() -> anyhow::Result<Self> {
        match postgres_admin_url() {
            None => {
                let dir = tempfile::Builder::new().prefix("starcrm-test-").tempdir()?;
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("starcrm.db").display());
                Ok(Self { url, engine: Engine::Sqlite, _dir: Some(dir), postgres: None })
            }
            Some(admin_url) => {
                let name = format!("starcrm_test_{}", uuid::Uuid::now_v7().simple());
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .with_context(|| format!("cannot connect to {POSTGRES_ENV}"))?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .context("cannot create the test database")?;
                admin.close().await?;
                let url = with_database(&admin_url, &name);
                Ok(Self { url, engine: Engine::Postgres, _dir: None, postgres: Some((admin_url, name)) })
            }
        }
    }

    /// Connection URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else { return };
        // Drop runs outside async context (or inside a runtime we must not block): use a thread
        // with its own small runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let admin = Database::connect(admin_url.as_str()).await?;
                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await?;
                admin.close().await?;
                anyhow::Ok(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop a test database; it is left on the server");
        }
    }
}

/// `postgres://u@h:p/admin?x=y` with the database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{host_part}/{name}?{query}"),
        None => format!("{host_part}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn with_database_replaces_only_the_path() {
        assert_eq!(with_database("postgres://u@h:5/postgres", "t1"), "postgres://u@h:5/t1");
        assert_eq!(with_database("postgres://u@h:5", "t1"), "postgres://u@h:5/t1");
        assert_eq!(
            with_database("postgres://u:p@h/x?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
    }
}
