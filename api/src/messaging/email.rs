//! Email over SMTP with lettre: plain text and, when given, an HTML alternative; UTF-8 headers
//! (Chinese names and subjects encoded as the standard says); a Message-ID of our own so a bounce
//! or a complaint can be matched to its message. Failures are told apart as the sender needs for
//! retries: an address we must not retry, a server that refused the message for good, and a
//! temporary failure (connection, timeout, 4xx) worth another try.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    /// Plain SMTP (a relay on the same host or network only).
    None,
    /// Plain, upgraded with STARTTLS before anything is sent (port 587); refused without it.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// The business's SMTP server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `"星辰茶庄 <service@example.com>"` or a bare address.
    pub from: String,
}

/// One email to one customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Why an email was not sent.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// A sender or recipient address that cannot be used (never retried).
    #[error("{field} is not a usable email address")]
    Address { field: &'static str },
    /// The server refused the message for good (5xx): not retried, recorded as failed.
    #[error("refused by the mail server: {reason}")]
    Refused { reason: String },
    /// Connection, TLS, timeout or a 4xx answer: worth another try later.
    #[error("temporary failure: {reason}")]
    Temporary { reason: String },
}

/// Whether `text` is a mailbox a message can come from (`星辰茶庄 <service@example.com>` or a bare
/// address).
pub fn is_mailbox(text: &str) -> bool {
    text.parse::<Mailbox>().is_ok()
}

/// How long one SMTP conversation may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Sends `email`; returns the Message-ID it carries (`<uuid@starcrm>`).
///
/// # Errors
/// See [`SendError`].
pub async fn send(settings: &SmtpSettings, email: &Email) -> Result<String, SendError> {
    let from: Mailbox = settings.from.parse().map_err(|_| SendError::Address { field: "from" })?;
    let address = email.to.parse().map_err(|_| SendError::Address { field: "to" })?;
    let to = Mailbox::new(email.to_name.clone().filter(|n| !n.trim().is_empty()), address);
    let message_id = format!("<{}@starcrm>", Uuid::now_v7().simple());
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(message_id.clone()));
    let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone());
    let message = match &email.html {
        Some(html) => builder.multipart(
            MultiPart::alternative()
                .singlepart(text)
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone())),
        ),
        None => builder.singlepart(text),
    }
    .map_err(|e| SendError::Refused { reason: format!("could not build the message: {e}") })?;

    let transport = transport(settings)?;
    match transport.send(message).await {
        Ok(_) => Ok(message_id),
        Err(e) if e.is_permanent() => Err(SendError::Refused { reason: e.to_string() }),
        Err(e) => Err(SendError::Temporary { reason: e.to_string() }),
    }
}

fn transport(settings: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
    let temporary = |e: lettre::transport::smtp::Error| SendError::Temporary { reason: e.to_string() };
    let builder = match settings.tls {
        TlsMode::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
        TlsMode::StartTls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host).map_err(temporary)?
        }
        TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(temporary)?,
    };
    let mut builder = builder.port(settings.port).timeout(Some(TIMEOUT));
    if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}
