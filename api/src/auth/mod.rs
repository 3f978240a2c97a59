//! Who is calling and what they may do: staff sessions (password login, JWT access tokens,
//! rotating refresh tokens), API tokens for integrators, rate limits, and the `Scope` every
//! service call takes.

pub mod graphql;
pub mod jwt;
pub mod password;
pub mod rate_limit;
mod request;
mod scope;
pub mod sessions;
pub mod tokens;

use std::sync::Arc;

pub use request::{Caller, RequestMeta, authenticate, authenticate_token, bearer};
pub use scope::{Actor, ContextExt, Scope};

use crate::config::Settings;
use jwt::JwtKeys;
use rate_limit::RateLimits;

/// Lifetime of an access token (JWT).
pub const ACCESS_TOKEN_TTL: chrono::Duration = chrono::Duration::minutes(15);
/// A refresh token not used for this long expires (the user signs in again).
pub const REFRESH_TOKEN_TTL: chrono::Duration = chrono::Duration::days(14);
/// A session ends this long after sign-in, however often it is refreshed.
pub const SESSION_MAX_AGE: chrono::Duration = chrono::Duration::days(30);
/// Name of the browser cookie that carries the refresh token.
pub const REFRESH_COOKIE: &str = "starcrm_refresh";

/// Keys, limits and settings the auth code needs, shared by all requests.
pub struct Auth {
    pub keys: JwtKeys,
    pub limits: RateLimits,
    pub signup_open: bool,
}

impl Auth {
    /// Loads (or on first start creates) the signing key.
    ///
    /// # Errors
    /// The key cannot be read or stored, or a configured one is too short.
    pub async fn init(db: &sea_orm::DatabaseConnection, settings: &Settings) -> anyhow::Result<Arc<Self>> {
        let secret = jwt::signing_secret(db, settings.jwt_secret.as_deref()).await?;
        Ok(Arc::new(Self {
            keys: JwtKeys::new(&secret),
            limits: RateLimits::new(settings.api_token_rate, settings.session_rate),
            signup_open: settings.signup == crate::config::Signup::Open,
        }))
    }
}
