//! Headless Chromium through chromedriver (WebDriver), one browser per test.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tempfile::TempDir;

use crate::build;

/// Window sizes the SPA must look right at.
#[derive(Clone, Copy, Debug)]
pub enum Viewport {
    Desktop,
    /// A 375 px wide phone.
    Phone,
}

impl Viewport {
    /// Chromium options for this viewport. A desktop window cannot be narrower than 500 px, so
    /// the phone is emulated (CSS width 375, pixel ratio 2, touch), as the `DevTools` device mode does.
    fn chrome_options(self) -> (Vec<String>, Option<serde_json::Value>) {
        match self {
            Self::Desktop => (vec!["--window-size=1280,800".to_owned()], None),
            Self::Phone => (
                vec!["--window-size=600,1000".to_owned()],
                Some(
                    json!({ "deviceMetrics": { "width": 375, "height": 812, "pixelRatio": 2.0, "touch": true } }),
                ),
            ),
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Self::Desktop => "desktop",
            Self::Phone => "phone",
        }
    }
}

/// A chromedriver process and one WebDriver session on a fresh Chromium profile.
pub struct Browser {
    client: Option<Client>,
    driver: Child,
    profile: TempDir,
}

/// How long to wait for the page to show something before failing.
pub const WAIT: Duration = Duration::from_secs(20);

impl Browser {
    pub async fn start(viewport: Viewport) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let chromedriver =
            std::env::var("STARCRM_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so Chromium and its helpers can be ended together.
            .process_group(0)
            .spawn()
            .with_context(|| {
                format!("cannot start {chromedriver}: install chromium-driver (scripts/test does)")
            })?;
        let profile = tempfile::Builder::new().prefix("starcrm-chromium-").tempdir()?;
        let mut browser = Self { client: None, driver, profile };

        let (window_args, mobile_emulation) = viewport.chrome_options();
        let chromium = std::env::var("STARCRM_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--lang=zh-CN",
        ]
        .map(str::to_owned)
        .into();
        args.extend(window_args);
        args.push(format!("--user-data-dir={}", browser.profile.path().display()));
        let mut chrome_options = json!({ "binary": chromium, "args": args });
        if let Some(emulation) = mobile_emulation {
            chrome_options["mobileEmulation"] = emulation;
        }
        let capabilities = json!({ "browserName": "chrome", "goog:chromeOptions": chrome_options });
        let serde_json::Value::Object(capabilities) = capabilities else { bail!("capabilities") };

        // chromedriver may not accept connections right away.
        let started = Instant::now();
        let client = loop {
            let mut builder = ClientBuilder::new(HttpConnector::new());
            builder.capabilities(capabilities.clone());
            match builder.connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(client) => break client,
                Err(err) if started.elapsed() < Duration::from_secs(15) => {
                    let _ = err;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(err) => return Err(err).context("cannot open a WebDriver session"),
            }
        };
        browser.client = Some(client);
        Ok(browser)
    }

    pub fn client(&self) -> &Client {
        // Set in `start` before the value is returned; only `close` takes it.
        self.client.as_ref().unwrap_or_else(|| unreachable!("browser used after close"))
    }

