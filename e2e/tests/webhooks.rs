//! Settings > Webhooks in the browser: a manager adds an endpoint for a local receiver, sends a
//! test event and sees it delivered, watches a failure land in the delivery log and resends it,
//! rotates the secret; the page in both languages, on a desktop and a phone.

use std::time::Duration;

use serde_json::json;
use starcrm_e2e::browser::Viewport;
use starcrm_e2e::flows::sign_in;
use starcrm_e2e::receiver::Receiver;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, Server};

async fn demo_server() -> anyhow::Result<Server> {
    let options = ServerOptions { mode: "production", web: true, seed: true };
    // The receiver runs on this machine, which the server refuses unless told otherwise.
    Server::start_with_env(options, &[("STARCRM_WEBHOOKS_ALLOW_PRIVATE", "true")]).await
}

#[tokio::test]
async fn a_manager_adds_an_endpoint_tests_it_reads_the_log_and_resends_a_failure() -> anyhow::Result<()> {
    let server = demo_server().await?;
    let mut receiver = Receiver::start().await?;
    let browser = Browser::start(Viewport::Desktop).await?;
    let result = async {
        sign_in(&browser, &server, "manager").await?;
        browser.click("[data-testid=nav-settings]").await?;
        browser.click("[data-testid=tab-webhooks]").await?;
        browser.wait_for_text("[data-testid=page-title]", "Webhook").await?;
        browser.wait_for("[data-testid=no-endpoints]").await?;
        browser.screenshot("settings-webhooks-empty-zh-CN-desktop").await?;

        // A URL the server refuses shows why under the field.
        browser.click("[data-testid=add-endpoint]").await?;
        browser.fill("input[name=endpoint-url]", "ftp://erp.example.com").await?;
        browser.scroll_to("[data-testid=submit-endpoint]").await?;
        browser.click("[data-testid=submit-endpoint]").await?;
        browser.wait_for_text_containing(".field--invalid", "http").await?;
        browser.fill("input[name=endpoint-url]", &receiver.url).await?;
        browser.fill("input[name=endpoint-description]", "门店 POS").await?;
        browser.click("[data-testid=kind-starsChanged]").await?;
        browser.click("[data-testid=kind-transactionRecorded]").await?;
        browser.screenshot("settings-webhook-add-zh-CN-desktop").await?;
        browser.scroll_to("[data-testid=submit-endpoint]").await?;
        browser.click("[data-testid=submit-endpoint]").await?;
        let kinds = browser.wait_for_text_containing("[data-testid=endpoint-kinds]", "星级变化").await?;
        assert!(kinds.contains("消费记录") && !kinds.contains("新建客户"), "{kinds}");

        // The secret stays hidden until asked for.
        assert!(!browser.exists("[data-testid=endpoint-secret]").await?);
        browser.click("[data-testid=toggle-secret]").await?;
        let secret = browser.text("[data-testid=endpoint-secret]").await?;
        assert!(secret.starts_with("whsec_"), "{secret}");

        // A test event reaches the receiver, signed; the card says it arrived.
        browser.click("[data-testid=send-test]").await?;
        let request = receiver.next(Duration::from_secs(20)).await?;
        assert_eq!(request.json()["type"], "webhook.test", "{request:?}");
        assert!(request.headers.get("webhook-signature").is_some_and(|s| s.starts_with("v1,")), "{request:?}");
        browser.wait_for_text_containing("[data-testid=test-result]", "测试事件已送达").await?;
        browser.click("[data-testid=delivery-log]").await?;
        browser.wait_for("[data-testid=delivery-row][data-succeeded=true]").await?;
        browser.screenshot("settings-webhooks-zh-CN-desktop").await?;

        // The receiver breaks: the test event fails and the log shows it; fixed, a resend works.
        receiver.answer(503);
        browser.click("[data-testid=send-test]").await?;
        receiver.next(Duration::from_secs(20)).await?;
        browser.wait_for_text_containing("[data-testid=test-result]", "HTTP 503").await?;
        browser.wait_for("[data-testid=delivery-row][data-succeeded=false]").await?;
        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text_containing("[data-testid=test-result]", "Test event not delivered").await?;
        browser.screenshot("settings-webhooks-failure-en-desktop").await?;
        receiver.answer(200);
        browser.click("[data-testid=delivery-row][data-succeeded=false] [data-testid=resend]").await?;
        receiver.next(Duration::from_secs(20)).await?;
        let rows = browser.wait_for_text_containing("[data-testid=delivery-table]", "Resent").await?;
        assert!(rows.contains("HTTP 200") && rows.contains("HTTP 503"), "{rows}");
        browser.scroll_to("[data-testid=delivery-table]").await?;
        browser.screenshot("settings-webhooks-log-en-desktop").await?;

        // Rotating asks first, then both secrets sign for a day, as the card says.
        browser.click("[data-testid=rotate-secret]").await?;
        browser.click("[data-testid=confirm]").await?;
        browser.wait_for_text_containing("[data-testid=endpoint]", "previous secret also signs until").await?;
        browser.click("[data-testid=toggle-secret]").await?;
        let rotated = browser.text("[data-testid=endpoint-secret]").await?;
        assert!(rotated.starts_with("whsec_") && rotated != secret);
        browser.screenshot("settings-webhooks-rotated-en-desktop").await?;

        // A real change goes out on its own, as the endpoint asked (purchases and stars only).
        let manager = server.demo_api("manager").await?;
        let pushed = manager
            .execute(
                "mutation { recordTransaction(input: { customer: { phone: \"13700007777\", name: \"Hook Test\" }, channel: STORE, amountMinor: 50000 }) { customerId } }",
                json!({}),
            )
            .await?;
        assert!(pushed.body["errors"].is_null(), "{}", pushed.body);
        let change = receiver.next(Duration::from_secs(20)).await?;
        let kind = change.json()["type"].as_str().unwrap_or_default().to_owned();
        assert!(kind == "transactionRecorded" || kind == "starsChanged", "{change:?}");

        // Delete, after confirming: the empty state is back.
        browser.click("[data-testid=delete-endpoint]").await?;
        browser.click("[data-testid=confirm]").await?;
        browser.wait_for("[data-testid=no-endpoints]").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn the_webhooks_page_fits_a_phone_in_both_languages_and_agents_do_not_see_it() -> anyhow::Result<()> {
    let server = demo_server().await?;
    let receiver = Receiver::start().await?;
    // Two endpoints made over the API, one of them paused.
    let owner = server.demo_api("owner").await?;
    let create =
        "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { id } }";
    owner.execute(create, json!({ "input": { "url": receiver.url, "description": "ERP 订单同步" } })).await?;
    let paused = owner
        .execute(create, json!({ "input": { "url": format!("{}/crm-with-a-rather-long-path/that/wraps", receiver.url), "eventTypes": ["starsChanged"] } }))
        .await?;
    owner
        .execute(
            "mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { id } }",
            json!({ "id": paused.data()["createWebhookEndpoint"]["id"] }),
        )
        .await?;

    let browser = Browser::start(Viewport::Phone).await?;
    let result = async {
        sign_in(&browser, &server, "owner").await?;
        browser.client().goto(&server.url("/settings/webhooks")).await?;
        browser.wait_for_text_containing("[data-testid=endpoints-disabled]", "已停用").await?;
        browser.wait_for_text_containing("[data-testid=disabled-reason]", "已手动暂停").await?;
        assert_eq!(browser.count("[data-testid=endpoint]").await?, 2);
        assert_eq!(browser.overflow_x().await?, 0, "no sideways scrolling on a phone");
        browser.screenshot("settings-webhooks-zh-CN-phone").await?;
        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text_containing("[data-testid=endpoints-disabled]", "disabled").await?;
        browser.click("[data-testid=enable-endpoint]").await?;
        browser
            .wait_for_text_containing(
                "[data-testid=endpoint]:nth-child(2) [data-testid=endpoint-status]",
                "Active",
            )
            .await?;
        assert_eq!(browser.overflow_x().await?, 0);
        browser.screenshot("settings-webhooks-en-phone").await?;

        // An agent has no webhooks tab, and the address shows the forbidden page.
        starcrm_e2e::flows::sign_out(&browser).await?;
        sign_in(&browser, &server, "agent").await?;
        browser.client().goto(&server.url("/settings/account")).await?;
        browser.wait_for("[data-testid=tab-account]").await?;
        assert!(!browser.exists("[data-testid=tab-webhooks]").await?);
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}
