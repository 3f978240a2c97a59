use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{Key, use_i18n, use_page_title};

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::NotFoundTitle);
    view! {
        <section class="not-found" data-testid="not-found">
            <p class="not-found__code" aria-hidden="true">"404"</p>
            <h1 class="page-title">{move || i18n.t(Key::NotFoundTitle)}</h1>
            <p class="page-subtitle">{move || i18n.t(Key::NotFoundBody)}</p>
            <A href="/" attr:class="button button--primary">{move || i18n.t(Key::BackToDashboard)}</A>
        </section>
    }
}
