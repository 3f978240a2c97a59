//! The feedback dashboard: the score with its margin of error and n, grouped by star level (or
//! channel, agent, store), the last twelve months, the terms that set unhappy comments apart from
//! happy ones, and the answers behind any of them.

use std::fmt::Write as _;

use leptos::prelude::*;
use starcrm_shared::surveys::SurveyKind;

use super::answers::{AnswerList, score_text};
use crate::api::surveys::{Dimension, Drill, GroupView, ResponseView, ScoreView, TermView, TermsView};
use crate::api::{self, ApiError};
use crate::components::error_view::ErrorView;
use crate::i18n::{I18n, Key, labels, use_i18n, use_page_title};
use crate::pages::customers::star_text;
use crate::state::loaded::load;

const PERIODS: [(u32, Key); 3] = [(30, Key::Last30Days), (90, Key::Last90Days), (365, Key::Last365Days)];

/// Below this many answers a score is shown as a rough guide only.
const SMALL_SAMPLE: u64 = 30;

const fn dimension_label(d: Dimension) -> Key {
    match d {
        Dimension::StarLevel => Key::Stars,
        Dimension::Channel => Key::Channel,
        Dimension::Agent => Key::FeedbackAgent,
        Dimension::Store => Key::FeedbackStore,
    }
}

/// The ends of a kind's scale: NPS -100 to 100, CSAT 0 to 100.
const fn scale(kind: SurveyKind) -> (f64, f64) {
    match kind {
        SurveyKind::Nps => (-100.0, 100.0),
        SurveyKind::Csat => (0.0, 100.0),
    }
}

/// Where `v` sits on the kind's scale, 0 to 100.
fn position(kind: SurveyKind, v: f64) -> f64 {
    let (low, high) = scale(kind);
    ((v - low) / (high - low) * 100.0).clamp(0.0, 100.0)
}

/// "± 12.4 · n 57".
fn margin_text(i18n: I18n, s: &ScoreView) -> String {
    let n = i18n.t(Key::FeedbackAnswersCount).replace("{n}", &s.n.to_string());
    match s.margin {
        Some(m) => format!("± {m:.1} · {n}"),
        None => n,
    }
}

#[component]
pub fn FeedbackPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::NavFeedback);
    let kind = RwSignal::new(SurveyKind::Nps);
    let days = RwSignal::new(90_u32);
    let by = RwSignal::new(Dimension::StarLevel);
    let drill = RwSignal::new(Drill::Latest);
    let data =
        load(move || api::surveys::results(kind.get_untracked(), days.get_untracked(), by.get_untracked()));
    let answers = RwSignal::new(None::<Result<Vec<ResponseView>, ApiError>>);
    Effect::new(move |_| {
        kind.track();
        days.track();
        by.track();
        data.reload.run(());
    });
    Effect::new(move |_| {
        let (k, d, which) = (kind.get(), days.get(), drill.get());
        answers.set(None);
        leptos::task::spawn_local(async move {
            answers.set(Some(api::surveys::responses(k, d, &which).await));
        });
    });
    // Another kind or period: the drill-down starts from the latest answers again.
    Effect::new(move |_| {
        kind.track();
        days.track();
        drill.set(Drill::Latest);
    });
    view! {
        <header class="page-header">
            <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::NavFeedback)}</h1>
            <p class="muted">{move || i18n.t(Key::FeedbackSubtitle)}</p>
        </header>
        <div class="feedback-toolbar">
            <div class="segmented" role="group" aria-label=move || i18n.t(Key::FeedbackKind)>
                {[SurveyKind::Nps, SurveyKind::Csat].into_iter().map(|k| view! {
                    <button type="button" class="segmented__item" class:segmented__item--on=move || kind.get() == k
                        aria-pressed=move || (kind.get() == k).to_string()
                        data-testid=format!("kind-{}", k.as_str()) on:click=move |_| kind.set(k)>
                        {match k { SurveyKind::Nps => "NPS", SurveyKind::Csat => "CSAT" }}
                    </button>
                }).collect_view()}
            </div>
            <div class="tabs queue-tabs" role="tablist" aria-label=move || i18n.t(Key::Period)>
                {PERIODS.into_iter().map(|(d, key)| view! {
                    <button type="button" role="tab" class="tabs__tab" aria-selected=move || (days.get() == d).to_string()
                        data-testid=format!("period-{d}") on:click=move |_| days.set(d)>
                        {move || i18n.t(key)}
                    </button>
                }).collect_view()}
            </div>
        </div>
        {move || match (data.error.get(), data.value.get()) {
            (Some(e), _) => view! { <ErrorView error=e on_retry=data.reload /> }.into_any(),
            (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
            (None, Some(results)) => {
                let k = kind.get_untracked();
                view! {
                    <div class="feedback-grid">
                        <Overall kind=k score=results.overall.clone() />
                        <Breakdown kind=k groups=results.groups.clone() by />
                    </div>
                    <Trend kind=k months=results.trend.clone() />
                    <Terms terms=results.terms.clone() drill />
                }
                .into_any()
            }
        }}
        <DrillDown drill answers />
    }
}

