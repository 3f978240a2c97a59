//! The campaigns page: the star-aware presets (one click makes a draft to review), a new
//! campaign, and the workspace's campaigns with where each stands.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use starcrm_shared::Permission;
use starcrm_shared::campaigns::CampaignPreset;
use starcrm_shared::customer::group_thousands;

use super::MarketingTabs;
use super::report::status_label;
use crate::api;
use crate::components::error_view::ErrorView;
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::state::loaded::load;
use crate::state::session::use_session;

const fn preset_text(p: CampaignPreset) -> (Key, Key) {
    match p {
        CampaignPreset::EarlyAccess => (Key::PresetEarlyAccess, Key::PresetEarlyAccessHint),
        CampaignPreset::LiftToThree => (Key::PresetLiftToThree, Key::PresetLiftToThreeHint),
        CampaignPreset::WinBack => (Key::PresetWinBack, Key::PresetWinBackHint),
    }
}

#[component]
pub fn CampaignsPage() -> impl IntoView {
    use_page_title(Key::CampaignsTitle);
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let campaigns = load(api::campaigns::list);
    let reload = campaigns.reload;
    reload.run(());
    let error = RwSignal::new(None::<String>);
    let preset = move |p: CampaignPreset| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::campaigns::from_preset(p).await {
                Ok(id) => navigate(&format!("/campaigns/{id}"), NavigateOptions::default()),
                Err(e) => error.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    view! {
        <header class="page-header page-header--split">
            <div>
                <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::CampaignsTitle)}</h1>
                <p class="page-subtitle muted">{move || i18n.t(Key::CampaignsSubtitle)}</p>
            </div>
            <A href="/campaigns/new" attr:class="button button--primary" attr:data-testid="new-campaign">{move || i18n.t(Key::CampNew)}</A>
        </header>
        <MarketingTabs />
        {move || error.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
        <Show when=move || session.can(Permission::CampaignsManage)>
            <section class="presets" data-testid="presets">
                {CampaignPreset::ALL.iter().map(|p| {
                    let p = *p;
                    let (title, hint) = preset_text(p);
                    let preset = preset.clone();
                    view! {
                        <button type="button" class="preset card" data-testid=format!("preset-{}", p.as_str()) on:click=move |_| preset(p)>
                            <strong class="preset__title">{move || i18n.t(title)}</strong>
                            <span class="preset__hint muted">{move || i18n.t(hint)}</span>
                        </button>
                    }
                }).collect_view()}
            </section>
        </Show>
        <section class="card" data-testid="campaign-list">
            {move || match (campaigns.error.get(), campaigns.value.get()) {
                (Some(e), _) => view! { <ErrorView error=e on_retry=reload /> }.into_any(),
                (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
                (None, Some(list)) if list.is_empty() => view! { <p class="muted">{move || i18n.t(Key::CampNone)}</p> }.into_any(),
                (None, Some(list)) => view! {
                    <div class="table-scroll">
                        <table class="table">
                            <thead><tr>
                                <th>{move || i18n.t(Key::CampName)}</th>
                                <th>{move || i18n.t(Key::Status)}</th>
                                <th>{move || i18n.t(Key::CampStars)}</th>
                                <th class="num">{move || i18n.t(Key::CampAudience)}</th>
                                <th class="num">{move || i18n.t(Key::CampToSend)}</th>
                                <th>{move || i18n.t(Key::CampWhen)}</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|c| {
                                    let (label, class) = status_label(c.status);
                                    let stars = c.stars.iter().map(|s| format!("{s}★")).collect::<Vec<_>>().join(" ");
                                    let when = c.finished_at.as_deref().or(c.launched_at.as_deref()).unwrap_or(&c.created_at).to_owned();
                                    view! {
                                        <tr data-testid="campaign-row">
                                            <td><A href=format!("/campaigns/{}", c.id)>{c.name}</A></td>
                                            <td><span class=class>{move || i18n.t(label)}</span></td>
                                            <td>{stars}</td>
                                            <td class="num">{group_thousands(c.audience.unsigned_abs())}</td>
                                            <td class="num">{group_thousands(c.queued.unsigned_abs())}</td>
                                            <td>{labels::time(i18n.locale(), &when)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
