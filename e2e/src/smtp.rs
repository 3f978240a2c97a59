//! A real SMTP server for the tests (aiosmtpd from the Package Index, installed by scripts/test
//! into a virtualenv whose python `STARCRM_WEBHOOK_VERIFIER` names), storing what it receives in
//! a Maildir that Python's own email parser reads back.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

/// The virtualenv's python.
///
/// # Errors
/// When the variable is not set (the tests were not started by scripts/test).
pub fn python() -> anyhow::Result<String> {
    std::env::var("STARCRM_WEBHOOK_VERIFIER").map_err(|_| {
        anyhow::anyhow!(
            "STARCRM_WEBHOOK_VERIFIER is not set: run the tests with scripts/test, which installs \
             aiosmtpd and standardwebhooks (PyPI) into a virtualenv and points this variable at its python"
        )
    })
}

/// A real SMTP server on a free port.
pub struct SmtpServer {
    child: tokio::process::Child,
    pub port: u16,
    maildir: tempfile::TempDir,
    python: String,
}

impl SmtpServer {
    /// Starts one and waits until it listens.
    ///
    /// # Errors
    /// No python, or it did not listen within 10 s.
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

    /// What the server received, parsed: `from`, `to`, `subject`, `messageId`, `plain`, `html`.
    ///
    /// # Errors
    /// The reader failed.
    pub async fn received(&self) -> anyhow::Result<Vec<Value>> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../api/tests/fixtures/read_mail.py");
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
