//! API tokens for integrators: shown once, listed without the secret, scoped, expiring, revoked
//! at once, narrowed by the creator's current role.

mod common;

use common::TestApp;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

const CREATE: &str = "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
    secret apiToken { id name prefix scopes status createdBy { name } expiresAt lastUsedAt } } }";

#[tokio::test]
async fn a_token_is_shown_once_and_listed_by_its_prefix() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let created = app
        .as_token(&token)
        .execute(
            CREATE,
            json!({ "input": { "name": "Tmall shop", "scopes": ["customers:read", "transactions:write"] } }),
        )
        .await?;
    let payload = created.data()["createApiToken"].clone();
    let secret = payload["secret"].as_str().unwrap_or_default().to_owned();
    assert!(secret.starts_with("scrm_") && secret.len() > 40, "{secret}");
    assert_eq!(payload["apiToken"]["prefix"], secret[..13]);
    assert_eq!(payload["apiToken"]["scopes"], json!(["customers:read", "transactions:write"]));
    assert_eq!(payload["apiToken"]["status"], "ACTIVE");
    assert_eq!(payload["apiToken"]["createdBy"]["name"], "Acme Owner");

    let listed = app.as_token(&token).execute("{ apiTokens { name prefix lastUsedAt } }", json!({})).await?;
    assert_eq!(listed.data()["apiTokens"][0]["name"], "Tmall shop");
    assert!(!listed.body.to_string().contains(&secret[13..]), "the secret is never listed");

    let viewer = app
        .as_token(&secret)
        .execute("{ viewer { actor apiToken { name } permissions role } }", json!({}))
        .await?;
    assert_eq!(viewer.data()["viewer"]["actor"], "API_TOKEN");
    assert_eq!(viewer.data()["viewer"]["apiToken"]["name"], "Tmall shop");
    assert_eq!(viewer.data()["viewer"]["permissions"], json!(["customers:read", "transactions:write"]));
    let used = app.as_token(&token).execute("{ apiTokens { lastUsedAt } }", json!({})).await?;
    assert!(used.data()["apiTokens"][0]["lastUsedAt"].is_string(), "last use is tracked");
    Ok(())
}

#[tokio::test]
async fn a_token_can_do_what_its_scopes_allow_and_nothing_else() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let created = app
        .as_token(&token)
        .execute(CREATE, json!({ "input": { "name": "HR sync", "scopes": ["users:read"] } }))
        .await?;
    let secret = created.data()["createApiToken"]["secret"].as_str().unwrap_or_default().to_owned();
    let allowed = app.as_token(&secret).execute("{ users { totalCount } }", json!({})).await?;
    assert_eq!(allowed.data()["users"]["totalCount"], 1);
    let denied = app.as_token(&secret).execute("{ auditLog { totalCount } }", json!({})).await?;
    assert_eq!(denied.error_code(), Some("FORBIDDEN"));
    assert_eq!(denied.error_extension("permission"), "audit:read");
    Ok(())
}

#[tokio::test]
async fn bad_scopes_and_past_expiry_are_refused() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let cases = [
        (json!({ "name": "x", "scopes": [] }), "scopes"),
        (json!({ "name": "x", "scopes": ["customers:delete"] }), "scopes"),
        (json!({ "name": "", "scopes": ["customers:read"] }), "name"),
        (
            json!({ "name": "x", "scopes": ["customers:read"], "expiresAt": "2020-01-01T00:00:00Z" }),
            "expiresAt",
        ),
    ];
    for (input, field) in cases {
        let response = app.as_token(&token).execute(CREATE, json!({ "input": input })).await?;
        assert_eq!(response.error_code(), Some("BAD_USER_INPUT"), "{input}");
        assert_eq!(response.error_extension("field"), field, "{input}");
    }
    let none = app.as_token(&token).execute("{ apiTokens(includeRevoked: true) { id } }", json!({})).await?;
    assert_eq!(none.data()["apiTokens"], json!([]));
    Ok(())
}

