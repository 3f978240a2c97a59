//! Files to download behind links that expire: an import's refused rows, and exports. A link is
//! asked for through GraphQL (where the caller's permissions are checked and the request is
//! audited) and fetched with a plain GET (a browser download, `curl -O`): the link's random
//! secret is the only credential, valid for [`LINK_TTL`], stored only as a hash.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Scope;
use crate::auth::tokens;
use crate::entities::download_link;
use crate::error::AppError;

/// How long a link works.
pub const LINK_TTL: Duration = Duration::minutes(15);

/// Download links start with this.
const PREFIX: &str = "dl_";

/// The path a link's secret is fetched under.
pub const PATH: &str = "/api/downloads";

/// A link handed to the caller.
#[derive(Clone, Debug)]
pub struct Link {
    /// Relative to the server's URL: `/api/downloads/dl_...`.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// What a link gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The rows an import phase refused, as CSV.
    ImportErrors,
    Customers,
    /// Purchases, one row per line.
    Transactions,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ImportErrors => "importErrors",
            Kind::Customers => "customers",
            Kind::Transactions => "transactions",
        }
    }

    pub fn parse(value: &str) -> Option<Kind> {
        [Kind::ImportErrors, Kind::Customers, Kind::Transactions].into_iter().find(|k| k.as_str() == value)
    }
}

/// Stores a new link for `scope`.
///
/// # Errors
/// Database failures.
pub async fn create(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    kind: Kind,
    params: &Value,
    unmasked: bool,
) -> Result<Link, AppError> {
    let secret = tokens::generate(PREFIX)?;
    let now = Utc::now();
    let expires_at = now + LINK_TTL;
    download_link::ActiveModel {
        token_hash: Set(tokens::hash(&secret)),
        workspace_id: Set(scope.workspace_id),
        created_by: Set(scope.user_id()),
        kind: Set(kind.as_str().to_owned()),
        params: Set(params.to_string()),
        unmasked: Set(unmasked),
        expires_at: Set(expires_at),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    // Old links go as new ones are made.
    download_link::Entity::delete_many()
        .filter(download_link::Column::ExpiresAt.lt(now - Duration::days(1)))
        .exec(conn)
        .await?;
    Ok(Link { url: format!("{PATH}/{secret}"), expires_at })
}

/// The live link behind `secret`.
///
/// # Errors
/// `NOT_FOUND` for an unknown, malformed or expired link (one answer for all three).
pub async fn open(
    conn: &impl ConnectionTrait,
    secret: &str,
) -> Result<(download_link::Model, Kind), AppError> {
    let not_found = AppError::NotFound { entity: "download" };
    if !secret.starts_with(PREFIX) || secret.len() > 100 {
        return Err(not_found);
    }
    let link = download_link::Entity::find_by_id(tokens::hash(secret)).one(conn).await?.ok_or(not_found)?;
    if link.expires_at < Utc::now() {
        return Err(AppError::NotFound { entity: "download" });
    }
    let kind =
        Kind::parse(&link.kind).ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown link kind")))?;
    Ok((link, kind))
}

/// The id inside a link's parameters.
pub fn param_id(link: &download_link::Model, key: &str) -> Option<Uuid> {
    serde_json::from_str::<Value>(&link.params).ok()?.get(key)?.as_str()?.parse().ok()
}
