//! Customer search in the browser: the top bar's instant search over the demo workspace (its
//! 300 generated customers plus a few namesakes added here), typed the way staff type while a
//! customer is on the phone: part of a Chinese name, then the last four digits of the phone; the
//! right customer opens. Also the keyboard shortcut and arrows, the full results page with its
//! facets, both languages and a phone.

use fantoccini::Locator;
use serde_json::json;
use starcrm_e2e::browser::{Viewport, WAIT};
use starcrm_e2e::flows::sign_in;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, Server};

/// Three customers sharing a family name; only one has a phone ending in 8765.
const NAMESAKES: [(&str, &str); 3] =
    [("欧阳晓雯", "13912348765"), ("欧阳明远", "13600001234"), ("欧阳静", "13755554321")];

/// The demo server, with the namesakes added through the API; returns their ids in order.
async fn server_with_namesakes() -> anyhow::Result<(Server, Vec<String>)> {
    let server = Server::start_with(ServerOptions { mode: "production", web: true, seed: true }).await?;
    let owner = server.demo_api("owner").await?;
    let mut ids = Vec::new();
    for (name, phone) in NAMESAKES {
        let created = owner
            .execute(
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
                json!({ "input": { "name": name, "phones": [{ "value": phone }], "tags": ["VIP"] } }),
            )
            .await?;
        ids.push(created.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned());
    }
    Ok((server, ids))
}

async fn wait_for_hits(browser: &Browser, expected: usize) -> anyhow::Result<Vec<String>> {
    let started = std::time::Instant::now();
    let mut seen = Vec::new();
    while started.elapsed() < WAIT {
        seen.clear();
        for hit in browser.client().find_all(Locator::Css("[data-testid=global-search-hit]")).await? {
            seen.push(hit.text().await.unwrap_or_default());
        }
        if seen.len() == expected {
            return Ok(seen);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("expected {expected} hits, saw {seen:?}")
}

#[tokio::test]
async fn part_of_a_chinese_name_then_the_last_four_digits_open_the_right_customer() -> anyhow::Result<()> {
    let (server, ids) = server_with_namesakes().await?;
    let browser = Browser::start(Viewport::Desktop).await?;
    let result = async {
        sign_in(&browser, &server, "agent").await?;
        // The shortcut puts the cursor in the box from anywhere on the page.
        browser.client().find(Locator::Css("body")).await?.send_keys("/").await?;
        let active = browser.client().execute("return document.activeElement.dataset.testid", vec![]).await?;
        assert_eq!(active.as_str(), Some("global-search"), "/ focuses the search box");

        let search = browser.client().find(Locator::Css("[data-testid=global-search]")).await?;
        search.send_keys("欧阳").await?;
        let hits = wait_for_hits(&browser, 3).await?;
        assert!(hits.iter().all(|h| h.contains("欧阳")), "{hits:?}");
        browser.screenshot("search-instant-name-zh-CN-desktop").await?;

        search.send_keys(" 8765").await?;
        let hits = wait_for_hits(&browser, 1).await?;
        assert!(hits[0].contains("欧阳晓雯") && hits[0].contains("8765"), "the phone match shows: {hits:?}");
        assert!(hits[0].contains("139****8765"), "the phone stays masked: {hits:?}");
        browser.screenshot("search-instant-phone-zh-CN-desktop").await?;
        // Arrow down highlights the hit, Enter opens it.
        search.send_keys("\u{e015}").await?;
        search.send_keys("\u{e007}").await?;
        browser.wait_for_path(&format!("/customers/{}", ids[0])).await?;
        browser.wait_for_text_containing("[data-testid=page-title]", "欧阳晓雯").await?;
        browser.screenshot("search-opened-customer-zh-CN-desktop").await?;

        // Enter with several hits and none chosen goes to the full results with facets.
        browser.fill("[data-testid=global-search]", "欧阳").await?;
        wait_for_hits(&browser, 3).await?;
        browser
            .client()
            .find(Locator::Css("[data-testid=global-search]"))
            .await?
            .send_keys("\u{e007}")
            .await?;
        browser.wait_for_path("/search?q=").await?;
        browser.wait_for_text("[data-testid=search-count]", "找到 3 位客户").await?;
        assert_eq!(browser.count("[data-testid=search-result]").await?, 3);
        browser.screenshot("search-results-zh-CN-desktop").await?;
        browser.click("[data-testid=facet-stage]").await?;
        browser.wait_for_path("/search?q=").await?;
        browser.wait_for_text_containing("[data-testid=search-count]", "3").await?;

        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text("[data-testid=page-title]", "Customer search").await?;
        browser.wait_for_text("[data-testid=search-count]", "3 customers found").await?;
        browser.screenshot("search-results-en-desktop").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    server.stop().await?;
    result
}

#[tokio::test]
async fn search_works_on_a_phone_in_both_languages() -> anyhow::Result<()> {
    let (server, ids) = server_with_namesakes().await?;
    let browser = Browser::start(Viewport::Phone).await?;
    let result = async {
        sign_in(&browser, &server, "owner").await?;
        let search = browser.client().find(Locator::Css("[data-testid=global-search]")).await?;
        search.click().await?;
        search.send_keys("欧阳 4321").await?;
        wait_for_hits(&browser, 1).await?;
        browser.screenshot("search-instant-zh-CN-phone").await?;
        browser.click("[data-testid=global-search-hit]").await?;
        browser.wait_for_path(&format!("/customers/{}", ids[2])).await?;

        browser.client().goto(&server.url("/search?q=ouyang")).await?;
        browser.wait_for_text("[data-testid=search-count]", "找到 3 位客户").await?;
        browser.screenshot("search-results-zh-CN-phone").await?;
        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text("[data-testid=search-count]", "3 customers found").await?;
        browser.wait_for_text("[data-testid=facet-stars-all]", "All").await?;
        browser.screenshot("search-results-en-phone").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    server.stop().await?;
    result
}
