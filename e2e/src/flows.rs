//! Steps many browser tests share.

use fantoccini::Locator;

use crate::browser::{Browser, WAIT};
use crate::server::{DEMO_PASSWORD, Server, demo_email};

/// Signs in through the sign-in page as the demo account of `role` (`owner`, `agent`, ...) and
/// waits for the app.
pub async fn sign_in(browser: &Browser, server: &Server, role: &str) -> anyhow::Result<()> {
    browser.client().goto(&server.url("/login")).await?;
    browser.fill("input[name=email]", &demo_email(role)).await?;
    browser.fill("input[name=password]", DEMO_PASSWORD).await?;
    browser.click("button[type=submit]").await?;
    browser.client().wait().at_most(WAIT).for_element(Locator::Css("[data-testid=user-menu]")).await?;
    Ok(())
}

/// Signs out with the user menu and waits for the sign-in page.
pub async fn sign_out(browser: &Browser) -> anyhow::Result<()> {
    browser.click("[data-testid=user-menu]").await?;
    browser.click("[data-testid=sign-out]").await?;
    browser.wait_for_path("/login").await?;
    Ok(())
}

/// Thousands grouped as the SPA shows them (`12,345`).
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
