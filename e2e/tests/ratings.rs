//! The star engine in the browser: the ratings page of the demo workspace (its 300 generated
//! customers rated when seeded), a draft edited with the live preview re-scoring in the
//! browser, a simulation over everyone, activation and the re-rating it starts; a customer's
//! stars and explanation changing; a manual override and its end; the benefits settings and the
//! dashboard's distribution; a phone in both languages.

use fantoccini::Locator;
use starcrm_e2e::browser::{Viewport, WAIT};
use starcrm_e2e::flows::sign_in;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, Server};

async fn ratings_page(viewport: Viewport, role: &str) -> anyhow::Result<(Server, Browser)> {
    let server = Server::start_with(ServerOptions { mode: "production", web: true, seed: true }).await?;
    let browser = Browser::start(viewport).await?;
    sign_in(&browser, &server, role).await?;
    browser.client().goto(&server.url("/ratings")).await?;
    browser.client().wait().at_most(WAIT).for_element(Locator::Css("[data-testid=preview-row]")).await?;
    Ok((server, browser))
}

#[tokio::test]
async fn a_draft_is_previewed_simulated_and_activated_and_a_customers_stars_follow() -> anyhow::Result<()> {
    let (server, browser) = ratings_page(Viewport::Desktop, "owner").await?;
    let result = async {
        browser.wait_for_text("[data-testid=page-title]", "星级评定").await?;
        browser.wait_for_text_containing("[data-testid=active-version]", "1").await?;
        browser.wait_for_text_containing("[data-testid=job-status]", "已完成").await?;
        // The seed's run is the customers' first rating, not someone's manual run.
        browser.wait_for_text_containing("[data-testid=job-status]", "首次评定").await?;
        browser.screenshot("ratings-zh-CN-desktop").await?;

        // The lowest-rated sample the draft below lifts (score 1 or more: its 2-star threshold).
        let pick = "const rows = [...document.querySelectorAll('[data-testid=preview-row]')]
            .map(r => ({ href: r.querySelector('a').getAttribute('href'), stars: (r.children[1].textContent.match(/★/g) || []).length, score: parseFloat(r.querySelector('[data-testid=preview-score]').textContent) }))
            .filter(r => r.stars > 0 && r.score >= 1).sort((a, b) => a.stars - b.stars);
            return rows.length ? rows[0].href + ' ' + rows[0].stars : '';";
        let picked = browser.script_string(pick).await?;
        let (href, before) = picked.split_once(' ').ok_or_else(|| anyhow::anyhow!("no rated sample"))?;
        let before: u32 = before.parse()?;
        assert!(before < 5, "a sample below five stars: {picked}");

        // Moving one weight keeps the total at 100 and re-scores the samples in the browser.
        let score = || browser.text("[data-testid=preview-row] [data-testid=preview-score]");
        let first_score = score().await?;
        browser.set_value("[data-testid=weight-monetary]", "70", "input").await?;
        browser.wait_for_text("[data-testid=weights-total]", "权重合计 100/100").await?;
        assert_eq!(browser.value("[data-testid=weight-monetary]").await?.as_deref(), Some("70"));
        let started = std::time::Instant::now();
        while score().await? == first_score && started.elapsed() < WAIT {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_ne!(score().await?, first_score, "the preview follows the weights");
        assert!(browser.exists("[data-testid=draft-dirty]").await?);

        // Lenient thresholds (rises apply at once, whatever the downgrade protection).
        for (n, v) in [(2, "1"), (3, "2"), (4, "3"), (5, "4")] {
            browser.set_value(&format!("[data-testid=threshold-{n}]"), v, "change").await?;
        }
        let started = std::time::Instant::now();
        while browser.text("[data-testid=preview-row]:nth-child(2) [data-testid=preview-stars]").await? != "★★★★★"
            && started.elapsed() < WAIT
        {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        browser.screenshot("ratings-draft-zh-CN-desktop").await?;
        // What the browser computed for the picked customer under the draft.
        let expected = browser.script_string(
            &format!(
                "const row = [...document.querySelectorAll('[data-testid=preview-row]')]
                   .find(r => r.querySelector('a').getAttribute('href') === '{href}');
                 return String((row.querySelector('[data-testid=preview-stars]').textContent.match(/★/g) || []).length);"
            ),
        )
        .await?;
        assert!(expected.parse::<u32>()? > before, "the lenient draft lifts them ({before} -> {expected})");

        browser.click("[data-testid=simulate]").await?;
        browser.client().wait().at_most(WAIT * 3).for_element(Locator::Css("[data-testid=migration-matrix]")).await?;
        browser.wait_for_text_containing("[data-testid=simulation]", "300").await?;
        browser.client().execute("document.querySelector('[data-testid=simulation]').scrollIntoView()", vec![]).await?;
        browser.screenshot("ratings-simulation-zh-CN-desktop").await?;

        browser
            .client()
            .execute("document.querySelector('[data-testid=activate]').scrollIntoView({ block: 'center' })", vec![])
            .await?;
        browser.click("[data-testid=activate]").await?;
        browser.wait_for_text_containing("[data-testid=confirm-dialog]", "第 2 版").await?;
        browser.click("[data-testid=confirm]").await?;
        browser.wait_for_text_containing("[data-testid=active-version]", "2").await?;
        browser.wait_for_attribute("[data-testid=job-status]", "data-status", "succeeded").await?;
        browser.wait_for_text_containing("[data-testid=job-status]", "规则变更").await?;

        // The customer's stars rose as the preview said, and the explanation says why.
        browser.client().goto(&server.url(href)).await?;
        browser.wait_for_attribute("[data-testid=rating-stars]", "data-stars", &expected).await?;
        browser.wait_for_text_containing("[data-testid=star-explanation]", "近365天消费").await?;
        browser.wait_for_text_containing("[data-testid=star-history]", "规则变更").await?;
        browser.screenshot("customer-rating-zh-CN-desktop").await?;
        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text_containing("[data-testid=star-explanation]", "Spend in the last 365 days").await?;
        browser.wait_for_text_containing("[data-testid=star-history]", "Policy change").await?;
        browser.screenshot("customer-rating-en-desktop").await?;

        // Set by hand, with a reason; then back to the computed stars.
        browser.click("[data-testid=set-stars]").await?;
        browser.click("[data-testid=confirm-override]").await?;
        browser.wait_for_text_containing("[data-testid=override-dialog]", "This is required.").await?;
        browser.click("[data-testid=override-stars-1]").await?;
        browser.fill("[name=override-reason]", "Chargeback under review").await?;
        browser.click("[data-testid=confirm-override]").await?;
        browser.wait_for_attribute("[data-testid=rating-stars]", "data-stars", "1").await?;
        browser.wait_for_text_containing("[data-testid=manual-stars]", "Set by hand").await?;
        browser.wait_for_text_containing("[data-testid=notice]", "Stars set by hand").await?;
        browser.wait_for_text_containing("[data-testid=star-history]", "Chargeback under review").await?;
        browser.screenshot("customer-override-en-desktop").await?;
        browser.click("[data-testid=lift-override]").await?;
        browser.wait_for_attribute("[data-testid=rating-stars]", "data-stars", &expected).await?;
        assert!(!browser.exists("[data-testid=manual-stars]").await?);

        browser.client().goto(&server.url("/settings/benefits")).await?;
        browser.wait_for_text_containing("[data-testid=tier-5]", "Dedicated owner").await?;
        // The 5-star level gets the workspace's own name, shown with the stars from then on.
        browser.fill("[data-testid=tier-name-5]", "Diamond").await?;
        browser.screenshot("benefits-en-desktop").await?;
        browser.click("[data-testid=save-benefits]").await?;
        browser.wait_for_text_containing("[data-testid=notice]", "Benefits saved").await?;
        browser.client().refresh().await?;
        browser.wait_for_text_containing("[data-testid=tier-5]", "Dedicated owner").await?;
        assert_eq!(browser.value("[data-testid=tier-name-5]").await?.as_deref(), Some("Diamond"));
        browser.client().goto(&server.url("/")).await?;
        browser.wait_for_text_containing("[data-testid=customer-total]", "300").await?;
        browser.screenshot("dashboard-stars-en-desktop").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn the_ratings_pages_fit_a_phone_in_both_languages() -> anyhow::Result<()> {
    let (server, browser) = ratings_page(Viewport::Phone, "manager").await?;
    let result = async {
        let width = || async {
            anyhow::Ok(
                browser
                    .client()
                    .execute("return document.documentElement.scrollWidth", vec![])
                    .await?
                    .as_i64()
                    .unwrap_or(0),
            )
        };
        browser.screenshot("ratings-zh-CN-phone").await?;
        assert!(width().await? <= 375, "the ratings page does not scroll sideways on a phone");
        browser.click("[data-testid=simulate]").await?;
        browser
            .client()
            .wait()
            .at_most(WAIT * 3)
            .for_element(Locator::Css("[data-testid=migration-matrix]"))
            .await?;
        browser
            .client()
            .execute("document.querySelector('[data-testid=simulation]').scrollIntoView()", vec![])
            .await?;
        browser.screenshot("ratings-simulation-zh-CN-phone").await?;
        assert!(width().await? <= 375, "the simulation fits a phone");
        browser.client().execute("window.scrollTo(0, 0)", vec![]).await?;
        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text("[data-testid=page-title]", "Ratings").await?;
        browser.screenshot("ratings-en-phone").await?;
        let href = browser
            .script_string(
                "return document.querySelector('[data-testid=preview-row] a').getAttribute('href')",
            )
            .await?;
        browser.client().goto(&server.url(&href)).await?;
        browser
            .client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("[data-testid=star-explanation]"))
            .await?;
        browser.screenshot("customer-rating-en-phone").await?;
        assert!(width().await? <= 375, "the rating card fits a phone");
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

/// The demo's policy welcomes new customers with 3 stars for 30 days (新客户注册送星级): the
/// policy editor shows it; a customer entered today is shown 3 stars at once, marked as a welcome
/// beside the stars and in the explanation, in both languages and at phone width.
#[tokio::test]
async fn a_new_customer_is_shown_the_welcome_level_and_the_explanation_says_why() -> anyhow::Result<()> {
    let (server, browser) = ratings_page(Viewport::Desktop, "manager").await?;
    let owner = server.demo_api("owner").await?;
    let result = async {
        assert_eq!(
            browser
                .script_string("return String(document.querySelector('[data-testid=welcome-on]').checked)")
                .await?,
            "true"
        );
        assert_eq!(browser.value("[data-testid=welcome-days]").await?.as_deref(), Some("30"));
        browser.scroll_to("[data-testid=welcome]").await?;
        browser.screenshot("ratings-welcome-zh-CN-desktop").await?;
        let created = owner
            .execute(
                "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id stars } }",
                serde_json::json!({ "i": { "name": "林晓雨", "sourceChannel": "APP" } }),
            )
            .await?;
        assert_eq!(created.data()["createCustomer"]["stars"], 3, "{}", created.body);
        let id = created.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned();
        browser.client().goto(&server.url(&format!("/customers/{id}"))).await?;
        browser.wait_for_attribute("[data-testid=rating-stars]", "data-stars", "3").await?;
        browser.wait_for_text_containing("[data-testid=welcome-stars]", "新客送星").await?;
        browser.wait_for_text_containing("[data-testid=star-explanation]", "新客户注册送星级").await?;
        browser.wait_for_text_containing("[data-testid=star-history]", "新客户注册送星级").await?;
        browser.screenshot("customer-welcome-zh-CN-desktop").await?;
        browser.click("[data-testid='lang-en']").await?;
        browser
            .wait_for_text_containing(
                "[data-testid=star-explanation]",
                "New-customer welcome: shown as 3 stars",
            )
            .await?;
        browser.screenshot("customer-welcome-en-desktop").await?;
        anyhow::Ok(id)
    }
    .await;
    browser.close().await?;
    let id = result?;
    let phone = Browser::start(Viewport::Phone).await?;
    let result = async {
        sign_in(&phone, &server, "manager").await?;
        phone.client().goto(&server.url(&format!("/customers/{id}"))).await?;
        phone.wait_for_text_containing("[data-testid=welcome-stars]", "新客送星").await?;
        phone.scroll_to("[data-testid=star-explanation]").await?;
        phone.screenshot("customer-welcome-zh-CN-phone").await?;
        assert_eq!(phone.overflow_x().await?, 0, "the rating card fits a phone");
        // The member sees it too, in the business's app.
        let issued = owner
            .execute(
                "mutation($c: ID!) { issueMemberToken(customerId: $c) { token } }",
                serde_json::json!({ "c": id }),
            )
            .await?;
        let token = issued.data()["issueMemberToken"]["token"].as_str().unwrap_or_default().to_owned();
        phone.client().goto(&server.url(&format!("/member#token={token}"))).await?;
        phone.wait_for_text_containing("[data-testid=member-welcome]", "新客送星").await?;
        phone.screenshot("member-welcome-zh-CN-phone").await?;
        phone.click("[data-testid='lang-en']").await?;
        phone.wait_for_text_containing("[data-testid=member-welcome]", "Welcome stars").await?;
        phone.screenshot("member-welcome-en-phone").await?;
        anyhow::Ok(())
    }
    .await;
    phone.close().await?;
    result
}
