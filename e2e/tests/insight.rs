//! Insight in the browser, on the demo data: the manager refits the purchase models, opens the
//! churn warning (customers at risk by value at risk, with reasons in words), plans a follow-up
//! from it, reads the models' fit and calibration check, and opens a customer's lifecycle card
//! with the chance they are still active and the next expected purchase. Screenshots in both
//! languages, on a desktop and at phone width.

use serde_json::{Value, json};
use starcrm_e2e::browser::Viewport;
use starcrm_e2e::flows::sign_in;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, Server};

const AT_RISK: &str = "query($l: Language!) { atRiskCustomers(first: 5, language: $l) {
  customer { id name } insight { pAlive reasons valueAtRisk { amountMinor } } } }";

/// Waits for the server's first insight pass; the fit as `purchaseModel` reports it.
async fn fitted(manager: &starcrm_e2e::GraphqlClient) -> anyhow::Result<Value> {
    for _ in 0..240 {
        let model = manager.execute("{ purchaseModel { status running customers } }", json!({})).await?;
        let model = model.data()["purchaseModel"].clone();
        if model["status"] != "NOT_YET" && model["running"] == false {
            return Ok(model);
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    anyhow::bail!("the insight pass did not finish within two minutes")
}

/// `84%`, as the SPA rounds a probability.
fn percent(p: f64) -> String {
    format!("{:.0}%", (p * 100.0).clamp(0.0, 100.0))
}

#[tokio::test]
async fn the_churn_warning_lists_reasons_plans_a_follow_up_and_explains_a_customer() -> anyhow::Result<()> {
    let options = ServerOptions { mode: "production", web: true, seed: true };
    let server = Server::start_with(options).await?;
    let manager = server.demo_api("manager").await?;
    // The server's own worker fits the demo workspace as it starts.
    let fit = fitted(&manager).await?;
    assert_eq!(fit["status"], "FITTED", "the demo has enough history: {fit}");
    let listed = manager.execute(AT_RISK, json!({ "l": "ZH_CN" })).await?;
    let first: Value = listed.data()["atRiskCustomers"][0].clone();
    let name = first["customer"]["name"].as_str().unwrap_or_default().to_owned();
    let id = first["customer"]["id"].as_str().unwrap_or_default().to_owned();
    assert!(!name.is_empty(), "the demo has customers at risk: {}", listed.body);
    let reason = first["insight"]["reasons"][0].as_str().unwrap_or_default().to_owned();
    let alive = percent(first["insight"]["pAlive"].as_f64().unwrap_or(0.0));

    let desk = Browser::start(Viewport::Desktop).await?;
    let result = async {
        sign_in(&desk, &server, "manager").await?;
        desk.click("[data-testid=nav-insight]").await?;
        desk.wait_for("[data-testid=at-risk-row]").await?;
        // Highest value at risk first, the reasons in words, as the API gives them.
        let row = desk.text("[data-testid=at-risk-row]").await?;
        assert!(row.contains(&name) && row.contains(&reason), "{row}");
        desk.screenshot("at-risk-zh-CN").await?;
        desk.click("[data-testid=plan-follow-up]").await?;
        desk.wait_for_text_containing("[data-testid=notice]", "已为明天上午安排回访").await?;
        desk.click("[data-testid='lang-en']").await?;
        desk.wait_for_text_containing("[data-testid=page-title]", "Churn warning").await?;
        desk.wait_for("[data-testid=at-risk-row]").await?;
        desk.screenshot("at-risk-en").await?;
        // The models: the fit, the calibration check and its verdict, the rules.
        desk.click("[data-testid=tab-models]").await?;
        desk.wait_for("[data-testid=calibration-chart]").await?;
        let status = desk.text("[data-testid=fit-status]").await?;
        assert!(status.contains("Fitted on"), "{status}");
        let verdict = desk.text("[data-testid=calibration-verdict]").await?;
        assert!(verdict.contains("error"), "{verdict}");
        desk.screenshot("models-en").await?;
        desk.click("[data-testid='lang-zh-CN']").await?;
        desk.wait_for_text_containing("[data-testid=fit-status]", "已用").await?;
        desk.screenshot("models-zh-CN").await?;
        // What the recommendations learnt from the demo's baskets: pairs bought together (tea
        // with a cup) and the offline check against best sellers.
        desk.scroll_to("[data-testid=recs-hit-rates]").await?;
        desk.wait_for("[data-testid=recs-pairs]").await?;
        let pairs = desk.text("[data-testid=recs-pairs]").await?;
        assert!(pairs.contains("青瓷茶杯"), "{pairs}");
        let verdict = desk.text("[data-testid=recs-verdict]").await?;
        assert!(verdict.contains("p = "), "the verdict says how sure it is: {verdict}");
        desk.screenshot("recommendations-zh-CN").await?;
        desk.click("[data-testid='lang-en']").await?;
        desk.wait_for_text_containing("[data-testid=recs-verdict]", "best sellers (p = ").await?;
        desk.scroll_to("[data-testid=recs-hit-rates]").await?;
        desk.screenshot("recommendations-en").await?;
        desk.click("[data-testid='lang-zh-CN']").await?;
        // The customer's lifecycle card: the stage, why, and the chance still active.
        desk.client().goto(&server.url(&format!("/customers/{id}"))).await?;
        desk.wait_for_text("[data-testid=insight-p-alive]", &alive).await?;
        desk.wait_for_text("[data-testid=insight-stage]", "流失风险").await?;
        let why = desk.text("[data-testid=insight-reasons]").await?;
        assert!(why.contains(&reason), "{why}");
        // What to offer them next, each with why.
        let next = desk.text("[data-testid=recommended]").await?;
        assert!(next.contains("一起购买") || next.contains("本店热销"), "{next}");
        desk.scroll_to("[data-testid=insight-card]").await?;
        desk.screenshot("customer-insight-zh-CN").await?;
        anyhow::Ok(())
    }
    .await;
    desk.close().await?;
    result?;

    // The follow-up exists for the customer, with the reasons in its note.
    let planned = manager
        .execute(
            "query($c: ID!) { followUps(view: OPEN, customerId: $c) { edges { node { note } } } }",
            json!({ "c": id }),
        )
        .await?;
    let notes: Vec<&str> = planned.data()["followUps"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["note"].as_str())
        .collect();
    assert!(notes.iter().any(|n| n.contains(&reason)), "{}", planned.body);

    let phone = Browser::start(Viewport::Phone).await?;
    let result = async {
        sign_in(&phone, &server, "manager").await?;
        phone.client().goto(&server.url("/insight")).await?;
        phone.wait_for("[data-testid=at-risk-row]").await?;
        phone.screenshot("at-risk-zh-CN-phone").await?;
        assert_eq!(phone.overflow_x().await?, 0, "the warning fits a phone");
        phone.client().goto(&server.url("/insight/models")).await?;
        phone.wait_for("[data-testid=rules-card]").await?;
        phone.screenshot("models-zh-CN-phone").await?;
        assert_eq!(phone.overflow_x().await?, 0, "the models page fits a phone");
        phone.scroll_to("[data-testid=recs-hit-rates]").await?;
        phone.screenshot("recommendations-zh-CN-phone").await?;
        phone.client().goto(&server.url(&format!("/customers/{id}"))).await?;
        phone.wait_for("[data-testid=insight-p-alive]").await?;
        phone.scroll_to("[data-testid=insight-card]").await?;
        phone.screenshot("customer-insight-zh-CN-phone").await?;
        assert_eq!(phone.overflow_x().await?, 0, "the customer page fits a phone");
        anyhow::Ok(())
    }
    .await;
    phone.close().await?;
    result
}
