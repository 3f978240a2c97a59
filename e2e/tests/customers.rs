//! Customers in the browser: the list of the demo workspace's generated customers, search by
//! code, the lifecycle filter, sorting by spend, more pages, both languages and a phone.

use fantoccini::Locator;
use starcrm_e2e::browser::{Viewport, WAIT};
use starcrm_e2e::flows::sign_in;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, Server};

const ENTER: &str = "\u{e007}";

async fn rows(browser: &Browser) -> anyhow::Result<usize> {
    Ok(browser.client().find_all(Locator::Css("[data-testid=customer-row]")).await?.len())
}

#[tokio::test]
async fn the_customer_list_searches_filters_sorts_and_pages() -> anyhow::Result<()> {
    let server = Server::start_with(ServerOptions { mode: "production", web: true, seed: true }).await?;
    let browser = Browser::start(Viewport::Desktop).await?;
    let result = async {
        sign_in(&browser, &server, "owner").await?;
        browser.click("[data-testid=nav-customers]").await?;
        browser.wait_for_path("/customers").await?;
        browser.wait_for_text("[data-testid=page-title]", "客户").await?;
        browser.client().wait().at_most(WAIT).for_element(Locator::Css("[data-testid=customer-row]")).await?;
        browser.wait_for_text("[data-testid=list-count]", "已显示 25 / 共 300 条").await?;
        assert_eq!(rows(&browser).await?, 25, "one page of the 300 generated customers");
        browser.screenshot("customers-zh-CN-desktop").await?;

        browser.click("[data-testid=load-more]").await?;
        browser.wait_for_text("[data-testid=list-count]", "已显示 50 / 共 300 条").await?;

        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text("[data-testid=page-title]", "Customers").await?;

        // Biggest spenders first: the first row's spend is the largest on the page.
        let sort = browser.client().find(Locator::Css("[data-testid=sort]")).await?;
        sort.select_by_value("total_spend").await?;
        browser.wait_for_text("[data-testid=list-count]", "Showing 25 of 300").await?;
        let spends: Vec<f64> = {
            let mut out = Vec::new();
            for cell in browser
                .client()
                .find_all(Locator::Css("[data-testid=customer-row] td.table__number:nth-of-type(4)"))
                .await?
            {
                let text = cell.text().await?;
                out.push(text.trim_start_matches('¥').replace(',', "").parse().unwrap_or(-1.0));
            }
            out
        };
        assert!(spends.len() == 25 && spends.windows(2).all(|w| w[0] >= w[1]), "{spends:?}");
        browser.screenshot("customers-by-spend-en-desktop").await?;

        let stage = browser.client().find(Locator::Css("[data-testid=stage-filter]")).await?;
        stage.select_by_value("churned").await?;
        let count = browser.wait_for_text_containing("[data-testid=list-count]", "of").await?;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let pills =
            browser.client().find_all(Locator::Css("[data-testid=customer-row] .pill--churned")).await?;
        assert_eq!(pills.len(), rows(&browser).await?, "only churned customers: {count}");

        browser.fill("[data-testid=customer-search]", &format!("C000001{ENTER}")).await?;
        let stage = browser.client().find(Locator::Css("[data-testid=stage-filter]")).await?;
        stage.select_by_value("").await?;
        browser.wait_for_text("[data-testid=list-count]", "Showing 1 of 1").await?;
        assert_eq!(
            browser.attribute("[data-testid=customer-row]", "data-code").await?.as_deref(),
            Some("C000001")
        );
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn the_customer_list_fits_a_phone() -> anyhow::Result<()> {
    let server = Server::start_with(ServerOptions { mode: "production", web: true, seed: true }).await?;
    let browser = Browser::start(Viewport::Phone).await?;
    let result = async {
        sign_in(&browser, &server, "agent").await?;
        browser.client().goto(&server.url("/customers")).await?;
        browser.client().wait().at_most(WAIT).for_element(Locator::Css("[data-testid=customer-row]")).await?;
        browser.wait_for_text_containing("[data-testid=list-count]", "300").await?;
        browser.screenshot("customers-zh-CN-phone").await?;
        let width: i64 = browser
            .client()
            .execute("return document.documentElement.scrollWidth", vec![])
            .await?
            .as_i64()
            .unwrap_or(0);
        assert!(
            width <= 375,
            "the page does not scroll sideways on a phone ({width} px); the table scrolls inside its box"
        );
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn a_new_customer_with_an_invalid_phone_shows_the_error_until_it_is_fixed() -> anyhow::Result<()> {
    let server = Server::start_with(ServerOptions { mode: "production", web: true, seed: true }).await?;
    let browser = Browser::start(Viewport::Desktop).await?;
    let result = async {
        sign_in(&browser, &server, "agent").await?;
        browser.client().goto(&server.url("/customers")).await?;
        browser.wait_for_text_containing("[data-testid=list-count]", "300").await?;
        browser.click("[data-testid=add-customer]").await?;
        browser.fill("input[name=customer-name]", "测试客户").await?;
        browser.fill("input[name=customer-phone]", "12345").await?;
        let error = browser.wait_for_text_containing(".field--invalid .field__error", "手机号").await?;
        assert!(error.contains("请输入有效的手机号"), "{error}");
        browser.screenshot("customer-new-invalid-phone-zh-CN-desktop").await?;
        browser.click("[data-testid=create-customer]").await?;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(browser.exists("[data-testid=new-customer-dialog]").await?, "an invalid form is not sent");

        browser.fill("input[name=customer-phone]", "139 1234 5678").await?;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(!browser.exists(".field--invalid").await?, "the error goes once the number is valid");
        browser.fill("input[name=customer-tags]", "VIP, 茶友").await?;
        browser.click("[data-testid=create-customer]").await?;
        browser.wait_for_text("[data-testid=notice]", "已创建客户 C000301。").await?;
        browser.wait_for_text_containing("[data-testid=list-count]", "301").await?;
        assert_eq!(
            browser.attribute("[data-testid=customer-row]", "data-code").await?.as_deref(),
            Some("C000301")
        );
        let first = browser.text("[data-testid=customer-row]").await?;
        assert!(
            first.contains("测试客户") && first.contains("139****5678") && first.contains("茶友"),
            "{first}"
        );
        browser.screenshot("customer-created-zh-CN-desktop").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}
