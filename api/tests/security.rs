//! The attack suite: every way in we can think of, each asserting the refusal code AND that
//! nothing changed. Runs on SQLite and on PostgreSQL. Extend it with every new resource.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Options, PASSWORD, TestApp};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

/// The signing key the test server uses, so tokens can be forged the way an attacker who knew
/// it (or guessed the algorithm) would.
const KEY: &str = "security-suite-signing-key-0123456789abcdef";

async fn app() -> anyhow::Result<TestApp> {
    TestApp::start_with(Options {
        configure: Some(|s| s.jwt_secret = Some(KEY.to_owned())),
        ..Options::default()
    })
    .await
}

/// Two tenants. A has an owner and an agent; B has an owner, a manager and an API token.
struct World {
    app: TestApp,
    a_owner: String,
    a_agent: String,
    a_owner_id: String,
    a_workspace: String,
    b_owner: String,
    b_manager_id: String,
    b_token_id: String,
    b_token: String,
}

async fn world() -> anyhow::Result<World> {
    let app = app().await?;
    let a = app.workspace("Tenant A").await?;
    let b = app.workspace("Tenant B").await?;
    let a_owner = app.token(&a).await?;
    let b_owner = app.token(&b).await?;
    let a_agent_account = app.add_user(&a_owner, "AGENT").await?;
    let a_agent = app.token(&a_agent_account).await?;
    let b_manager = app.add_user(&b_owner, "MANAGER").await?;
    let created = app
        .as_token(&b_owner)
        .execute(
            "mutation { createApiToken(input: { name: \"B shop\", scopes: [\"users:read\", \"customers:read\"] }) { apiToken { id } secret } }",
            json!({}),
        )
        .await?;
    let payload = created.data()["createApiToken"].clone();
    Ok(World {
        a_owner_id: a.id.clone(),
        a_workspace: a.workspace_id.clone(),
        app,
        a_owner,
        a_agent,
        b_owner,
        b_manager_id: b_manager.id,
        b_token_id: payload["apiToken"]["id"].as_str().unwrap_or_default().to_owned(),
        b_token: payload["secret"].as_str().unwrap_or_default().to_owned(),
    })
}

const USER: &str = "query($id: ID!) { user(id: $id) { id email role status version } }";
const VIEWER: &str = "{ viewer { user { id } } }";

async fn user_as(app: &TestApp, token: &str, id: &str) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(USER, json!({ "id": id })).await?.data()["user"].clone())
}

async fn api_token_works(app: &TestApp, secret: &str) -> anyhow::Result<bool> {
    let response = app.as_token(secret).execute("{ viewer { actor } }", json!({})).await?;
    Ok(response.body["errors"].is_null())
}

fn claims(sub: &str, ws: &str, sid: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "iss": "starcrm", "aud": "starcrm-api", "sub": sub, "ws": ws, "role": "owner", "sid": sid, "iat": now, "exp": now + 600 })
}

fn sign(header: &Header, claims: &Value, key: &str) -> anyhow::Result<String> {
    Ok(jsonwebtoken::encode(header, claims, &EncodingKey::from_secret(key.as_bytes()))?)
}

/// A token assembled by hand: any header, any payload, any signature bytes.
fn forge(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// The claims of a real access token (to tamper with, or to re-sign).
fn decode_claims(token: &str) -> anyhow::Result<Value> {
    let payload = token.split('.').nth(1).ok_or_else(|| anyhow::anyhow!("not a JWT"))?;
    Ok(serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload)?)?)
}

async fn refused(app: &TestApp, token: &str) -> anyhow::Result<()> {
    let response = app.as_token(token).execute(VIEWER, json!({})).await?;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{}", response.body);
    assert_eq!(response.error_code(), Some("UNAUTHENTICATED"), "{}", response.body);
    assert!(response.body["data"].is_null(), "no data leaks");
    Ok(())
}

// ---- cross-tenant access, by id, for every resource --------------------------------------

#[tokio::test]
async fn cross_workspace_user_read_by_id_finds_nothing() -> anyhow::Result<()> {
    let w = world().await?;
    assert!(user_as(&w.app, &w.a_owner, &w.b_manager_id).await?.is_null());
    assert!(user_as(&w.app, &w.b_owner, &w.b_manager_id).await?.is_object(), "B still sees its own user");
    Ok(())
}

#[tokio::test]
async fn cross_workspace_user_list_shows_only_own_users() -> anyhow::Result<()> {
    let w = world().await?;
    let list = w.app.as_token(&w.a_owner).execute("{ users { totalCount nodes { id } } }", json!({})).await?;
    let ids: Vec<Value> = list.data()["users"]["nodes"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.data()["users"]["totalCount"], 2, "A's owner and agent only");
    assert!(!ids.contains(&json!({ "id": w.b_manager_id })));
    Ok(())
}

#[tokio::test]
async fn cross_workspace_role_change_is_not_found_and_changes_nothing() -> anyhow::Result<()> {
    let w = world().await?;
    let before = user_as(&w.app, &w.b_owner, &w.b_manager_id).await?;
    let response = w
        .app
        .as_token(&w.a_owner)
        .execute(
            "mutation($input: ChangeUserRoleInput!) { changeUserRole(input: $input) { role } }",
            json!({ "input": { "id": w.b_manager_id, "role": "ADMIN", "version": before["version"] } }),
        )
        .await?;
    assert_eq!(response.error_code(), Some("NOT_FOUND"));
    assert_eq!(user_as(&w.app, &w.b_owner, &w.b_manager_id).await?, before);
    Ok(())
}

#[tokio::test]
async fn cross_workspace_deactivation_is_not_found_and_changes_nothing() -> anyhow::Result<()> {
    let w = world().await?;
    let before = user_as(&w.app, &w.b_owner, &w.b_manager_id).await?;
    let response = w
        .app
        .as_token(&w.a_owner)
        .execute("mutation($id: ID!) { deactivateUser(id: $id) { status } }", json!({ "id": w.b_manager_id }))
        .await?;
    assert_eq!(response.error_code(), Some("NOT_FOUND"));
    assert_eq!(user_as(&w.app, &w.b_owner, &w.b_manager_id).await?, before);
    Ok(())
}

#[tokio::test]
async fn cross_workspace_api_token_revocation_is_not_found_and_the_token_keeps_working() -> anyhow::Result<()>
{
    let w = world().await?;
    let response = w
        .app
        .as_token(&w.a_owner)
        .execute("mutation($id: ID!) { revokeApiToken(id: $id) { status } }", json!({ "id": w.b_token_id }))
        .await?;
    assert_eq!(response.error_code(), Some("NOT_FOUND"));
    assert!(api_token_works(&w.app, &w.b_token).await?);
    let listed = w.app.as_token(&w.a_owner).execute("{ apiTokens { id } }", json!({})).await?;
    assert_eq!(listed.data()["apiTokens"], json!([]), "A does not even see B's tokens");
    Ok(())
}

#[tokio::test]
async fn cross_workspace_audit_log_shows_only_own_entries() -> anyhow::Result<()> {
    let w = world().await?;
    let log = w
        .app
        .as_token(&w.a_owner)
        .execute("{ auditLog(first: 100) { nodes { entityId action } } }", json!({}))
        .await?;
    let entries = log.data()["auditLog"]["nodes"].as_array().cloned().unwrap_or_default();
    assert!(!entries.is_empty());
    for entry in entries {
        assert_ne!(entry["entityId"], json!(w.b_manager_id), "{entry}");
        assert_ne!(entry["entityId"], json!(w.b_token_id), "{entry}");
    }
    Ok(())
}

#[tokio::test]
async fn workspace_b_api_token_on_workspace_a_ids_finds_nothing() -> anyhow::Result<()> {
    let w = world().await?;
    assert!(user_as(&w.app, &w.b_token, &w.a_owner_id).await?.is_null());
    let list = w.app.as_token(&w.b_token).execute("{ users { totalCount } }", json!({})).await?;
    assert_eq!(list.data()["users"]["totalCount"], 2, "B's owner and manager only");
    Ok(())
}

#[tokio::test]
async fn a_token_whose_claims_name_another_workspace_is_refused() -> anyhow::Result<()> {
    let w = world().await?;
    // A's owner, re-signed with B's... no: with the right key but workspace A swapped for B.
    let mut forged = decode_claims(&w.a_owner)?;
    forged["ws"] = json!(uuid::Uuid::now_v7().to_string());
    refused(&w.app, &sign(&Header::new(Algorithm::HS256), &forged, KEY)?).await?;
    assert_ne!(forged["ws"], json!(w.a_workspace));
    Ok(())
}

// ---- forged and broken access tokens ---------------------------------------------------------

#[tokio::test]
async fn alg_none_is_refused() -> anyhow::Result<()> {
    let w = world().await?;
    let claims = decode_claims(&w.a_owner)?;
    refused(&w.app, &forge(&json!({ "alg": "none", "typ": "JWT" }), &claims, b"")).await?;
    refused(&w.app, &format!("{}.", forge(&json!({ "alg": "none" }), &claims, b"").trim_end_matches('.')))
        .await
}

#[tokio::test]
async fn hs_rs_key_confusion_is_refused() -> anyhow::Result<()> {
    let w = world().await?;
    let claims = decode_claims(&w.a_owner)?;
    // A token that claims RS256 but carries a valid HMAC made with the server's key: a
    // verifier that trusted the header's algorithm would accept it.
    let genuine = sign(&Header::new(Algorithm::HS256), &claims, KEY)?;
    let signature = URL_SAFE_NO_PAD.decode(genuine.rsplit('.').next().unwrap_or_default())?;
    let header = json!({ "alg": "RS256", "typ": "JWT" });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let relabelled = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(&signature));
    refused(&w.app, &relabelled).await?;
    // And other HMAC strengths with the right key are outside the allow-list too.
    refused(&w.app, &sign(&Header::new(Algorithm::HS512), &claims, KEY)?).await
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() -> anyhow::Result<()> {
    let w = world().await?;
    let claims = decode_claims(&w.a_owner)?;
    refused(
        &w.app,
        &sign(&Header::new(Algorithm::HS256), &claims, "an-attacker-chosen-key-0123456789abcdef")?,
    )
    .await
}

#[tokio::test]
async fn a_tampered_payload_is_refused() -> anyhow::Result<()> {
    let w = world().await?;
    // The agent edits their own token to say "owner", keeping the signature.
    let mut parts: Vec<String> = w.a_agent.split('.').map(str::to_owned).collect();
    let mut claims = decode_claims(&w.a_agent)?;
    claims["role"] = json!("owner");
    claims["exp"] = json!(claims["exp"].as_i64().unwrap_or_default() + 86_400);
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    refused(&w.app, &parts.join(".")).await?;
    let audit = w.app.as_token(&w.a_agent).execute("{ auditLog { totalCount } }", json!({})).await?;
    assert_eq!(audit.error_code(), Some("FORBIDDEN"), "the real token still has the agent's rights only");
    Ok(())
}

#[tokio::test]
async fn an_expired_token_is_refused() -> anyhow::Result<()> {
    let w = world().await?;
    let mut claims = decode_claims(&w.a_owner)?;
    let past = chrono::Utc::now().timestamp() - 3600;
    claims["iat"] = json!(past - 900);
    claims["exp"] = json!(past);
    refused(&w.app, &sign(&Header::new(Algorithm::HS256), &claims, KEY)?).await
}

#[tokio::test]
async fn a_wrong_audience_is_refused() -> anyhow::Result<()> {
    let w = world().await?;
    let mut claims = decode_claims(&w.a_owner)?;
    claims["aud"] = json!("some-other-service");
    refused(&w.app, &sign(&Header::new(Algorithm::HS256), &claims, KEY)?).await
}

#[tokio::test]
async fn a_wrong_issuer_is_refused() -> anyhow::Result<()> {
    let w = world().await?;
    let mut claims = decode_claims(&w.a_owner)?;
    claims["iss"] = json!("evil-issuer");
    refused(&w.app, &sign(&Header::new(Algorithm::HS256), &claims, KEY)?).await
}

#[tokio::test]
async fn a_made_up_session_is_refused_even_when_signed_correctly() -> anyhow::Result<()> {
    let w = world().await?;
    let real = decode_claims(&w.a_owner)?;
    let forged = claims(
        real["sub"].as_str().unwrap_or_default(),
        real["ws"].as_str().unwrap_or_default(),
        &uuid::Uuid::now_v7().to_string(),
    );
    refused(&w.app, &sign(&Header::new(Algorithm::HS256), &forged, KEY)?).await
}

#[tokio::test]
async fn garbage_credentials_are_an_error_not_anonymous_access() -> anyhow::Result<()> {
    let w = world().await?;
    for credential in [
        "Bearer not-a-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer scrm_forged0000000000000000000000000000000000",
    ] {
        let response = w
            .app
            .graphql()
            .header("authorization", credential)
            .execute("{ serverInfo { version } }", json!({}))
            .await?;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{credential}");
        assert_eq!(response.error_code(), Some("UNAUTHENTICATED"), "{credential}");
    }
    Ok(())
}

// ---- sessions ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_reused_rotated_refresh_token_revokes_the_family() -> anyhow::Result<()> {
    let app = app().await?;
    let owner = app.workspace("Acme").await?;
    let session = app.sign_in(&owner).await?;
    let refresh =
        "mutation($t: String!) { refreshSession(input: { refreshToken: $t }) { accessToken refreshToken } }";
    let rotated = app.graphql().execute(refresh, json!({ "t": session.refresh_token })).await?;
    let newer = rotated.data()["refreshSession"].clone();
    let replay = app.graphql().execute(refresh, json!({ "t": session.refresh_token })).await?;
    assert_eq!(replay.error_code(), Some("UNAUTHENTICATED"));
    refused(&app, newer["accessToken"].as_str().unwrap_or_default()).await?;
    let next = app.graphql().execute(refresh, json!({ "t": newer["refreshToken"] })).await?;
    assert_eq!(next.error_code(), Some("UNAUTHENTICATED"));
    Ok(())
}

#[tokio::test]
async fn a_deactivated_users_live_token_is_refused() -> anyhow::Result<()> {
    let w = world().await?;
    let agent_id =
        w.app.as_token(&w.a_agent).execute(VIEWER, json!({})).await?.data()["viewer"]["user"]["id"].clone();
    w.app
        .as_token(&w.a_owner)
        .execute("mutation($id: ID!) { deactivateUser(id: $id) { status } }", json!({ "id": agent_id }))
        .await?
        .data();
    refused(&w.app, &w.a_agent).await
}

#[tokio::test]
async fn an_api_token_dies_with_its_creators_account() -> anyhow::Result<()> {
    let w = world().await?;
    let b_owner_id =
        w.app.as_token(&w.b_owner).execute(VIEWER, json!({})).await?.data()["viewer"]["user"]["id"].clone();
    // A second owner deactivates the creator.
    let other_owner = w.app.add_user(&w.b_owner, "OWNER").await?;
    let other = w.app.token(&other_owner).await?;
    w.app
        .as_token(&other)
        .execute("mutation($id: ID!) { deactivateUser(id: $id) { status } }", json!({ "id": b_owner_id }))
        .await?
        .data();
    refused(&w.app, &w.b_token).await
}

// ---- acting above one's role --------------------------------------------------------------------

#[tokio::test]
async fn an_agent_cannot_create_an_admin() -> anyhow::Result<()> {
    let w = world().await?;
    let response = w
        .app
        .as_token(&w.a_agent)
        .execute(
            "mutation { createUser(input: { email: \"sneaky@test.example\", name: \"Sneaky\", role: ADMIN }) { user { id } } }",
            json!({}),
        )
        .await?;
    assert_eq!(response.error_code(), Some("FORBIDDEN"));
    assert_eq!(response.error_extension("permission"), "users:manage");
    let users = w
        .app
        .as_token(&w.a_owner)
        .execute("{ users(filter: { search: \"sneaky\" }) { totalCount } }", json!({}))
        .await?;
    assert_eq!(users.data()["users"]["totalCount"], 0);
    Ok(())
}

#[tokio::test]
async fn an_admin_cannot_create_an_owner() -> anyhow::Result<()> {
    let w = world().await?;
    let admin = w.app.add_user(&w.a_owner, "ADMIN").await?;
    let admin_token = w.app.token(&admin).await?;
    let response = w
        .app
        .as_token(&admin_token)
        .execute(
            "mutation { createUser(input: { email: \"boss@test.example\", name: \"Boss\", role: OWNER }) { user { id } } }",
            json!({}),
        )
        .await?;
    assert_eq!(response.error_code(), Some("FORBIDDEN"));
    let owners = w
        .app
        .as_token(&w.a_owner)
        .execute("{ users(filter: { role: OWNER }) { totalCount } }", json!({}))
        .await?;
    assert_eq!(owners.data()["users"]["totalCount"], 1);
    Ok(())
}

#[tokio::test]
async fn nobody_changes_their_own_role() -> anyhow::Result<()> {
    let w = world().await?;
    let admin = w.app.add_user(&w.a_owner, "ADMIN").await?;
    let admin_token = w.app.token(&admin).await?;
    let me = user_as(&w.app, &admin_token, &admin.id).await?;
    let response = w
        .app
        .as_token(&admin_token)
        .execute(
            "mutation($input: ChangeUserRoleInput!) { changeUserRole(input: $input) { role } }",
            json!({ "input": { "id": admin.id, "role": "OWNER", "version": me["version"] } }),
        )
        .await?;
    assert_eq!(response.error_code(), Some("FORBIDDEN"));
    assert_eq!(user_as(&w.app, &admin_token, &admin.id).await?, me);
    Ok(())
}

#[tokio::test]
async fn a_token_cannot_be_granted_a_scope_its_creator_does_not_hold() -> anyhow::Result<()> {
    let app = app().await?;
    let owner = app.workspace("Acme").await?;
    let owner_token = app.token(&owner).await?;
    let manager = app.add_user(&owner_token, "MANAGER").await?;
    let manager_token = app.token(&manager).await?;
    let response = app
        .as_token(&manager_token)
        .execute(
            "mutation { createApiToken(input: { name: \"escalate\", scopes: [\"customers:read\", \"users:manage\"] }) { secret } }",
            json!({}),
        )
        .await?;
    assert_eq!(response.error_code(), Some("FORBIDDEN"));
    assert_eq!(response.error_extension("permission"), "users:manage");
    let tokens = app.as_token(&owner_token).execute("{ apiTokens { id } }", json!({})).await?;
    assert_eq!(tokens.data()["apiTokens"], json!([]));
    Ok(())
}

#[tokio::test]
async fn an_api_token_cannot_mint_tokens() -> anyhow::Result<()> {
    let app = app().await?;
    let owner = app.workspace("Acme").await?;
    let owner_token = app.token(&owner).await?;
    let created = app
        .as_token(&owner_token)
        .execute(
            "mutation { createApiToken(input: { name: \"ops\", scopes: [\"tokens:manage\"] }) { secret } }",
            json!({}),
        )
        .await?;
    let secret = created.data()["createApiToken"]["secret"].as_str().unwrap_or_default().to_owned();
    let response = app
        .as_token(&secret)
        .execute(
            "mutation { createApiToken(input: { name: \"child\", scopes: [\"tokens:manage\"] }) { secret } }",
            json!({}),
        )
        .await?;
    assert_eq!(response.error_code(), Some("FORBIDDEN"));
    let tokens = app.as_token(&owner_token).execute("{ apiTokens { name } }", json!({})).await?;
    assert_eq!(tokens.data()["apiTokens"], json!([{ "name": "ops" }]));
    Ok(())
}

#[tokio::test]
async fn mass_assignment_of_fields_the_input_does_not_have_is_refused() -> anyhow::Result<()> {
    let w = world().await?;
    // Trying to place a new user in workspace B, or to make one's sign-in an owner's.
    let response = w
        .app
        .as_token(&w.a_owner)
        .execute(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
            json!({ "input": { "email": "planted@test.example", "name": "Planted", "role": "AGENT", "workspaceId": "00000000-0000-0000-0000-000000000000" } }),
        )
        .await?;
    assert_eq!(response.error_code(), Some("BAD_REQUEST"), "{}", response.body);
    let login = w
        .app
        .graphql()
        .execute(
            "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            json!({ "input": { "email": "x@test.example", "password": PASSWORD, "role": "OWNER" } }),
        )
        .await?;
    assert_eq!(login.error_code(), Some("BAD_REQUEST"));
    let users = w
        .app
        .as_token(&w.a_owner)
        .execute("{ users(filter: { search: \"planted\" }) { totalCount } }", json!({}))
        .await?;
    assert_eq!(users.data()["users"]["totalCount"], 0);
    Ok(())
}

#[tokio::test]
async fn reading_personal_data_needs_pii_read_and_is_audited() -> anyhow::Result<()> {
    let app = app().await?;
    let owner = app.workspace("Acme").await?;
    let owner_token = app.token(&owner).await?;
    let created = app
        .as_token(&owner_token)
        .execute(
            "mutation { createUser(input: { email: \"pii@test.example\", name: \"Pii\", role: AGENT, phone: \"13812345678\" }) { user { id phone } } }",
            json!({}),
        )
        .await?;
    let id = created.data()["createUser"]["user"]["id"].clone();
    assert_eq!(created.data()["createUser"]["user"]["phone"], "138****5678", "masked by default");
    let marketer = app.add_user(&owner_token, "MARKETER").await?;
    let marketer_token = app.token(&marketer).await?;
    let reveal = "query($id: ID!) { user(id: $id) { phone(reveal: true) } }";
    // A marketer cannot even read accounts; give them a manager's reach to isolate pii:read.
    let denied = app.as_token(&marketer_token).execute(reveal, json!({ "id": id })).await?;
    assert_eq!(denied.error_code(), Some("FORBIDDEN"));
    let manager = app.add_user(&owner_token, "MANAGER").await?;
    let manager_token = app.token(&manager).await?;
    let revealed = app.as_token(&manager_token).execute(reveal, json!({ "id": id })).await?;
    assert_eq!(revealed.data()["user"]["phone"], "+8613812345678");
    let log = app
        .as_token(&owner_token)
        .execute(
            "{ auditLog(filter: { action: \"pii.reveal\" }) { totalCount nodes { actorName entityId } } }",
            json!({}),
        )
        .await?;
    assert_eq!(log.data()["auditLog"]["totalCount"], 1, "one reveal, by the manager only");
    assert_eq!(log.data()["auditLog"]["nodes"][0]["entityId"], id);
    Ok(())
}