/// The answers behind the figures: the latest, the unhappy ones, or those using a term.
#[component]
fn DrillDown(
    drill: RwSignal<Drill>,
    answers: RwSignal<Option<Result<Vec<ResponseView>, ApiError>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card feedback-answers" data-testid="feedback-answers">
            <div class="analysis-card__head">
                <h2 class="card__title">
                    {move || match drill.get() {
                        Drill::Latest => i18n.t(Key::FeedbackLatest).to_owned(),
                        Drill::Unhappy => i18n.t(Key::FeedbackUnhappyAnswers).to_owned(),
                        Drill::Term(_, word) => i18n.t(Key::FeedbackUsingTerm).replace("{t}", &word),
                    }}
                </h2>
                <div class="segmented segmented--small">
                    <button type="button" class="segmented__item" class:segmented__item--on=move || drill.get() == Drill::Latest
                        data-testid="drill-latest" on:click=move |_| drill.set(Drill::Latest)>{move || i18n.t(Key::FeedbackAll)}</button>
                    <button type="button" class="segmented__item" class:segmented__item--on=move || drill.get() == Drill::Unhappy
                        data-testid="drill-unhappy" on:click=move |_| drill.set(Drill::Unhappy)>{move || i18n.t(Key::FeedbackUnhappyOnly)}</button>
                </div>
            </div>
            {move || match answers.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorView error=e /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted" data-testid="answers-empty">{move || i18n.t(Key::FeedbackNoAnswers)}</p> }.into_any(),
                Some(Ok(list)) => view! { <AnswerList answers=list with_customer=true /> }.into_any(),
            }}
        </section>
    }
}

