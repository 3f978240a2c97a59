//! The ratings page: the active policy, the latest re-rating and its progress, and the draft
//! editor: weights as sliders that keep the sum at 100, a scoring method per criterion,
//! thresholds, downgrade protection and the schedule; sample customers re-scored in the browser
//! on every change (by `shared::rating::evaluate`, the function the server rates with); a
//! simulation over everyone; activation.

use std::time::Duration;

use leptos::prelude::*;
use starcrm_shared::Permission;
use starcrm_shared::customer::currency_symbol;
use starcrm_shared::rating::{self, Cadence, NormalisationKind, Policy, PolicyStatus, Step, Unit, Welcome};
use starcrm_shared::rating_views::{JobView, PolicyVersionView, RatingPreview, SimulationView};

use crate::api::{self, ApiError};
use crate::components::chart::{MigrationMatrix, StarBars};
use crate::components::confirm::ConfirmDialog;
use crate::components::error_view::ErrorView;
use crate::components::field::FormError;
use crate::i18n::{I18n, Key, labels, use_i18n, use_page_title};
use crate::pages::customers::star_text;
use crate::state::session::use_session;

#[component]
pub fn RatingsPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::NavRatings);
    let round = RwSignal::new(0_u32);
    let loaded = RwSignal::new(None::<Result<api::ratings::RatingsPage, ApiError>>);
    Effect::new(move |_| {
        round.track();
        leptos::task::spawn_local(async move { loaded.set(Some(api::ratings::page().await)) });
    });
    view! {
        <header class="page-header">
            <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::NavRatings)}</h1>
            <p class="page-subtitle">{move || i18n.t(Key::RatingsSubtitle)}</p>
        </header>
        {move || match loaded.get() {
            None => view! { <div class="skeleton"></div> }.into_any(),
            Some(Err(error)) => view! { <ErrorView error on_retry=Callback::new(move |()| round.update(|r| *r += 1)) /> }.into_any(),
            Some(Ok(page)) => view! { <RatingsView page reload=Callback::new(move |()| round.update(|r| *r += 1)) /> }.into_any(),
        }}
    }
}

#[component]
fn RatingsView(page: api::ratings::RatingsPage, reload: Callback<()>) -> impl IntoView {
    let session = use_session();
    let can_manage = move || session.can(Permission::RatingsManage);
    let active = page.rating_policies.iter().find(|p| p.status == PolicyStatus::Active).cloned();
    let saved_draft = page.rating_policies.iter().find(|p| p.status == PolicyStatus::Draft).cloned();
    let start = saved_draft.as_ref().or(active.as_ref()).map_or_else(Policy::standard, |p| p.policy.clone());
    let draft = RwSignal::new(start.clone());
    let saved = RwSignal::new(saved_draft.as_ref().map(|d| (d.version, d.policy.clone())));
    let job = RwSignal::new(page.rating_jobs.first().cloned());
    let notice = RwSignal::new(None::<String>);
    let preview = StoredValue::new(page.rating_preview.clone());
    // The version a first save of the draft gets.
    let next_version = page.rating_policies.iter().map(|p| p.version).max().unwrap_or(0) + 1;

    view! {
        {move || notice.get().map(|m| view! { <p class="notice notice--ok notice--spaced" role="status" data-testid="notice">{m}</p> })}
        <div class="ratings-layout">
            <div class="ratings-layout__side">
                {active.clone().map(|a| view! { <ActiveCard active=a /> })}
                <JobCard job reload />
            </div>
            <div class="ratings-layout__main">
                <EditorCard draft saved baseline=active.as_ref().map_or_else(Policy::standard, |a| a.policy.clone()) can_manage=Signal::derive(can_manage) />
                <PreviewCard draft preview=preview.get_value() />
                <Show when=can_manage>
                    <ActionsCard draft saved job notice next_version />
                </Show>
            </div>
        </div>
    }
}

