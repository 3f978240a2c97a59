//! The purchase-behaviour models: the last fit (how many customers, when, how long), each
//! model's parameters and fit, the calibration check in a chart (predicted against actual
//! purchases after the cut-off, by how often customers had bought) with a verdict on whether to
//! trust it, what the recommendations learnt (their offline hit rate against best sellers, the
//! strongest pairs bought together), and the lifecycle rules with the scoring model.

use leptos::prelude::*;
use starcrm_shared::Permission;
use starcrm_shared::customer::group_thousands;
use starcrm_shared::insight::lifecycle::Rules;
use starcrm_shared::insight::models::ModelKind;
use starcrm_shared::insight::report::{Calibration, FitStatus, RecommendationReport};

use super::InsightTabs;
use crate::api;
use crate::api::insight::{AssociationView, ModelView, SettingsView};
use crate::components::error_view::ErrorView;
use crate::i18n::{I18n, Key, labels, use_i18n, use_page_title};
use crate::state::loaded::load;
use crate::state::session::use_session;

const fn model_name(kind: ModelKind) -> Key {
    match kind {
        ModelKind::BgNbd => Key::ModelBgNbd,
        ModelKind::ModifiedBgNbd => Key::ModelMbgNbd,
    }
}

#[component]
pub fn ModelPage() -> impl IntoView {
    use_page_title(Key::ModelsTitle);
    let i18n = use_i18n();
    let session = use_session();
    let data = load(api::insight::model);
    let reload = data.reload;
    reload.run(());
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let refit = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::insight::recompute().await {
                Ok(()) => notice.set(Some(i18n.t(Key::ModelsRefitted).to_owned())),
                Err(e) => notice.set(Some(labels::form_error(i18n, &e))),
            }
            busy.set(false);
            reload.run(());
        });
    };
    view! {
        <header class="page-header page-header--split">
            <div>
                <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::ModelsTitle)}</h1>
                <p class="page-subtitle muted">{move || i18n.t(Key::ModelsSubtitle)}</p>
            </div>
            <Show when=move || session.can(Permission::RatingsManage)>
                <button type="button" class="button button--primary" data-testid="refit" disabled=move || busy.get() on:click=refit>
                    {move || i18n.t(if busy.get() { Key::ModelsRefitting } else { Key::ModelsRefit })}
                </button>
            </Show>
        </header>
        <InsightTabs />
        {move || notice.get().map(|m| view! { <p class="notice notice--ok notice--spaced" role="status" data-testid="notice">{m}</p> })}
        {move || data.error.get().map(|error| view! { <ErrorView error on_retry=Callback::new(move |()| reload.run(())) /> })}
        {move || data.value.get().map(|(model, settings, pairs)| view! {
            <div class="grid">
                <FitCard model=model.clone() />
                <CalibrationCard model=model.clone() />
            </div>
            <RecommendationsCard report=model.recommendations pairs />
            <RulesCard settings on_saved=Callback::new(move |()| reload.run(())) />
        })}
    }
}

fn status_text(i18n: I18n, model: &ModelView) -> String {
    match model.status {
        FitStatus::NotYet => i18n.t(Key::ModelsNotYet).to_owned(),
        FitStatus::Fitted => i18n
            .t(if model.sampled_customers.is_some() { Key::ModelsFittedSample } else { Key::ModelsFitted })
            .replace("{s}", &group_thousands(model.sampled_customers.unwrap_or_default()))
            .replace("{n}", &group_thousands(model.customers))
            .replace("{r}", &group_thousands(model.repeat_buyers)),
        FitStatus::TooLittleData => i18n
            .t(Key::ModelsTooLittle)
            .replace("{n}", &group_thousands(model.customers))
            .replace("{r}", &group_thousands(model.repeat_buyers)),
        FitStatus::Failed => {
            format!("{} {}", i18n.t(Key::ModelsFailed), model.message.clone().unwrap_or_default())
        }
    }
}

