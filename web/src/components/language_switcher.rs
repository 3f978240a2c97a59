use leptos::prelude::*;

use crate::i18n::{Key, Locale, use_i18n};

/// Segmented control listing every UI language by its own name.
#[component]
pub fn LanguageSwitcher() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="lang-switch" role="group" aria-label=move || i18n.t(Key::Language)>
            {Locale::ALL
                .into_iter()
                .map(|locale| {
                    view! {
                        <button
                            type="button"
                            class="lang-switch__option"
                            lang=locale.tag()
                            data-testid=format!("lang-{}", locale.tag())
                            aria-pressed=move || (i18n.locale() == locale).to_string()
                            on:click=move |_| i18n.set_locale(locale)
                        >
                            {locale.native_name()}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}
