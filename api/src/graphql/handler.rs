use std::net::SocketAddr;

use async_graphql::http::GraphiQLSource;
use async_graphql::{ErrorExtensionValues, ErrorExtensions, Response as GqlResponse, ServerError};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use starcrm_shared::{ErrorCode, RunMode};

use super::idempotency;
use crate::auth::{self, Actor, Caller, RequestMeta, Scope};
use crate::error::AppError;
use crate::http::request_id::RequestId;
use crate::state::AppState;

/// `POST /graphql`: runs one operation sent as JSON.
///
/// The body is read here rather than by async-graphql's extractor, so that its size is bounded
/// (413), only `application/json` is accepted (415; browsers cannot send that cross-site without
/// a CORS preflight, which matters once sessions live in cookies), and multipart uploads and
/// batches are not parsed at all.
pub async fn graphql(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if !is_json(&headers) {
        return reject(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the operation as JSON with content-type: application/json",
            &request_id,
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return reject(rejection.status(), &rejection.body_text(), &request_id),
    };
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return reject(StatusCode::BAD_REQUEST, &format!("invalid GraphQL request: {err}"), &request_id);
        }
    };

    let meta = RequestMeta::from_request(
        &headers,
        peer.map(|Extension(ConnectInfo(addr))| addr),
        &request_id,
        &state.settings,
    );
    let member = match member_of(&state, &headers, &request_id).await {
        Ok(member) => member,
        Err(refused) => return refused,
    };
    // A bad credential is refused outright rather than treated as anonymous.
    let caller = if member.is_some() {
        None
    } else {
        match auth::authenticate(&state.db, &state.auth, &headers, &meta).await {
            Ok(caller) => caller,
            Err(err) => return reject_error(StatusCode::UNAUTHORIZED, &err, &request_id),
        }
    };
    if let Some(scope) = &caller
        && let Err(retry_after_seconds) = check_rate(&state, scope)
    {
        let mut response = reject_error(
            StatusCode::TOO_MANY_REQUESTS,
            &AppError::RateLimited { retry_after_seconds },
            &request_id,
        );
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        return response;
    }
    // One rule: in production, introspection and "did you mean" hints are for signed-in staff
    // only. Anonymous callers and API tokens get FORBIDDEN for `__schema`/`__type` (integrators
    // build against the published `schema.graphql`) and answers without hints.
    let hardened = state.mode() == RunMode::Production
        && !caller.as_ref().is_some_and(|scope| matches!(scope.actor, Actor::User { .. }));
    if hardened && asks_for_introspection(&request.query) {
        return reject_error(
            StatusCode::FORBIDDEN,
            &AppError::forbidden(
                "introspection is for signed-in staff in production; use the published schema (schema.graphql)",
            ),
            &request_id,
        );
    }
    let schema = if hardened { &state.hardened_schema } else { &state.schema };
    let claimed = match claim_key(&state, &headers, caller.as_ref(), &request, &request_id).await {
        Ok(claimed) => claimed,
        Err(answer) => return answer,
    };
    let request = request
        .data(request_id.clone())
        .data(meta)
        .data(Caller(caller))
        .data(crate::loyalty::member_graphql::MemberCaller(member));

    let mut response = schema.execute(request).await;
    finish_errors(&mut response.errors, &request_id);
    // A sign-in refused by its limits says when to come back, in the header too.
    let retry_after = response
        .errors
        .iter()
        .filter_map(|e| e.extensions.as_ref()?.get("retryAfterSeconds").cloned())
        .filter_map(|v| match v {
            async_graphql::Value::Number(n) => n.as_u64(),
            _ => None,
        })
        .max();
    // Resolvers set cookies (sign-in, sign-out) through the response's HTTP headers.
    let resolver_headers = std::mem::take(&mut response.http_headers);
    let body = serde_json::to_string(&response).unwrap_or_else(|_| "{}".to_owned());
    if let Some(id) = claimed {
        settle_key(&state, id, &response, &body).await;
    }
    let mut http = json_response(body);
    for (name, value) in &resolver_headers {
        http.headers_mut().append(name, value.clone());
    }
    if let Some(seconds) = retry_after {
        http.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    http
}