#[component]
fn FitCard(model: ModelView) -> impl IntoView {
    let i18n = use_i18n();
    let status = model.status;
    let status_line = {
        let model = model.clone();
        move || status_text(i18n, &model)
    };
    let fitted_at = model.fitted_at.clone();
    let scoring = model.scoring;
    let took = model.duration_ms;
    let fitted = !model.count_models.is_empty();
    view! {
        <section class="card" data-testid="fit-card">
            <h2 class="card__title">{move || i18n.t(Key::ModelsFitTitle)}</h2>
            <p class=move || if status == FitStatus::Fitted { "notice notice--ok" } else { "notice notice--warn" } data-testid="fit-status">{status_line}</p>
            <p class="muted small">
                {move || fitted_at.as_deref().map(|t| format!("{} {} · {} ms", i18n.t(Key::ModelsFittedAt), labels::date(i18n.locale(), t), took))}
            </p>
            <p class="small">{move || i18n.t(Key::ModelsScoringWith)}" "<strong>{move || i18n.t(model_name(scoring))}</strong></p>
            <Show when=move || fitted>
                <div class="table-scroll"><table class="table" data-testid="fit-params">
                    <thead>
                        <tr>
                            <th>{move || i18n.t(Key::ModelsModel)}</th>
                            <th>"r"</th><th>"α"</th><th>"a"</th><th>"b"</th>
                            <th>{move || i18n.t(Key::ModelsLogLikelihood)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {model.count_models.iter().map(|m| {
                            let kind = m.kind;
                            view! {
                                <tr>
                                    <td>{move || i18n.t(model_name(kind))}</td>
                                    <td>{format!("{:.3}", m.r)}</td>
                                    <td>{format!("{:.2}", m.alpha)}</td>
                                    <td>{format!("{:.3}", m.a)}</td>
                                    <td>{format!("{:.3}", m.b)}</td>
                                    <td>{format!("{:.4}", m.log_likelihood)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table></div>
            </Show>
            {model.spend.clone().map(|s| view! {
                <p class="small" data-testid="fit-spend">
                    {move || i18n.t(Key::ModelsSpend)}
                    {format!(" p = {:.3}, q = {:.3}, v = {:.1} · ", s.p, s.q, s.v)}
                    {move || i18n.t(Key::ModelsCorrelation).replace("{c}", &format!("{:.2}", s.frequency_spend_correlation))}
                </p>
            })}
        </section>
    }
}

const fn verdict(relative_error: f64) -> Key {
    if relative_error < 0.2 {
        Key::ModelsTrustGood
    } else if relative_error < 0.4 {
        Key::ModelsTrustRough
    } else {
        Key::ModelsTrustPoor
    }
}

#[component]
fn CalibrationCard(model: ModelView) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-testid="calibration-card">
            <h2 class="card__title">{move || i18n.t(Key::ModelsCalibrationTitle)}</h2>
            {match model.calibration {
                None => view! { <p class="muted">{move || i18n.t(Key::ModelsNoCalibration)}</p> }.into_any(),
                Some(c) => view! { <CalibrationChart c /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn CalibrationChart(c: Calibration) -> impl IntoView {
    let i18n = use_i18n();
    let top = c.groups.iter().map(|g| g.predicted.max(g.actual)).fold(0.0_f64, f64::max).max(0.01);
    let cut_off = c.cut_off.clone();
    let days = c.holdout_days;
    let error = c.relative_error;
    let totals = format!("{:.0} / {:.0}", c.predicted_total, c.actual_total);
    view! {
        <p class="muted small">
            {move || i18n.t(Key::ModelsCalibrationHint).replace("{date}", &labels::date(i18n.locale(), &cut_off)).replace("{n}", &days.to_string())}
        </p>
        <div class="calibration" role="img" aria-label=move || i18n.t(Key::ModelsCalibrationTitle) data-testid="calibration-chart">
            {c.groups.iter().map(|g| {
                let label = if g.and_more { format!("{}+", g.frequency) } else { g.frequency.to_string() };
                let (p, a) = (g.predicted / top * 100.0, g.actual / top * 100.0);
                let title = format!("{:.2} / {:.2} · {}", g.predicted, g.actual, g.customers);
                view! {
                    <div class="calibration__group" title=title>
                        <div class="calibration__bars">
                            <span class="calibration__bar calibration__bar--predicted" style=format!("height:{p:.1}%")></span>
                            <span class="calibration__bar calibration__bar--actual" style=format!("height:{a:.1}%")></span>
                        </div>
                        <span class="calibration__label">{label}</span>
                    </div>
                }
            }).collect_view()}
        </div>
        <p class="legend small">
            <span class="legend__swatch legend__swatch--predicted"></span>{move || i18n.t(Key::ModelsPredicted)}
            " "
            <span class="legend__swatch legend__swatch--actual"></span>{move || i18n.t(Key::ModelsActual)}
            " · "{move || i18n.t(Key::ModelsRepeatAxis)}
        </p>
        <div class="table-scroll"><table class="table" data-testid="calibration-table">
            <thead><tr>
                <th>{move || i18n.t(Key::ModelsRepeatAxis)}</th>
                <th>{move || i18n.t(Key::NavCustomers)}</th>
                <th>{move || i18n.t(Key::ModelsPredicted)}</th>
                <th>{move || i18n.t(Key::ModelsActual)}</th>
            </tr></thead>
            <tbody>
                {c.groups.iter().map(|g| view! {
                    <tr>
                        <td>{if g.and_more { format!("{}+", g.frequency) } else { g.frequency.to_string() }}</td>
                        <td>{group_thousands(g.customers)}</td>
                        <td>{format!("{:.2}", g.predicted)}</td>
                        <td>{format!("{:.2}", g.actual)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
        <p class="small" data-testid="calibration-verdict">
            <strong>{move || i18n.t(verdict(error))}</strong>
            {move || format!(" · {} {:.0}% · {} {}", i18n.t(Key::ModelsError), error * 100.0, i18n.t(Key::ModelsTotals), totals)}
        </p>
    }
}

/// What the recommendations learnt from baskets: the offline check against best sellers (a bar
/// each) and the strongest "bought together" pairs.
#[component]
fn RecommendationsCard(report: Option<RecommendationReport>, pairs: Vec<AssociationView>) -> impl IntoView {
    let i18n = use_i18n();
    let Some(r) = report else {
        return view! {
            <section class="card" data-testid="recommendations-card">
                <h2 class="card__title">{move || i18n.t(Key::RecsTitle)}</h2>
                <p class="muted">{move || i18n.t(Key::ModelsNotYet)}</p>
            </section>
        }
        .into_any();
    };
    let percent = |rate: f64| format!("{:.1}%", rate * 100.0);
    let e = r.evaluation;
    let (hit_rate, popular_hit_rate) = (e.hit_rate(), e.popular_hit_rate());
    let top = hit_rate.max(popular_hit_rate).max(0.001);
    let bar = move |label: Key, rate: f64, class: &'static str, test_id: &'static str| {
        view! {
            <li class="funnel__row" data-testid=test_id>
                <span class="funnel__label">{move || i18n.t(label)}</span>
                <span class="funnel__track"><span class=format!("funnel__bar {class}") style=format!("width: {:.1}%", rate / top * 100.0)></span></span>
                <span class="funnel__value">{percent(rate)}</span>
            </li>
        }
    };
    let counts = move || {
        i18n.t(Key::RecsCounts)
            .replace("{b}", &group_thousands(r.baskets))
            .replace("{p}", &group_thousands(r.products))
            .replace("{a}", &group_thousands(r.associations))
    };
    let check = move || {
        i18n.t(Key::RecsCheck)
            .replace("{n}", &group_thousands(r.evaluation.customers))
            .replace("{k}", &r.evaluation.k.to_string())
    };
    let verdict = if e.better() {
        Key::RecsBetter
    } else if e.worse() {
        Key::RecsWorse
    } else {
        Key::RecsNotBetter
    };
    let p_value = e.p_value();
    let empty = pairs.is_empty();
    view! {
        <section class="card" data-testid="recommendations-card">
            <h2 class="card__title">{move || i18n.t(Key::RecsTitle)}</h2>
            <p class="muted small">{counts}</p>
            <p class="small">{check}</p>
            <ul class="funnel" data-testid="recs-hit-rates">
                {bar(Key::RecsOurs, hit_rate, "", "recs-hit-rate")}
                {bar(Key::RecsPopular, popular_hit_rate, "funnel__bar--muted", "recs-popular-rate")}
            </ul>
            <p class=if e.better() { "notice notice--ok" } else { "notice notice--warn" } data-testid="recs-verdict">
                {move || i18n.t(verdict).replace("{p}", &format!("{p_value:.2}"))}
            </p>
            <h3 class="card__subtitle">{move || i18n.t(Key::RecsPairs)}</h3>
            {if empty {
                view! { <p class="muted">{move || i18n.t(Key::RecsNoPairs)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll"><table class="table" data-testid="recs-pairs">
                        <thead><tr>
                            <th>{move || i18n.t(Key::RecsBought)}</th>
                            <th>{move || i18n.t(Key::RecsAlsoBought)}</th>
                            <th class="num">{move || i18n.t(Key::RecsBaskets)}</th>
                            <th class="num">{move || i18n.t(Key::RecsConfidence)}</th>
                            <th class="num">{move || i18n.t(Key::RecsLift)}</th>
                        </tr></thead>
                        <tbody>
                            {pairs.into_iter().map(|a| view! {
                                <tr>
                                    <td>{a.from.name}</td>
                                    <td>{a.to.name}</td>
                                    <td class="num">{group_thousands(a.baskets.unsigned_abs())}</td>
                                    <td class="num">{format!("{:.0}%", a.confidence * 100.0)}</td>
                                    <td class="num">{format!("{:.2}", a.lift)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

/// A number field of the rules form.
#[component]
fn RuleField(
    label: Key,
    value: RwSignal<f64>,
    step: &'static str,
    test_id: &'static str,
    disabled: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="field">
            <span class="field__label">{move || i18n.t(label)}</span>
            <input
                class="field__input"
                type="number"
                step=step
                data-testid=test_id
                disabled=move || disabled.get()
                prop:value=move || value.get().to_string()
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                        value.set(v);
                    }
                }
            />
        </label>
    }
}

#[component]
fn RulesCard(settings: SettingsView, #[prop(into)] on_saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let r = settings.rules.clone();
    let automatic = RwSignal::new(r.automatic);
    let model = RwSignal::new(settings.model);
    let fields = [
        (Key::RuleNewDays, f64::from(r.new_days), "1", "rule-new-days"),
        (Key::RuleLoyalPurchases, f64::from(r.loyal_min_purchases), "1", "rule-loyal-purchases"),
        (Key::RuleLoyalStars, f64::from(r.loyal_min_stars), "1", "rule-loyal-stars"),
        (Key::RuleAtRiskBelow, r.at_risk_below, "0.05", "rule-at-risk"),
        (Key::RuleOverdue, r.overdue_factor, "0.5", "rule-overdue"),
        (Key::RuleComplaintDays, f64::from(r.complaint_days), "1", "rule-complaint-days"),
        (Key::RuleComplaintStars, f64::from(r.complaint_min_stars), "1", "rule-complaint-stars"),
        (Key::RuleChurnedBelow, r.churned_below, "0.05", "rule-churned"),
        (Key::RuleChurnedDays, f64::from(r.churned_days), "1", "rule-churned-days"),
        (Key::RuleWonBackDays, f64::from(r.won_back_days), "1", "rule-won-back-days"),
    ]
    .map(|(key, value, step, id)| (key, RwSignal::new(value), step, id));
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let read_only = Signal::derive(move || !session.can(Permission::RatingsManage));
    let save = move |_| {
        let v = |i: usize| fields[i].1.get_untracked();
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "whole numbers from number fields, checked by the server"
        )]
        let whole = |i: usize| v(i).round().max(0.0) as u32;
        let rules = Rules {
            automatic: automatic.get_untracked(),
            new_days: whole(0),
            loyal_min_purchases: whole(1),
            loyal_min_stars: u8::try_from(whole(2)).unwrap_or(u8::MAX),
            at_risk_below: v(3),
            overdue_factor: v(4),
            complaint_days: whole(5),
            complaint_min_stars: u8::try_from(whole(6)).unwrap_or(u8::MAX),
            churned_below: v(7),
            churned_days: whole(8),
            won_back_days: whole(9),
        };
        let chosen = model.get_untracked();
        leptos::task::spawn_local(async move {
            match api::insight::save(&rules, chosen).await {
                Ok(()) => {
                    error.set(None);
                    saved.set(true);
                    on_saved.run(());
                }
                Err(e) => error.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    view! {
        <section class="card" data-testid="rules-card">
            <h2 class="card__title">{move || i18n.t(Key::RulesTitle)}</h2>
            <p class="muted small">{move || i18n.t(Key::RulesHint)}</p>
            <label class="checkbox">
                <input type="checkbox" data-testid="rule-automatic" disabled=move || read_only.get() prop:checked=move || automatic.get() on:change=move |ev| automatic.set(event_target_checked(&ev)) />
                {move || i18n.t(Key::RuleAutomatic)}
            </label>
            <label class="field">
                <span class="field__label">{move || i18n.t(Key::ModelsScoringWith)}</span>
                <select class="field__input" data-testid="rule-model" disabled=move || read_only.get() on:change=move |ev| {
                    if let Some(kind) = ModelKind::parse(&event_target_value(&ev)) {
                        model.set(kind);
                    }
                }>
                    {ModelKind::ALL.iter().map(|k| {
                        let k = *k;
                        view! { <option value=k.as_str() selected=move || model.get() == k>{move || i18n.t(model_name(k))}</option> }
                    }).collect_view()}
                </select>
            </label>
            <div class="form-grid">
                {fields.into_iter().map(|(key, value, step, id)| view! { <RuleField label=key value step test_id=id disabled=read_only /> }).collect_view()}
            </div>
            {move || error.get().map(|m| view! { <p class="form-error" role="alert" data-testid="rules-error">{m}</p> })}
            <Show when=move || saved.get() && error.get().is_none()>
                <p class="notice notice--ok" role="status">{move || i18n.t(Key::RulesSaved)}</p>
            </Show>
            <Show when=move || !read_only.get()>
                <button type="button" class="button button--primary" data-testid="rules-save" on:click=save>{move || i18n.t(Key::Save)}</button>
            </Show>
        </section>
    }
}
