//! The dashboard, what a manager opens it for: how many customers and how many are active,
//! revenue of the last days by star level, customers by stars (each bar opens the list filtered
//! to it), the latest star changes and the customers close to dropping a star.

use leptos::prelude::*;
use starcrm_shared::Permission;
use starcrm_shared::audit::stars_change;
use starcrm_shared::customer::{StarFilter, format_money};
use starcrm_shared::dashboard::{AtRiskCustomerView, DashboardChangeView, DashboardView, StarRevenueView};

use crate::api;
use crate::components::chart::StarBars;
use crate::components::error_view::ErrorView;
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::pages::customers::customers_href;
use crate::state::session::use_session;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    use_page_title(Key::NavDashboard);
    let greeting = move || {
        session.viewer().map(|viewer| {
            let name = viewer.user.map(|u| u.name).unwrap_or_default();
            i18n.t(Key::Welcome).replace("{name}", &name).replace("{workspace}", &viewer.workspace.name)
        })
    };
    // Every staff role reads customers and ratings; an account without them sees the greeting.
    let can_read = move || session.can(Permission::CustomersRead) && session.can(Permission::RatingsRead);
    view! {
        <header class="page-header page-header--split">
            <div>
                <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::NavDashboard)}</h1>
                <p class="page-subtitle" data-testid="welcome">{greeting}</p>
            </div>
            <Show when=can_read>
                <a class="button" href="/insight/dashboards" data-testid="open-dashboards">{move || i18n.t(Key::DashboardsTitle)}</a>
            </Show>
        </header>
        <Show when=can_read>
            <Overview />
        </Show>
    }
}

#[component]
fn Overview() -> impl IntoView {
    let i18n = use_i18n();
    let data = LocalResource::new(api::dashboard::dashboard);
    let counts = LocalResource::new(api::ratings::distribution);
    view! {
        {move || match data.get() {
            None => view! {
                <div class="stats stats--four stats--loading" aria-busy="true">
                    <span class="sr-only">{move || i18n.t(Key::Loading)}</span>
                    <div class="skeleton"></div><div class="skeleton"></div><div class="skeleton"></div><div class="skeleton"></div>
                </div>
            }
            .into_any(),
            Some(Err(error)) => view! { <ErrorView error on_retry=Callback::new(move |()| data.refetch()) /> }.into_any(),
            Some(Ok(d)) => view! { <Figures d /> }.into_any(),
        }}
        <div class="grid grid--dashboard">
            <section class="card" aria-labelledby="stars-title" data-testid="star-distribution">
                <div class="card__header">
                    <h2 class="card__title" id="stars-title">{move || i18n.t(Key::StarDistributionTitle)}</h2>
                    <a class="button button--small" href="/ratings">{move || i18n.t(Key::NavRatings)}</a>
                </div>
                <p class="muted small">{move || i18n.t(Key::BarsOpenTheList)}</p>
                {move || match counts.get() {
                    None => view! { <div class="skeleton"></div> }.into_any(),
                    Some(Ok(values)) => {
                        let total: i64 = values.iter().sum();
                        view! {
                            <p class="muted small" data-testid="customer-total">{format!("{total} ")}{move || i18n.t(Key::Customers)}</p>
                            <StarBars series=vec![(Key::Distribution, values)] test_id="distribution-bars" linked=true />
                        }
                        .into_any()
                    }
                    Some(Err(error)) => view! { <ErrorView error on_retry=Callback::new(move |()| counts.refetch()) /> }.into_any(),
                }}
            </section>
            {move || data.get().and_then(Result::ok).map(|d| view! {
                <RevenueCard revenue=d.revenue_by_stars.clone() days=d.revenue_days />
                <ChangesCard changes=d.recent_star_changes.clone() />
                <AtRiskCard customers=d.close_to_dropping.clone() count=d.close_to_dropping_count />
            })}
        </div>
    }
}

/// The four figures at the top.
#[component]
fn Figures(d: DashboardView) -> impl IntoView {
    let i18n = use_i18n();
    let currency = d.revenue_by_stars.first().map(|r| r.revenue.currency.clone()).unwrap_or_default();
    let revenue: i64 = d.revenue_by_stars.iter().map(|r| r.revenue.amount_minor).sum();
    let (active_days, revenue_days) = (d.active_days, d.revenue_days);
    let warn = d.close_to_dropping_count > 0;
    view! {
        <dl class="stats stats--four" data-testid="dashboard-figures">
            <a class="stat stat--link" href="/customers">
                <dt>{move || i18n.t(Key::FigureCustomers)}</dt>
                <dd data-testid="figure-customers">{d.customers}</dd>
            </a>
            <div class="stat">
                <dt>{move || i18n.t(Key::FigureActive).replace("{n}", &active_days.to_string())}</dt>
                <dd data-testid="figure-active">{d.active_customers}</dd>
            </div>
            <div class="stat">
                <dt>{move || i18n.t(Key::FigureRevenue).replace("{n}", &revenue_days.to_string())}</dt>
                <dd data-testid="figure-revenue">{format_money(revenue, &currency)}</dd>
            </div>
            <div class="stat" class:stat--warn=warn>
                <dt>{move || i18n.t(Key::FigureAtRisk)}</dt>
                <dd data-testid="figure-at-risk">{d.close_to_dropping_count}</dd>
            </div>
        </dl>
    }
}

