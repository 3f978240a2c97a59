//! A value to copy (a secret shown once, a temporary password): selectable text and a button.

use leptos::prelude::*;

use crate::i18n::{Key, use_i18n};

#[component]
pub fn CopyBox(value: String, #[prop(optional)] test_id: Option<&'static str>) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(false);
    let text = value.clone();
    let copy = move |_| {
        let text = text.clone();
        leptos::task::spawn_local(async move {
            // The Clipboard API needs a secure context (HTTPS or localhost); where it is missing,
            // the value stays selectable for Ctrl+C.
            if let Some(clipboard) = web_sys::window().map(|w| w.navigator().clipboard())
                && wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text)).await.is_ok()
            {
                copied.set(true);
            }
        });
    };
    view! {
        <div class="copy-box">
            <code class="copy-box__value" data-testid=test_id>{value}</code>
            <button type="button" class="button" on:click=copy>
                {move || i18n.t(if copied.get() { Key::Copied } else { Key::Copy })}
            </button>
        </div>
    }
}
