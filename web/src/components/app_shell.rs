//! The frame around every signed-in page: top bar (brand, language, user menu), side navigation
//! showing the sections the user's role may use (a drawer on phones), content area.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use starcrm_shared::Permission;

use crate::api;
use crate::components::global_search::GlobalSearch;
use crate::components::icon::{Icon, IconName};
use crate::components::language_switcher::LanguageSwitcher;
use crate::components::notification_bell::NotificationBell;
use crate::i18n::{I18n, Key, labels, use_i18n};
use crate::state::session::{Session, use_session};

/// A section of the app in the side navigation. `href` is `None` while the section is not built.
struct Section {
    key: Key,
    icon: IconName,
    href: Option<&'static str>,
    test_id: &'static str,
    /// Shown only to roles holding this.
    requires: Option<Permission>,
}

const SECTIONS: [Section; 9] = [
    Section {
        key: Key::NavDashboard,
        icon: IconName::Dashboard,
        href: Some("/"),
        test_id: "nav-dashboard",
        requires: None,
    },
    Section {
        key: Key::NavCustomers,
        icon: IconName::Customers,
        href: Some("/customers"),
        test_id: "nav-customers",
        requires: Some(Permission::CustomersRead),
    },
    Section {
        key: Key::NavInsight,
        icon: IconName::Pulse,
        href: Some("/insight"),
        test_id: "nav-insight",
        requires: Some(Permission::CustomersRead),
    },
    Section {
        key: Key::NavRatings,
        icon: IconName::Star,
        href: Some("/ratings"),
        test_id: "nav-ratings",
        requires: Some(Permission::RatingsRead),
    },
    Section {
        key: Key::NavService,
        icon: IconName::Headset,
        href: Some("/service"),
        test_id: "nav-service",
        requires: Some(Permission::ServiceManage),
    },
    Section {
        key: Key::NavFeedback,
        icon: IconName::Feedback,
        href: Some("/feedback"),
        test_id: "nav-feedback",
        requires: Some(Permission::SurveysRead),
    },
    Section {
        key: Key::NavPoints,
        icon: IconName::Gift,
        href: Some("/points"),
        test_id: "nav-points",
        requires: Some(Permission::LoyaltyRead),
    },
    Section {
        key: Key::NavCampaigns,
        icon: IconName::Megaphone,
        href: Some("/segments"),
        test_id: "nav-campaigns",
        requires: Some(Permission::CampaignsManage),
    },
    Section {
        key: Key::NavSettings,
        icon: IconName::Settings,
        href: Some("/settings/account"),
        test_id: "nav-settings",
        requires: None,
    },
];

#[component]
pub fn AppShell(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let menu_open = RwSignal::new(false);
    // Following a link closes the phone drawer.
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
    });

    view! {
        <div class="shell" class:shell--menu-open=move || menu_open.get()>
            <header class="topbar">
                <button
                    type="button"
                    class="topbar__menu"
                    aria-controls="side-nav"
                    aria-expanded=move || menu_open.get().to_string()
                    aria-label=move || i18n.t(if menu_open.get() { Key::NavCloseMenu } else { Key::NavOpenMenu })
                    on:click=move |_| menu_open.update(|open| *open = !*open)
                >
                    {move || view! { <Icon name=if menu_open.get() { IconName::Close } else { IconName::Menu } /> }}
                </button>
                <A href="/" attr:class="brand">
                    <span class="brand__mark" aria-hidden="true">"★"</span>
                    <span class="brand__name">"StarCRM"</span>
                    <span class="brand__tagline">{move || i18n.t(Key::AppTagline)}</span>
                </A>
                <div class="topbar__spacer"></div>
                <Show when=move || session.can(Permission::CustomersRead)>
                    <GlobalSearch />
                </Show>
                <LanguageSwitcher />
                <Show when=move || session.can(Permission::ServiceManage)>
                    <NotificationBell />
                </Show>
                <UserMenu />
            </header>
            <nav id="side-nav" class="sidenav" aria-label=move || i18n.t(Key::NavMain)>
                <ul class="sidenav__list">
                    {move || {
                        SECTIONS
                            .iter()
                            .filter(|s| s.requires.is_none_or(|p| session.can(p)))
                            .map(|section| nav_item(section, i18n))
                            .collect_view()
                    }}
                </ul>
            </nav>
            <div class="shell__scrim" on:click=move |_| menu_open.set(false)></div>
            <main class="content">{children()}</main>
        </div>
    }
}

fn nav_item(section: &'static Section, i18n: I18n) -> impl IntoView {
    let label = move || i18n.t(section.key);
    match section.href {
        Some(href) => view! {
            <li>
                <A href=href attr:class="sidenav__link" attr:data-testid=section.test_id>
                    <Icon name=section.icon />
                    <span>{label}</span>
                </A>
            </li>
        }
        .into_any(),
        None => view! {
            <li>
                <span class="sidenav__link sidenav__link--soon" aria-disabled="true" data-testid=section.test_id>
                    <Icon name=section.icon />
                    <span>{label}</span>
                    <span class="pill pill--muted">{move || i18n.t(Key::Soon)}</span>
                </span>
            </li>
        }
        .into_any(),
    }
}

/// The signed-in user's name and role, with "My account" and "Sign out".
#[component]
fn UserMenu() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let open = RwSignal::new(false);
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        open.set(false);
    });
    let name = move || session.viewer().and_then(|v| v.user).map(|u| u.name).unwrap_or_default();
    let initial = move || name().chars().next().map(String::from).unwrap_or_default();
    view! {
        <div class="user-menu">
            <button
                type="button"
                class="user-menu__button"
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                data-testid="user-menu"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class="avatar" aria-hidden="true">{initial}</span>
                <span class="user-menu__name">{name}</span>
            </button>
            <Show when=move || open.get()>
                <div class="user-menu__panel" role="menu">
                    <UserSummary session i18n />
                    <A href="/settings/account" attr:class="user-menu__item" attr:role="menuitem">
                        {move || i18n.t(Key::SettingsAccount)}
                    </A>
                    <button
                        type="button"
                        class="user-menu__item"
                        role="menuitem"
                        data-testid="sign-out"
                        on:click=move |_| {
                            open.set(false);
                            leptos::task::spawn_local(async move {
                                let _ = api::accounts::logout().await;
                            });
                        }
                    >
                        {move || i18n.t(Key::SignOut)}
                    </button>
                </div>
            </Show>
        </div>
    }
}

#[component]
fn UserSummary(session: Session, i18n: I18n) -> impl IntoView {
    move || {
        session.viewer().map(|viewer| {
            let role = viewer.role.map(|r| i18n.t(labels::role(r))).unwrap_or_default();
            let email = viewer.user.map(|u| u.email).unwrap_or_default();
            view! {
                <div class="user-menu__summary">
                    <p class="user-menu__email">{email}</p>
                    <p class="user-menu__meta">{role} " · " {viewer.workspace.name}</p>
                </div>
            }
        })
    }
}
