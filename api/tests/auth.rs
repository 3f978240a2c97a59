//! Sign-in, sessions and their tokens, through the real router over HTTP.

mod common;

use common::{Options, PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) {
    accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt
    viewer { actor role permissions workspace { name } user { email } } } }";
const REFRESH: &str =
    "mutation($input: RefreshSessionInput) { refreshSession(input: $input) { accessToken refreshToken } }";
const VIEWER: &str = "{ viewer { user { email } role } }";

fn login_vars(email: &str, password: &str, body: bool) -> Value {
    json!({ "input": { "email": email, "password": password, "returnRefreshToken": body } })
}

#[tokio::test]
async fn signing_in_returns_a_short_lived_access_token_and_the_viewer() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme 商贸").await?;
    let response = app.graphql().execute(LOGIN, login_vars(&owner.email, PASSWORD, true)).await?;
    let login = &response.data()["login"];
    assert_eq!(login["viewer"]["actor"], "USER");
    assert_eq!(login["viewer"]["role"], "OWNER");
    assert_eq!(login["viewer"]["workspace"]["name"], "Acme 商贸");
    assert_eq!(login["viewer"]["user"]["email"], owner.email);
    assert!(login["viewer"]["permissions"].as_array().is_some_and(|p| p.contains(&json!("users:manage"))));
    assert!(login["refreshToken"].as_str().is_some_and(|t| t.starts_with("scrt_")));

    let expires: chrono::DateTime<chrono::Utc> =
        login["accessTokenExpiresAt"].as_str().unwrap_or_default().parse()?;
    let lifetime = expires - chrono::Utc::now();
    assert!(
        lifetime > chrono::Duration::minutes(14) && lifetime <= chrono::Duration::minutes(15),
        "{lifetime}"
    );

    let token = login["accessToken"].as_str().unwrap_or_default();
    let me = app.as_token(token).execute(VIEWER, json!({})).await?;
    assert_eq!(me.data()["viewer"]["user"]["email"], owner.email);
    Ok(())
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let wrong_password =
        app.graphql().execute(LOGIN, login_vars(&owner.email, "not the password", false)).await?;
    let unknown_email =
        app.graphql().execute(LOGIN, login_vars("nobody@test.example", PASSWORD, false)).await?;
    for response in [&wrong_password, &unknown_email] {
        assert_eq!(response.error_code(), Some("UNAUTHENTICATED"));
        assert_eq!(response.error_message(), "invalid email or password");
        assert!(response.body["errors"][0]["extensions"].get("field").is_none());
        assert!(response.headers.get("set-cookie").is_none());
    }
    Ok(())
}

#[tokio::test]
async fn browsers_get_the_refresh_token_as_a_strict_http_only_cookie() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let response = app.graphql().execute(LOGIN, login_vars(&owner.email, PASSWORD, false)).await?;
    assert!(response.data()["login"]["refreshToken"].is_null(), "no refresh token in the body for browsers");
    let cookie = response.headers["set-cookie"].to_str()?.to_owned();
    assert!(cookie.starts_with("starcrm_refresh=scrt_"), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/graphql", "Max-Age="] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP on localhost cannot use Secure cookies: {cookie}");

    // The browser sends the cookie back; a refresh rotates it.
    let pair = cookie.split(';').next().unwrap_or_default().to_owned();
    let refreshed = app.graphql().header("cookie", &pair).execute(REFRESH, json!({})).await?;
    assert!(refreshed.data()["refreshSession"]["accessToken"].is_string());
    let rotated = refreshed.headers["set-cookie"].to_str()?.to_owned();
    assert!(rotated.starts_with("starcrm_refresh=scrt_") && !rotated.starts_with(&pair), "{rotated}");
    Ok(())
}

#[tokio::test]
async fn cookies_are_secure_away_from_localhost() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let response = app
        .graphql()
        .header("host", "crm.example.com")
        .execute(LOGIN, login_vars(&owner.email, PASSWORD, false))
        .await?;
    assert!(response.headers["set-cookie"].to_str()?.contains("; Secure"));
    Ok(())
}

