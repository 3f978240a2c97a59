//! The SPA's one GraphQL client. Pages call the typed functions in the submodules and never
//! build requests themselves. Every document sent lives in `web/graphql/*.graphql`, which an api
//! test executes against the server's schema so the two cannot drift apart.
//!
//! Sessions: the access token lives in memory only (never in storage, so a script injected into
//! the page cannot read it from there), the refresh token in an httpOnly cookie the server sets.
//! A request refused as `UNAUTHENTICATED` is retried once after a silent refresh; a refresh is
//! also scheduled a minute before the access token expires.

pub mod accounts;
pub mod analytics;
pub mod audit;
pub mod campaigns;
pub mod customers;
pub mod dashboard;
mod error;
pub mod imports;
pub mod insight;
pub mod live;
pub mod loyalty;
pub mod marketing;
pub mod notifications;
pub mod ratings;
pub mod rewards;
pub mod search;
pub mod service;
pub mod surveys;
pub mod system;
pub mod tokens;
pub mod users;
pub mod webhooks;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

pub use error::{ApiError, ErrorKind, WorkspaceChoice};

use futures_util::lock::Mutex;
use gloo_net::http::Request;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use starcrm_shared::account::Viewer;

const ENDPOINT: &str = "/graphql";

/// A change of session the UI must follow.
#[derive(Clone, Debug)]
pub enum SessionChange {
    SignedIn(Viewer),
    /// `expired`: the session ended by itself (or elsewhere), not by signing out here.
    SignedOut {
        expired: bool,
    },
}

struct Access {
    token: String,
}

type Listener = Rc<dyn Fn(SessionChange)>;

thread_local! {
    static ACCESS: RefCell<Option<Access>> = const { RefCell::new(None) };
    static LISTENER: RefCell<Option<Listener>> = RefCell::new(None);
    static REFRESH_LOCK: Rc<Mutex<()>> = Rc::new(Mutex::new(()));
}

/// Where session changes are reported (the session state sets this once).
pub fn set_session_listener(listener: impl Fn(SessionChange) + 'static) {
    LISTENER.with(|l| *l.borrow_mut() = Some(Rc::new(listener)));
}

fn notify(change: SessionChange) {
    if let Some(listener) = LISTENER.with(|l| l.borrow().clone()) {
        listener(change);
    }
}

pub(crate) fn current_token() -> Option<String> {
    ACCESS.with(|a| a.borrow().as_ref().map(|a| a.token.clone()))
}

/// The payload every sign-in, refresh and password change returns.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Tokens {
    access_token: String,
    access_token_expires_at: String,
    viewer: Viewer,
}

/// Keeps the new access token, tells the UI, and schedules the next silent refresh.
pub(crate) fn store(tokens: Tokens) -> Viewer {
    let token = tokens.access_token;
    ACCESS.with(|a| *a.borrow_mut() = Some(Access { token: token.clone() }));
    let expires_ms = js_sys::Date::parse(&tokens.access_token_expires_at);
    let wait_ms = (expires_ms - js_sys::Date::now() - 60_000.0).max(5_000.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let wait = Duration::from_millis(wait_ms as u64);
    leptos::prelude::set_timeout(
        move || {
            wasm_bindgen_futures::spawn_local(async move {
                if refresh_after(Some(token)).await.is_err() {
                    expire();
                }
            });
        },
        wait,
    );
    notify(SessionChange::SignedIn(tokens.viewer.clone()));
    tokens.viewer
}

/// Forgets the access token (signing out, or the session ended).
pub(crate) fn clear(expired: bool) {
    ACCESS.with(|a| *a.borrow_mut() = None);
    notify(SessionChange::SignedOut { expired });
}

fn expire() {
    if current_token().is_some() {
        clear(true);
    }
}

/// Gets a new access token with the refresh cookie, unless another request already did since
/// `stale` was the token in use (refreshes never run twice at once).
///
/// # Errors
/// The session is over (`UNAUTHENTICATED`) or the server cannot be reached.
pub(crate) async fn refresh_after(stale: Option<String>) -> Result<(), ApiError> {
    let lock = REFRESH_LOCK.with(Rc::clone);
    let _guard = lock.lock().await;
    if stale.is_some() && current_token().is_some() && current_token() != stale {
        // Someone refreshed while we waited (or this timer belongs to an older token).
        return Ok(());
    }
    accounts::refresh_session().await.map(|_| ())
}

#[derive(Serialize)]
struct Body<'a> {
    query: &'a str,
    variables: serde_json::Value,
}

/// The response as it arrives: `data` stays raw JSON until the caller's type reads it, so the
/// request code below exists once in the bundle rather than once per operation.
#[derive(Deserialize)]
struct Envelope {
    data: Option<Box<RawValue>>,
    #[serde(default)]
    errors: Vec<error::GraphqlError>,
}

