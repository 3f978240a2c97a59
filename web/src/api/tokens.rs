//! Settings > API tokens.

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::account::ApiTokenInfo;

use super::{ApiError, execute};

const API_TOKENS: &str = include_str!("../../graphql/api_tokens.graphql");
const CREATE_API_TOKEN: &str = include_str!("../../graphql/create_api_token.graphql");
const REVOKE_API_TOKEN: &str = include_str!("../../graphql/revoke_api_token.graphql");

pub async fn list(include_revoked: bool) -> Result<Vec<ApiTokenInfo>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        api_tokens: Vec<ApiTokenInfo>,
    }
    execute::<_, Data>(API_TOKENS, &json!({ "includeRevoked": include_revoked })).await.map(|d| d.api_tokens)
}

/// A new token's secret, shown once (the list is reloaded for the rest).
#[derive(Clone, Debug, Deserialize)]
pub struct Created {
    pub secret: String,
}

/// `expires_at`: RFC 3339, or `None` for a token that does not expire.
pub async fn create(name: &str, scopes: &[String], expires_at: Option<String>) -> Result<Created, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        create_api_token: Created,
    }
    let variables = json!({ "input": { "name": name, "scopes": scopes, "expiresAt": expires_at } });
    execute::<_, Data>(CREATE_API_TOKEN, &variables).await.map(|d| d.create_api_token)
}

pub async fn revoke(id: &str) -> Result<ApiTokenInfo, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        revoke_api_token: ApiTokenInfo,
    }
    execute::<_, Data>(REVOKE_API_TOKEN, &json!({ "id": id })).await.map(|d| d.revoke_api_token)
}
