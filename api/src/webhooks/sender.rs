//! The HTTP side of a delivery: one signed POST, at most [`TIMEOUT`], reading at most
//! [`EXCERPT_BYTES`] of the answer. HTTPS through rustls with Mozilla's root certificates;
//! redirects are not followed (a redirect could point at a private address) and no proxy is used.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::guard::{self, GuardedResolver};

/// A delivery that has not answered by then counts as failed.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How much of a response body the delivery log keeps.
pub const EXCERPT_BYTES: usize = 1024;

type Https = hyper_rustls::HttpsConnector<HttpConnector<GuardedResolver>>;

/// Sends webhook requests; cheap to clone (one connection pool).
#[derive(Clone)]
pub struct Sender {
    client: Client<Https, Full<Bytes>>,
    allow_private: bool,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("allow_private", &self.allow_private).finish_non_exhaustive()
    }
}

/// A signed request to make.
#[derive(Debug)]
pub struct Request<'a> {
    pub url: &'a str,
    pub id: &'a str,
    pub timestamp: i64,
    pub signature: &'a str,
    pub body: &'a str,
}

/// What came of it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Option<u16>,
    pub excerpt: Option<String>,
    pub error: Option<String>,
    pub duration: Duration,
}

impl Outcome {
    /// A 2xx answer within the time limit.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

impl Sender {
    /// # Errors
    /// The TLS setup failed (no usable crypto provider).
    pub fn new(allow_private: bool) -> anyhow::Result<Self> {
        let mut http = HttpConnector::new_with_resolver(GuardedResolver { allow_private });
        http.enforce_http(false);
        http.set_connect_timeout(Some(Duration::from_secs(5)));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(4)
            .build(https);
        Ok(Self { client, allow_private })
    }

    pub fn allow_private(&self) -> bool {
        self.allow_private
    }

    /// POSTs the request; never fails, the outcome says what happened.
    pub async fn send(&self, request: &Request<'_>) -> Outcome {
        let started = Instant::now();
        let result = match guard::check_url(request.url, self.allow_private) {
            Err(refused) => Err(format!("refused: {refused}")),
            Ok(_) => match tokio::time::timeout(TIMEOUT, self.post(request)).await {
                Ok(result) => result,
                Err(_) => Err(format!("no answer within {} s", TIMEOUT.as_secs())),
            },
        };
        let duration = started.elapsed();
        match result {
            Ok((status, excerpt)) => {
                Outcome { status: Some(status), excerpt: Some(excerpt), error: None, duration }
            }
            Err(error) => Outcome { status: None, excerpt: None, error: Some(error), duration },
        }
    }

    async fn post(&self, request: &Request<'_>) -> Result<(u16, String), String> {
        let outgoing = http::Request::post(request.url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::USER_AGENT, concat!("StarCRM-Webhooks/", env!("CARGO_PKG_VERSION")))
            .header("webhook-id", request.id)
            .header("webhook-timestamp", request.timestamp.to_string())
            .header("webhook-signature", request.signature)
            .body(Full::new(Bytes::copy_from_slice(request.body.as_bytes())))
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let response = self.client.request(outgoing).await.map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        let mut excerpt = Vec::new();
        while excerpt.len() < EXCERPT_BYTES {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        excerpt.extend_from_slice(data);
                    }
                }
                // The status is what counts; a body cut short is still an answer.
                Some(Err(_)) | None => break,
            }
        }
        excerpt.truncate(EXCERPT_BYTES);
        Ok((status, String::from_utf8_lossy(&excerpt).into_owned()))
    }
}

/// The error and its causes, outermost first, without repeats ("client error (Connect): ...").
fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}
