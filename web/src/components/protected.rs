//! The gate for signed-in pages: waits while the session is being resumed, sends everyone else to
//! the sign-in page (and back afterwards), and explains a missing permission inside the app's
//! frame instead of showing the page.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;
use starcrm_shared::{ErrorCode, Permission};

use crate::api::ApiError;
use crate::components::app_shell::AppShell;
use crate::components::error_view::ErrorView;
use crate::state::session::{Phase, use_session};

#[component]
pub fn Private(require: Option<Permission>, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    move || match session.phase() {
        Phase::Checking => {
            view! { <div class="boot" aria-busy="true"><span class="boot-mark">"★"</span></div> }.into_any()
        }
        Phase::SignedOut { expired } => {
            let here = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
            let mut target = format!("/login?next={}", js_sys::encode_uri_component(&here));
            if expired {
                target.push_str("&expired=1");
            }
            view! { <Redirect path=target /> }.into_any()
        }
        Phase::SignedIn => {
            let content = if require.is_none_or(|p| session.can(p)) {
                children().into_any()
            } else {
                let error = ApiError::local(ErrorCode::Forbidden);
                view! { <div class="page-narrow"><ErrorView error /></div> }.into_any()
            };
            view! { <AppShell>{content}</AppShell> }.into_any()
        }
    }
}
