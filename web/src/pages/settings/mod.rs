//! Settings: the user's own account, users and roles, API tokens, webhooks, benefits, the service desk, surveys, points, the audit log. Each tab shows
//! only when the role may use it.

mod account_page;
mod audit_page;
mod loyalty_page;
mod rewards_section;
mod service_page;
mod sla_editor;
mod surveys_page;
mod tokens_page;
mod users_page;
mod webhooks_page;

pub use account_page::AccountPage;
pub use audit_page::AuditPage;
pub use loyalty_page::LoyaltySettingsPage;
pub use service_page::ServiceSettingsPage;
pub use surveys_page::SurveysSettingsPage;
pub(crate) use surveys_page::{channel_label, skip_label};
pub use tokens_page::TokensPage;
pub use users_page::UsersPage;
pub use webhooks_page::WebhooksPage;

use leptos::prelude::*;
use leptos_router::components::A;
use starcrm_shared::Permission;

use crate::i18n::{Key, use_i18n};
use crate::state::session::use_session;

const TABS: [(Key, &str, Option<Permission>, &str); 9] = [
    (Key::SettingsAccount, "/settings/account", None, "tab-account"),
    (Key::SettingsUsers, "/settings/users", Some(Permission::UsersRead), "tab-users"),
    (Key::SettingsTokens, "/settings/tokens", Some(Permission::TokensManage), "tab-tokens"),
    (Key::SettingsWebhooks, "/settings/webhooks", Some(Permission::WebhooksManage), "tab-webhooks"),
    (Key::NavBenefits, "/settings/benefits", Some(Permission::RatingsRead), "tab-benefits"),
    (Key::SettingsService, "/settings/service", Some(Permission::ServiceConfigure), "tab-service"),
    (Key::SettingsSurveys, "/settings/surveys", Some(Permission::SurveysManage), "tab-surveys"),
    (Key::SettingsPoints, "/settings/points", Some(Permission::LoyaltyManage), "tab-points"),
    (Key::SettingsAudit, "/settings/audit", Some(Permission::AuditRead), "tab-audit"),
];

/// The settings heading and tabs around one settings page.
#[component]
pub(crate) fn SettingsLayout(
    title: Key,
    #[prop(optional)] subtitle: Option<Key>,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    view! {
        <header class="page-header">
            <h1 class="page-title">{move || i18n.t(Key::NavSettings)}</h1>
        </header>
        <nav class="tabs tabs--nav" aria-label=move || i18n.t(Key::NavSettings)>
            {move || {
                TABS.iter()
                    .filter(|(_, _, requires, _)| requires.is_none_or(|p| session.can(p)))
                    .map(|(key, href, _, test_id)| {
                        let key = *key;
                        view! {
                            <A href=*href attr:class="tabs__tab" attr:data-testid=*test_id>
                                {move || i18n.t(key)}
                            </A>
                        }
                    })
                    .collect_view()
            }}
        </nav>
        <section class="settings-section">
            <div class="section-header">
                <h2 class="section-title" data-testid="page-title">{move || i18n.t(title)}</h2>
                {subtitle.map(|s| view! { <p class="section-subtitle">{move || i18n.t(s)}</p> })}
            </div>
            {children()}
        </section>
    }
}
