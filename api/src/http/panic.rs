//! A panic in a handler must not kill the connection silently: it becomes a 500 in the API's
//! error shape, carrying the request id, and a log line with the panic message.

use std::panic::AssertUnwindSafe;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use starcrm_shared::ErrorCode;

use super::request_id::RequestId;

pub async fn catch_panic(request: Request, next: Next) -> Response {
    let request_id = request.extensions().get::<RequestId>().cloned().unwrap_or_default();
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %message, "handler panicked");
            let body = serde_json::json!({
                "errors": [{
                    "message": "internal error",
                    "extensions": { "code": ErrorCode::Internal.as_str(), "requestId": request_id.as_str() },
                }]
            });
            (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
        }
    }
}
