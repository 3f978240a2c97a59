//! The top bar's customer search: press `/` or Ctrl-K (⌘K) anywhere, type, and the best matches
//! appear as you type (debounced; an answer to an older keystroke is dropped). Arrow keys move
//! through the hits, Enter opens the customer (or the full results page when nothing is
//! highlighted), Escape closes.

use std::time::Duration;

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};
use starcrm_shared::search::{HighlightView, SearchField, SearchHitView, SearchResultView};
use wasm_bindgen::JsCast;

use crate::api::search::SearchFilter;
use crate::api::{self, ApiError};
use crate::components::icon::{Icon, IconName};
use crate::i18n::{I18n, Key, labels, use_i18n};

/// Hits the drop-down shows.
const INSTANT_HITS: u32 = 8;
/// Quiet time after a keystroke before the query goes out.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// The results page for `query`.
pub fn results_href(query: &str) -> String {
    format!("/search?q={}", js_sys::encode_uri_component(query))
}

/// Whether a key press happened in a place that takes text (the shortcut must not steal `/`).
fn typing_in_field(event: &web_sys::KeyboardEvent) -> bool {
    event.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()).is_some_and(|el| {
        matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.is_content_editable()
    })
}

/// `/` (outside text fields) or Ctrl-K / ⌘K anywhere puts the cursor in the search box.
fn focus_on_shortcut(input: NodeRef<html::Input>) {
    let handle = window_event_listener(ev::keydown, move |event| {
        let shortcut = (event.key() == "/" && !typing_in_field(&event))
            || ((event.ctrl_key() || event.meta_key()) && event.key().eq_ignore_ascii_case("k"));
        if shortcut {
            event.prevent_default();
            if let Some(el) = input.get_untracked() {
                let _ = el.focus();
                el.select();
            }
        }
    });
    on_cleanup(move || handle.remove());
}

/// Looks a query up after a quiet moment; only the answer to the latest query is kept (the
/// keystrokes are numbered).
fn debounced_lookup(
    answer: RwSignal<Option<Result<SearchResultView, ApiError>>>,
    active: RwSignal<Option<usize>>,
) -> impl Fn(String) + Copy {
    let latest = StoredValue::new(0_u64);
    move |query: String| {
        let n = latest.get_value() + 1;
        latest.set_value(n);
        active.set(None);
        if query.trim().is_empty() {
            answer.set(None);
            return;
        }
        set_timeout(
            move || {
                if latest.get_value() != n {
                    return; // a newer keystroke is on its way
                }
                leptos::task::spawn_local(async move {
                    let result =
                        api::search::customers(query.trim(), &SearchFilter::default(), INSTANT_HITS, 0).await;
                    if latest.get_value() == n {
                        answer.set(Some(result));
                    }
                });
            },
            DEBOUNCE,
        );
    }
}

#[component]
pub fn GlobalSearch() -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let input = NodeRef::<html::Input>::new();
    let text = RwSignal::new(String::new());
    let answer = RwSignal::new(None::<Result<SearchResultView, ApiError>>);
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);

    focus_on_shortcut(input);

    // Opening a page (a hit, the results page) closes the drop-down.
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        open.set(false);
    });

    let lookup = debounced_lookup(answer, active);

    let hits = move || {
        answer.with(|a| a.as_ref().and_then(|r| r.as_ref().ok()).map(|r| r.hits.clone()).unwrap_or_default())
    };
    let on_key = move |event: ev::KeyboardEvent| {
        let count = hits().len();
        match event.key().as_str() {
            "ArrowDown" if count > 0 => {
                event.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
            }
            "ArrowUp" if count > 0 => {
                event.prevent_default();
                active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
            }
            "Enter" => {
                event.prevent_default();
                let query = text.get_untracked();
                let target = match (active.get_untracked(), hits()) {
                    (Some(i), list) if i < list.len() => Some(format!("/customers/{}", list[i].customer.id)),
                    // Enter on a single answer opens it; otherwise the full results.
                    (None, list) if list.len() == 1 => Some(format!("/customers/{}", list[0].customer.id)),
                    _ if !query.trim().is_empty() => Some(results_href(query.trim())),
                    _ => None,
                };
                if let Some(href) = target {
                    open.set(false);
                    if let Some(el) = input.get_untracked() {
                        let _ = el.blur();
                    }
                    navigate(&href, leptos_router::NavigateOptions::default());
                }
            }
            "Escape" => {
                open.set(false);
                if let Some(el) = input.get_untracked() {
                    let _ = el.blur();
                }
            }
            _ => {}
        }
    };

    view! {
        <div class="global-search" role="search">
            <label class="global-search__box">
                <Icon name=IconName::Search />
                <input
                    node_ref=input
                    type="search"
                    class="global-search__input"
                    data-testid="global-search"
                    autocomplete="off"
                    spellcheck="false"
                    role="combobox"
                    aria-expanded=move || open.get().to_string()
                    aria-controls="global-search-results"
                    aria-label=move || i18n.t(Key::GlobalSearchLabel)
                    placeholder=move || i18n.t(Key::SearchPlaceholder)
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        text.set(value.clone());
                        open.set(true);
                        lookup(value);
                    }
                    on:focus=move |_| open.set(true)
                    // Late enough for a click on a hit to land first.
                    on:blur=move |_| set_timeout(move || open.set(false), Duration::from_millis(200))
                    on:keydown=on_key
                />
                <kbd class="global-search__hint" aria-hidden="true">"/"</kbd>
            </label>
            <Show when=move || open.get() && !text.with(|t| t.trim().is_empty())>
                <ResultsPanel answer active text />
            </Show>
        </div>
    }
}

