//! What a shop manager and an agent saw on a tour of the seeded demo, checked in the browser in
//! both languages and at phone width (issue 16): stars in the customer list (filter, sort,
//! the dashboard's bars as links), the new-customer form naming who already has a phone, the
//! rating card's hint matching what a purchase really does, the override dialog, money input,
//! the audit log in words, and the ratings and benefits editors with units.

use starcrm_e2e::browser::{Viewport, WAIT};
use starcrm_e2e::flows::sign_in;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, Server};

async fn seeded() -> anyhow::Result<Server> {
    Server::start_with(ServerOptions { mode: "production", web: true, seed: true }).await
}

/// Runs `steps` in a fresh browser signed in as `role`, closing the browser either way.
async fn as_role<F, Fut>(server: &Server, viewport: Viewport, role: &str, steps: F) -> anyhow::Result<()>
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = (Browser, anyhow::Result<()>)>,
{
    let browser = Browser::start(viewport).await?;
    sign_in(&browser, server, role).await?;
    let (browser, result) = steps(browser).await;
    browser.close().await?;
    result
}

/// The number of filled stars in each listed customer's stars cell.
async fn listed_stars(browser: &Browser) -> anyhow::Result<Vec<usize>> {
    let text = browser
        .script_string(
            "return [...document.querySelectorAll('[data-testid=customer-row] td.nowrap .stars')]
               .map(s => (s.textContent.match(/★/g) || []).length).join(',')",
        )
        .await?;
    Ok(text.split(',').filter_map(|n| n.parse().ok()).collect())
}

async fn wait_for_rows(browser: &Browser) -> anyhow::Result<()> {
    browser.wait_for("[data-testid=customer-row]").await?;
    Ok(())
}

#[tokio::test]
async fn a_dashboard_bar_opens_the_list_filtered_to_its_stars_and_the_list_sorts_by_stars()
-> anyhow::Result<()> {
    let server = seeded().await?;
    let server = &server;
    as_role(server, Viewport::Desktop, "manager", |browser| async move {
        let result = async {
            browser.wait_for_text_containing("[data-testid=customer-total]", "300").await?;
            let bar = "[data-testid=star-bar][data-level='4']";
            let expected = browser.text(&format!("{bar} .star-bars__count")).await?;
            browser.click(bar).await?;
            browser.wait_for_path("/customers?stars=4").await?;
            wait_for_rows(&browser).await?;
            assert_eq!(browser.value("[data-testid=stars-filter]").await?.as_deref(), Some("4"));
            browser.wait_for_text_containing("[data-testid=list-count]", &expected).await?;
            let stars = listed_stars(&browser).await?;
            assert!(!stars.is_empty() && stars.iter().all(|s| *s == 4), "only 4★: {stars:?}");
            browser.screenshot("customers-stars-filter-zh-CN-desktop").await?;
            // The filter is in the address: a reload keeps it.
            browser.client().refresh().await?;
            wait_for_rows(&browser).await?;
            assert!(listed_stars(&browser).await?.iter().all(|s| *s == 4));
            // All stars, most first.
            browser.select("[data-testid=stars-filter]", "").await?;
            browser.wait_for_path("/customers").await?;
            browser.select("[data-testid=sort]", "stars").await?;
            let started = std::time::Instant::now();
            let mut sorted = Vec::new();
            while started.elapsed() < WAIT {
                sorted = listed_stars(&browser).await?;
                if sorted.first() == Some(&5) && sorted.windows(2).all(|w| w[0] >= w[1]) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            }
            assert!(sorted.first() == Some(&5) && sorted.windows(2).all(|w| w[0] >= w[1]), "{sorted:?}");
            browser.click("[data-testid='lang-en']").await?;
            browser.wait_for_text("[data-testid=page-title]", "Customers").await?;
            browser.screenshot("customers-stars-sorted-en-desktop").await?;
            anyhow::Ok(())
        }
        .await;
        (browser, result)
    })
    .await
}