/// The member a member token stands for (a business's app acting for one customer), within its
/// rate limit. A member is no staff caller: resolvers get no scope for it, only the member
/// fields read it.
async fn member_of(
    state: &AppState,
    headers: &HeaderMap,
    request_id: &RequestId,
) -> Result<Option<crate::loyalty::members::Member>, Response> {
    let member = crate::loyalty::members::from_headers(&state.db, &state.auth, headers)
        .await
        .map_err(|err| reject_error(StatusCode::UNAUTHORIZED, &err, request_id))?;
    if let Some(m) = &member
        && let Err(retry_after_seconds) =
            state.auth.limits.per_api_token.check(&format!("member:{}", m.customer_id))
    {
        let mut response = reject_error(
            StatusCode::TOO_MANY_REQUESTS,
            &AppError::RateLimited { retry_after_seconds },
            request_id,
        );
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        return Err(response);
    }
    Ok(member)
}

/// Takes the `Idempotency-Key` of a mutation by a known caller (see [`idempotency`]): the row
/// to keep the answer under, or the answer to return now (a replay, or the key refused).
async fn claim_key(
    state: &AppState,
    headers: &HeaderMap,
    caller: Option<&Scope>,
    request: &async_graphql::Request,
    request_id: &RequestId,
) -> Result<Option<uuid::Uuid>, Response> {
    let Some(value) = headers.get(idempotency::HEADER) else { return Ok(None) };
    let Some(scope) = caller else { return Ok(None) };
    if !idempotency::is_mutation(&request.query, request.operation_name.as_deref()) {
        return Ok(None);
    }
    let key = value.to_str().unwrap_or("\u{fffd}");
    match idempotency::claim(&state.db, scope, key, &idempotency::fingerprint(request)).await {
        Ok(Some(idempotency::Claim::Run(id))) => Ok(Some(id)),
        Ok(None) => Ok(None),
        Ok(Some(idempotency::Claim::Replay(body))) => {
            let mut http = json_response(body);
            http.headers_mut().insert(idempotency::REPLAYED_HEADER, HeaderValue::from_static("true"));
            Err(http)
        }
        Err(err) => {
            let status = match err.code() {
                ErrorCode::Conflict => StatusCode::CONFLICT,
                ErrorCode::BadUserInput => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            Err(reject_error(status, &err, request_id))
        }
    }
}

/// Keeps the answer for the key's retries, or frees the key when the answer says to try again.
async fn settle_key(state: &AppState, id: uuid::Uuid, response: &GqlResponse, body: &str) {
    let kept = if idempotency::worth_keeping(response) {
        idempotency::keep(&state.db, id, body).await
    } else {
        idempotency::forget(&state.db, id).await
    };
    if let Err(err) = kept {
        // Free the key rather than leave it "still running": a retry then runs again.
        tracing::error!(error = %err, "could not store the answer of an idempotency key");
        let _ = idempotency::forget(&state.db, id).await;
    }
}

fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// Whether a query selects `__schema` or `__type` anywhere (operations, fragments, inline
/// fragments). A query that does not parse is left to execution, which reports it.
fn asks_for_introspection(query: &str) -> bool {
    use async_graphql::parser::types::{Selection, SelectionSet};
    let Ok(document) = async_graphql::parser::parse_query(query) else { return false };
    let mut sets: Vec<&SelectionSet> =
        document.operations.iter().map(|(_, op)| &op.node.selection_set.node).collect();
    sets.extend(document.fragments.values().map(|f| &f.node.selection_set.node));
    while let Some(set) = sets.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    if matches!(field.node.name.node.as_str(), "__schema" | "__type") {
                        return true;
                    }
                    sets.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => sets.push(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    false
}

/// Per-token and per-session request limits.
fn check_rate(state: &AppState, scope: &Scope) -> Result<(), u64> {
    match &scope.actor {
        Actor::ApiToken { id, .. } => state.auth.limits.per_api_token.check(&id.to_string()),
        Actor::User { session_id, .. } => state.auth.limits.per_session.check(&session_id.to_string()),
        Actor::System => Ok(()),
    }
}

/// `GET /graphql`: the GraphiQL explorer in development mode; otherwise (and for a WebSocket
/// upgrade, which belongs at `/graphql/ws`) a clear refusal in the error shape, never the web
/// app's page.
pub async fn graphql_get(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
) -> Response {
    let upgrade = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if upgrade {
        return reject(
            StatusCode::NOT_FOUND,
            "GraphQL subscriptions are served at /graphql/ws (graphql-transport-ws)",
            &request_id,
        );
    }
    if state.mode() == RunMode::Production {
        let mut response =
            reject(StatusCode::METHOD_NOT_ALLOWED, "send GraphQL operations with POST /graphql", &request_id);
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let page = GraphiQLSource::build().endpoint("/graphql").title("StarCRM GraphiQL").finish();
    // GraphiQL is a development tool that loads its scripts and styles from a CDN, inline.
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self' https:; script-src 'self' 'unsafe-inline' https:; style-src 'self' 'unsafe-inline' https:; img-src 'self' data: https:",
        )],
        Html(page),
    )
        .into_response()
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Gives every error a code and the request id. Errors that reach here without a code come from
/// async-graphql itself:
/// - request-level ones (parse, validation, limits) have no path: `BAD_REQUEST`;
/// - input values that fail to parse or validate inside a field have a path but no source:
///   `BAD_USER_INPUT`;
/// - anything else came out of a resolver through a bare `?` on a foreign error: a bug, so the
///   message (which may hold internals) is logged and replaced, and the code is `INTERNAL`.
fn finish_errors(errors: &mut [ServerError], request_id: &RequestId) {
    for err in errors {
        let has_code = err.extensions.as_ref().is_some_and(|ext| ext.get("code").is_some());
        if !has_code {
            let code = if err.path.is_empty() {
                ErrorCode::BadRequest
            } else if err.source.is_none() {
                ErrorCode::BadUserInput
            } else {
                tracing::error!(error = %err.message, path = ?err.path, "resolver error without a code");
                "internal error".clone_into(&mut err.message);
                ErrorCode::Internal
            };
            err.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", code.as_str());
        }
        err.extensions
            .get_or_insert_with(ErrorExtensionValues::default)
            .set("requestId", request_id.as_str());
    }
}

/// A request refused before execution because of `err` (credentials, rate limits).
pub(crate) fn reject_error(status: StatusCode, err: &AppError, request_id: &RequestId) -> Response {
    let graphql_error = err.extend();
    let mut server_error = ServerError::new(graphql_error.message, None);
    server_error.extensions = graphql_error.extensions;
    let mut errors = vec![server_error];
    finish_errors(&mut errors, request_id);
    (status, axum::Json(GqlResponse::from_errors(errors))).into_response()
}

/// A request that never reached GraphQL execution, answered in the same shape as other errors.
pub(crate) fn reject(status: StatusCode, message: &str, request_id: &RequestId) -> Response {
    let mut errors = vec![ServerError::new(message, None)];
    finish_errors(&mut errors, request_id);
    (status, axum::Json(GqlResponse::from_errors(errors))).into_response()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_graphql::{PathSegment, Pos, ServerError, Value};

    use super::finish_errors;
    use crate::http::request_id::RequestId;

    fn code_of(err: &ServerError) -> Option<Value> {
        err.extensions.as_ref().and_then(|ext| ext.get("code").cloned())
    }

    #[test]
    fn uncoded_errors_are_classified_by_where_they_came_from() {
        let in_field = vec![PathSegment::Field("customer".into())];
        let request_level = ServerError::new("Unknown field", Some(Pos { line: 1, column: 3 }));
        let mut input = ServerError::new(r#"Failed to parse "UUID": invalid"#, Some(Pos::default()));
        input.path.clone_from(&in_field);
        let mut foreign = ServerError::new("connection reset by db at 10.0.0.7", None);
        foreign.path = in_field;
        foreign.source = Some(Arc::new(std::io::Error::other("connection reset")));

        let mut errors = vec![request_level, input, foreign];
        let id = RequestId::new();
        finish_errors(&mut errors, &id);

        assert_eq!(code_of(&errors[0]), Some(Value::from("BAD_REQUEST")));
        assert_eq!(code_of(&errors[1]), Some(Value::from("BAD_USER_INPUT")));
        assert_eq!(code_of(&errors[2]), Some(Value::from("INTERNAL")));
        assert_eq!(errors[2].message, "internal error", "internals are not shown");
        for err in &errors {
            let ext = err.extensions.as_ref().expect("extensions");
            assert_eq!(ext.get("requestId"), Some(&Value::from(id.as_str())));
        }
    }
}
