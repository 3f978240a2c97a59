//! "Are you sure?" for actions that cannot be taken back lightly.

use leptos::prelude::*;

use crate::components::dialog::Dialog;
use crate::i18n::{Key, use_i18n};

/// A dialog with `body` (already worded), Cancel, and a button labelled `action`.
#[component]
pub fn ConfirmDialog(
    title: Key,
    body: String,
    action: Key,
    #[prop(optional)] danger: bool,
    on_confirm: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Dialog title on_close test_id="confirm-dialog">
            <p>{body}</p>
            <div class="form__actions">
                <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                <button
                    type="button"
                    class=if danger { "button button--danger" } else { "button button--primary" }
                    data-testid="confirm"
                    on:click=move |_| on_confirm.run(())
                >
                    {move || i18n.t(action)}
                </button>
            </div>
        </Dialog>
    }
}