#[tokio::test]
async fn a_phone_shows_the_stars_column_and_filter_in_both_languages() -> anyhow::Result<()> {
    let server = seeded().await?;
    let server = &server;
    as_role(server, Viewport::Phone, "agent", |browser| async move {
        let result = async {
            browser.client().goto(&server.url("/customers?stars=5")).await?;
            wait_for_rows(&browser).await?;
            let stars = listed_stars(&browser).await?;
            assert!(!stars.is_empty() && stars.iter().all(|s| *s == 5), "{stars:?}");
            let shown = browser
                .script_string(
                    "const c = document.querySelector('[data-testid=customer-row] td.nowrap');
                     return c && c.offsetWidth > 0 ? 'yes' : 'no'",
                )
                .await?;
            assert_eq!(shown, "yes", "the stars column stays on a phone");
            assert_eq!(browser.overflow_x().await?, 0, "the page does not scroll sideways");
            browser.screenshot("customers-stars-zh-CN-phone").await?;
            browser.click("[data-testid='lang-en']").await?;
            browser.wait_for_text("[data-testid=page-title]", "Customers").await?;
            browser.screenshot("customers-stars-en-phone").await?;
            // The dashboard on a phone, bars and all.
            browser.click(".topbar__menu").await?;
            browser.click("[data-testid=nav-dashboard]").await?;
            browser.wait_for("[data-testid=star-bar]").await?;
            browser.scroll_to("[data-testid=close-to-dropping]").await?;
            browser.screenshot("dashboard-lists-en-phone").await?;
            anyhow::Ok(())
        }
        .await;
        (browser, result)
    })
    .await
}

#[tokio::test]
async fn a_new_customer_with_a_known_phone_shows_who_has_it_before_saving() -> anyhow::Result<()> {
    let server = seeded().await?;
    let server = &server;
    for (viewport, lang) in [(Viewport::Desktop, "zh-CN"), (Viewport::Phone, "en")] {
        as_role(server, viewport, "agent", |browser| async move {
            let result = async {
                // 166…: a prefix the seed never generates, so nobody else has it.
                let phone = if lang == "en" { "16600005678" } else { "16600001234" };
                browser.client().goto(&server.url("/customers")).await?;
                if lang == "en" {
                    browser.click("[data-testid='lang-en']").await?;
                }
                // A first customer with the phone.
                browser.click("[data-testid=add-customer]").await?;
                browser.fill("[name=customer-name]", "周杰").await?;
                browser.fill("[name=customer-phone]", phone).await?;
                browser.click("[data-testid=create-customer]").await?;
                browser.wait_for_text_containing("[data-testid=notice]", "C").await?;
                // A second one with the same phone, written differently: named before saving.
                browser.click("[data-testid=add-customer]").await?;
                browser.fill("[name=customer-name]", "周杰伦").await?;
                browser
                    .fill(
                        "[name=customer-phone]",
                        &format!("+86 {} {} {}", &phone[..3], &phone[3..7], &phone[7..]),
                    )
                    .await?;
                browser.wait_for_text_containing("[data-testid=duplicate-warning]", "周杰").await?;
                let button = browser.text("[data-testid=create-customer]").await?;
                assert_eq!(button, if lang == "en" { "Create anyway" } else { "仍然新建" });
                browser.scroll_to("[data-testid=duplicate-warning]").await?;
                browser.screenshot(&format!("new-customer-duplicate-{lang}-{}", viewport.name())).await?;
                let href =
                    browser.attribute("[data-testid=existing-customer]", "href").await?.unwrap_or_default();
                assert!(href.starts_with("/customers/"), "{href}");
                browser.click("[data-testid=existing-customer]").await?;
                browser.wait_for_path(&href).await?;
                browser.wait_for_text("[data-testid=page-title]", "周杰").await?;
                anyhow::Ok(())
            }
            .await;
            (browser, result)
        })
        .await?;
    }
    Ok(())
}

/// Opens the customer page of the first listed customer with `stars`.
async fn open_customer_with(browser: &Browser, server: &Server, stars: u8) -> anyhow::Result<String> {
    browser.client().goto(&server.url(&format!("/customers?stars={stars}"))).await?;
    wait_for_rows(browser).await?;
    let href = browser.attribute("[data-testid=customer-row] [data-testid=customer-link]", "href").await?;
    let href = href.unwrap_or_default();
    browser.client().goto(&server.url(&href)).await?;
    browser.wait_for("[data-testid=star-explanation]").await?;
    Ok(href)
}

