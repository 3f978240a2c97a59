//! Email to customers, sent over SMTP to a real SMTP server (aiosmtpd from the Python Package Index, which
//! scripts/test installs) and read back with Python's standard email parser, as a mail client
//! would read it.

mod common;

use common::python::{SmtpServer, SmtpSettingsOf};
use starcrm_api::messaging::email::{self, Email, SendError, SmtpSettings};

#[tokio::test]
async fn an_email_reaches_a_real_smtp_server_with_its_chinese_subject_and_both_bodies() -> anyhow::Result<()>
{
    let server = SmtpServer::start().await?;
    let mail = Email {
        to: "li.na@example.com".to_owned(),
        to_name: Some("李娜".to_owned()),
        subject: "您对本次服务满意吗？".to_owned(),
        text: "李娜您好，请为本次服务打分：https://crm.example.com/s/abc123".to_owned(),
        html: Some(
            "<p>李娜您好，<a href=\"https://crm.example.com/s/abc123\">请为本次服务打分</a></p>".to_owned(),
        ),
    };
    let id = email::send(&server.settings(), &mail).await?;
    assert!(id.starts_with('<') && id.ends_with("@starcrm>"), "{id}");
    let got = server.received().await?;
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    assert_eq!(m["subject"], "您对本次服务满意吗？");
    assert_eq!(m["to"], "李娜 <li.na@example.com>");
    assert_eq!(m["from"], "星辰茶庄 <service@starcrm.test>");
    assert_eq!(m["messageId"], id.as_str());
    assert_eq!(m["plain"].as_str().map(str::trim_end), Some(mail.text.as_str()));
    assert!(
        m["html"].as_str().is_some_and(|h| h.contains("href=\"https://crm.example.com/s/abc123\"")),
        "{m}"
    );

    // Plain text only, no name.
    let bare = Email { to_name: None, html: None, ..mail };
    email::send(&server.settings(), &bare).await?;
    let got = server.received().await?;
    let plain = got.iter().find(|m| m["html"].is_null()).ok_or_else(|| anyhow::anyhow!("{got:?}"))?;
    assert_eq!(plain["to"], "li.na@example.com");
    Ok(())
}

#[tokio::test]
async fn bad_addresses_are_refused_before_sending_and_a_dead_server_is_worth_a_retry() -> anyhow::Result<()> {
    let server = SmtpServer::start().await?;
    let mail = Email {
        to: "not an address".to_owned(),
        to_name: None,
        subject: "Hello".to_owned(),
        text: "Hello".to_owned(),
        html: None,
    };
    assert_eq!(email::send(&server.settings(), &mail).await, Err(SendError::Address { field: "to" }));
    let wrong_from = SmtpSettings { from: "nobody".to_owned(), ..server.settings() };
    let good = Email { to: "a@example.com".to_owned(), ..mail };
    assert_eq!(email::send(&wrong_from, &good).await, Err(SendError::Address { field: "from" }));
    assert!(server.received().await?.is_empty(), "nothing was sent");

    // Nothing listens: a temporary failure, to be tried again.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let dead = SmtpSettings { port: closed, ..server.settings() };
    let failed = email::send(&dead, &good).await;
    assert!(matches!(failed, Err(SendError::Temporary { .. })), "{failed:?}");
    Ok(())
}
