//! Points in the browser: a manager turns points on in Settings > Points; a purchase by a
//! 4-star customer (pushed as a till would) earns at the level's 1.5x multiplier; the customer
//! page shows the lot with the stars it was earned at; the manager redeems part of it there; a
//! refund takes back the purchase's share and the history says so; the Points page shows what
//! is outstanding. Then rewards: one added in Settings, redeemed on the customer page, and by the
//! member on their own page in the business's app. Screenshots in both languages, on a desktop
//! and at phone width.

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
    let (id, purchase) = four_star_purchase(&manager, "李娜", 20_000).await?;

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

/// A new customer the manager sets to 4 stars buys for `amount_minor` in store; returns the
/// customer's id and the purchase's.
async fn four_star_purchase(
    manager: &starcrm_e2e::GraphqlClient,
    name: &str,
    amount_minor: i64,
) -> anyhow::Result<(String, Value)> {
    let created = manager
        .execute(
            "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }",
            json!({ "i": { "name": name } }),
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
            json!({ "i": { "customer": { "id": customer }, "channel": "STORE", "amountMinor": amount_minor, "store": "静安店" } }),
        )
        .await?;
    let purchase = bought.data()["recordTransaction"]["transaction"]["id"].clone();
    Ok((customer.as_str().unwrap_or_default().to_owned(), purchase))
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
    // Members told by SMS before points expire, in the standard words (the business's own
    // sender delivers them).
    desk.click("[data-testid=points-warning-on]").await?;
    let body = desk.value("[data-testid=points-warning-body]").await?.unwrap_or_default();
    assert!(body.contains("{points}") && body.contains("{date}"), "{body}");
    desk.scroll_to("[data-testid=points-warning-body]").await?;
    desk.screenshot("settings-points-warning-zh-CN").await?;
    desk.click("[data-testid=save-points-rule]").await?;
    desk.wait_for_text_containing("[data-testid=points-rule-saved]", "第 1 版").await?;
    desk.click("[data-testid='lang-en']").await?;
    desk.wait_for_text_containing("[data-testid=points-rule-version]", "Version 1").await?;
    desk.screenshot("settings-points-en").await?;
    // Saved and read back: the reminder is on, by SMS.
    desk.client().refresh().await?;
    desk.wait_for("[data-testid=points-warning-body]").await?;
    assert_eq!(desk.value("[data-testid=points-warning-channel]").await?.as_deref(), Some("sms"));
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

/// A manager adds a reward in Settings > Points; a 4-star customer (the level named 铂金会员)
/// earns 900 points at the 1.5x it includes from 3 stars; staff redeem the reward on the
/// customer page and see the voucher; then the member opens their page in the business's app (a phone-width webview with a member token),
/// sees their stars, level, progress and points, and redeems the reward themselves.
#[tokio::test]
async fn a_reward_is_redeemed_by_staff_and_by_the_member_on_their_own_page() -> anyhow::Result<()> {
    let options = ServerOptions { mode: "production", web: true, seed: true };
    let server = Server::start_with(options).await?;
    let manager = server.demo_api("manager").await?;
    let rule = json!({ "active": true, "points": 1, "perMinor": 100, "categoryBonuses": [], "capPerPurchase": null,
        "pendingDays": 0, "expiry": { "kind": "YEAR_END", "count": 1 }, "warnDays": 30 });
    manager
        .execute(
            "mutation($r: EarnRuleInput!) { saveLoyaltyRule(rule: $r, version: 0) { version } }",
            json!({ "r": rule }),
        )
        .await?
        .data();
    let names = ["普通会员", "银卡会员", "金卡会员", "铂金会员", "钻石会员"];
    let multipliers = [None, Some(1.0), Some(1.5), None, Some(2.0)];
    let tiers: Vec<Value> = (0..5)
        .map(|i| {
            let benefits = match (multipliers[i], i) {
                (Some(m), _) => json!([{ "kind": "POINTS_MULTIPLIER", "value": m }]),
                (None, 3) => json!([{ "kind": "FREE_SHIPPING" }, { "kind": "DISCOUNT", "value": 5.0 }]),
                _ => json!([]),
            };
            json!({ "stars": i + 1, "name": names[i], "includesLower": true, "benefits": benefits })
        })
        .collect();
    manager
        .execute(
            "mutation($t: [TierInput!]!) { saveRatingTiers(tiers: $t) { stars } }",
            json!({ "t": tiers }),
        )
        .await?
        .data();
    let (customer, _) = four_star_purchase(&manager, "陈静", 60_000).await?;

    let desk = Browser::start(Viewport::Desktop).await?;
    let result = staff_redeem(&desk, &server, &customer).await;
    desk.close().await?;
    result?;

    let issued = manager
        .execute("mutation($c: ID!) { issueMemberToken(customerId: $c) { token } }", json!({ "c": customer }))
        .await?;
    let token = issued.data()["issueMemberToken"]["token"].as_str().unwrap_or_default().to_owned();
    let phone = Browser::start(Viewport::Phone).await?;
    let result = member_redeems(&phone, &server, &token).await;
    phone.close().await?;
    result
}

/// Settings > Points > Add a reward (¥10 off for 300 points); the customer page's reward dialog
/// redeems it and the voucher is listed.
async fn staff_redeem(desk: &Browser, server: &Server, customer: &str) -> anyhow::Result<()> {
    sign_in(desk, server, "manager").await?;
    desk.client().goto(&server.url("/settings/points")).await?;
    desk.click("[data-testid=add-reward]").await?;
    desk.fill("[data-testid=reward-name]", "满 100 减 10 元券").await?;
    desk.fill("[data-testid=reward-cost]", "300").await?;
    desk.fill("[data-testid=reward-value]", "10").await?;
    desk.fill("[data-testid=reward-valid-days]", "30").await?;
    desk.screenshot("reward-editor-zh-CN").await?;
    desk.click("[data-testid=save-reward]").await?;
    desk.wait_for_text_containing("[data-testid=rewards-table]", "满 100 减 10 元券").await?;
    desk.click("[data-testid='lang-en']").await?;
    desk.wait_for_text_containing("[data-testid=rewards-table]", "Money off").await?;
    desk.scroll_to("[data-testid=rewards-card]").await?;
    desk.screenshot("settings-rewards-en").await?;
    desk.click("[data-testid='lang-zh-CN']").await?;

    desk.client().goto(&server.url(&format!("/customers/{customer}"))).await?;
    desk.wait_for_text("[data-testid=customer-tier]", "铂金会员").await?;
    desk.wait_for_text("[data-testid=points-balance]", "900").await?;
    desk.click("[data-testid=redeem-reward]").await?;
    desk.wait_for("[data-testid=reward-redeem]").await?;
    desk.screenshot("redeem-reward-zh-CN").await?;
    desk.click("[data-testid=reward-redeem]").await?;
    desk.wait_for_text_containing("[data-testid=points-notice]", "积分余额 600").await?;
    desk.wait_for_text_containing("[data-testid=points-vouchers]", "可使用").await?;
    desk.scroll_to("[data-testid=points-vouchers]").await?;
    desk.screenshot("customer-vouchers-zh-CN").await?;
    Ok(())
}

/// The member page at phone width: stars, the level's name, progress, points; the member
/// redeems the reward and gets a code; the same in English.
async fn member_redeems(phone: &Browser, server: &Server, token: &str) -> anyhow::Result<()> {
    phone.client().goto(&server.url(&format!("/member#token={token}"))).await?;
    phone.wait_for_text("[data-testid=member-tier]", "铂金会员").await?;
    phone.wait_for_text("[data-testid=member-spendable]", "600").await?;
    phone.wait_for("[data-testid=member-progress]").await?;
    phone.wait_for_text_containing("[data-testid=member-next]", "5 星").await?;
    phone.wait_for_text_containing("[data-testid=member-benefits]", "免运费").await?;
    phone.wait_for_text_containing("[data-testid=member-referral]", "首单完成后双方都得积分").await?;
    phone.screenshot("member-zh-CN-phone").await?;
    assert_eq!(phone.overflow_x().await?, 0, "the member page fits a phone");
    phone.click("[data-testid=member-redeem]").await?;
    phone.click("[data-testid=member-confirm]").await?;
    phone.wait_for_text_containing("[data-testid=member-notice]", "券码").await?;
    phone.wait_for_text("[data-testid=member-spendable]", "300").await?;
    phone.scroll_to("[data-testid=member-vouchers]").await?;
    phone.screenshot("member-redeemed-zh-CN-phone").await?;
    phone.click("[data-testid='lang-en']").await?;
    phone.wait_for_text_containing("[data-testid=member-next]", "5 stars").await?;
    phone.wait_for_text_containing("[data-testid=member-vouchers]", "Ready to use").await?;
    phone.screenshot("member-en-phone").await?;
    // Without a token (or with a spent one) the page says to open it from the app again.
    phone.client().goto(&server.url("/member")).await?;
    phone.wait_for("[data-testid=member-signed-out]").await?;
    Ok(())
}
