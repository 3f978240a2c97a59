//! The one error type of the API. Every variant maps to an `ErrorCode` that clients branch on;
//! internal errors are logged with their cause and shown to clients only as `INTERNAL`.

use async_graphql::ErrorExtensions;
use starcrm_shared::ErrorCode;
use starcrm_shared::validate::Invalid;

/// An error a resolver or service returns. Resolvers convert it with `.extend()`: a bare `?` would
/// go through async-graphql's blanket `From<Display>` and lose the code (the handler then reports
/// it as `INTERNAL`).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// `BAD_USER_INPUT`: an input value breaks a rule; `field` names it (camelCase, as in the schema).
    #[error("{field}: {message}")]
    BadUserInput { field: String, message: String },
    /// `BAD_USER_INPUT` from a shared validation rule: `field` and `reason` say what and why.
    #[error("{field} {}", reason.message())]
    Invalid { field: String, reason: Invalid },
    /// `BAD_USER_INPUT` on `workspaceId`: the password opens accounts in several workspaces; the
    /// client asks which (`extensions.workspaces`: id and name of each).
    #[error("workspaceId: this email signs in to several workspaces; choose one")]
    ChooseWorkspace { workspaces: Vec<(uuid::Uuid, String)> },
    /// `UNAUTHENTICATED`: no valid credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// `UNAUTHENTICATED` for a failed sign-in: one message whatever was wrong.
    #[error("invalid email or password")]
    BadCredentials,
    /// `FORBIDDEN`: the caller lacks `permission` (named when that is the reason), or acts above
    /// its role.
    #[error("not allowed: {reason}")]
    Forbidden { permission: Option<String>, reason: String },
    /// `NOT_FOUND`: no such `entity` in the caller's workspace.
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// `CONFLICT`: a stale version or a duplicate; `field` names the duplicate value, if any.
    #[error("{message}")]
    Conflict { field: Option<String>, message: String },
    /// `RATE_LIMITED`: retry after the given number of seconds.
    #[error("too many requests, retry in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: u64 },
    /// `UNAVAILABLE`: a part the request needs (the search index) does not answer now.
    #[error("{what} is unavailable right now; try again shortly")]
    Unavailable { what: &'static str },
    /// `INTERNAL`: anything else. The cause is logged, never sent to the client.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput { field: field.into(), message: message.into() }
    }

    /// `BAD_USER_INPUT` for a value a `shared::validate` rule refused; the reason code goes in
    /// `extensions.reason` so clients can translate it.
    pub fn invalid(field: &str, reason: Invalid) -> Self {
        Self::Invalid { field: field.to_owned(), reason }
    }

    pub const fn bad_credentials() -> Self {
        Self::BadCredentials
    }

    /// `FORBIDDEN` for lacking a permission.
    pub fn missing_permission(permission: starcrm_shared::Permission) -> Self {
        Self::Forbidden {
            permission: Some(permission.as_str().to_owned()),
            reason: format!("missing permission {permission}"),
        }
    }

    /// `FORBIDDEN` for a reason other than a missing permission (acting above one's role, a closed
    /// sign-up...).
    pub fn forbidden(reason: impl Into<String>) -> Self {
        Self::Forbidden { permission: None, reason: reason.into() }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict { field: None, message: message.into() }
    }

    /// `CONFLICT` for an update that names a version other than the current one.
    pub fn stale(entity: &str) -> Self {
        Self::Conflict {
            field: Some("version".to_owned()),
            message: format!("the {entity} was changed by someone else; reload it and try again"),
        }
    }

    /// Maps a unique-constraint violation to `CONFLICT` on `field`; other errors stay internal.
    pub fn unique_or_internal(err: sea_orm::DbErr, field: &str, message: &str) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict { field: Some(field.to_owned()), message: message.to_owned() }
            }
            _ => Self::internal(err),
        }
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }

    /// The machine-readable code clients see in `extensions.code`.
    pub const fn code(&self) -> ErrorCode {
        match self {
            Self::BadUserInput { .. } | Self::Invalid { .. } | Self::ChooseWorkspace { .. } => {
                ErrorCode::BadUserInput
            }
            Self::Unauthenticated | Self::BadCredentials => ErrorCode::Unauthenticated,
            Self::Forbidden { .. } => ErrorCode::Forbidden,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Unavailable { .. } => ErrorCode::Unavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::internal(err)
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(cause) = self {
            // The request id is attached to the log line by the request span.
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        async_graphql::Error::new(self.to_string()).extend_with(|_, ext| {
            ext.set("code", self.code().as_str());
            match self {
                Self::BadUserInput { field, .. } | Self::Conflict { field: Some(field), .. } => {
                    ext.set("field", field.as_str());
                }
                Self::Invalid { field, reason } => {
                    ext.set("field", field.as_str());
                    ext.set("reason", reason.code());
                    if let Some(limit) = reason.limit() {
                        ext.set("limit", limit);
                    }
                }
                Self::Forbidden { permission: Some(permission), .. } => {
                    ext.set("permission", permission.as_str());
                }
                Self::RateLimited { retry_after_seconds } => {
                    ext.set("retryAfterSeconds", *retry_after_seconds);
                }
                Self::ChooseWorkspace { workspaces } => {
                    ext.set("field", "workspaceId");
                    let list: Vec<async_graphql::Value> = workspaces
                        .iter()
                        .map(|(id, name)| {
                            let mut item = async_graphql::indexmap::IndexMap::new();
                            item.insert(
                                async_graphql::Name::new("id"),
                                async_graphql::Value::from(id.to_string()),
                            );
                            item.insert(
                                async_graphql::Name::new("name"),
                                async_graphql::Value::from(name.as_str()),
                            );
                            async_graphql::Value::Object(item)
                        })
                        .collect();
                    ext.set("workspaces", list);
                }
                _ => {}
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{ErrorExtensions, Value};
    use starcrm_shared::Permission;
    use starcrm_shared::validate::Invalid;

    use super::AppError;

    fn extension(err: &AppError, key: &str) -> Option<Value> {
        err.extend().extensions.and_then(|ext| ext.get(key).cloned())
    }

    #[test]
    fn every_variant_carries_its_code() {
        let cases = [
            (AppError::bad_input("phone", "not a phone number"), "BAD_USER_INPUT"),
            (AppError::invalid("password", Invalid::TooShort { min: 10 }), "BAD_USER_INPUT"),
            (AppError::Unauthenticated, "UNAUTHENTICATED"),
            (AppError::bad_credentials(), "UNAUTHENTICATED"),
            (AppError::missing_permission(Permission::CustomersWrite), "FORBIDDEN"),
            (AppError::NotFound { entity: "customer" }, "NOT_FOUND"),
            (AppError::stale("user"), "CONFLICT"),
            (AppError::RateLimited { retry_after_seconds: 3 }, "RATE_LIMITED"),
            (AppError::internal(anyhow::anyhow!("disk on fire")), "INTERNAL"),
        ];
        for (err, code) in cases {
            assert_eq!(extension(&err, "code"), Some(Value::from(code)), "{err:?}");
        }
    }

    #[test]
    fn errors_name_what_clients_need_and_hide_internals() {
        let err = AppError::bad_input("email", "not an email address");
        assert_eq!(extension(&err, "field"), Some(Value::from("email")));
        let err = AppError::invalid("password", Invalid::CommonPassword);
        assert_eq!(extension(&err, "reason"), Some(Value::from("COMMON_PASSWORD")));
        assert_eq!(
            extension(&AppError::missing_permission(Permission::AuditRead), "permission"),
            Some(Value::from("audit:read"))
        );
        assert_eq!(
            extension(&AppError::RateLimited { retry_after_seconds: 7 }, "retryAfterSeconds"),
            Some(Value::from(7))
        );
        assert_eq!(extension(&AppError::stale("user"), "field"), Some(Value::from("version")));

        let err = AppError::internal(anyhow::anyhow!("password=hunter2 rejected by db"));
        assert_eq!(err.extend().message, "internal error");
    }
}
