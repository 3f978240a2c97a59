//! The HTTP surface: one router for GraphQL, health, metrics and the SPA, and the middleware every
//! request passes through.

pub mod health;
pub mod metrics;
mod observe;
mod panic;
pub mod request_id;
pub mod security;
mod static_files;

pub use panic::catch_panic;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::graphql;
use crate::state::AppState;

/// How long one request may take before the server answers 503 itself.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How long an import upload may take.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Largest request body accepted (import uploads aside). The GraphQL extractor reads bodies
/// without a limit of its own.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The whole application as a router, so tests drive exactly what `starcrm serve` serves.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql::graphql_get).post(graphql::graphql))
        .route("/graphql/ws", get(graphql::graphql_ws))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/csp-report", post(metrics::csp_report))
        .route("/api/downloads/{secret}", get(crate::imports::http::download))
        .fallback(static_files::spa)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
        // Import files: streamed to disk, so neither the body limit nor the minute applies.
        .merge(
            Router::new()
                .route("/api/imports", post(crate::imports::http::upload))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, UPLOAD_TIMEOUT)),
        )
        .with_state(state.clone())
        .layer(middleware::from_fn_with_state(state.clone(), security::strict_transport))
        .layer(
            // Outermost first: the request id exists before anything logs.
            ServiceBuilder::new()
                .layer(middleware::from_fn(request_id::request_id))
                .layer(middleware::from_fn_with_state(state, observe::observe))
                .layer(middleware::from_fn(catch_panic))
                .layer(CompressionLayer::new())
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("DENY"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    HeaderName::from_static("referrer-policy"),
                    HeaderValue::from_static("same-origin"),
                ))
                // API answers and files are never documents: nothing may run or load from
                // them. The SPA's index.html and GraphiQL set their own policy.
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
                )),
        )
}