#[component]
fn ActiveCard(active: PolicyVersionView) -> impl IntoView {
    let i18n = use_i18n();
    let p = active.policy.clone();
    let since = active.activated_at.clone();
    view! {
        <section class="card" data-testid="active-policy">
            <div class="card__header">
                <h2 class="card__title">{move || i18n.t(Key::ActivePolicy)}</h2>
                <span class="pill pill--ok" data-testid="active-version">{move || i18n.t(Key::PolicyVersion).replace("{n}", &active.version.to_string())}</span>
            </div>
            {since.map(|s| view! { <p class="muted small">{move || i18n.t(Key::ActivatedOn).replace("{date}", &labels::date(i18n.locale(), &s))}</p> })}
            <ul class="bars">
                {p.rules.iter().map(|r| {
                    let (criterion, weight) = (r.criterion, r.weight);
                    view! {
                        <li class="bars__row">
                            <span class="bars__label">{move || i18n.t(labels::criterion(criterion))}</span>
                            <span class="bars__track"><span class="bars__fill" style=format!("width: {weight}%")></span></span>
                            <span class="bars__value mono">{weight}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="muted small">
                {let t = p.thresholds; move || format!("{} {:.0} · {:.0} · {:.0} · {:.0}", i18n.t(Key::Thresholds), t.two, t.three, t.four, t.five)}
            </p>
        </section>
    }
}

#[component]
fn JobCard(job: RwSignal<Option<JobView>>, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    // Follow a run while it is open; reload the page when it ends (stars moved).
    Effect::new(move |_| {
        let Some(open) = job.get().filter(JobView::open) else { return };
        set_timeout(
            move || {
                leptos::task::spawn_local(async move {
                    if let Ok(Some(now)) = api::ratings::job(&open.id).await {
                        let finished = !now.open();
                        job.set(Some(now));
                        if finished {
                            reload.run(());
                        }
                    }
                });
            },
            Duration::from_millis(800),
        );
    });
    let recalculate = move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(started) = api::ratings::recalculate().await {
                job.set(Some(started));
            }
        });
    };
    view! {
        <section class="card" data-testid="job-card">
            <div class="card__header">
                <h2 class="card__title">{move || i18n.t(Key::LatestRun)}</h2>
                <Show when=move || session.can(Permission::RatingsManage)>
                    <button type="button" class="button button--small" data-testid="recalculate"
                        disabled=move || job.get().is_some_and(|j| j.open()) on:click=recalculate>
                        {move || i18n.t(Key::Recalculate)}
                    </button>
                </Show>
            </div>
            {move || match job.get() {
                None => view! { <p class="muted">{move || i18n.t(Key::NoRunYet)}</p> }.into_any(),
                Some(j) => {
                    let status = j.status;
                    let trigger = j.trigger;
                    #[allow(clippy::cast_precision_loss, reason = "a percentage")]
                    let share = if j.total > 0 { j.processed as f64 / j.total as f64 * 100.0 } else { 0.0 };
                    view! {
                        <p data-testid="job-status" data-status=status.as_str()>
                            <span class=if j.open() { "pill pill--warn" } else { "pill pill--ok" }>{move || i18n.t(labels::job_status(status))}</span>
                            " "{move || i18n.t(labels::trigger(trigger))}
                        </p>
                        <div class="progress"><span class="progress__fill" style=format!("width: {share:.0}%")></span></div>
                        <p class="muted small">
                            {move || i18n.t(Key::JobProgress)
                                .replace("{done}", &j.processed.to_string())
                                .replace("{total}", &j.total.to_string())
                                .replace("{changed}", &j.changed.to_string())}
                        </p>
                        {j.finished_at.clone().map(|f| view! { <p class="muted small">{labels::time(i18n.locale(), &f)}</p> })}
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

#[component]
fn EditorCard(
    draft: RwSignal<Policy>,
    saved: RwSignal<Option<(i32, Policy)>>,
    /// The active policy: a draft equal to it (and never saved) has nothing unsaved.
    baseline: Policy,
    can_manage: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let count = draft.with_untracked(|p| p.rules.len());
    let total = move || draft.with(|p| p.rules.iter().map(|r| r.weight).sum::<u32>());
    let baseline = StoredValue::new(baseline);
    let dirty = move || {
        draft.with(|d| {
            saved.with(|s| s.as_ref().map_or_else(|| baseline.with_value(|b| d != b), |(_, p)| d != p))
        })
    };
    let number = |ev: &leptos::ev::Event| event_target_value(ev).trim().parse::<f64>().ok();
    let drag_start = StoredValue::new(None::<Vec<u32>>);
    let session = use_session();
    let currency = Signal::derive(move || session.viewer().map(|v| v.workspace.currency).unwrap_or_default());
    view! {
        <section class="card" data-testid="policy-editor">
            <div class="card__header">
                <h2 class="card__title">{move || i18n.t(Key::DraftPolicy)}</h2>
                {move || saved.get().map(|(v, _)| view! { <span class="pill">{i18n.t(Key::PolicyVersion).replace("{n}", &v.to_string())}</span> })}
                <Show when=dirty><span class="pill pill--warn" data-testid="draft-dirty">{move || i18n.t(Key::DraftUnsaved)}</span></Show>
            </div>
            <Show when=move || !can_manage.get()>
                <p class="notice notice--info" role="note" data-testid="read-only-note">{move || i18n.t(Key::PolicyReadOnly)}</p>
            </Show>
            <fieldset class="rules" disabled=move || !can_manage.get()>
                <div class="rules__head muted small">
                    <span>{move || i18n.t(Key::Criterion)}</span>
                    <span>{move || i18n.t(Key::Weight)}</span>
                    <span>{move || i18n.t(Key::Normalisation)}</span>
                </div>
                {(0..count).map(|i| {
                    let criterion = draft.with_untracked(|p| p.rules[i].criterion);
                    let unit = criterion.unit();
                    let weight = move || draft.with(|p| p.rules.get(i).map_or(0, |r| r.weight));
                    let kind = move || draft.with(|p| p.rules.get(i).map(|r| r.normalisation.kind));
                    view! {
                        <div class="rule" data-testid=format!("rule-{}", criterion.as_str())>
                            <span class="rule__name">{move || i18n.t(labels::criterion(criterion))}</span>
                            <div class="rule__weight">
                                <input type="range" min="0" max="100" step="1" class="slider"
                                    aria-label=move || format!("{} {}", i18n.t(labels::criterion(criterion)), i18n.t(Key::Weight))
                                    data-testid=format!("weight-{}", criterion.as_str())
                                    prop:value=move || weight().to_string()
                                    on:input=move |ev| {
                                        if let Ok(v) = event_target_value(&ev).parse::<u32>() {
                                            // The weights as the drag found them: every step of the
                                            // drag rebalances from these, so going back restores them.
                                            let start = drag_start.get_value().unwrap_or_else(|| {
                                                draft.with_untracked(|p| p.rules.iter().map(|r| r.weight).collect())
                                            });
                                            drag_start.set_value(Some(start.clone()));
                                            let w = rating::rebalanced_from(&start, i, v);
                                            draft.update(|p| {
                                                for (r, w) in p.rules.iter_mut().zip(w) { r.weight = w; }
                                            });
                                        }
                                    }
                                    on:change=move |_| drag_start.set_value(None) />
                                <span class="mono rule__value">{weight}</span>
                            </div>
                            <div class="rule__norm">
                                <select class="field__input" aria-label=move || i18n.t(Key::Normalisation)
                                    data-testid=format!("kind-{}", criterion.as_str())
                                    on:change=move |ev| {
                                        let Some(k) = NormalisationKind::parse(&event_target_value(&ev)) else { return };
                                        draft.update(|p| {
                                            let n = &mut p.rules[i].normalisation;
                                            n.kind = k;
                                            if k == NormalisationKind::Linear && n.cap <= 0.0 { n.cap = unit.stored(1.0); }
                                            if k == NormalisationKind::Steps && n.steps.is_empty() {
                                                n.steps = rating::Normalisation::step_table(&[(unit.stored(1.0), 1.0)]).steps;
                                            }
                                        });
                                    }>
                                    {[NormalisationKind::Linear, NormalisationKind::Steps, NormalisationKind::Percentile].into_iter().map(|k| view! {
                                        <option value=k.as_str() selected=move || kind() == Some(k)>{move || i18n.t(labels::normalisation(k))}</option>
                                    }).collect_view()}
                                </select>
                                <Show when=move || kind() == Some(NormalisationKind::Linear)>
                                    <span class="unit-input">
                                        <span class="muted small">{move || i18n.t(Key::Cap)}</span>
                                        {move || unit_prefix(unit, &currency.get())}
                                        <input type="number" min="0" step="any" class="field__input field__input--short" aria-label=move || format!("{} ({})", i18n.t(Key::Cap), unit_name(i18n, unit, &currency.get()))
                                            data-testid=format!("cap-{}", criterion.as_str())
                                            prop:value=move || draft.with(|p| p.rules.get(i).map_or(0.0, |r| unit.shown(r.normalisation.cap))).to_string()
                                            on:change=move |ev| if let Some(v) = number(&ev) { draft.update(|p| p.rules[i].normalisation.cap = unit.stored(v)) } />
                                        <span class="muted small">{move || unit_suffix(i18n, unit)}</span>
                                    </span>
                                </Show>
                            </div>
                            <Show when=move || kind() == Some(NormalisationKind::Steps)>
                                <StepTable draft index=i unit currency />
                            </Show>
                        </div>
                    }
                }).collect_view()}
                <p class="muted small" data-testid="weights-total">{move || i18n.t(Key::WeightsTotal).replace("{n}", &total().to_string())}</p>
                <h3 class="card__subtitle">{move || i18n.t(Key::Thresholds)}</h3>
                <div class="thresholds">
                    {(2..=5_u8).map(|n| {
                        let get = move || draft.with(|p| p.thresholds.floor_of(n));
                        view! {
                            <label class="field field--inline">
                                <span class="field__label">{move || i18n.t(Key::StarsFrom).replace("{n}", &n.to_string())}</span>
                                <input type="number" min="0" max="100" step="any" class="field__input field__input--short"
                                    data-testid=format!("threshold-{n}")
                                    prop:value=move || get().to_string()
                                    on:change=move |ev| if let Some(v) = number(&ev) {
                                        draft.update(|p| match n {
                                            2 => p.thresholds.two = v,
                                            3 => p.thresholds.three = v,
                                            4 => p.thresholds.four = v,
                                            _ => p.thresholds.five = v,
                                        });
                                    } />
                            </label>
                        }
                    }).collect_view()}
                </div>
                <div class="thresholds">
                    <label class="field field--inline">
                        <span class="field__label">{move || i18n.t(Key::WindowDays)}</span>
                        <input type="number" min="1" max="3650" class="field__input field__input--short" data-testid="window-days"
                            prop:value=move || draft.with(|p| p.window_days).to_string()
                            on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { draft.update(|p| p.window_days = v) } />
                    </label>
                    <label class="field field--inline">
                        <span class="field__label">{move || i18n.t(Key::GraceDays)}</span>
                        <input type="number" min="0" max="366" class="field__input field__input--short" data-testid="grace-days"
                            prop:value=move || draft.with(|p| p.grace_days).to_string()
                            on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { draft.update(|p| p.grace_days = v) } />
                    </label>
                    <label class="checkbox">
                        <input type="checkbox" prop:checked=move || draft.with(|p| p.one_step_down)
                            on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|p| p.one_step_down = on) } />
                        {move || i18n.t(Key::OneStepDown)}
                    </label>
                </div>
                <div class="thresholds">
                    <label class="field field--inline">
                        <span class="field__label">{move || i18n.t(Key::Schedule)}</span>
                        <select class="field__input" data-testid="cadence" on:change=move |ev| {
                            if let Some(c) = Cadence::parse(&event_target_value(&ev)) { draft.update(|p| p.schedule.cadence = c) }
                        }>
                            {Cadence::ALL.iter().map(|&c| view! {
                                <option value=c.as_str() selected=move || draft.with(|p| p.schedule.cadence) == c>{move || i18n.t(labels::cadence(c))}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <Show when=move || draft.with(|p| p.schedule.cadence) != Cadence::Manual>
                        <label class="field field--inline">
                            <span class="field__label">{move || i18n.t(Key::ScheduleDay)}</span>
                            <input type="number" min="1" max="28" class="field__input field__input--short"
                                prop:value=move || draft.with(|p| p.schedule.day).to_string()
                                on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { draft.update(|p| p.schedule.day = v) } />
                        </label>
                    </Show>
                </div>
                <WelcomeFields draft=draft />
            </fieldset>
        </section>
    }
}

/// The welcome level for new customers (新客户注册送星级): on or off, the stars and the days.
#[component]
fn WelcomeFields(draft: RwSignal<Policy>) -> impl IntoView {
    let i18n = use_i18n();
    let on = move || draft.with(|p| p.welcome.is_some());
    view! {
        <div class="thresholds" data-testid="welcome">
            <label class="checkbox">
                <input type="checkbox" data-testid="welcome-on" prop:checked=on
                    on:change=move |ev| {
                        let checked = event_target_checked(&ev);
                        draft.update(|p| p.welcome = checked.then_some(Welcome { stars: 3, days: 30 }));
                    } />
                {move || i18n.t(Key::WelcomeRule)}
            </label>
            <Show when=on>
                <label class="field field--inline">
                    <span class="field__label">{move || i18n.t(Key::WelcomeStars)}</span>
                    <select class="field__input" data-testid="welcome-stars" on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<u8>() {
                            draft.update(|p| if let Some(w) = p.welcome.as_mut() { w.stars = v });
                        }
                    }>
                        {(2..=5_u8).map(|n| view! {
                            <option value=n.to_string() selected=move || draft.with(|p| p.welcome.is_some_and(|w| w.stars == n))>
                                {"★".repeat(usize::from(n))}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field field--inline">
                    <span class="field__label">{move || i18n.t(Key::WelcomeDays)}</span>
                    <input type="number" min="1" max="366" class="field__input field__input--short" data-testid="welcome-days"
                        prop:value=move || draft.with(|p| p.welcome.map_or(30, |w| w.days)).to_string()
                        on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() {
                            draft.update(|p| if let Some(w) = p.welcome.as_mut() { w.days = v });
                        } />
                </label>
            </Show>
            <p class="muted">{move || i18n.t(Key::WelcomeHint)}</p>
        </div>
    }
}

/// The sign before a money value (`¥`), nothing for other units.
fn unit_prefix(unit: Unit, currency: &str) -> Option<String> {
    (unit == Unit::Money)
        .then(|| currency_symbol(currency).map_or_else(|| currency.to_owned(), str::to_owned))
}

/// The word after a value of `unit` (`days`, `orders`, `%`); nothing for money, which has its sign.
fn unit_suffix(i18n: I18n, unit: Unit) -> &'static str {
    match unit {
        Unit::Money => "",
        Unit::Orders => i18n.t(Key::UnitOrders),
        Unit::Days => i18n.t(Key::UnitDays),
        Unit::Categories => i18n.t(Key::UnitCategories),
        Unit::Percent => "%",
        Unit::Complaints => i18n.t(Key::UnitComplaints),
    }
}

/// The unit in words, for screen readers.
fn unit_name(i18n: I18n, unit: Unit, currency: &str) -> String {
    match unit {
        Unit::Money => currency.to_owned(),
        other => unit_suffix(i18n, other).to_owned(),
    }
}

/// A criterion's step table, editable: each row a threshold (in the criterion's unit) and the
/// share of the weight it earns; rows can be added and removed. `Policy::check` (on save)
/// says when the rows do not rise.
#[component]
fn StepTable(draft: RwSignal<Policy>, index: usize, unit: Unit, currency: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = move || draft.with(|p| p.rules.get(index).map_or(0, |r| r.normalisation.steps.len()));
    let step = move |j: usize| {
        draft.with(|p| p.rules.get(index).and_then(|r| r.normalisation.steps.get(j).copied()))
    };
    let set = move |j: usize, change: &dyn Fn(&mut Step)| {
        draft.update(|p| {
            if let Some(s) = p.rules.get_mut(index).and_then(|r| r.normalisation.steps.get_mut(j)) {
                change(s);
            }
        });
    };
    let number = |ev: &leptos::ev::Event| event_target_value(ev).trim().parse::<f64>().ok();
    let better_up =
        draft.with_untracked(|p| p.rules.get(index).is_some_and(|r| r.criterion.higher_is_better()));
    view! {
        <div class="steps-table" data-testid="step-table">
            <div class="steps-table__head muted small">
                <span>{move || if better_up { i18n.t(Key::StepAtLeast) } else { i18n.t(Key::StepAtMost) }}</span>
                <span>{move || i18n.t(Key::StepEarns)}</span>
                <span></span>
            </div>
            <For each=move || 0..rows() key=|j| *j children=move |j| view! {
                <div class="steps-table__row" data-testid="step-row">
                    <span class="unit-input">
                        {move || unit_prefix(unit, &currency.get())}
                        <input type="number" min="0" step="any" class="field__input field__input--short"
                            aria-label=move || i18n.t(if better_up { Key::StepAtLeast } else { Key::StepAtMost })
                            data-testid="step-threshold"
                            prop:value=move || step(j).map_or(0.0, |s| unit.shown(s.threshold)).to_string()
                            on:change=move |ev| if let Some(v) = number(&ev) { set(j, &|s| s.threshold = unit.stored(v)) } />
                        <span class="muted small">{move || unit_suffix(i18n, unit)}</span>
                    </span>
                    <span class="unit-input">
                        <input type="number" min="0" max="100" step="any" class="field__input field__input--short"
                            aria-label=move || i18n.t(Key::StepEarns)
                            data-testid="step-value"
                            prop:value=move || step(j).map_or(0.0, |s| (s.value * 1000.0).round() / 10.0).to_string()
                            on:change=move |ev| if let Some(v) = number(&ev) { set(j, &|s| s.value = v / 100.0) } />
                        <span class="muted small">"%"</span>
                    </span>
                    <button type="button" class="link-button" data-testid="remove-step" disabled=move || rows() <= 1
                        on:click=move |_| draft.update(|p| { if let Some(r) = p.rules.get_mut(index) { r.normalisation.steps.remove(j); } })>
                        {move || i18n.t(Key::RemoveStep)}
                    </button>
                </div>
            } />
            <button type="button" class="link-button" data-testid="add-step" on:click=move |_| draft.update(|p| {
                if let Some(r) = p.rules.get_mut(index) {
                    // A row past the last one, a step further along, earning the same.
                    let last = r.normalisation.steps.last().copied().unwrap_or(Step { threshold: 0.0, value: 1.0 });
                    r.normalisation.steps.push(Step { threshold: last.threshold + unit.stored(1.0).max(1.0), value: last.value });
                }
            })>
                {move || i18n.t(Key::AddStep)}
            </button>
        </div>
    }
}

#[component]
fn PreviewCard(draft: RwSignal<Policy>, preview: RatingPreview) -> impl IntoView {
    let i18n = use_i18n();
    let stats = StoredValue::new(preview.stats.clone());
    view! {
        <section class="card" data-testid="live-preview">
            <div class="card__header">
                <h2 class="card__title">{move || i18n.t(Key::LivePreview)}</h2>
            </div>
            <p class="muted small">{move || i18n.t(Key::LivePreviewHint)}</p>
            <div class="table-wrap">
                <table class="table">
                    <thead>
                        <tr>
                            <th>{move || i18n.t(Key::NavCustomers)}</th>
                            <th>{move || i18n.t(Key::NowStars)}</th>
                            <th>{move || i18n.t(Key::UnderDraft)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {preview.samples.into_iter().map(|s| {
                            let agg = s.aggregates;
                            let evaluated = move || draft.with(|p| stats.with_value(|st| rating::evaluate(&agg, p, st)));
                            view! {
                                <tr data-testid="preview-row" data-code=s.code.clone()>
                                    <td><a href=format!("/customers/{}", s.customer_id)>{s.code.clone()}" "{s.name.clone()}</a></td>
                                    <td class="stars">{star_text(s.stars)}</td>
                                    <td>
                                        <span class="stars" data-testid="preview-stars">{move || star_text(Some(i16::from(evaluated().stars)))}</span>
                                        " "<span class="mono muted" data-testid="preview-score">{move || format!("{:.1}", evaluated().score)}</span>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn ActionsCard(
    draft: RwSignal<Policy>,
    saved: RwSignal<Option<(i32, Policy)>>,
    job: RwSignal<Option<JobView>>,
    notice: RwSignal<Option<String>>,
    next_version: i32,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let simulation = RwSignal::new(None::<SimulationView>);
    let confirm = RwSignal::new(false);
    let field_error = move |failure: &ApiError| {
        failure.field.as_ref().map_or_else(
            || labels::form_error(i18n, failure),
            |f| format!("{f}: {}", labels::form_error(i18n, failure)),
        )
    };
    let save = move || async move {
        let policy = draft.get_untracked();
        match api::ratings::save_draft(&policy).await {
            Ok(v) => {
                saved.set(Some((v.version, v.policy.clone())));
                error.set(None);
                Some(v.version)
            }
            Err(failure) => {
                error.set(Some(field_error(&failure)));
                None
            }
        }
    };
    let on_save = move |_| {
        pending.set(true);
        leptos::task::spawn_local(async move {
            if let Some(v) = save().await {
                notice.set(Some(i18n.t(Key::DraftSavedAs).replace("{n}", &v.to_string())));
            }
            pending.set(false);
        });
    };
    let on_simulate = move |_| {
        pending.set(true);
        simulation.set(None);
        leptos::task::spawn_local(async move {
            match api::ratings::simulate(&draft.get_untracked()).await {
                Ok(sim) => {
                    error.set(None);
                    simulation.set(Some(sim));
                }
                Err(failure) => error.set(Some(field_error(&failure))),
            }
            pending.set(false);
        });
    };
    let on_activate = move |()| {
        confirm.set(false);
        pending.set(true);
        leptos::task::spawn_local(async move {
            if let Some(version) = save().await {
                match api::ratings::activate(version).await {
                    Ok(started) => {
                        saved.set(None);
                        job.set(Some(started));
                        notice.set(Some(i18n.t(Key::PolicyActivated).replace("{n}", &version.to_string())));
                    }
                    Err(failure) => error.set(Some(field_error(&failure))),
                }
            }
            pending.set(false);
        });
    };
    view! {
        <section class="card" data-testid="policy-actions">
            <div class="form__actions form__actions--start">
                <button type="button" class="button" data-testid="save-draft" disabled=move || pending.get() on:click=on_save>{move || i18n.t(Key::SaveDraft)}</button>
                <button type="button" class="button" data-testid="simulate" disabled=move || pending.get() on:click=on_simulate>
                    {move || if pending.get() && simulation.get().is_none() { i18n.t(Key::Simulating) } else { i18n.t(Key::Simulate) }}
                </button>
                <button type="button" class="button button--primary" data-testid="activate" disabled=move || pending.get() on:click=move |_| confirm.set(true)>{move || i18n.t(Key::Activate)}</button>
            </div>
            <FormError message=error />
            {move || simulation.get().map(|sim| view! {
                <div class="simulation" data-testid="simulation">
                    <h3 class="card__subtitle">{move || i18n.t(Key::SimulationTitle)}</h3>
                    <p class="muted small">{let n = sim.customers; move || i18n.t(Key::SimulationSummary).replace("{n}", &n.to_string())}</p>
                    <h4 class="small">{move || i18n.t(Key::Distribution)}</h4>
                    <StarBars series=vec![(Key::Before, sim.before.clone()), (Key::After, sim.after.clone())] test_id="simulation-bars" />
                    <h4 class="small">{move || i18n.t(Key::MigrationMatrix)}</h4>
                    <MigrationMatrix matrix=sim.matrix.clone() samples=sim.samples.clone() />
                </div>
            })}
        </section>
        <Show when=move || confirm.get()>
            <ConfirmDialog
                title=Key::ActivateTitle
                body=i18n.t(Key::ActivateBody).replace("{n}", &saved.get_untracked().map_or(next_version, |(v, _)| v).to_string())
                action=Key::Activate
                on_confirm=Callback::new(on_activate)
                on_close=Callback::new(move |()| confirm.set(false))
            />
        </Show>
    }
}
