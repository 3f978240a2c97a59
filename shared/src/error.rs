//! Machine-readable error codes carried in `errors[].extensions.code` of every GraphQL error.
//!
//! Clients (the SPA, mobile apps, integrators) branch on these codes, never on message text.

use serde::{Deserialize, Serialize};

/// The code of a GraphQL error, as sent in `extensions.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The request is not a valid GraphQL operation for this schema (parse, validation or limits).
    BadRequest,
    /// An input value is invalid; `extensions.field` names the offending field.
    BadUserInput,
    /// No valid credentials were presented.
    Unauthenticated,
    /// The caller is known but lacks the permission for this operation.
    Forbidden,
    /// The object does not exist in the caller's workspace.
    NotFound,
    /// The write lost a race (stale version, duplicate key); reload and retry.
    Conflict,
    /// Too many requests; `extensions.retryAfterSeconds` says when to retry.
    RateLimited,
    /// A part the request needs (the search index) is down for now; retry shortly. Writes never
    /// fail for this reason.
    Unavailable,
    /// Something failed on the server; the request id in the error identifies the log entry.
    Internal,
}

impl ErrorCode {
    /// Every code, for exhaustive tests and documentation.
    pub const ALL: [Self; 9] = [
        Self::BadRequest,
        Self::BadUserInput,
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NotFound,
        Self::Conflict,
        Self::RateLimited,
        Self::Unavailable,
        Self::Internal,
    ];

    /// The wire form of the code, e.g. `BAD_USER_INPUT`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BAD_REQUEST",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }

    /// Parses the wire form; `None` for a code this build does not know.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn wire_form_round_trips_through_serde_and_parse() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).expect("serialise");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).expect("deserialise"), code);
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("NOPE"), None);
    }
}