#[tokio::test]
async fn a_refresh_token_works_once_and_its_reuse_ends_the_session() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let first = app.sign_in(&owner).await?;

    let refreshed =
        app.graphql().execute(REFRESH, json!({ "input": { "refreshToken": first.refresh_token } })).await?;
    let second_refresh =
        refreshed.data()["refreshSession"]["refreshToken"].as_str().unwrap_or_default().to_owned();
    let second_access =
        refreshed.data()["refreshSession"]["accessToken"].as_str().unwrap_or_default().to_owned();
    assert!(second_refresh.starts_with("scrt_") && second_refresh != first.refresh_token);
    assert!(app.as_token(&second_access).execute(VIEWER, json!({})).await?.body["errors"].is_null());

    // The old token again: someone copied it. The whole family is revoked.
    let replay =
        app.graphql().execute(REFRESH, json!({ "input": { "refreshToken": first.refresh_token } })).await?;
    assert_eq!(replay.error_code(), Some("UNAUTHENTICATED"));
    let next = app.graphql().execute(REFRESH, json!({ "input": { "refreshToken": second_refresh } })).await?;
    assert_eq!(next.error_code(), Some("UNAUTHENTICATED"), "the newest token of the family dies too");
    let access = app.as_token(&second_access).execute(VIEWER, json!({})).await?;
    assert_eq!(access.status, StatusCode::UNAUTHORIZED);
    assert_eq!(access.error_code(), Some("UNAUTHENTICATED"), "and so does its access token");

    // Another session of the same user is untouched.
    let other = app.sign_in(&owner).await?;
    assert!(app.as_token(&other.access_token).execute(VIEWER, json!({})).await?.body["errors"].is_null());
    Ok(())
}

#[tokio::test]
async fn logout_ends_the_session_and_clears_the_cookie() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let session = app.sign_in(&owner).await?;
    let out = app.as_token(&session.access_token).execute("mutation { logout }", json!({})).await?;
    assert_eq!(out.data()["logout"], true);
    assert!(out.headers["set-cookie"].to_str()?.contains("Max-Age=0"));
    assert_eq!(
        app.as_token(&session.access_token).execute(VIEWER, json!({})).await?.error_code(),
        Some("UNAUTHENTICATED")
    );
    let refresh =
        app.graphql().execute(REFRESH, json!({ "input": { "refreshToken": session.refresh_token } })).await?;
    assert_eq!(refresh.error_code(), Some("UNAUTHENTICATED"));
    Ok(())
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let laptop = app.sign_in(&owner).await?;
    let phone = app.sign_in(&owner).await?;
    let changed = app
        .as_token(&laptop.access_token)
        .execute(
            "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }",
            json!({ "input": { "currentPassword": PASSWORD, "newPassword": "a brand new passphrase" } }),
        )
        .await?;
    let fresh = changed.data()["changePassword"]["accessToken"].as_str().unwrap_or_default().to_owned();
    for stale in [&laptop.access_token, &phone.access_token] {
        assert_eq!(
            app.as_token(stale).execute(VIEWER, json!({})).await?.error_code(),
            Some("UNAUTHENTICATED")
        );
    }
    assert!(
        app.as_token(&fresh).execute(VIEWER, json!({})).await?.body["errors"].is_null(),
        "the caller stays in"
    );
    let old = app.graphql().execute(LOGIN, login_vars(&owner.email, PASSWORD, false)).await?;
    assert_eq!(old.error_code(), Some("UNAUTHENTICATED"));
    let new = app.graphql().execute(LOGIN, login_vars(&owner.email, "a brand new passphrase", false)).await?;
    assert!(new.body["errors"].is_null());
    Ok(())
}

#[tokio::test]
async fn password_rules_are_enforced_with_the_field_and_reason() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let token = app.token(&owner).await?;
    let change = |new: &'static str, current: &'static str| {
        let client = app.as_token(&token);
        async move {
            client
                .execute(
                    "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }",
                    json!({ "input": { "currentPassword": current, "newPassword": new } }),
                )
                .await
        }
    };
    for (new, reason) in
        [("short", "TOO_SHORT"), ("1234567890", "COMMON_PASSWORD"), ("woaini1314", "COMMON_PASSWORD")]
    {
        let response = change(new, PASSWORD).await?;
        assert_eq!(response.error_code(), Some("BAD_USER_INPUT"), "{new}");
        assert_eq!(response.error_extension("field"), "newPassword");
        assert_eq!(response.error_extension("reason"), reason, "{new}");
    }
    let wrong_current = change("a perfectly fine one", "not my password").await?;
    assert_eq!(wrong_current.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(wrong_current.error_extension("field"), "currentPassword");
    // Still signed in, and the password did not change.
    assert!(app.as_token(&token).execute(VIEWER, json!({})).await?.body["errors"].is_null());
    Ok(())
}

