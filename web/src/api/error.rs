use serde::Deserialize;
use starcrm_shared::ErrorCode;

/// What went wrong with a request, as the UI needs to know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server answered with this error code.
    Server(ErrorCode),
    /// The server could not be reached (offline, server down, proxy error).
    Network,
    /// The server answered something this app does not understand (often: the app is older than
    /// the server; a reload fixes it).
    InvalidResponse,
}

/// An error from the API, with what the error view and forms show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
    /// The input field the error is about (`BAD_USER_INPUT`, `CONFLICT`).
    pub field: Option<String>,
    /// Why a value was refused (`TOO_SHORT`, ...; see `shared::validate::Invalid`).
    pub reason: Option<String>,
    /// `TOO_SHORT`/`TOO_LONG`: the length limit.
    pub limit: Option<usize>,
    /// `RATE_LIMITED`: seconds to wait.
    pub retry_after_seconds: Option<u64>,
    /// Quote this to support: it finds the server's log entry.
    pub request_id: Option<String>,
    /// Sign-in: the workspaces the password opens, when it opens several (`field` is
    /// `workspaceId`).
    pub workspaces: Vec<WorkspaceChoice>,
}

/// A workspace to sign in to.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct WorkspaceChoice {
    pub id: String,
    pub name: String,
}

impl ApiError {
    fn new(kind: ErrorKind, message: String) -> Self {
        Self {
            kind,
            message,
            field: None,
            reason: None,
            limit: None,
            retry_after_seconds: None,
            request_id: None,
            workspaces: Vec::new(),
        }
    }

    pub fn network(message: String) -> Self {
        Self::new(ErrorKind::Network, message)
    }

    pub fn invalid_response(message: String) -> Self {
        Self::new(ErrorKind::InvalidResponse, message)
    }

    pub fn is(&self, code: ErrorCode) -> bool {
        self.kind == ErrorKind::Server(code)
    }

    pub fn is_unauthenticated(&self) -> bool {
        self.is(ErrorCode::Unauthenticated)
    }

    /// Whether this error is about `field` (for showing it next to that input).
    pub fn concerns(&self, field: &str) -> bool {
        self.field.as_deref() == Some(field)
    }

    /// The validation rule the server said the value broke, if it said.
    pub fn invalid(&self) -> Option<starcrm_shared::validate::Invalid> {
        self.reason.as_deref().and_then(|code| starcrm_shared::validate::Invalid::from_code(code, self.limit))
    }

    /// An error the app makes up itself (a forbidden page), in the same shape.
    pub fn local(code: ErrorCode) -> Self {
        Self::new(ErrorKind::Server(code), String::new())
    }

    pub(super) fn from_graphql(err: GraphqlError, header_request_id: Option<String>) -> Self {
        let ext = err.extensions.unwrap_or_default();
        let kind = ext
            .code
            .as_deref()
            .and_then(ErrorCode::parse)
            .map_or(ErrorKind::InvalidResponse, ErrorKind::Server);
        Self {
            kind,
            message: err.message,
            field: ext.field,
            reason: ext.reason,
            limit: ext.limit,
            retry_after_seconds: ext.retry_after_seconds,
            request_id: ext.request_id.or(header_request_id),
            workspaces: ext.workspaces,
        }
    }
}

#[derive(Deserialize)]
pub(super) struct GraphqlError {
    message: String,
    extensions: Option<Extensions>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Extensions {
    code: Option<String>,
    field: Option<String>,
    reason: Option<String>,
    limit: Option<usize>,
    retry_after_seconds: Option<u64>,
    request_id: Option<String>,
    #[serde(default)]
    workspaces: Vec<WorkspaceChoice>,
}
