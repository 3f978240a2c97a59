//! The SPA's files. Rules:
//! - a path whose last segment has a dot is a file: served if it exists (404 otherwise);
//!   Trunk's content-hashed assets are cached for a year, anything else is revalidated;
//! - any other path is a client-side route: `index.html`, never stored (`no-store`), so a new
//!   release is picked up on the next load and, after signing out, the back button cannot bring
//!   a signed-in page back from the browser's cache.
//!
//! Compression comes from the router's `CompressionLayer`.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::state::AppState;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";
const NEVER_STORE: &str = "no-store";

pub async fn spa(State(state): State<AppState>, request: Request) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let dir = state.web_dir.as_path();
    let index = dir.join("index.html");
    if !index.is_file() {
        return (
            StatusCode::NOT_FOUND,
            format!(
                "The StarCRM web app is not installed on this server (no index.html in {}). \
                 Build it with scripts/build-web or set STARCRM_WEB_DIR.\n",
                dir.display()
            ),
        )
            .into_response();
    }
    let file_name = request.uri().path().rsplit('/').next().unwrap_or_default().to_owned();
    let is_page = !file_name.contains('.') || file_name == "index.html";
    let (response, cache) = if is_page {
        (ServeFile::new(&index).oneshot(request).await, NEVER_STORE)
    } else {
        let cache = if is_content_hashed(&file_name) { IMMUTABLE } else { REVALIDATE };
        (ServeDir::new(dir).oneshot(request).await, cache)
    };
    let mut response = match response {
        Ok(response) => response.map(Body::new),
        Err(err) => {
            tracing::error!(error = %err, "cannot read web app file");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    if is_page {
        // Read per request (a few KB): a rebuilt web app brings new inline-script hashes.
        let html = tokio::fs::read_to_string(&index).await.unwrap_or_default();
        if let Ok(policy) = HeaderValue::from_str(&super::security::spa_policy(&html)) {
            response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    response
}

/// Trunk names hashed assets `<name>-<hash>.<ext>` (the wasm `<name>-<hash>_bg.wasm`, snippets
/// `<hash>-<name>`), the hash being a u64 in hex without leading zeros.
fn is_content_hashed(file_name: &str) -> bool {
    let is_hash = |s: &str| (8..=16).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit());
    let stem = file_name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| is_hash(hash))
        || stem.split_once('-').is_some_and(|(hash, _)| is_hash(hash))
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn recognises_trunk_hashed_asset_names() {
        assert!(is_content_hashed("starcrm-web-0123456789abcdef_bg.wasm"));
        assert!(is_content_hashed("starcrm-web-0123456789abcdef.js"));
        assert!(is_content_hashed("main-fedcba98765432.css"));
        assert!(is_content_hashed("9af3b2c1d4e5f6a7-snippet.js"));
        assert!(!is_content_hashed("favicon.svg"));
        assert!(!is_content_hashed("robots.txt"));
        assert!(!is_content_hashed("main-xyz.css"));
    }
}
