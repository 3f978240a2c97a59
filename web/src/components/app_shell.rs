//! The frame around every page: top bar, side navigation (a drawer on phones), content area.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::components::icon::{Icon, IconName};
use crate::components::language_switcher::LanguageSwitcher;
use crate::i18n::{Key, use_i18n};

/// A section of the app in the side navigation. `href` is `None` while the section is not built.
struct Section {
    key: Key,
    icon: IconName,
    href: Option<&'static str>,
    test_id: &'static str,
}

const SECTIONS: [Section; 6] = [
    Section { key: Key::NavDashboard, icon: IconName::Dashboard, href: Some("/"), test_id: "nav-dashboard" },
    Section { key: Key::NavCustomers, icon: IconName::Customers, href: None, test_id: "nav-customers" },
    Section { key: Key::NavRatings, icon: IconName::Star, href: None, test_id: "nav-ratings" },
    Section { key: Key::NavService, icon: IconName::Headset, href: None, test_id: "nav-service" },
    Section { key: Key::NavCampaigns, icon: IconName::Megaphone, href: None, test_id: "nav-campaigns" },
    Section { key: Key::NavSettings, icon: IconName::Settings, href: None, test_id: "nav-settings" },
];

#[component]
pub fn AppShell(children: Children) -> impl IntoView {
    let i18n = use_i18n();
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
                <LanguageSwitcher />
            </header>
            <nav id="side-nav" class="sidenav" aria-label=move || i18n.t(Key::NavMain)>
                <ul class="sidenav__list">
                    {SECTIONS.iter().map(|section| nav_item(section, i18n)).collect_view()}
                </ul>
            </nav>
            <div class="shell__scrim" on:click=move |_| menu_open.set(false)></div>
            <main class="content">{children()}</main>
        </div>
    }
}

fn nav_item(section: &'static Section, i18n: crate::i18n::I18n) -> impl IntoView {
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