/// The headline: the score, its interval and n, and how the answers split.
#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
fn Overall(kind: SurveyKind, score: ScoreView) -> impl IntoView {
    let i18n = use_i18n();
    let n = score.n;
    #[allow(clippy::cast_precision_loss, reason = "a share")]
    let share = move |part: u64| if n == 0 { 0.0 } else { part as f64 / n as f64 * 100.0 };
    let parts: Vec<(Key, u64, &'static str)> = match kind {
        SurveyKind::Nps => vec![
            (Key::FeedbackPromoters, score.promoters, "split__part--happy"),
            (Key::FeedbackPassives, score.passives, "split__part--middle"),
            (Key::FeedbackDetractors, score.detractors, "split__part--unhappy"),
        ],
        SurveyKind::Csat => vec![
            (Key::FeedbackSatisfied, score.satisfied, "split__part--happy"),
            (Key::FeedbackNotSatisfied, n.saturating_sub(score.satisfied), "split__part--middle"),
        ],
    };
    let interval = match (score.low, score.high) {
        (Some(low), Some(high)) => Some(format!("{low:.0} – {high:.0}")),
        _ => None,
    };
    view! {
        <section class="card feedback-overall" data-testid="feedback-overall" data-n=n.to_string()>
            <h2 class="card__title">{move || match kind { SurveyKind::Nps => "NPS", SurveyKind::Csat => "CSAT" }}</h2>
            <p class="feedback-overall__value" data-testid="feedback-value">{score_text(kind, score.value)}</p>
            <p class="feedback-overall__margin">{move || margin_text(i18n, &score)}</p>
            {interval.map(|i| view! { <p class="muted">{move || i18n.t(Key::FeedbackInterval).replace("{i}", &i)}</p> })}
            {(n > 0 && n < SMALL_SAMPLE).then(|| view! { <p class="notice notice--warn feedback-note">{move || i18n.t(Key::FeedbackSmallSample)}</p> })}
            {(n > 0).then(|| view! {
                <div class="split" role="img" aria-label=move || i18n.t(Key::FeedbackSplit)>
                    {parts.iter().map(|(_, count, class)| view! {
                        <span class=format!("split__part {class}") style=format!("width: {:.1}%", share(*count))></span>
                    }).collect_view()}
                </div>
                <ul class="legend legend--column">
                    {parts.iter().map(|(key, count, class)| {
                        let key = *key;
                        let text = format!("{count} ({:.0}%)", share(*count));
                        view! {
                            <li class="legend__item">
                                <span class=format!("legend__swatch {class}")></span>
                                {move || i18n.t(key)}
                                <span class="legend__value">{text.clone()}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            {(n == 0).then(|| view! { <p class="muted">{move || i18n.t(Key::FeedbackNoAnswers)}</p> })}
        </section>
    }
}

/// A group's name: star levels as stars, channels in words, agents by name.
fn group_label(i18n: I18n, by: Dimension, g: &GroupView) -> String {
    let Some(key) = g.key.as_deref() else {
        return i18n
            .t(match by {
                Dimension::StarLevel => Key::Unrated,
                _ => Key::Unclassified,
            })
            .to_owned();
    };
    match by {
        Dimension::StarLevel => star_text(key.parse().ok()),
        Dimension::Channel => starcrm_shared::customer::Channel::parse(&key.to_ascii_lowercase())
            .map_or_else(|| key.to_owned(), |c| i18n.t(labels::channel(c)).to_owned()),
        Dimension::Agent => g.agent.as_ref().map_or_else(|| key.to_owned(), |a| a.name.clone()),
        Dimension::Store => key.to_owned(),
    }
}

/// Each group's score as a dot on the scale with its 95% interval as a band.
#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
fn Breakdown(kind: SurveyKind, groups: Vec<GroupView>, by: RwSignal<Dimension>) -> impl IntoView {
    let i18n = use_i18n();
    let zero = position(kind, 0.0);
    view! {
        <section class="card feedback-breakdown" data-testid="feedback-breakdown">
            <div class="analysis-card__head">
                <h2 class="card__title">{move || i18n.t(Key::FeedbackBy)}</h2>
                <select class="toolbar__select" data-testid="feedback-by" aria-label=move || i18n.t(Key::FeedbackBy)
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(d) = Dimension::ALL.into_iter().find(|d| d.wire() == value) {
                            by.set(d);
                        }
                    }>
                    {Dimension::ALL.into_iter()
                        .map(|d| view! { <option value=d.wire() selected=move || by.get() == d>{move || i18n.t(dimension_label(d))}</option> })
                        .collect_view()}
                </select>
            </div>
            {if groups.iter().all(|g| g.score.n == 0) {
                view! { <p class="muted">{move || i18n.t(Key::FeedbackNoAnswers)}</p> }.into_any()
            } else {
                let dimension = by.get_untracked();
                view! {
                    <ul class="intervals">
                        {groups.into_iter().filter(|g| g.score.n > 0).map(|g| {
                            let label = group_label(i18n, dimension, &g);
                            let s = g.score.clone();
                            let band = match (s.low, s.high) {
                                (Some(low), Some(high)) => {
                                    let (a, b) = (position(kind, low), position(kind, high));
                                    format!("left: {a:.1}%; width: {:.1}%", (b - a).max(0.5))
                                }
                                _ => "display: none".to_owned(),
                            };
                            let dot = s.value.map_or_else(|| "display: none".to_owned(), |v| format!("left: {:.1}%", position(kind, v)));
                            let title = label.clone();
                            view! {
                                <li class="intervals__row" data-testid="feedback-group" data-key=g.key.clone().unwrap_or_default()>
                                    <span class="intervals__label" class:intervals__label--stars=dimension == Dimension::StarLevel && g.key.is_some()
                                        title=title>{label}</span>
                                    <span class="intervals__track">
                                        {(kind == SurveyKind::Nps).then(|| view! { <span class="intervals__zero" style=format!("left: {zero:.1}%")></span> })}
                                        <span class="intervals__band" style=band></span>
                                        <span class="intervals__dot" style=dot></span>
                                    </span>
                                    <span class="intervals__value">
                                        <strong>{score_text(kind, s.value)}</strong>
                                        <span class="muted">{move || format!(" {}", margin_text(i18n, &s))}</span>
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p class="muted analysis-note">{move || i18n.t(Key::FeedbackIntervalNote)}</p>
                }
                .into_any()
            }}
        </section>
    }
}

/// The last twelve months: the score as a line, its 95% interval as a band, months without
/// answers left as gaps.
#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
fn Trend(kind: SurveyKind, months: Vec<GroupView>) -> impl IntoView {
    const W: f64 = 600.0;
    const H: f64 = 180.0;
    const PAD: f64 = 14.0;
    let i18n = use_i18n();
    let count = months.len().max(1);
    #[allow(clippy::cast_precision_loss, reason = "a dozen months")]
    let step = W / count as f64;
    #[allow(clippy::cast_precision_loss, reason = "a dozen months")]
    let x = move |i: usize| (i as f64 + 0.5) * step;
    let y = move |v: f64| PAD + (100.0 - position(kind, v)) / 100.0 * (H - 2.0 * PAD);
    let mut line = String::new();
    let mut band_top: Vec<(f64, f64)> = Vec::new();
    let mut bands = Vec::new();
    let mut band_bottom: Vec<(f64, f64)> = Vec::new();
    let mut previous = false;
    for (i, m) in months.iter().enumerate() {
        if let (Some(v), Some(low), Some(high)) = (m.score.value, m.score.low, m.score.high) {
            let _ = write!(line, "{}{:.1},{:.1} ", if previous { "L" } else { "M" }, x(i), y(v));
            band_top.push((x(i), y(high)));
            band_bottom.push((x(i), y(low)));
            previous = true;
        } else {
            if !band_top.is_empty() {
                bands.push((std::mem::take(&mut band_top), std::mem::take(&mut band_bottom)));
            }
            previous = false;
        }
    }
    if !band_top.is_empty() {
        bands.push((band_top, band_bottom));
    }
    let polygons: Vec<String> = bands
        .into_iter()
        .map(|(top, bottom)| {
            let (top, bottom) = if top.len() == 1 {
                // One month alone: a narrow band around its point.
                let (px, t) = top[0];
                let (_, b) = bottom[0];
                (vec![(px - 6.0, t), (px + 6.0, t)], vec![(px - 6.0, b), (px + 6.0, b)])
            } else {
                (top, bottom)
            };
            top.iter()
                .chain(bottom.iter().rev())
                .map(|(px, py)| format!("{px:.1},{py:.1}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let (low, high) = scale(kind);
    let grid: Vec<f64> = if kind == SurveyKind::Nps { vec![high, 0.0, low] } else { vec![high, 50.0, low] };
    let any = months.iter().any(|m| m.score.n > 0);
    let points: Vec<(f64, f64, String)> = months
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            m.score.value.map(|v| (x(i), y(v), format!("{} · n {}", score_text(kind, Some(v)), m.score.n)))
        })
        .collect();
    let labels: Vec<(u32, u64)> = months
        .iter()
        .map(|m| {
            let key = m.key.clone().unwrap_or_default();
            (key.get(5..7).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0), m.score.n)
        })
        .collect();
    view! {
        <section class="card feedback-trend" data-testid="feedback-trend">
            <h2 class="card__title">{move || i18n.t(Key::FeedbackTrend)}</h2>
            {if any {
                view! {
                    <div class="trend">
                        <div class="trend__axis" aria-hidden="true">
                            {grid.iter().map(|g| view! { <span>{score_text(kind, Some(*g)).replace('+', "")}</span> }).collect_view()}
                        </div>
                        <svg class="trend__plot" viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img"
                            aria-label=move || i18n.t(Key::FeedbackTrend)>
                            {grid.iter().map(|g| {
                                let gy = y(*g);
                                view! { <line class="trend__grid" x1="0" x2=W.to_string() y1=format!("{gy:.1}") y2=format!("{gy:.1}") /> }
                            }).collect_view()}
                            {polygons.into_iter().map(|p| view! { <polygon class="trend__band" points=p /> }).collect_view()}
                            <path class="trend__line" d=line />
                        </svg>
                        <div class="trend__points">
                            {points.into_iter().map(|(px, py, title)| view! {
                                <span class="trend__point" title=title
                                    style=format!("left: {:.2}%; top: {:.2}%", px / W * 100.0, py / H * 100.0)></span>
                            }).collect_view()}
                        </div>
                    </div>
                    <div class="trend__months">
                        {labels.into_iter().map(|(month, n)| view! {
                            <span class="trend__month"><span>{move || month_label(i18n, month)}</span><span class="muted">{format!("n {n}")}</span></span>
                        }).collect_view()}
                    </div>
                }
                .into_any()
            } else {
                view! { <p class="muted">{move || i18n.t(Key::FeedbackNoAnswers)}</p> }.into_any()
            }}
        </section>
    }
}

/// "11月" / "Nov".
fn month_label(i18n: I18n, month: u32) -> String {
    const EN: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    match i18n.locale() {
        crate::i18n::Locale::ZhCn => format!("{month}月"),
        crate::i18n::Locale::En => EN.get(month.wrapping_sub(1) as usize).copied().unwrap_or("").to_owned(),
    }
}

/// Terms unhappy comments use more than happy ones, and the other way round; a term opens the
/// answers that use it.
#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
fn Terms(terms: TermsView, drill: RwSignal<Drill>) -> impl IntoView {
    let i18n = use_i18n();
    let column = move |title: Key, list: Vec<TermView>, test_id: &'static str, class: &'static str| {
        view! {
            <div class="terms__column" data-testid=test_id>
                <h3 class="terms__title">{move || i18n.t(title)}</h3>
                {if list.is_empty() {
                    view! { <p class="muted">{move || i18n.t(Key::FeedbackNoTerms)}</p> }.into_any()
                } else {
                    view! {
                        <ul class="terms__list">
                            {list.into_iter().map(|t| {
                                let term = t.term.clone();
                                let chosen = term.clone();
                                let shown = t.word.clone();
                                let title = format!("z = {:.2} · {} / {}", t.z, t.count, t.other_count);
                                view! {
                                    <li>
                                        <button type="button" class=format!("term {class}") class:term--significant=t.significant
                                            class:term--on=move || drill.with(|d| matches!(d, Drill::Term(x, _) if *x == chosen))
                                            data-testid="term" data-term=term.clone() title=title
                                            on:click=move |_| drill.set(Drill::Term(term.clone(), shown.clone()))>
                                            <span class="term__word">{t.word.clone()}</span>
                                            <span class="term__count">{t.count}</span>
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
            </div>
        }
    };
    let (unhappy, happy) = (terms.unhappy_comments, terms.happy_comments);
    view! {
        <section class="card feedback-terms" data-testid="feedback-terms">
            <h2 class="card__title">{move || i18n.t(Key::FeedbackTermsTitle)}</h2>
            <p class="muted">
                {move || i18n.t(Key::FeedbackTermsBasis).replace("{unhappy}", &unhappy.to_string()).replace("{happy}", &happy.to_string())}
            </p>
            <div class="terms">
                {column(Key::FeedbackTermsUnhappy, terms.unhappy.clone(), "terms-unhappy", "term--unhappy")}
                {column(Key::FeedbackTermsHappy, terms.happy.clone(), "terms-happy", "term--happy")}
            </div>
            <p class="muted analysis-note">{move || i18n.t(Key::FeedbackTermsNote)}</p>
        </section>
    }
}