#[tokio::test]
async fn revoked_and_expired_tokens_are_refused_at_once() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let make = |name: &'static str| {
        let client = app.as_token(&token);
        async move {
            let created = client.execute(CREATE, json!({ "input": { "name": name, "scopes": ["customers:read"], "expiresAt": "2100-01-01T00:00:00Z" } })).await?;
            let payload = created.data()["createApiToken"].clone();
            anyhow::Ok((
                payload["apiToken"]["id"].as_str().unwrap_or_default().to_owned(),
                payload["secret"].as_str().unwrap_or_default().to_owned(),
            ))
        }
    };
    let (revoked_id, revoked_secret) = make("to revoke").await?;
    let (expiring_id, expiring_secret) = make("to expire").await?;
    let viewer = "{ viewer { actor } }";
    assert!(app.as_token(&revoked_secret).execute(viewer, json!({})).await?.body["errors"].is_null());

    let revoked = app
        .as_token(&token)
        .execute(
            "mutation($id: ID!) { revokeApiToken(id: $id) { status revokedAt } }",
            json!({ "id": revoked_id }),
        )
        .await?;
    assert_eq!(revoked.data()["revokeApiToken"]["status"], "REVOKED");
    assert_eq!(
        app.as_token(&revoked_secret).execute(viewer, json!({})).await?.error_code(),
        Some("UNAUTHENTICATED")
    );

    // Time passes: the expiry date is reached.
    let db = &app.state.db;
    let sql = match app.db.engine() {
        starcrm_e2e::db::Engine::Postgres => {
            "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1"
        }
        starcrm_e2e::db::Engine::Sqlite => {
            "UPDATE api_tokens SET expires_at = '2001-01-01T00:00:00+00:00' WHERE id = ?"
        }
    };
    let id: uuid::Uuid = expiring_id.parse()?;
    db.execute_raw(Statement::from_sql_and_values(db.get_database_backend(), sql, [id.into()])).await?;
    assert_eq!(
        app.as_token(&expiring_secret).execute(viewer, json!({})).await?.error_code(),
        Some("UNAUTHENTICATED")
    );
    let listed = app
        .as_token(&token)
        .execute("{ apiTokens(includeRevoked: true) { name status } }", json!({}))
        .await?;
    assert_eq!(
        listed.data()["apiTokens"],
        json!([{ "name": "to expire", "status": "EXPIRED" }, { "name": "to revoke", "status": "REVOKED" }])
    );
    let active_only = app.as_token(&token).execute("{ apiTokens { name } }", json!({})).await?;
    assert_eq!(
        active_only.data()["apiTokens"],
        json!([{ "name": "to expire" }]),
        "revoked ones are hidden by default"
    );
    Ok(())
}

#[tokio::test]
async fn a_token_never_does_more_than_its_creator_may_today() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let owner_token = app.token(&owner).await?;
    let admin = app.add_user(&owner_token, "ADMIN").await?;
    let admin_token = app.token(&admin).await?;
    let created = app
        .as_token(&admin_token)
        .execute(CREATE, json!({ "input": { "name": "ops", "scopes": ["users:read", "audit:read"] } }))
        .await?;
    let secret = created.data()["createApiToken"]["secret"].as_str().unwrap_or_default().to_owned();
    let version = app
        .as_token(&owner_token)
        .execute("query($id: ID!) { user(id: $id) { version } }", json!({ "id": admin.id }))
        .await?
        .data()["user"]["version"]
        .clone();
    app.as_token(&owner_token)
        .execute(
            "mutation($input: ChangeUserRoleInput!) { changeUserRole(input: $input) { role } }",
            json!({ "input": { "id": admin.id, "role": "MARKETER", "version": version } }),
        )
        .await?
        .data();
    let viewer = app.as_token(&secret).execute("{ viewer { permissions } }", json!({})).await?;
    assert_eq!(viewer.data()["viewer"]["permissions"], json!([]), "a marketer holds neither scope");
    let audit = app.as_token(&secret).execute("{ auditLog { totalCount } }", json!({})).await?;
    assert_eq!(audit.error_code(), Some("FORBIDDEN"));
    Ok(())
}
