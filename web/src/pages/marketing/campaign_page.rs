//! One campaign: the wizard while it is a draft (or a new one), its report once launched.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use starcrm_shared::campaigns::CampaignStatus;

use super::MarketingTabs;
use super::report::CampaignReport;
use super::wizard::{CampaignWizard, Form};
use crate::api;
use crate::components::error_view::ErrorView;
use crate::i18n::{Key, use_i18n, use_page_title};
use crate::state::loaded::load;

/// `/campaigns/new`.
#[component]
pub fn NewCampaignPage() -> impl IntoView {
    use_page_title(Key::CampNew);
    let i18n = use_i18n();
    view! {
        <header class="page-header">
            <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::CampNew)}</h1>
        </header>
        <MarketingTabs />
        <CampaignWizard initial=Form::default() edit=None />
    }
}

/// `/campaigns/:id`.
#[component]
pub fn CampaignPage() -> impl IntoView {
    use_page_title(Key::CampaignsTitle);
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let campaign = load(move || api::campaigns::get(id()));
    let reload = campaign.reload;
    Effect::new(move |_| {
        id();
        reload.run(());
    });
    let saved = move || query.with(|q| q.get("saved"));
    view! {
        {move || match (campaign.error.get(), campaign.value.get()) {
            (Some(e), _) => view! { <ErrorView error=e on_retry=reload /> }.into_any(),
            (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
            (None, Some(c)) => {
                let draft = c.status == CampaignStatus::Draft;
                let title = c.name.clone();
                view! {
                    <header class="page-header">
                        <div>
                            <A href="/campaigns" attr:class="back-link">{move || i18n.t(Key::CampaignsTitle)}</A>
                            <h1 class="page-title" data-testid="page-title">{title}</h1>
                        </div>
                    </header>
                    <MarketingTabs />
                    {move || saved().map(|s| view! {
                        <p class="notice notice--ok notice--spaced" role="status" data-testid="notice">
                            {move || i18n.t(if s == "1" { Key::CampLaunched } else { Key::CampSaved })}
                        </p>
                    })}
                    {if draft {
                        let edit = Some((c.id.clone(), c.version));
                        view! { <CampaignWizard initial=Form::of(&c) edit /> }.into_any()
                    } else {
                        view! { <CampaignReport campaign=c reload /> }.into_any()
                    }}
                }.into_any()
            }
        }}
    }
}
