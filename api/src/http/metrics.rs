//! Prometheus metrics, served in the text exposition format on `GET /metrics`.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use crate::state::AppState;

/// The exposition format `/metrics` answers in.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

fn duration_histogram() -> Histogram {
    // 1 ms .. ~16 s
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The server's metrics registry and the handles the middleware updates.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    csp_violations: Counter,
}

impl Metrics {
    pub fn new(version: &str) -> Self {
        let mut registry = Registry::with_prefix("starcrm");
        let requests = Family::<RequestLabels, Counter>::default();
        let durations =
            Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(duration_histogram);
        let in_flight = Gauge::default();
        registry.register("http_requests", "HTTP requests answered, by route and status", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            durations.clone(),
        );
        registry.register("http_requests_in_flight", "HTTP requests being answered now", in_flight.clone());
        registry.register(
            "build",
            "Version of the running server",
            Info::new(vec![("version".to_owned(), version.to_owned())]),
        );
        let csp_violations = Counter::default();
        registry.register(
            "csp_violations",
            "Content-Security-Policy violations browsers reported for the web app",
            csp_violations.clone(),
        );
        registry.register(
            "sqlite_write_wait_seconds",
            "Time SQLite write transactions waited for their turn (one writer at a time per file)",
            crate::db::WRITE_WAIT_SECONDS.clone(),
        );
        registry.register(
            "sqlite_write_hold_seconds",
            "Time SQLite write transactions held the write turn, from BEGIN IMMEDIATE to the end",
            crate::db::WRITE_HOLD_SECONDS.clone(),
        );
        Self { registry, requests, durations, in_flight, csp_violations }
    }

    /// Counts a Content-Security-Policy violation report.
    pub fn csp_violation(&self) {
        self.csp_violations.inc();
    }

    /// Counts a request as in flight until the returned guard drops.
    pub fn start_request(&self) -> InFlight<'_> {
        self.in_flight.inc();
        InFlight(&self.in_flight)
    }

    pub fn finish_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let (method, route) = (method.to_owned(), route.to_owned());
        self.durations
            .get_or_create(&RouteLabels { method: method.clone(), route: route.clone() })
            .observe(elapsed.as_secs_f64());
        self.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    }

    /// The registry in Prometheus text format.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// Decrements the in-flight gauge when the request ends, however it ends.
pub struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !may_read_internals(&state, &headers) {
        return (StatusCode::UNAUTHORIZED, "set Authorization: Bearer <STARCRM_METRICS_TOKEN>\n")
            .into_response();
    }
    match state.metrics.render() {
        Ok(body) => {
            // prometheus-client writes OpenMetrics (`info` metrics, `# EOF`), which the classic
            // text parser rejects: say so, and Prometheus picks the right parser.
            ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Whether the caller may read `/metrics` and `/readyz`'s details: anyone when no
/// `STARCRM_METRICS_TOKEN` is set, otherwise whoever presents it as a bearer token.
pub fn may_read_internals(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(expected) = state.settings.metrics_token.as_deref().filter(|t| !t.is_empty()) else {
        return true;
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared as hashes, so the time taken says nothing about how much of it matched.
    crate::auth::tokens::hash(presented) == crate::auth::tokens::hash(expected)
}

/// `POST /csp-report`: a browser's report of something the web app's Content-Security-Policy
/// blocked. Logged (the report names the blocked address and directive, no user data) and
/// counted in `starcrm_csp_violations_total`.
pub async fn csp_report(State(state): State<AppState>, body: axum::body::Bytes) -> StatusCode {
    state.metrics.csp_violation();
    let report = String::from_utf8_lossy(&body[..body.len().min(2048)]).into_owned();
    tracing::warn!(%report, "content security policy violation reported");
    StatusCode::NO_CONTENT
}
