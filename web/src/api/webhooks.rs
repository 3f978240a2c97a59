//! Settings > Webhooks.

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::webhooks::{WebhookAttemptInfo, WebhookEndpointInfo};

use super::{ApiError, execute};

const ENDPOINTS: &str = include_str!("../../graphql/webhook_endpoints.graphql");
const ATTEMPTS: &str = include_str!("../../graphql/webhook_attempts.graphql");
const CREATE: &str = include_str!("../../graphql/create_webhook_endpoint.graphql");
const UPDATE: &str = include_str!("../../graphql/update_webhook_endpoint.graphql");
const DELETE: &str = include_str!("../../graphql/delete_webhook_endpoint.graphql");
const ROTATE: &str = include_str!("../../graphql/rotate_webhook_secret.graphql");
const TEST: &str = include_str!("../../graphql/send_webhook_test_event.graphql");
const REPLAY: &str = include_str!("../../graphql/replay_webhook_message.graphql");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Endpoints {
    webhook_endpoints: Vec<WebhookEndpointInfo>,
}

pub async fn list() -> Result<Vec<WebhookEndpointInfo>, ApiError> {
    execute::<_, Endpoints>(ENDPOINTS, &json!({})).await.map(|d| d.webhook_endpoints)
}

pub async fn attempts(id: &str) -> Result<Vec<WebhookAttemptInfo>, ApiError> {
    #[derive(Deserialize)]
    struct Endpoint {
        attempts: Vec<WebhookAttemptInfo>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        webhook_endpoint: Endpoint,
    }
    execute::<_, Data>(ATTEMPTS, &json!({ "id": id })).await.map(|d| d.webhook_endpoint.attempts)
}

/// An endpoint as one mutation returns it (the mutation's field name varies).
async fn endpoint_mutation(
    query: &str,
    field: &str,
    variables: serde_json::Value,
) -> Result<WebhookEndpointInfo, ApiError> {
    let mut data = execute::<_, serde_json::Map<String, serde_json::Value>>(query, &variables).await?;
    let value = data.remove(field).unwrap_or_default();
    serde_json::from_value(value).map_err(|e| ApiError::invalid_response(e.to_string()))
}

/// `event_types` empty: every kind.
pub async fn create(
    url: &str,
    description: &str,
    event_types: &[String],
) -> Result<WebhookEndpointInfo, ApiError> {
    let input = json!({ "input": { "url": url, "description": description, "eventTypes": event_types } });
    endpoint_mutation(CREATE, "createWebhookEndpoint", input).await
}

pub async fn set_enabled(id: &str, enabled: bool) -> Result<WebhookEndpointInfo, ApiError> {
    endpoint_mutation(UPDATE, "updateWebhookEndpoint", json!({ "input": { "id": id, "enabled": enabled } }))
        .await
}

pub async fn rotate(id: &str) -> Result<WebhookEndpointInfo, ApiError> {
    endpoint_mutation(ROTATE, "rotateWebhookSecret", json!({ "id": id })).await
}

pub async fn delete(id: &str) -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(DELETE, &json!({ "id": id })).await.map(|_| ())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tested {
    send_webhook_test_event: WebhookAttemptInfo,
}

pub async fn send_test(id: &str) -> Result<WebhookAttemptInfo, ApiError> {
    execute::<_, Tested>(TEST, &json!({ "id": id })).await.map(|d| d.send_webhook_test_event)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Replayed {
    replay_webhook_message: WebhookAttemptInfo,
}

pub async fn replay(message_id: &str) -> Result<WebhookAttemptInfo, ApiError> {
    execute::<_, Replayed>(REPLAY, &json!({ "id": message_id })).await.map(|d| d.replay_webhook_message)
}
