//! The Python tools from the Package Index the tests check against (installed by scripts/test
//! into a virtualenv whose python `STARCRM_WEBHOOK_VERIFIER` names): a real SMTP server
//! (aiosmtpd) and the Standard Webhooks reference library.

use std::process::Stdio;

use serde_json::{Value, json};
use starcrm_api::messaging::email::{SmtpSettings, TlsMode};
use starcrm_e2e::receiver::Received;
use tokio::io::AsyncWriteExt;

pub use starcrm_e2e::smtp::SmtpServer;
use starcrm_e2e::smtp::python;

/// The server's address as the api's SMTP settings.
pub trait SmtpSettingsOf {
    fn settings(&self) -> SmtpSettings;
}

impl SmtpSettingsOf for SmtpServer {
    fn settings(&self) -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".to_owned(),
            port: self.port,
            tls: TlsMode::None,
            username: None,
            password: None,
            from: "星辰茶庄 <service@starcrm.test>".to_owned(),
        }
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
