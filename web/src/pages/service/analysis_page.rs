//! Service analysis, for desk managers: how well the promises were kept for each star level (the
//! promise made to the best customers, measured), each agent's figures, and the complaint Pareto
//! by root cause, product category, channel, star level or agent, against the period before.

use leptos::prelude::*;
use starcrm_shared::service_desk::{AgentKpiView, HitCountView, ParetoRowView, ServiceKpisView};

use super::ServiceTabs;
use crate::api;
use crate::api::service::Dimension;
use crate::components::error_view::ErrorView;
use crate::i18n::{I18n, Key, labels, use_i18n, use_page_title};
use crate::pages::customers::star_text;
use crate::state::loaded::load;

const PERIODS: [(u32, Key); 3] = [(7, Key::Last7Days), (30, Key::Last30Days), (90, Key::Last90Days)];

const fn dimension_label(d: Dimension) -> Key {
    match d {
        Dimension::RootCause => Key::RootCause,
        Dimension::ProductCategory => Key::ProductCategory,
        Dimension::Channel => Key::Channel,
        Dimension::StarLevel => Key::Stars,
        Dimension::Agent => Key::Assignee,
    }
}

/// "92%" or "—".
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

/// "92% (23/25)".
fn hits(h: &HitCountView) -> String {
    format!("{} ({}/{})", percent(h.rate), h.met, h.met + h.missed)
}

#[component]
pub fn AnalysisPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::ServiceAnalysis);
    let days = RwSignal::new(30_u32);
    let by = RwSignal::new(Dimension::RootCause);
    let data = load(move || api::service::analysis(days.get_untracked(), by.get_untracked()));
    Effect::new(move |_| {
        days.track();
        by.track();
        data.reload.run(());
    });
    view! {
        <header class="page-header">
            <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::ServiceAnalysis)}</h1>
            <p class="muted">{move || i18n.t(Key::ServiceAnalysisSubtitle)}</p>
        </header>
        <ServiceTabs />
        <div class="tabs queue-tabs" role="tablist" aria-label=move || i18n.t(Key::Period)>
            {PERIODS
                .into_iter()
                .map(|(d, key)| view! {
                    <button type="button" role="tab" class="tabs__tab" aria-selected=move || (days.get() == d).to_string()
                        data-testid=format!("period-{d}") on:click=move |_| days.set(d)>
                        {move || i18n.t(key)}
                    </button>
                })
                .collect_view()}
        </div>
        {move || match (data.error.get(), data.value.get()) {
            (Some(e), _) => view! { <ErrorView error=e on_retry=data.reload /> }.into_any(),
            (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
            (None, Some((kpis, pareto))) => view! {
                <dl class="stats stats--four stats--compact" data-testid="service-figures">
                    <div class="stat"><dt>{move || i18n.t(Key::TicketsOpened)}</dt><dd>{kpis.tickets}</dd></div>
                    <div class="stat"><dt>{move || i18n.t(Key::FirstResponseTarget)}</dt><dd>{percent(kpis.first_response.rate)}</dd></div>
                    <div class="stat"><dt>{move || i18n.t(Key::ResolutionTarget)}</dt><dd>{percent(kpis.resolution.rate)}</dd></div>
                    <div class="stat"><dt>{move || i18n.t(Key::TargetsMissed)}</dt><dd>{kpis.first_response.missed + kpis.resolution.missed}</dd></div>
                </dl>
                <div class="analysis-grid">
                    <StarLevels kpis=kpis.clone() />
                    <Pareto rows=pareto by />
                </div>
                <Agents agents=kpis.agents />
            }
            .into_any(),
        }}
    }
}

/// One bar: a share of 0 to 1 with its text.
fn bar(label: String, share: Option<f64>, value: String) -> impl IntoView {
    let width = format!("width: {:.1}%", share.unwrap_or(0.0).clamp(0.0, 1.0) * 100.0);
    let title = label.clone();
    view! {
        <li class="bars__row">
            <span class="bars__label" title=title>{label}</span>
            <span class="bars__track"><span class="bars__fill" style=width></span></span>
            <span class="bars__value">{value}</span>
        </li>
    }
}

#[component]
fn StarLevels(kpis: ServiceKpisView) -> impl IntoView {
    let i18n = use_i18n();
    let rows = kpis.by_stars;
    view! {
        <section class="card analysis-card" data-testid="sla-by-stars">
            <h2 class="card__title">{move || i18n.t(Key::PromiseByStars)}</h2>
            {if rows.is_empty() {
                view! { <p class="muted">{move || i18n.t(Key::NoTicketsInPeriod)}</p> }.into_any()
            } else {
                rows.into_iter()
                    .map(|r| view! {
                        <div class="analysis-level" data-testid="sla-level" data-stars=r.stars.map(|s| s.to_string()).unwrap_or_default()>
                            <div class="analysis-level__head">
                                <span class="stars" class:stars--none=r.stars.is_none()>{star_text(r.stars)}</span>
                                <span class="muted">{move || i18n.t(Key::TicketsCount).replace("{n}", &r.tickets.to_string())}</span>
                            </div>
                            <ul class="bars">
                                {bar(i18n.t(Key::FirstResponseTarget).to_owned(), r.first_response.rate, hits(&r.first_response))}
                                {bar(i18n.t(Key::ResolutionTarget).to_owned(), r.resolution.rate, hits(&r.resolution))}
                            </ul>
                        </div>
                    })
                    .collect_view()
                    .into_any()
            }}
        </section>
    }
}

