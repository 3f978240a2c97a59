//! The dashboards in the browser, on the demo data: the manager opens Insight > Dashboards and
//! reads the star distribution month by month, the migration matrix, the figures by star level
//! (the same numbers the API gives, a longer period chosen), retention by first-purchase month,
//! the lifecycle funnel and demand with its forecast (by category, then by star level); every
//! chart's numbers open in one click and export as CSV. Screenshots in both languages, on a
//! desktop and at phone width.

use serde_json::{Value, json};
use starcrm_e2e::browser::Viewport;
use starcrm_e2e::flows::sign_in;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, Server};

const FIGURES: &str = "{ analytics { byStarLevel(days: 365) { stars customers buyers orders }
  lifecycleFunnel { stage customers } demand(months: 36) { byCategory { key } } } }";

#[tokio::test]
async fn the_dashboards_show_their_numbers_export_them_and_fit_a_phone() -> anyhow::Result<()> {
    let options = ServerOptions { mode: "production", web: true, seed: true };
    let server = Server::start_with(options).await?;
    let manager = server.demo_api("manager").await?;
    let figures = manager.execute(FIGURES, json!({})).await?;
    let a = figures.data()["analytics"].clone();
    let five: Value = a["byStarLevel"]
        .as_array()
        .and_then(|l| l.iter().find(|r| r["stars"] == 5))
        .cloned()
        .unwrap_or_default();
    assert!(five["customers"].as_i64() > Some(0), "the demo has 5-star customers: {}", figures.body);
    let category = a["demand"]["byCategory"][0]["key"].as_str().unwrap_or_default().to_owned();
    assert!(!category.is_empty(), "the demo's items have categories: {}", figures.body);

    let desk = Browser::start(Viewport::Desktop).await?;
    let result = async {
        sign_in(&desk, &server, "manager").await?;
        desk.click("[data-testid=nav-insight]").await?;
        desk.click("[data-testid=tab-dashboards]").await?;
        desk.wait_for("[data-testid=star-trend-chart]").await?;
        // A column per month: the seed replayed the last 11 month ends, and this month is now.
        assert_eq!(desk.count("[data-testid=stacked-column]").await?, 12, "a column per month");
        assert!(!desk.exists("[data-testid=trend-starts]").await?, "no month before the history");
        // The numbers are one click away, and the CSV link carries the same.
        desk.click("[data-testid=star-trend] summary").await?;
        let table = desk.text("[data-testid=star-trend] [data-testid=numbers] table").await?;
        assert!(table.contains("月份") && table.contains("合计"), "{table}");
        let csv =
            desk.attribute("[data-testid=star-trend] [data-testid=csv]", "href").await?.unwrap_or_default();
        assert!(csv.starts_with("data:text/csv;charset=utf-8,%EF%BB%BF"), "{csv}");
        assert_eq!(
            desk.attribute("[data-testid=star-trend] [data-testid=csv]", "download").await?.as_deref(),
            Some("star-trend.csv")
        );
        desk.wait_for("[data-testid=history-matrix]").await?;
        let summary = desk.text("[data-testid=migration-summary]").await?;
        assert!(summary.contains("升级") && summary.contains("新评级"), "{summary}");
        desk.screenshot("dashboards-zh-CN").await?;
        // A year's figures by level: the same as the API's.
        desk.select("[data-testid=levels-days]", "365").await?;
        desk.wait_for_text_containing("[data-testid=by-star-level] .card__title", "近 365 天").await?;
        // Most stars first: the first row is 5 stars.
        let row = desk.text("[data-testid=level-row]").await?;
        let cells: Vec<&str> = row.split_whitespace().take(4).collect();
        let expected = [
            "5★".to_owned(),
            five["customers"].to_string(),
            five["buyers"].to_string(),
            five["orders"].to_string(),
        ];
        assert_eq!(cells, expected.iter().map(String::as_str).collect::<Vec<_>>(), "{row}");
        desk.scroll_to("[data-testid=cohorts]").await?;
        desk.wait_for("[data-testid=cohort-table]").await?;
        desk.screenshot("dashboards-levels-zh-CN").await?;
        // Demand: by category, then by star level; the forecast and its held-out error.
        desk.scroll_to("[data-testid=demand]").await?;
        let demand = desk.text("[data-testid=demand-table]").await?;
        assert!(demand.contains(&category), "{demand}");
        desk.click("[data-testid=demand-by-stars]").await?;
        desk.wait_for_text_containing("[data-testid=demand-table]", "5★").await?;
        desk.screenshot("dashboards-demand-zh-CN").await?;
        desk.click("[data-testid='lang-en']").await?;
        desk.wait_for_text_containing("[data-testid=page-title]", "Dashboards").await?;
        desk.wait_for_text_containing("[data-testid=demand-table]", "Held-out error").await?;
        desk.screenshot("dashboards-demand-en").await?;
        desk.client().goto(&server.url("/insight/dashboards")).await?;
        desk.wait_for("[data-testid=star-trend-chart]").await?;
        desk.wait_for_text_containing("[data-testid=star-trend] .card__title", "Star distribution").await?;
        desk.screenshot("dashboards-en").await?;
        anyhow::Ok(())
    }
    .await;
    desk.close().await?;
    result?;

    let phone = Browser::start(Viewport::Phone).await?;
    let result = async {
        sign_in(&phone, &server, "manager").await?;
        phone.client().goto(&server.url("/insight/dashboards")).await?;
        phone.wait_for("[data-testid=star-trend-chart]").await?;
        phone.screenshot("dashboards-zh-CN-phone").await?;
        assert_eq!(phone.overflow_x().await?, 0, "the dashboards fit a phone");
        phone.scroll_to("[data-testid=demand]").await?;
        phone.screenshot("dashboards-demand-zh-CN-phone").await?;
        anyhow::Ok(())
    }
    .await;
    phone.close().await?;
    result
}
