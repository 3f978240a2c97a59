//! Form fields with a label, an optional hint and the error for that field, in one shape
//! everywhere.

use leptos::prelude::*;

use crate::i18n::{Key, use_i18n};

/// A labelled text input bound to `value`. `error` is the message to show under it (already
/// translated), if any.
#[component]
pub fn TextField(
    label: Key,
    value: RwSignal<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<Key>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = format!("field-{}", name.unwrap_or("input"));
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label class="field__label" for=id.clone()>{move || i18n.t(label)}</label>
            <input
                id=id
                class="field__input"
                type=input_type
                name=name
                autocomplete=autocomplete
                required=required
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=move || error.get().map(|_| described.clone())
                bind:value=value
            />
            {move || match error.get() {
                Some(message) => view! { <p class="field__error" id=error_id.clone()>{message}</p> }.into_any(),
                None => hint.map_or_else(|| ().into_any(), |h| view! { <p class="field__hint">{move || i18n.t(h)}</p> }.into_any()),
            }}
        </div>
    }
}

/// A `<select>` over the values of a stored enum, labelled and bound to `value`.
#[component]
pub fn EnumSelect<T>(
    label: Key,
    name: &'static str,
    value: RwSignal<T>,
    options: &'static [T],
    text: fn(T) -> Key,
    as_str: fn(T) -> &'static str,
    parse: fn(&str) -> Option<T>,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let i18n = use_i18n();
    let id = format!("field-{name}");
    view! {
        <div class="field">
            <label class="field__label" for=id.clone()>{move || i18n.t(label)}</label>
            <select
                id=id
                name=name
                class="field__input"
                on:change=move |ev| {
                    if let Some(v) = parse(&event_target_value(&ev)) {
                        value.set(v);
                    }
                }
            >
                {options
                    .iter()
                    .map(|o| {
                        let o = *o;
                        view! { <option value=as_str(o) selected=move || value.get() == o>{move || i18n.t(text(o))}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// A message for the whole form (not one field).
#[component]
pub fn FormError(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|m| view! { <p class="form-error" role="alert" data-testid="form-error">{m}</p> })
    }
}
