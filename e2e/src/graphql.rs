//! A GraphQL client over real HTTP, for tests that talk to a server the way apps do.

use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// Posts operations to one server's `/graphql`, optionally with a bearer token or other headers.
#[derive(Clone)]
pub struct GraphqlClient {
    http: reqwest::Client,
    endpoint: String,
    headers: Vec<(String, String)>,
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

    /// `errors[0].extensions.<key>`.
    pub fn error_extension(&self, key: &str) -> &Value {
        &self.body["errors"][0]["extensions"][key]
    }

    /// `errors[0].message`.
    pub fn error_message(&self) -> &str {
        self.body["errors"][0]["message"].as_str().unwrap_or_default()
    }
}

impl GraphqlClient {
    pub fn new(base_url: &str) -> Self {
        Self { http: reqwest::Client::new(), endpoint: format!("{base_url}/graphql"), headers: Vec::new() }
    }

    /// The same client, authenticating with `Authorization: Bearer <token>`.
    #[must_use]
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// The same client, sending `name: value` with every request.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Runs `query` with `variables`.
    pub async fn execute(&self, query: &str, variables: Value) -> anyhow::Result<GraphqlResponse> {
        self.send(&json!({ "query": query, "variables": variables })).await
    }

    /// Posts an arbitrary JSON body (for malformed-request tests).
    pub async fn send(&self, body: &Value) -> anyhow::Result<GraphqlResponse> {
        let mut request = self.http.post(&self.endpoint).json(body);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.json().await?;
        Ok(GraphqlResponse { status, headers, body })
    }
}
