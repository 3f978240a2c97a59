//! The segments page: the RFM grid, the saved segments (with their conditions in words, members,
//! a link to them in the customer list, edit and delete), and the builder.

use leptos::prelude::*;
use leptos_router::components::A;
use starcrm_shared::Permission;
use starcrm_shared::customer::group_thousands;
use starcrm_shared::marketing::{RfmGroup, SegmentDraft};

use super::builder::{Editing, SegmentBuilder};
use super::conditions::describe;
use super::rfm_grid::RfmGrid;
use crate::api;
use crate::api::marketing::SegmentView;
use crate::components::confirm::ConfirmDialog;
use crate::components::error_view::ErrorView;
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::state::loaded::load;
use crate::state::session::use_session;

#[component]
pub fn SegmentsPage() -> impl IntoView {
    use_page_title(Key::SegmentsTitle);
    let i18n = use_i18n();
    let session = use_session();
    let segments = load(api::marketing::list);
    let grid = load(api::marketing::grid);
    let (reload, reload_grid) = (segments.reload, grid.reload);
    reload.run(());
    reload_grid.run(());
    let editing = Editing::new();
    let notice = RwSignal::new(None::<String>);
    let recomputing = RwSignal::new(false);
    let can_manage = move || session.can(Permission::CampaignsManage);
    let recompute = move |_| {
        recomputing.set(true);
        leptos::task::spawn_local(async move {
            let result = api::marketing::recompute().await;
            recomputing.set(false);
            match result {
                Ok(g) => {
                    grid.value.set(Some(g));
                    reload.run(());
                }
                Err(e) => notice.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    let pick = Callback::new(move |group: RfmGroup| {
        editing.draft.update(|d| {
            if !d.rfm_groups.contains(&group) {
                d.rfm_groups.push(group);
            }
        });
    });
    view! {
        <header class="page-header">
            <div>
                <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::SegmentsTitle)}</h1>
                <p class="page-subtitle muted">{move || i18n.t(Key::SegmentsSubtitle)}</p>
            </div>
        </header>
        <super::MarketingTabs />
        {move || notice.get().map(|m| view! { <p class="notice notice--ok notice--spaced" role="status" data-testid="notice">{m}</p> })}
        <div class="segments-layout">
            <div class="segments-layout__main">
                <section class="card" data-testid="rfm-card">
                    <div class="analysis-card__head">
                        <h2 class="card__title">{move || i18n.t(Key::RfmTitle)}</h2>
                        <Show when=can_manage>
                            <button type="button" class="button button--small" data-testid="recompute-rfm" disabled=move || recomputing.get() on:click=recompute>
                                {move || i18n.t(Key::RfmRecompute)}
                            </button>
                        </Show>
                    </div>
                    <p class="muted">{move || i18n.t(Key::RfmHint)}</p>
                    {move || match (grid.error.get(), grid.value.get()) {
                        (Some(e), _) => view! { <ErrorView error=e on_retry=reload_grid /> }.into_any(),
                        (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
                        (None, Some(g)) => {
                            let asof = g.computed_at.as_deref().map(|t| {
                                i18n.t(Key::RfmAsOf).replace("{n}", &group_thousands(g.customers)).replace("{t}", &labels::time(i18n.locale(), t))
                            });
                            view! {
                                <p class="muted rfm-asof" data-testid="rfm-asof">{asof.unwrap_or_else(|| i18n.t(Key::RfmNotYet).to_owned())}</p>
                                <RfmGrid grid=g on_pick=pick />
                            }.into_any()
                        }
                    }}
                </section>
                <section class="card" data-testid="segment-list">
                    <h2 class="card__title">{move || i18n.t(Key::SegmentList)}</h2>
                    {move || match (segments.error.get(), segments.value.get()) {
                        (Some(e), _) => view! { <ErrorView error=e on_retry=reload /> }.into_any(),
                        (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
                        (None, Some(list)) if list.is_empty() => view! { <p class="muted">{move || i18n.t(Key::SegmentsNone)}</p> }.into_any(),
                        (None, Some(list)) => view! {
                            <ul class="segment-rows">
                                {list.into_iter().map(|s| view! { <SegmentRow segment=s editing notice reload /> }).collect_view()}
                            </ul>
                        }.into_any(),
                    }}
                </section>
            </div>
            <Show when=can_manage>
                <div class="segments-layout__side">
                    <SegmentBuilder editing on_saved=Callback::new(move |message: String| {
                        notice.set(Some(message));
                        reload.run(());
                    }) />
                </div>
            </Show>
        </div>
    }
}

#[component]
fn SegmentRow(
    segment: SegmentView,
    editing: Editing,
    notice: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let confirming = RwSignal::new(false);
    let currency = session.viewer().map(|v| v.workspace.currency).unwrap_or_default();
    let chips: Vec<String> =
        segment.conditions.iter().map(|k| describe(i18n, k, &segment.filter, &currency)).collect();
    let href = format!("/customers?segment={}", segment.id);
    let members = segment.member_count.unsigned_abs();
    let s = StoredValue::new(segment);
    let edit = move |_| {
        s.with_value(|s| match SegmentDraft::from_filter(&s.name, &s.filter) {
            Some(d) => {
                editing.draft.set(d);
                editing.segment.set(Some((s.id.clone(), s.version)));
            }
            None => notice.set(Some(i18n.t(Key::SegApiOnly).to_owned())),
        });
    };
    let delete = move |()| {
        confirming.set(false);
        let id = s.with_value(|s| s.id.clone());
        leptos::task::spawn_local(async move {
            match api::marketing::delete(&id).await {
                Ok(()) => {
                    notice.set(Some(i18n.t(Key::SegDeleted).to_owned()));
                    reload.run(());
                }
                Err(e) => notice.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    view! {
        <li class="segment-row" data-testid="segment-row">
            <div class="segment-row__head">
                <span class="segment-row__name">{s.with_value(|s| s.name.clone())}</span>
                <span class="pill pill--scope" data-testid="segment-members">
                    {move || i18n.t(Key::SegmentMembers).replace("{n}", &group_thousands(members))}
                </span>
            </div>
            <ul class="segment-row__conditions">
                {chips.into_iter().map(|c| view! { <li class="chip">{c}</li> }).collect_view()}
            </ul>
            <div class="segment-row__actions">
                <A href=href attr:class="button button--small" attr:data-testid="segment-customers">{move || i18n.t(Key::SegmentViewCustomers)}</A>
                <Show when=move || session.can(Permission::CampaignsManage)>
                    <button type="button" class="button button--small" data-testid="edit-segment" on:click=edit>{move || i18n.t(Key::Edit)}</button>
                    <button type="button" class="button button--small button--danger-outline" data-testid="delete-segment" on:click=move |_| confirming.set(true)>
                        {move || i18n.t(Key::Delete)}
                    </button>
                </Show>
            </div>
            <Show when=move || confirming.get()>
                <ConfirmDialog
                    title=Key::Delete
                    body=s.with_value(|s| i18n.t(Key::SegConfirmDelete).replace("{name}", &s.name))
                    action=Key::Delete
                    danger=true
                    on_confirm=Callback::new(delete)
                    on_close=Callback::new(move |()| confirming.set(false))
                />
            </Show>
        </li>
    }
}
