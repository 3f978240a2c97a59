//! Under a paged list: how much is shown, and the button for more.

use leptos::prelude::*;

use crate::i18n::{Key, use_i18n};

#[component]
pub fn ListFooter(
    #[prop(into)] shown: Signal<usize>,
    #[prop(into)] total: Signal<u64>,
    #[prop(into)] has_more: Signal<bool>,
    on_more: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="list-footer">
            <span class="muted" data-testid="list-count">
                {move || i18n.t(Key::CountOf).replace("{shown}", &shown.get().to_string()).replace("{total}", &total.get().to_string())}
            </span>
            <Show when=move || has_more.get()>
                <button type="button" class="button" on:click=move |_| on_more.run(()) data-testid="load-more">{move || i18n.t(Key::LoadMore)}</button>
            </Show>
        </div>
    }
}
