//! A campaign in the browser, on the demo data, sent by email to a real SMTP server (aiosmtpd)
//! the test starts: the manager builds the segment "4-5 stars, no purchase for 60 days", writes a
//! campaign to it in the wizard (the live audience equals the segment, with its exclusions),
//! launches it; the server's own workers prepare it and send it; purchases are recorded for half
//! of the recipients; the report shows the conversions and the lift against the holdout. A
//! recipient unsubscribes from the link in their email, signed out. Screenshots in both
//! languages, on a desktop and at phone width.

use std::time::Duration;

use serde_json::{Value, json};
use starcrm_e2e::browser::Viewport;
use starcrm_e2e::flows::{grouped, sign_in};
use starcrm_e2e::graphql::GraphqlClient;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::smtp::SmtpServer;
use starcrm_e2e::{Browser, Server};

const SETTINGS: &str =
    "mutation($input: MessagingSettingsInput!) { saveMessagingSettings(input: $input) { linkBase } }";
const AUDIENCE: &str = "query($input: CampaignInput!) { campaignAudience(input: $input) { toSend } }";
const CAMPAIGN: &str =
    "query($id: ID!) { campaign(id: $id) { status report { delivered converted heldOut } } }";

/// Waits until the server's workers have sent the campaign.
async fn sent(api: &GraphqlClient, id: &str) -> anyhow::Result<Value> {
    for _ in 0..120 {
        let c = api.execute(CAMPAIGN, json!({ "id": id })).await?.data()["campaign"].clone();
        if c["status"] == "SENT" {
            return Ok(c);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    anyhow::bail!("the campaign was not sent within a minute")
}

/// Builds "4-5 stars, no purchase for 60 days" in the segment builder, its count as the API's;
/// the segment's id.
async fn build_segment(desk: &Browser, manager: &GraphqlClient, expected: u64) -> anyhow::Result<String> {
    desk.click("[data-testid=nav-campaigns]").await?;
    desk.wait_for("[data-testid=segment-builder]").await?;
    desk.select("[data-testid=seg-stars-min]", "4").await?;
    desk.fill("[data-testid=seg-bought_days_min]", "60").await?;
    desk.wait_for_text("[data-testid=segment-count]", &grouped(expected)).await?;
    desk.fill("[data-testid=seg-name]", "高星久未购买").await?;
    desk.click("[data-testid=save-segment]").await?;
    desk.wait_for_text_containing("[data-testid=notice]", "高星久未购买").await?;
    let segments = manager.execute("{ segments { id name } }", json!({})).await?;
    let segment = segments.data()["segments"]
        .as_array()
        .and_then(|l| l.iter().find(|s| s["name"] == "高星久未购买"))
        .and_then(|s| s["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    Ok(segment)
}

/// Writes the campaign in the wizard: the segment at 4 and 5 stars (the live audience is the
/// segment), content in both languages, a coupon, half held out.
async fn write_campaign(
    desk: &Browser,
    manager: &GraphqlClient,
    segment: &str,
    expected: u64,
) -> anyhow::Result<()> {
    desk.click("[data-testid=tab-campaigns]").await?;
    desk.wait_for("[data-testid=preset-win_back]").await?;
    desk.click("[data-testid=new-campaign]").await?;
    desk.wait_for("[data-testid=wizard-audience]").await?;
    desk.fill("[data-testid=camp-name]", "高星召回").await?;
    desk.select("[data-testid=camp-segment]", segment).await?;
    desk.click("[data-testid=camp-stars-4]").await?;
    desk.click("[data-testid=camp-stars-5]").await?;
    desk.wait_for_text("[data-testid=audience-customers]", &grouped(expected)).await?;
    desk.fill("[data-testid=subject-zh-CN]", "{name}，好久不见").await?;
    desk.fill(
        "[data-testid=body-zh-CN]",
        "{name}您好！作为{stars}会员，您的权益：{benefits}。专属优惠码 {coupon}",
    )
    .await?;
    desk.fill("[data-testid=subject-en]", "{name}, we miss you").await?;
    desk.fill(
        "[data-testid=body-en]",
        "Hello {name}: as a {stars} member you get {benefits}. Your code: {coupon}",
    )
    .await?;
    desk.click("[data-testid=offer-coupon]").await?;
    // Codes generated per customer (kept here) or taken from a pool of the till's own codes.
    let options = "return Array.from(document.querySelectorAll('[data-testid=camp-coupon-pool] option')).map(o => o.textContent).join('|')";
    for _ in 0..50 {
        if desk.script_string(options).await?.contains("门店 20 元券") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let listed = desk.script_string(options).await?;
    assert_eq!(listed, "为每位客户生成专属券码|券码池：门店 20 元券（剩余 3 个）", "{listed}");
    desk.fill("[data-testid=camp-coupon-prefix]", "BACK").await?;
    desk.scroll_to("[data-testid=wizard-offer]").await?;
    desk.screenshot("campaign-offer-zh-CN").await?;
    desk.fill("[data-testid=camp-offer-text]", "85 折券").await?;
    desk.fill("[data-testid=camp-holdout]", "50").await?;
    desk.fill("[data-testid=camp-cost]", "0.05").await?;
    // The box's cost follows the holdout and the cost typed, as the API works them out.
    let input = json!({ "name": "高星召回", "channel": "EMAIL", "segmentId": segment, "stars": [4, 5],
        "holdoutPercent": 50, "costPerMessageMinor": 5, "content": [] });
    let planned = manager.execute(AUDIENCE, json!({ "input": input })).await?;
    let to_send = planned.data()["campaignAudience"]["toSend"].as_u64().unwrap_or_default();
    #[allow(clippy::cast_precision_loss)]
    let cost = format!("¥{:.2}", 0.05 * to_send as f64);
    desk.wait_for_text_containing("[data-testid=estimated-cost]", &cost).await?;
    desk.wait_for_text_containing("[data-testid=preview-zh-CN]", "VIP-7KQ2M9XA").await?;
    desk.wait_for_text("[data-testid=audience-customers]", &grouped(expected)).await?;
    Ok(())
}

/// The shop's own till codes, loaded into a pool reward the wizard offers (the e2e demo has no
/// rewards).
async fn load_till_codes(server: &Server) -> anyhow::Result<()> {
    let owner = server.demo_api("owner").await?;
    let pool = owner
        .execute(
            "mutation($input: RewardInput!) { saveReward(input: $input) { id } }",
            json!({ "input": { "name": "门店 20 元券", "kind": "COUPON", "pointsCost": 200, "minStars": 1,
                "valueMinor": 2000, "codes": "POOL", "active": false } }),
        )
        .await?;
    owner
        .execute(
            "mutation($r: ID!) { addRewardCodes(rewardId: $r, codes: [\"POS-1\", \"POS-2\", \"POS-3\"]) { added } }",
            json!({ "r": pool.data()["saveReward"]["id"] }),
        )
        .await?
        .data();
    Ok(())
}

/// Gives every customer `filter` selects an email and email consent (the shop collected them),
/// so the campaign reaches enough people for both groups.
async fn reachable_by_email(manager: &GraphqlClient, filter: &Value) -> anyhow::Result<()> {
    let listed = manager
        .execute(
            "query($f: CustomerFilter) { customers(first: 100, filter: $f) { nodes { id version code } } }",
            json!({ "f": filter }),
        )
        .await?;
    for c in listed.data()["customers"]["nodes"].as_array().into_iter().flatten() {
        manager
            .execute(
                "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
                json!({ "input": { "id": c["id"], "version": c["version"],
                    "emails": [{ "value": format!("{}@example.com", c["code"].as_str().unwrap_or_default().to_lowercase()), "primary": true }],
                    "consents": [{ "channel": "EMAIL", "granted": true, "source": "store counter" }] } }),
            )
            .await?
            .data();
    }
    Ok(())
}

/// Records a purchase now for the first half of the delivered recipients; how many.
async fn buy_for_half(manager: &GraphqlClient, id: &str) -> anyhow::Result<usize> {
    // Half the recipients buy now.
    let recipients = manager
        .execute(
            "query($id: ID!) { campaignRecipients(id: $id, status: SENT, first: 500) { customerId } }",
            json!({ "id": id }),
        )
        .await?;
    let ids: Vec<String> = recipients.data()["campaignRecipients"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["customerId"].as_str().map(str::to_owned))
        .collect();
    let buyers = ids.len().div_ceil(2);
    for customer in ids.iter().take(buyers) {
        manager
            .execute(
                "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }",
                json!({ "input": { "customer": { "id": customer }, "channel": "STORE", "amountMinor": 30_000 } }),
            )
            .await?
            .data();
    }
    Ok(buyers)
}

#[tokio::test]
async fn a_campaign_to_lapsed_high_star_customers_is_sent_by_email_and_its_lift_reported()
-> anyhow::Result<()> {
    let options = ServerOptions { mode: "production", web: true, seed: true };
    let server = Server::start_with(options).await?;
    let smtp = SmtpServer::start().await?;
    let manager = server.demo_api("manager").await?;
    load_till_codes(&server).await?;
    // The workspace's SMTP server is the test's; links point at this server; no quiet hours.
    manager
        .execute(
            SETTINGS,
            json!({ "input": { "linkBase": server.url(""),
                "smtp": { "host": "127.0.0.1", "port": smtp.port, "tls": "NONE", "from": "星辰茶庄 <service@starcrm.test>" },
                "contactBudget": { "timezone": "Asia/Shanghai", "surveys": { "max": 1, "days": 30 },
                    "messages": { "max": 10, "days": 30 }, "quietHours": null, "byStars": [] } } }),
        )
        .await?
        .data();
    let filter = json!({ "stars": { "min": 4 }, "daysSinceLastPurchase": { "min": 60 } });
    let counted = manager
        .execute(
            "query($f: CustomerFilter!) { segmentPreview(filter: $f) { customers } }",
            json!({ "f": filter }),
        )
        .await?;
    let expected = counted.data()["segmentPreview"]["customers"].as_u64().unwrap_or_default();
    assert!(expected > 0, "the demo has lapsed 4-5 star customers");
    reachable_by_email(&manager, &filter).await?;

    let desk = Browser::start(Viewport::Desktop).await?;
    let result = async {
        sign_in(&desk, &server, "manager").await?;
        let segment = build_segment(&desk, &manager, expected).await?;
        // The campaigns page, its presets, and a new campaign to the segment.
        write_campaign(&desk, &manager, &segment, expected).await?;
        desk.screenshot("campaign-wizard-zh-CN").await?;
        desk.click("[data-testid=launch-campaign]").await?;
        let path = desk.wait_for_path("/campaigns/0").await?;
        let id = path.trim_start_matches("/campaigns/").split('?').next().unwrap_or_default().to_owned();
        desk.wait_for_text_containing("[data-testid=notice]", "已发布").await?;

        // The server's workers prepare and send it; the mails reach the SMTP server.
        let done = sent(&manager, &id).await?;
        let delivered = done["report"]["delivered"].as_u64().unwrap_or_default();
        assert!(delivered > 0, "{done}");
        let mails = smtp.received().await?;
        assert_eq!(mails.len() as u64, delivered, "one email per delivered recipient");
        let plain = mails[0]["plain"].as_str().unwrap_or_default().to_owned();
        assert!(plain.contains("专属优惠码 BACK-") && plain.contains("/u/"), "{plain}");

        let buyers = buy_for_half(&manager, &id).await?;
        desk.click("[data-testid=refresh-report]").await?;
        desk.wait_for_text_containing("[data-testid=funnel-converted]", &grouped(buyers as u64)).await?;
        desk.wait_for_text_containing("[data-testid=campaign-status]", "已发送").await?;
        let lift = desk.text("[data-testid=campaign-lift]").await?;
        assert!(lift.contains("对照组") && lift.contains("95%"), "{lift}");
        desk.wait_for("[data-testid=recipient-row]").await?;
        desk.screenshot("campaign-report-zh-CN").await?;
        desk.click("[data-testid='lang-en']").await?;
        desk.wait_for_text_containing("[data-testid=campaign-lift]", "Recipients converted").await?;
        desk.screenshot("campaign-report-en").await?;
        desk.click("[data-testid=tab-campaigns]").await?;
        desk.wait_for_text_containing("[data-testid=campaign-row]", "高星召回").await?;
        desk.screenshot("campaigns-en").await?;
        desk.click("[data-testid='lang-zh-CN']").await?;
        anyhow::Ok((id, plain))
    }
    .await;
    desk.close().await?;
    let (id, plain) = result?;

    let phone = Browser::start(Viewport::Phone).await?;
    let result = async {
        // The unsubscribe link from the email, signed out.
        let link = plain.split_whitespace().find(|w| w.contains("/u/")).unwrap_or_default();
        let path = &link[link.find("/u/").unwrap_or_default()..];
        phone.client().goto(&server.url(path)).await?;
        phone.wait_for("[data-testid=confirm-unsubscribe]").await?;
        phone.screenshot("unsubscribe-zh-CN-phone").await?;
        phone.click("[data-testid=confirm-unsubscribe]").await?;
        phone.wait_for("[data-testid=unsubscribed]").await?;
        phone.screenshot("unsubscribed-zh-CN-phone").await?;
        sign_in(&phone, &server, "manager").await?;
        phone.client().goto(&server.url(&format!("/campaigns/{id}"))).await?;
        phone.wait_for("[data-testid=campaign-funnel]").await?;
        phone.screenshot("campaign-report-zh-CN-phone").await?;
        assert_eq!(phone.overflow_x().await?, 0, "the report fits a phone");
        phone.client().goto(&server.url("/campaigns/new")).await?;
        phone.wait_for("[data-testid=campaign-audience]").await?;
        phone.screenshot("campaign-wizard-zh-CN-phone").await?;
        assert_eq!(phone.overflow_x().await?, 0, "the wizard fits a phone");
        anyhow::Ok(())
    }
    .await;
    phone.close().await?;
    result?;
    let report = manager
        .execute("query($id: ID!) { campaign(id: $id) { report { unsubscribed } } }", json!({ "id": id }))
        .await?;
    assert_eq!(report.data()["campaign"]["report"]["unsubscribed"], 1);
    Ok(())
}
