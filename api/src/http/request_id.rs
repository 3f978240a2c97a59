//! A request id on every request: taken from a well-formed incoming `x-request-id` (so a load
//! balancer's id carries through) or generated (UUIDv7), put in the request's extensions for
//! logs and GraphQL errors, and returned in the response's `x-request-id` header.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(Arc<str>);

impl RequestId {
    pub fn new() -> Self {
        Self(uuid::Uuid::now_v7().to_string().into())
    }

    /// Accepts a client-supplied id only if it is short and plain, so it cannot flood or forge
    /// log lines.
    pub fn parse(value: &str) -> Option<Self> {
        let ok = (1..=64).contains(&value.len())
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        ok.then(|| Self(value.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .and_then(RequestId::parse)
        .unwrap_or_default();
    request.extensions_mut().insert(id.clone());
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::RequestId;

    #[test]
    fn parse_accepts_plain_ids_and_refuses_the_rest() {
        assert!(RequestId::parse("lb-7f3a2c.1").is_some());
        assert!(RequestId::parse("").is_none());
        assert!(RequestId::parse(&"a".repeat(65)).is_none());
        assert!(RequestId::parse("x\" forged=1").is_none());
        assert_ne!(RequestId::new(), RequestId::new());
    }
}
