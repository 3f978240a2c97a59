//! One middleware for what every request reports: a tracing span carrying the request id, a log
//! line when it finishes, and the Prometheus metrics.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::request_id::RequestId;
use crate::state::AppState;

/// Paths polled by machines: logged at debug level so they do not drown the real traffic.
const QUIET_PATHS: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let request_id = request.extensions().get::<RequestId>().cloned().unwrap_or_default();
    let method = request.method().clone();
    // Any token is a valid HTTP method; labelling metrics with what clients invent would let
    // them grow the metrics without bound.
    let method_label = match method {
        Method::GET
        | Method::POST
        | Method::HEAD
        | Method::OPTIONS
        | Method::PUT
        | Method::PATCH
        | Method::DELETE => method.as_str(),
        _ => "OTHER",
    };
    let path = request.uri().path().to_owned();
    // The route template, not the raw path, labels metrics: raw paths would explode cardinality.
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "spa".to_owned(), |m| m.as_str().to_owned());

    let span = tracing::info_span!("request", request_id = request_id.as_str(), %method, %path);
    let started = Instant::now();
    let _in_flight = state.metrics.start_request();
    let response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.finish_request(method_label, &route, status, elapsed);

    let _enter = span.enter();
    let millis = elapsed.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(status, millis, "request failed");
    } else if QUIET_PATHS.contains(&path.as_str()) {
        tracing::debug!(status, millis, "request finished");
    } else {
        tracing::info!(status, millis, "request finished");
    }
    response
}