    /// Waits for the element matching `css` and runs `action` on it. The SPA re-renders a node
    /// when its data arrives, so an element found a moment ago can be replaced before it is used
    /// ("stale element reference"), and one in a drawer that is still sliding in cannot be
    /// clicked yet ("element not interactable"): then it is looked up again, until `WAIT` has
    /// passed.
    async fn on_element<T, F, Fut>(&self, css: &str, mut action: F) -> anyhow::Result<T>
    where
        F: FnMut(fantoccini::elements::Element) -> Fut,
        Fut: Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        let started = Instant::now();
        loop {
            let element = self.client().wait().at_most(WAIT).for_element(Locator::Css(css)).await?;
            match action(element).await {
                Err(err)
                    if (err.is_stale_element_reference() || err.to_string().contains("not interactable"))
                        && started.elapsed() < WAIT =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                result => return result.with_context(|| css.to_owned()),
            }
        }
    }

    /// Waits until the element matching `css` exists and its text is `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> anyhow::Result<()> {
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < WAIT {
            if let Ok(element) = self.client().find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if last.trim() == expected {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{css}: expected text {expected:?}, last seen {last:?}")
    }

    /// Waits until the visible text of the element matching `css` contains `needle`; returns it.
    pub async fn wait_for_text_containing(&self, css: &str, needle: &str) -> anyhow::Result<String> {
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < WAIT {
            if let Ok(element) = self.client().find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if last.contains(needle) {
                    return Ok(last);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{css}: expected text containing {needle:?}, last seen {last:?}")
    }

    /// The value of attribute `name` on the element matching `css` (waits for the element).
    pub async fn attribute(&self, css: &str, name: &str) -> anyhow::Result<Option<String>> {
        self.on_element(css, |element| async move { element.attr(name).await }).await
    }

    /// The current value of the input matching `css` (waits for it).
    pub async fn value(&self, css: &str) -> anyhow::Result<Option<String>> {
        self.on_element(css, |element| async move { element.prop("value").await }).await
    }

    /// Replaces the text of the input matching `css` (waits for it).
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        self.on_element(css, |element| async move {
            element.clear().await?;
            element.send_keys(text).await
        })
        .await
    }

    /// Chooses the option with `value` in the `<select>` matching `css` (waits for it).
    pub async fn select(&self, css: &str, value: &str) -> anyhow::Result<()> {
        self.on_element(css, |element| async move { element.select_by_value(value).await }).await
    }

    /// How many elements match `css` right now.
    pub async fn count(&self, css: &str) -> anyhow::Result<usize> {
        Ok(self.client().find_all(Locator::Css(css)).await?.len())
    }

    /// The text of the element matching `css` (waits for it).
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        self.on_element(css, |element| async move { element.text().await }).await
    }

    /// Waits until the page's path (and query) starts with `prefix`.
    pub async fn wait_for_path(&self, prefix: &str) -> anyhow::Result<String> {
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < WAIT {
            let url = self.client().current_url().await?;
            last = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            if last.starts_with(prefix) {
                return Ok(last);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("expected to reach {prefix}, still at {last}")
    }

    /// Whether an element matching `css` exists right now (no waiting).
    pub async fn exists(&self, css: &str) -> anyhow::Result<bool> {
        Ok(!self.client().find_all(Locator::Css(css)).await?.is_empty())
    }

    /// Clicks the element matching `css` (waits for it). An element that a sticky header or
    /// footer covers (a long dialog scrolled by an earlier click) is scrolled to the middle of its
    /// scrolling box first, as a person would scroll to it.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        let first = self.on_element(css, |element| async move { element.click().await }).await;
        match first {
            Err(err) if format!("{err:#}").contains("click intercepted") => {
                self.client()
                    .execute(
                        "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' });",
                        vec![json!(css)],
                    )
                    .await?;
                self.on_element(css, |element| async move { element.click().await }).await
            }
            other => other,
        }
    }

    /// Waits until an element matches `css`.
    pub async fn wait_for(&self, css: &str) -> anyhow::Result<()> {
        self.client().wait().at_most(WAIT).for_element(Locator::Css(css)).await?;
        Ok(())
    }

    /// Waits until nothing matches `css` any more (a badge cleared, a dialog closed).
    pub async fn wait_for_gone(&self, css: &str) -> anyhow::Result<()> {
        let started = Instant::now();
        while self.exists(css).await? {
            if started.elapsed() > WAIT {
                bail!("{css} is still there after {} s", WAIT.as_secs());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Sets the value of the input matching `css` the way typing and leaving it would, firing
    /// `event` (`input` or `change`). For range sliders and dates, which `fill` cannot drive.
    pub async fn set_value(&self, css: &str, value: &str, event: &str) -> anyhow::Result<()> {
        self.client().wait().at_most(WAIT).for_element(Locator::Css(css)).await?;
        self.client()
            .execute(
                "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                 e.dispatchEvent(new Event(arguments[2], { bubbles: true }));",
                vec![json!(css), json!(value), json!(event)],
            )
            .await?;
        Ok(())
    }

    /// Runs `script` in the page and returns what it returns, as text (empty when not a string).
    pub async fn script_string(&self, script: &str) -> anyhow::Result<String> {
        Ok(self.client().execute(script, vec![]).await?.as_str().unwrap_or_default().to_owned())
    }

    /// Waits (up to three times [`WAIT`]) until attribute `name` of the element matching `css`
    /// is `expected`.
    pub async fn wait_for_attribute(&self, css: &str, name: &str, expected: &str) -> anyhow::Result<()> {
        let started = Instant::now();
        let mut seen = None;
        while started.elapsed() < WAIT * 3 {
            seen = self.attribute(css, name).await.ok().flatten();
            if seen.as_deref() == Some(expected) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        bail!("{css} [{name}]: expected {expected}, saw {seen:?}")
    }

    /// Scrolls the element matching `css` to the middle of the window.
    pub async fn scroll_to(&self, css: &str) -> anyhow::Result<()> {
        self.client().wait().at_most(WAIT).for_element(Locator::Css(css)).await?;
        self.client()
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' })",
                vec![json!(css)],
            )
            .await?;
        Ok(())
    }

    /// How far the page sticks out sideways, in CSS pixels (0 when it fits the window).
    pub async fn overflow_x(&self) -> anyhow::Result<i64> {
        let overflow = self
            .client()
            .execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![])
            .await?;
        Ok(overflow.as_i64().unwrap_or(i64::MAX).max(0))
    }

    /// Saves a PNG of the window to `target/e2e-screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = build::screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        let png = self.client().screenshot().await?;
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the WebDriver session (Chromium exits) and chromedriver.
    pub async fn close(mut self) -> anyhow::Result<()> {
        if let Some(client) = self.client.take() {
            client.close().await?;
        }
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // End chromedriver's whole process group (chromedriver, Chromium, helpers). The group id
        // is the driver's pid, never 0 or 1. Never use `kill -KILL -PGID` here: on Debian's procps
        // that form signals every process on the machine.
        let pgid = self.driver.id();
        if pgid > 1 {
            let _ = Command::new("kill").args(["-s", "KILL", "--", &format!("-{pgid}")]).status();
        }
        let _ = self.driver.wait();
    }
}
