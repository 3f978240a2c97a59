//! The SPA's one GraphQL client. Pages call the typed functions here and never build requests
//! themselves. Every document sent lives in `web/graphql/*.graphql`, which an api test executes
//! against the server's schema so the two cannot drift apart.

mod error;

pub use error::{ApiError, ErrorKind};

use gloo_net::http::Request;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use starcrm_shared::{ServerInfo, ServerInfoData};

const ENDPOINT: &str = "/graphql";

const SERVER_INFO: &str = include_str!("../../graphql/server_info.graphql");

/// Version, database and mode of the server.
pub async fn server_info() -> Result<ServerInfo, ApiError> {
    execute::<_, ServerInfoData>(SERVER_INFO, serde_json::json!({})).await.map(|data| data.server_info)
}

#[derive(Serialize)]
struct Body<'a, V> {
    query: &'a str,
    variables: V,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: Option<T>,
    #[serde(default)]
    errors: Vec<error::GraphqlError>,
}

/// Sends one operation and returns its `data`, or the first error.
async fn execute<V: Serialize, T: DeserializeOwned>(document: &str, variables: V) -> Result<T, ApiError> {
    let request = Request::post(ENDPOINT)
        .json(&Body { query: document, variables })
        .map_err(|err| ApiError::invalid_response(err.to_string()))?;
    let response = request.send().await.map_err(|err| ApiError::network(err.to_string()))?;
    let status = response.status();
    let request_id = response.headers().get("x-request-id");
    // The server answers GraphQL errors (even a 400) as JSON; anything else is a proxy or an
    // outage talking.
    let envelope: Envelope<T> = response.json().await.map_err(|err| {
        if status >= 500 || status == 0 {
            ApiError::network(format!("HTTP {status}"))
        } else {
            ApiError::invalid_response(err.to_string())
        }
    })?;
    if let Some(first) = envelope.errors.into_iter().next() {
        return Err(ApiError::from_graphql(first, request_id));
    }
    envelope.data.ok_or_else(|| ApiError::invalid_response("response without data".to_owned()))
}