#[tokio::test]
async fn the_hint_names_a_purchase_that_really_earns_the_next_star() -> anyhow::Result<()> {
    let server = seeded().await?;
    let server = &server;
    as_role(server, Viewport::Desktop, "manager", |browser| async move {
        let result = async {
            open_customer_with(&browser, server, 2).await?;
            // The seed's ratings only: the month ends it replayed (scheduled runs) and its first
            // rating today, never a manual run.
            let history = browser.wait_for_text_containing("[data-testid=star-history]", "评定").await?;
            assert!(
                (history.contains("定期评定") || history.contains("首次评定")) && !history.contains("手动评定"),
                "{history}"
            );
            let next: u8 = browser.attribute("[data-testid=star-explanation]", "data-next-stars").await?.unwrap_or_default().parse()?;
            let minor: i64 = browser.attribute("[data-testid=star-explanation]", "data-next-purchase").await?.unwrap_or_default().parse()?;
            browser.wait_for_text_containing("[data-testid=star-explanation]", &format!("即可达到 {next} 星")).await?;
            browser.scroll_to("[data-testid=rating-card]").await?;
            browser.screenshot("customer-hint-zh-CN-desktop").await?;

            // Money with three decimals says so, in words.
            browser.client().execute("window.scrollTo(0, 0)", vec![]).await?;
            browser.click("[data-testid=record-purchase]").await?;
            browser.fill("[name=purchase-amount]", "12.345").await?;
            browser.wait_for_text_containing("[data-testid=record-purchase-dialog]", "最多保留 2 位小数").await?;
            browser.screenshot("purchase-decimals-zh-CN-desktop").await?;
            // The purchase the hint names (whole yuan, rounded up as the hint says it).
            let yuan = (minor + 99) / 100;
            browser.fill("[name=purchase-amount]", &yuan.to_string()).await?;
            browser.click("[data-testid=save-purchase]").await?;
            let started = std::time::Instant::now();
            let mut stars = 0;
            while started.elapsed() < WAIT * 2 {
                stars = browser.attribute("[data-testid=rating-stars]", "data-stars").await?.unwrap_or_default().parse().unwrap_or(0);
                if stars >= next {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            assert!(stars >= next, "the badge after the purchase the hint named: {stars} < {next}");
            browser.click("[data-testid='lang-en']").await?;
            browser.wait_for_text_containing("[data-testid=star-history]", "Purchase").await?;
            browser.scroll_to("[data-testid=rating-card]").await?;
            browser.screenshot("customer-after-purchase-en-desktop").await?;

            // The override dialog starts from the stars they have.
            browser.scroll_to("[data-testid=set-stars]").await?;
            browser.click("[data-testid=set-stars]").await?;
            let checked = browser
                .script_string("const c = document.querySelector('[name=override-stars]:checked'); return c ? c.value : ''")
                .await?;
            assert_eq!(checked, stars.to_string(), "preselected: the current stars");
            browser.screenshot("override-dialog-en-desktop").await?;
            let set = if stars == 4 { 3 } else { 4 };
            browser.click(&format!("[data-testid=override-stars-{set}]")).await?;
            browser.fill("[name=override-reason]", "VIP event").await?;
            browser.click("[data-testid=confirm-override]").await?;
            browser.wait_for_attribute("[data-testid=rating-stars]", "data-stars", &set.to_string()).await?;
            browser.wait_for_text_containing("[data-testid=star-explanation]", &format!("Set by hand to {set} stars")).await?;
            let hint = browser.text("[data-testid=star-explanation]").await?;
            // From the stars shown: never "to reach" the level they have; a purchase sentence,
            // if any, says it moves the score, not the stars set by hand.
            assert!(!hint.contains(&format!("earn {set} stars")), "{hint}");
            assert!(!hint.contains("today would earn") || hint.contains("While set by hand"), "{hint}");
            browser.scroll_to("[data-testid=rating-card]").await?;
            browser.screenshot("customer-override-hint-en-desktop").await?;

            // The audit log says it in words, in both languages, the reason as written.
            browser.client().goto(&server.url("/settings/audit")).await?;
            let row = "[data-testid=audit-row][data-action='customer.stars_overridden']";
            browser.wait_for_text_containing(&format!("{row} [data-testid=audit-action-label]"), "Set stars by hand").await?;
            browser.wait_for_text_containing(&format!("{row} [data-testid=audit-details]"), &format!("{stars}★ → {set}★")).await?;
            browser.wait_for_text_containing(&format!("{row} [data-testid=audit-reason]"), "VIP event").await?;
            browser.screenshot("audit-en-desktop").await?;
            browser.click("[data-testid='lang-zh-CN']").await?;
            browser.wait_for_text_containing(&format!("{row} [data-testid=audit-action-label]"), "人工设定星级").await?;
            let details = browser.text(&format!("{row} [data-testid=audit-details]")).await?;
            assert!(details.contains("原因") && details.contains("VIP event"), "{details}");
            assert!(!browser.text("[data-testid=audit-table]").await?.contains("customer.stars_overridden"));
            browser.screenshot("audit-zh-CN-desktop").await?;
            anyhow::Ok(())
        }
        .await;
        (browser, result)
    })
    .await
}

#[tokio::test]
async fn the_audit_log_and_a_customers_rating_fit_a_phone() -> anyhow::Result<()> {
    let server = seeded().await?;
    let server = &server;
    as_role(server, Viewport::Phone, "owner", |browser| async move {
        let result = async {
            open_customer_with(&browser, server, 3).await?;
            browser.scroll_to("[data-testid=star-history]").await?;
            browser.screenshot("customer-history-one-state-zh-CN-phone").await?;
            browser.client().goto(&server.url("/settings/audit")).await?;
            browser.wait_for("[data-testid=audit-row]").await?;
            browser.wait_for_text_containing("[data-testid=audit-table]", "登录").await?;
            browser.screenshot("audit-zh-CN-phone").await?;
            browser.click("[data-testid='lang-en']").await?;
            browser.wait_for_text_containing("[data-testid=audit-table]", "Signed in").await?;
            browser.screenshot("audit-en-phone").await?;
            anyhow::Ok(())
        }
        .await;
        (browser, result)
    })
    .await
}

#[tokio::test]
async fn the_rating_rules_have_units_editable_steps_and_reversible_weights() -> anyhow::Result<()> {
    let server = seeded().await?;
    let server = &server;
    as_role(server, Viewport::Desktop, "manager", |browser| async move {
        let result = async {
            browser.client().goto(&server.url("/ratings")).await?;
            browser.wait_for("[data-testid=preview-row]").await?;
            assert!(!browser.exists("[data-testid=read-only-note]").await?);
            // Units beside the caps: tenure in days.
            browser.wait_for_text_containing("[data-testid=rule-tenure]", "天").await?;
            assert_eq!(browser.value("[data-testid=cap-tenure]").await?.as_deref(), Some("730"));

            // A slider dragged away and back gives back every weight.
            let weights = || {
                browser.script_string(
                    "return [...document.querySelectorAll('[data-testid^=weight-]')].map(w => w.value).join(',')",
                )
            };
            let before = weights().await?;
            for value in ["60", "90", "100", "5", "30"] {
                browser.set_value("[data-testid=weight-monetary]", value, "input").await?;
            }
            browser.set_value("[data-testid=weight-monetary]", "30", "change").await?;
            assert_eq!(weights().await?, before, "back where the drag started");

            // The recency step table is editable: a new step re-scores the preview.
            let steps = "[data-testid=rule-recency] [data-testid=step-row]";
            let rows = browser.count(steps).await?;
            browser.click("[data-testid=rule-recency] [data-testid=add-step]").await?;
            assert_eq!(browser.count(steps).await?, rows + 1);
            // The first row (querySelector takes the first match).
            let threshold = format!("{steps} [data-testid=step-threshold]");
            browser.set_value(&threshold, "45", "change").await?;
            assert_eq!(browser.value(&threshold).await?.as_deref(), Some("45"));
            assert!(browser.exists("[data-testid=draft-dirty]").await?);
            browser.scroll_to("[data-testid=rule-recency]").await?;
            browser.screenshot("ratings-units-steps-zh-CN-desktop").await?;
            browser.click("[data-testid='lang-en']").await?;
            browser.wait_for_text_containing("[data-testid=rule-tenure]", "days").await?;
            browser.screenshot("ratings-units-steps-en-desktop").await?;

            browser.client().goto(&server.url("/settings/benefits")).await?;
            browser.wait_for_text_containing("[data-testid=tier-5]", "% off").await?;
            browser.screenshot("benefits-units-en-desktop").await?;
            browser.click("[data-testid='lang-zh-CN']").await?;
            browser.wait_for_text_containing("[data-testid=tier-5]", "% 折扣").await?;
            browser.screenshot("benefits-units-zh-CN-desktop").await?;
            anyhow::Ok(())
        }
        .await;
        (browser, result)
    })
    .await?;
    // Read-only users are told so, on a phone too.
    as_role(server, Viewport::Phone, "agent", |browser| async move {
        let result = async {
            browser.client().goto(&server.url("/ratings")).await?;
            browser.wait_for_text_containing("[data-testid=read-only-note]", "没有修改权限").await?;
            browser.screenshot("ratings-read-only-zh-CN-phone").await?;
            browser.click("[data-testid='lang-en']").await?;
            browser.wait_for_text_containing("[data-testid=read-only-note]", "not change them").await?;
            assert_eq!(browser.overflow_x().await?, 0);
            browser.screenshot("ratings-read-only-en-phone").await?;
            browser.client().goto(&server.url("/settings/benefits")).await?;
            browser.wait_for_text_containing("[data-testid=read-only-note]", "not change them").await?;
            browser.screenshot("benefits-read-only-en-phone").await?;
            anyhow::Ok(())
        }
        .await;
        (browser, result)
    })
    .await
}
