//! The SPA in headless Chromium against the real server: the dashboard shows the workspace's
//! figures and the account page the server's info, the language switch works and is remembered, the 404 page and the error view render. Each
//! state is saved as a screenshot under target/e2e-screenshots/ in both languages, at desktop
//! and at phone width.

use fantoccini::Locator;
use starcrm_e2e::browser::{Viewport, WAIT};
use starcrm_e2e::db::Engine;
use starcrm_e2e::flows::sign_in;
use starcrm_e2e::server::ServerOptions;
use starcrm_e2e::{Browser, Server};

fn development_with_web() -> ServerOptions {
    ServerOptions { mode: "development", web: true, seed: true }
}

#[tokio::test]
async fn the_dashboard_shows_the_workspace_and_switches_language_at_desktop_width() -> anyhow::Result<()> {
    home_page_flow(Viewport::Desktop).await
}

#[tokio::test]
async fn the_dashboard_shows_the_workspace_and_switches_language_at_phone_width() -> anyhow::Result<()> {
    home_page_flow(Viewport::Phone).await
}

async fn home_page_flow(viewport: Viewport) -> anyhow::Result<()> {
    let server = Server::start_with(development_with_web()).await?;
    let browser = Browser::start(viewport).await?;
    let result = async {
        let size = viewport.name();
        sign_in(&browser, &server, "owner").await?;

        // zh-CN is the default language. The dashboard shows the workspace's figures.
        browser.wait_for_text("[data-testid=page-title]", "仪表盘").await?;
        browser.wait_for_text("[data-testid=figure-customers]", "300").await?;
        browser.wait_for("[data-testid=recent-change]").await?;
        browser.wait_for("[data-testid=star-bar]").await?;
        assert!(!browser.exists("[data-testid=server-info]").await?, "no developer card on the dashboard");
        let page = browser.script_string("return document.querySelector('main').innerText").await?;
        assert!(!page.contains("即将推出"), "nothing on the dashboard is 'coming soon': {page}");
        assert_eq!(browser.attribute("html", "lang").await?.as_deref(), Some("zh-CN"));
        assert_eq!(browser.client().title().await?, "仪表盘 · StarCRM");
        browser.screenshot(&format!("dashboard-zh-CN-{size}")).await?;
        assert_fits(&browser).await?;

        // The server's version, database and mode are on the account page.
        let database = match Engine::current() {
            Engine::Sqlite => ("SQLite（内嵌）", "SQLite (embedded)"),
            Engine::Postgres => ("PostgreSQL", "PostgreSQL"),
        };
        browser.client().goto(&server.url("/settings/account")).await?;
        browser.wait_for_text("[data-testid=server-version]", env!("CARGO_PKG_VERSION")).await?;
        browser.wait_for_text("[data-testid=server-database]", database.0).await?;
        browser.wait_for_text("[data-testid=server-mode]", "开发").await?;

        // Switch to English: every string follows, the choice survives a reload.
        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text("[data-testid=server-database]", database.1).await?;
        assert_eq!(
            browser.attribute("[data-testid='lang-en']", "aria-pressed").await?.as_deref(),
            Some("true")
        );
        browser.client().refresh().await?;
        browser.wait_for_text("[data-testid=server-mode]", "Development").await?;
        assert_eq!(browser.attribute("html", "lang").await?.as_deref(), Some("en"));
        browser.client().goto(&server.url("/")).await?;
        browser.wait_for_text("[data-testid=page-title]", "Dashboard").await?;
        browser.wait_for_text_containing("[data-testid=recent-changes]", "Recent star changes").await?;
        browser.wait_for("[data-testid=recent-change]").await?;
        browser.screenshot(&format!("dashboard-en-{size}")).await?;

        // The page runs under the server's Content-Security-Policy without a single violation
        // (the loader Trunk inlines is allowed by its hash) ...
        assert_eq!(csp_violations(&server).await?, 0, "the app itself breaks no CSP rule");
        // ... and the policy is really enforced: an image from elsewhere is blocked and reported.
        browser
            .client()
            .execute(
                "const img = document.createElement('img'); img.src = 'https://elsewhere.invalid/x.png'; document.body.appendChild(img);",
                vec![],
            )
            .await?;
        let deadline = std::time::Instant::now() + WAIT;
        while csp_violations(&server).await? == 0 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(csp_violations(&server).await?, 1, "a foreign image is blocked and reported");

        assert_fits(&browser).await?;

        if let Viewport::Phone = viewport {
            // The side navigation is a drawer on phones.
            let nav = browser.client().find(Locator::Css("#side-nav")).await?;
            assert!(nav_is_off_screen(&browser).await?, "drawer starts closed");
            browser.click(".topbar__menu").await?;
            wait_until(|| async { nav_is_fully_on_screen(&browser).await }).await?;
            assert!(nav.text().await?.contains("Customers"));
            browser.screenshot("navigation-en-phone").await?;
            browser.click("[data-testid='lang-zh-CN']").await?;
            browser.wait_for_text("[data-testid=nav-dashboard]", "仪表盘").await?;
            browser.screenshot("navigation-zh-CN-phone").await?;
            assert_eq!(browser.attribute(".topbar__menu", "aria-expanded").await?.as_deref(), Some("true"));
            browser.click(".topbar__menu").await?;
            wait_until(|| async { nav_is_off_screen(&browser).await }).await?;
        }
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

#[tokio::test]
async fn unknown_routes_show_the_404_page_in_both_languages() -> anyhow::Result<()> {
    let server = Server::start_with(development_with_web()).await?;
    for viewport in [Viewport::Desktop, Viewport::Phone] {
        let browser = Browser::start(viewport).await?;
        let result = async {
            sign_in(&browser, &server, "owner").await?;
            browser.client().goto(&server.url("/no/such/page")).await?;
            browser.wait_for_text("[data-testid=not-found] h1", "页面不存在").await?;
            browser.screenshot(&format!("not-found-zh-CN-{}", viewport.name())).await?;
            browser.click("[data-testid='lang-en']").await?;
            browser.wait_for_text("[data-testid=not-found] h1", "Page not found").await?;
            browser.screenshot(&format!("not-found-en-{}", viewport.name())).await?;
            // The way back is a client-side navigation.
            browser.click("[data-testid=not-found] a").await?;
            browser.wait_for_text("[data-testid=page-title]", "Dashboard").await?;
            anyhow::Ok(())
        }
        .await;
        browser.close().await?;
        result?;
    }
    Ok(())
}

#[tokio::test]
async fn an_unreachable_server_shows_the_error_view_with_a_retry() -> anyhow::Result<()> {
    let server = Server::start_with(development_with_web()).await?;
    let browser = Browser::start(Viewport::Desktop).await?;
    let result = async {
        // Load the app, then take the server away and navigate inside the app.
        sign_in(&browser, &server, "owner").await?;
        browser.client().goto(&server.url("/nowhere")).await?;
        browser.wait_for_text("[data-testid=not-found] h1", "页面不存在").await?;
        let stopped = server.stop().await?;
        assert!(stopped.success());
        browser.click("[data-testid=not-found] a").await?;
        let view = browser
            .client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("[data-testid=error-view]"))
            .await?;
        assert_eq!(view.attr("data-error-code").await?.as_deref(), Some("NETWORK"));
        browser.wait_for_text("[data-testid=error-view] h2", "无法连接服务器").await?;
        browser.screenshot("error-network-zh-CN-desktop").await?;
        browser.click("[data-testid='lang-en']").await?;
        browser.wait_for_text("[data-testid=error-view] h2", "Cannot reach the server").await?;
        browser.wait_for_text("[data-testid=error-view] button", "Try again").await?;
        browser.screenshot("error-network-en-desktop").await?;
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

/// Nothing sticks out sideways: the page fits the screen's width.
async fn assert_fits(browser: &Browser) -> anyhow::Result<()> {
    let overflow = browser
        .client()
        .execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![])
        .await?;
    assert!(overflow.as_i64().is_some_and(|px| px <= 0), "horizontal overflow of {overflow} px");
    Ok(())
}

/// Whether the phone drawer has finished sliding in.
async fn nav_is_fully_on_screen(browser: &Browser) -> anyhow::Result<bool> {
    nav_rect_check(browser, "rect.left >= 0").await
}

/// Whether the phone drawer is entirely out of view.
async fn nav_is_off_screen(browser: &Browser) -> anyhow::Result<bool> {
    nav_rect_check(browser, "rect.right <= 0").await
}

async fn nav_rect_check(browser: &Browser, condition: &str) -> anyhow::Result<bool> {
    let script = format!(
        "const rect = document.getElementById('side-nav').getBoundingClientRect(); return {condition};"
    );
    Ok(browser.client().execute(&script, vec![]).await?.as_bool().unwrap_or(false))
}

async fn wait_until<F, Fut>(mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<bool>>,
{
    let started = std::time::Instant::now();
    while started.elapsed() < WAIT {
        if check().await? {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("condition not met within {} s", WAIT.as_secs())
}

/// `starcrm_csp_violations_total` from the server's metrics.
async fn csp_violations(server: &Server) -> anyhow::Result<u64> {
    let metrics = reqwest::get(server.url("/metrics")).await?.text().await?;
    Ok(metrics
        .lines()
        .find_map(|line| line.strip_prefix("starcrm_csp_violations_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_default())
}
