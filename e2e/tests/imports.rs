//! Customers > Import in the browser: a manager uploads a GBK file with a bad row, sees the
//! dry run name the row and column, imports it while the page follows the progress live, finds
//! the customers in the list, and reverts the import; the customer list exports as CSV. Both
//! languages, desktop and phone.

use std::fmt::Write as _;
use std::io::Write;

use fantoccini::Locator;
use starcrm_e2e::browser::Viewport;
use starcrm_e2e::flows::sign_in;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, Server};

/// A member list as Excel in China saves it: GBK, Chinese headers, one phone number too short.
fn member_file() -> anyhow::Result<tempfile::NamedTempFile> {
    let mut text = String::from("姓名,手机号码,邮箱,生日,性别,标签\n");
    text.push_str("导入张三,13812340001,zs@example.com,1990/5/17,男,VIP\n");
    text.push_str("导入李四,12345,ls@example.com,1985-01-02,女,\n");
    for i in 2..40 {
        let _ = writeln!(text, "导入会员{i},1381234{i:04},,,女,新客");
    }
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let mut file = tempfile::Builder::new().prefix("会员名单").suffix(".csv").tempfile()?;
    file.write_all(&gbk)?;
    Ok(file)
}

/// A shop's order-line export: two lines of one order, an order of a new member, and a line
/// without any way to find its customer.
fn purchases_file() -> anyhow::Result<tempfile::NamedTempFile> {
    let text = "订单号,下单时间,会员卡号,姓名,商品名称,数量,单价,支付方式,门店\n\
                E2E-1,2024-06-01 10:30,VIP-9001,导入买家,咖啡豆,2,88,微信支付,静安店\n\
                E2E-1,2024-06-01 10:30,VIP-9001,导入买家,马克杯,1,45.50,微信支付,静安店\n\
                E2E-2,2024-06-02 18:05,VIP-9002,导入新会员,礼品卡,1,500,支付宝,徐汇店\n\
                E2E-3,2024-06-03 09:00,,,蛋糕,1,30,现金,静安店\n";
    let mut file = tempfile::Builder::new().prefix("订单明细").suffix(".csv").tempfile()?;
    file.write_all(text.as_bytes())?;
    Ok(file)
}

async fn choose_file(browser: &Browser, path: &std::path::Path) -> anyhow::Result<()> {
    browser.wait_for("[data-testid=import-file]").await?;
    let input = browser.client().find(Locator::Css("[data-testid=import-file]")).await?;
    input.send_keys(&path.display().to_string()).await?;
    Ok(())
}