/// "▲ 3" / "▼ 2" / "–" against the period before.
fn trend(now: u64, before: u64) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("▲ {}", now - before),
        std::cmp::Ordering::Less => format!("▼ {}", before - now),
        std::cmp::Ordering::Equal => "–".to_owned(),
    }
}

#[component]
fn Pareto(rows: Vec<ParetoRowView>, by: RwSignal<Dimension>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card analysis-card" data-testid="complaint-pareto">
            <div class="analysis-card__head">
                <h2 class="card__title">{move || i18n.t(Key::ComplaintsBy)}</h2>
                <select class="toolbar__select" data-testid="pareto-by" aria-label=move || i18n.t(Key::ComplaintsBy)
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(d) = Dimension::ALL.into_iter().find(|d| d.wire() == value) {
                            by.set(d);
                        }
                    }>
                    {Dimension::ALL
                        .into_iter()
                        .map(|d| view! { <option value=d.wire() selected=move || by.get() == d>{move || i18n.t(dimension_label(d))}</option> })
                        .collect_view()}
                </select>
            </div>
            {if rows.is_empty() {
                view! { <p class="muted">{move || i18n.t(Key::NoComplaintsInPeriod)}</p> }.into_any()
            } else {
                view! {
                    <ul class="bars bars--pareto">
                        {rows.into_iter()
                            .map(|r| {
                                let label = pareto_label(i18n, by.get_untracked(), &r);
                                let value = format!("{} · {} · {}", r.count, percent(Some(r.cumulative_share)), trend(r.count, r.previous_count));
                                bar(label, Some(r.share), value)
                            })
                            .collect_view()}
                    </ul>
                    <p class="muted analysis-note">{move || i18n.t(Key::ParetoNote)}</p>
                }
                .into_any()
            }}
        </section>
    }
}

/// A Pareto group's name: channels and star levels in words, "unclassified" for none.
fn pareto_label(i18n: I18n, by: Dimension, r: &ParetoRowView) -> String {
    if r.key.is_empty() {
        return i18n.t(Key::Unclassified).to_owned();
    }
    match by {
        Dimension::Channel => starcrm_shared::customer::Channel::parse(&r.key)
            .map_or_else(|| r.label.clone(), |c| i18n.t(labels::channel(c)).to_owned()),
        Dimension::StarLevel => star_text(r.key.parse().ok()),
        _ => r.label.clone(),
    }
}

#[component]
fn Agents(agents: Vec<AgentKpiView>) -> impl IntoView {
    let i18n = use_i18n();
    let minutes = move |m: Option<i64>| m.map_or_else(|| "—".to_owned(), |m| labels::minutes_span(i18n, m));
    view! {
        <section class="card card--flush analysis-agents" data-testid="agent-kpis">
            <h2 class="card__title analysis-agents__title">{move || i18n.t(Key::AgentFigures)}</h2>
            {if agents.is_empty() {
                view! { <p class="muted analysis-agents__empty">{move || i18n.t(Key::NoTicketsInPeriod)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <thead>
                                <tr>
                                    <th>{move || i18n.t(Key::Assignee)}</th>
                                    <th class="num">{move || i18n.t(Key::Tickets)}</th>
                                    <th class="num hide-narrow">{move || i18n.t(Key::MedianFirstResponse)}</th>
                                    <th class="num hide-narrow">{move || i18n.t(Key::MedianResolution)}</th>
                                    <th class="num">{move || i18n.t(Key::HitRate)}</th>
                                    <th class="num hide-narrow">{move || i18n.t(Key::ReopenRate)}</th>
                                    <th class="num">{move || i18n.t(Key::Backlog)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {agents.into_iter().map(|a| {
                                    let met = a.first_response.met + a.resolution.met;
                                    let all = met + a.first_response.missed + a.resolution.missed;
                                    #[allow(clippy::cast_precision_loss, reason = "a share")]
                                    let rate = (all > 0).then(|| met as f64 / all as f64);
                                    view! {
                                        <tr data-testid="agent-row">
                                            <td>{a.name.clone()}</td>
                                            <td class="num">{format!("{} / {}", a.solved, a.tickets)}</td>
                                            <td class="num hide-narrow">{minutes(a.median_first_response_minutes)}</td>
                                            <td class="num hide-narrow">{minutes(a.median_resolution_minutes)}</td>
                                            <td class="num">{percent(rate)}</td>
                                            <td class="num hide-narrow">{percent(a.reopen_rate)}</td>
                                            <td class="num">{a.backlog}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}