/// The drop-down under the box: the hits, or why there are none.
#[component]
fn ResultsPanel(
    answer: RwSignal<Option<Result<SearchResultView, ApiError>>>,
    active: RwSignal<Option<usize>>,
    text: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="global-search__panel" id="global-search-results" role="listbox" data-testid="global-search-results">
            {move || match answer.get() {
                None => view! { <p class="global-search__note">{move || i18n.t(Key::Searching)}</p> }.into_any(),
                Some(Err(error)) => view! {
                    <p class="global-search__note global-search__note--error">{labels::form_error(i18n, &error)}</p>
                }
                .into_any(),
                Some(Ok(result)) if result.hits.is_empty() => view! {
                    <p class="global-search__note" data-testid="global-search-empty">{move || i18n.t(Key::SearchNoResults)}</p>
                }
                .into_any(),
                Some(Ok(result)) => {
                    let total = result.total;
                    view! {
                        <ul class="global-search__list">
                            {result
                                .hits
                                .into_iter()
                                .enumerate()
                                .map(|(i, hit)| view! { <HitRow hit selected=Signal::derive(move || active.get() == Some(i)) /> })
                                .collect_view()}
                        </ul>
                        <A href=move || results_href(text.get().trim()) attr:class="global-search__all" attr:data-testid="global-search-all">
                            {move || i18n.t(Key::SearchSeeAll).replace("{n}", &total.to_string())}
                        </A>
                    }
                    .into_any()
                }
            }}
        </div>
    }
}

/// One hit: stars, the name with what matched, the code, and the best other match.
#[component]
fn HitRow(hit: SearchHitView, selected: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("/customers/{}", hit.customer.id);
    let name = hit.highlights.iter().find(|h| h.field == SearchField::Name).cloned();
    let other = hit.highlights.iter().find(|h| h.field != SearchField::Name).cloned();
    let name_view = name.map_or_else(|| hit.customer.name.clone().into_any(), |h| marked(&h).into_any());
    let code = hit.customer.code.clone();
    let code_attr = code.clone();
    let stars = hit.customer.stars;
    view! {
        <li role="option" aria-selected=move || selected.get().to_string()>
            <A
                href=href
                attr:class=move || if selected.get() { "search-hit search-hit--active" } else { "search-hit" }
                attr:data-testid="global-search-hit"
                attr:data-code=code_attr
            >
                <span class="search-hit__name">{name_view}</span>
                <span class="search-hit__code">{code}</span>
                <span class="stars search-hit__stars" class:stars--none=stars.is_none()>
                    {crate::pages::customers::star_text(stars)}
                </span>
                {other.map(|h| view! { <span class="search-hit__match">{field_label(i18n, h.field)} ": " {marked(&h)}</span> })}
            </A>
        </li>
    }
}

/// A highlighted value: the matched stretches in `<mark>`.
pub fn marked(highlight: &HighlightView) -> impl IntoView + use<> {
    highlight
        .parts
        .iter()
        .map(|p| {
            if p.matched {
                view! { <mark>{p.text.clone()}</mark> }.into_any()
            } else {
                p.text.clone().into_any()
            }
        })
        .collect_view()
}

/// What a matched value is, in the reader's language.
pub fn field_label(i18n: I18n, field: SearchField) -> &'static str {
    i18n.t(match field {
        SearchField::Name => Key::Name,
        SearchField::Code => Key::CustomerCode,
        SearchField::Phone => Key::Phone,
        SearchField::Email => Key::Email,
        SearchField::ExternalId => Key::ExternalId,
        SearchField::Company => Key::Company,
        SearchField::Tag => Key::Tags,
    })
}