#[tokio::test]
async fn a_manager_checks_imports_and_reverts_a_gbk_member_list() -> anyhow::Result<()> {
    let server = Server::start_with(ServerOptions { mode: "production", web: true, seed: true }).await?;
    let browser = Browser::start(Viewport::Desktop).await?;
    let file = member_file()?;
    let result = async {
        sign_in(&browser, &server, "manager").await?;
        browser.click("[data-testid=nav-customers]").await?;
        browser.click("[data-testid=import-customers]").await?;
        browser.wait_for_text("[data-testid=page-title]", "导入数据").await?;
        browser.screenshot("import-upload-zh-CN-desktop").await?;

        // The file is read as GBK and its columns matched from the Chinese headers.
        choose_file(&browser, file.path()).await?;
        browser.wait_for("[data-testid=import-mapping]").await?;
        assert_eq!(browser.value("[data-testid=target-1]").await?.as_deref(), Some("phone"));
        assert_eq!(browser.value("[data-testid=target-5]").await?.as_deref(), Some("tags"));
        browser.screenshot("import-mapping-zh-CN-desktop").await?;

        // The dry run writes nothing and names the bad row and column.
        browser.click("[data-testid=check-import]").await?;
        browser.wait_for("[data-testid=import][data-status=CHECKED]").await?;
        let errors = browser.wait_for_text_containing("[data-testid=import-errors]", "手机号码").await?;
        assert!(errors.contains('3'), "{errors}");
        assert_eq!(browser.text("[data-testid=import-created]").await?, "39");
        assert_eq!(browser.text("[data-testid=import-rejected]").await?, "1");
        browser.wait_for("[data-testid=import-preview]").await?;
        browser.screenshot("import-dry-run-zh-CN-desktop").await?;

        // Run it: the page follows it to the end.
        browser.click("[data-testid=start-import]").await?;
        browser.wait_for("[data-testid=import][data-status=SUCCEEDED]").await?;
        assert_eq!(browser.text("[data-testid=import-created]").await?, "39");
        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text_containing("[data-testid=import]", "Can be reverted until").await?;
        browser.screenshot("import-done-en-desktop").await?;

        // The customers are in the list.
        browser.click("[data-testid=nav-customers]").await?;
        browser.fill("[data-testid=customer-search]", "导入会员").await?;
        browser.wait_for_text_containing("[data-testid=customers-table]", "导入会员2").await?;

        // Revert: they are gone again.
        browser.client().back().await?;
        browser.wait_for("[data-testid=import][data-status=SUCCEEDED]").await?;
        browser.click("[data-testid=revert-import]").await?;
        browser.click("[data-testid=confirm]").await?;
        browser.wait_for("[data-testid=import][data-status=REVERTED]").await?;
        browser.scroll_to("[data-testid=import-history]").await?;
        browser.screenshot("import-reverted-en-desktop").await?;
        Ok::<(), anyhow::Error>(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn a_manager_imports_a_shops_order_lines_as_purchases_and_reverts_them() -> anyhow::Result<()> {
    let server = Server::start_with(ServerOptions { mode: "production", web: true, seed: true }).await?;
    let browser = Browser::start(Viewport::Desktop).await?;
    let file = purchases_file()?;
    let result = async {
        sign_in(&browser, &server, "manager").await?;
        browser.client().goto(&server.url("/imports")).await?;
        browser.click("input[name=import-kind][value=transactions]").await?;
        choose_file(&browser, file.path()).await?;
        browser.wait_for("[data-testid=import-mapping]").await?;
        browser.wait_for_text_containing("[data-testid=import-kind-name]", "消费记录").await?;
        assert_eq!(browser.value("[data-testid=target-0]").await?.as_deref(), Some("orderNo"));
        assert_eq!(browser.value("[data-testid=target-7]").await?.as_deref(), Some("paymentMethod"));

        // The dry run: two purchases, a line joining the first, a row with no customer.
        browser.click("[data-testid=check-import]").await?;
        browser.wait_for("[data-testid=import][data-status=CHECKED]").await?;
        assert_eq!(browser.text("[data-testid=import-created]").await?, "2");
        assert_eq!(browser.text("[data-testid=import-updated]").await?, "1");
        assert_eq!(browser.text("[data-testid=import-rejected]").await?, "1");
        let preview = browser.wait_for_text_containing("[data-testid=import-preview]", "¥176.00").await?;
        assert!(preview.contains("VIP-9002"), "{preview}");
        browser.screenshot("import-purchases-dry-run-zh-CN-desktop").await?;
        // The mapping is saved for next month's file.
        browser.fill("[data-testid=preset-name]", "门店订单").await?;
        browser.click("[data-testid=save-preset]").await?;
        browser.wait_for_text_containing("[data-testid=import-notice]", "门店订单").await?;

        browser.click("[data-testid=start-import]").await?;
        browser.wait_for("[data-testid=import][data-status=SUCCEEDED]").await?;
        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text_containing("[data-testid=import]", "Purchases recorded").await?;
        browser.screenshot("import-purchases-done-en-desktop").await?;

        // The new member is a customer now, with the purchase's spend.
        browser.click("[data-testid=nav-customers]").await?;
        browser.fill("[data-testid=customer-search]", "导入新会员").await?;
        browser.wait_for_text_containing("[data-testid=customers-table]", "导入新会员").await?;

        browser.client().back().await?;
        browser.wait_for("[data-testid=import][data-status=SUCCEEDED]").await?;
        browser.click("[data-testid=revert-import]").await?;
        browser.click("[data-testid=confirm]").await?;
        browser.wait_for("[data-testid=import][data-status=REVERTED]").await?;

        // The next file with the same headers is mapped by the saved preset.
        browser.click("[data-testid=import-another]").await?;
        browser.wait_for_text_containing("[data-testid=import-presets]", "门店订单").await?;
        choose_file(&browser, file.path()).await?;
        browser.wait_for_text_containing("[data-testid=import-preset-applied]", "门店订单").await?;
        assert_eq!(browser.value("[data-testid=target-7]").await?.as_deref(), Some("paymentMethod"));
        browser.screenshot("import-preset-applied-en-desktop").await?;
        Ok::<(), anyhow::Error>(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn the_import_page_and_the_export_button_fit_a_phone() -> anyhow::Result<()> {
    let server = Server::start_with(ServerOptions { mode: "production", web: true, seed: true }).await?;
    let browser = Browser::start(Viewport::Phone).await?;
    let file = member_file()?;
    let result = async {
        sign_in(&browser, &server, "manager").await?;
        browser.client().goto(&server.url("/imports")).await?;
        choose_file(&browser, file.path()).await?;
        browser.wait_for("[data-testid=import-mapping]").await?;
        browser.click("[data-testid=check-import]").await?;
        browser.wait_for("[data-testid=import][data-status=CHECKED]").await?;
        assert_eq!(browser.overflow_x().await?, 0, "the page scrolls sideways on a phone");
        browser.screenshot("import-dry-run-zh-CN-phone").await?;
        // A purchases file, told from its header row.
        let purchases = purchases_file()?;
        browser.client().goto(&server.url("/imports")).await?;
        choose_file(&browser, purchases.path()).await?;
        browser.wait_for_text_containing("[data-testid=import-kind-name]", "消费记录").await?;
        browser.click("[data-testid=check-import]").await?;
        browser.wait_for("[data-testid=import][data-status=CHECKED]").await?;
        assert_eq!(browser.overflow_x().await?, 0, "the purchases dry run scrolls sideways on a phone");
        browser.screenshot("import-purchases-dry-run-zh-CN-phone").await?;
        browser.client().goto(&server.url("/customers")).await?;
        browser.wait_for("[data-testid=export-customers]").await?;
        browser.screenshot("customers-export-zh-CN-phone").await?;
        Ok::<(), anyhow::Error>(())
    }
    .await;
    browser.close().await?;
    result
}
