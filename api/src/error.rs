//! The one error type of the API. Every variant maps to an `ErrorCode` that clients branch on;
//! internal errors are logged with their cause and shown to clients only as `INTERNAL`.

use async_graphql::ErrorExtensions;
use starcrm_shared::ErrorCode;

/// An error a resolver or service returns. Resolvers convert it with `.extend()`: a bare `?` would
/// go through async-graphql's blanket `From<Display>` and lose the code (the handler then reports
/// it as `INTERNAL`).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// `BAD_USER_INPUT`: an input value breaks a rule; `field` names it (camelCase, as in the schema).
    #[error("{message}")]
    BadUserInput { field: String, message: String },
    /// `UNAUTHENTICATED`: no valid credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// `FORBIDDEN`: the caller lacks `permission`.
    #[error("missing permission {permission}")]
    Forbidden { permission: String },
    /// `NOT_FOUND`: no such `entity` in the caller's workspace.
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// `CONFLICT`: a stale version or a duplicate; the message says which.
    #[error("{0}")]
    Conflict(String),
    /// `RATE_LIMITED`: retry after the given number of seconds.
    #[error("too many requests, retry in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: u64 },
    /// `INTERNAL`: anything else. The cause is logged, never sent to the client.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput { field: field.into(), message: message.into() }
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }

    /// The machine-readable code clients see in `extensions.code`.
    pub const fn code(&self) -> ErrorCode {
        match self {
            Self::BadUserInput { .. } => ErrorCode::BadUserInput,
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::Forbidden { .. } => ErrorCode::Forbidden,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
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
                Self::BadUserInput { field, .. } => ext.set("field", field.as_str()),
                Self::Forbidden { permission } => ext.set("permission", permission.as_str()),
                Self::RateLimited { retry_after_seconds } => {
                    ext.set("retryAfterSeconds", *retry_after_seconds);
                }
                _ => {}
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{ErrorExtensions, Value};

    use super::AppError;

    fn extension(err: &AppError, key: &str) -> Option<Value> {
        err.extend().extensions.and_then(|ext| ext.get(key).cloned())
    }

    #[test]
    fn every_variant_carries_its_code() {
        let cases = [
            (AppError::bad_input("phone", "not a phone number"), "BAD_USER_INPUT"),
            (AppError::Unauthenticated, "UNAUTHENTICATED"),
            (AppError::Forbidden { permission: "customers:write".into() }, "FORBIDDEN"),
            (AppError::NotFound { entity: "customer" }, "NOT_FOUND"),
            (AppError::Conflict("stale version".into()), "CONFLICT"),
            (AppError::RateLimited { retry_after_seconds: 3 }, "RATE_LIMITED"),
            (AppError::internal(anyhow::anyhow!("disk on fire")), "INTERNAL"),
        ];
        for (err, code) in cases {
            assert_eq!(extension(&err, "code"), Some(Value::from(code)), "{err:?}");
        }
    }

    #[test]
    fn bad_input_names_the_field_and_internal_hides_the_cause() {
        let err = AppError::bad_input("email", "not an email address");
        assert_eq!(extension(&err, "field"), Some(Value::from("email")));
        assert_eq!(err.extend().message, "not an email address");

        let err = AppError::internal(anyhow::anyhow!("password=hunter2 rejected by db"));
        assert_eq!(err.extend().message, "internal error");
    }
}
