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

/// An error from the API, with what the error view shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
    /// The input field the error is about (`BAD_USER_INPUT`).
    pub field: Option<String>,
    /// Quote this to support: it finds the server's log entry.
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn network(message: String) -> Self {
        Self { kind: ErrorKind::Network, message, field: None, request_id: None }
    }

    pub fn invalid_response(message: String) -> Self {
        Self { kind: ErrorKind::InvalidResponse, message, field: None, request_id: None }
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
            request_id: ext.request_id.or(header_request_id),
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
    request_id: Option<String>,
}
