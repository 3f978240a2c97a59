//! `/search?q=...`: the full results of a customer search, best first, 50 at a time ("Show more
//! results" appends the next 50, up to the server's window of 1000), with how the matches spread
//! over stars and lifecycle stages; choosing a facet narrows the results (and the counts of the
//! other facet). The query and facets live in the URL, so results can be shared and the back
//! button works.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use starcrm_shared::customer::LifecycleStage;
use starcrm_shared::search::{SearchField, SearchHitView, SearchResultView};

use crate::api::search::{MAX_WINDOW, SearchFilter};
use crate::api::{self, ApiError};
use crate::components::error_view::ErrorView;
use crate::components::global_search::{field_label, marked};
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::pages::customers::star_text;

/// Hits asked for at a time.
const PAGE_HITS: u32 = 50;

/// The hits shown after the first page, and how asking for more went.
#[derive(Clone, Debug, Default)]
struct More {
    hits: Vec<SearchHitView>,
    /// Where the next page starts in the ranking: the hits asked for so far (a customer deleted
    /// since it was indexed is not shown, so fewer may be on the page).
    next: u32,
    busy: bool,
    error: Option<ApiError>,
}

/// The page's address for a query and facets.
fn href(query: &str, filter: &SearchFilter) -> String {
    let stars = filter.stars.map(|s| format!("&stars={s}")).unwrap_or_default();
    let stage = filter.stage.map(|s| format!("&stage={}", s.as_str())).unwrap_or_default();
    format!("/search?q={}{stars}{stage}", js_sys::encode_uri_component(query))
}

/// Ids of the customers on screen: the first page and the pages loaded after it.
fn shown_ids(
    answer: RwSignal<Option<Result<SearchResultView, ApiError>>>,
    more: RwSignal<More>,
) -> Vec<String> {
    answer.with_untracked(|a| {
        let first_page =
            a.as_ref().and_then(|r| r.as_ref().ok()).map(|r| r.hits.as_slice()).unwrap_or_default();
        first_page
            .iter()
            .chain(more.with_untracked(|m| m.hits.clone()).iter())
            .map(|h| h.customer.id.clone())
            .collect()
    })
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::SearchResultsTitle);
    let params = use_query_map();
    let navigate = use_navigate();
    let query = Memo::new(move |_| params.with(|p| p.get("q").unwrap_or_default()));
    let filter = Memo::new(move |_| {
        params.with(|p| SearchFilter {
            stars: p.get("stars").and_then(|s| s.parse().ok()).filter(|s| (0..=5).contains(s)),
            stage: p.get("stage").and_then(|s| LifecycleStage::parse(&s)),
        })
    });
    let draft = RwSignal::new(String::new());
    Effect::new(move |_| draft.set(query.get()));
    let answer = RwSignal::new(None::<Result<SearchResultView, ApiError>>);
    let more = RwSignal::new(More::default());
    // Only the answer to the latest search is shown (and more hits only for it).
    let latest = StoredValue::new(0_u64);
    let load = move || {
        let (q, f) = (query.get_untracked(), filter.get_untracked());
        let n = latest.get_value() + 1;
        latest.set_value(n);
        answer.set(None);
        more.set(More { next: PAGE_HITS, ..More::default() });
        leptos::task::spawn_local(async move {
            let result = api::search::customers(&q, &f, PAGE_HITS, 0).await;
            if latest.get_value() == n {
                answer.set(Some(result));
            }
        });
    };
    let load_more = Callback::new(move |()| {
        let (q, f) = (query.get_untracked(), filter.get_untracked());
        let n = latest.get_value();
        let offset = more.with_untracked(|m| m.next);
        let first = PAGE_HITS.min(MAX_WINDOW.saturating_sub(offset));
        if first == 0 || more.with_untracked(|m| m.busy) {
            return;
        }
        more.update(|m| {
            m.busy = true;
            m.error = None;
        });
        leptos::task::spawn_local(async move {
            let result = api::search::customers(&q, &f, first, offset).await;
            if latest.get_value() != n {
                return; // another search replaced this one
            }
            // The index may have changed between pages: a customer already shown is not repeated.
            let shown = shown_ids(answer, more);
            more.update(|m| {
                m.busy = false;
                match result {
                    Ok(page) => {
                        m.hits.extend(page.hits.into_iter().filter(|h| !shown.contains(&h.customer.id)));
                        m.next = offset + first;
                    }
                    Err(error) => m.error = Some(error),
                }
            });
        });
    });
    Effect::new(move |_| {
        query.track();
        filter.track();
        load();
    });
    let go = Callback::new(move |(q, f): (String, SearchFilter)| {
        navigate(&href(q.trim(), &f), leptos_router::NavigateOptions::default());
    });

    view! {
        <header class="page-header">
            <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::SearchResultsTitle)}</h1>
            <p class="page-subtitle page-subtitle--muted">{move || i18n.t(Key::SearchResultsSubtitle)}</p>
        </header>
        <form
            class="toolbar"
            on:submit=move |ev| {
                ev.prevent_default();
                go.run((draft.get_untracked(), filter.get_untracked()));
            }
        >
            <input
                class="toolbar__search search-page__input"
                type="search"
                data-testid="search-page-input"
                placeholder=move || i18n.t(Key::SearchPlaceholder)
                aria-label=move || i18n.t(Key::GlobalSearchLabel)
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
            />
            <button type="submit" class="button button--primary">{move || i18n.t(Key::GlobalSearchLabel)}</button>
        </form>
        {move || match answer.get() {
            None => view! { <p class="search-page__status" aria-busy="true">{move || i18n.t(Key::Searching)}</p> }.into_any(),
            Some(Err(error)) => view! { <ErrorView error on_retry=Callback::new(move |()| load()) /> }.into_any(),
            Some(Ok(result)) => view! { <Results result query=query.get_untracked() filter=filter.get_untracked() go more load_more /> }.into_any(),
        }}
    }
}

