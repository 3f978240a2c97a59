//! Segments in the browser, on the demo data: a manager builds "4-5 stars, no purchase for 60
//! days" and sees the live count (the same the API counts), saves it, opens its members in the
//! customer list, and sees on a member's page why they are in; the RFM grid is worked out and
//! a cell's group goes into the builder. Screenshots in both languages, on a desktop and at phone
//! width.

use serde_json::json;
use starcrm_e2e::browser::Viewport;
use starcrm_e2e::flows::{grouped, sign_in};
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, Server};

#[tokio::test]
async fn a_segment_of_lapsed_high_star_customers_is_built_counted_saved_and_explained() -> anyhow::Result<()>
{
    let options = ServerOptions { mode: "production", web: true, seed: true };
    let server = Server::start_with(options).await?;
    let manager = server.demo_api("manager").await?;
    let filter = json!({ "stars": { "min": 4 }, "daysSinceLastPurchase": { "min": 60 } });
    let counted = manager
        .execute(
            "query($f: CustomerFilter!) { segmentPreview(filter: $f) { customers } }",
            json!({ "f": filter }),
        )
        .await?;
    let expected = counted.data()["segmentPreview"]["customers"].as_u64().unwrap_or_default();
    assert!(expected > 0, "the demo has lapsed 4-5 star customers");

    let desk = Browser::start(Viewport::Desktop).await?;
    let result = async {
        sign_in(&desk, &server, "manager").await?;
        desk.click("[data-testid=nav-campaigns]").await?;
        desk.wait_for("[data-testid=segment-builder]").await?;
        // RFM worked out now: the grid's cells add up to the buying customers.
        desk.click("[data-testid=recompute-rfm]").await?;
        desk.wait_for_text_containing("[data-testid=rfm-asof]", "位已购客户").await?;
        desk.select("[data-testid=seg-stars-min]", "4").await?;
        desk.fill("[data-testid=seg-bought_days_min]", "60").await?;
        desk.wait_for_text("[data-testid=segment-count]", &grouped(expected)).await?;
        desk.fill("[data-testid=seg-name]", "高星久未购买").await?;
        desk.screenshot("segments-builder-zh-CN").await?;
        desk.click("[data-testid=save-segment]").await?;
        desk.wait_for_text_containing("[data-testid=notice]", "高星久未购买").await?;
        desk.wait_for_text_containing("[data-testid=segment-members]", &grouped(expected)).await?;
        desk.wait_for_text_containing("[data-testid=segment-row]", "≥ 60 天未购买").await?;
        desk.screenshot("segments-zh-CN").await?;
        // A cell of the grid puts its group in the builder.
        desk.click("[data-testid=rfm-cell-5-5]").await?;
        desk.wait_for_attribute("[data-testid=seg-rfm-champions]", "data-on", "true").await?;

        // The members in the customer list, named by the chip.
        desk.click("[data-testid=segment-customers]").await?;
        desk.wait_for_text_containing("[data-testid=segment-chip]", "高星久未购买").await?;
        desk.wait_for("[data-testid=customer-row]").await?;
        let rows = desk.count("[data-testid=customer-row]").await?;
        assert_eq!(rows as u64, expected.min(25), "the list shows the members");
        desk.screenshot("segment-customers-zh-CN").await?;
        // A member's page says why they are in.
        desk.click("[data-testid=customer-link]").await?;
        desk.wait_for_text_containing("[data-testid=segment-standing]", "高星久未购买").await?;
        let why = desk.text("[data-testid=segment-standing]").await?;
        assert!(why.contains("✓") && why.contains("天未购买"), "{why}");
        desk.scroll_to("[data-testid=segments-card]").await?;
        desk.screenshot("customer-segments-zh-CN").await?;
        desk.click("[data-testid='lang-en']").await?;
        desk.wait_for_text_containing("[data-testid=segment-standing]", "No purchase for ≥ 60 days").await?;
        desk.screenshot("customer-segments-en").await?;
        desk.client().goto(&server.url("/segments")).await?;
        desk.wait_for_text_containing("[data-testid=segment-row]", "No purchase for ≥ 60 days").await?;
        desk.wait_for_text_containing("[data-testid=rfm-asof]", "buying customers").await?;
        desk.screenshot("segments-en").await?;
        desk.click("[data-testid='lang-zh-CN']").await?;
        anyhow::Ok(())
    }
    .await;
    desk.close().await?;
    result?;

    let phone = Browser::start(Viewport::Phone).await?;
    let result = async {
        sign_in(&phone, &server, "manager").await?;
        phone.client().goto(&server.url("/segments")).await?;
        phone.wait_for_text_containing("[data-testid=segment-row]", "≥ 60 天未购买").await?;
        phone.wait_for("[data-testid=rfm-grid]").await?;
        phone.screenshot("segments-zh-CN-phone").await?;
        assert_eq!(phone.overflow_x().await?, 0, "the segments page fits a phone");
        anyhow::Ok(())
    }
    .await;
    phone.close().await?;
    result
}
