//! Points in the browser: a manager turns points on in Settings > Points; a purchase by a
//! 4-star customer (pushed as a till would) earns at the level's 1.5x multiplier; the customer
//! page shows the lot with the stars it was earned at; the manager redeems part of it there; a
//! refund takes back the purchase's share and the history says so; the Points page shows what
//! is outstanding. Screenshots in both languages, on a desktop and at phone width.

use serde_json::{Value, json};
use starcrm_e2e::browser::Viewport;
use starcrm_e2e::flows::sign_in;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, Server};

#[tokio::test]
async fn a_four_star_purchase_earns_at_its_multiplier_is_redeemed_and_a_refund_takes_its_share_back()
-> anyhow::Result<()> {
    let options = ServerOptions { mode: "production", web: true, seed: true };
    let server = Server::start_with(options).await?;
    let manager = server.demo_api("manager").await?;
    let desk = Browser::start(Viewport::Desktop).await?;
    let result = turn_points_on(&desk, &server).await;
    desk.close().await?;
    result?;

    // A 4-star customer buys for ¥200.00: 200 points at 1.5x.
    let created = manager
        .execute(
            "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }",
            json!({ "i": { "name": "李娜" } }),
        )
        .await?;
    let customer = created.data()["createCustomer"]["id"].clone();
    manager
        .execute(
            "mutation($i: OverrideStarsInput!) { overrideCustomerStars(input: $i) { stars } }",
            json!({ "i": { "customerId": customer, "stars": 4, "reason": "大客户" } }),
        )
        .await?
        .data();
    let bought = manager
        .execute(
            "mutation($i: RecordTransactionInput!) { recordTransaction(input: $i) { transaction { id } } }",
            json!({ "i": { "customer": { "id": customer }, "channel": "STORE", "amountMinor": 20_000, "store": "静安店" } }),
        )
        .await?;
    let purchase = bought.data()["recordTransaction"]["transaction"]["id"].clone();
    let id = customer.as_str().unwrap_or_default().to_owned();

    let desk = Browser::start(Viewport::Desktop).await?;
    let result = redeem_and_refund(&desk, &server, &manager, &id, &purchase).await;
    desk.close().await?;
    result?;

    let phone = Browser::start(Viewport::Phone).await?;
    let result = async {
        sign_in(&phone, &server, "manager").await?;
        phone.client().goto(&server.url(&format!("/customers/{id}"))).await?;
        phone.wait_for_text("[data-testid=points-balance]", "50").await?;
        phone.scroll_to("[data-testid=points-card]").await?;
        phone.screenshot("customer-points-zh-CN-phone").await?;
        assert_eq!(phone.overflow_x().await?, 0, "the customer page fits a phone");
        phone.client().goto(&server.url("/points")).await?;
        phone.wait_for_text("[data-testid=points-outstanding]", "50").await?;
        phone.screenshot("points-zh-CN-phone").await?;
        assert_eq!(phone.overflow_x().await?, 0, "the points page fits a phone");
        anyhow::Ok(())
    }
    .await;
    phone.close().await?;
    result
}

/// Settings > Points: on, spendable at once, the rest as the standard rule has it.
async fn turn_points_on(desk: &Browser, server: &Server) -> anyhow::Result<()> {
    sign_in(desk, server, "manager").await?;
    desk.click("[data-testid=nav-settings]").await?;
    desk.click("[data-testid=tab-points]").await?;
    desk.wait_for("[data-testid=points-rule-form]").await?;
    desk.click("[data-testid=points-active]").await?;
    desk.fill("[data-testid=points-pending-days]", "0").await?;
    desk.click("[data-testid=add-points-bonus]").await?;
    desk.fill("[data-testid=points-bonus-category]", "礼品卡").await?;
    desk.fill("[data-testid=points-bonus-multiplier]", "0").await?;
    desk.screenshot("settings-points-zh-CN").await?;
    desk.click("[data-testid=save-points-rule]").await?;
    desk.wait_for_text_containing("[data-testid=points-rule-saved]", "第 1 版").await?;
    desk.click("[data-testid='lang-en']").await?;
    desk.wait_for_text_containing("[data-testid=points-rule-version]", "Version 1").await?;
    desk.screenshot("settings-points-en").await?;
    desk.click("[data-testid='lang-zh-CN']").await?;
    Ok(())
}

/// The customer page shows 300 points earned at 4 stars; 100 are redeemed there; a refund of
/// half the purchase takes back 150; the Points page counts the 50 left.
async fn redeem_and_refund(
    desk: &Browser,
    server: &Server,
    manager: &starcrm_e2e::GraphqlClient,
    customer: &str,
    purchase: &Value,
) -> anyhow::Result<()> {
    sign_in(desk, server, "manager").await?;
    desk.client().goto(&server.url(&format!("/customers/{customer}"))).await?;
    desk.wait_for_text("[data-testid=points-balance]", "300").await?;
    desk.wait_for_text_containing("[data-testid=points-lot]", "4 星时获得 · ×1.5").await?;
    desk.scroll_to("[data-testid=points-card]").await?;
    desk.screenshot("customer-points-zh-CN").await?;
    desk.click("[data-testid=redeem-points]").await?;
    desk.fill("[data-testid=points-amount]", "100").await?;
    desk.fill("[data-testid=points-reason]", "兑换保温杯").await?;
    desk.screenshot("redeem-points-zh-CN").await?;
    desk.click("[data-testid=confirm-points]").await?;
    desk.wait_for_text_containing("[data-testid=points-notice]", "200").await?;

    let refund = "mutation($i: RecordRefundInput!) { recordRefund(input: $i) { transaction { id } } }";
    manager
        .execute(refund, json!({ "i": { "transactionId": purchase, "amountMinor": 10_000 } }))
        .await?
        .data();
    desk.client().refresh().await?;
    desk.wait_for_text("[data-testid=points-balance]", "50").await?;
    desk.wait_for_text_containing("[data-testid=points-history]", "退款收回").await?;
    desk.wait_for_text_containing("[data-testid=points-history]", "兑换保温杯").await?;
    desk.click("[data-testid='lang-en']").await?;
    desk.wait_for_text_containing("[data-testid=points-history]", "Taken back by a refund").await?;
    desk.scroll_to("[data-testid=points-card]").await?;
    desk.screenshot("customer-points-en").await?;

    desk.click("[data-testid=nav-points]").await?;
    desk.wait_for_text("[data-testid=points-outstanding]", "50").await?;
    desk.wait_for_text_containing("[data-testid=points-rule-text]", "1 point for every ¥1.00 spent").await?;
    desk.screenshot("points-en").await?;
    desk.click("[data-testid='lang-zh-CN']").await?;
    desk.wait_for_text_containing("[data-testid=points-rule-text]", "每消费 ¥1.00 得 1 积分").await?;
    desk.screenshot("points-zh-CN").await?;
    Ok(())
}