#[component]
fn Results(
    result: SearchResultView,
    query: String,
    filter: SearchFilter,
    go: Callback<(String, SearchFilter)>,
    more: RwSignal<More>,
    load_more: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let first_page = result.hits.len();
    let total = result.total;
    let count = move || {
        let shown = first_page + more.with(|m| m.hits.len());
        if u64::try_from(shown).unwrap_or(0) < total {
            i18n.t(Key::SearchResultsShown)
                .replace("{shown}", &shown.to_string())
                .replace("{n}", &total.to_string())
        } else {
            i18n.t(Key::SearchResultsCount).replace("{n}", &total.to_string())
        }
    };
    let empty_hint = if query.trim().is_empty() && filter == SearchFilter::default() {
        Key::SearchEnterQuery
    } else {
        Key::SearchNoResults
    };
    let stars_facets = {
        let (q, f) = (query.clone(), filter.clone());
        let counts =
            (0..=5).rev().map(|s| (s, result.by_stars.iter().find(|c| c.stars == s).map_or(0, |c| c.count)));
        let label =
            move |s: i16| if s == 0 { i18n.t(Key::SearchNotRated).to_owned() } else { star_text(Some(s)) };
        let pick = move |stars| go.run((q.clone(), SearchFilter { stars, ..f.clone() }));
        facet_group(counts.collect(), filter.stars, label, pick, ("facet-stars-all", "facet-stars"))
    };
    let stage_facets = {
        let (q, f) = (query.clone(), filter.clone());
        let counts = LifecycleStage::ALL
            .iter()
            .map(|&s| (s, result.by_stage.iter().find(|c| c.stage == s).map_or(0, |c| c.count)));
        let label = move |s: LifecycleStage| i18n.t(labels::stage(s)).to_owned();
        let pick = move |stage| go.run((q.clone(), SearchFilter { stage, ..f.clone() }));
        facet_group(counts.collect(), filter.stage, label, pick, ("facet-stage-all", "facet-stage"))
    };
    view! {
        <div class="search-layout">
            <aside class="search-facets card" aria-label=move || i18n.t(Key::Stars)>
                <h2 class="search-facets__title">{move || i18n.t(Key::Stars)}</h2>
                <div class="search-facets__chips">{stars_facets}</div>
                <h2 class="search-facets__title">{move || i18n.t(Key::LifecycleStage)}</h2>
                <div class="search-facets__chips">{stage_facets}</div>
            </aside>
            <section class="search-results">
                <p class="search-page__status" data-testid="search-count">{count}</p>
                {if result.hits.is_empty() {
                    view! { <p class="empty" data-testid="search-empty">{move || i18n.t(empty_hint)}</p> }.into_any()
                } else {
                    view! {
                        <ul class="search-results__list">
                            {result.hits.into_iter().map(|hit| view! { <ResultRow hit /> }).collect_view()}
                            <For
                                each=move || more.with(|m| m.hits.clone())
                                key=|hit| hit.customer.id.clone()
                                children=|hit| view! { <ResultRow hit /> }
                            />
                        </ul>
                    }
                    .into_any()
                }}
                {move || more_control(more, total, load_more)}
            </section>
        </div>
    }
}

