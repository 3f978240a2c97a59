use async_graphql::http::GraphiQLSource;
use async_graphql::{ErrorExtensionValues, Response as GqlResponse, ServerError};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse, rejection::GraphQLRejection};
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use starcrm_shared::ErrorCode;

use crate::http::request_id::RequestId;
use crate::state::AppState;

/// `POST /graphql`: runs one operation.
pub async fn graphql(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    let request = match request {
        Ok(request) => request.into_inner(),
        Err(rejection) => return reject(&rejection, &request_id),
    };
    let mut response = state.schema.execute(request.data(request_id.clone())).await;
    finish_errors(&mut response.errors, &request_id);
    GraphQLResponse::from(response).into_response()
}

/// `GET /graphql` in development mode: the GraphiQL explorer.
pub async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").title("StarCRM GraphiQL").finish())
}

/// Gives every error a code and the request id. Errors that reached the client without a code
/// come from async-graphql itself: request-level ones (parse, validation, limits) are the
/// client's fault; one inside a resolver is a bug, so its message is replaced, not leaked.
fn finish_errors(errors: &mut [ServerError], request_id: &RequestId) {
    for err in errors {
        let ext = err.extensions.get_or_insert_with(ErrorExtensionValues::default);
        if ext.get("code").is_none() {
            if err.path.is_empty() {
                ext.set("code", ErrorCode::BadRequest.as_str());
            } else {
                tracing::error!(error = %err.message, path = ?err.path, "resolver error without a code");
                "internal error".clone_into(&mut err.message);
                ext.set("code", ErrorCode::Internal.as_str());
            }
        }
        ext.set("requestId", request_id.as_str());
    }
}

/// A body that is not a GraphQL request at all, answered in the same shape as other errors.
fn reject(rejection: &GraphQLRejection, request_id: &RequestId) -> Response {
    let mut errors = vec![ServerError::new(format!("invalid GraphQL request: {}", rejection.0), None)];
    finish_errors(&mut errors, request_id);
    let body = GqlResponse::from_errors(errors);
    (StatusCode::BAD_REQUEST, GraphQLResponse::from(body)).into_response()
}
