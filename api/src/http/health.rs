//! Probes for orchestrators: `/healthz` says the process is alive, `/readyz` that it can serve
//! (the database answers).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

/// How long `/readyz` waits for the database before calling it down.
const DB_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = match tokio::time::timeout(DB_PROBE_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err(format!("no answer within {} s", DB_PROBE_TIMEOUT.as_secs())),
    };
    match database {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready", "checks": { "database": "ok" } }))),
        Err(reason) => {
            tracing::warn!(%reason, "readiness check failed: database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "checks": { "database": "unavailable" } })),
            )
        }
    }
}
