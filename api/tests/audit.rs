//! The audit log: what is recorded (actor, action, entity, changes, request id, address),
//! what is never recorded (secrets, unmasked personal data), filters, and that it is
//! append-only in the database itself.

mod common;

use common::TestApp;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

const LOG: &str = "query($filter: AuditFilter) { auditLog(first: 50, filter: $filter) { totalCount nodes {
    action actorKind actorName entityType entityId changes requestId ip at } } }";

#[tokio::test]
async fn changes_are_recorded_with_actor_request_and_address() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let created = app
        .as_token(&token)
        .header("x-request-id", "audit-test-1")
        .execute(
            "mutation { createUser(input: { email: \"wu@test.example\", name: \"吴磊\", role: AGENT, phone: \"13900001111\" }) { user { id } temporaryPassword } }",
            json!({}),
        )
        .await?;
    let user_id = created.data()["createUser"]["user"]["id"].clone();
    let temporary = created.data()["createUser"]["temporaryPassword"].as_str().unwrap_or_default().to_owned();

    let log = app
        .as_token(&token)
        .execute(LOG, json!({ "filter": { "action": "user.create", "entityId": user_id } }))
        .await?;
    let entry = log.data()["auditLog"]["nodes"][0].clone();
    assert_eq!(entry["actorKind"], "USER");
    assert_eq!(entry["actorName"], "Acme Owner");
    assert_eq!(entry["entityType"], "user");
    assert_eq!(entry["requestId"], "audit-test-1");
    assert_eq!(entry["ip"], "127.0.0.1");
    let changes: serde_json::Value = serde_json::from_str(entry["changes"].as_str().unwrap_or("{}"))?;
    assert_eq!(changes["role"], "agent");
    assert_eq!(changes["phone"], "139****1111", "personal data is masked");
    let everything = app.as_token(&token).execute(LOG, json!({})).await?.body.to_string();
    assert!(!everything.contains("13900001111"), "no full phone number anywhere in the log");
    assert!(!everything.contains(&temporary), "no password anywhere in the log");
    Ok(())
}

#[tokio::test]
async fn sign_ins_failures_and_token_events_are_recorded_without_secrets() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let bad = app
        .graphql()
        .execute(
            "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            json!({ "input": { "email": owner.email, "password": "a wrong password" } }),
        )
        .await?;
    assert_eq!(bad.error_code(), Some("UNAUTHENTICATED"));
    let token = app.token(&owner).await?;
    let created = app
        .as_token(&token)
        .execute(
            "mutation { createApiToken(input: { name: \"POS\", scopes: [\"customers:read\"] }) { secret } }",
            json!({}),
        )
        .await?;
    let secret = created.data()["createApiToken"]["secret"].as_str().unwrap_or_default().to_owned();

    let actions: Vec<String> =
        app.as_token(&token).execute(LOG, json!({})).await?.data()["auditLog"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|n| n["action"].as_str().unwrap_or_default().to_owned())
            .collect();
    assert_eq!(
        actions,
        ["api_token.create", "session.login", "session.login_failed", "user.create", "workspace.create"],
        "newest first"
    );
    let everything = app.as_token(&token).execute(LOG, json!({})).await?.body.to_string();
    assert!(!everything.contains(&secret) && !everything.contains("a wrong password"));
    let sessions = app.as_token(&token).execute(LOG, json!({ "filter": { "action": "session." } })).await?;
    assert_eq!(sessions.data()["auditLog"]["totalCount"], 2, "prefix filter");
    Ok(())
}

#[tokio::test]
async fn reading_the_log_needs_audit_read() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let agent = app.add_user(&token, "AGENT").await?;
    let agent_token = app.token(&agent).await?;
    let response = app.as_token(&agent_token).execute(LOG, json!({})).await?;
    assert_eq!(response.error_code(), Some("FORBIDDEN"));
    assert_eq!(response.error_extension("permission"), "audit:read");
    Ok(())
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_audit_entries() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    app.workspace("Acme").await?;
    let db = &app.state.db;
    let backend = db.get_database_backend();
    for sql in ["UPDATE audit_log SET action = 'nothing.happened'", "DELETE FROM audit_log"] {
        let result = db.execute_raw(Statement::from_string(backend, sql)).await;
        let err = result.expect_err("append-only").to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    let count =
        db.query_one_raw(Statement::from_string(backend, "SELECT COUNT(*) AS n FROM audit_log")).await?;
    let n: i64 = count.ok_or_else(|| anyhow::anyhow!("no row"))?.try_get("", "n")?;
    assert_eq!(n, 2, "workspace.create and user.create, untouched");
    Ok(())
}