// ---- throttling and request limits ------------------------------------------------------------

const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) { accessToken } }";

#[tokio::test]
async fn login_brute_force_is_throttled() -> anyhow::Result<()> {
    let app = app().await?;
    let owner = app.workspace("Acme").await?;
    let mut codes = Vec::new();
    for _ in 0..8 {
        let response = app
            .graphql()
            .execute(LOGIN, json!({ "input": { "email": owner.email, "password": "guess-guess-guess" } }))
            .await?;
        codes.push(response.error_code().unwrap_or_default().to_owned());
    }
    assert_eq!(&codes[..5], ["UNAUTHENTICATED"; 5]);
    assert!(codes[5..].iter().all(|c| c == "RATE_LIMITED"), "{codes:?}");
    let right = app
        .graphql()
        .execute(LOGIN, json!({ "input": { "email": owner.email, "password": PASSWORD } }))
        .await?;
    assert_eq!(right.error_code(), Some("RATE_LIMITED"), "no token while throttled");
    Ok(())
}

#[tokio::test]
async fn aliased_login_batches_count_as_many_logins() -> anyhow::Result<()> {
    let app = app().await?;
    let owner = app.workspace("Acme").await?;
    let email = &owner.email;
    let aliases: Vec<String> = (0..8)
        .map(|i| format!("a{i}: login(input: {{ email: \"{email}\", password: \"guess-{i}-guess-guess\" }}) {{ accessToken }}"))
        .collect();
    let batch = app.graphql().execute(&format!("mutation {{ {} }}", aliases.join(" ")), json!({})).await?;
    let codes: Vec<&str> = batch.body["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["extensions"]["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(codes.iter().filter(|c| **c == "RATE_LIMITED").count(), 3, "{codes:?}");
    // Bigger batches are refused before any login runs.
    let many: Vec<String> = (0..11)
        .map(|i| format!("b{i}: login(input: {{ email: \"{email}\", password: \"x\" }}) {{ accessToken }}"))
        .collect();
    let refused = app.graphql().execute(&format!("mutation {{ {} }}", many.join(" ")), json!({})).await?;
    assert_eq!(refused.error_code(), Some("BAD_REQUEST"));
    Ok(())
}

#[tokio::test]
async fn an_over_deep_query_is_refused() -> anyhow::Result<()> {
    // In development mode, where anyone may introspect, so the depth limit is what refuses it.
    let app = TestApp::start_with(Options {
        mode: Some(starcrm_api::config::Mode::Development),
        ..Options::default()
    })
    .await?;
    let mut selection = String::from("name");
    for _ in 0..16 {
        selection = format!("ofType {{ {selection} }}");
    }
    let response =
        app.graphql().execute(&format!("{{ __type(name: \"User\") {{ {selection} }} }}"), json!({})).await?;
    assert_eq!(response.error_code(), Some("BAD_REQUEST"));
    assert!(response.body["data"].is_null());
    Ok(())
}

#[tokio::test]
async fn an_over_complex_query_is_refused() -> anyhow::Result<()> {
    let w = world().await?;
    let fields = "id email name role status createdAt lastLoginAt version";
    let query = format!(
        "{{ u1: users(first: 100) {{ nodes {{ {fields} }} }} u2: users(first: 100) {{ nodes {{ {fields} }} }} u3: users(first: 100) {{ nodes {{ {fields} }} }} }}"
    );
    let response = w.app.as_token(&w.a_owner).execute(&query, json!({})).await?;
    assert_eq!(response.error_code(), Some("BAD_REQUEST"), "{}", response.body);
    assert!(response.error_message().contains("complex"), "{}", response.error_message());
    Ok(())
}

#[tokio::test]
async fn a_page_size_above_the_cap_is_refused() -> anyhow::Result<()> {
    let w = world().await?;
    let response =
        w.app.as_token(&w.a_owner).execute("{ users(first: 101) { totalCount } }", json!({})).await?;
    assert_eq!(response.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(response.error_extension("field"), "first");
    Ok(())
}

#[tokio::test]
async fn a_busy_api_token_is_rate_limited_with_retry_after() -> anyhow::Result<()> {
    let app =
        TestApp::start_with(Options { configure: Some(|s| s.api_token_rate = 3), ..Options::default() })
            .await?;
    let owner = app.workspace("Acme").await?;
    let owner_token = app.token(&owner).await?;
    let created = app
        .as_token(&owner_token)
        .execute(
            "mutation { createApiToken(input: { name: \"pos\", scopes: [\"customers:read\"] }) { secret } }",
            json!({}),
        )
        .await?;
    let secret = created.data()["createApiToken"]["secret"].as_str().unwrap_or_default().to_owned();
    for _ in 0..3 {
        assert!(api_token_works(&app, &secret).await?);
    }
    let limited = app.as_token(&secret).execute("{ viewer { actor } }", json!({})).await?;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.error_code(), Some("RATE_LIMITED"));
    assert_eq!(limited.headers["retry-after"], "20");
    assert!(
        app.as_token(&owner_token).execute(VIEWER, json!({})).await?.body["errors"].is_null(),
        "others unaffected"
    );
    Ok(())
}

#[tokio::test]
async fn anonymous_callers_reach_nothing_private() -> anyhow::Result<()> {
    let app = app().await?;
    for query in [
        "{ viewer { actor } }",
        "{ users { totalCount } }",
        "{ apiTokens { id } }",
        "{ auditLog { totalCount } }",
        "{ dashboard { customers } }",
        "{ changes { endPosition } }",
        "{ webhookEndpoints { id secret } }",
        "{ surveyScores(kind: NPS) { overall { n } } }",
        "{ surveyDefinitions { id } }",
        "{ messagingSettings { linkBase smtp { host } } }",
        "{ loyaltyRule { version } }",
        "{ pointsLiability { outstanding } }",
        "{ rewards { id } }",
        "{ voucher(code: \"ABCD-EFGH-JK\") { status } }",
        "mutation { useVoucher(code: \"ABCD-EFGH-JK\") { created } }",
        "{ me { name } }",
    ] {
        let response = app.graphql().execute(query, json!({})).await?;
        assert_eq!(response.error_code(), Some("UNAUTHENTICATED"), "{query}");
    }
    Ok(())
}

// ---- cross-tenant access to the customer hub ------------------------------------------------

/// Workspace B's customer with a purchase, a merge and a custom field, for A to attack.
struct Hub {
    w: World,
    b_customer: Value,
    b_transaction: String,
    b_merge: String,
    b_field: String,
}

const B_CUSTOMER: &str = "query($id: ID!) {
  customer(id: $id) { id name version deleted erased company tags orderCount totalSpend { amountMinor }
    identities { id externalId } phones { value(reveal: true) } merges { undoneAt } }
}";

async fn hub() -> anyhow::Result<Hub> {
    let w = world().await?;
    let create = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }";
    let b = &w.b_owner;
    let first = w
        .app
        .as_token(b)
        .execute(create, json!({ "input": { "name": "B Customer", "phones": [{ "value": "13811112222" }], "identities": [{ "channel": "WECHAT", "externalId": "shared-openid" }] } }))
        .await?;
    let id = first.data()["createCustomer"]["id"].clone();
    let twin = w.app.as_token(b).execute(create, json!({ "input": { "name": "B Twin" } })).await?;
    let twin_id = twin.data()["createCustomer"]["id"].clone();
    let pushed = w
        .app
        .as_token(b)
        .execute(
            "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { transaction { id } } }",
            json!({ "input": { "customer": { "id": id }, "channel": "STORE", "amountMinor": 5_000, "externalRef": "b-order-1" } }),
        )
        .await?;
    let b_transaction =
        pushed.data()["recordTransaction"]["transaction"]["id"].as_str().unwrap_or_default().to_owned();
    let version =
        w.app.as_token(b).execute(B_CUSTOMER, json!({ "id": id })).await?.data()["customer"]["version"]
            .clone();
    let merged = w
        .app
        .as_token(b)
        .execute(
            "mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { merge { id } } }",
            json!({ "input": { "survivorId": id, "mergedId": twin_id, "survivorVersion": version } }),
        )
        .await?;
    let b_merge = merged.data()["mergeCustomers"]["merge"]["id"].as_str().unwrap_or_default().to_owned();
    let field = w
        .app
        .as_token(b)
        .execute(
            "mutation { createCustomField(input: { key: \"hobby\", label: \"Hobby\", kind: TEXT }) { id } }",
            json!({}),
        )
        .await?;
    let b_field = field.data()["createCustomField"]["id"].as_str().unwrap_or_default().to_owned();
    let b_customer =
        w.app.as_token(b).execute(B_CUSTOMER, json!({ "id": id })).await?.data()["customer"].clone();
    Ok(Hub { w, b_customer, b_transaction, b_merge, b_field })
}

impl Hub {
    fn b_id(&self) -> &Value {
        &self.b_customer["id"]
    }

    /// B's customer as B sees it now: must equal `b_customer` after every refused attack.
    async fn b_view(&self) -> anyhow::Result<Value> {
        let response =
            self.w.app.as_token(&self.w.b_owner).execute(B_CUSTOMER, json!({ "id": self.b_id() })).await?;
        Ok(response.data()["customer"].clone())
    }

    async fn attack(&self, token: &str, query: &str, variables: Value) -> anyhow::Result<Value> {
        let response = self.w.app.as_token(token).execute(query, variables).await?;
        assert_eq!(response.error_code(), Some("NOT_FOUND"), "{}", response.body);
        assert_eq!(self.b_view().await?, self.b_customer, "nothing changed");
        Ok(response.body)
    }
}

#[tokio::test]
async fn cross_workspace_customer_read_by_id_finds_nothing() -> anyhow::Result<()> {
    let h = hub().await?;
    for token in [&h.w.a_owner, &h.w.a_agent] {
        let response = h.w.app.as_token(token).execute(B_CUSTOMER, json!({ "id": h.b_id() })).await?;
        assert!(response.data()["customer"].is_null(), "{}", response.body);
        let dupes =
            h.w.app
                .as_token(token)
                .execute(
                    "query($id: ID!) { duplicateCandidates(customerId: $id) { customer { id } } }",
                    json!({ "id": h.b_id() }),
                )
                .await?;
        assert_eq!(dupes.error_code(), Some("NOT_FOUND"));
    }
    Ok(())
}

#[tokio::test]
async fn cross_workspace_customer_list_search_and_fields_show_only_own() -> anyhow::Result<()> {
    let h = hub().await?;
    let list = h
        .w
        .app
        .as_token(&h.w.a_owner)
        .execute("{ all: customers(first: 100, includeDeleted: true) { totalCount } byPhone: customers(first: 5, filter: { search: \"13811112222\" }) { totalCount } customFields { key } }", json!({}))
        .await?;
    assert_eq!(list.data()["all"]["totalCount"], 0);
    assert_eq!(list.data()["byPhone"]["totalCount"], 0);
    assert_eq!(list.data()["customFields"], json!([]));
    Ok(())
}

