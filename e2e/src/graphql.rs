//! A GraphQL client over real HTTP, for tests that talk to a server the way apps do.

use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// Posts operations to one server's `/graphql`.
#[derive(Clone)]
pub struct GraphqlClient {
    http: reqwest::Client,
    endpoint: String,
}

/// What came back: HTTP status, headers and the JSON body.
#[derive(Debug)]
pub struct GraphqlResponse {
    pub status: reqwest::StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl GraphqlResponse {
    /// `data`, after asserting that there are no errors.
    pub fn data(&self) -> &Value {
        assert!(self.body.get("errors").is_none(), "unexpected GraphQL errors: {}", self.body);
        &self.body["data"]
    }

    /// `errors[0].extensions.code`.
    pub fn error_code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }
}

impl GraphqlClient {
    pub fn new(base_url: &str) -> Self {
        Self { http: reqwest::Client::new(), endpoint: format!("{base_url}/graphql") }
    }

    /// Runs `query` with `variables`.
    pub async fn execute(&self, query: &str, variables: Value) -> anyhow::Result<GraphqlResponse> {
        self.send(&json!({ "query": query, "variables": variables })).await
    }

    /// Posts an arbitrary JSON body (for malformed-request tests).
    pub async fn send(&self, body: &Value) -> anyhow::Result<GraphqlResponse> {
        let response = self.http.post(&self.endpoint).json(body).send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.json().await?;
        Ok(GraphqlResponse { status, headers, body })
    }
}
