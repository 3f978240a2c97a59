//! Accounts and access: the shapes the API returns for the viewer, users, API tokens and the
//! audit log, as the SPA deserialises them (the api has its own GraphQL types, which the SPA's
//! operations are tested against).

use serde::{Deserialize, Serialize};

use crate::permissions::{Permission, Role};

/// Whether an account can sign in.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    Active,
    /// Cannot sign in; all sessions ended. Can be reactivated.
    Deactivated,
}

impl UserStatus {
    /// The stored form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deactivated => "deactivated",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Active, Self::Deactivated].into_iter().find(|s| s.as_str() == value)
    }
}

/// Who did something.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActorKind {
    /// A staff member, signed in.
    User,
    /// An integration, with an API token.
    ApiToken,
    /// The server itself (command line, scheduled jobs).
    System,
}

impl ActorKind {
    /// The stored form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::ApiToken => "api_token",
            Self::System => "system",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::User, Self::ApiToken, Self::System].into_iter().find(|s| s.as_str() == value)
    }
}

#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiTokenStatus {
    Active,
    Expired,
    Revoked,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceInfo {
    pub id: String,
    pub name: String,
    pub timezone: String,
    pub currency: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    pub id: String,
    pub email: String,
    pub name: String,
    /// Masked unless revealed by a caller with `pii:read`.
    pub phone: Option<String>,
    pub role: Role,
    pub status: UserStatus,
    pub last_login_at: Option<String>,
    pub created_at: String,
    pub version: i32,
}

/// The signed-in caller and what it may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Viewer {
    pub actor: ActorKind,
    pub workspace: WorkspaceInfo,
    pub user: Option<UserInfo>,
    pub role: Option<Role>,
    /// Wire forms (`customers:read`); unknown ones (from a newer server) are ignored.
    pub permissions: Vec<String>,
}

impl Viewer {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.iter().any(|p| p == permission.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthPayload {
    pub access_token: String,
    pub access_token_expires_at: String,
    /// Only when the client asked for it (mobile apps); browsers get an httpOnly cookie.
    pub refresh_token: Option<String>,
    pub viewer: Viewer,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiTokenInfo {
    pub id: String,
    pub name: String,
    /// The start of the secret, to recognise it (`scrm_4fK2x9Qa`).
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_by: Option<UserRef>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub status: ApiTokenStatus,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryInfo {
    pub id: String,
    pub at: String,
    pub actor_kind: ActorKind,
    pub actor_name: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// JSON object of changed fields (secrets never, personal data masked).
    pub changes: Option<String>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// One page of a Relay connection, as the SPA reads it (`nodes` rather than `edges`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub nodes: Vec<T>,
    pub page_info: PageInfo,
    pub total_count: u64,
}
