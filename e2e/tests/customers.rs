//! Customers in the browser: the list of the demo workspace's generated customers, search by
//! code, the lifecycle filter, sorting by spend, more pages, both languages and a phone.

use fantoccini::Locator;
use starcrm_e2e::browser::{Viewport, WAIT};
use starcrm_e2e::flows::sign_in;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, Server};

const ENTER: &str = "\u{e007}";

/// The demo server with its 300 generated customers, and a browser signed in as `role` on the
/// customer list.
async fn customers_list(viewport: Viewport, role: &str) -> anyhow::Result<(Server, Browser)> {
    let server = Server::start_with(ServerOptions { mode: "production", web: true, seed: true }).await?;
    let browser = Browser::start(viewport).await?;
    sign_in(&browser, &server, role).await?;
    browser.client().goto(&server.url("/customers")).await?;
    browser.wait_for_text_containing("[data-testid=list-count]", "300").await?;
    Ok((server, browser))
}

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
    let (_server, browser) = customers_list(Viewport::Desktop, "agent").await?;
    let result = async {
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

/// Waits until `count(css)` is `expected`.
async fn wait_for_count(browser: &Browser, css: &str, expected: usize) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut seen = 0;
    while started.elapsed() < WAIT {
        seen = browser.count(css).await?;
        if seen == expected {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("{css}: expected {expected} elements, saw {seen}")
}

/// Creates a customer through the list's dialog and waits for the notice naming `code`.
async fn create_customer(
    browser: &Browser,
    name: &str,
    phone: &str,
    tags: &str,
    code: &str,
) -> anyhow::Result<()> {
    browser.click("[data-testid=add-customer]").await?;
    browser.fill("input[name=customer-name]", name).await?;
    browser.fill("input[name=customer-phone]", phone).await?;
    browser.fill("input[name=customer-tags]", tags).await?;
    browser.click("[data-testid=create-customer]").await?;
    browser.wait_for_text("[data-testid=notice]", &format!("已创建客户 {code}。")).await
}

/// On C000301's page: merges its duplicate C000302 in after the preview, undoes the merge, moves
/// the customer to the bin and restores them.
async fn merge_undo_and_bin(browser: &Browser) -> anyhow::Result<()> {
    // Merge the duplicate (same phone) into this customer, with a preview first.
    browser.wait_for_text_containing("[data-testid=duplicate]", "手机相同").await?;
    assert_eq!(browser.attribute("[data-testid=duplicate]", "data-code").await?.as_deref(), Some("C000302"));
    browser.click("[data-testid=merge]").await?;
    let preview = browser.text("[data-testid=merge-preview]").await?;
    assert!(preview.contains("林小雨 (C000302)") && preview.contains("并入 林小雨 (C000301)"), "{preview}");
    browser.screenshot("customer-merge-zh-CN-desktop").await?;
    browser.click("[data-testid=confirm-merge]").await?;
    browser.wait_for_text("[data-testid=notice]", "已将 C000302 并入 C000301。").await?;
    browser.wait_for_text("[data-testid=no-duplicates]", "没有发现可能重复的客户。").await?;
    browser.wait_for_text_containing("[data-testid=merge-record]", "C000302").await?;
    browser.wait_for_text_containing("[data-testid=header-tags]", "龙井首单").await?;

    // Undo it: the duplicate is back.
    browser.click("[data-testid=unmerge]").await?;
    browser.wait_for_text_containing("[data-testid=notice]", "已撤销合并").await?;
    browser.wait_for_text_containing("[data-testid=duplicate]", "C000302").await?;

    // To the bin and back.
    browser.click("[data-testid=delete-customer]").await?;
    browser.click("[data-testid=confirm]").await?;
    browser.wait_for_text("[data-testid=notice]", "已将 C000301 移入回收站。").await?;
    // The page reloads the customer after the notice: wait for the deleted view.
    browser.client().wait().at_most(WAIT).for_element(Locator::Css("[data-testid=deleted-banner]")).await?;
    assert!(
        !browser.exists("[data-testid=record-purchase]").await?,
        "nothing is recorded on a deleted customer"
    );
    browser.click("[data-testid=restore-customer]").await?;
    browser.wait_for_text("[data-testid=notice]", "已恢复 C000301。").await?;
    browser.client().wait().at_most(WAIT).for_element(Locator::Css("[data-testid=record-purchase]")).await?;
    assert!(!browser.exists("[data-testid=deleted-banner]").await?);

    Ok(())
}

#[tokio::test]
async fn a_customer_page_records_a_purchase_edits_merges_and_deletes() -> anyhow::Result<()> {
    let (_server, browser) = customers_list(Viewport::Desktop, "agent").await?;
    let result = async {
        create_customer(&browser, "林小雨", "139 8888 0001", "西湖会员", "C000301").await?;
        create_customer(&browser, "林小雨", "13988880001", "龙井首单", "C000302").await?;

        // The list filters by tag: only the first new customer carries 西湖会员.
        browser.fill("[data-testid=tag-filter]", &format!("西湖会员{ENTER}")).await?;
        browser.wait_for_text("[data-testid=list-count]", "已显示 1 / 共 1 条").await?;
        browser.click("[data-testid=column-picker] summary").await?;
        browser.click("[data-testid=column-picker] input[data-column=source]").await?;
        browser.wait_for_text_containing("[data-testid=customers-table] thead", "来源渠道").await?;
        browser.screenshot("customers-filtered-columns-zh-CN-desktop").await?;
        browser.click("[data-testid=column-picker] summary").await?;

        // The customer's page: nothing bought yet.
        browser.click("[data-testid=customer-link]").await?;
        browser.wait_for_path("/customers/").await?;
        browser.wait_for_text("[data-testid=page-title]", "林小雨").await?;
        browser.wait_for_text("[data-testid=no-history]", "暂无记录。").await?;
        assert_eq!(browser.text("[data-testid=order-count]").await?, "0");

        // Record a purchase: a wrong amount is named at once (with the rule it breaks), a right one
        // lands on the timeline.
        browser.click("[data-testid=record-purchase]").await?;
        browser.fill("input[name=purchase-amount]", "12.345").await?;
        browser.wait_for_text_containing(".field--invalid .field__error", "最多保留 2 位小数").await?;
        browser.fill("input[name=purchase-amount]", "1,288.50").await?;
        browser.fill("input[name=purchase-product]", "明前龙井 250g").await?;
        browser.fill("input[name=purchase-category]", "茶叶").await?;
        browser.select("select[name=purchase-payment]", "alipay").await?;
        browser.screenshot("customer-record-purchase-zh-CN-desktop").await?;
        browser.click("[data-testid=save-purchase]").await?;
        browser.wait_for_text("[data-testid=notice]", "已记录消费 ¥1,288.50。").await?;
        browser.wait_for_text("[data-testid=timeline-amount]", "¥1,288.50").await?;
        browser.wait_for_text("[data-testid=order-count]", "1").await?;
        assert_eq!(browser.text("[data-testid=total-spend]").await?, "¥1,288.50");
        let entry = browser.text("[data-testid=timeline-transaction]").await?;
        assert!(entry.contains("明前龙井 250g ×1 · 茶叶") && entry.contains("支付宝"), "{entry}");

        // Log a call: the timeline shows it above the purchase.
        browser.click("[data-testid=log-interaction]").await?;
        browser.fill("input[name=interaction-subject]", "询问会员积分").await?;
        browser.click("[data-testid=save-interaction]").await?;
        browser.wait_for_text("[data-testid=notice]", "已记录互动。").await?;
        wait_for_count(&browser, "[data-testid=timeline] > li", 2).await?;
        let top = browser.text("[data-testid=timeline] > li:first-child").await?;
        assert!(top.contains("询问会员积分") && top.contains("刘洋"), "{top}");

        // Edit: a bad email is refused in place; company, a consent and a custom field are saved.
        browser.click("[data-testid=edit-customer]").await?;
        browser.wait_for_text_containing("[data-testid=edit-phones]", "主要").await?;
        let phone = browser.value("input[name=phones-value]").await?;
        assert_eq!(phone.as_deref(), Some("+8613988880001"), "the form edits the number in full");
        browser.click("[data-testid=add-emails]").await?;
        browser.fill("input[name=emails-value]", "lin@").await?;
        browser.wait_for_text_containing("[data-testid=edit-emails] .field__error", "邮箱").await?;
        browser.fill("input[name=emails-value]", "lin.xiaoyu@example.com").await?;
        browser.fill("input[name=edit-company]", "杭州西湖茶社").await?;
        browser.select("select[name=consent-sms]", "granted").await?;
        browser.select("#field-custom-favourite_sport", "羽毛球").await?;
        browser.screenshot("customer-edit-zh-CN-desktop").await?;
        browser.click("[data-testid=save-customer]").await?;
        browser.wait_for_text_containing("[data-testid=notice]", "已保存").await?;
        browser.wait_for_text("[data-testid=profile-company] dd", "杭州西湖茶社").await?;
        browser.wait_for_text_containing("[data-testid=consent-sms]", "已同意").await?;
        browser.wait_for_text_containing("[data-testid=field-favourite_sport]", "羽毛球").await?;
        browser.wait_for_text_containing("[data-testid=customer-emails]", "@example.com").await?;
        browser.screenshot("customer-detail-zh-CN-desktop").await?;

        merge_undo_and_bin(&browser).await?;

        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text_containing("[data-testid=spending-card]", "Total spend").await?;
        browser.screenshot("customer-detail-en-desktop").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn a_customer_page_fits_a_phone_in_both_languages() -> anyhow::Result<()> {
    let (_server, browser) = customers_list(Viewport::Phone, "manager").await?;
    let result = async {
        // The biggest spender: a customer with a long history.
        browser.select("[data-testid=sort]", "total_spend").await?;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let code = browser.attribute("[data-testid=customer-row]", "data-code").await?.unwrap_or_default();
        browser.click("[data-testid=customer-link]").await?;
        browser.wait_for_text_containing("[data-testid=customer-header]", &code).await?;
        browser
            .client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("[data-testid=timeline] > li"))
            .await?;
        browser.screenshot("customer-detail-zh-CN-phone").await?;
        // Each tab lists only its kind: wait until the other kind is gone from the list.
        browser.click("[data-testid=tab-interactions]").await?;
        wait_for_count(&browser, "[data-testid=timeline-transaction]", 0).await?;
        browser.click("[data-testid=tab-transactions]").await?;
        wait_for_count(&browser, "[data-testid=timeline-interaction]", 0).await?;
        // The biggest spender has purchases: they come back on this tab, with no interactions.
        browser
            .client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("[data-testid=timeline-transaction]"))
            .await?;
        assert_eq!(browser.count("[data-testid=timeline-interaction]").await?, 0);
        browser
            .client()
            .execute("document.querySelector('[data-testid=history]').scrollIntoView()", vec![])
            .await?;
        browser.screenshot("customer-transactions-zh-CN-phone").await?;
        let width: i64 = browser
            .client()
            .execute("return document.documentElement.scrollWidth", vec![])
            .await?
            .as_i64()
            .unwrap_or(0);
        assert!(width <= 375, "the customer page does not scroll sideways on a phone ({width} px)");
        browser.client().execute("window.scrollTo(0, 0)", vec![]).await?;
        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text_containing("[data-testid=spending-card]", "Total spend").await?;
        browser.screenshot("customer-detail-en-phone").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn an_owner_assigns_a_rep_then_erases_a_customers_personal_data_with_a_reason() -> anyhow::Result<()> {
    let (_server, browser) = customers_list(Viewport::Desktop, "owner").await?;
    let result = async {
        browser.fill("[data-testid=customer-search]", &format!("C000005{ENTER}")).await?;
        browser.wait_for_text_containing("[data-testid=list-count]", "共 1 条").await?;
        browser.click("[data-testid=customer-link]").await?;
        browser.wait_for_text_containing("[data-testid=customer-header]", "C000005").await?;

        // An owner may list staff, so the edit form offers the dedicated rep.
        browser.click("[data-testid=edit-customer]").await?;
        let owner = browser
            .client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("select[name=edit-owner]"))
            .await?;
        owner.select_by_label("刘洋").await?;
        browser.click("[data-testid=save-customer]").await?;
        browser.wait_for_text_containing("[data-testid=notice]", "已保存").await?;
        browser.wait_for_text_containing("[data-testid=profile-card]", "刘洋").await?;

        browser.click("[data-testid=erase-customer]").await?;
        browser.click("[data-testid=confirm-erase]").await?;
        browser.wait_for_text_containing("[data-testid=erase-dialog] .field__error", "此项必填").await?;
        browser.fill("input[name=erase-reason]", "客户来电要求删除个人信息（工单 1024）").await?;
        browser.screenshot("customer-erase-zh-CN-desktop").await?;
        browser.click("[data-testid=confirm-erase]").await?;
        browser.wait_for_text("[data-testid=notice]", "已彻底删除 C000005 的个人信息。").await?;
        browser.wait_for_text_containing("[data-testid=page-title]", "(erased)").await?;
        browser.wait_for_text_containing("[data-testid=customer-phones]", "未填写").await?;
        assert!(!browser.exists("[data-testid=erase-customer]").await?, "nothing left to erase");
        assert!(!browser.exists("[data-testid=edit-customer]").await?, "an erased profile is not edited");
        // The history stays, anonymously.
        assert!(browser.text("[data-testid=spending-card]").await?.contains('¥'));
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn a_customer_page_updates_live_when_a_purchase_is_pushed_over_the_api() -> anyhow::Result<()> {
    use serde_json::json;

    let server = Server::start_with(ServerOptions { mode: "production", web: true, seed: true }).await?;
    let pos = server.demo_api("owner").await?;
    let created =
        pos.execute("mutation { createCustomer(input: { name: \"实时 刷新\" }) { id } }", json!({})).await?;
    let id = created.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned();

    let browser = Browser::start(Viewport::Desktop).await?;
    let result = async {
        sign_in(&browser, &server, "agent").await?;
        browser.client().goto(&server.url(&format!("/customers/{id}"))).await?;
        browser.wait_for_text_containing("[data-testid=page-title]", "实时 刷新").await?;
        browser.wait_for("[data-testid=history]").await?;
        assert_eq!(browser.count("[data-testid=timeline-transaction]").await?, 0);
        let marker = browser.script_string("window.__livePage = 'same page'; return window.__livePage").await?;
        assert_eq!(marker, "same page");
        // The shop's POS pushes a purchase; nobody touches the page.
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        let pushed = pos
            .execute(
                "mutation($id: ID!) { recordTransaction(input: { customer: { id: $id }, channel: STORE, amountMinor: 1288000, externalRef: \"live-1\" }) { customerId } }",
                json!({ "id": id }),
            )
            .await?;
        assert!(pushed.body["errors"].is_null(), "{}", pushed.body);
        browser.wait_for_text_containing("[data-testid=timeline-amount]", "12,880").await?;
        // Updated in place: no reload of the page happened.
        assert_eq!(browser.script_string("return window.__livePage || ''").await?, "same page");
        browser.screenshot("customer-live-update-zh-CN-desktop").await?;

        // A change that arrives while the agent types in a dialog waits for the dialog: nothing
        // typed is lost; closing it shows the change.
        browser.click("[data-testid=record-purchase]").await?;
        browser.fill("[name=purchase-amount]", "66").await?;
        pos.execute(
            "mutation($id: ID!) { recordTransaction(input: { customer: { id: $id }, channel: APP, amountMinor: 4200, externalRef: \"live-2\" }) { customerId } }",
            json!({ "id": id }),
        )
        .await?;
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        assert_eq!(browser.value("[name=purchase-amount]").await?.as_deref(), Some("66"), "the dialog and its input stay");
        assert_eq!(browser.count("[data-testid=timeline-transaction]").await?, 1, "not reloaded under the dialog");
        browser.click(".dialog__header .icon-button").await?;
        browser.wait_for_text_containing("[data-testid=timeline]", "42.00").await?;
        assert_eq!(browser.count("[data-testid=timeline-transaction]").await?, 2);
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}
