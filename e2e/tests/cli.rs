//! The `starcrm` command line besides `serve`: help, migrate, export-schema.

use starcrm_e2e::build;
use starcrm_e2e::db::{Engine, TestDb};
use starcrm_e2e::server::starcrm_command;

#[tokio::test]
async fn help_documents_every_setting_with_its_environment_variable() -> anyhow::Result<()> {
    let output = starcrm_command(&build::starcrm_binary()?).arg("--help").output().await?;
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout)?;
    for (flag, env) in [
        ("--listen <LISTEN>", "STARCRM_LISTEN"),
        ("--data-dir", "STARCRM_DATA_DIR"),
        ("--database-url", "DATABASE_URL"),
        ("--db-max-connections", "STARCRM_DB_MAX_CONNECTIONS"),
        ("--mode", "STARCRM_MODE"),
        ("--log-format", "STARCRM_LOG_FORMAT"),
        ("--log <FILTER>", "STARCRM_LOG="),
        ("--web-dir", "STARCRM_WEB_DIR"),
        ("--shutdown-timeout", "STARCRM_SHUTDOWN_TIMEOUT"),
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
        assert!(help.contains(&format!("[env: {env}")), "{env} missing from --help:\n{help}");
    }
    for command in ["serve", "migrate", "export-schema"] {
        assert!(help.contains(command), "{command} missing from --help");
    }
    Ok(())
}

#[tokio::test]
async fn migrate_prepares_a_database_and_can_run_again() -> anyhow::Result<()> {
    let binary = build::starcrm_binary()?;
    let db = TestDb::new().await?;
    let data_dir = tempfile::tempdir()?;
    for _ in 0..2 {
        let mut command = starcrm_command(&binary);
        command.arg("migrate").arg("--data-dir").arg(data_dir.path());
        if db.engine() == Engine::Postgres {
            command.env("DATABASE_URL", db.url());
        }
        let output = command.output().await?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("is up to date"), "{stdout}");
    }
    if db.engine() == Engine::Sqlite {
        assert!(data_dir.path().join("starcrm.db").is_file(), "the embedded database file is created");
    }
    Ok(())
}

#[tokio::test]
async fn export_schema_writes_the_sdl_and_check_detects_a_stale_file() -> anyhow::Result<()> {
    let binary = build::starcrm_binary()?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("schema.graphql");

    let written = starcrm_command(&binary).arg("export-schema").arg("--out").arg(&file).output().await?;
    assert!(written.status.success());
    let sdl = std::fs::read_to_string(&file)?;
    assert!(sdl.contains("serverInfo: ServerInfo!"), "{sdl}");
    let checked_in = std::fs::read_to_string(build::root().join("api/schema.graphql"))?;
    assert_eq!(sdl, checked_in, "the binary exports what is checked in");

    let fresh =
        starcrm_command(&binary).args(["export-schema", "--check", "--out"]).arg(&file).output().await?;
    assert!(fresh.status.success());

    std::fs::write(&file, sdl.replace("serverInfo", "serverInformation"))?;
    let stale =
        starcrm_command(&binary).args(["export-schema", "--check", "--out"]).arg(&file).output().await?;
    assert_eq!(stale.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&stale.stderr);
    assert!(stderr.starts_with("error: ") && stderr.contains("is stale"), "{stderr}");
    Ok(())
}
