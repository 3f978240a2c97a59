//! Surveys in the browser: a solved ticket brings the customer a CSAT link (through the
//! business's own WeChat sender, a local receiver here), which they answer on a phone with a 2
//! and a Chinese comment; the complaint it opens reaches the desk and the answer the customer's
//! stars. A second link is answered in English. Screenshots in both languages at phone width.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use starcrm_e2e::browser::Viewport;
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
    let budget = json!({ "timezone": "Asia/Shanghai", "surveys": { "max": 5, "days": 30 }, "messages": { "max": 10, "days": 30 },
        "quietHours": null, "byStars": [] });
    let settings =
        json!({ "linkBase": server.url(""), "deliveryUrl": receiver.url, "contactBudget": budget });
    manager
        .execute(
            "mutation($i: MessagingSettingsInput!) { saveMessagingSettings(input: $i) { linkBase } }",
            json!({ "i": settings }),
        )
        .await?
        .data();
    let definition = json!({ "name": "服务满意度", "kind": "CSAT", "trigger": "TICKET_SOLVED", "channel": "WECHAT",
        "templates": [{ "language": "zh-CN", "body": "{name}您好，请为刚才的服务打分：{link}" }] });
    manager
        .execute(
            "mutation($i: SurveyDefinitionInput!) { saveSurveyDefinition(input: $i) { id } }",
            json!({ "i": definition }),
        )
        .await?
        .data();
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
    assert_eq!(answers.len(), 2, "{}", seen.body);
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
