//! The customer's unsubscribe page (`/u/:token`): no sign-in, phone first. It says which
//! business and channel the link is about, and one tap withdraws the consent at once (a link
//! scanner that only opens the page changes nothing).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use starcrm_shared::ErrorCode;

use crate::api::campaigns::{self, UnsubscribeLink};
use crate::components::language_switcher::LanguageSwitcher;
use crate::i18n::{Key, use_i18n, use_page_title};

#[derive(Clone, Debug, PartialEq)]
enum View {
    Loading,
    Invalid,
    Failed,
    Ready(UnsubscribeLink),
}

#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::UnsubTitle);
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let state = RwSignal::new(View::Loading);
    Effect::new(move |_| {
        let token = token();
        leptos::task::spawn_local(async move {
            state.set(match campaigns::link(&token).await {
                Ok(link) => View::Ready(link),
                Err(e) if e.is(ErrorCode::NotFound) => View::Invalid,
                Err(_) => View::Failed,
            });
        });
    });
    let confirm = move |_| {
        leptos::task::spawn_local(async move {
            state.set(match campaigns::unsubscribe(&token()).await {
                Ok(link) => View::Ready(link),
                Err(e) if e.is(ErrorCode::NotFound) => View::Invalid,
                Err(_) => View::Failed,
            });
        });
    };
    view! {
        <div class="auth-page survey-page">
            <div class="auth-page__top"><LanguageSwitcher /></div>
            <main class="auth-card survey-card" data-testid="unsubscribe-page">
                {move || match state.get() {
                    View::Loading => view! { <p class="muted">"…"</p> }.into_any(),
                    View::Invalid => view! { <h1 class="auth-card__title">{move || i18n.t(Key::UnsubInvalid)}</h1> }.into_any(),
                    View::Failed => view! { <h1 class="auth-card__title">{move || i18n.t(Key::UnsubFailed)}</h1> }.into_any(),
                    View::Ready(link) if link.unsubscribed => view! {
                        <h1 class="auth-card__title" data-testid="unsubscribed">{move || i18n.t(Key::UnsubDone)}</h1>
                        <p class="auth-card__subtitle">{let b = link.business.clone(); move || i18n.t(Key::UnsubDoneBody).replace("{b}", &b).replace("{c}", i18n.t(crate::pages::settings::channel_label(link.channel)))}</p>
                    }.into_any(),
                    View::Ready(link) => view! {
                        <h1 class="auth-card__title">{move || i18n.t(Key::UnsubTitle)}</h1>
                        <p class="auth-card__subtitle">{let b = link.business.clone(); move || i18n.t(Key::UnsubAsk).replace("{b}", &b).replace("{c}", i18n.t(crate::pages::settings::channel_label(link.channel)))}</p>
                        <button type="button" class="button button--primary button--block" data-testid="confirm-unsubscribe" on:click=confirm>
                            {move || i18n.t(Key::UnsubConfirm)}
                        </button>
                    }.into_any(),
                }}
            </main>
        </div>
    }
}