/// Sends an operation as the signed-in user, refreshing the session once if the server says it
/// expired.
async fn execute<V: Serialize, T: DeserializeOwned>(document: &str, variables: &V) -> Result<T, ApiError> {
    decode(&execute_raw(document, encode(variables)?).await?)
}

/// One HTTP round trip without the refresh dance (sign-in, refresh, sign-out).
async fn send<V: Serialize, T: DeserializeOwned>(
    document: &str,
    variables: &V,
    token: Option<&str>,
) -> Result<T, ApiError> {
    decode(&send_raw(document, encode(variables)?, token).await?)
}

fn encode<V: Serialize>(variables: &V) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(variables).map_err(|err| ApiError::invalid_response(err.to_string()))
}

fn decode<T: DeserializeOwned>(data: &RawValue) -> Result<T, ApiError> {
    serde_json::from_str(data.get()).map_err(|err| ApiError::invalid_response(err.to_string()))
}

async fn execute_raw(document: &str, variables: serde_json::Value) -> Result<Box<RawValue>, ApiError> {
    let sent_with = current_token();
    match send_raw(document, variables.clone(), sent_with.as_deref()).await {
        Err(err) if err.is_unauthenticated() && sent_with.is_some() => {
            if refresh_after(sent_with).await.is_ok() {
                send_raw(document, variables, current_token().as_deref()).await
            } else {
                expire();
                Err(err)
            }
        }
        Err(err) if err.is(starcrm_shared::ErrorCode::Forbidden) => {
            // The role may have changed since sign-in: refresh what the UI thinks it may do.
            wasm_bindgen_futures::spawn_local(async {
                if let Ok(viewer) = accounts::viewer().await {
                    notify(SessionChange::SignedIn(viewer));
                }
            });
            Err(err)
        }
        other => other,
    }
}

/// One HTTP round trip: the operation's raw `data`, or its first error.
async fn send_raw(
    document: &str,
    variables: serde_json::Value,
    token: Option<&str>,
) -> Result<Box<RawValue>, ApiError> {
    let mut request = Request::post(ENDPOINT);
    if let Some(token) = token {
        request = request.header("authorization", &format!("Bearer {token}"));
    }
    let request = request
        .json(&Body { query: document, variables })
        .map_err(|err| ApiError::invalid_response(err.to_string()))?;
    let response = request.send().await.map_err(|err| ApiError::network(err.to_string()))?;
    let status = response.status();
    let request_id = response.headers().get("x-request-id");
    // The server answers GraphQL errors (even a 400, 401 or 429) as JSON; anything else is a
    // proxy or an outage talking.
    let envelope: Envelope = response.json().await.map_err(|err| {
        if status >= 500 || status == 0 {
            ApiError::network(format!("HTTP {status}"))
        } else {
            ApiError::invalid_response(err.to_string())
        }
    })?;
    if let Some(first) = envelope.errors.into_iter().next() {
        return Err(ApiError::from_graphql(first, request_id));
    }
    envelope.data.ok_or_else(|| ApiError::invalid_response("response without data".to_owned()))
}

/// Sends a file as the body of a POST to `path` (an upload the server streams to disk), as the
/// signed-in user, refreshing the session once if it expired. The JSON answer.
///
/// # Errors
/// The server refused it (errors in the GraphQL shape) or cannot be reached.
pub(crate) async fn upload(path: &str, file: &web_sys::File) -> Result<serde_json::Value, ApiError> {
    let mut sent_with = current_token();
    for attempt in 0..2 {
        let mut request = Request::post(path).header("content-type", "text/csv");
        if let Some(token) = &sent_with {
            request = request.header("authorization", &format!("Bearer {token}"));
        }
        let request = request
            .body(wasm_bindgen::JsValue::from(file.clone()))
            .map_err(|err| ApiError::invalid_response(err.to_string()))?;
        let response = request.send().await.map_err(|err| ApiError::network(err.to_string()))?;
        let status = response.status();
        let request_id = response.headers().get("x-request-id");
        let body: serde_json::Value =
            response.json().await.map_err(|_| ApiError::network(format!("HTTP {status}")))?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let first: Option<error::GraphqlError> =
            body["errors"].get(0).and_then(|e| serde_json::from_value(e.clone()).ok());
        let err = first.map_or_else(
            || ApiError::network(format!("HTTP {status}")),
            |e| ApiError::from_graphql(e, request_id),
        );
        if attempt == 0
            && err.is_unauthenticated()
            && sent_with.is_some()
            && refresh_after(sent_with.clone()).await.is_ok()
        {
            sent_with = current_token();
            continue;
        }
        return Err(err);
    }
    Err(ApiError::network("upload failed".to_owned()))
}