/// Revenue of the last days by the buyers' stars, most stars first; each level opens the list
/// filtered to it.
#[component]
fn RevenueCard(revenue: Vec<StarRevenueView>, days: i64) -> impl IntoView {
    let i18n = use_i18n();
    let most = revenue.iter().map(|r| r.revenue.amount_minor).max().unwrap_or(0).max(1);
    let mut rows = revenue;
    rows.sort_by_key(|r| std::cmp::Reverse(if r.stars == 0 { -1 } else { r.stars }));
    // Unrated buyers only when there are some.
    rows.retain(|r| r.stars > 0 || r.revenue.amount_minor != 0);
    view! {
        <section class="card" aria-labelledby="revenue-title" data-testid="revenue-by-stars">
            <div class="card__header">
                <h2 class="card__title" id="revenue-title">{move || i18n.t(Key::RevenueByStars).replace("{n}", &days.to_string())}</h2>
            </div>
            <ul class="bars">
                {rows.into_iter().map(|r| {
                    #[allow(clippy::cast_precision_loss, reason = "a bar width")]
                    let share = r.revenue.amount_minor.max(0) as f64 / most as f64 * 100.0;
                    let level = usize::try_from(r.stars).unwrap_or(0);
                    let href = customers_href(StarFilter::of_bar(level));
                    view! {
                        <li class="bars__row" data-testid="revenue-row" data-stars=r.stars.to_string()>
                            <a class="bars__label cell-link" href=href>
                                {move || if level == 0 { i18n.t(Key::Unrated).to_owned() } else { format!("{level}★") }}
                            </a>
                            <span class="bars__track"><span class="bars__fill" style=format!("width: {share:.1}%")></span></span>
                            <span class="bars__value mono">{format_money(r.revenue.amount_minor, &r.revenue.currency)}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn ChangesCard(changes: Vec<DashboardChangeView>) -> impl IntoView {
    let i18n = use_i18n();
    let empty = changes.is_empty();
    view! {
        <section class="card" aria-labelledby="changes-title" data-testid="recent-changes">
            <div class="card__header">
                <h2 class="card__title" id="changes-title">{move || i18n.t(Key::RecentStarChanges)}</h2>
            </div>
            {empty.then(|| view! { <p class="muted">{move || i18n.t(Key::NoStarChanges)}</p> })}
            <ul class="feed">
                {changes.into_iter().map(|c| {
                    let up = c.stars_after.unwrap_or(0) > c.stars_before.unwrap_or(0);
                    let at = c.at.clone();
                    let trigger = c.trigger;
                    view! {
                        <li class="feed__row" data-testid="recent-change">
                            <a class="cell-link feed__who" href=format!("/customers/{}", c.customer.id)>
                                <span class="mono muted small">{c.customer.code.clone()}</span>" "{c.customer.name.clone()}
                            </a>
                            <span class="feed__change mono" class:feed__change--up=up class:feed__change--down=!up>
                                {stars_change(c.stars_before.map(i64::from), c.stars_after.map(i64::from))}
                            </span>
                            <span class="muted small feed__why">
                                {move || i18n.t(labels::trigger(trigger))}" · "{move || labels::time(i18n.locale(), &at)}
                            </span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn AtRiskCard(customers: Vec<AtRiskCustomerView>, count: u64) -> impl IntoView {
    let i18n = use_i18n();
    let empty = customers.is_empty();
    let shown = customers.len();
    view! {
        <section class="card" aria-labelledby="at-risk-title" data-testid="close-to-dropping">
            <div class="card__header">
                <h2 class="card__title" id="at-risk-title">{move || i18n.t(Key::CloseToDropping)}</h2>
            </div>
            <p class="muted small">{move || i18n.t(Key::CloseToDroppingHint)}</p>
            {empty.then(|| view! { <p class="muted">{move || i18n.t(Key::NobodyCloseToDropping)}</p> })}
            <ul class="feed">
                {customers.into_iter().map(|c| view! {
                    <li class="feed__row" data-testid="at-risk-customer">
                        <a class="cell-link feed__who" href=format!("/customers/{}", c.id)>
                            <span class="mono muted small">{c.code.clone()}</span>" "{c.name.clone()}
                        </a>
                        <span class="stars">{crate::pages::customers::star_text(c.stars)}</span>
                        <span class="mono muted small">{c.star_score.map(|s| format!("{s:.1}"))}</span>
                    </li>
                }).collect_view()}
            </ul>
            {(u64::try_from(shown).unwrap_or(0) < count).then(|| view! {
                <p class="muted small">{move || i18n.t(Key::AndMore).replace("{n}", &(count - u64::try_from(shown).unwrap_or(0)).to_string())}</p>
            })}
        </section>
    }
}
