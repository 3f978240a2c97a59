//! The `starcrm` command line besides `serve`: help, migrate, export-schema, reindex.

use starcrm_e2e::build;
use starcrm_e2e::db::{Engine, TestDb};
use starcrm_e2e::server::starcrm_command;

/// Runs `starcrm ARGS --data-dir DIR --log warn` on the test's database (its own PostgreSQL
/// database, or the data dir's SQLite file).
fn starcrm(
    binary: &std::path::Path,
    db: &TestDb,
    data_dir: &std::path::Path,
    args: &[&str],
) -> impl Future<Output = std::io::Result<std::process::Output>> + use<> {
    let mut command = starcrm_command(binary);
    command.args(args).arg("--data-dir").arg(data_dir).arg("--log").arg("warn");
    if db.engine() == Engine::Postgres {
        command.env("DATABASE_URL", db.url());
    }
    command.output()
}

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
        ("--webhooks-allow-private", "STARCRM_WEBHOOKS_ALLOW_PRIVATE"),
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
        assert!(help.contains(&format!("[env: {env}")), "{env} missing from --help:\n{help}");
    }
    for command in
        ["serve", "migrate", "create-workspace", "seed", "reindex", "backup", "restore", "export-schema"]
    {
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
    let run = |args: &[&str]| starcrm(&binary, &db, data_dir.path(), args);
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

#[tokio::test]
async fn backup_and_restore_round_trip_the_embedded_database() -> anyhow::Result<()> {
    use tokio::io::AsyncBufReadExt;

    let binary = build::starcrm_binary()?;
    let db = TestDb::new().await?;
    let data_dir = tempfile::tempdir()?;
    let backup = data_dir.path().join("before.starcrm-backup");
    let run = |args: &[&str]| starcrm(&binary, &db, data_dir.path(), args);
    let text = |o: &std::process::Output| {
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    };
    let backup_arg = backup.to_str().unwrap_or_default();
    if db.engine() == Engine::Postgres {
        let refused = run(&["backup", "--out", backup_arg]).await?;
        assert!(!refused.status.success());
        assert!(
            text(&refused).contains("pg_dump"),
            "PostgreSQL is pointed at its own tools: {}",
            text(&refused)
        );
        assert!(!backup.exists());
        return Ok(());
    }
    let seeded = run(&["seed"]).await?;
    assert!(seeded.status.success(), "{}", text(&seeded));

    let written = run(&["backup", "--out", backup_arg]).await?;
    assert!(written.status.success(), "{}", text(&written));
    assert!(text(&written).contains("300 customers"), "{}", text(&written));
    let again = run(&["backup", "--out", backup_arg]).await?;
    assert!(!again.status.success() && text(&again).contains("exists"), "never overwrites: {}", text(&again));

    // A change after the backup...
    let created = run(&[
        "create-workspace",
        "--name",
        "After The Backup",
        "--owner-email",
        "late@example.com",
        "--owner-name",
        "Late",
    ])
    .await?;
    assert!(created.status.success(), "{}", text(&created));

    // ...is gone after the restore; the old database is kept, the index rebuilt.
    let restored = run(&["restore", backup_arg]).await?;
    let out = text(&restored);
    assert!(restored.status.success(), "{out}");
    assert!(out.contains("restored") && out.contains("300 customers"), "{out}");
    assert!(out.contains("before-restore-"), "the replaced database is kept: {out}");
    assert!(out.contains("indexed 300 customers of"), "the search index is rebuilt: {out}");
    let gone = run(&["reindex", "--workspace", "After The Backup"]).await?;
    assert!(text(&gone).contains("workspace not found"), "{}", text(&gone));
    let kept: Vec<_> = std::fs::read_dir(data_dir.path())?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| {
            name.starts_with("starcrm.db.before-restore-")
                && !name.ends_with("-wal")
                && !name.ends_with("-shm")
        })
        .collect();
    assert_eq!(kept.len(), 1, "the database before the restore is beside it");

    // Not a backup: refused, nothing replaced.
    let junk = data_dir.path().join("notes.txt");
    std::fs::write(&junk, "not a database at all")?;
    let refused = run(&["restore", junk.to_str().unwrap_or_default()]).await?;
    assert!(
        !refused.status.success() && text(&refused).contains("not a StarCRM backup"),
        "{}",
        text(&refused)
    );

    // A running server on the data dir: the restore is refused.
    let mut serve = starcrm_command(&binary);
    serve
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--web-dir", "/nonexistent"])
        .arg("--data-dir")
        .arg(data_dir.path())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut server = serve.spawn()?;
    let mut lines =
        tokio::io::BufReader::new(server.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?).lines();
    let listening = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("StarCRM is listening") {
                return true;
            }
        }
        false
    })
    .await?;
    assert!(listening, "the server started");
    let busy = run(&["restore", backup_arg]).await?;
    assert!(!busy.status.success() && text(&busy).contains("stop it before restoring"), "{}", text(&busy));
    server.start_kill()?;
    Ok(())
}
