//! The customer's lifecycle card: the stage and why, what the purchase-behaviour models say
//! (the chance the customer is still active, expected purchases, 12-month value, value at risk,
//! the next expected purchase) beside the customer's own rhythm, the products to offer next with
//! why, and the stage's history.

use leptos::prelude::*;
use starcrm_shared::customer::format_money;

use crate::api;
use crate::api::insight::{CustomerInsightView, InsightView, RecommendationView, TransitionView};
use crate::components::error_view::ErrorView;
use crate::i18n::{I18n, Key, labels, use_i18n};

/// `84%`.
pub fn percent(value: f64) -> String {
    format!("{:.0}%", (value * 100.0).clamp(0.0, 100.0))
}

/// "Usually every 21 days" / "通常每 21 天", or nothing without a rhythm.
pub fn rhythm_text(i18n: I18n, insight: &InsightView) -> Option<String> {
    insight.median_gap_days.map(|gap| i18n.t(Key::InsightUsualGap).replace("{n}", &format!("{gap:.0}")))
}

#[component]
pub fn InsightCard(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(customer_id);
    let round = RwSignal::new(0_u32);
    let found = RwSignal::new(None::<Result<Option<CustomerInsightView>, api::ApiError>>);
    Effect::new(move |_| {
        round.track();
        let lang = i18n.locale().api_language();
        leptos::task::spawn_local(async move {
            found.set(Some(api::insight::customer(&id.get_value(), lang).await));
        });
    });
    view! {
        <section class="card insight-card" data-testid="insight-card" aria-labelledby="insight-title">
            <div class="card__header">
                <h2 class="card__title" id="insight-title">{move || i18n.t(Key::InsightCardTitle)}</h2>
            </div>
            {move || match found.get() {
                None => view! { <div class="skeleton"></div> }.into_any(),
                Some(Err(error)) => view! { <ErrorView error on_retry=Callback::new(move |()| round.update(|r| *r += 1)) /> }.into_any(),
                Some(Ok(None)) => ().into_any(),
                Some(Ok(Some(view))) => view! { <InsightBody view /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn InsightBody(view: CustomerInsightView) -> impl IntoView {
    let i18n = use_i18n();
    let stage = view.lifecycle_stage;
    let insight = view.insight.clone();
    let reasons = insight.as_ref().map(|i| i.reasons.clone()).unwrap_or_default();
    view! {
        <p class="insight-stage">
            <span class=format!("pill pill--{}", stage.as_str()) data-testid="insight-stage">
                {move || i18n.t(labels::stage(stage))}
            </span>
        </p>
        <ul class="reasons" data-testid="insight-reasons">
            {reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
        </ul>
        {match insight {
            None => view! { <p class="muted small">{move || i18n.t(Key::InsightNoPurchases)}</p> }.into_any(),
            Some(i) => view! { <Figures insight=i /> }.into_any(),
        }}
        <Recommended list=view.recommendations />
        <History changes=view.lifecycle_history />
    }
}

/// The products to offer next, each with why.
#[component]
fn Recommended(list: Vec<RecommendationView>) -> impl IntoView {
    let i18n = use_i18n();
    if list.is_empty() {
        return ().into_any();
    }
    view! {
        <h3 class="card__subtitle">{move || i18n.t(Key::RecsForCustomer)}</h3>
        <ol class="recommended" data-testid="recommended">
            {list
                .into_iter()
                .map(|r| view! {
                    <li>
                        <span class="recommended__name">{r.product.name}</span>
                        {r.product.category.map(|c| view! { <span class="chip chip--small">{c}</span> })}
                        <span class="muted small recommended__why">{r.reason}</span>
                    </li>
                })
                .collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn Figures(insight: InsightView) -> impl IntoView {
    let i18n = use_i18n();
    let money = |m: Option<&starcrm_shared::customer::MoneyValue>| {
        m.map_or_else(|| "—".to_owned(), |m| format_money(m.amount_minor, &m.currency))
    };
    let alive = insight.p_alive.map_or_else(|| "—".to_owned(), percent);
    let e90 = insight.expected_purchases90.map_or_else(|| "—".to_owned(), |e| format!("{e:.1}"));
    let e365 = insight.expected_purchases365.map_or_else(|| "—".to_owned(), |e| format!("{e:.1}"));
    let clv = money(insight.lifetime_value.as_ref());
    let at_risk = money(insight.value_at_risk.as_ref());
    let next = insight.next_purchase_at.clone();
    let rhythm = rhythm_text(i18n, &insight);
    let since = insight.days_since_last_purchase;
    view! {
        <dl class="figures">
            <div class="figure figure--wide">
                <dt>{move || i18n.t(Key::InsightPAlive)}</dt>
                <dd data-testid="insight-p-alive">{alive}</dd>
            </div>
            <div class="figure">
                <dt>{move || i18n.t(Key::InsightExpected90)}</dt>
                <dd>{e90}</dd>
            </div>
            <div class="figure">
                <dt>{move || i18n.t(Key::InsightExpected365)}</dt>
                <dd>{e365}</dd>
            </div>
            <div class="figure">
                <dt>{move || i18n.t(Key::InsightClv)}</dt>
                <dd class="figure__small">{clv}</dd>
            </div>
            <div class="figure">
                <dt>{move || i18n.t(Key::InsightValueAtRisk)}</dt>
                <dd class="figure__small" data-testid="insight-value-at-risk">{at_risk}</dd>
            </div>
            <div class="figure figure--wide">
                <dt>{move || i18n.t(Key::InsightNextPurchase)}</dt>
                <dd class="figure__small" data-testid="insight-next-purchase">
                    {move || next.as_deref().map_or_else(|| "—".to_owned(), |t| labels::date(i18n.locale(), t))}
                </dd>
            </div>
        </dl>
        <p class="muted small" data-testid="insight-rhythm">
            {move || i18n.t(Key::InsightDaysSince).replace("{n}", &since.to_string())}
            {rhythm.map(|r| format!(" · {r}"))}
        </p>
    }
}

#[component]
fn History(changes: Vec<TransitionView>) -> impl IntoView {
    let i18n = use_i18n();
    if changes.is_empty() {
        return ().into_any();
    }
    view! {
        <h3 class="card__subtitle">{move || i18n.t(Key::InsightStageHistory)}</h3>
        <ol class="stage-history" data-testid="stage-history">
            {changes
                .into_iter()
                .map(|c| {
                    let (from, to) = (c.from, c.to);
                    let at = c.at.clone();
                    let reasons = c.reasons.join("; ");
                    view! {
                        <li>
                            <span class="muted small">{move || labels::date(i18n.locale(), &at)}</span>
                            " "
                            <span>{move || format!("{} → {}", i18n.t(labels::stage(from)), i18n.t(labels::stage(to)))}</span>
                            <span class="muted small stage-history__why">{reasons}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
    .into_any()
}