/// Below the hits: "Show more results" while matches remain within the window, the reason when
/// the window ends first, or what went wrong asking for more (with a retry).
fn more_control(more: RwSignal<More>, total: u64, load_more: Callback<()>) -> AnyView {
    let i18n = use_i18n();
    let (next, busy, error) = more.with(|m| (m.next, m.busy, m.error.clone()));
    if let Some(error) = error {
        return view! { <ErrorView error on_retry=load_more /> }.into_any();
    }
    if u64::from(next) >= total {
        return ().into_any();
    }
    if next >= MAX_WINDOW {
        let text = move || i18n.t(Key::SearchWindowEnd).replace("{n}", &MAX_WINDOW.to_string());
        return view! { <p class="search-page__status" data-testid="search-window-end">{text}</p> }
            .into_any();
    }
    view! {
        <button
            type="button"
            class="button button--small search-results__more"
            data-testid="search-more"
            disabled=busy
            aria-busy=busy.to_string()
            on:click=move |_| load_more.run(())
        >
            {move || i18n.t(Key::SearchMore)}
        </button>
    }
    .into_any()
}

/// "All" and a chip per value that has matches (or is chosen), with its count; `pick` gets the
/// value chosen (`None`: all). `test_ids`: the "All" chip's and the others'.
fn facet_group<T: Copy + PartialEq + Send + Sync + 'static>(
    counts: Vec<(T, u64)>,
    chosen: Option<T>,
    label: impl Fn(T) -> String + Copy + Send + Sync + 'static,
    pick: impl Fn(Option<T>) + Clone + 'static,
    test_ids: (&'static str, &'static str),
) -> Vec<AnyView> {
    let i18n = use_i18n();
    let all = {
        let pick = pick.clone();
        facet_chip(
            Signal::derive(move || i18n.t(Key::SearchAll).to_owned()),
            None,
            chosen.is_none(),
            move || pick(None),
            test_ids.0,
        )
    };
    let mut chips = vec![all];
    for (value, n) in counts.into_iter().filter(|(v, n)| *n > 0 || chosen == Some(*v)) {
        let pick = pick.clone();
        chips.push(facet_chip(
            Signal::derive(move || label(value)),
            Some(n),
            chosen == Some(value),
            move || pick(Some(value)),
            test_ids.1,
        ));
    }
    chips
}

fn facet_chip(
    label: Signal<String>,
    count: Option<u64>,
    chosen: bool,
    on_pick: impl Fn() + 'static,
    test_id: &'static str,
) -> AnyView {
    view! {
        <button
            type="button"
            class="chip"
            class:chip--on=chosen
            aria-pressed=chosen.to_string()
            data-testid=test_id
            on:click=move |_| on_pick()
        >
            <span>{label}</span>
            {count.map(|n| view! { <span class="chip__count">{n}</span> })}
        </button>
    }
    .into_any()
}

#[component]
fn ResultRow(hit: SearchHitView) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("/customers/{}", hit.customer.id);
    let name = hit.highlights.iter().find(|h| h.field == SearchField::Name).map(marked);
    let matches: Vec<_> = hit.highlights.iter().filter(|h| h.field != SearchField::Name).cloned().collect();
    let stage = hit.customer.lifecycle_stage;
    view! {
        <li class="search-result card" data-testid="search-result" data-code=hit.customer.code.clone()>
            <div class="search-result__head">
                <a class="search-result__name" href=href>{name}</a>
                <span class="search-result__code">{hit.customer.code.clone()}</span>
                <span class="stars" class:stars--none=hit.customer.stars.is_none()>{star_text(hit.customer.stars)}</span>
                <span class=format!("pill pill--stage pill--{}", stage.as_str())>{move || i18n.t(labels::stage(stage))}</span>
            </div>
            {(!matches.is_empty()).then(|| view! {
                <dl class="search-result__matches">
                    {matches
                        .into_iter()
                        .map(|h| view! {
                            <div class="search-result__match">
                                <dt>{field_label(i18n, h.field)}</dt>
                                <dd>{marked(&h)}</dd>
                            </div>
                        })
                        .collect_view()}
                </dl>
            })}
        </li>
    }
}
