//! Every string the SPA shows goes through here, in zh-CN (the default) and en.
//!
//! The chosen language is remembered in `localStorage` and mirrored to `<html lang>` so fonts,
//! screen readers and line breaking follow it.

pub mod labels;
mod messages;

pub use messages::Key;

use leptos::prelude::*;

const STORAGE_KEY: &str = "starcrm.locale";

/// A language of the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    ZhCn,
    En,
}

impl Locale {
    pub const ALL: [Self; 2] = [Self::ZhCn, Self::En];

    /// The API's `Language` value for this locale (explanations, the standard taxonomy).
    pub const fn api_language(self) -> &'static str {
        match self {
            Self::ZhCn => "ZH_CN",
            Self::En => "EN",
        }
    }

    /// BCP 47 tag, as used in `<html lang>` and storage.
    pub const fn tag(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    /// The language's own name for itself, shown in the switcher.
    pub const fn native_name(self) -> &'static str {
        match self {
            Self::ZhCn => "中文",
            Self::En => "EN",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(tag))
    }
}

/// Handle to the current language; `Copy`, get it with [`use_i18n`].
#[derive(Clone, Copy)]
pub struct I18n {
    locale: RwSignal<Locale>,
}

impl I18n {
    pub fn locale(self) -> Locale {
        self.locale.get()
    }

    pub fn set_locale(self, locale: Locale) {
        self.locale.set(locale);
        if let Some(storage) = local_storage() {
            // Private browsing may refuse storage; the choice then lasts for this page only.
            let _ = storage.set_item(STORAGE_KEY, locale.tag());
        }
        apply_to_document(locale);
    }

    /// The text of `key` in the current language (reactive: re-runs when the language changes).
    pub fn t(self, key: Key) -> &'static str {
        messages::text(self.locale.get(), key)
    }
}

/// Creates the language context from the remembered choice (zh-CN when none).
pub fn provide_i18n() -> I18n {
    let locale = local_storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|tag| Locale::from_tag(&tag))
        .unwrap_or(Locale::ZhCn);
    apply_to_document(locale);
    let i18n = I18n { locale: RwSignal::new(locale) };
    provide_context(i18n);
    i18n
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// Sets the browser tab's title to `page · StarCRM`, following the language.
pub fn use_page_title(key: Key) {
    let i18n = use_i18n();
    Effect::new(move |_| {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(&format!("{} · StarCRM", i18n.t(key)));
        }
    });
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn apply_to_document(locale: Locale) {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", locale.tag());
    }
}
