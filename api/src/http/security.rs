//! Browser security headers that depend on the request or the files served: the web app's
//! Content-Security-Policy (with hashes of the inline scripts Trunk writes into `index.html`) and
//! HSTS when the request reached us over TLS.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// HSTS lifetime: one year, the preload lists' minimum.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The policy of the web app's page. Scripts: our own files, the inline loader Trunk writes
/// (allowed by its hash, not by `'unsafe-inline'`) and WebAssembly compilation. Styles: Leptos
/// sets `style` attributes, which only `'unsafe-inline'` allows; styles cannot run code.
/// Violations are reported to `/csp-report` and counted in the metrics.
pub fn spa_policy(index_html: &str) -> String {
    let mut hashes = String::new();
    for script in inline_scripts(index_html) {
        let digest = Sha256::digest(script.as_bytes());
        hashes.push_str(" 'sha256-");
        hashes.push_str(&base64::engine::general_purpose::STANDARD.encode(digest));
        hashes.push('\'');
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'; report-uri /csp-report"
    )
}

/// The text of every `<script>` element without a `src` in `html`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, body) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        body.split_once("</script>").map(|(script, _)| script)
    })
}

/// Adds `Strict-Transport-Security` to answers of requests that came over HTTPS, as a trusted
/// proxy says (`STARCRM_TRUST_PROXY` and `X-Forwarded-Proto: https`); this server speaks plain
/// HTTP itself, and HSTS over plain HTTP is ignored by browsers anyway.
pub async fn strict_transport(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let over_tls = state.settings.trust_proxy
        && request
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    let mut response = next.run(request).await;
    if over_tls {
        response.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::{inline_scripts, spa_policy};

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = r#"<head><script type="module" src="/app.js"></script>
            <script type="module">import init from '/app.js'; init();</script></head>"#;
        assert_eq!(inline_scripts(html).collect::<Vec<_>>(), vec!["import init from '/app.js'; init();"]);
        let policy = spa_policy(html);
        assert_eq!(policy.matches("'sha256-").count(), 1, "{policy}");
        let scripts = policy.split(';').find(|d| d.trim().starts_with("script-src")).unwrap_or_default();
        assert!(!scripts.contains("unsafe-inline"), "scripts never get unsafe-inline: {policy}");
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"), "{policy}");
    }
}
