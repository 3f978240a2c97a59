//! Access tokens: short-lived JWTs signed with HS256. Verification accepts exactly that
//! algorithm (no `none`, no RSA/HMAC confusion) and checks `exp`, `iss` and `aud`.

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ACCESS_TOKEN_TTL;
use crate::entities::server_secret;
use crate::error::AppError;

pub const ISSUER: &str = "starcrm";
pub const AUDIENCE: &str = "starcrm-api";
/// The audience of member tokens: a business's app acting for one of its customers.
pub const MEMBER_AUDIENCE: &str = "member";
const ALGORITHM: Algorithm = Algorithm::HS256;
const SECRET_NAME: &str = "jwt_hs256_key";

/// What an access token says. The server trusts it only after checking the session and user
/// are still active (so revocation and role changes apply at once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The user.
    pub sub: Uuid,
    /// The user's workspace.
    pub ws: Uuid,
    /// The user's role when the token was issued (for clients; the server reads the current one).
    pub role: String,
    /// The session (refresh-token family).
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
}

/// What a member token says: one customer of one workspace, for a few minutes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberClaims {
    pub iss: String,
    pub aud: String,
    /// The customer.
    pub sub: Uuid,
    pub ws: Uuid,
    /// This token (for the audit log).
    pub jti: Uuid,
    pub iat: i64,
    pub exp: i64,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    member_validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(ALGORITHM);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        let mut member_validation = validation.clone();
        member_validation.set_audience(&[MEMBER_AUDIENCE]);
        member_validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "jti"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            member_validation,
        }
    }

    /// Signs an access token for `user` in `session`.
    ///
    /// # Errors
    /// Signing failed (a bug).
    pub fn issue(
        &self,
        user: Uuid,
        workspace: Uuid,
        role: &str,
        session: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), AppError> {
        let expires = now + ACCESS_TOKEN_TTL;
        let claims = AccessClaims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: user,
            ws: workspace,
            role: role.to_owned(),
            sid: session,
            iat: now.timestamp(),
            exp: expires.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(AppError::internal)?;
        Ok((token, expires))
    }

    /// Signs a member token for `customer` of `workspace`, valid until `expires`.
    ///
    /// # Errors
    /// Signing failed (a bug).
    pub fn issue_member(
        &self,
        customer: Uuid,
        workspace: Uuid,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<(String, MemberClaims), AppError> {
        let claims = MemberClaims {
            iss: ISSUER.to_owned(),
            aud: MEMBER_AUDIENCE.to_owned(),
            sub: customer,
            ws: workspace,
            jti: Uuid::now_v7(),
            iat: now.timestamp(),
            exp: expires.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(AppError::internal)?;
        Ok((token, claims))
    }

    /// The claims of a valid, unexpired member token; `None` for anything else (a staff token
    /// among them: its audience differs).
    pub fn verify_member(&self, token: &str) -> Option<MemberClaims> {
        jsonwebtoken::decode::<MemberClaims>(token, &self.decoding, &self.member_validation)
            .map(|data| data.claims)
            .ok()
    }

    /// # Errors
    /// `UNAUTHENTICATED` for anything but a valid, unexpired HS256 token of ours.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, AppError> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| {
                tracing::debug!(error = %err, "access token refused");
                AppError::Unauthenticated
            })
    }
}

/// The HS256 key: `STARCRM_JWT_SECRET` when set, otherwise one generated on first start and
/// kept in the database so that every replica signs and verifies with the same key.
///
/// # Errors
/// A configured secret under 32 bytes, or the database failed.
pub async fn signing_secret(db: &DatabaseConnection, configured: Option<&str>) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = configured.filter(|s| !s.is_empty()) {
        if secret.len() < 32 {
            bail!("STARCRM_JWT_SECRET must be at least 32 characters");
        }
        return Ok(secret.as_bytes().to_vec());
    }
    if let Some(row) = server_secret::Entity::find_by_id(SECRET_NAME).one(db).await? {
        return STANDARD.decode(row.value).context("stored JWT key is not base64");
    }
    let mut key = [0u8; 64];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("random source failed: {e}"))?;
    let created = server_secret::ActiveModel {
        name: Set(SECRET_NAME.to_owned()),
        value: Set(STANDARD.encode(key)),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await;
    if created.is_ok() {
        return Ok(key.to_vec());
    }
    // Another replica created it first: use theirs.
    let row = server_secret::Entity::find_by_id(SECRET_NAME).one(db).await?.context("JWT key vanished")?;
    STANDARD.decode(row.value).context("stored JWT key is not base64")
}
