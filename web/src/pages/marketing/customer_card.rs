//! The customer page's segments card: the customer's RFM group, the segments they are in with
//! every condition ticked (why they are in), and the segments they miss by one condition.

use leptos::prelude::*;
use leptos_router::components::A;
use starcrm_shared::Permission;

use super::conditions::describe;
use crate::api;
use crate::api::marketing::Standing;
use crate::components::error_view::ErrorView;
use crate::i18n::{Key, labels, use_i18n};
use crate::state::loaded::load;
use crate::state::session::use_session;

#[component]
pub fn SegmentsCard(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = StoredValue::new(customer_id);
    let loaded = load(move || api::marketing::of_customer(id.get_value()));
    let reload = loaded.reload;
    reload.run(());
    let currency = session.viewer().map(|v| v.workspace.currency).unwrap_or_default();
    let currency = StoredValue::new(currency);
    view! {
        <section class="card" data-testid="segments-card">
            <h2 class="card__title">{move || i18n.t(Key::CustomerSegments)}</h2>
            {move || match (loaded.error.get(), loaded.value.get()) {
                (Some(e), _) => view! { <ErrorView error=e on_retry=reload /> }.into_any(),
                (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
                (None, Some(m)) => {
                    let rfm = m.rfm.map(|r| {
                        let text = i18n
                            .t(Key::SegRfmOf)
                            .replace("{g}", i18n.t(labels::rfm_group(r.group)))
                            .replace("{r}", &r.recency.to_string())
                            .replace("{f}", &r.frequency.to_string())
                            .replace("{m}", &r.monetary.to_string());
                        view! { <p><span class=format!("pill rfm-pill rfm--{}", r.group.as_str()) data-testid="customer-rfm">{text}</span></p> }
                    });
                    // Members, then those one condition short.
                    let shown: Vec<Standing> = m.segments.into_iter().filter(|s| s.member || s.missing == 1).collect();
                    let none = !shown.iter().any(|s| s.member);
                    view! {
                        {rfm}
                        <Show when=move || none>
                            <p class="muted">{move || i18n.t(Key::SegInNone)}</p>
                        </Show>
                        <ul class="standing-list">
                            {shown.into_iter().map(|s| view! { <StandingRow standing=s currency=currency.get_value() /> }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
            <Show when=move || session.can(Permission::CampaignsManage)>
                <A href="/segments" attr:class="link-button">{move || i18n.t(Key::SegAll)}</A>
            </Show>
        </section>
    }
}

#[component]
fn StandingRow(standing: Standing, currency: String) -> impl IntoView {
    let i18n = use_i18n();
    let s = standing;
    let checks: Vec<(bool, String)> = s
        .conditions
        .iter()
        .map(|c| (c.holds, describe(i18n, &c.condition, &s.segment.filter, &currency)))
        .collect();
    let since = s.member_since.clone();
    let (member, missing) = (s.member, s.missing);
    view! {
        <li class=if member { "standing standing--in" } else { "standing standing--near" } data-testid="segment-standing">
            <div class="standing__head">
                <span class="standing__name">{s.segment.name.clone()}</span>
                {move || if member {
                    since.as_deref().map(|t| i18n.t(Key::SegMemberSince).replace("{t}", &labels::date(i18n.locale(), t))).unwrap_or_default()
                } else {
                    i18n.t(Key::SegMissing).replace("{n}", &missing.to_string())
                }}
            </div>
            <ul class="standing__checks">
                {checks.into_iter().map(|(holds, text)| view! {
                    <li class=if holds { "check check--ok" } else { "check check--no" }>
                        <span aria-hidden="true">{if holds { "✓" } else { "✗" }}</span>" "{text}
                    </li>
                }).collect_view()}
            </ul>
        </li>
    }
}
