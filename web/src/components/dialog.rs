//! A modal dialog: a titled panel over a dimmed page; Escape, the close button or a click
//! outside close it.

use leptos::ev;
use leptos::prelude::*;

use crate::components::icon::{Icon, IconName};
use crate::i18n::{Key, use_i18n};

#[component]
pub fn Dialog(
    title: Key,
    on_close: Callback<()>,
    children: Children,
    #[prop(optional)] test_id: Option<&'static str>,
    #[prop(optional)] wide: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let handle = window_event_listener(ev::keydown, move |event| {
        if event.key() == "Escape" {
            on_close.run(());
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <div class="dialog-backdrop" on:click=move |_| on_close.run(())></div>
        <div
            class="dialog"
            class:dialog--wide=wide
            role="dialog"
            aria-modal="true"
            aria-labelledby="dialog-title"
            data-testid=test_id
        >
            <header class="dialog__header">
                <h2 class="dialog__title" id="dialog-title">{move || i18n.t(title)}</h2>
                <button
                    type="button"
                    class="icon-button"
                    aria-label=move || i18n.t(Key::Close)
                    on:click=move |_| on_close.run(())
                >
                    <Icon name=IconName::Close />
                </button>
            </header>
            <div class="dialog__body">{children()}</div>
        </div>
    }
}
