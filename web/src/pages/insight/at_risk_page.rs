//! The churn warning: customers at risk, highest value at risk (12-month value x the chance they
//! have stopped) first, with the reasons in words, their owner, and one-click actions: plan a
//! follow-up, or start a win-back campaign from the preset.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use starcrm_shared::Permission;
use starcrm_shared::campaigns::CampaignPreset;
use starcrm_shared::customer::format_money;

use super::InsightTabs;
use crate::api;
use crate::api::insight::AtRiskRow;
use crate::components::error_view::ErrorView;
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::pages::customers::insight_card::percent;
use crate::pages::customers::star_text;
use crate::state::session::use_session;

#[component]
pub fn AtRiskPage() -> impl IntoView {
    use_page_title(Key::AtRiskTitle);
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let rows = RwSignal::new(Vec::<AtRiskRow>::new());
    let loaded = RwSignal::new(false);
    let more = RwSignal::new(false);
    let error = RwSignal::new(None::<api::ApiError>);
    let notice = RwSignal::new(None::<String>);
    let fetch = move |offset: u32| {
        let lang = i18n.locale().api_language();
        leptos::task::spawn_local(async move {
            match api::insight::at_risk(lang, offset).await {
                Ok(page) => {
                    more.set(page.len() == 50);
                    rows.update(|r| {
                        if offset == 0 {
                            r.clear();
                        }
                        r.extend(page);
                    });
                    loaded.set(true);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // Reload in the reader's language when it changes.
    Effect::new(move |_| {
        i18n.locale();
        fetch(0);
    });
    let win_back = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::campaigns::from_preset(CampaignPreset::WinBack).await {
                Ok(id) => navigate(&format!("/campaigns/{id}"), NavigateOptions::default()),
                Err(e) => notice.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    view! {
        <header class="page-header page-header--split">
            <div>
                <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::AtRiskTitle)}</h1>
                <p class="page-subtitle muted">{move || i18n.t(Key::AtRiskSubtitle)}</p>
            </div>
            <Show when=move || session.can(Permission::CampaignsManage)>
                <button type="button" class="button" data-testid="win-back" on:click=win_back.clone()>{move || i18n.t(Key::AtRiskWinBack)}</button>
            </Show>
        </header>
        <InsightTabs />
        {move || notice.get().map(|m| view! { <p class="notice notice--ok notice--spaced" role="status" data-testid="notice">{m}</p> })}
        {move || error.get().map(|error| view! { <ErrorView error on_retry=Callback::new(move |()| fetch(0)) /> })}
        {move || match (loaded.get(), rows.with(Vec::is_empty)) {
            (false, _) => view! { <div class="skeleton"></div> }.into_any(),
            (true, true) => view! {
                <section class="card empty" data-testid="at-risk-empty">
                    <p>{move || i18n.t(Key::AtRiskNone)}</p>
                    <A href="/insight/models" attr:class="button button--small">{move || i18n.t(Key::ModelsTitle)}</A>
                </section>
            }
            .into_any(),
            (true, false) => view! {
                <ol class="risk-list" data-testid="at-risk-list">
                    <For each=move || rows.get() key=|r| r.customer.id.clone() let:row>
                        <RiskRow row notice />
                    </For>
                </ol>
                <Show when=move || more.get()>
                    <button type="button" class="button list-more" data-testid="at-risk-more" on:click=move |_| fetch(u32::try_from(rows.with(Vec::len)).unwrap_or(0))>
                        {move || i18n.t(Key::LoadMore)}
                    </button>
                </Show>
            }
            .into_any(),
        }}
    }
}

/// Tomorrow at 10:00 in the reader's time zone, as RFC 3339.
fn tomorrow_morning() -> String {
    let date = js_sys::Date::new_0();
    date.set_date(date.get_date() + 1);
    date.set_hours(10);
    date.set_minutes(0);
    date.set_seconds(0);
    date.set_milliseconds(0);
    date.to_iso_string().as_string().unwrap_or_default()
}

#[component]
fn RiskRow(row: AtRiskRow, notice: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let planned = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let AtRiskRow { customer, insight } = row;
    let id = StoredValue::new(customer.id.clone());
    let name = customer.name.clone();
    let reasons = insight.reasons.clone();
    let note = StoredValue::new(format!("{} {}", customer.name, insight.reasons.join("; ")));
    let plan = move |_| {
        leptos::task::spawn_local(async move {
            let text = format!("{}: {}", i18n.t(Key::AtRiskTitle), note.get_value());
            match api::insight::plan_follow_up(&id.get_value(), &tomorrow_morning(), &text).await {
                Ok(()) => {
                    planned.set(true);
                    notice.set(Some(i18n.t(Key::AtRiskPlanned).to_owned()));
                }
                Err(e) => failed.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    let at_risk = insight
        .value_at_risk
        .as_ref()
        .map_or_else(|| "—".to_owned(), |m| format_money(m.amount_minor, &m.currency));
    let alive = insight.p_alive.map_or_else(|| "—".to_owned(), percent);
    let gap = insight.median_gap_days;
    let since = insight.days_since_last_purchase;
    let owner = customer.owner.map(|o| o.name);
    let stars = star_text(customer.stars.map(i16::from));
    view! {
        <li class="card risk" data-testid="at-risk-row">
            <div class="risk__who">
                <A href=format!("/customers/{}", id.get_value()) attr:class="risk__name">{name}</A>
                <span class="stars" aria-hidden="true">{stars}</span>
                <span class="muted small">{customer.code}</span>
                <span class="muted small">
                    {move || i18n.t(Key::AtRiskOwner)}": "
                    {owner.clone().unwrap_or_else(|| i18n.t(Key::AtRiskNoOwner).to_owned())}
                </span>
            </div>
            <dl class="risk__figures">
                <div>
                    <dt>{move || i18n.t(Key::InsightValueAtRisk)}</dt>
                    <dd data-testid="at-risk-value">{at_risk}</dd>
                </div>
                <div>
                    <dt>{move || i18n.t(Key::InsightPAlive)}</dt>
                    <dd>{alive}</dd>
                </div>
                <div>
                    <dt>{move || i18n.t(Key::InsightLastPurchase)}</dt>
                    <dd>{move || i18n.t(Key::InsightDaysAgo).replace("{n}", &since.to_string())}</dd>
                </div>
                <div>
                    <dt>{move || i18n.t(Key::InsightUsually)}</dt>
                    <dd>{move || gap.map_or_else(|| "—".to_owned(), |g| i18n.t(Key::InsightEveryDays).replace("{n}", &format!("{g:.0}")))}</dd>
                </div>
            </dl>
            <ul class="reasons" data-testid="at-risk-reasons">
                {reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
            </ul>
            <div class="risk__actions">
                {move || failed.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <Show when=move || session.can(Permission::ServiceManage)>
                    <button
                        type="button"
                        class="button button--small button--primary"
                        data-testid="plan-follow-up"
                        disabled=move || planned.get()
                        on:click=plan
                    >
                        {move || i18n.t(if planned.get() { Key::AtRiskPlannedShort } else { Key::AtRiskPlan })}
                    </button>
                </Show>
            </div>
        </li>
    }
}
