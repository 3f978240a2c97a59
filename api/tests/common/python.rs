//! The Python tools from the Package Index the tests check against (installed by scripts/test
//! into a virtualenv whose python `STARCRM_WEBHOOK_VERIFIER` names): a real SMTP server
//! (aiosmtpd) and the Standard Webhooks reference library.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use starcrm_api::messaging::email::{SmtpSettings, TlsMode};
use starcrm_e2e::receiver::Received;
use tokio::io::AsyncWriteExt;

fn python() -> anyhow::Result<String> {
    std::env::var("STARCRM_WEBHOOK_VERIFIER").map_err(|_| {
        anyhow::anyhow!(
            "STARCRM_WEBHOOK_VERIFIER is not set: run the tests with scripts/test, which installs \
             aiosmtpd and standardwebhooks (PyPI) into a virtualenv and points this variable at its python"
        )
    })
}

/// A real SMTP server on a free port, storing what it receives in a Maildir.
pub struct SmtpServer {
    child: tokio::process::Child,
    pub port: u16,
    maildir: tempfile::TempDir,
    python: String,
}

impl SmtpServer {
    pub async fn start() -> anyhow::Result<Self> {
        let python = python()?;
        let maildir = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = tokio::process::Command::new(&python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Ok(Self { child, port, maildir, python });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("aiosmtpd did not listen on {port}")
    }

    pub fn settings(&self) -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".to_owned(),
            port: self.port,
            tls: TlsMode::None,
            username: None,
            password: None,
            from: "星辰茶庄 <service@starcrm.test>".to_owned(),
        }
    }

    /// What the server received, parsed.
    pub async fn received(&self) -> anyhow::Result<Vec<Value>> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/read_mail.py");
        let out = tokio::process::Command::new(&self.python)
            .arg(script)
            .arg(self.maildir.path().join("mail"))
            .output()
            .await?;
        anyhow::ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        Ok(serde_json::from_slice(&out.stdout)?)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Verifies each (secret, delivery) with the reference library; "ok" or its error for each.
pub async fn verify_webhooks(cases: &[(&str, &Received)]) -> anyhow::Result<Vec<String>> {
    let python = python()?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/verify_webhooks.py");
    let input: Vec<Value> = cases
        .iter()
        .map(|(secret, r)| json!({ "secret": secret, "headers": r.headers, "body": r.body }))
        .collect();
    let mut child = tokio::process::Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(serde_json::to_string(&input)?.as_bytes()).await?;
    }
    let output = child.wait_with_output().await?;
    anyhow::ensure!(output.status.success(), "verifier failed: {}", String::from_utf8_lossy(&output.stderr));
    Ok(serde_json::from_slice(&output.stdout)?)
}