#[tokio::test]
async fn sign_up_creates_a_workspace_only_while_it_is_open() -> anyhow::Result<()> {
    const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken viewer { role workspace { name currency timezone } } } }";
    let input = json!({ "input": {
        "workspaceName": "新店", "name": "店长", "email": "founder@shop.example", "password": PASSWORD, "returnRefreshToken": true } });

    let closed = TestApp::start().await?;
    let refused = closed.graphql().execute(SIGN_UP, input.clone()).await?;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"));
    let nobody = closed.graphql().execute(LOGIN, login_vars("founder@shop.example", PASSWORD, false)).await?;
    assert_eq!(nobody.error_code(), Some("UNAUTHENTICATED"), "nothing was created");

    let open = TestApp::start_with(Options {
        configure: Some(|s| s.signup = starcrm_api::config::Signup::Open),
        ..Options::default()
    })
    .await?;
    let created = open.graphql().execute(SIGN_UP, input.clone()).await?;
    let viewer = &created.data()["signUp"]["viewer"];
    assert_eq!(viewer["role"], "OWNER");
    assert_eq!(
        viewer["workspace"],
        json!({ "name": "新店", "currency": "CNY", "timezone": "Asia/Shanghai" })
    );
    // Signing up again with the same email makes a second workspace rather than answering
    // CONFLICT, which would tell anyone whether an address has an account on this server.
    let again = open.graphql().execute(SIGN_UP, input).await?;
    assert_eq!(again.data()["signUp"]["viewer"]["role"], "OWNER");
    let which = open.graphql().execute(LOGIN, login_vars("founder@shop.example", PASSWORD, false)).await?;
    assert_eq!(which.error_extension("field"), "workspaceId", "sign-in asks which: {}", which.body);
    Ok(())
}

#[tokio::test]
async fn role_changes_and_deactivation_apply_to_live_tokens_at_once() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    let owner_token = app.token(&owner).await?;
    let manager = app.add_user(&owner_token, "MANAGER").await?;
    let manager_token = app.token(&manager).await?;
    let audit = "{ auditLog(first: 1) { totalCount } }";
    assert!(app.as_token(&manager_token).execute(audit, json!({})).await?.body["errors"].is_null());

    let version = app
        .as_token(&owner_token)
        .execute("query($id: ID!) { user(id: $id) { version } }", json!({ "id": manager.id }))
        .await?
        .data()["user"]["version"]
        .clone();
    app.as_token(&owner_token)
        .execute(
            "mutation($input: ChangeUserRoleInput!) { changeUserRole(input: $input) { role } }",
            json!({ "input": { "id": manager.id, "role": "ANALYST", "version": version } }),
        )
        .await?
        .data();
    let demoted = app.as_token(&manager_token).execute(audit, json!({})).await?;
    assert_eq!(demoted.error_code(), Some("FORBIDDEN"), "the same token, the new role");

    app.as_token(&owner_token)
        .execute("mutation($id: ID!) { deactivateUser(id: $id) { status } }", json!({ "id": manager.id }))
        .await?
        .data();
    let gone = app.as_token(&manager_token).execute(VIEWER, json!({})).await?;
    assert_eq!(gone.error_code(), Some("UNAUTHENTICATED"));
    let login = app.graphql().execute(LOGIN, login_vars(&manager.email, PASSWORD, false)).await?;
    assert_eq!(
        login.error_message(),
        "invalid email or password",
        "deactivated accounts get the same answer"
    );
    Ok(())
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_account() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Acme").await?;
    for attempt in 1..=5 {
        let response =
            app.graphql().execute(LOGIN, login_vars(&owner.email, "guess guess guess", false)).await?;
        assert_eq!(response.error_code(), Some("UNAUTHENTICATED"), "attempt {attempt}");
    }
    let limited = app.graphql().execute(LOGIN, login_vars(&owner.email, PASSWORD, false)).await?;
    assert_eq!(limited.error_code(), Some("RATE_LIMITED"), "even the right password waits");
    let retry = limited.error_extension("retryAfterSeconds").as_u64().unwrap_or_default();
    assert!((1..=300).contains(&retry), "5 failures in 5 minutes, then wait: {retry}");
    Ok(())
}