#[tokio::test]
async fn cross_workspace_customer_update_delete_and_erase_are_not_found() -> anyhow::Result<()> {
    let h = hub().await?;
    let id = h.b_id().clone();
    h.attack(
        &h.w.a_owner,
        "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
        json!({ "input": { "id": id, "version": h.b_customer["version"], "company": "A was here" } }),
    )
    .await?;
    h.attack(&h.w.a_owner, "mutation($id: ID!) { deleteCustomer(id: $id) { id } }", json!({ "id": id }))
        .await?;
    h.attack(&h.w.a_owner, "mutation($id: ID!) { restoreCustomer(id: $id) { id } }", json!({ "id": id }))
        .await?;
    h.attack(
        &h.w.a_owner,
        "mutation($id: ID!) { eraseCustomer(id: $id, reason: \"attack\") { id } }",
        json!({ "id": id }),
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn cross_workspace_identity_changes_are_not_found() -> anyhow::Result<()> {
    let h = hub().await?;
    let id = h.b_id().clone();
    h.attack(
        &h.w.a_owner,
        "mutation($id: ID!) { addCustomerIdentity(customerId: $id, identity: { channel: APP, externalId: \"a-app\" }) { id } }",
        json!({ "id": id }),
    )
    .await?;
    h.attack(
        &h.w.a_owner,
        "mutation($id: ID!, $identity: ID!) { removeCustomerIdentity(customerId: $id, identityId: $identity) { id } }",
        json!({ "id": id, "identity": h.b_customer["identities"][0]["id"] }),
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn cross_workspace_pushes_by_id_are_not_found_and_never_create_in_b() -> anyhow::Result<()> {
    let h = hub().await?;
    let id = h.b_id().clone();
    h.attack(
        &h.w.a_owner,
        "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { created } }",
        json!({ "input": { "customer": { "id": id }, "channel": "WEB", "amountMinor": 1 } }),
    )
    .await?;
    h.attack(
        &h.w.a_owner,
        "mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { created } }",
        json!({ "input": { "customer": { "id": id }, "kind": "CALL", "direction": "OUTBOUND" } }),
    )
    .await?;
    h.attack(
        &h.w.a_owner,
        "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { created } }",
        json!({ "input": { "transactionId": h.b_transaction } }),
    )
    .await?;
    h.attack(
        &h.w.a_owner,
        "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { created } }",
        json!({ "input": { "originalExternalRef": "b-order-1" } }),
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn the_same_identity_phone_or_external_ref_in_two_workspaces_stays_apart() -> anyhow::Result<()> {
    let h = hub().await?;
    let pushed = h
        .w
        .app
        .as_token(&h.w.a_owner)
        .execute(
            "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { created customerCreated customerId } }",
            json!({ "input": { "customer": { "identity": { "channel": "WECHAT", "externalId": "shared-openid" }, "phone": "13811112222" },
                    "channel": "WECHAT", "amountMinor": 7, "externalRef": "b-order-1" } }),
        )
        .await?;
    let payload = &pushed.data()["recordTransaction"];
    assert_eq!(payload["created"], true, "B's externalRef does not shadow A's");
    assert_eq!(payload["customerCreated"], true, "B's identity and phone do not resolve in A");
    assert_ne!(payload["customerId"], *h.b_id());
    assert_eq!(h.b_view().await?, h.b_customer);
    Ok(())
}

#[tokio::test]
async fn cross_workspace_merge_and_unmerge_are_not_found() -> anyhow::Result<()> {
    let h = hub().await?;
    let own =
        h.w.app
            .as_token(&h.w.a_owner)
            .execute("mutation { createCustomer(input: { name: \"A Customer\" }) { id version } }", json!({}))
            .await?;
    let own = own.data()["createCustomer"].clone();
    h.attack(
        &h.w.a_owner,
        "mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { customer { id } } }",
        json!({ "input": { "survivorId": own["id"], "mergedId": h.b_id(), "survivorVersion": own["version"] } }),
    )
    .await?;
    h.attack(
        &h.w.a_owner,
        "mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { customer { id } } }",
        json!({ "input": { "survivorId": h.b_id(), "mergedId": own["id"], "survivorVersion": h.b_customer["version"] } }),
    )
    .await?;
    h.attack(
        &h.w.a_owner,
        "mutation($id: ID!) { unmergeCustomers(mergeId: $id) { survivor { id } } }",
        json!({ "id": h.b_merge }),
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn cross_workspace_custom_field_changes_are_not_found() -> anyhow::Result<()> {
    let h = hub().await?;
    for (query, variables) in [
        (
            "mutation($id: ID!) { updateCustomField(input: { id: $id, version: 1, label: \"Pwned\" }) { id } }",
            json!({ "id": h.b_field }),
        ),
        ("mutation($id: ID!) { archiveCustomField(id: $id) { id } }", json!({ "id": h.b_field })),
    ] {
        let response = h.w.app.as_token(&h.w.a_owner).execute(query, variables).await?;
        assert_eq!(response.error_code(), Some("NOT_FOUND"), "{}", response.body);
    }
    let fields =
        h.w.app.as_token(&h.w.b_owner).execute("{ customFields { label version } }", json!({})).await?;
    assert_eq!(fields.data()["customFields"], json!([{ "label": "Hobby", "version": 1 }]));
    Ok(())
}

#[tokio::test]
async fn a_customers_read_token_cannot_write_push_or_reveal() -> anyhow::Result<()> {
    let h = hub().await?;
    // B's token holds users:read and customers:read only.
    for (query, permission) in [
        ("mutation { createCustomer(input: { name: \"Token\" }) { id } }", "customers:write"),
        (
            "mutation { recordTransaction(input: { customer: { phone: \"13811112222\" }, channel: WEB, amountMinor: 1 }) { created } }",
            "transactions:write",
        ),
    ] {
        let response = h.w.app.as_token(&h.w.b_token).execute(query, json!({})).await?;
        assert_eq!(response.error_code(), Some("FORBIDDEN"), "{}", response.body);
        assert_eq!(response.error_extension("permission"), permission);
    }
    let reveal =
        h.w.app
            .as_token(&h.w.b_token)
            .execute(
                "query($id: ID!) { customer(id: $id) { phones { value(reveal: true) } } }",
                json!({ "id": h.b_id() }),
            )
            .await?;
    assert_eq!(reveal.error_extension("permission"), "pii:read");
    assert_eq!(h.b_view().await?, h.b_customer);
    Ok(())
}

// ---- findings of the outside review (issue 16) -------------------------------------------------

const REFRESH: &str = "mutation($t: String!) { refreshSession(input: { refreshToken: $t, returnRefreshToken: true }) { accessToken refreshToken } }";
const CUSTOMER: &str =
    "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id code version } }";
const MERGE: &str =
    "mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { customer { id } } }";
const READ_CUSTOMER: &str =
    "query($id: ID!) { customer(id: $id) { id name company version deleted erased } }";

async fn customer(app: &TestApp, token: &str, input: Value) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(CUSTOMER, json!({ "input": input })).await?.data()["createCustomer"]
        .clone())
}

async fn read_customer(app: &TestApp, token: &str, id: &Value) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(READ_CUSTOMER, json!({ "id": id })).await?.data()["customer"].clone())
}

/// Item 1: two refreshes racing with one token. Before, SQLite answered one with INTERNAL
/// (`database is locked`) and let the other's session live on.
#[tokio::test]
async fn concurrent_refresh_token_reuse_revokes_the_session_without_internal_errors() -> anyhow::Result<()> {
    let app = app().await?;
    let owner = app.workspace("Acme").await?;
    for trial in 0..3 {
        let session = app.sign_in(&owner).await?;
        let vars = json!({ "t": session.refresh_token });
        let clients: Vec<_> = (0..4).map(|_| app.graphql()).collect();
        let racers = clients.iter().map(|client| client.execute(REFRESH, vars.clone()));
        let answers = futures_util::future::join_all(racers).await;
        let mut winners = Vec::new();
        for answer in answers {
            let answer = answer?;
            match answer.error_code() {
                None => winners.push(answer.body["data"]["refreshSession"].clone()),
                Some(code) => assert_eq!(code, "UNAUTHENTICATED", "trial {trial}: {}", answer.body),
            }
        }
        assert!(winners.len() <= 1, "trial {trial}: one token, at most one refresh: {winners:?}");
        for winner in winners {
            let token = winner["accessToken"].as_str().unwrap_or_default();
            refused(&app, token).await?;
            let again = app.graphql().execute(REFRESH, json!({ "t": winner["refreshToken"] })).await?;
            assert_eq!(again.error_code(), Some("UNAUTHENTICATED"), "the family is revoked: {}", again.body);
        }
    }
    Ok(())
}

/// Item 2 and its siblings: an id that was merged away names no one to change.
#[tokio::test]
async fn changes_naming_a_merged_away_customer_are_refused() -> anyhow::Result<()> {
    let w = world().await?;
    let (app, token) = (&w.app, &w.a_owner);
    let c0 = customer(app, token, json!({ "name": "Zhou Zero" })).await?;
    let c1 = customer(app, token, json!({ "name": "Zhou One" })).await?;
    let c2 = customer(app, token, json!({ "name": "Zhou Two" })).await?;
    app.as_token(token)
        .execute(MERGE, json!({ "input": { "survivorId": c0["id"], "mergedId": c2["id"], "survivorVersion": c0["version"] } }))
        .await?
        .data();
    let c0_before = read_customer(app, token, &c0["id"]).await?;

    let merge = app
        .as_token(token)
        .execute(MERGE, json!({ "input": { "survivorId": c1["id"], "mergedId": c2["id"], "survivorVersion": c1["version"] } }))
        .await?;
    assert_eq!(merge.error_code(), Some("BAD_USER_INPUT"), "{}", merge.body);
    assert_eq!(merge.error_extension("field"), "mergedId");
    assert!(
        merge.error_message().contains(c0["code"].as_str().unwrap_or("?")),
        "names the survivor: {}",
        merge.error_message()
    );
    let into = app
        .as_token(token)
        .execute(MERGE, json!({ "input": { "survivorId": c2["id"], "mergedId": c1["id"], "survivorVersion": c0_before["version"] } }))
        .await?;
    assert_eq!(into.error_extension("field"), "survivorId", "{}", into.body);

    let update = app
        .as_token(token)
        .execute(
            "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
            json!({ "input": { "id": c2["id"], "version": c0_before["version"], "company": "Hijacked" } }),
        )
        .await?;
    assert_eq!(update.error_code(), Some("BAD_USER_INPUT"), "{}", update.body);
    let erase = app
        .as_token(token)
        .execute(
            "mutation($id: ID!) { eraseCustomer(id: $id, reason: \"asked\") { id } }",
            json!({ "id": c2["id"] }),
        )
        .await?;
    assert_eq!(erase.error_code(), Some("BAD_USER_INPUT"), "{}", erase.body);
    let delete = app
        .as_token(token)
        .execute("mutation($id: ID!) { deleteCustomer(id: $id) { id } }", json!({ "id": c2["id"] }))
        .await?;
    assert_eq!(delete.error_code(), Some("BAD_USER_INPUT"), "{}", delete.body);

    assert_eq!(read_customer(app, token, &c0["id"]).await?, c0_before, "the survivor is untouched");
    let c1_after = read_customer(app, token, &c1["id"]).await?;
    assert_eq!(c1_after["id"], c1["id"], "C1 was not merged into anything");
    assert_eq!(c1_after["deleted"], false);
    Ok(())
}

/// Item 3: erasure leaves no name or company in the audit log, the events or the merged-away
/// record, and keeps the fact that it happened.
#[tokio::test]
async fn erasure_scrubs_the_audit_log_events_and_merged_records() -> anyhow::Result<()> {
    let w = world().await?;
    let (app, token) = (&w.app, &w.a_owner);
    let person = customer(app, token, json!({ "name": "Secretname Li", "company": "Secretco" })).await?;
    let twin = customer(app, token, json!({ "name": "Secretname Twin", "company": "Secretco" })).await?;
    app.as_token(token)
        .execute(
            "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
            json!({ "input": { "id": person["id"], "version": person["version"], "company": "Secretco Two" } }),
        )
        .await?
        .data();
    let current = read_customer(app, token, &person["id"]).await?;
    app.as_token(token)
        .execute(MERGE, json!({ "input": { "survivorId": person["id"], "mergedId": twin["id"], "survivorVersion": current["version"] } }))
        .await?
        .data();
    app.as_token(token)
        .execute(
            "mutation($id: ID!) { eraseCustomer(id: $id, reason: \"GDPR request\") { id } }",
            json!({ "id": person["id"] }),
        )
        .await?
        .data();

    let log = app
        .as_token(token)
        .execute("{ auditLog(first: 100) { nodes { action entityId changes } } }", json!({}))
        .await?;
    let text = log.data().to_string();
    assert!(!text.contains("Secret"), "no personal data left in the audit log: {text}");
    assert!(text.contains("customer.erase"), "the erasure itself is recorded");
    assert!(text.contains("redacted"), "entries say they were redacted: {text}");
    // Every stored copy, read straight from the database.
    for table in ["audit_log", "events", "customers", "star_history"] {
        let rows = app
            .state
            .db
            .query_all_raw(Statement::from_string(
                app.state.db.get_database_backend(),
                format!("SELECT * FROM {table}"),
            ))
            .await?;
        for row in rows {
            let dump = format!("{row:?}");
            assert!(!dump.contains("Secret"), "{table} still holds personal data: {dump}");
        }
    }
    Ok(())
}

/// Item 4: an email used in another workspace is no one else's business.
#[tokio::test]
async fn creating_a_user_with_an_email_of_another_workspace_reveals_nothing() -> anyhow::Result<()> {
    let w = world().await?;
    let b_owner_email = w
        .app
        .as_token(&w.b_owner)
        .execute("{ viewer { user { email } } }", json!({}))
        .await?
        .data()["viewer"]["user"]["email"]
        .clone();
    let create = "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id email } } }";
    let made = w
        .app
        .as_token(&w.a_owner)
        .execute(
            create,
            json!({ "input": { "email": b_owner_email, "name": "Same Address", "role": "AGENT" } }),
        )
        .await?;
    assert_eq!(made.data()["createUser"]["user"]["email"], b_owner_email, "no CONFLICT across workspaces");
    let again = w
        .app
        .as_token(&w.a_owner)
        .execute(create, json!({ "input": { "email": b_owner_email, "name": "Twice", "role": "AGENT" } }))
        .await?;
    assert_eq!(again.error_code(), Some("CONFLICT"), "within one workspace an email is still unique");
    // B's owner still signs in to B with B's password (the new A account has another password).
    let b_in = w
        .app
        .graphql()
        .execute(LOGIN, json!({ "input": { "email": b_owner_email, "password": PASSWORD } }))
        .await?;
    assert!(b_in.data()["login"]["accessToken"].is_string());
    Ok(())
}

/// Item 4, sign-in side: one email, one password, two workspaces: the client is asked which.
#[tokio::test]
async fn one_email_in_two_workspaces_signs_in_to_the_one_chosen() -> anyhow::Result<()> {
    let app = app().await?;
    let first = app.workspace("First").await?;
    let new = starcrm_api::workspaces::service::NewWorkspace {
        name: "Second".to_owned(),
        timezone: None,
        currency: None,
        owner_email: first.email.clone(),
        owner_name: "Same Person".to_owned(),
        owner_password: PASSWORD.to_owned(),
    };
    let (second, _) = starcrm_api::workspaces::service::create(
        &app.state.db,
        &starcrm_api::auth::RequestMeta::default(),
        new,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let ask = app
        .graphql()
        .execute(LOGIN, json!({ "input": { "email": first.email, "password": PASSWORD } }))
        .await?;
    assert_eq!(ask.error_code(), Some("BAD_USER_INPUT"), "{}", ask.body);
    assert_eq!(ask.error_extension("field"), "workspaceId");
    let names: Vec<&str> = ask
        .error_extension("workspaces")
        .as_array()
        .map_or(Vec::new(), |list| list.iter().filter_map(|w| w["name"].as_str()).collect());
    assert_eq!(names, ["First", "Second"]);
    let wrong = app
        .graphql()
        .execute(LOGIN, json!({ "input": { "email": first.email, "password": "not the password at all" } }))
        .await?;
    assert_eq!(wrong.error_code(), Some("UNAUTHENTICATED"), "a wrong password lists nothing: {}", wrong.body);
    let chosen = app
        .graphql()
        .execute(
            "mutation($input: LoginInput!) { login(input: $input) { viewer { workspace { name } } } }",
            json!({ "input": { "email": first.email, "password": PASSWORD, "workspaceId": second.id.to_string() } }),
        )
        .await?;
    assert_eq!(chosen.data()["login"]["viewer"]["workspace"]["name"], "Second");
    Ok(())
}

/// Item 5: who owns a customer is a name, not an account, without `users:read`.
#[tokio::test]
async fn customer_owners_and_agents_show_only_a_name_without_users_read() -> anyhow::Result<()> {
    let w = world().await?;
    let analyst = w.app.add_user(&w.a_owner, "ANALYST").await?;
    let analyst = w.app.token(&analyst).await?;
    let reader = w.app.api_token(&w.a_owner, &["customers:read"]).await?;
    let made = customer(&w.app, &w.a_owner, json!({ "name": "Owned One", "ownerId": w.a_owner_id })).await?;
    let query = "query($id: ID!) { customer(id: $id) { owner { id name account { email role status lastLoginAt } } } }";
    for (who, token) in [("analyst", &analyst), ("customers:read token", &reader)] {
        let seen = w.app.as_token(token).execute(query, json!({ "id": made["id"] })).await?;
        let owner = &seen.data()["customer"]["owner"];
        assert_eq!(owner["id"], w.a_owner_id.as_str(), "{who}");
        assert!(owner["name"].is_string(), "{who}");
        assert!(owner["account"].is_null(), "{who} sees no email, role or sign-in times: {owner}");
        let direct = w
            .app
            .as_token(token)
            .execute("query($id: ID!) { customer(id: $id) { owner { email } } }", json!({ "id": made["id"] }))
            .await?;
        assert!(direct.body["errors"].is_array(), "there is no email on a staff member: {}", direct.body);
    }
    let as_owner = w.app.as_token(&w.a_owner).execute(query, json!({ "id": made["id"] })).await?;
    assert!(
        as_owner.data()["customer"]["owner"]["account"]["email"].is_string(),
        "users:read sees the account"
    );
    Ok(())
}

/// Item 6: the list filter's search text is text, not a LIKE pattern, and has a length cap.
#[tokio::test]
async fn the_customer_list_search_treats_wildcards_as_text_and_caps_its_length() -> anyhow::Result<()> {
    let w = world().await?;
    customer(&w.app, &w.a_owner, json!({ "name": "Plain Name" })).await?;
    customer(&w.app, &w.a_owner, json!({ "name": "Fifty% Off" })).await?;
    let list = "query($s: String!) { customers(filter: { search: $s }) { totalCount nodes { name } } }";
    for (text, expected) in [("%", 1), ("_", 0), ("Plain", 1), ("y%", 1), ("P_ain", 0)] {
        let found = w.app.as_token(&w.a_owner).execute(list, json!({ "s": text })).await?;
        assert_eq!(found.data()["customers"]["totalCount"], expected, "search {text:?}: {}", found.body);
    }
    let long = "x".repeat(50_000);
    let refused = w.app.as_token(&w.a_owner).execute(list, json!({ "s": long })).await?;
    assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{}", refused.error_message());
    assert_eq!(refused.error_extension("field"), "filter.search");
    Ok(())
}

/// Item 7: limits count failures, not sign-ins; a wrong current password does not lock sign-in;
/// the answer carries Retry-After; and the count lives in the database, shared by servers.
#[tokio::test]
async fn sign_in_limits_count_failures_only_and_are_shared_by_servers() -> anyhow::Result<()> {
    let w = world().await?;
    let owner = w.app.workspace("Busy shop").await?;
    for attempt in 0..8 {
        let ok = w
            .app
            .graphql()
            .execute(LOGIN, json!({ "input": { "email": owner.email, "password": PASSWORD } }))
            .await?;
        assert!(ok.body["errors"].is_null(), "successful sign-in {attempt} is never refused: {}", ok.body);
    }
    let token = w.app.token(&owner).await?;
    let change = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }";
    let mut codes = Vec::new();
    for _ in 0..6 {
        let wrong = w
            .app
            .as_token(&token)
            .execute(change, json!({ "input": { "currentPassword": "wrong wrong wrong", "newPassword": "another good passphrase" } }))
            .await?;
        codes.push(wrong.error_code().unwrap_or_default().to_owned());
    }
    assert_eq!(codes.last().map(String::as_str), Some("RATE_LIMITED"), "{codes:?}");
    let still = w
        .app
        .graphql()
        .execute(LOGIN, json!({ "input": { "email": owner.email, "password": PASSWORD } }))
        .await?;
    assert!(
        still.body["errors"].is_null(),
        "guessing in changePassword does not lock sign-in: {}",
        still.body
    );

    // A second server on the same database sees the first one's failures.
    let second = second_server(&w.app).await?;
    let target = w.app.workspace("Target").await?;
    for _ in 0..3 {
        w.app
            .graphql()
            .execute(LOGIN, json!({ "input": { "email": target.email, "password": "guess guess guess" } }))
            .await?;
    }
    for _ in 0..2 {
        second
            .execute(LOGIN, json!({ "input": { "email": target.email, "password": "guess guess guess" } }))
            .await?;
    }
    let limited =
        second.execute(LOGIN, json!({ "input": { "email": target.email, "password": PASSWORD } })).await?;
    assert_eq!(limited.error_code(), Some("RATE_LIMITED"), "5 failures across two servers: {}", limited.body);
    let retry: u64 = limited.headers["retry-after"].to_str()?.parse()?;
    assert!((1..=300).contains(&retry), "Retry-After {retry}");
    Ok(())
}

/// Another server process's worth: its own state and router over the same database.
async fn second_server(app: &TestApp) -> anyhow::Result<starcrm_e2e::GraphqlClient> {
    let mut settings = starcrm_api::config::Settings::from_env()?;
    settings.data_dir = tempfile::tempdir()?.keep();
    settings.meili_url = None;
    settings.database_url = Some(app.db.url().to_owned());
    settings.jwt_secret = Some(KEY.to_owned());
    let conn = starcrm_api::db::connect(app.db.url(), 4).await?;
    let state = starcrm_api::AppState::new(conn, app.state.info.database, &settings).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let router = starcrm_api::http::router(state);
    tokio::spawn(starcrm_api::server::serve(
        listener,
        router,
        std::future::pending(),
        std::time::Duration::from_secs(1),
    ));
    Ok(starcrm_e2e::GraphqlClient::new(&url))
}

/// Item 8: a deactivated user's API tokens stay dead when the account comes back.
#[tokio::test]
async fn reactivating_a_user_does_not_revive_their_api_tokens() -> anyhow::Result<()> {
    let w = world().await?;
    let admin = w.app.add_user(&w.a_owner, "ADMIN").await?;
    let admin_token = w.app.token(&admin).await?;
    let secret = w.app.api_token(&admin_token, &["customers:read"]).await?;
    assert!(api_token_works(&w.app, &secret).await?);
    let toggle = |m: &str| format!("mutation($id: ID!) {{ {m}(id: $id) {{ status }} }}");
    w.app.as_token(&w.a_owner).execute(&toggle("deactivateUser"), json!({ "id": admin.id })).await?.data();
    assert!(!api_token_works(&w.app, &secret).await?);
    w.app.as_token(&w.a_owner).execute(&toggle("reactivateUser"), json!({ "id": admin.id })).await?.data();
    assert!(!api_token_works(&w.app, &secret).await?, "the token stays revoked");
    let tokens = w
        .app
        .as_token(&w.a_owner)
        .execute("{ apiTokens(includeRevoked: true) { revokedAt } }", json!({}))
        .await?;
    assert!(
        tokens.data()["apiTokens"].as_array().is_some_and(|t| t.iter().all(|t| t["revokedAt"].is_string())),
        "{}",
        tokens.body
    );
    Ok(())
}

/// Item 9: the web app's page carries a strict CSP that allows Trunk's inline loader by hash;
/// API answers forbid everything; HSTS behind a TLS-terminating proxy; violations are counted.
#[tokio::test]
async fn pages_carry_a_content_security_policy_and_hsts_behind_tls() -> anyhow::Result<()> {
    let web = tempfile::tempdir()?;
    std::fs::write(
        web.path().join("index.html"),
        "<html><head><script type=\"module\">import init from '/app.js';init();</script></head></html>",
    )?;
    let app = TestApp::start_with(Options {
        web_dir: Some(web.path().to_path_buf()),
        configure: Some(|s| s.trust_proxy = true),
        ..Options::default()
    })
    .await?;
    let page = app.http.get(app.url("/customers")).send().await?;
    let policy = page.headers()["content-security-policy"].to_str()?.to_owned();
    assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"), "{policy}");
    assert!(policy.contains("object-src 'none'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!page.headers().contains_key("strict-transport-security"), "not over plain HTTP");
    let api = app.post_graphql_raw(r#"{"query":"{ serverInfo { version } }"}"#).await?;
    assert_eq!(api.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
    let tls = app.http.get(app.url("/")).header("x-forwarded-proto", "https").send().await?;
    assert!(tls.headers()["strict-transport-security"].to_str()?.starts_with("max-age="));
    let report = app
        .http
        .post(app.url("/csp-report"))
        .body(r#"{"csp-report":{"violated-directive":"img-src"}}"#)
        .send()
        .await?;
    assert_eq!(report.status(), StatusCode::NO_CONTENT);
    let metrics = app.http.get(app.url("/metrics")).send().await?.text().await?;
    assert!(metrics.contains("starcrm_csp_violations_total 1"), "{metrics}");
    Ok(())
}

/// Item 10: one introspection rule with an error code; internals behind a token when set.
#[tokio::test]
async fn introspection_is_for_staff_in_production_and_says_so() -> anyhow::Result<()> {
    let w = world().await?;
    let introspection = "{ __schema { types { name } } }";
    for (who, client) in [("anonymous", w.app.graphql()), ("API token", w.app.as_token(&w.b_token))] {
        let refused = client.execute(introspection, json!({})).await?;
        assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{who}: {}", refused.body);
        let hidden = client
            .execute(
                "query { viewer { ...F } } fragment F on Viewer { t: __type(name: \"User\") { name } }",
                json!({}),
            )
            .await?;
        assert_eq!(hidden.error_code(), Some("FORBIDDEN"), "{who}, through a fragment: {}", hidden.body);
        let typo = client.execute("{ serverInf { version } }", json!({})).await?;
        assert!(!typo.error_message().contains("Did you mean"), "{who}: {}", typo.error_message());
    }
    let staff = w.app.as_token(&w.b_owner).execute(introspection, json!({})).await?;
    assert!(staff.data()["__schema"]["types"].is_array(), "signed-in staff may introspect");
    Ok(())
}

#[tokio::test]
async fn metrics_and_readiness_details_need_the_token_when_one_is_set() -> anyhow::Result<()> {
    let app = TestApp::start_with(Options {
        configure: Some(|s| s.metrics_token = Some("metrics-secret-0123456789".to_owned())),
        ..Options::default()
    })
    .await?;
    assert_eq!(app.http.get(app.url("/metrics")).send().await?.status(), StatusCode::UNAUTHORIZED);
    let with = app.http.get(app.url("/metrics")).bearer_auth("metrics-secret-0123456789").send().await?;
    assert_eq!(with.status(), StatusCode::OK);
    let bare: Value = app.http.get(app.url("/readyz")).send().await?.json().await?;
    assert!(bare["status"].is_string() && bare["checks"].is_null(), "{bare}");
    let full: Value = app
        .http
        .get(app.url("/readyz"))
        .bearer_auth("metrics-secret-0123456789")
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(full["checks"]["database"], "ok", "{full}");
    Ok(())
}

/// Item 26: a WebSocket upgrade on /graphql is refused plainly, never answered with a page.
#[tokio::test]
async fn a_websocket_upgrade_on_graphql_is_pointed_to_graphql_ws() -> anyhow::Result<()> {
    let app = app().await?;
    let upgrade = app
        .http
        .get(app.url("/graphql"))
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-protocol", "graphql-transport-ws")
        .send()
        .await?;
    assert_eq!(upgrade.status(), StatusCode::NOT_FOUND);
    let body: Value = upgrade.json().await?;
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("/graphql/ws"), "{body}");
    let get = app.http.get(app.url("/graphql")).send().await?;
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED, "production has no GraphiQL page");
    Ok(())
}

// ---- the dashboard ---------------------------------------------------------------------------

const DASHBOARD: &str =
    "{ dashboard { customers activeCustomers revenueByStars { stars revenue { amountMinor } }
  recentStarChanges { customer { id } } closeToDropping { id } closeToDroppingCount } }";

#[tokio::test]
async fn cross_workspace_dashboard_and_contact_lookup_show_only_own() -> anyhow::Result<()> {
    let h = hub().await?;
    // B sees its own customer, its purchase and its first stars...
    let own = h.w.app.as_token(&h.w.b_owner).execute(DASHBOARD, json!({})).await?;
    assert_eq!(own.data()["dashboard"]["customers"], 1, "{}", own.body);
    let b_revenue: i64 = own.data()["dashboard"]["revenueByStars"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["revenue"]["amountMinor"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(b_revenue, 5_000);
    // ...A, as owner or agent, none of it.
    for token in [&h.w.a_owner, &h.w.a_agent] {
        let seen = h.w.app.as_token(token).execute(DASHBOARD, json!({})).await?;
        let d = &seen.data()["dashboard"];
        assert_eq!(d["customers"], 0, "{}", seen.body);
        assert_eq!(d["activeCustomers"], 0);
        assert!(
            d["revenueByStars"].as_array().into_iter().flatten().all(|r| r["revenue"]["amountMinor"] == 0)
        );
        assert_eq!(d["recentStarChanges"], json!([]));
        assert_eq!(d["closeToDropping"], json!([]));
        let lookup = h
            .w
            .app
            .as_token(token)
            .execute(
                "{ customers(first: 5, filter: { or: [{ phone: \"13811112222\" }, { email: \"b@b.cn\" }] }) { totalCount } }",
                json!({}),
            )
            .await?;
        assert_eq!(lookup.data()["customers"]["totalCount"], 0, "{}", lookup.body);
    }
    Ok(())
}

#[tokio::test]
async fn a_customers_read_token_cannot_read_the_dashboard() -> anyhow::Result<()> {
    let h = hub().await?;
    // B's token lacks ratings:read, which the dashboard's star figures need.
    let response = h.w.app.as_token(&h.w.b_token).execute(DASHBOARD, json!({})).await?;
    assert_eq!(response.error_code(), Some("FORBIDDEN"), "{}", response.body);
    assert_eq!(response.error_extension("permission"), "ratings:read");
    assert!(response.body["data"].is_null() || response.body["data"]["dashboard"].is_null());
    Ok(())
}

// ---- the change feed ------------------------------------------------------------------------

const CHANGES: &str = "query($after: Int) { changes(after: $after, first: 200) { events { customerId kind payload } endPosition hasMore } }";

#[tokio::test]
async fn cross_workspace_change_feed_shows_only_own_changes() -> anyhow::Result<()> {
    let h = hub().await?;
    let b_id = h.b_id().as_str().unwrap_or_default().to_owned();
    // B reads its own feed, B's customer in it (so the checks below can fail).
    for token in [&h.w.b_owner, &h.w.b_token] {
        let b = h.w.app.as_token(token).execute(CHANGES, json!({ "after": 0 })).await?;
        assert!(b.data()["changes"].to_string().contains(&b_id), "{}", b.body);
    }
    let b_end = h.w.app.as_token(&h.w.b_owner).execute(CHANGES, json!({ "after": 0 })).await?.data()
        ["changes"]["endPosition"]
        .as_i64()
        .unwrap_or_default();
    assert!(b_end >= 5, "B's feed has its changes");
    for token in [&h.w.a_owner, &h.w.a_agent] {
        // A has changed nothing: its feed is empty, from the start and from B's positions.
        for after in [0, 1, b_end - 1] {
            let a = h.w.app.as_token(token).execute(CHANGES, json!({ "after": after })).await?;
            assert_eq!(a.data()["changes"]["events"], json!([]), "{}", a.body);
            assert_eq!(a.data()["changes"]["hasMore"], false);
        }
    }
    Ok(())
}

#[tokio::test]
async fn the_change_feed_needs_customers_read() -> anyhow::Result<()> {
    let w = world().await?;
    let pos = w.app.api_token(&w.a_owner, &["transactions:write"]).await?;
    assert!(!pos.is_empty());
    let refused = w.app.as_token(&pos).execute(CHANGES, json!({ "after": 0 })).await?;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    let reader = w.app.api_token(&w.a_owner, &["customers:read"]).await?;
    let allowed = w.app.as_token(&reader).execute(CHANGES, json!({ "after": 0 })).await?;
    assert_eq!(allowed.data()["changes"]["endPosition"], 0);
    Ok(())
}

// ---- idempotency keys -----------------------------------------------------------------------

#[tokio::test]
async fn an_idempotency_key_never_replays_another_callers_answer() -> anyhow::Result<()> {
    let w = world().await?;
    let create = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }";
    let input = json!({ "input": { "name": "Keyed" } });
    let key = "shared-guessable-key";
    let a = w.app.as_token(&w.a_owner).header("Idempotency-Key", key).execute(create, input.clone()).await?;
    let a_id = a.data()["createCustomer"]["id"].clone();
    // Another workspace, and another caller of the same workspace, with the same key and body:
    // each gets a fresh answer of its own, never A's owner's.
    for token in [&w.b_owner, &w.a_agent] {
        let other =
            w.app.as_token(token).header("Idempotency-Key", key).execute(create, input.clone()).await?;
        assert!(other.headers.get("idempotent-replayed").is_none(), "{}", other.body);
        let id = other.data()["createCustomer"]["id"].clone();
        assert_ne!(id, a_id, "not A's owner's customer");
    }
    let b_sees = w
        .app
        .as_token(&w.b_owner)
        .execute("query($id: ID!) { customer(id: $id) { id } }", json!({ "id": a_id }))
        .await?;
    assert!(b_sees.data()["customer"].is_null(), "B still cannot read A's customer");
    // Anonymous callers get nothing kept: a key on a sign-in changes nothing.
    let anonymous = w.app.graphql().header("Idempotency-Key", key).execute(create, input).await?;
    assert_eq!(anonymous.error_code(), Some("UNAUTHENTICATED"));
    Ok(())
}

// ---- webhooks -------------------------------------------------------------------------------

const WEBHOOK: &str = "query($id: ID!) { webhookEndpoint(id: $id) { id url secret eventTypes status
  messages(first: 50) { id customerId eventType } attempts(first: 50) { id } } }";
const CREATE_WEBHOOK: &str =
    "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { id } }";

/// An endpoint of workspace B (at a name that never resolves: `.example` is reserved), with a
/// test message in its log.
async fn b_webhook(w: &World) -> anyhow::Result<(Value, Value)> {
    let created = w
        .app
        .as_token(&w.b_owner)
        .execute(CREATE_WEBHOOK, json!({ "input": { "url": "https://erp.b-shop.example/hooks" } }))
        .await?;
    let id = created.data()["createWebhookEndpoint"]["id"].clone();
    anyhow::ensure!(id.is_string(), "{}", created.body);
    w.app
        .as_token(&w.b_owner)
        .execute("mutation($id: ID!) { sendWebhookTestEvent(endpointId: $id) { id } }", json!({ "id": id }))
        .await?;
    let seen = w.app.as_token(&w.b_owner).execute(WEBHOOK, json!({ "id": id })).await?;
    let message = seen.data()["webhookEndpoint"]["messages"][0]["id"].clone();
    anyhow::ensure!(message.is_string(), "{}", seen.body);
    Ok((id, message))
}

#[tokio::test]
async fn cross_workspace_webhooks_are_not_found_and_stay_unchanged() -> anyhow::Result<()> {
    let w = world().await?;
    let (id, message) = b_webhook(&w).await?;
    let before =
        w.app.as_token(&w.b_owner).execute(WEBHOOK, json!({ "id": id })).await?.data()["webhookEndpoint"]
            .clone();
    let attacks = [
        (WEBHOOK, json!({ "id": id })),
        (
            "mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, url: \"https://evil.example/\", enabled: false }) { id } }",
            json!({ "id": id }),
        ),
        ("mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }", json!({ "id": id })),
        ("mutation($id: ID!) { sendWebhookTestEvent(endpointId: $id) { id } }", json!({ "id": id })),
        (
            "mutation($id: ID!) { recoverWebhookMessages(endpointId: $id, since: \"2020-01-01T00:00:00Z\") }",
            json!({ "id": id }),
        ),
        ("mutation($id: ID!) { replayWebhookMessage(id: $id) { id } }", json!({ "id": message })),
        ("mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }", json!({ "id": id })),
    ];
    for (query, variables) in &attacks {
        let response = w.app.as_token(&w.a_owner).execute(query, variables.clone()).await?;
        assert_eq!(response.error_code(), Some("NOT_FOUND"), "{query}: {}", response.body);
    }
    let listed = w.app.as_token(&w.a_owner).execute("{ webhookEndpoints { id } }", json!({})).await?;
    assert_eq!(listed.data()["webhookEndpoints"], json!([]));
    // B's endpoint is as it was: same URL, secret and status, one attempt in its log.
    let after =
        w.app.as_token(&w.b_owner).execute(WEBHOOK, json!({ "id": id })).await?.data()["webhookEndpoint"]
            .clone();
    assert_eq!(after, before);
    assert_eq!(after["attempts"].as_array().map(Vec::len), Some(1));
    // A guessed id, and a malformed one.
    let guessed = w.app.as_token(&w.b_owner).execute(WEBHOOK, json!({ "id": uuid_like() })).await?;
    assert_eq!(guessed.error_code(), Some("NOT_FOUND"));
    let malformed = w.app.as_token(&w.b_owner).execute(WEBHOOK, json!({ "id": "1 OR 1=1" })).await?;
    assert_eq!(malformed.error_code(), Some("BAD_USER_INPUT"));
    Ok(())
}

fn uuid_like() -> String {
    "0193a5c0-0000-7000-8000-000000000001".to_owned()
}

#[tokio::test]
async fn webhooks_need_webhooks_manage_and_see_only_their_workspaces_changes() -> anyhow::Result<()> {
    let w = world().await?;
    let (b_id, _) = b_webhook(&w).await?;
    // An agent, and B's customers:read token: refused, naming the permission.
    for (token, query) in
        [(&w.a_agent, "{ webhookEndpoints { id } }"), (&w.b_token, "{ webhookEndpoints { id secret } }")]
    {
        let refused = w.app.as_token(token).execute(query, json!({})).await?;
        assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
        assert_eq!(refused.error_extension("permission"), "webhooks:manage");
    }
    let refused = w
        .app
        .as_token(&w.a_agent)
        .execute(CREATE_WEBHOOK, json!({ "input": { "url": "https://a.example/hooks" } }))
        .await?;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"));
    let anonymous = w.app.graphql().execute("{ webhookEndpoints { id } }", json!({})).await?;
    assert_eq!(anonymous.error_code(), Some("UNAUTHENTICATED"));

    // A token granted webhooks:manage may register A's endpoint; it gets only A's changes.
    let integrator = w.app.api_token(&w.a_owner, &["webhooks:manage"]).await?;
    let created = w
        .app
        .as_token(&integrator)
        .execute(CREATE_WEBHOOK, json!({ "input": { "url": "https://erp.a-shop.example/hooks" } }))
        .await?;
    let a_id = created.data()["createWebhookEndpoint"]["id"].clone();
    assert!(a_id.is_string(), "{}", created.body);
    let b_customer = w
        .app
        .as_token(&w.b_owner)
        .execute("mutation { createCustomer(input: { name: \"B only\" }) { id } }", json!({}))
        .await?
        .data()["createCustomer"]["id"]
        .clone();
    w.app.state.webhooks.run_once(&w.app.state.db, chrono::Utc::now()).await?;
    let b = w.app.as_token(&w.b_owner).execute(WEBHOOK, json!({ "id": b_id })).await?;
    assert!(
        b.data()["webhookEndpoint"]["messages"].to_string().contains(b_customer.as_str().unwrap_or("-")),
        "{}",
        b.body
    );
    let a = w.app.as_token(&w.a_owner).execute(WEBHOOK, json!({ "id": a_id })).await?;
    assert_eq!(a.data()["webhookEndpoint"]["messages"], json!([]), "{}", a.body);
    Ok(())
}

// ---- subscriptions --------------------------------------------------------------------------

#[tokio::test]
async fn subscriptions_check_the_credential_workspace_and_permission() -> anyhow::Result<()> {
    use starcrm_e2e::ws::{Refused, Subscriptions};
    let h = hub().await?;
    let app = &h.w.app;
    let b_id = h.b_id().clone();
    // No credential, a forged one, a revoked API token: the connection is closed.
    let revoked = app.api_token(&h.w.b_owner, &["customers:read"]).await?;
    let listed = app.as_token(&h.w.b_owner).execute("{ apiTokens { id name } }", json!({})).await?;
    for token in listed.data()["apiTokens"].as_array().into_iter().flatten() {
        if token["name"] != "B shop" {
            app.as_token(&h.w.b_owner)
                .execute(
                    "mutation($id: ID!) { revokeApiToken(id: $id) { id } }",
                    json!({ "id": token["id"] }),
                )
                .await?;
        }
    }
    for payload in [json!({}), json!({ "token": "eyJhbGciOiJub25lIn0.e30." }), json!({ "token": revoked })] {
        let refused = Subscriptions::connect(&app.base_url, payload.clone()).await?;
        assert!(matches!(refused, Err(Refused::Closed { .. })), "{payload}");
    }
    // A's owner and A's agent: B's customer is not found, and B's changes never arrive.
    for token in [&h.w.a_owner, &h.w.a_agent] {
        let mut client = Subscriptions::connect(&app.base_url, json!({ "token": token }))
            .await?
            .map_err(|r| anyhow::anyhow!("{r:?}"))?;
        client
            .subscribe(
                "b",
                "subscription($id: ID!) { customerChanged(id: $id) { kind } }",
                json!({ "id": b_id }),
            )
            .await?;
        let answer = client.next(std::time::Duration::from_secs(10)).await?;
        assert_eq!(answer["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND", "{answer}");
        client.subscribe("all", "subscription { changes(after: 0) { customerId } }", json!({})).await?;
        let _complete = client.next(std::time::Duration::from_secs(10)).await?;
        assert!(client.is_quiet(std::time::Duration::from_millis(800)).await?, "A hears none of B's history");
    }
    // B's own token hears B's history (so the checks above can fail).
    let mut b = Subscriptions::connect(&app.base_url, json!({ "token": h.w.b_token }))
        .await?
        .map_err(|r| anyhow::anyhow!("{r:?}"))?;
    b.subscribe("all", "subscription { changes(after: 0) { customerId } }", json!({})).await?;
    let first = b.next(std::time::Duration::from_secs(10)).await?;
    assert_eq!(first["type"], "next", "{first}");
    Ok(())
}

// ---- imports and exports --------------------------------------------------------------------

const IMPORT: &str = "query($id: ID!) { import(id: $id) { id status created revertRefused
  columns { header target } errors(phase: CHECK) { row } } }";

/// Uploads a CSV as `token`: the HTTP status and the import id, if one was made.
async fn upload_as(app: &TestApp, token: &str, body: &'static str) -> anyhow::Result<(StatusCode, Value)> {
    let response = app
        .http
        .post(app.url("/api/imports?fileName=list.csv"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await?;
    Ok((status, body["id"].clone()))
}

/// An import of workspace B that ran: one customer created.
async fn b_import(w: &World) -> anyhow::Result<Value> {
    let (status, id) = upload_as(&w.app, &w.b_owner, "name,phone\nB Person,13800000123\n").await?;
    anyhow::ensure!(status == StatusCode::CREATED, "upload: {status}");
    w.app
        .as_token(&w.b_owner)
        .execute("mutation($id: ID!) { startImport(input: { importId: $id }) { id } }", json!({ "id": id }))
        .await?
        .data();
    w.app.state.imports.run_once(&w.app.state.db, &starcrm_api::imports::run::RunOptions::default()).await?;
    Ok(id)
}

#[tokio::test]
async fn cross_workspace_imports_are_not_found_and_stay_unchanged() -> anyhow::Result<()> {
    let w = world().await?;
    let id = b_import(&w).await?;
    let before =
        w.app.as_token(&w.b_owner).execute(IMPORT, json!({ "id": id })).await?.data()["import"].clone();
    assert_eq!(before["status"], "SUCCEEDED");
    let seen = w.app.as_token(&w.a_owner).execute(IMPORT, json!({ "id": id })).await?;
    assert_eq!(seen.data()["import"], Value::Null);
    let attacks = [
        "mutation($id: ID!) { checkImport(input: { importId: $id }) { id } }",
        "mutation($id: ID!) { startImport(input: { importId: $id }) { id } }",
        "mutation($id: ID!) { revertImport(id: $id) { id } }",
        "mutation($id: ID!) { importErrorsDownload(id: $id, phase: RUN) { url } }",
    ];
    for query in attacks {
        let response = w.app.as_token(&w.a_owner).execute(query, json!({ "id": id })).await?;
        assert_eq!(response.error_code(), Some("NOT_FOUND"), "{query}: {}", response.body);
    }
    let listed = w.app.as_token(&w.a_owner).execute("{ imports { id } }", json!({})).await?;
    assert_eq!(listed.data()["imports"], json!([]));
    w.app.state.imports.run_once(&w.app.state.db, &starcrm_api::imports::run::RunOptions::default()).await?;
    let after =
        w.app.as_token(&w.b_owner).execute(IMPORT, json!({ "id": id })).await?.data()["import"].clone();
    assert_eq!(after, before, "B's import was neither reverted nor run again");
    // A guessed id finds nothing; a malformed one is named.
    let guessed = w.app.as_token(&w.b_owner).execute(IMPORT, json!({ "id": uuid_like() })).await?;
    assert_eq!(guessed.data()["import"], Value::Null);
    let malformed = w.app.as_token(&w.b_owner).execute(IMPORT, json!({ "id": "../etc/passwd" })).await?;
    assert_eq!(malformed.error_code(), Some("BAD_USER_INPUT"));
    Ok(())
}

/// A purchases import of A matches only A's customers and A's order numbers: B's customer with
/// the same phone gets nothing, B's purchase with the same order number neither hides A's row
/// nor is touched by A's revert. Uploading or listing targets of a purchases file needs
/// `data:import`, and an unknown kind is refused before the body is read.
#[tokio::test]
async fn a_purchases_import_reaches_only_its_own_workspace() -> anyhow::Result<()> {
    let w = world().await?;
    b_import(&w).await?;
    let pushed = w
        .app
        .as_token(&w.b_owner)
        .execute(
            "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }",
            json!({ "input": { "customer": { "phone": "13800000123" }, "channel": "STORE", "amountMinor": 500,
                "externalRef": "SHARED-1" } }),
        )
        .await?;
    let b_customer = pushed.data()["recordTransaction"]["customerId"].clone();
    let orders = "query($id: ID!) { customer(id: $id) { orderCount totalSpend { amountMinor } } }";
    let b_before =
        w.app.as_token(&w.b_owner).execute(orders, json!({ "id": b_customer })).await?.data().clone();
    assert_eq!(b_before["customer"]["orderCount"], 1, "{b_before}");

    let (status, id) = upload_as(
        &w.app,
        &w.a_owner,
        "order no,date,phone,name,amount\nSHARED-1,2024-05-01 10:00,13800000123,A Buyer,99\n",
    )
    .await?;
    assert_eq!(status, StatusCode::CREATED);
    let start = "mutation($id: ID!) { startImport(input: { importId: $id }) { kind } }";
    let started = w.app.as_token(&w.a_owner).execute(start, json!({ "id": id })).await?;
    assert_eq!(started.data()["startImport"]["kind"], "TRANSACTIONS", "{}", started.body);
    let options = starcrm_api::imports::run::RunOptions::default();
    let work = || w.app.state.imports.run_once(&w.app.state.db, &options);
    work().await?;
    let done =
        w.app.as_token(&w.a_owner).execute(IMPORT, json!({ "id": id })).await?.data()["import"].clone();
    assert_eq!((done["status"].as_str(), done["created"].as_i64()), (Some("SUCCEEDED"), Some(1)), "{done}");
    let a_list = w.app.as_token(&w.a_owner).execute("{ customers { totalCount } }", json!({})).await?;
    assert_eq!(a_list.data()["customers"]["totalCount"], 1, "A got a customer of its own");
    let reverted = w
        .app
        .as_token(&w.a_owner)
        .execute("mutation($id: ID!) { revertImport(id: $id) { id } }", json!({ "id": id }))
        .await?;
    assert!(reverted.body.get("errors").is_none(), "{}", reverted.body);
    work().await?;
    let b_after =
        w.app.as_token(&w.b_owner).execute(orders, json!({ "id": b_customer })).await?.data().clone();
    assert_eq!(b_after, b_before, "B's customer and purchase are untouched");

    // A weaker role, B's read-only token, and a made-up kind.
    for token in [&w.a_agent, &w.b_token] {
        let targets = w
            .app
            .as_token(token)
            .execute("{ importTargets(kind: TRANSACTIONS) { value } }", json!({}))
            .await?;
        assert_eq!(targets.error_code(), Some("FORBIDDEN"), "{}", targets.body);
    }
    let response = w
        .app
        .http
        .post(w.app.url("/api/imports?fileName=x.csv&kind=refunds"))
        .bearer_auth(&w.a_owner)
        .header("content-type", "text/csv")
        .body("a\n1\n")
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await?;
    assert_eq!(body["errors"][0]["extensions"]["field"], "kind", "{body}");
    let listed = w.app.as_token(&w.a_owner).execute("{ imports { id } }", json!({})).await?;
    assert_eq!(listed.data()["imports"].as_array().map(Vec::len), Some(1), "the refused upload left nothing");
    Ok(())
}

/// An interactions import of A matches only A's customers: B's customer with the same phone
/// gets no interaction, and A's revert leaves B alone.
#[tokio::test]
async fn an_interactions_import_reaches_only_its_own_workspace() -> anyhow::Result<()> {
    let w = world().await?;
    b_import(&w).await?;
    let (status, id) =
        upload_as(&w.app, &w.a_owner, "工单号,联系时间,手机,类型\nC-1,2024-05-01 10:00,13800000123,电话\n")
            .await?;
    assert_eq!(status, StatusCode::CREATED);
    let start = "mutation($id: ID!) { startImport(input: { importId: $id }) { kind } }";
    let started = w.app.as_token(&w.a_owner).execute(start, json!({ "id": id })).await?;
    assert_eq!(started.data()["startImport"]["kind"], "INTERACTIONS");
    let options = starcrm_api::imports::run::RunOptions::default();
    w.app.state.imports.run_once(&w.app.state.db, &options).await?;
    let done =
        w.app.as_token(&w.a_owner).execute(IMPORT, json!({ "id": id })).await?.data()["import"].clone();
    assert_eq!(done["created"], 1, "{done}");
    let seen = "{ customers { edges { node { name interactions(first: 5) { edges { node { id } } } } } } }";
    let b_view = w.app.as_token(&w.b_owner).execute(seen, json!({})).await?;
    let b_node = b_view.data()["customers"]["edges"][0]["node"].clone();
    assert_eq!(b_node["name"], "B Person");
    assert_eq!(b_node["interactions"]["edges"], json!([]), "B's customer got nothing");
    w.app
        .as_token(&w.a_owner)
        .execute("mutation($id: ID!) { revertImport(id: $id) { id } }", json!({ "id": id }))
        .await?
        .data();
    w.app.state.imports.run_once(&w.app.state.db, &options).await?;
    let b_after = w.app.as_token(&w.b_owner).execute(seen, json!({})).await?;
    assert_eq!(b_after.data(), b_view.data(), "A's revert left B alone");
    Ok(())
}

/// B's saved mapping presets are B's: A neither lists, deletes nor gets mapped by them, an
/// agent cannot save or list any, and a guessed id is not found.
#[tokio::test]
async fn import_presets_stay_in_their_workspace() -> anyhow::Result<()> {
    let w = world().await?;
    let csv = "客户名,联系电话\n某人,13800000999\n";
    let (_, b_upload) = upload_as(&w.app, &w.b_owner, csv).await?;
    let save =
        "mutation($input: ImportSettingsInput!) { saveImportPreset(input: $input, name: \"B 月报\") { id } }";
    let input = json!({ "importId": b_upload, "mapping": [{ "target": "name" }, { "target": "phone" }] });
    let saved = w.app.as_token(&w.b_owner).execute(save, json!({ "input": input })).await?;
    let preset = saved.data()["saveImportPreset"]["id"].clone();
    let listed = w.app.as_token(&w.a_owner).execute("{ importPresets { id } }", json!({})).await?;
    assert_eq!(listed.data()["importPresets"], json!([]));
    let delete = "mutation($id: ID!) { deleteImportPreset(id: $id) }";
    for id in [preset.clone(), json!(uuid_like())] {
        let refused = w.app.as_token(&w.a_owner).execute(delete, json!({ "id": id })).await?;
        assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    }
    // A's upload with the same headers is not mapped by B's preset.
    let (_, a_upload) = upload_as(&w.app, &w.a_owner, csv).await?;
    let seen = w
        .app
        .as_token(&w.a_owner)
        .execute("query($id: ID!) { import(id: $id) { presetName } }", json!({ "id": a_upload }))
        .await?;
    assert_eq!(seen.data()["import"]["presetName"], Value::Null);
    // Saving from another workspace's import is not found; an agent may do neither.
    let a_input = json!({ "importId": b_upload });
    let refused = w.app.as_token(&w.a_owner).execute(save, json!({ "input": a_input })).await?;
    assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    for query in ["{ importPresets { id } }"] {
        let refused = w.app.as_token(&w.a_agent).execute(query, json!({})).await?;
        assert_eq!(refused.error_code(), Some("FORBIDDEN"));
    }
    let refused =
        w.app.as_token(&w.a_agent).execute(save, json!({ "input": { "importId": a_upload } })).await?;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"));
    let still = w.app.as_token(&w.b_owner).execute("{ importPresets { id } }", json!({})).await?;
    assert_eq!(still.data()["importPresets"][0]["id"], preset, "B's preset is still there");
    Ok(())
}

/// Purchases and interactions come in as `recordTransaction` would write them: a token with
/// `data:import` alone may import customers but not start or revert a purchases import.
#[tokio::test]
async fn a_purchases_import_needs_transactions_write_too() -> anyhow::Result<()> {
    let w = world().await?;
    let importer = w.app.api_token(&w.a_owner, &["customers:read", "data:import"]).await?;
    let (status, id) =
        upload_as(&w.app, &importer, "order,date,phone,amount\nZ1,2024-05-01 10:00,13800000777,5\n").await?;
    assert_eq!(status, StatusCode::CREATED);
    let start = "mutation($id: ID!) { startImport(input: { importId: $id }) { id } }";
    let refused = w.app.as_token(&importer).execute(start, json!({ "id": id })).await?;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    assert_eq!(refused.error_extension("permission"), "transactions:write");
    let seen = w.app.as_token(&w.a_owner).execute(IMPORT, json!({ "id": id })).await?;
    assert_eq!(seen.data()["import"]["status"], "UPLOADED", "nothing was queued");
    Ok(())
}

#[tokio::test]
async fn imports_and_exports_need_their_permissions_and_links_cannot_be_guessed() -> anyhow::Result<()> {
    let w = world().await?;
    let id = b_import(&w).await?;
    // An agent and B's customers:read token: no imports, no exports.
    for token in [&w.a_agent, &w.b_token] {
        let refused = w.app.as_token(token).execute("{ imports { id } }", json!({})).await?;
        assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
        assert_eq!(refused.error_extension("permission"), "data:import");
        let (status, made) = upload_as(&w.app, token, "name\nX\n").await?;
        assert_eq!((status, made), (StatusCode::FORBIDDEN, Value::Null));
        for export in ["mutation { exportCustomers { url } }", "mutation { exportTransactions { url } }"] {
            let refused = w.app.as_token(token).execute(export, json!({})).await?;
            assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{export}");
            assert_eq!(refused.error_extension("permission"), "data:export", "{export}");
        }
    }
    // Another workspace's customer is not found for a purchases export; a guessed one neither.
    let b_list =
        w.app.as_token(&w.b_owner).execute("{ customers { edges { node { id } } } }", json!({})).await?;
    let b_customer = b_list.data()["customers"]["edges"][0]["node"]["id"].clone();
    for customer in [b_customer, json!(uuid_like())] {
        let refused = w
            .app
            .as_token(&w.a_owner)
            .execute(
                "mutation($c: ID) { exportTransactions(customerId: $c) { url } }",
                json!({ "c": customer }),
            )
            .await?;
        assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    }
    let revert = w
        .app
        .as_token(&w.b_token)
        .execute("mutation($id: ID!) { revertImport(id: $id) { id } }", json!({ "id": id }))
        .await?;
    assert_eq!(revert.error_code(), Some("FORBIDDEN"));
    let anonymous = w.app.graphql().execute("{ imports { id } }", json!({})).await?;
    assert_eq!(anonymous.error_code(), Some("UNAUTHENTICATED"));

    // A token granted data:export without pii:read exports masked phones.
    let exporter = w.app.api_token(&w.b_owner, &["customers:read", "data:export"]).await?;
    let link = w
        .app
        .as_token(&exporter)
        .execute("mutation { exportCustomers(columns: [\"name\", \"phone\"]) { url } }", json!({}))
        .await?;
    let url = link.data()["exportCustomers"]["url"].as_str().unwrap_or_default().to_owned();
    let text = w.app.http.get(w.app.url(&url)).send().await?.text().await?;
    assert!(text.contains("B Person,138****0123"), "{text}");
    assert!(!text.contains("13800000123"), "{text}");
    // Links are random, and nothing but a live link opens a file.
    for guess in [
        "dl_",
        "dl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "dl_%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        &url[url.len() - 10..],
    ] {
        let response = w.app.http.get(w.app.url(&format!("/api/downloads/{guess}"))).send().await?;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{guess}");
    }
    Ok(())
}

// ---- service desk ---------------------------------------------------------------------------

const SAVE_CATEGORY: &str =
    "mutation($input: TicketCategoryInput!) { saveTicketCategory(input: $input) { id name } }";
const SAVE_SLA_POLICY: &str =
    "mutation($input: SlaPolicyInput!) { saveSlaPolicy(input: $input) { version } }";
const TICKET: &str = "query($id: ID!) { ticket(id: $id) { id status priority priorityReason assignee { id }
  slaRule nextDue messages { id body } history { field to } } }";

/// A ticket of workspace B (with a message), its customer, and B's manager's id.
async fn b_ticket(w: &World) -> anyhow::Result<(Value, Value)> {
    let opened = w
        .app
        .as_token(&w.b_owner)
        .execute(
            "mutation { openTicket(input: { customer: { phone: \"13800000999\", name: \"B Caller\" }, kind: COMPLAINT,
               channel: PHONE, subject: \"B's complaint\" }) { ticket { id customerId } } }",
            json!({}),
        )
        .await?;
    let ticket = opened.data()["openTicket"]["ticket"].clone();
    w.app
        .as_token(&w.b_owner)
        .execute(
            "mutation($id: ID!) { addTicketMessage(input: { ticketId: $id, kind: INBOUND, body: \"B's words\" }) { created } }",
            json!({ "id": ticket["id"] }),
        )
        .await?
        .data();
    Ok((ticket["id"].clone(), ticket["customerId"].clone()))
}

#[tokio::test]
async fn cross_workspace_tickets_are_not_found_and_stay_unchanged() -> anyhow::Result<()> {
    let w = world().await?;
    let (id, b_customer) = b_ticket(&w).await?;
    let before =
        w.app.as_token(&w.b_owner).execute(TICKET, json!({ "id": id })).await?.data()["ticket"].clone();
    let attacks = [
        (TICKET, json!({ "id": id })),
        (
            "mutation($id: ID!) { addTicketMessage(input: { ticketId: $id, kind: REPLY, body: \"hijack\" }) { created } }",
            json!({ "id": id }),
        ),
        ("mutation($id: ID!) { setTicketStatus(id: $id, status: CLOSED) { status } }", json!({ "id": id })),
        ("mutation($id: ID!) { setTicketTags(id: $id, tags: [\"mine\"]) { id } }", json!({ "id": id })),
        ("mutation($id: ID!) { assignTicket(id: $id, assigneeId: null) { id } }", json!({ "id": id })),
        (
            "mutation($id: ID!, $to: ID) { assignTicket(id: $id, assigneeId: $to) { id } }",
            json!({ "id": id, "to": w.a_owner_id }),
        ),
        (
            "mutation($id: ID!) { setTicketPriority(id: $id, priority: LOW, reason: \"mine now\") { id } }",
            json!({ "id": id }),
        ),
        // B's ticket by the code B's customer would quote (A has no ticket 1 of its own).
        ("query { ticketByCode(code: \"T000001\") { id } }", json!({})),
        // A's ticket about B's customer, by id.
        (
            "mutation($c: ID!) { openTicket(input: { customer: { id: $c }, kind: INQUIRY, channel: WEB, subject: \"x\" }) { ticket { id } } }",
            json!({ "c": b_customer }),
        ),
    ];
    for (query, variables) in &attacks {
        let response = w.app.as_token(&w.a_owner).execute(query, variables.clone()).await?;
        assert_eq!(response.error_code(), Some("NOT_FOUND"), "{query}: {}", response.body);
    }
    // A's queues, counts and policy know nothing of B.
    let listed = w
        .app
        .as_token(&w.a_owner)
        .execute(
            "query($c: ID) { all: tickets(view: ALL) { totalCount } theirs: tickets(view: ALL, customerId: $c) { totalCount }
               ticketCounts { open unassigned } }",
            json!({ "c": b_customer }),
        )
        .await?;
    assert_eq!(
        listed.data(),
        &json!({ "all": { "totalCount": 0 }, "theirs": { "totalCount": 0 }, "ticketCounts": { "open": 0, "unassigned": 0 } })
    );
    // B may not hand its ticket to A's staff.
    let refused = w
        .app
        .as_token(&w.b_owner)
        .execute(
            "mutation($id: ID!, $to: ID) { assignTicket(id: $id, assigneeId: $to) { id } }",
            json!({ "id": id, "to": w.a_owner_id }),
        )
        .await?;
    assert_eq!(refused.error_extension("field"), "assigneeId", "{}", refused.body);
    let after =
        w.app.as_token(&w.b_owner).execute(TICKET, json!({ "id": id })).await?.data()["ticket"].clone();
    assert_eq!(after, before);
    // A guessed id, and a malformed one.
    let guessed = w.app.as_token(&w.b_owner).execute(TICKET, json!({ "id": uuid_like() })).await?;
    assert_eq!(guessed.error_code(), Some("NOT_FOUND"));
    let malformed = w.app.as_token(&w.b_owner).execute(TICKET, json!({ "id": "1 OR 1=1" })).await?;
    assert_eq!(malformed.error_code(), Some("BAD_USER_INPUT"));
    Ok(())
}

#[tokio::test]
async fn tickets_need_service_manage_and_policies_service_configure() -> anyhow::Result<()> {
    let w = world().await?;
    let (b_id, _) = b_ticket(&w).await?;
    let analyst = w.app.add_user(&w.a_owner, "ANALYST").await?;
    let analyst = w.app.token(&analyst).await?;
    let marketer = w.app.add_user(&w.a_owner, "MARKETER").await?;
    let marketer = w.app.token(&marketer).await?;
    let open = "mutation { openTicket(input: { customer: { name: \"Walk-in\", phone: \"13900000001\" }, kind: INQUIRY,
                 channel: STORE, subject: \"Hours\" }) { ticket { id } } }";
    for token in [&analyst, &marketer, &w.b_token] {
        for query in
            ["{ tickets { totalCount } }", "{ ticketCounts { open } }", "{ slaPolicy { version } }", open]
        {
            let refused = w.app.as_token(token).execute(query, json!({})).await?;
            assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{query}: {}", refused.body);
            assert_eq!(refused.error_extension("permission"), "service:manage");
        }
    }
    let refused = w.app.as_token(&w.b_token).execute(TICKET, json!({ "id": b_id })).await?;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"));
    let anonymous = w.app.graphql().execute("{ tickets { totalCount } }", json!({})).await?;
    assert_eq!(anonymous.error_code(), Some("UNAUTHENTICATED"));

    // Agents serve customers but do not set the promises.
    let policy = json!({ "input": { "rules": [{ "name": "All", "firstResponseMinutes": 1 }],
        "hours": { "timezone": "UTC", "alwaysOpen": true, "week": [[], [], [], [], [], [], []] } } });
    let refused = w.app.as_token(&w.a_agent).execute(SAVE_SLA_POLICY, policy.clone()).await?;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"), "{}", refused.body);
    assert_eq!(refused.error_extension("permission"), "service:configure");
    let opened = w.app.as_token(&w.a_agent).execute(open, json!({})).await?;
    assert!(opened.data()["openTicket"]["ticket"]["id"].is_string());

    // B's policy is B's: A still has the built-in one.
    w.app.as_token(&w.b_owner).execute(SAVE_SLA_POLICY, policy).await?.data();
    let a_policy = w
        .app
        .as_token(&w.a_owner)
        .execute("{ slaPolicy { version } slaPolicies { version } }", json!({}))
        .await?;
    assert_eq!(a_policy.data(), &json!({ "slaPolicy": { "version": 0 }, "slaPolicies": [] }));

    // A call centre's token with service:manage alone opens tickets and appends the customer's
    // messages, but sees no customer profile and has no "mine".
    let call_centre = w.app.api_token(&w.a_owner, &["service:manage"]).await?;
    let opened = w
        .app
        .as_token(&call_centre)
        .execute(
            "mutation { openTicket(input: { customer: { phone: \"13900000002\" }, kind: COMPLAINT, channel: PHONE,
               subject: \"Rude staff\", externalRef: \"cc-1\" }) { ticket { id customer { name } } } }",
            json!({}),
        )
        .await?;
    assert!(opened.data()["openTicket"]["ticket"]["customer"].is_null(), "{}", opened.body);
    let mine =
        w.app.as_token(&call_centre).execute("{ tickets(view: MINE) { totalCount } }", json!({})).await?;
    assert_eq!(mine.error_extension("field"), "view", "{}", mine.body);
    Ok(())
}

#[tokio::test]
async fn root_causes_and_complaint_analysis_stay_in_their_workspace_and_role() -> anyhow::Result<()> {
    let w = world().await?;
    let b_cause = w
        .app
        .as_token(&w.b_owner)
        .execute(SAVE_CATEGORY, json!({ "input": { "name": "B's cause" } }))
        .await?
        .data()["saveTicketCategory"]["id"]
        .clone();
    // A renaming B's cause, or hanging a subcause under it: not found; A's list is empty.
    for input in [json!({ "id": b_cause, "name": "Mine now" }), json!({ "name": "Sub", "parentId": b_cause })]
    {
        let refused = w.app.as_token(&w.a_owner).execute(SAVE_CATEGORY, json!({ "input": input })).await?;
        assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    }
    let listed = w.app.as_token(&w.a_owner).execute("{ ticketCategories { id } }", json!({})).await?;
    assert_eq!(listed.data()["ticketCategories"], json!([]));
    // A's complaint solved with B's cause: refused as no cause of A's.
    let opened = w
        .app
        .as_token(&w.a_owner)
        .execute(
            "mutation { openTicket(input: { customer: { name: \"A Caller\", phone: \"13900000003\" }, kind: COMPLAINT, channel: PHONE, subject: \"x\" }) { ticket { id } } }",
            json!({}),
        )
        .await?;
    let id = opened.data()["openTicket"]["ticket"]["id"].clone();
    let refused = w
        .app
        .as_token(&w.a_owner)
        .execute(
            "mutation($id: ID!, $c: ID) { setTicketStatus(id: $id, status: SOLVED, rootCauseId: $c) { status } }",
            json!({ "id": id, "c": b_cause }),
        )
        .await?;
    assert_eq!(refused.error_extension("field"), "rootCauseId", "{}", refused.body);
    // Agents do not edit the taxonomy; analysts and read-only tokens see no analysis.
    let refused =
        w.app.as_token(&w.a_agent).execute(SAVE_CATEGORY, json!({ "input": { "name": "Agent's" } })).await?;
    assert_eq!(refused.error_extension("permission"), "service:configure", "{}", refused.body);
    let analyst = w.app.add_user(&w.a_owner, "ANALYST").await?;
    let analyst = w.app.token(&analyst).await?;
    // The standard taxonomy: not for an agent, an analyst or a B token; B's lands in B only.
    let standard = "mutation { addStandardTicketCategories(language: EN) { id } }";
    for token in [&w.a_agent, &analyst, &w.b_token] {
        let refused = w.app.as_token(token).execute(standard, json!({})).await?;
        assert_eq!(refused.error_extension("permission"), "service:configure", "{}", refused.body);
    }
    let b_all = w.app.as_token(&w.b_owner).execute(standard, json!({})).await?;
    assert_eq!(b_all.data()["addStandardTicketCategories"].as_array().map(Vec::len), Some(22));
    let listed = w.app.as_token(&w.a_owner).execute("{ ticketCategories { id } }", json!({})).await?;
    assert_eq!(listed.data()["ticketCategories"], json!([]), "A's taxonomy is still empty");
    for token in [&analyst, &w.b_token] {
        let refused = w
            .app
            .as_token(token)
            .execute(
                "{ complaintAnalysis(from: \"2026-01-01T00:00:00Z\", to: \"2026-02-01T00:00:00Z\", by: ROOT_CAUSE) { count } }",
                json!({}),
            )
            .await?;
        assert_eq!(refused.error_extension("permission"), "service:manage", "{}", refused.body);
    }
    // B's analysis does not count A's complaint.
    let b = w
        .app
        .as_token(&w.b_owner)
        .execute(
            "query($from: DateTime!, $to: DateTime!) { complaintAnalysis(from: $from, to: $to, by: CHANNEL) { count } }",
            json!({ "from": (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339(), "to": (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339() }),
        )
        .await?;
    assert_eq!(b.data()["complaintAnalysis"], json!([]));
    Ok(())
}

const SAVE_TEAM: &str = "mutation($input: TeamInput!) { saveTeam(input: $input) { id } }";

#[tokio::test]
async fn teams_and_follow_ups_stay_in_their_workspace_and_role() -> anyhow::Result<()> {
    let w = world().await?;
    let b_team = w
        .app
        .as_token(&w.b_owner)
        .execute(SAVE_TEAM, json!({ "input": { "name": "B desk", "members": [w.b_manager_id] } }))
        .await?
        .data()["saveTeam"]["id"]
        .clone();
    let (b_ticket_id, b_customer) = b_ticket(&w).await?;
    let b_follow_up = w
        .app
        .as_token(&w.b_owner)
        .execute(
            "mutation($c: ID!, $d: DateTime!) { planFollowUp(customerId: $c, dueAt: $d) { id } }",
            json!({ "c": b_customer, "d": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339() }),
        )
        .await?
        .data()["planFollowUp"]["id"]
        .clone();
    let a_ticket = w
        .app
        .as_token(&w.a_owner)
        .execute(
            "mutation { openTicket(input: { customer: { name: \"A Walk-in\", phone: \"13900000077\" }, kind: INQUIRY, channel: STORE, subject: \"x\" }) { ticket { id } } }",
            json!({}),
        )
        .await?
        .data()["openTicket"]["ticket"]["id"]
        .clone();
    let until = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let due = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    // Another workspace: B's team, ticket, follow-up, customer and staff are not found from A.
    let not_found = [
        (SAVE_TEAM, json!({ "input": { "id": b_team, "name": "Mine now" } })),
        (
            "mutation($id: ID!, $t: ID) { setTicketTeam(id: $id, teamId: $t) { id } }",
            json!({ "id": a_ticket, "t": b_team }),
        ),
        ("mutation($id: ID!) { setTicketTeam(id: $id, teamId: null) { id } }", json!({ "id": b_ticket_id })),
        (
            "mutation($id: ID!, $u: DateTime!) { snoozeFollowUp(id: $id, until: $u) { id } }",
            json!({ "id": b_follow_up, "u": until }),
        ),
        (
            "mutation($id: ID!) { completeFollowUp(id: $id, outcome: \"hijack\") { id } }",
            json!({ "id": b_follow_up }),
        ),
        ("mutation($id: ID!) { cancelFollowUp(id: $id) { id } }", json!({ "id": b_follow_up })),
        (
            "mutation($c: ID!, $d: DateTime!) { planFollowUp(customerId: $c, dueAt: $d) { id } }",
            json!({ "c": b_customer, "d": due }),
        ),
        (
            "mutation($u: ID) { setAvailability(available: false, userId: $u) }",
            json!({ "u": w.b_manager_id }),
        ),
        // A guessed id.
        (
            "mutation($id: ID!) { cancelFollowUp(id: $id) { id } }",
            json!({ "id": uuid::Uuid::now_v7().to_string() }),
        ),
    ];
    for (query, vars) in not_found {
        let refused = w.app.as_token(&w.a_owner).execute(query, vars).await?;
        assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{query}: {}", refused.body);
    }
    let refused = w
        .app
        .as_token(&w.a_owner)
        .execute(SAVE_TEAM, json!({ "input": { "name": "Poach", "members": [w.b_manager_id] } }))
        .await?;
    assert_eq!(refused.error_extension("field"), "members[0]", "{}", refused.body);
    let malformed = w
        .app
        .as_token(&w.a_owner)
        .execute("mutation { cancelFollowUp(id: \"42\") { id } }", json!({}))
        .await?;
    assert_eq!(malformed.error_extension("field"), "id", "{}", malformed.body);
    let listed = w
        .app
        .as_token(&w.a_owner)
        .execute("{ teams { id } followUps(view: ALL) { totalCount } }", json!({}))
        .await?;
    assert_eq!(listed.data(), &json!({ "teams": [], "followUps": { "totalCount": 0 } }));
    // B's follow-up and ticket are as they were.
    let b_view = w
        .app
        .as_token(&w.b_owner)
        .execute(
            "query($id: ID!) { followUps(view: ALL) { edges { node { status snoozes } } } ticket(id: $id) { team { id } } }",
            json!({ "id": b_ticket_id }),
        )
        .await?;
    assert_eq!(b_view.data()["followUps"]["edges"], json!([{ "node": { "status": "OPEN", "snoozes": 0 } }]));
    assert_eq!(b_view.data()["ticket"]["team"]["id"], b_team);
    Ok(())
}

#[tokio::test]
async fn teams_and_follow_ups_need_the_service_desk_and_its_configuration() -> anyhow::Result<()> {
    let w = world().await?;
    b_ticket(&w).await?;
    // A's desk figures count none of B's tickets.
    let kpis = w
        .app
        .as_token(&w.a_owner)
        .execute(
            "query($from: DateTime!, $to: DateTime!) { serviceKpis(from: $from, to: $to) { tickets agents { agentId } } }",
            json!({ "from": (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339(), "to": (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339() }),
        )
        .await?;
    assert_eq!(kpis.data()["serviceKpis"], json!({ "tickets": 0, "agents": [] }));
    // Weaker roles and a member token: no desk at all; agents do not configure it.
    let analyst = w.app.add_user(&w.a_owner, "ANALYST").await?;
    let analyst = w.app.token(&analyst).await?;
    for token in [&analyst, &w.b_token] {
        for query in ["{ teams { id } }", "{ followUps { totalCount } }", "{ followUpCadence { everyDays } }"]
        {
            let refused = w.app.as_token(token).execute(query, json!({})).await?;
            assert_eq!(refused.error_extension("permission"), "service:manage", "{query}: {}", refused.body);
        }
    }
    for (query, vars) in [
        (SAVE_TEAM, json!({ "input": { "name": "Agent's own" } })),
        (
            "mutation($i: FollowUpCadenceInput!) { saveFollowUpCadence(input: $i) { everyDays } }",
            json!({ "i": { "everyDays": [1, 1, 1, 1, 1] } }),
        ),
    ] {
        let refused = w.app.as_token(&w.a_agent).execute(query, vars).await?;
        assert_eq!(refused.error_extension("permission"), "service:configure", "{}", refused.body);
    }
    Ok(())
}

#[tokio::test]
async fn notifications_are_their_persons_alone() -> anyhow::Result<()> {
    use sea_orm::{ActiveModelTrait, Set};
    let w = world().await?;
    // What the breach pass writes for A's owner.
    let id = uuid::Uuid::now_v7();
    starcrm_api::entities::notification::ActiveModel {
        id: Set(id),
        workspace_id: Set(w.a_workspace.parse()?),
        user_id: Set(w.a_owner_id.parse()?),
        kind: Set("ticket_breached".to_owned()),
        ticket_id: Set(None),
        ticket_number: Set(Some(7)),
        details: Set(Some("{\"missed\":[\"first_response\"]}".to_owned())),
        created_at: Set(chrono::Utc::now()),
        read_at: Set(None),
    }
    .insert(&w.app.state.db)
    .await?;
    let list = "{ notifications { unreadCount nodes { id } } }";
    let mark = "mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }";
    let own = w.app.as_token(&w.a_owner).execute(list, json!({})).await?;
    assert_eq!(own.data()["notifications"]["unreadCount"], 1, "{}", own.body);
    // Another workspace's owner, a colleague, a guessed id: not seen, not marked.
    for token in [&w.b_owner, &w.a_agent] {
        let theirs = w.app.as_token(token).execute(list, json!({})).await?;
        assert_eq!(theirs.data()["notifications"], json!({ "unreadCount": 0, "nodes": [] }));
        let refused = w.app.as_token(token).execute(mark, json!({ "ids": [id] })).await?;
        assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
        let all = w.app.as_token(token).execute(mark, json!({})).await?;
        assert_eq!(all.data()["markNotificationsRead"], 0, "marking all marks only one's own");
    }
    let guessed = w.app.as_token(&w.a_owner).execute(mark, json!({ "ids": [uuid::Uuid::now_v7()] })).await?;
    assert_eq!(guessed.error_code(), Some("NOT_FOUND"), "{}", guessed.body);
    // An API token has no person to tell.
    for query in [list, "mutation { markNotificationsRead }"] {
        let refused = w.app.as_token(&w.b_token).execute(query, json!({})).await?;
        assert_eq!(refused.error_extension("field"), "notifications", "{}", refused.body);
    }
    let still = w.app.as_token(&w.a_owner).execute(list, json!({})).await?;
    assert_eq!(still.data()["notifications"]["unreadCount"], 1, "nothing was marked: {}", still.body);
    Ok(())
}

#[tokio::test]
async fn survey_answers_stay_in_their_workspace_and_role() -> anyhow::Result<()> {
    let w = world().await?;
    let record = "mutation($input: RecordSurveyResponseInput!) { recordSurveyResponse(input: $input) { response { id } } }";
    let responses = "query($id: ID!) { customer(id: $id) { surveyResponses { id score } } }";
    let a_customer = w.app.customer(&w.a_owner, "A Respondent").await?;
    let b_customer = w.app.customer(&w.b_owner, "B Respondent").await?;
    let a_ticket = w
        .app
        .as_token(&w.a_owner)
        .execute(
            "mutation($c: ID!) { openTicket(input: { customer: { id: $c }, kind: INQUIRY, channel: PHONE, subject: \"x\" }) { ticket { id } } }",
            json!({ "c": a_customer }),
        )
        .await?
        .data()["openTicket"]["ticket"]["id"]
        .clone();
    // B answering for A's customer, or rating A's ticket with B's own customer: not found.
    let for_a = json!({ "customer": { "id": a_customer }, "kind": "NPS", "score": 0, "comment": "planted" });
    let on_a_ticket =
        json!({ "customer": { "id": b_customer }, "kind": "CSAT", "score": 1, "ticketId": a_ticket });
    for input in [for_a, on_a_ticket] {
        let refused = w.app.as_token(&w.b_owner).execute(record, json!({ "input": input })).await?;
        assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    }
    // B naming A's owner as the agent of its own answer: not a staff member of B's.
    let a_agent =
        json!({ "customer": { "id": b_customer }, "kind": "CSAT", "score": 5, "agentId": w.a_owner_id });
    let refused = w.app.as_token(&w.b_owner).execute(record, json!({ "input": a_agent })).await?;
    assert_eq!(refused.error_extension("field"), "agentId", "{}", refused.body);
    // B reading A's customer's answers: no such customer.
    let read = w.app.as_token(&w.b_owner).execute(responses, json!({ "id": a_customer })).await?;
    assert_eq!(read.data()["customer"], Value::Null, "{}", read.body);
    // Roles and scopes: an analyst reads but records nothing; a purchases-only token neither
    // records answers nor (without surveys:read) reads them.
    let analyst = w.app.add_user(&w.a_owner, "ANALYST").await?;
    let analyst = w.app.token(&analyst).await?;
    let shop = w.app.api_token(&w.a_owner, &["transactions:write", "customers:read"]).await?;
    let own = json!({ "customer": { "id": a_customer }, "kind": "NPS", "score": 9 });
    for token in [&analyst, &shop] {
        let refused = w.app.as_token(token).execute(record, json!({ "input": own })).await?;
        assert_eq!(refused.error_extension("permission"), "surveys:record", "{}", refused.body);
    }
    let unread = w.app.as_token(&shop).execute(responses, json!({ "id": a_customer })).await?;
    assert_eq!(unread.error_extension("permission"), "surveys:read", "{}", unread.body);
    // A's agent records one (a call centre survey); a surveys:record token too.
    let recorder = w.app.api_token(&w.a_owner, &["surveys:record"]).await?;
    for token in [&w.a_agent, &recorder] {
        let done = w.app.as_token(token).execute(record, json!({ "input": own })).await?;
        assert!(done.data()["recordSurveyResponse"]["response"]["id"].is_string(), "{}", done.body);
    }
    let seen = w.app.as_token(&analyst).execute(responses, json!({ "id": a_customer })).await?;
    let scores: Vec<Value> = seen.data()["customer"]["surveyResponses"]
        .as_array()
        .map(|a| a.iter().map(|r| r["score"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(scores, [json!(9), json!(9)], "{}", seen.body);
    // B's results and terms hold none of A's answers; a token without surveys:read sees none.
    let results = "{ surveyScores(kind: NPS) { overall { n } } surveyTerms(kind: NPS) { comments }
        surveyResponses(kind: NPS) { id } }";
    let b_view = w.app.as_token(&w.b_owner).execute(results, json!({})).await?;
    assert_eq!(
        b_view.data(),
        &json!({ "surveyScores": { "overall": { "n": 0 } }, "surveyTerms": { "comments": 0 }, "surveyResponses": [] })
    );
    let a_view = w.app.as_token(&analyst).execute(results, json!({})).await?;
    assert_eq!(a_view.data()["surveyScores"]["overall"]["n"], 2, "{}", a_view.body);
    // The answers name their customer only to callers who may read customers.
    let named = "{ surveyResponses(kind: NPS) { customer { id } } }";
    let seen = w.app.as_token(&analyst).execute(named, json!({})).await?;
    assert_eq!(seen.data()["surveyResponses"][0]["customer"]["id"], a_customer.as_str(), "{}", seen.body);
    let reader = w.app.api_token(&w.a_owner, &["surveys:read"]).await?;
    let unnamed = w.app.as_token(&reader).execute(named, json!({})).await?;
    assert_eq!(unnamed.data()["surveyResponses"][0]["customer"], Value::Null, "{}", unnamed.body);
    for query in [
        "{ surveyScores(kind: NPS) { overall { n } } }",
        "{ surveyTerms(kind: NPS) { comments } }",
        "{ surveyResponses(kind: NPS) { id } }",
    ] {
        let refused = w.app.as_token(&shop).execute(query, json!({})).await?;
        assert_eq!(refused.error_extension("permission"), "surveys:read", "{query}: {}", refused.body);
    }
    Ok(())
}

#[tokio::test]
async fn survey_setup_and_links_stay_in_their_workspace_and_role() -> anyhow::Result<()> {
    let w = world().await?;
    let define = "mutation($input: SurveyDefinitionInput!) { saveSurveyDefinition(input: $input) { id } }";
    let send = "mutation($d: ID!, $c: [ID!]!) { sendSurvey(definitionId: $d, customerIds: $c) }";
    let input = |name: &str| {
        json!({ "input": { "name": name, "kind": "NPS", "trigger": "MANUAL", "channel": "EMAIL",
            "templates": [{ "language": "zh-CN", "subject": "x", "body": "{link}" }] } })
    };
    let a_def = w.app.as_token(&w.a_owner).execute(define, input("A NPS")).await?.data()["saveSurveyDefinition"]["id"].clone();
    let a_customer = w.app.customer(&w.a_owner, "A Customer").await?;
    let b_customer = w.app.customer(&w.b_owner, "B Customer").await?;
    // B changing or sending A's definition: not found; A sending to B's customer: refused.
    let mut takeover = input("Mine now");
    takeover["input"]["id"] = a_def.clone();
    let refused = w.app.as_token(&w.b_owner).execute(define, takeover).await?;
    assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    let refused = w.app.as_token(&w.b_owner).execute(send, json!({ "d": a_def, "c": [b_customer] })).await?;
    assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    let refused = w.app.as_token(&w.a_owner).execute(send, json!({ "d": a_def, "c": [b_customer] })).await?;
    assert_eq!(refused.error_extension("field"), "customerIds", "{}", refused.body);
    // B sees none of A's definitions or invitations; nor A's messaging settings.
    w.app.as_token(&w.a_owner).execute(send, json!({ "d": a_def, "c": [a_customer] })).await?.data();
    let b_view = w
        .app
        .as_token(&w.b_owner)
        .execute(
            "{ surveyDefinitions { id } surveyInvitations { id } messagingSettings { linkBase } }",
            json!({}),
        )
        .await?;
    assert_eq!(b_view.data()["surveyDefinitions"], json!([]));
    assert_eq!(b_view.data()["surveyInvitations"], json!([]));
    let a_saved = w
        .app
        .as_token(&w.a_owner)
        .execute(
            "mutation { saveMessagingSettings(input: { linkBase: \"https://a.example.com\" }) { linkBase } }",
            json!({}),
        )
        .await?;
    assert_eq!(a_saved.data()["saveMessagingSettings"]["linkBase"], "https://a.example.com");
    let b_settings =
        w.app.as_token(&w.b_owner).execute("{ messagingSettings { linkBase } }", json!({})).await?;
    assert!(b_settings.data()["messagingSettings"]["linkBase"].is_null(), "{}", b_settings.body);
    // An agent reads invitations but sets nothing up, sends nothing, and sees no SMTP settings.
    for (query, vars) in [
        (define, input("Agent's")),
        (send, json!({ "d": a_def, "c": [a_customer] })),
        ("{ messagingSettings { linkBase } }", json!({})),
        (
            "mutation { saveMessagingSettings(input: { linkBase: \"https://evil.example.com\" }) { linkBase } }",
            json!({}),
        ),
    ] {
        let refused = w.app.as_token(&w.a_agent).execute(query, vars).await?;
        assert_eq!(refused.error_extension("permission"), "surveys:manage", "{query}: {}", refused.body);
    }
    let listed = w
        .app
        .as_token(&w.a_agent)
        .execute("{ surveyInvitations { status customer { id } } }", json!({}))
        .await?;
    assert_eq!(listed.data()["surveyInvitations"][0]["status"], "QUEUED", "{}", listed.body);
    assert_eq!(
        listed.data()["surveyInvitations"][0]["customer"]["id"],
        a_customer.as_str(),
        "{}",
        listed.body
    );
    let reader = w.app.api_token(&w.a_owner, &["surveys:read"]).await?;
    let unnamed =
        w.app.as_token(&reader).execute("{ surveyInvitations { customer { id } } }", json!({})).await?;
    assert_eq!(unnamed.data()["surveyInvitations"][0]["customer"], Value::Null, "{}", unnamed.body);
    // A guessed link opens nothing, signed in or not.
    let guess =
        "query { surveyInvitation(token: \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\") { state } }";
    for client in [w.app.graphql(), w.app.as_token(&w.b_owner)] {
        let refused = client.execute(guess, json!({})).await?;
        assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    }
    Ok(())
}

#[tokio::test]
async fn points_stay_in_their_workspace_and_role() -> anyhow::Result<()> {
    let w = world().await?;
    let rule = json!({ "active": true, "points": 1, "perMinor": 100, "categoryBonuses": [], "pendingDays": 0,
        "expiry": { "kind": "NEVER", "count": 0 }, "warnDays": 30 });
    let save =
        "mutation($rule: EarnRuleInput!, $v: Int!) { saveLoyaltyRule(rule: $rule, version: $v) { version } }";
    w.app.as_token(&w.a_owner).execute(save, json!({ "rule": rule, "v": 0 })).await?.data();
    let push =
        "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
    let bought = w
        .app
        .as_token(&w.a_owner)
        .execute(push, json!({ "input": { "customer": { "phone": "13911112222" }, "channel": "STORE", "amountMinor": 50_000 } }))
        .await?;
    let a_customer = bought.data()["recordTransaction"]["customerId"].as_str().unwrap_or_default().to_owned();
    let redeem = "mutation($input: PointsInput!) { redeemPoints(input: $input) { balance } }";
    let adjust = "mutation($input: PointsInput!) { adjustPoints(input: $input) { balance } }";
    let points = "query($id: ID!) { customer(id: $id) { points { balance lots { id } history { id } } } }";
    let spend = json!({ "input": { "customerId": a_customer, "points": 100, "reason": "x" } });

    // Workspace B: A's customer is not found for spending, giving or reading; B's own rule and
    // liability know nothing of A's.
    for query in [redeem, adjust] {
        let refused = w.app.as_token(&w.b_owner).execute(query, spend.clone()).await?;
        assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{query}: {}", refused.body);
    }
    let read = w.app.as_token(&w.b_owner).execute(points, json!({ "id": a_customer })).await?;
    assert_eq!(read.data()["customer"], Value::Null, "{}", read.body);
    let b_view = w
        .app
        .as_token(&w.b_owner)
        .execute("{ loyaltyRule { version } pointsLiability { outstanding } }", json!({}))
        .await?;
    assert_eq!(
        b_view.data(),
        &json!({ "loyaltyRule": { "version": 0 }, "pointsLiability": { "outstanding": 0 } })
    );

    // Roles: an analyst reads but neither spends, gives nor edits the rule; an agent spends but
    // does not give; a purchases-only token does none of it and reads nothing.
    let analyst = w.app.add_user(&w.a_owner, "ANALYST").await?;
    let analyst = w.app.token(&analyst).await?;
    let shop = w.app.api_token(&w.a_owner, &["transactions:write", "customers:read"]).await?;
    for (token, query, permission) in [
        (&analyst, redeem, "points:redeem"),
        (&analyst, adjust, "points:adjust"),
        (&w.a_agent, adjust, "points:adjust"),
        (&shop, redeem, "points:redeem"),
    ] {
        let refused = w.app.as_token(token).execute(query, spend.clone()).await?;
        assert_eq!(refused.error_extension("permission"), permission, "{}", refused.body);
    }
    for token in [&analyst, &w.a_agent] {
        let refused = w.app.as_token(token).execute(save, json!({ "rule": rule, "v": 1 })).await?;
        assert_eq!(refused.error_extension("permission"), "loyalty:manage", "{}", refused.body);
    }
    let unread = w.app.as_token(&shop).execute(points, json!({ "id": a_customer })).await?;
    assert_eq!(unread.error_extension("permission"), "loyalty:read", "{}", unread.body);
    let seen = w.app.as_token(&analyst).execute(points, json!({ "id": a_customer })).await?;
    assert_eq!(seen.data()["customer"]["points"]["balance"], 500, "{}", seen.body);
    let done = w.app.as_token(&w.a_agent).execute(redeem, spend.clone()).await?;
    assert_eq!(done.data()["redeemPoints"]["balance"], 400);
    // A POS token with points:redeem spends; it cannot give.
    let pos = w.app.api_token(&w.a_owner, &["points:redeem"]).await?;
    let done = w.app.as_token(&pos).execute(redeem, spend.clone()).await?;
    assert_eq!(done.data()["redeemPoints"]["balance"], 300);
    let refused = w.app.as_token(&pos).execute(adjust, spend).await?;
    assert_eq!(refused.error_extension("permission"), "points:adjust", "{}", refused.body);
    // A guessed operation id as a page cursor of B's customer lists nothing of A's.
    let b_customer = w.app.customer(&w.b_owner, "B member").await?;
    let a_history = w.app.as_token(&w.a_owner).execute(points, json!({ "id": a_customer })).await?;
    let a_op = a_history.data()["customer"]["points"]["history"][0]["id"].clone();
    let guessed =
        "query($id: ID!, $before: ID) { customer(id: $id) { points { history(before: $before) { id } } } }";
    let b_read =
        w.app.as_token(&w.b_owner).execute(guessed, json!({ "id": b_customer, "before": a_op })).await?;
    assert_eq!(b_read.data()["customer"]["points"]["history"], json!([]), "{}", b_read.body);
    Ok(())
}

#[tokio::test]
async fn member_tokens_reach_only_me_and_only_for_their_customer() -> anyhow::Result<()> {
    let w = world().await?;
    let push =
        "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
    let mut ids = Vec::new();
    for phone in ["13922220001", "13922220002"] {
        let bought = w
            .app
            .as_token(&w.a_owner)
            .execute(push, json!({ "input": { "customer": { "phone": phone }, "channel": "APP", "amountMinor": 10_000 } }))
            .await?;
        ids.push(bought.data()["recordTransaction"]["customerId"].as_str().unwrap_or_default().to_owned());
    }
    let (mine, other) = (ids[0].clone(), ids[1].clone());
    let issue = "mutation($c: ID!, $m: Int! = 30) { issueMemberToken(customerId: $c, minutes: $m) { token expiresAt customerId } }";
    // Only a caller with members:issue, only for its own workspace's customers, 1 to 60 minutes.
    let app_backend = w.app.api_token(&w.a_owner, &["members:issue"]).await?;
    let shop = w.app.api_token(&w.a_owner, &["transactions:write", "customers:read"]).await?;
    let refused = w.app.as_token(&shop).execute(issue, json!({ "c": mine })).await?;
    assert_eq!(refused.error_extension("permission"), "members:issue", "{}", refused.body);
    let refused = w.app.as_token(&w.a_agent).execute(issue, json!({ "c": mine })).await?;
    assert_eq!(refused.error_extension("permission"), "members:issue", "{}", refused.body);
    let cross = w.app.as_token(&w.b_owner).execute(issue, json!({ "c": mine })).await?;
    assert_eq!(cross.error_code(), Some("NOT_FOUND"), "{}", cross.body);
    for minutes in [0, 61] {
        let refused = w.app.as_token(&app_backend).execute(issue, json!({ "c": mine, "m": minutes })).await?;
        assert_eq!(refused.error_extension("field"), "minutes", "{}", refused.body);
    }
    let issued = w.app.as_token(&app_backend).execute(issue, json!({ "c": mine })).await?;
    let token = issued.data()["issueMemberToken"]["token"].as_str().unwrap_or_default().to_owned();
    let member = w.app.as_token(&token);

    let me = "{ me { customerId points { balance } pointsHistory { kind points } } }";
    let seen = member.execute(me, json!({})).await?;
    assert_eq!(seen.data()["me"]["customerId"], mine.as_str());
    // Every staff field, query or mutation, is closed to it: no customer by id (its own or
    // another), no lists, no settings, no spending, no minting tokens.
    for (query, variables) in [
        ("query($id: ID!) { customer(id: $id) { id } }", json!({ "id": mine })),
        ("query($id: ID!) { customer(id: $id) { id } }", json!({ "id": other })),
        ("{ customers { totalCount } }", json!({})),
        ("{ viewer { actor } }", json!({})),
        ("{ dashboard { customers } }", json!({})),
        ("{ loyaltyRule { version } }", json!({})),
        ("{ pointsLiability { outstanding } }", json!({})),
        ("{ notifications { unreadCount } }", json!({})),
        ("{ changes { endPosition } }", json!({})),
        ("mutation($c: ID!) { issueMemberToken(customerId: $c) { token } }", json!({ "c": other })),
        (
            "mutation($i: PointsInput!) { redeemPoints(input: $i) { balance } }",
            json!({ "i": { "customerId": mine, "points": 1 } }),
        ),
        (
            "mutation($i: PointsInput!) { adjustPoints(input: $i) { balance } }",
            json!({ "i": { "customerId": mine, "points": 100, "reason": "x" } }),
        ),
        (push, json!({ "input": { "customer": { "id": mine }, "channel": "APP", "amountMinor": 1 } })),
    ] {
        let refused = member.execute(query, variables).await?;
        assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{query}: {}", refused.body);
    }
    // Staff and API tokens are no members: `me` and the member's own redemption are closed to
    // them.
    let mine_redeem = "mutation($r: ID!) { redeemMyReward(rewardId: $r) { balance } }";
    for staff in [&w.a_owner, &app_backend] {
        let refused = w.app.as_token(staff).execute(me, json!({})).await?;
        assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
        let refused = w.app.as_token(staff).execute(mine_redeem, json!({ "r": mine })).await?;
        assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
    }
    // A token re-signed for the other customer without the key, an expired one, and one whose
    // customer was deleted are all refused.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let engine = URL_SAFE_NO_PAD;
    let claims: Value = serde_json::from_slice(&base64::Engine::decode(&engine, &parts[1])?)?;
    let mut forged = claims.clone();
    forged["sub"] = json!(other);
    parts[1] = base64::Engine::encode(&engine, serde_json::to_vec(&forged)?);
    let refused = w.app.as_token(&parts.join(".")).execute(me, json!({})).await?;
    assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
    let now = chrono::Utc::now();
    let (expired, _) = w.app.state.auth.keys.issue_member(
        mine.parse()?,
        w.a_workspace.parse()?,
        now - chrono::Duration::hours(2),
        now - chrono::Duration::hours(1),
    )?;
    let refused = w.app.as_token(&expired).execute(me, json!({})).await?;
    assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
    // Workspace B's key is the same server's, but B's claim on A's customer names the wrong
    // workspace: not found, so refused.
    let (wrong_ws, _) = w.app.state.auth.keys.issue_member(
        mine.parse()?,
        uuid::Uuid::now_v7(),
        now,
        now + chrono::Duration::minutes(5),
    )?;
    let refused = w.app.as_token(&wrong_ws).execute(me, json!({})).await?;
    assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
    w.app
        .as_token(&w.a_owner)
        .execute("mutation($id: ID!) { deleteCustomer(id: $id) { id } }", json!({ "id": mine }))
        .await?
        .data();
    let refused = member.execute(me, json!({})).await?;
    assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
    Ok(())
}

#[tokio::test]
async fn rewards_and_vouchers_stay_in_their_workspace_role_and_member() -> anyhow::Result<()> {
    let w = world().await?;
    let rule = json!({ "active": true, "points": 1, "perMinor": 100, "categoryBonuses": [], "pendingDays": 0,
        "expiry": { "kind": "NEVER", "count": 0 }, "warnDays": 30 });
    let save_rule =
        "mutation($rule: EarnRuleInput!, $v: Int!) { saveLoyaltyRule(rule: $rule, version: $v) { version } }";
    let push =
        "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
    let save = "mutation($id: ID, $i: RewardInput!) { saveReward(id: $id, input: $i) { id } }";
    let redeem =
        "mutation($c: ID!, $r: ID!) { redeemReward(customerId: $c, rewardId: $r) { voucher { code } } }";
    let use_it = "mutation($c: String!) { useVoucher(code: $c) { created } }";
    let check = "query($c: String!) { voucher(code: $c) { status } }";
    let codes = "mutation($r: ID!) { addRewardCodes(rewardId: $r, codes: [\"X-1\"]) { added } }";
    let reward = json!({ "name": "券", "kind": "CASH", "valueMinor": 500, "pointsCost": 10, "minStars": 1,
        "codes": "GENERATED", "active": true });
    let pool = json!({ "name": "池", "kind": "COUPON", "pointsCost": 10, "minStars": 1, "codes": "POOL", "active": true });
    // Each workspace: a rule, a member with points, a reward, a voucher.
    let mut sides = Vec::new();
    for (owner, phone) in [(&w.a_owner, "13933330001"), (&w.b_owner, "13933330002")] {
        let as_owner = w.app.as_token(owner);
        as_owner.execute(save_rule, json!({ "rule": rule, "v": 0 })).await?.data();
        let bought = as_owner
            .execute(push, json!({ "input": { "customer": { "phone": phone }, "channel": "STORE", "amountMinor": 100_000 } }))
            .await?;
        let customer =
            bought.data()["recordTransaction"]["customerId"].as_str().unwrap_or_default().to_owned();
        let saved = as_owner.execute(save, json!({ "i": reward })).await?;
        let reward_id = saved.data()["saveReward"]["id"].as_str().unwrap_or_default().to_owned();
        let saved = as_owner.execute(save, json!({ "i": pool })).await?;
        let pool_id = saved.data()["saveReward"]["id"].as_str().unwrap_or_default().to_owned();
        let got = as_owner.execute(redeem, json!({ "c": customer, "r": reward_id })).await?;
        let code = got.data()["redeemReward"]["voucher"]["code"].as_str().unwrap_or_default().to_owned();
        sides.push((customer, reward_id, pool_id, code));
    }
    let (a_customer, a_reward, a_pool, a_code) = sides[0].clone();
    let (b_customer, b_reward, _, b_code) = sides[1].clone();

    // Workspace B reaches none of A's: not the reward (edit, codes, redeem with B's own member),
    // not A's voucher codes (check or use), and B's catalogue lists only its own.
    let b = w.app.as_token(&w.b_owner);
    for (query, variables) in [
        (save, json!({ "id": a_reward, "i": reward })),
        (codes, json!({ "r": a_pool })),
        (redeem, json!({ "c": b_customer, "r": a_reward })),
        (redeem, json!({ "c": a_customer, "r": b_reward })),
        (use_it, json!({ "c": a_code })),
        (check, json!({ "c": a_code })),
    ] {
        let refused = b.execute(query, variables).await?;
        assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{query}: {}", refused.body);
    }
    let listed = b.execute("{ rewards(includeInactive: true) { id } }", json!({})).await?;
    assert!(!listed.body.to_string().contains(&a_reward), "{}", listed.body);
    // A's voucher is still unused after B's attempt.
    let a = w.app.as_token(&w.a_owner);
    assert_eq!(a.execute(check, json!({ "c": a_code })).await?.data()["voucher"]["status"], "ISSUED");
    // B's own code is not A's either.
    let refused = a.execute(use_it, json!({ "c": b_code })).await?;
    assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);

    // Roles: an analyst reads the catalogue but neither edits, redeems nor uses; an agent
    // redeems and uses but does not edit; a till token with points:redeem redeems and uses, a
    // shop token with neither scope does nothing and reads nothing.
    let analyst = w.app.add_user(&w.a_owner, "ANALYST").await?;
    let analyst = w.app.token(&analyst).await?;
    let shop = w.app.api_token(&w.a_owner, &["transactions:write", "customers:read"]).await?;
    let till = w.app.api_token(&w.a_owner, &["points:redeem"]).await?;
    for (token, query, variables, permission) in [
        (&analyst, save, json!({ "i": reward }), "loyalty:manage"),
        (&w.a_agent, save, json!({ "id": a_reward, "i": reward }), "loyalty:manage"),
        (&w.a_agent, codes, json!({ "r": a_pool }), "loyalty:manage"),
        (&analyst, redeem, json!({ "c": a_customer, "r": a_reward }), "points:redeem"),
        (&analyst, use_it, json!({ "c": a_code }), "points:redeem"),
        (&shop, redeem, json!({ "c": a_customer, "r": a_reward }), "points:redeem"),
        (&shop, use_it, json!({ "c": a_code }), "points:redeem"),
        (&shop, check, json!({ "c": a_code }), "loyalty:read"),
        (&shop, "{ rewards { id } }", json!({}), "loyalty:read"),
    ] {
        let refused = w.app.as_token(token).execute(query, variables).await?;
        assert_eq!(refused.error_extension("permission"), permission, "{query}: {}", refused.body);
    }
    let seen = w.app.as_token(&analyst).execute(check, json!({ "c": a_code })).await?;
    assert_eq!(seen.data()["voucher"]["status"], "ISSUED");
    let got = w.app.as_token(&w.a_agent).execute(redeem, json!({ "c": a_customer, "r": a_reward })).await?;
    let agent_code = got.data()["redeemReward"]["voucher"]["code"].as_str().unwrap_or_default().to_owned();
    let used = w.app.as_token(&till).execute(use_it, json!({ "c": agent_code })).await?;
    assert_eq!(used.data()["useVoucher"]["created"], true);

    // A member token: its own redemption only, never another workspace's reward, and a guessed
    // code is no voucher to it.
    let issue = "mutation($c: ID!) { issueMemberToken(customerId: $c) { token } }";
    let token = a.execute(issue, json!({ "c": a_customer })).await?;
    let token = token.data()["issueMemberToken"]["token"].as_str().unwrap_or_default().to_owned();
    let member = w.app.as_token(&token);
    let mine = "mutation($r: ID!) { redeemMyReward(rewardId: $r) { voucher { code } } }";
    let refused = member.execute(mine, json!({ "r": b_reward })).await?;
    assert_eq!(refused.error_code(), Some("NOT_FOUND"), "{}", refused.body);
    for (query, variables) in [
        (use_it, json!({ "c": a_code })),
        (check, json!({ "c": a_code })),
        ("{ rewards(includeInactive: true) { id } }", json!({})),
        (redeem, json!({ "c": a_customer, "r": a_reward })),
        (save, json!({ "id": a_reward, "i": reward })),
        (codes, json!({ "r": a_pool })),
    ] {
        let refused = member.execute(query, variables).await?;
        assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{query}: {}", refused.body);
    }
    let listed = member.execute("{ me { rewards { id } vouchers { code } } }", json!({})).await?;
    let text = listed.body.to_string();
    assert!(!text.contains(&b_reward) && !text.contains(&b_code), "{text}");
    assert!(text.contains(&a_code), "{text}");
    Ok(())
}

#[tokio::test]
async fn referral_codes_stay_in_their_workspace_and_role() -> anyhow::Result<()> {
    let w = world().await?;
    let a_customer = w.app.customer(&w.a_owner, "A member").await?;
    let issue = "mutation($c: ID!) { issueMemberToken(customerId: $c) { token } }";
    let token = w.app.as_token(&w.a_owner).execute(issue, json!({ "c": a_customer })).await?;
    let token = token.data()["issueMemberToken"]["token"].as_str().unwrap_or_default().to_owned();
    let analyst = w.app.add_user(&w.a_owner, "ANALYST").await?;
    let analyst = w.app.token(&analyst).await?;
    // Referral codes: another workspace's code or customer is not found; an analyst records
    // none; a member token records none.
    let refer =
        "mutation($c: ID!, $code: String!) { recordReferral(customerId: $c, code: $code) { status } }";
    let code_of = "query($id: ID!) { customer(id: $id) { points { referralCode } } }";
    let a_code_read = w.app.as_token(&w.a_owner).execute(code_of, json!({ "id": a_customer })).await?;
    let a_referral =
        a_code_read.data()["customer"]["points"]["referralCode"].as_str().unwrap_or_default().to_owned();
    let b_new = w.app.customer(&w.b_owner, "B newcomer").await?;
    let a_new = w.app.customer(&w.a_owner, "A newcomer").await?;
    for (token, variables, code) in [
        (&w.b_owner, json!({ "c": b_new, "code": a_referral }), "NOT_FOUND"),
        (&w.a_owner, json!({ "c": b_new, "code": a_referral }), "NOT_FOUND"),
        (&token, json!({ "c": a_new, "code": a_referral }), "UNAUTHENTICATED"),
    ] {
        let refused = w.app.as_token(token).execute(refer, variables).await?;
        assert_eq!(refused.error_code(), Some(code), "{}", refused.body);
    }
    let refused = w.app.as_token(&analyst).execute(refer, json!({ "c": a_new, "code": a_referral })).await?;
    assert_eq!(refused.error_extension("permission"), "customers:write", "{}", refused.body);
    Ok(())
}

#[tokio::test]
async fn expiry_warnings_and_welcome_levels_stay_in_their_workspace_role_and_member() -> anyhow::Result<()> {
    let w = world().await?;
    let rule = json!({ "active": true, "points": 1, "perMinor": 100, "categoryBonuses": [], "pendingDays": 0,
        "expiry": { "kind": "AFTER_DAYS", "count": 30 }, "warnDays": 7,
        "warning": { "channel": "SMS", "subject": "", "body": "{points} 积分将于 {date} 过期" } });
    let save =
        "mutation($rule: EarnRuleInput!, $v: Int!) { saveLoyaltyRule(rule: $rule, version: $v) { version } }";
    // Only loyalty:manage writes the warning message.
    let refused = w.app.as_token(&w.a_agent).execute(save, json!({ "rule": rule, "v": 0 })).await?;
    assert_eq!(refused.error_extension("permission"), "loyalty:manage", "{}", refused.body);
    w.app.as_token(&w.a_owner).execute(save, json!({ "rule": rule, "v": 0 })).await?.data();
    let push =
        "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
    let at = chrono::Utc::now() - chrono::Duration::days(25);
    let bought = w
        .app
        .as_token(&w.a_owner)
        .execute(push, json!({ "input": { "customer": { "phone": "13933330001" }, "channel": "STORE", "amountMinor": 10_000, "occurredAt": at } }))
        .await?;
    let a_customer = bought.data()["recordTransaction"]["customerId"].as_str().unwrap_or_default().to_owned();
    assert_eq!(starcrm_api::loyalty::warnings::pass(&w.app.state.db, chrono::Utc::now()).await?, 1);
    let warnings = "query($id: ID!) { customer(id: $id) { points { warnings { points status } } } }";

    // Workspace B: A's customer is not found; B's own customers show none of A's warnings.
    let cross = w.app.as_token(&w.b_owner).execute(warnings, json!({ "id": a_customer })).await?;
    assert_eq!(cross.data()["customer"], Value::Null, "{}", cross.body);
    let b_customer = w.app.customer(&w.b_owner, "B member").await?;
    let own = w.app.as_token(&w.b_owner).execute(warnings, json!({ "id": b_customer })).await?;
    assert_eq!(own.data()["customer"]["points"]["warnings"], json!([]), "{}", own.body);
    // A token without loyalty:read reads none; the owner does.
    let shop = w.app.api_token(&w.a_owner, &["transactions:write", "customers:read"]).await?;
    let unread = w.app.as_token(&shop).execute(warnings, json!({ "id": a_customer })).await?;
    assert_eq!(unread.error_extension("permission"), "loyalty:read", "{}", unread.body);
    let seen = w.app.as_token(&w.a_owner).execute(warnings, json!({ "id": a_customer })).await?;
    assert_eq!(
        seen.data()["customer"]["points"]["warnings"][0],
        json!({ "points": 100, "status": "QUEUED" })
    );

    // The welcome level: only ratings:manage sets it; starWelcome needs ratings:read and the
    // customer's workspace.
    let policy = json!({ "windowDays": 365, "rules": [{ "criterion": "MONETARY", "weight": 100,
            "normalisation": { "kind": "LINEAR", "cap": 10000.0, "steps": [] } }],
        "thresholds": { "two": 20.0, "three": 40.0, "four": 60.0, "five": 80.0 }, "graceDays": 0, "oneStepDown": false,
        "schedule": { "cadence": "MANUAL", "day": 1 }, "welcome": { "stars": 4, "days": 14 } });
    let draft = "mutation($p: PolicyInput!) { saveRatingPolicyDraft(policy: $p) { version } }";
    let refused = w.app.as_token(&w.a_agent).execute(draft, json!({ "p": policy })).await?;
    assert_eq!(refused.error_extension("permission"), "ratings:manage", "{}", refused.body);
    let version = w.app.as_token(&w.a_owner).execute(draft, json!({ "p": policy })).await?.data()
        ["saveRatingPolicyDraft"]["version"]
        .clone();
    w.app
        .as_token(&w.a_owner)
        .execute(
            "mutation($v: Int!) { activateRatingPolicy(version: $v) { policy { version } } }",
            json!({ "v": version }),
        )
        .await?
        .data();
    let welcomed = w.app.customer(&w.a_owner, "New in A").await?;
    let welcome = "query($id: ID!) { customer(id: $id) { stars starWelcome { stars } } }";
    let seen = w.app.as_token(&w.a_owner).execute(welcome, json!({ "id": welcomed })).await?;
    assert_eq!(
        seen.data()["customer"],
        json!({ "stars": 4, "starWelcome": { "stars": 4 } }),
        "{}",
        seen.body
    );
    let cross = w.app.as_token(&w.b_owner).execute(welcome, json!({ "id": welcomed })).await?;
    assert_eq!(cross.data()["customer"], Value::Null, "{}", cross.body);
    let unread = w.app.as_token(&shop).execute(welcome, json!({ "id": welcomed })).await?;
    assert_eq!(unread.error_extension("permission"), "ratings:read", "{}", unread.body);
    // B's new customers get B's policy (none), not A's welcome.
    let b_new = w.app.customer(&w.b_owner, "New in B").await?;
    let b_seen = w.app.as_token(&w.b_owner).execute(welcome, json!({ "id": b_new })).await?;
    assert_eq!(b_seen.data()["customer"]["starWelcome"], Value::Null, "{}", b_seen.body);

    // A member token reads neither through staff fields.
    let app_backend = w.app.api_token(&w.a_owner, &["members:issue"]).await?;
    let issued = w
        .app
        .as_token(&app_backend)
        .execute(
            "mutation($c: ID!) { issueMemberToken(customerId: $c) { token } }",
            json!({ "c": a_customer }),
        )
        .await?;
    let member = issued.data()["issueMemberToken"]["token"].as_str().unwrap_or_default().to_owned();
    for (query, id) in [(warnings, &a_customer), (welcome, &welcomed)] {
        let refused = w.app.as_token(&member).execute(query, json!({ "id": id })).await?;
        assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
    }
    let own = w.app.as_token(&member).execute("{ me { stars { stars welcomeUntil } } }", json!({})).await?;
    assert_eq!(
        own.data()["me"]["stars"]["welcomeUntil"],
        Value::Null,
        "bought before the welcome: {}",
        own.body
    );
    Ok(())
}

const CREATE_SEGMENT: &str =
    "mutation($input: SegmentInput!) { createSegment(input: $input) { id version memberCount } }";
const SEGMENT: &str = "query($id: ID!) { segment(id: $id) { id name memberCount } }";

/// A member token for `customer` of workspace A, issued by an app backend's API token.
async fn member_token(w: &World, customer: &str) -> anyhow::Result<String> {
    let app_backend = w.app.api_token(&w.a_owner, &["members:issue"]).await?;
    let issued = w
        .app
        .as_token(&app_backend)
        .execute("mutation($c: ID!) { issueMemberToken(customerId: $c) { token } }", json!({ "c": customer }))
        .await?;
    Ok(issued.data()["issueMemberToken"]["token"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn segments_and_rfm_stay_in_their_workspace_role_and_member() -> anyhow::Result<()> {
    let w = world().await?;
    let push =
        "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
    let bought = w
        .app
        .as_token(&w.a_owner)
        .execute(
            push,
            json!({ "input": { "customer": { "phone": "13933330002", "name": "A buyer" },
            "channel": "STORE", "amountMinor": 50_000 } }),
        )
        .await?;
    let a_customer = bought.data()["recordTransaction"]["customerId"].as_str().unwrap_or_default().to_owned();
    let input = json!({ "name": "Big spenders", "filter": { "totalSpend": { "min": 10_000 } } });
    // Only campaigns:manage saves segments: an agent may not; A's owner may.
    let refused = w.app.as_token(&w.a_agent).execute(CREATE_SEGMENT, json!({ "input": input })).await?;
    assert_eq!(refused.error_extension("permission"), "campaigns:manage", "{}", refused.body);
    let created = w.app.as_token(&w.a_owner).execute(CREATE_SEGMENT, json!({ "input": input })).await?;
    let segment = created.data()["createSegment"].clone();
    assert_eq!(segment["memberCount"], 1, "{}", created.body);
    let id = segment["id"].as_str().unwrap_or_default().to_owned();

    // Workspace B: A's segment is not found to read, edit or delete, and stays as it was.
    let read = w.app.as_token(&w.b_owner).execute(SEGMENT, json!({ "id": id })).await?;
    assert_eq!(read.error_code(), Some("NOT_FOUND"), "{}", read.body);
    let edit = w
        .app
        .as_token(&w.b_owner)
        .execute(
            "mutation($id: ID!, $input: SegmentInput!) { updateSegment(id: $id, version: 1, input: $input) { id } }",
            json!({ "id": id, "input": { "name": "Taken over", "filter": { "stars": { "min": 1 } } } }),
        )
        .await?;
    assert_eq!(edit.error_code(), Some("NOT_FOUND"), "{}", edit.body);
    let delete = w
        .app
        .as_token(&w.b_owner)
        .execute("mutation($id: ID!) { deleteSegment(id: $id) }", json!({ "id": id }))
        .await?;
    assert_eq!(delete.error_code(), Some("NOT_FOUND"), "{}", delete.body);
    let b_list = w.app.as_token(&w.b_owner).execute("{ segments { id } }", json!({})).await?;
    assert_eq!(b_list.data()["segments"], json!([]), "{}", b_list.body);
    // A guessed segment id in B's filter selects none of A's customers.
    let guessed = w
        .app
        .as_token(&w.b_owner)
        .execute(
            "query($f: CustomerFilter) { customers(first: 10, filter: $f) { totalCount } }",
            json!({ "f": { "segmentIds": [id] } }),
        )
        .await?;
    assert_eq!(guessed.data()["customers"]["totalCount"], 0, "{}", guessed.body);
    let preview = w
        .app
        .as_token(&w.b_owner)
        .execute(
            "query($f: CustomerFilter!) { segmentPreview(filter: $f) { customers } }",
            json!({ "f": { "segmentIds": [id] } }),
        )
        .await?;
    assert_eq!(preview.data()["segmentPreview"]["customers"], 0, "{}", preview.body);
    // A's customer's standing is not found from B.
    let standing =
        "query($id: ID!) { customerMarketing(customerId: $id) { rfm { group } segments { member } } }";
    let cross = w.app.as_token(&w.b_owner).execute(standing, json!({ "id": a_customer })).await?;
    assert_eq!(cross.error_code(), Some("NOT_FOUND"), "{}", cross.body);
    let mine = w.app.as_token(&w.a_owner).execute(SEGMENT, json!({ "id": id })).await?;
    assert_eq!(mine.data()["segment"]["name"], "Big spenders", "unchanged: {}", mine.body);

    // RFM: recomputing needs campaigns:manage; B's grid holds none of A's customers.
    let recompute = "mutation { recomputeRfm { customers } }";
    let refused = w.app.as_token(&w.a_agent).execute(recompute, json!({})).await?;
    assert_eq!(refused.error_extension("permission"), "campaigns:manage", "{}", refused.body);
    let a_grid = w.app.as_token(&w.a_owner).execute(recompute, json!({})).await?;
    assert_eq!(a_grid.data()["recomputeRfm"]["customers"], 1, "{}", a_grid.body);
    let b_grid = w.app.as_token(&w.b_owner).execute(recompute, json!({})).await?;
    assert_eq!(b_grid.data()["recomputeRfm"]["customers"], 0, "{}", b_grid.body);
    // An agent reads segments and standings (customers:read) but cannot delete.
    let agent_reads = w.app.as_token(&w.a_agent).execute(standing, json!({ "id": a_customer })).await?;
    assert_eq!(
        agent_reads.data()["customerMarketing"]["segments"][0]["member"],
        true,
        "{}",
        agent_reads.body
    );
    let refused = w
        .app
        .as_token(&w.a_agent)
        .execute("mutation($id: ID!) { deleteSegment(id: $id) }", json!({ "id": id }))
        .await?;
    assert_eq!(refused.error_extension("permission"), "campaigns:manage", "{}", refused.body);
    // A token without customers:read reads no segments.
    let pos = w.app.api_token(&w.a_owner, &["transactions:write"]).await?;
    let unread = w.app.as_token(&pos).execute("{ segments { id } rfmGrid { customers } }", json!({})).await?;
    assert_eq!(unread.error_extension("permission"), "customers:read", "{}", unread.body);

    // A member token reaches none of it.
    let member = member_token(&w, &a_customer).await?;
    for (query, vars) in [
        (SEGMENT, json!({ "id": id })),
        (standing, json!({ "id": a_customer })),
        ("{ segments { id } }", json!({})),
        (CREATE_SEGMENT, json!({ "input": input })),
    ] {
        let refused = w.app.as_token(&member).execute(query, vars).await?;
        assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
    }
    Ok(())
}

const CREATE_CAMPAIGN: &str =
    "mutation($input: CampaignInput!) { createCampaign(input: $input) { id version } }";
const CAMPAIGN: &str = "query($id: ID!) { campaign(id: $id) { id name status version } }";

/// An email campaign to 5-star customers with a coupon, nobody held out.
fn campaign_input(name: &str) -> Value {
    json!({ "name": name, "channel": "EMAIL", "stars": [5], "holdoutPercent": 0, "offer": "COUPON", "couponPrefix": "AA",
        "content": [{ "language": "en", "subject": "For you", "body": "Code {coupon}" }] })
}

/// A's 5-star customer and a coupon campaign to them, prepared (sending): (customer, campaign,
/// the customer's coupon code). An agent was refused on the way.
async fn a_sending_campaign(w: &World) -> anyhow::Result<(String, String, String)> {
    let a = w.app.as_token(&w.a_owner);
    a.execute(
        "mutation($input: MessagingSettingsInput!) { saveMessagingSettings(input: $input) { linkBase } }",
        json!({ "input": { "linkBase": "https://a.example.com" } }),
    )
    .await?
    .data();
    let created = a
        .execute(
            "mutation { createCustomer(input: { name: \"A five\", emails: [{ value: \"five@a.example.com\" }],
               consents: [{ channel: EMAIL, granted: true }] }) { id } }",
            json!({}),
        )
        .await?;
    let a_customer = created.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned();
    w.app.override_stars(&w.a_owner, &a_customer, 5).await?;
    // Only campaigns:manage writes campaigns: an agent may not; A's owner may, and launches.
    let refused =
        w.app.as_token(&w.a_agent).execute(CREATE_CAMPAIGN, json!({ "input": campaign_input("x") })).await?;
    assert_eq!(refused.error_extension("permission"), "campaigns:manage", "{}", refused.body);
    let made = a.execute(CREATE_CAMPAIGN, json!({ "input": campaign_input("A spring") })).await?;
    let c = made.data()["createCampaign"].clone();
    let id = c["id"].as_str().unwrap_or_default().to_owned();
    let launched = a
        .execute(
            "mutation($id: ID!) { launchCampaign(id: $id, version: 1) { status version } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(launched.data()["launchCampaign"]["status"], "SCHEDULED", "{}", launched.body);
    starcrm_api::marketing::sending::run(&w.app.state.db, chrono::Utc::now()).await?;
    let recipients = a
        .execute("query($id: ID!) { campaignRecipients(id: $id) { couponCode } }", json!({ "id": id }))
        .await?;
    let code =
        recipients.data()["campaignRecipients"][0]["couponCode"].as_str().unwrap_or_default().to_owned();
    assert!(code.starts_with("AA-"), "{}", recipients.body);
    Ok((a_customer, id, code))
}

#[tokio::test]
async fn campaigns_stay_in_their_workspace_role_and_member() -> anyhow::Result<()> {
    let w = world().await?;
    let (a_customer, id, code) = a_sending_campaign(&w).await?;
    let a = w.app.as_token(&w.a_owner);

    // Workspace B: A's campaign is not found to read, edit, launch, approve, cancel or delete;
    // its recipients and coupons are not found either.
    let b = w.app.as_token(&w.b_owner);
    for (query, vars) in [
        (CAMPAIGN, json!({ "id": id })),
        ("query($id: ID!) { campaignRecipients(id: $id) { customerId } }", json!({ "id": id })),
        (
            "mutation($id: ID!, $input: CampaignInput!) { updateCampaign(id: $id, version: 2, input: $input) { id } }",
            json!({ "id": id, "input": campaign_input("taken") }),
        ),
        ("mutation($id: ID!) { launchCampaign(id: $id, version: 2) { id } }", json!({ "id": id })),
        ("mutation($id: ID!) { approveCampaign(id: $id, version: 2) { id } }", json!({ "id": id })),
        ("mutation($id: ID!) { cancelCampaign(id: $id, version: 3) { id } }", json!({ "id": id })),
        ("mutation($id: ID!) { deleteCampaign(id: $id, version: 3) }", json!({ "id": id })),
        (
            "mutation($c: String!) { redeemCampaignCoupon(code: $c, reference: \"r1\") { created } }",
            json!({ "c": code }),
        ),
    ] {
        let cross = b.execute(query, vars).await?;
        assert_eq!(cross.error_code(), Some("NOT_FOUND"), "{query}: {}", cross.body);
    }
    let b_list = b.execute("{ campaigns { id } }", json!({})).await?;
    assert_eq!(b_list.data()["campaigns"], json!([]), "{}", b_list.body);
    // B cannot aim a campaign at A's segment.
    let segment = a
        .execute(
            CREATE_SEGMENT,
            json!({ "input": { "name": "A fives", "filter": { "stars": { "min": 5 } } } }),
        )
        .await?;
    let segment_id = segment.data()["createSegment"]["id"].clone();
    let mut aimed = campaign_input("aimed");
    aimed["segmentId"] = segment_id;
    let refused = b.execute(CREATE_CAMPAIGN, json!({ "input": aimed })).await?;
    assert_eq!(refused.error_extension("field"), "segmentId", "{}", refused.body);
    let mine = a.execute(CAMPAIGN, json!({ "id": id })).await?;
    assert_eq!(mine.data()["campaign"]["status"], "SENDING", "unchanged: {}", mine.body);

    // An agent reads campaigns (customers:read) but cannot cancel or approve; a till token
    // redeems coupons but reads no campaigns.
    let agent = w.app.as_token(&w.a_agent);
    assert_eq!(agent.execute(CAMPAIGN, json!({ "id": id })).await?.data()["campaign"]["name"], "A spring");
    let version = mine.data()["campaign"]["version"].clone();
    let cancel = agent
        .execute(
            "mutation($id: ID!, $v: Int!) { cancelCampaign(id: $id, version: $v) { id } }",
            json!({ "id": id, "v": version }),
        )
        .await?;
    assert_eq!(cancel.error_extension("permission"), "campaigns:manage", "{}", cancel.body);
    let approve = agent
        .execute(
            "mutation($id: ID!, $v: Int!) { approveCampaign(id: $id, version: $v) { id } }",
            json!({ "id": id, "v": version }),
        )
        .await?;
    assert_eq!(approve.error_extension("permission"), "campaigns:approve", "{}", approve.body);
    let pos = w.app.api_token(&w.a_owner, &["transactions:write"]).await?;
    let unread = w.app.as_token(&pos).execute("{ campaigns { id } }", json!({})).await?;
    assert_eq!(unread.error_extension("permission"), "customers:read", "{}", unread.body);
    let reader = w.app.api_token(&w.a_owner, &["customers:read"]).await?;
    let redeem = w
        .app
        .as_token(&reader)
        .execute(
            "mutation($c: String!) { redeemCampaignCoupon(code: $c, reference: \"r1\") { created } }",
            json!({ "c": code }),
        )
        .await?;
    assert_eq!(redeem.error_extension("permission"), "transactions:write", "{}", redeem.body);

    // A member token reaches none of it; a guessed unsubscribe link is not found.
    let member = member_token(&w, &a_customer).await?;
    for (query, vars) in [
        (CAMPAIGN, json!({ "id": id })),
        ("{ campaigns { id } }", json!({})),
        (CREATE_CAMPAIGN, json!({ "input": campaign_input("member") })),
        (
            "mutation($c: String!) { redeemCampaignCoupon(code: $c, reference: \"r\") { created } }",
            json!({ "c": code }),
        ),
    ] {
        let refused = w.app.as_token(&member).execute(query, vars).await?;
        assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
    }
    let guessed = w
        .app
        .graphql()
        .execute(
            "query { unsubscribeLink(token: \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\") { business } }",
            json!({}),
        )
        .await?;
    assert_eq!(guessed.error_code(), Some("NOT_FOUND"), "{}", guessed.body);
    Ok(())
}

const INSIGHT: &str = "query($id: ID!) { customer(id: $id) { insight { purchaseDays pAlive reasons } lifecycleHistory { to } } }";

#[tokio::test]
async fn insight_stays_in_its_workspace_role_and_member() -> anyhow::Result<()> {
    let w = world().await?;
    let a = w.app.as_token(&w.a_owner);
    let push =
        "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
    let mut customer = String::new();
    for days in [90, 40, 3] {
        let at = chrono::Utc::now() - chrono::Duration::days(days);
        let bought = a
            .execute(
                push,
                json!({ "input": { "customer": { "phone": "13933330001" }, "channel": "APP", "amountMinor": 10_000, "occurredAt": at } }),
            )
            .await?;
        bought.data()["recordTransaction"]["customerId"]
            .as_str()
            .unwrap_or_default()
            .clone_into(&mut customer);
    }
    let fitted = a.execute("mutation { recomputeInsight { status customers } }", json!({})).await?;
    assert_eq!(fitted.data()["recomputeInsight"]["customers"], 1, "{}", fitted.body);
    let mine = a.execute(INSIGHT, json!({ "id": customer })).await?;
    assert_eq!(mine.data()["customer"]["insight"]["purchaseDays"], 3, "{}", mine.body);
    let a_model = a.execute("{ purchaseModel { fittedAt status } }", json!({})).await?;

    // Workspace B: A's customer is not found; its own lists and fit hold nothing of A's, and
    // refitting B leaves A's fit alone.
    let b = w.app.as_token(&w.b_owner);
    let cross = b.execute(INSIGHT, json!({ "id": customer })).await?;
    assert_eq!(cross.data()["customer"], Value::Null, "{}", cross.body);
    let guessed = a.execute(INSIGHT, json!({ "id": uuid::Uuid::now_v7().to_string() })).await?;
    assert_eq!(guessed.data()["customer"], Value::Null, "{}", guessed.body);
    let all = "{ atRiskCustomers(stages: [LEAD, PROSPECT, NEW, ACTIVE, LOYAL, AT_RISK, CHURNED, WON_BACK]) { customer { id } } }";
    let listed = b.execute(all, json!({})).await?;
    assert_eq!(listed.data()["atRiskCustomers"], json!([]), "{}", listed.body);
    let b_model = b.execute("{ purchaseModel { status customers sampledCustomers } }", json!({})).await?;
    assert_eq!(b_model.data()["purchaseModel"]["status"], "NOT_YET", "{}", b_model.body);
    // Nothing of A's fit (its buyers, its sample) shows in B.
    assert_eq!(b_model.data()["purchaseModel"]["customers"], 0, "{}", b_model.body);
    assert!(b_model.data()["purchaseModel"]["sampledCustomers"].is_null(), "{}", b_model.body);
    b.execute("mutation { recomputeInsight { status } }", json!({})).await?.data();
    let after = a.execute("{ purchaseModel { fittedAt status } }", json!({})).await?;
    assert_eq!(after.data(), a_model.data(), "B's refit leaves A's fit");
    let b_after = b.execute("{ purchaseModel { customers } }", json!({})).await?;
    assert_eq!(b_after.data()["purchaseModel"]["customers"], 0);

    // An agent reads insight but cannot change the rules or refit; a till token reads nothing;
    // a reader token cannot refit.
    let agent = w.app.as_token(&w.a_agent);
    let read = agent.execute(INSIGHT, json!({ "id": customer })).await?;
    assert_eq!(read.data()["customer"]["insight"]["purchaseDays"], 3, "{}", read.body);
    let refit = agent.execute("mutation { recomputeInsight { status } }", json!({})).await?;
    assert_eq!(refit.error_extension("permission"), "ratings:manage", "{}", refit.body);
    let rules = json!({ "automatic": false, "newDays": 30, "loyalMinPurchases": 5, "loyalMinStars": 4, "atRiskBelow": 0.4,
        "overdueFactor": 3.0, "complaintDays": 30, "complaintMinStars": 4, "churnedBelow": 0.1, "churnedDays": 300, "wonBackDays": 60 });
    let save =
        "mutation($r: LifecycleRulesInput!) { updateLifecycleSettings(rules: $r, model: BG_NBD) { model } }";
    let refused = agent.execute(save, json!({ "r": rules })).await?;
    assert_eq!(refused.error_extension("permission"), "ratings:manage", "{}", refused.body);
    let pos = w.app.api_token(&w.a_owner, &["transactions:write"]).await?;
    for query in [
        "{ atRiskCustomers { customer { id } } }",
        "{ purchaseModel { status } }",
        "{ lifecycleSettings { model } }",
    ] {
        let unread = w.app.as_token(&pos).execute(query, json!({})).await?;
        assert_eq!(unread.error_extension("permission"), "customers:read", "{query}: {}", unread.body);
    }
    let reader = w.app.api_token(&w.a_owner, &["customers:read"]).await?;
    let refit =
        w.app.as_token(&reader).execute("mutation { recomputeInsight { status } }", json!({})).await?;
    assert_eq!(refit.error_extension("permission"), "ratings:manage", "{}", refit.body);

    // A member token reaches none of it.
    let member = member_token(&w, &customer).await?;
    for (query, vars) in [
        (INSIGHT, json!({ "id": customer })),
        ("{ atRiskCustomers { customer { id } } }", json!({})),
        ("{ purchaseModel { status } }", json!({})),
        ("mutation { recomputeInsight { status } }", json!({})),
        (save, json!({ "r": rules })),
    ] {
        let refused = w.app.as_token(&member).execute(query, vars).await?;
        assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
    }
    let unchanged = a.execute("{ lifecycleSettings { updatedAt } }", json!({})).await?;
    assert_eq!(unchanged.data()["lifecycleSettings"]["updatedAt"], Value::Null);

    Ok(())
}

#[tokio::test]
async fn coupon_pools_stay_in_their_workspace() -> anyhow::Result<()> {
    let w = world().await?;
    let a = w.app.as_token(&w.a_owner);
    let b = w.app.as_token(&w.b_owner);
    // B can neither hand out the codes of A's coupon pool nor count them in a live audience;
    // A can.
    let pool = a
        .execute(
            "mutation($input: RewardInput!) { saveReward(input: $input) { id } }",
            json!({ "input": { "name": "A till coupon", "kind": "COUPON", "pointsCost": 100, "minStars": 1,
                "valueMinor": 2000, "codes": "POOL", "active": false } }),
        )
        .await?;
    let pool_id = pool.data()["saveReward"]["id"].clone();
    a.execute(
        "mutation($r: ID!) { addRewardCodes(rewardId: $r, codes: [\"A-TILL-1\"]) { added } }",
        json!({ "r": pool_id }),
    )
    .await?
    .data();
    let mut pooled = campaign_input("pooled");
    pooled["couponRewardId"] = pool_id;
    if let Some(o) = pooled.as_object_mut() {
        o.remove("couponPrefix");
    }
    let refused = b.execute(CREATE_CAMPAIGN, json!({ "input": pooled.clone() })).await?;
    assert_eq!(refused.error_extension("field"), "couponRewardId", "{}", refused.body);
    let counted = b
        .execute(
            "query($input: CampaignInput!) { campaignAudience(input: $input) { toSend } }",
            json!({ "input": pooled.clone() }),
        )
        .await?;
    assert_eq!(counted.error_extension("field"), "couponRewardId", "{}", counted.body);
    let mine = a.execute(CREATE_CAMPAIGN, json!({ "input": pooled })).await?;
    assert!(mine.data()["createCampaign"]["id"].is_string(), "{}", mine.body);
    Ok(())
}

#[tokio::test]
async fn recommendations_stay_in_their_workspace_role_and_member() -> anyhow::Result<()> {
    let w = world().await?;
    let a = w.app.as_token(&w.a_owner);
    let push =
        "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
    // A's tea and cup go together (a fourth basket without them makes the pair stand out).
    let tea_and_cup = json!([{ "sku": "A-TEA", "name": "A tea", "unitPriceMinor": 6_000 },
        { "sku": "A-CUP", "name": "A cup", "unitPriceMinor": 4_000 }]);
    let mut customer = String::new();
    for days in [60, 30, 3] {
        let at = chrono::Utc::now() - chrono::Duration::days(days);
        let input = json!({ "customer": { "phone": "13933330001" }, "channel": "APP", "amountMinor": 10_000,
            "occurredAt": at, "items": tea_and_cup });
        let bought = a.execute(push, json!({ "input": input })).await?;
        bought.data()["recordTransaction"]["customerId"]
            .as_str()
            .unwrap_or_default()
            .clone_into(&mut customer);
    }
    let cake = json!({ "customer": { "phone": "13933330002" }, "channel": "APP", "amountMinor": 3_000,
        "items": [{ "sku": "A-CAKE", "name": "A cake", "unitPriceMinor": 3_000 }] });
    a.execute(push, json!({ "input": cake })).await?.data();
    a.execute("mutation { recomputeInsight { status } }", json!({})).await?.data();
    let pairs = "{ productAssociations { from { key } to { key } } }";
    let a_pairs = a.execute(pairs, json!({})).await?;
    assert_eq!(a_pairs.data()["productAssociations"].as_array().map(Vec::len), Some(2), "{}", a_pairs.body);
    let recs = "query($id: ID!) { customer(id: $id) { recommendations { product { key } reason } } }";
    let mine = a.execute(recs, json!({ "id": customer })).await?;
    assert_eq!(mine.data()["customer"]["recommendations"][0]["product"]["key"], "A-CAKE", "{}", mine.body);

    // B lists none of A's associations and cannot read A's customer's list.
    let b = w.app.as_token(&w.b_owner);
    b.execute("mutation { recomputeInsight { status } }", json!({})).await?.data();
    let b_pairs = b.execute(pairs, json!({})).await?;
    assert_eq!(b_pairs.data()["productAssociations"], json!([]), "{}", b_pairs.body);
    let cross = b.execute(recs, json!({ "id": customer })).await?;
    assert_eq!(cross.data()["customer"], Value::Null, "{}", cross.body);
    // An agent reads them; a till token and a member token do not.
    let read = w.app.as_token(&w.a_agent).execute(pairs, json!({})).await?;
    assert_eq!(read.data(), a_pairs.data());
    let pos = w.app.api_token(&w.a_owner, &["transactions:write"]).await?;
    let unread = w.app.as_token(&pos).execute(pairs, json!({})).await?;
    assert_eq!(unread.error_extension("permission"), "customers:read", "{}", unread.body);
    let member = member_token(&w, &customer).await?;
    for (query, vars) in [(pairs, json!({})), (recs, json!({ "id": customer }))] {
        let refused = w.app.as_token(&member).execute(query, vars).await?;
        assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
    }
    Ok(())
}

/// The dashboards (`analytics`) count only the caller's workspace; an agent reads them but not
/// the campaigns' ROI (`campaigns:manage`); a till token without `ratings:read` and a member
/// token read nothing.
#[tokio::test]
async fn dashboards_stay_in_their_workspace_role_and_member() -> anyhow::Result<()> {
    let w = world().await?;
    let push =
        "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";
    // B sells; A sells once.
    let b = w.app.as_token(&w.b_owner);
    for phone in ["13944440001", "13944440002"] {
        let input = json!({ "customer": { "phone": phone }, "channel": "APP", "amountMinor": 50_000,
            "items": [{ "sku": "B-TEA", "name": "B tea", "category": "B 茶", "unitPriceMinor": 50_000 }] });
        b.execute(push, json!({ "input": input })).await?.data();
    }
    let a = w.app.as_token(&w.a_owner);
    let input = json!({ "customer": { "phone": "13944440003" }, "channel": "APP", "amountMinor": 1_000 });
    let bought = a.execute(push, json!({ "input": input })).await?;
    let customer = bought.data()["recordTransaction"]["customerId"].as_str().unwrap_or_default().to_owned();
    let query = "{ analytics { byStarLevel(days: 30) { stars customers revenueMinor }
        lifecycleFunnel { stage customers } starTrend(months: 1) { counts } cohorts(months: 1) { customers }
        starMigration { stayed newlyRated } demand(months: 6) { byCategory { key } } } }";
    let mine = a.execute(query, json!({})).await?;
    let data = mine.data()["analytics"].clone();
    let revenue: i64 = data["byStarLevel"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| l["revenueMinor"].as_i64().unwrap_or(0))
        .sum();
    let customers: i64 = data["byStarLevel"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| l["customers"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!((revenue, customers), (1_000, 1), "{}", mine.body);
    let rated: i64 = data["starTrend"][0]["counts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| n.as_i64().unwrap_or(0))
        .sum();
    assert_eq!(rated, 1, "A's one customer in A's trend: {}", mine.body);
    assert_eq!(data["cohorts"][0]["customers"], 1, "{}", mine.body);
    assert_eq!(data["demand"]["byCategory"], json!([]), "B's category is B's: {}", mine.body);
    // B's dashboards see B's two customers, never A's.
    let theirs = b.execute(query, json!({})).await?;
    let customers: i64 = theirs.data()["analytics"]["byStarLevel"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| l["customers"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(customers, 2, "{}", theirs.body);

    // An agent reads the dashboards but not the campaigns' ROI.
    let agent = w.app.as_token(&w.a_agent);
    assert_eq!(agent.execute(query, json!({})).await?.data(), mine.data());
    let roi = agent.execute("{ analytics { campaigns { id } } }", json!({})).await?;
    assert_eq!(roi.error_extension("permission"), "campaigns:manage", "{}", roi.body);
    // A till token with customers:read but not ratings:read, and a member token: nothing.
    let till = w.app.api_token(&w.a_owner, &["customers:read", "transactions:write"]).await?;
    let refused = w.app.as_token(&till).execute(query, json!({})).await?;
    assert_eq!(refused.error_extension("permission"), "ratings:read", "{}", refused.body);
    let member = member_token(&w, &customer).await?;
    let refused = w.app.as_token(&member).execute(query, json!({})).await?;
    assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
    Ok(())
}
