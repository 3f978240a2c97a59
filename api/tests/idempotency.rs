//! `Idempotency-Key` on mutations: a retry gets the first answer, never a second record; the same
//! key with another operation is refused; keys are per caller. Runs on SQLite and PostgreSQL.

mod common;

use common::TestApp;
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id name } }";
const COUNT: &str = "{ customers(first: 50) { totalCount } }";
const PUSH: &str =
    "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { transaction { id } } }";

async fn owner(app: &TestApp) -> anyhow::Result<String> {
    let account = app.workspace("Shop").await?;
    app.token(&account).await
}

async fn count(app: &TestApp, token: &str) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(COUNT, json!({})).await?.data()["customers"]["totalCount"].clone())
}

#[tokio::test]
async fn a_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing_more() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let gql = app.as_token(&token).header("Idempotency-Key", "3f6c2a8e-retry-1");
    let input = json!({ "input": { "name": "王芳" } });
    let first = gql.execute(CREATE, input.clone()).await?;
    let id = first.data()["createCustomer"]["id"].clone();
    assert!(first.headers.get("idempotent-replayed").is_none());
    let retry = gql.execute(CREATE, input.clone()).await?;
    assert_eq!(retry.data()["createCustomer"]["id"], id, "the same customer, not a new one");
    assert_eq!(retry.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(count(&app, &token).await?, 1);

    // The same key with other variables is refused and changes nothing.
    let other = gql.execute(CREATE, json!({ "input": { "name": "李娜" } })).await?;
    assert_eq!(other.status, 409);
    assert_eq!(other.error_code(), Some("CONFLICT"));
    assert_eq!(other.error_extension("field"), "Idempotency-Key");
    assert_eq!(count(&app, &token).await?, 1);

    // Without the header, or with a new key, the mutation runs again.
    app.as_token(&token).execute(CREATE, input.clone()).await?.data();
    app.as_token(&token).header("Idempotency-Key", "3f6c2a8e-retry-2").execute(CREATE, input).await?.data();
    assert_eq!(count(&app, &token).await?, 3);
    Ok(())
}

#[tokio::test]
async fn a_refused_mutation_is_replayed_refused_and_a_query_ignores_the_key() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let gql = app.as_token(&token).header("Idempotency-Key", "bad-name-1");
    let refused = gql.execute(CREATE, json!({ "input": { "name": "" } })).await?;
    assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"));
    let again = gql.execute(CREATE, json!({ "input": { "name": "" } })).await?;
    assert_eq!(again.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(again.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));

    // Queries are not affected: the same key, other queries, no conflict.
    let keyed = app.as_token(&token).header("Idempotency-Key", "query-key");
    keyed.execute(COUNT, json!({})).await?.data();
    keyed.execute("{ viewer { actor } }", json!({})).await?.data();
    Ok(())
}

#[tokio::test]
async fn malformed_keys_are_refused_with_the_header_named() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    for key in ["x".repeat(256), "has space".to_owned()] {
        let response = app
            .as_token(&token)
            .header("Idempotency-Key", &key)
            .execute(CREATE, json!({ "input": { "name": "A" } }))
            .await?;
        assert_eq!(response.status, 400, "{key}: {}", response.body);
        assert_eq!(response.error_code(), Some("BAD_USER_INPUT"));
        assert_eq!(response.error_extension("field"), "Idempotency-Key");
    }
    assert_eq!(count(&app, &token).await?, 0, "nothing was created");
    Ok(())
}

#[tokio::test]
async fn concurrent_requests_with_one_key_record_one_purchase() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let input = json!({ "input": { "customer": { "phone": "13700001111" }, "channel": "APP", "amountMinor": 4_200 } });
    let attempts = (0..6).map(|_| {
        let gql = app.as_token(&token).header("Idempotency-Key", "pos-retry-storm");
        let input = input.clone();
        async move { gql.execute(PUSH, input).await }
    });
    let mut ids = Vec::new();
    for response in futures_util::future::join_all(attempts).await {
        let response = response?;
        match response.error_code() {
            None => ids.push(response.data()["recordTransaction"]["transaction"]["id"].clone()),
            Some(code) => assert_eq!(code, "CONFLICT", "only 'still running' may refuse: {}", response.body),
        }
    }
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|id| *id == ids[0]), "every answer names the one purchase: {ids:?}");
    let feed = app
        .as_token(&token)
        .execute("{ changes(kinds: [\"transactionRecorded\"]) { events { id } } }", json!({}))
        .await?;
    assert_eq!(feed.data()["changes"]["events"].as_array().map(Vec::len), Some(1), "one purchase recorded");
    Ok(())
}

#[tokio::test]
async fn a_key_left_running_by_a_dead_process_is_taken_over_after_five_minutes() -> anyhow::Result<()> {
    use sea_orm::{ConnectionTrait, Statement};

    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let gql = app.as_token(&token).header("Idempotency-Key", "crashed-deploy");
    let input = json!({ "input": { "name": "Half done" } });
    gql.execute(CREATE, input.clone()).await?.data();
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let (fresh, stale) = match app.db.engine() {
        starcrm_e2e::db::Engine::Postgres => (
            "UPDATE idempotency_keys SET response = NULL, created_at = now()",
            "UPDATE idempotency_keys SET response = NULL, created_at = now() - interval '10 minutes'",
        ),
        starcrm_e2e::db::Engine::Sqlite => (
            "UPDATE idempotency_keys SET response = NULL, created_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')",
            "UPDATE idempotency_keys SET response = NULL, created_at = '2001-01-01T00:00:00+00:00'",
        ),
    };
    // Still running (no answer yet, just started): a retry is told to wait.
    db.execute_raw(Statement::from_string(backend, fresh)).await?;
    let waiting = gql.execute(CREATE, input.clone()).await?;
    assert_eq!(waiting.error_code(), Some("CONFLICT"), "{}", waiting.body);
    assert!(waiting.error_message().contains("still running"));
    // Its process died long ago: the retry runs.
    db.execute_raw(Statement::from_string(backend, stale)).await?;
    let took_over = gql.execute(CREATE, input.clone()).await?;
    assert!(took_over.data()["createCustomer"]["id"].is_string(), "{}", took_over.body);
    let replayed = gql.execute(CREATE, input).await?;
    assert_eq!(replayed.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(replayed.data()["createCustomer"]["id"], took_over.data()["createCustomer"]["id"]);
    Ok(())
}
