use leptos::prelude::*;
use starcrm_shared::{DatabaseKind, Permission, RunMode, ServerInfo};

use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::icon::{Icon, IconName};
use crate::i18n::{Key, use_i18n, use_page_title};
use crate::pages::ratings::StarBars;
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
    let info = LocalResource::new(api::system::server_info);
    let retry = Callback::new(move |()| info.refetch());

    view! {
        <header class="page-header">
            <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::NavDashboard)}</h1>
            <p class="page-subtitle" data-testid="welcome">{greeting}</p>
            <p class="page-subtitle page-subtitle--muted">{move || i18n.t(Key::DashboardSubtitle)}</p>
        </header>
        <div class="grid">
            <Show when=move || session.can(Permission::RatingsRead)>
                <StarDistributionCard />
            </Show>
            <section class="card card--wide" aria-labelledby="system-title">
                <div class="card__header">
                    <h2 class="card__title" id="system-title">{move || i18n.t(Key::SystemTitle)}</h2>
                    {move || matches!(info.get(), Some(Ok(_))).then(|| view! {
                        <span class="pill pill--ok" data-testid="api-status">
                            <span class="dot"></span>
                            {move || i18n.t(Key::SystemConnected)}
                        </span>
                    })}
                </div>
                {move || match info.get() {
                    None => view! {
                        <div class="stats stats--loading" aria-busy="true">
                            <span class="sr-only">{move || i18n.t(Key::Loading)}</span>
                            <div class="skeleton"></div>
                            <div class="skeleton"></div>
                            <div class="skeleton"></div>
                        </div>
                    }
                    .into_any(),
                    Some(Ok(server)) => view! { <ServerStats server /> }.into_any(),
                    Some(Err(error)) => view! { <ErrorView error on_retry=retry /> }.into_any(),
                }}
            </section>
            <section class="card card--wide" aria-labelledby="start-title">
                <div class="card__header">
                    <h2 class="card__title" id="start-title">{move || i18n.t(Key::StartTitle)}</h2>
                </div>
                <ol class="steps">
                    <Step icon=IconName::Customers title=Key::StartCustomersTitle body=Key::StartCustomersBody />
                    <Step icon=IconName::Star title=Key::StartRatingsTitle body=Key::StartRatingsBody />
                    <Step icon=IconName::Headset title=Key::StartServeTitle body=Key::StartServeBody />
                </ol>
            </section>
        </div>
    }
}

/// Live customers per stars, with a link to the ratings page.
#[component]
fn StarDistributionCard() -> impl IntoView {
    let i18n = use_i18n();
    let counts = LocalResource::new(api::ratings::distribution);
    view! {
        <section class="card card--wide" aria-labelledby="stars-title" data-testid="star-distribution">
            <div class="card__header">
                <h2 class="card__title" id="stars-title">{move || i18n.t(Key::StarDistributionTitle)}</h2>
                <a class="button button--small" href="/ratings">{move || i18n.t(Key::NavRatings)}</a>
            </div>
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
    }
}

#[component]
fn ServerStats(server: ServerInfo) -> impl IntoView {
    let i18n = use_i18n();
    let database = match server.database {
        DatabaseKind::Sqlite => Key::DatabaseSqlite,
        DatabaseKind::Postgres => Key::DatabasePostgres,
    };
    let (mode, mode_class) = match server.mode {
        RunMode::Development => (Key::ModeDevelopment, "pill pill--warn"),
        RunMode::Production => (Key::ModeProduction, "pill pill--ok"),
    };
    view! {
        <dl class="stats" data-testid="server-info">
            <div class="stat">
                <dt><Icon name=IconName::Tag />{move || i18n.t(Key::SystemVersion)}</dt>
                <dd data-testid="server-version">{server.version}</dd>
            </div>
            <div class="stat">
                <dt><Icon name=IconName::Database />{move || i18n.t(Key::SystemDatabase)}</dt>
                <dd data-testid="server-database" data-value=format!("{:?}", server.database)>
                    {move || i18n.t(database)}
                </dd>
            </div>
            <div class="stat">
                <dt><Icon name=IconName::Gauge />{move || i18n.t(Key::SystemMode)}</dt>
                <dd data-testid="server-mode">
                    <span class=mode_class>{move || i18n.t(mode)}</span>
                </dd>
            </div>
        </dl>
    }
}

#[component]
fn Step(icon: IconName, title: Key, body: Key) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <li class="step">
            <span class="step__icon"><Icon name=icon /></span>
            <div>
                <h3 class="step__title">
                    {move || i18n.t(title)}
                    <span class="pill pill--muted">{move || i18n.t(Key::Soon)}</span>
                </h3>
                <p class="step__body">{move || i18n.t(body)}</p>
            </div>
        </li>
    }
}
