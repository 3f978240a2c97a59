//! The `starcrm` command line besides `serve`: help, migrate, export-schema, reindex.

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
        ("--signup", "STARCRM_SIGNUP"),
        ("--cookie-secure", "STARCRM_COOKIE_SECURE"),
        ("--trust-proxy", "STARCRM_TRUST_PROXY"),
        ("--jwt-secret", "STARCRM_JWT_SECRET"),
        ("--api-token-rate", "STARCRM_API_TOKEN_RATE"),
        ("--session-rate", "STARCRM_SESSION_RATE"),
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
        assert!(help.contains(&format!("[env: {env}")), "{env} missing from --help:\n{help}");
    }
    for command in ["serve", "migrate", "create-workspace", "seed", "reindex", "export-schema"] {
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

#[tokio::test]
async fn create_workspace_makes_an_owner_who_can_sign_in() -> anyhow::Result<()> {
    let binary = build::starcrm_binary()?;
    let db = TestDb::new().await?;
    let data_dir = tempfile::tempdir()?;
    let mut command = starcrm_command(&binary);
    command
        .args([
            "create-workspace",
            "--name",
            "华联超市",
            "--owner-email",
            "boss@hualian.example",
            "--owner-name",
            "陈总",
        ])
        .arg("--data-dir")
        .arg(data_dir.path());
    if db.engine() == Engine::Postgres {
        command.env("DATABASE_URL", db.url());
    }
    let output = command.output().await?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("created workspace 华联超市"), "{stdout}");
    // The generated password is printed once.
    let password = stdout
        .split("with the password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or_else(|| anyhow::anyhow!("no password printed: {stdout}"))?;
    assert_eq!(password.len(), 19, "{password}");

    let again = {
        let mut again = starcrm_command(&binary);
        again
            .args([
                "create-workspace",
                "--name",
                "Other",
                "--owner-email",
                "boss@hualian.example",
                "--owner-name",
                "X",
            ])
            .arg("--data-dir")
            .arg(data_dir.path());
        if db.engine() == Engine::Postgres {
            again.env("DATABASE_URL", db.url());
        }
        again.output().await?
    };
    // An email is unique within a workspace, not across the server: the same person may own a
    // second workspace (sign-in then asks which).
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success(), "{stdout}{}", String::from_utf8_lossy(&again.stderr));
    assert!(stdout.contains("created workspace Other"), "{stdout}");
    Ok(())
}

#[tokio::test]
async fn reindex_rebuilds_the_search_index_from_the_database() -> anyhow::Result<()> {
    let binary = build::starcrm_binary()?;
    let db = TestDb::new().await?;
    let data_dir = tempfile::tempdir()?;
    let run = |args: &[&str]| {
        let mut command = starcrm_command(&binary);
        command.args(args).arg("--data-dir").arg(data_dir.path()).arg("--log").arg("warn");
        if db.engine() == Engine::Postgres {
            command.env("DATABASE_URL", db.url());
        }
        command.output()
    };
    let seeded = run(&["seed"]).await?;
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let output = run(&["reindex"]).await?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("indexed 300 customers of"), "{stdout}");
    assert!(stdout.contains("into the embedded index"), "{stdout}");
    assert!(data_dir.path().join("search").is_dir(), "the embedded index lives in the data dir");
    let missing = run(&["reindex", "--workspace", "No Such Shop"]).await?;
    assert!(!missing.status.success(), "an unknown workspace is an error");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("workspace not found"));
    Ok(())
}
