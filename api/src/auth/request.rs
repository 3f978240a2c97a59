//! From an HTTP request to a verified caller.

use std::net::SocketAddr;

use axum::http::{HeaderMap, header};
use sea_orm::DatabaseConnection;

use super::scope::Scope;
use super::tokens::API_TOKEN_PREFIX;
use super::{Auth, REFRESH_COOKIE, sessions};
use crate::api_tokens;
use crate::config::{CookieSecure, Settings};
use crate::error::AppError;
use crate::http::request_id::RequestId;

/// The verified caller of a GraphQL request; `None` when no credentials were sent.
#[derive(Clone, Debug)]
pub struct Caller(pub Option<Scope>);

/// Where a request came from, for audit entries, rate limits and cookies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The refresh token from the browser's cookie, if any.
    pub refresh_cookie: Option<String>,
    /// Mark cookies Secure (HTTPS only).
    pub secure_cookies: bool,
}

impl RequestMeta {
    pub fn from_request(
        headers: &HeaderMap,
        peer: Option<SocketAddr>,
        request_id: &RequestId,
        settings: &Settings,
    ) -> Self {
        let forwarded = || {
            headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(|ip| ip.trim().to_owned())
                .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
        };
        let ip = if settings.trust_proxy { forwarded() } else { None }
            .or_else(|| peer.map(|p| p.ip().to_string()));
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(200).collect());
        let refresh_cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|c| c.name() == REFRESH_COOKIE)
            .map(|c| c.value().to_owned());
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let secure_cookies = match settings.cookie_secure {
            CookieSecure::Always => true,
            CookieSecure::Never => false,
            CookieSecure::Auto => !is_localhost(host),
        };
        Self {
            request_id: Some(request_id.as_str().to_owned()),
            ip,
            user_agent,
            refresh_cookie,
            secure_cookies,
        }
    }
}

fn is_localhost(host: &str) -> bool {
    let name = if host.starts_with('[') {
        host.split(']').next().map_or(host, |h| h.trim_start_matches('['))
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1")
}

/// The caller the `Authorization` header proves, if any.
///
/// # Errors
/// `UNAUTHENTICATED` for credentials that are malformed, expired, revoked or unknown: a bad
/// token is an error, never a silent downgrade to anonymous.
pub async fn authenticate(
    db: &DatabaseConnection,
    auth: &Auth,
    headers: &HeaderMap,
    meta: &RequestMeta,
) -> Result<Option<Scope>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let token = value.to_str().ok().and_then(bearer).ok_or(AppError::Unauthenticated)?;
    authenticate_token(db, auth, token, meta).await.map(Some)
}

/// The token in `Bearer <token>` (either case of "bearer"), if there is one.
pub fn bearer(value: &str) -> Option<&str> {
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The caller a token (an access token or an API token) stands for.
///
/// # Errors
/// `UNAUTHENTICATED` for a token that is not valid now.
pub async fn authenticate_token(
    db: &DatabaseConnection,
    auth: &Auth,
    token: &str,
    meta: &RequestMeta,
) -> Result<Scope, AppError> {
    if token.starts_with(API_TOKEN_PREFIX) {
        api_tokens::service::authenticate(db, token, meta).await
    } else {
        let claims = auth.keys.verify(token)?;
        sessions::scope_for_access_token(db, &claims, meta).await
    }
}

#[cfg(test)]
mod tests {
    use super::is_localhost;

    #[test]
    fn localhost_is_recognised_with_and_without_ports() {
        for host in ["localhost", "localhost:8080", "127.0.0.1:8080", "[::1]:8080", "[::1]"] {
            assert!(is_localhost(host), "{host}");
        }
        for host in ["crm.example.com", "10.0.0.5:8080", "localhost.evil.com", ""] {
            assert!(!is_localhost(host), "{host}");
        }
    }
}
