//! The one way the SPA shows a failed request: what happened, in the user's language, keyed on
//! the error code, with the request id support needs and a way forward.

use leptos::prelude::*;
use starcrm_shared::ErrorCode;

use crate::api::{ApiError, ErrorKind};
use crate::components::icon::{Icon, IconName};
use crate::i18n::{Key, use_i18n};

/// Title and explanation for an error kind.
const fn texts(kind: ErrorKind) -> (Key, Key) {
    match kind {
        ErrorKind::Server(code) => match code {
            ErrorCode::BadRequest => (Key::ErrorBadRequestTitle, Key::ErrorBadRequestBody),
            ErrorCode::BadUserInput => (Key::ErrorBadUserInputTitle, Key::ErrorBadUserInputBody),
            ErrorCode::Unauthenticated => (Key::ErrorUnauthenticatedTitle, Key::ErrorUnauthenticatedBody),
            ErrorCode::Forbidden => (Key::ErrorForbiddenTitle, Key::ErrorForbiddenBody),
            ErrorCode::NotFound => (Key::ErrorNotFoundTitle, Key::ErrorNotFoundBody),
            ErrorCode::Conflict => (Key::ErrorConflictTitle, Key::ErrorConflictBody),
            ErrorCode::RateLimited => (Key::ErrorRateLimitedTitle, Key::ErrorRateLimitedBody),
            ErrorCode::Unavailable => (Key::ErrorUnavailableTitle, Key::ErrorUnavailableBody),
            ErrorCode::Internal => (Key::ErrorInternalTitle, Key::ErrorInternalBody),
        },
        ErrorKind::Network => (Key::ErrorNetworkTitle, Key::ErrorNetworkBody),
        ErrorKind::InvalidResponse => (Key::ErrorInvalidResponseTitle, Key::ErrorInvalidResponseBody),
    }
}

/// Errors a plain retry may fix; for the others a reload (new app version, new session) is the
/// way forward.
const fn retryable(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Network
            | ErrorKind::Server(
                ErrorCode::Internal | ErrorCode::RateLimited | ErrorCode::Conflict | ErrorCode::Unavailable
            )
    )
}

#[component]
pub fn ErrorView(error: ApiError, #[prop(optional, into)] on_retry: Option<Callback<()>>) -> impl IntoView {
    let i18n = use_i18n();
    let (title, body) = texts(error.kind);
    let code = match error.kind {
        ErrorKind::Server(code) => code.as_str(),
        ErrorKind::Network => "NETWORK",
        ErrorKind::InvalidResponse => "INVALID_RESPONSE",
    };
    let action = match on_retry {
        Some(retry) if retryable(error.kind) => view! {
            <button type="button" class="button button--primary" on:click=move |_| retry.run(())>
                {move || i18n.t(Key::ErrorRetry)}
            </button>
        }
        .into_any(),
        _ => view! {
            <button type="button" class="button" on:click=|_| reload()>
                {move || i18n.t(Key::ErrorReload)}
            </button>
        }
        .into_any(),
    };
    view! {
        <div class="error-view" role="alert" data-testid="error-view" data-error-code=code>
            <Icon name=IconName::Alert class="error-view__icon" />
            <div class="error-view__text">
                <h2 class="error-view__title">{move || i18n.t(title)}</h2>
                <p>{move || i18n.t(body)}</p>
                {error.request_id.map(|id| view! {
                    <p class="error-view__meta">
                        {move || i18n.t(Key::ErrorRequestId)} ": " <code>{id}</code>
                    </p>
                })}
                <div class="error-view__actions">{action}</div>
            </div>
        </div>
    }
}

fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
