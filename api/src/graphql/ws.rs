//! `GET /graphql/ws`: GraphQL subscriptions over a WebSocket.

use std::net::SocketAddr;

use async_graphql::ErrorExtensions;
use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::auth::{self, Caller, RequestMeta};
use crate::error::AppError;
use crate::http::request_id::RequestId;
use crate::state::AppState;

/// `GET /graphql/ws`: GraphQL subscriptions over a WebSocket (the `graphql-transport-ws`
/// protocol, and the older `graphql-ws`). The client authenticates in `connection_init` with
/// `{"authorization": "Bearer <access or API token>"}` (or `{"token": "..."}`); a missing or bad
/// credential closes the connection. Subscriptions then act as that caller, in its workspace.
pub async fn graphql_ws(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    protocol: async_graphql_axum::GraphQLProtocol,
    upgrade: axum::extract::WebSocketUpgrade,
) -> Response {
    let meta = RequestMeta::from_request(
        &headers,
        peer.map(|Extension(ConnectInfo(addr))| addr),
        &request_id,
        &state.settings,
    );
    // Subscriptions need no introspection or hints: the hardened schema for everyone.
    let schema = state.hardened_schema.clone();
    upgrade.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| async move {
        async_graphql_axum::GraphQLWebSocket::new(socket, schema, protocol)
            .on_connection_init(move |payload| async move {
                let token = init_token(&payload).ok_or_else(|| {
                    AppError::Unauthenticated.extend_with(|_, e| {
                        e.set("reason", "send {\"authorization\": \"Bearer <token>\"} in connection_init");
                    })
                })?;
                let scope = auth::authenticate_token(&state.db, &state.auth, &token, &meta)
                    .await
                    .map_err(|e| e.extend())?;
                let mut data = async_graphql::Data::default();
                data.insert(Caller(Some(scope)));
                data.insert(request_id);
                data.insert(crate::changes::subscription::Connection::new(token, meta.clone()));
                data.insert(meta);
                Ok(data)
            })
            .serve()
            .await;
    })
}

/// The token a `connection_init` payload carries: `authorization` / `Authorization` as
/// `Bearer <token>` (also inside `headers`, as some clients send it), or `token`.
fn init_token(payload: &serde_json::Value) -> Option<String> {
    let bearer = |v: &serde_json::Value| v.as_str().and_then(auth::bearer).map(str::to_owned);
    payload
        .get("authorization")
        .or_else(|| payload.get("Authorization"))
        .and_then(bearer)
        .or_else(|| {
            let headers = payload.get("headers")?;
            headers.get("authorization").or_else(|| headers.get("Authorization")).and_then(bearer)
        })
        .or_else(|| {
            payload
                .get("token")
                .and_then(|t| t.as_str())
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        })
}
