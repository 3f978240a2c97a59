//! Probes for orchestrators: `/healthz` says the process is alive, `/readyz` that it can serve
//! (the database answers) and how the search index is doing. A search index that is down or
//! rebuilding does not make the replica unready (every write and every page but search still
//! works, and all replicas share the index): `/readyz` says `degraded` and why, with status 200.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::state::AppState;

/// How long `/readyz` waits for the database before calling it down.
const DB_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// With `STARCRM_METRICS_TOKEN` set, callers without it get the status alone, not the checks
/// (which name the search backend and its errors).
pub async fn readyz(State(state): State<AppState>, headers: HeaderMap) -> (StatusCode, Json<Value>) {
    let (status, Json(body)) = readiness(&state).await;
    if super::metrics::may_read_internals(&state, &headers) {
        (status, Json(body))
    } else {
        (status, Json(json!({ "status": body["status"] })))
    }
}

async fn readiness(state: &AppState) -> (StatusCode, Json<Value>) {
    let database = match tokio::time::timeout(DB_PROBE_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err(format!("no answer within {} s", DB_PROBE_TIMEOUT.as_secs())),
    };
    match database {
        Ok(()) => {
            let search = match state.search.status(&state.db).await {
                Ok(status) => json!(status),
                Err(err) => json!({ "status": "unknown", "lastError": err.to_string() }),
            };
            let overall = if search["status"] == "ok" { "ready" } else { "degraded" };
            (
                StatusCode::OK,
                Json(json!({ "status": overall, "checks": { "database": "ok", "search": search } })),
            )
        }
        Err(reason) => {
            tracing::warn!(%reason, "readiness check failed: database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "checks": { "database": "unavailable" } })),
            )
        }
    }
}
