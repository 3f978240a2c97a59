//! Surveys in the browser: a manager sets up messaging, the contact budget and a CSAT survey in
//! the settings; a solved ticket then brings the customer a CSAT link (through the business's own
//! WeChat sender, a local receiver here), which they answer on a phone with a 2 and a Chinese
//! comment; the complaint it opens reaches the desk, the answer the customer's stars, page and
//! the feedback dashboard, where the term 快递 leads back to it. A second link is answered in
//! English. Screenshots in both languages, on a desktop and at phone width.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use starcrm_e2e::browser::Viewport;
use starcrm_e2e::flows::sign_in;
use starcrm_e2e::receiver::Receiver;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, GraphqlClient, Server};

const OPEN: &str = "mutation($c: ID!, $s: String!) { openTicket(input: { customer: { id: $c }, kind: INQUIRY,
  channel: WECHAT, subject: $s }) { ticket { id } } }";
const SOLVE: &str = "mutation($t: ID!) { setTicketStatus(id: $t, status: SOLVED) { status } }";

/// Opens a ticket for `customer`, solves it, and waits for the survey message the solving
/// brings (the background pass runs every 15 s); returns the link's path.
async fn solved(
    manager: &GraphqlClient,
    receiver: &Receiver,
    customer: &Value,
    subject: &str,
) -> anyhow::Result<String> {
    let before = receiver.got().len();
    let opened = manager.execute(OPEN, json!({ "c": customer, "s": subject })).await?;
    let ticket = opened.data()["openTicket"]["ticket"]["id"].clone();
    manager.execute(SOLVE, json!({ "t": ticket })).await?.data();
    let started = Instant::now();
    while receiver.got().len() <= before {
        anyhow::ensure!(started.elapsed() < Duration::from_secs(60), "no survey message within 60 s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let message = receiver.got()[before].json();
    anyhow::ensure!(message["channel"] == "wechat", "{message}");
    let link = message["link"].as_str().unwrap_or_default();
    let path = link.find("/s/").map(|i| link[i..].to_owned()).unwrap_or_default();
    anyhow::ensure!(path.len() > 40, "{message}");
    Ok(path)
}

#[tokio::test]
async fn a_solved_ticket_brings_a_csat_link_answered_on_a_phone_and_the_complaint_reaches_the_desk()
-> anyhow::Result<()> {
    let options = ServerOptions { mode: "production", web: true, seed: true };
    let server = Server::start_with_env(options, &[("STARCRM_WEBHOOKS_ALLOW_PRIVATE", "true")]).await?;
    let receiver = Receiver::start().await?;
    let manager = server.demo_api("manager").await?;
    let desk = Browser::start(Viewport::Desktop).await?;
    let result = set_up_in_settings(&desk, &server, &receiver).await;
    desk.close().await?;
    result?;
    let created = manager
        .execute(
            "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }",
            json!({ "i": { "name": "王芳", "identities": [{ "channel": "WECHAT", "externalId": "o6_wangfang" }],
                "consents": [{ "channel": "WECHAT", "granted": true }] } }),
        )
        .await?;
    let customer = created.data()["createCustomer"]["id"].clone();
    let first = solved(&manager, &receiver, &customer, "退货进度").await?;

    let browser = Browser::start(Viewport::Phone).await?;
    let result = async {
        browser.client().goto(&server.url(&first)).await?;
        browser.wait_for("[data-testid=survey-form]").await?;
        browser.wait_for_text_containing(".survey__question", "您对").await?;
        browser.screenshot("survey-csat-zh-CN-phone").await?;
        browser.click("[data-testid=survey-score-2]").await?;
        browser.fill("textarea[name=survey-comment]", "快递太慢了，客服也不回复").await?;
        browser.screenshot("survey-csat-comment-zh-CN-phone").await?;
        browser.click("[data-testid=survey-submit]").await?;
        browser.wait_for("[data-testid=survey-thanks]").await?;
        browser.screenshot("survey-thanks-zh-CN-phone").await?;
        assert_eq!(browser.overflow_x().await?, 0, "the page fits a phone");
        // The same link again: answered, once.
        browser.client().goto(&server.url(&first)).await?;
        browser.wait_for("[data-testid=survey-answered]").await?;

        // A second solved ticket, answered in English.
        let second = solved(&manager, &receiver, &customer, "发票").await?;
        browser.client().goto(&server.url(&second)).await?;
        browser.wait_for("[data-testid=survey-form]").await?;
        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text_containing(".survey__question", "How satisfied").await?;
        browser.click("[data-testid=survey-score-5]").await?;
        browser.screenshot("survey-csat-en-phone").await?;
        browser.click("[data-testid=survey-submit]").await?;
        browser.wait_for_text("[data-testid=survey-thanks] h1", "Thank you for your feedback!").await?;
        browser.screenshot("survey-thanks-en-phone").await?;
        // A link that is not one.
        browser.client().goto(&server.url("/s/not-a-real-link")).await?;
        browser.wait_for("[data-testid=survey-invalid]").await?;
        browser.screenshot("survey-invalid-en-phone").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result?;

    // Answers a shop's tablet gathered: enough comments for the terms to compare.
    let record = "mutation($i: RecordSurveyResponseInput!) { recordSurveyResponse(input: $i) { created } }";
    for (n, (score, comment)) in
        [(1, "快递三天都没到"), (5, "客服很耐心，问题很快解决了"), (4, "客服很耐心")].into_iter().enumerate()
    {
        let input = json!({ "customer": { "id": customer }, "kind": "CSAT", "score": score, "comment": comment,
            "channel": "STORE", "store": "静安店", "externalRef": format!("pos-{n}") });
        manager.execute(record, json!({ "i": input })).await?.data();
    }
    let desk = Browser::start(Viewport::Desktop).await?;
    let result = look_at_results(&desk, &server, customer.as_str().unwrap_or_default(), "desktop").await;
    desk.close().await?;
    result?;
    let phone = Browser::start(Viewport::Phone).await?;
    let result = look_at_results(&phone, &server, customer.as_str().unwrap_or_default(), "phone").await;
    phone.close().await?;
    result?;

    // The 2 opened a complaint for the desk with the customer's words; both answers are on the
    // customer's record, and the unhappy one weighs on their satisfaction.
    let seen = manager
        .execute(
            "query($c: ID!) { customer(id: $c) { surveyResponses { score comment source loopTicket { kind subject } }
               starExplanation { breakdown { criterion counted raw } } } }",
            json!({ "c": customer }),
        )
        .await?;
    let answers = seen.data()["customer"]["surveyResponses"].as_array().cloned().unwrap_or_default();
    assert_eq!(answers.len(), 5, "{}", seen.body);
    let unhappy = answers.iter().find(|a| a["score"] == 2).cloned().unwrap_or_default();
    assert_eq!(unhappy["comment"], "快递太慢了，客服也不回复");
    assert_eq!(unhappy["source"], "LINK");
    assert_eq!(unhappy["loopTicket"]["kind"], "COMPLAINT");
    assert_eq!(unhappy["loopTicket"]["subject"], "CSAT 2/5: 快递太慢了，客服也不回复");
    let satisfaction = seen.data()["customer"]["starExplanation"]["breakdown"]
        .as_array()
        .and_then(|b| b.iter().find(|c| c["criterion"] == "SATISFACTION").cloned())
        .unwrap_or_default();
    assert_eq!(satisfaction["counted"], true, "{satisfaction}");
    Ok(())
}

/// The manager points survey links at this server and the business's sender at the receiver,
/// allows five surveys a month without quiet hours (the test runs at any hour), and adds a CSAT
/// survey sent on WeChat when a ticket is solved, with the default templates.
async fn set_up_in_settings(desk: &Browser, server: &Server, receiver: &Receiver) -> anyhow::Result<()> {
    sign_in(desk, server, "manager").await?;
    desk.click("[data-testid=nav-settings]").await?;
    desk.click("[data-testid=tab-surveys]").await?;
    desk.wait_for("[data-testid=messaging-form]").await?;
    desk.wait_for("[data-testid=no-surveys]").await?;
    desk.fill("[data-testid=link-base]", &server.url("")).await?;
    desk.fill("[data-testid=delivery-url]", &receiver.url).await?;
    desk.fill("[data-testid=budget-surveys] input:nth-of-type(1)", "5").await?;
    desk.click("[data-testid=quiet-hours]").await?;
    desk.click("[data-testid=add-star-rule]").await?;
    desk.scroll_to("[data-testid=star-rule]").await?;
    desk.screenshot("survey-budget-zh-CN").await?;
    desk.click("[data-testid=save-messaging]").await?;
    // Saved: the page shows the secret the sender verifies signatures with.
    desk.wait_for("[data-testid=delivery-secret]").await?;
    desk.click("[data-testid=new-survey]").await?;
    desk.fill("[data-testid=survey-name]", "服务满意度").await?;
    desk.screenshot("survey-definition-zh-CN").await?;
    desk.click("[data-testid=save-survey]").await?;
    desk.wait_for_text_containing("[data-testid=survey-definition]", "服务满意度").await?;
    desk.screenshot("survey-settings-zh-CN").await?;
    desk.click("[data-testid='lang-en']").await?;
    desk.wait_for_text_containing("[data-testid=survey-definition]", "A ticket is solved").await?;
    desk.screenshot("survey-settings-en").await?;
    desk.click("[data-testid='lang-zh-CN']").await?;
    Ok(())
}

/// The manager sees the complaint in the desk's queue, the answers on the customer's page (and
/// asks the customer by hand), and on the feedback dashboard the CSAT with its margin, the term 快递 among what unhappy customers
/// say, and, through it, the customer's own words.
async fn look_at_results(
    browser: &Browser,
    server: &Server,
    customer: &str,
    width: &str,
) -> anyhow::Result<()> {
    sign_in(browser, server, "manager").await?;
    browser.client().goto(&server.url("/service")).await?;
    browser.wait_for_text_containing("[data-testid=ticket-row]", "CSAT 2/5").await?;
    browser.client().goto(&server.url(&format!("/customers/{customer}"))).await?;
    browser.wait_for_text_containing("[data-testid=survey-answers-card]", "快递太慢了，客服也不回复").await?;
    browser.scroll_to("[data-testid=survey-answers-card]").await?;
    browser.screenshot(&format!("customer-survey-answers-zh-CN-{width}")).await?;
    // Asking by hand: once a day per survey (the second look, on the phone, is told so).
    browser.click("[data-testid=send-survey]").await?;
    browser.wait_for("[data-testid=survey-choice]").await?;
    browser.screenshot(&format!("send-survey-zh-CN-{width}")).await?;
    browser.click("[data-testid=confirm-send-survey]").await?;
    let told = if width == "desktop" { "调查已排队" } else { "今天已经用这份调查邀请过" };
    browser.wait_for_text_containing("[data-testid=notice]", told).await?;
    if width == "phone" {
        browser.click(".topbar__menu").await?;
    }
    browser.click("[data-testid=nav-feedback]").await?;
    browser.click("[data-testid=kind-csat]").await?;
    browser.wait_for_attribute("[data-testid=feedback-overall]", "data-n", "5").await?;
    browser.wait_for_text_containing("[data-testid=feedback-value]", "%").await?;
    browser.wait_for("[data-testid=feedback-trend] .trend__point").await?;
    browser.screenshot(&format!("feedback-csat-zh-CN-{width}")).await?;
    browser.click("[data-testid=terms-unhappy] [data-term='快递']").await?;
    browser.wait_for_text_containing("[data-testid=feedback-answers]", "快递太慢了，客服也不回复").await?;
    browser.wait_for_text_containing("[data-testid=feedback-answers]", "快递三天都没到").await?;
    assert_eq!(browser.count("[data-testid=feedback-answers] [data-testid=answer]").await?, 2);
    assert_eq!(browser.overflow_x().await?, 0, "the dashboard fits the {width}");
    browser.scroll_to("[data-testid=feedback-terms]").await?;
    browser.screenshot(&format!("feedback-terms-zh-CN-{width}")).await?;
    browser.click("[data-testid='lang-en']").await?;
    browser
        .wait_for_text_containing("[data-testid=feedback-terms]", "Unhappy customers mention more")
        .await?;
    browser.screenshot(&format!("feedback-terms-en-{width}")).await?;
    browser.scroll_to("[data-testid=page-title]").await?;
    browser.wait_for_text_containing("[data-testid=feedback-trend]", "Dec").await?;
    browser.screenshot(&format!("feedback-csat-en-{width}")).await?;
    browser.click("[data-testid='lang-zh-CN']").await?;
    Ok(())
}
