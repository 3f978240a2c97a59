//! Accounts in the browser: sign-in (and its errors), the pages each role may use, sign-out and
//! the back button, an API token made in the app and used over HTTP until it is revoked, a
//! session ended elsewhere. Screenshots of every page in both languages, desktop and phone.

use fantoccini::Locator;
use serde_json::json;
use starcrm_e2e::browser::{Viewport, WAIT};
use starcrm_e2e::flows::{sign_in, sign_out};
use starcrm_e2e::server::{DEMO_PASSWORD, ServerOptions, demo_email};
use starcrm_e2e::{Browser, GraphqlClient, Server};

fn app_with_demo() -> ServerOptions {
    ServerOptions { mode: "production", web: true, seed: true }
}

#[tokio::test]
async fn sign_in_use_the_app_sign_out_and_the_back_button_shows_nothing_private() -> anyhow::Result<()> {
    let server = Server::start_with(app_with_demo()).await?;
    let browser = Browser::start(Viewport::Desktop).await?;
    let result = async {
        // A private page sends a signed-out visitor to sign in, and back afterwards.
        browser.client().goto(&server.url("/settings/users")).await?;
        let at = browser.wait_for_path("/login").await?;
        assert!(at.contains("next=%2Fsettings%2Fusers"), "{at}");
        browser.wait_for_text(".auth-card__title", "登录 StarCRM").await?;
        browser.screenshot("login-zh-CN-desktop").await?;
        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text(".auth-card__title", "Sign in to StarCRM").await?;
        browser.screenshot("login-en-desktop").await?;

        browser.fill("input[name=email]", &demo_email("owner")).await?;
        browser.fill("input[name=password]", "not the password").await?;
        browser.click("button[type=submit]").await?;
        browser.wait_for_text("[data-testid=form-error]", "Incorrect email or password.").await?;
        browser.screenshot("login-error-en-desktop").await?;

        browser.fill("input[name=password]", DEMO_PASSWORD).await?;
        browser.click("button[type=submit]").await?;
        browser.wait_for_path("/settings/users").await?;
        browser.wait_for_text("[data-testid=page-title]", "Users and roles").await?;
        let rows =
            browser.client().wait().at_most(WAIT).for_element(Locator::Css("[data-testid=user-row]")).await;
        assert!(rows.is_ok());
        assert_eq!(
            browser.client().find_all(Locator::Css("[data-testid=user-row]")).await?.len(),
            6,
            "the demo accounts"
        );
        browser.screenshot("settings-users-en-desktop").await?;

        browser.click("[data-testid=nav-dashboard]").await?;
        let welcome = browser.text("[data-testid=welcome]").await?;
        assert!(welcome.contains("王芳") && welcome.contains("星辰商贸"), "{welcome}");
        browser
            .client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("[data-testid=dashboard-figures]"))
            .await?;
        browser.screenshot("dashboard-signed-in-en-desktop").await?;

        sign_out(&browser).await?;
        browser.client().back().await?;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        browser.wait_for_path("/login").await?;
        assert!(!browser.exists("[data-testid=welcome]").await?, "no dashboard after signing out");
        let page = browser.client().source().await?;
        assert!(!page.contains("王芳"), "nothing private on the page after going back");
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn an_api_token_made_in_the_app_works_over_http_until_revoked_there() -> anyhow::Result<()> {
    let server = Server::start_with(app_with_demo()).await?;
    let browser = Browser::start(Viewport::Desktop).await?;
    let result = async {
        sign_in(&browser, &server, "owner").await?;
        browser.click("[data-testid=nav-settings]").await?;
        browser.click("[data-testid=tab-tokens]").await?;
        browser.wait_for_text("[data-testid=page-title]", "API 令牌").await?;
        browser.click("[data-testid=create-token]").await?;
        browser.fill("input[name=token-name]", "天猫店铺同步").await?;
        browser.click("[data-testid='scope-users:read']").await?;
        browser.click("[data-testid='scope-customers:read']").await?;
        browser.screenshot("settings-token-create-zh-CN-desktop").await?;
        browser.click("[data-testid=submit-token]").await?;
        let secret = browser.text("[data-testid=token-secret]").await?;
        assert!(secret.starts_with("scrm_"), "{secret}");
        browser.screenshot("settings-token-secret-zh-CN-desktop").await?;

        // What an integrator does with it: curl -H 'authorization: Bearer ...' /graphql
        let client = GraphqlClient::new(&server.url("")).bearer(&secret);
        let works = client.execute("{ users { totalCount } }", json!({})).await?;
        assert_eq!(works.data()["users"]["totalCount"], 6);

        browser.click("[data-testid=token-copied]").await?;
        browser.wait_for_text("[data-testid=token-row] .cell-title", "天猫店铺同步").await?;
        browser.screenshot("settings-tokens-zh-CN-desktop").await?;
        browser.click("[data-testid=revoke-token]").await?;
        browser.click("[data-testid=confirm]").await?;
        browser.client().wait().at_most(WAIT).for_element(Locator::Css("[data-testid=no-tokens]")).await?;

        let refused = client.execute("{ users { totalCount } }", json!({})).await?;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"));

        browser.click("[data-testid=tab-audit]").await?;
        browser
            .client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("[data-action='api_token.revoke']"))
            .await?;
        browser.screenshot("settings-audit-zh-CN-desktop").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn an_admin_adds_a_user_and_hands_over_the_temporary_password() -> anyhow::Result<()> {
    let server = Server::start_with(app_with_demo()).await?;
    let browser = Browser::start(Viewport::Desktop).await?;
    let result = async {
        sign_in(&browser, &server, "admin").await?;
        browser.client().goto(&server.url("/settings/users")).await?;
        browser.click("[data-testid=add-user]").await?;
        browser.fill("input[name=new-user-email]", "not-an-email").await?;
        browser.fill("input[name=new-user-name]", "赵敏").await?;
        browser.fill("input[name=new-user-phone]", "12345").await?;
        browser.click("[data-testid=create-user]").await?;
        browser.wait_for_text("#field-new-user-email-error", "请输入有效的邮箱地址。").await?;
        browser.screenshot("settings-add-user-errors-zh-CN-desktop").await?;
        browser.fill("input[name=new-user-email]", "zhao.min@demo.starcrm.local").await?;
        browser.fill("input[name=new-user-phone]", "139 0000 1111").await?;
        browser.click("[data-testid=create-user]").await?;
        let temporary = browser.text("[data-testid=temporary-password]").await?;
        assert_eq!(temporary.len(), 19, "{temporary}");
        browser.screenshot("settings-user-created-zh-CN-desktop").await?;

        // The new colleague signs in with it.
        let login = GraphqlClient::new(&server.url(""))
            .execute(
                "mutation($input: LoginInput!) { login(input: $input) { viewer { role user { name phone } } } }",
                json!({ "input": { "email": "zhao.min@demo.starcrm.local", "password": temporary } }),
            )
            .await?;
        assert_eq!(login.data()["login"]["viewer"]["role"], "AGENT");
        assert_eq!(login.data()["login"]["viewer"]["user"]["phone"], "139****1111");
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn each_role_sees_only_what_it_may_use_on_a_phone() -> anyhow::Result<()> {
    let server = Server::start_with(app_with_demo()).await?;
    let browser = Browser::start(Viewport::Phone).await?;
    let result = async {
        sign_in(&browser, &server, "analyst").await?;
        browser.click(".topbar__menu").await?;
        let nav = browser.wait_for_text_containing("#side-nav", "设置").await?;
        for visible in ["仪表盘", "客户", "星级评定", "设置"] {
            assert!(nav.contains(visible), "{visible} missing for an analyst: {nav}");
        }
        for hidden in ["客户服务", "营销活动"] {
            assert!(!nav.contains(hidden), "{hidden} shown to an analyst: {nav}");
        }
        browser.screenshot("navigation-analyst-zh-CN-phone").await?;
        browser.click("[data-testid=nav-settings]").await?;
        browser.wait_for_text("[data-testid=page-title]", "我的账户").await?;
        assert!(!browser.exists("[data-testid=tab-users]").await?, "no users tab for an analyst");
        browser.screenshot("settings-account-zh-CN-phone").await?;
        browser.client().goto(&server.url("/settings/audit")).await?;
        let error = browser
            .client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("[data-testid=error-view]"))
            .await?;
        assert_eq!(error.attr("data-error-code").await?.as_deref(), Some("FORBIDDEN"));
        browser.screenshot("forbidden-zh-CN-phone").await?;

        // Changing one's own password: a wrong current one is refused, then it works.
        browser.client().goto(&server.url("/settings/account")).await?;
        browser.click("[data-testid='lang-en']").await?;
        browser.fill("input[name=current-password]", "wrong wrong wrong").await?;
        browser.fill("input[name=new-password]", "a fresh long passphrase").await?;
        browser.fill("input[name=confirm-password]", "a fresh long passphrase").await?;
        browser.click("[data-testid=change-password] button[type=submit]").await?;
        browser
            .wait_for_text("#field-current-password-error", "The current password is not correct.")
            .await?;
        browser.fill("input[name=current-password]", DEMO_PASSWORD).await?;
        browser.click("[data-testid=change-password] button[type=submit]").await?;
        browser
            .client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("[data-testid=password-changed]"))
            .await?;
        browser.screenshot("settings-account-en-phone").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn a_session_ended_elsewhere_sends_the_user_to_sign_in_again() -> anyhow::Result<()> {
    let server = Server::start_with(app_with_demo()).await?;
    let browser = Browser::start(Viewport::Desktop).await?;
    let result = async {
        sign_in(&browser, &server, "agent").await?;
        // An admin deactivates the agent from another place.
        let admin = server.demo_api("admin").await?;
        let agent = admin.execute("{ users(filter: { role: AGENT }) { nodes { id } } }", json!({})).await?;
        let agent_id = agent.data()["users"]["nodes"][0]["id"].clone();
        admin
            .execute("mutation($id: ID!) { deactivateUser(id: $id) { status } }", json!({ "id": agent_id }))
            .await?
            .data();

        // The next thing the agent does in the app meets the ended session.
        browser.click("[data-testid=nav-settings]").await?;
        // The settings page may already have met the ended session and left for the sign-in
        // page (the nav is gone then); otherwise the dashboard's request meets it.
        if browser.exists("[data-testid=nav-dashboard]").await? {
            let _ = browser.click("[data-testid=nav-dashboard]").await;
        }
        let at = browser.wait_for_path("/login").await?;
        assert!(at.contains("expired=1"), "{at}");
        browser
            .client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("[data-testid=session-expired]"))
            .await?;
        browser.screenshot("session-expired-zh-CN-desktop").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}
