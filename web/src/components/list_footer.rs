//! Paged lists: what is loaded so far, and under the list how much is shown and the button for
//! more.

use leptos::prelude::*;
use starcrm_shared::account::Page;

use crate::api::ApiError;

use crate::i18n::{Key, use_i18n};

/// A paged list as loaded so far.
#[derive(Clone, Debug)]
pub struct Listing<T> {
    pub rows: Vec<T>,
    pub total: u64,
    pub cursor: Option<String>,
    pub has_more: bool,
    /// A first page arrived (an empty list is then really empty).
    pub loaded: bool,
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Self { rows: Vec::new(), total: 0, cursor: None, has_more: false, loaded: false }
    }
}

impl<T> Listing<T> {
    /// Takes in a page: after the rows shown (`append`) or instead of them.
    pub fn take(&mut self, page: Page<T>, append: bool) {
        if !append {
            self.rows.clear();
        }
        self.rows.extend(page.nodes);
        self.total = page.total_count;
        self.cursor = page.page_info.end_cursor;
        self.has_more = page.page_info.has_next_page;
        self.loaded = true;
    }
}

/// Loads a page into `listing` (after what is shown when `append`, else instead of it):
/// `fetch` gets the cursor to start after; a failure goes to `error`, a success clears it.
pub fn load_page<T, F, Fut>(
    listing: RwSignal<Listing<T>>,
    error: RwSignal<Option<ApiError>>,
    append: bool,
    fetch: F,
) where
    T: Send + Sync + 'static,
    F: FnOnce(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>> + 'static,
{
    let after = if append { listing.with_untracked(|l| l.cursor.clone()) } else { None };
    let request = fetch(after);
    leptos::task::spawn_local(async move {
        match request.await {
            Ok(page) => {
                error.set(None);
                listing.update(|l| l.take(page, append));
            }
            Err(failure) => error.set(Some(failure)),
        }
    });
}

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
