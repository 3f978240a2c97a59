//! Mistakes an operator makes when starting the server each give one clear line on stderr and a
//! non-zero exit, never a panic trace.

use std::process::Output;
use std::time::Duration;

use starcrm_e2e::build;
use starcrm_e2e::server::starcrm_command;

/// Runs `starcrm serve` with `args` and `env`, which must fail.
async fn serve_fails(args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<(String, Output)> {
    let binary = build::starcrm_binary()?;
    let data_dir = tempfile::tempdir()?;
    let mut command = starcrm_command(&binary);
    command.arg("serve").args(args).kill_on_drop(true);
    if !args.contains(&"--data-dir") {
        command.arg("--data-dir").arg(data_dir.path());
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let output = tokio::time::timeout(Duration::from_secs(30), command.output()).await??;
    assert!(!output.status.success(), "expected failure, got {}", output.status);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr, got:\n{stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    Ok((lines[0].to_owned(), output))
}

#[tokio::test]
async fn a_taken_port_is_reported_with_the_address() -> anyhow::Result<()> {
    let taken = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = taken.local_addr()?.to_string();
    let (line, _) = serve_fails(&["--listen", &addr], &[]).await?;
    assert!(line.contains(&format!("cannot listen on {addr}")), "{line}");
    assert!(line.contains("in use"), "{line}");
    Ok(())
}

#[tokio::test]
async fn a_database_url_of_an_unsupported_kind_is_refused() -> anyhow::Result<()> {
    let (line, _) =
        serve_fails(&["--listen", "127.0.0.1:0"], &[("DATABASE_URL", "mysql://root:hunter2@db/crm")]).await?;
    assert!(line.contains("unsupported DATABASE_URL"), "{line}");
    assert!(!line.contains("hunter2"), "the password leaked: {line}");
    Ok(())
}

#[tokio::test]
async fn an_unreachable_database_is_named_without_its_password() -> anyhow::Result<()> {
    // A port nothing listens on: the connection is refused at once.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let url = format!("postgres://starcrm:s3cret-pw@127.0.0.1:{closed_port}/crm");
    let (line, _) = serve_fails(&["--listen", "127.0.0.1:0"], &[("DATABASE_URL", &url)]).await?;
    assert!(line.contains("cannot connect to the database"), "{line}");
    assert!(line.contains(&format!("postgres://starcrm:***@127.0.0.1:{closed_port}/crm")), "{line}");
    assert!(!line.contains("s3cret-pw"), "the password leaked: {line}");
    Ok(())
}

#[tokio::test]
async fn a_data_dir_that_cannot_be_created_is_named() -> anyhow::Result<()> {
    // A data dir below a regular file cannot be created, whoever runs the test (even root).
    let file = tempfile::NamedTempFile::new()?;
    let data_dir = file.path().join("data");
    let data_dir = data_dir.to_string_lossy();
    let (line, _) = serve_fails(&["--listen", "127.0.0.1:0", "--data-dir", &data_dir], &[]).await?;
    assert!(line.contains(&format!("cannot create data dir {data_dir}")), "{line}");
    Ok(())
}

#[tokio::test]
async fn an_invalid_setting_is_explained_by_clap() -> anyhow::Result<()> {
    let binary = build::starcrm_binary()?;
    let output = starcrm_command(&binary).args(["serve", "--mode", "fast"]).output().await?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid value 'fast' for '--mode <MODE>'"), "{stderr}");
    assert!(stderr.contains("[possible values: development, production]"), "{stderr}");
    Ok(())
}
