//! How the server hosts the SPA: files, client-side-route fallback, cache headers, compression.

mod common;

use common::{Options, TestApp};
use reqwest::StatusCode;

const INDEX: &str = "<!DOCTYPE html><html><head><title>StarCRM</title></head><body>app</body></html>";
const HASHED_JS: &str = "starcrm-web-3f2a9c1d7e4b6a08.js";

async fn app_with_web_dir() -> anyhow::Result<(TestApp, tempfile::TempDir)> {
    let web = tempfile::tempdir()?;
    std::fs::write(web.path().join("index.html"), INDEX)?;
    // Large enough to be worth compressing.
    std::fs::write(web.path().join(HASHED_JS), "export function run() {}\n".repeat(200))?;
    std::fs::write(web.path().join("robots.txt"), "User-agent: *\nDisallow: /\n")?;
    let app = TestApp::start_with(Options { web_dir: Some(web.path().to_path_buf()), ..Options::default() })
        .await?;
    Ok((app, web))
}

#[tokio::test]
async fn client_side_routes_get_index_html_which_is_never_stored() -> anyhow::Result<()> {
    let (app, _web) = app_with_web_dir().await?;
    for path in ["/", "/customers", "/customers/01936f4e-0000-7000-8000-000000000000/timeline"] {
        let response = app.http.get(app.url(path)).send().await?;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        assert!(response.headers()["content-type"].to_str()?.starts_with("text/html"), "{path}");
        assert_eq!(response.text().await?, INDEX, "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_and_other_files_revalidate() -> anyhow::Result<()> {
    let (app, _web) = app_with_web_dir().await?;
    let js = app.http.get(app.url(&format!("/{HASHED_JS}"))).send().await?;
    assert_eq!(js.status(), StatusCode::OK);
    assert_eq!(js.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(js.headers()["content-type"].to_str()?.contains("javascript"));

    let robots = app.http.get(app.url("/robots.txt")).send().await?;
    assert_eq!(robots.status(), StatusCode::OK);
    assert_eq!(robots.headers()["cache-control"], "no-cache");
    Ok(())
}

#[tokio::test]
async fn a_missing_file_is_404_not_the_app() -> anyhow::Result<()> {
    let (app, _web) = app_with_web_dir().await?;
    let response = app.http.get(app.url("/starcrm-web-0000000000000000.js")).send().await?;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.headers().get("cache-control").is_none(), "a 404 must not be cached for a year");
    Ok(())
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() -> anyhow::Result<()> {
    let (app, _web) = app_with_web_dir().await?;
    let raw = reqwest::Client::builder().no_gzip().build()?;
    let compressed =
        raw.get(app.url(&format!("/{HASHED_JS}"))).header("accept-encoding", "gzip").send().await?;
    assert_eq!(compressed.headers()["content-encoding"], "gzip");
    let plain = raw.get(app.url(&format!("/{HASHED_JS}"))).send().await?;
    assert!(plain.headers().get("content-encoding").is_none());
    Ok(())
}

#[tokio::test]
async fn without_a_built_app_the_api_still_works_and_says_what_is_missing() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let page = app.http.get(app.url("/")).send().await?;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.text().await?.contains("web app is not installed"));
    assert_eq!(app.http.get(app.url("/healthz")).send().await?.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn path_traversal_cannot_escape_the_web_dir() -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    // The web dir sits next to a secret; raw requests (an HTTP client would normalise the dots
    // away) try to reach it.
    let root = tempfile::tempdir()?;
    let web = root.path().join("web");
    std::fs::create_dir(&web)?;
    std::fs::write(web.join("index.html"), INDEX)?;
    std::fs::write(root.path().join("secret.txt"), "TOP-SECRET")?;
    let app = TestApp::start_with(Options { web_dir: Some(web), ..Options::default() }).await?;
    let addr = app.base_url.trim_start_matches("http://").to_owned();

    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/a/../../secret.txt",
        "/%2e%2e%5csecret.txt",
    ] {
        let mut stream = tokio::net::TcpStream::connect(&addr).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        let status_line = response.lines().next().unwrap_or_default().to_owned();
        assert!(!response.contains("TOP-SECRET"), "{path} leaked the file: {status_line}");
        assert!(
            status_line.contains(" 404 ") || status_line.contains(" 400 "),
            "{path} should be refused, got {status_line}"
        );
    }
    Ok(())
}
