//! The audit log: who did what, when and from where, each action named and its details
//! labelled in the page's language; what a person wrote (a reason) is shown as written.

use leptos::prelude::*;
use starcrm_shared::account::{ActorKind, AuditEntryInfo};
use starcrm_shared::audit::{self, Detail};

use super::SettingsLayout;
use crate::api::{self, ApiError};
use crate::components::error_view::ErrorView;
use crate::components::list_footer::{ListFooter, Listing, load_page};
use crate::i18n::{Key, labels, use_i18n, use_page_title};

const PAGE_SIZE: u32 = 50;

/// Action groups offered as filters (prefixes end in a dot).
const GROUPS: [(&str, Key); 8] = [
    ("", Key::AllActions),
    ("customer.", Key::GroupCustomers),
    ("rating_", Key::GroupRatings),
    ("session.", Key::GroupSessions),
    ("user.", Key::GroupUsers),
    ("api_token.", Key::GroupTokens),
    ("pii.reveal", Key::ActionPiiReveal),
    ("workspace.", Key::GroupWorkspace),
];

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::SettingsAudit);
    let action = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let listing = RwSignal::new(Listing::<AuditEntryInfo>::default());
    let load_error = RwSignal::new(None::<ApiError>);

    let load = move |append: bool| {
        let action = action.get_untracked();
        // Dates are the reader's days: from the start of `from` to the end of `to`.
        let from = labels::local_day_start(&from.get_untracked(), 0);
        let to = labels::local_day_start(&to.get_untracked(), 1);
        load_page(listing, load_error, append, move |after| async move {
            api::audit::list(PAGE_SIZE, after, &action, from, to).await
        });
    };
    Effect::new(move |_| {
        action.track();
        from.track();
        to.track();
        load(false);
    });

    view! {
        <SettingsLayout title=Key::SettingsAudit subtitle=Key::AuditSubtitle>
            <div class="toolbar">
                <select class="toolbar__select" aria-label=move || i18n.t(Key::Action) on:change=move |ev| action.set(event_target_value(&ev)) data-testid="audit-action">
                    {GROUPS.into_iter().map(|(value, key)| view! { <option value=value>{move || i18n.t(key)}</option> }).collect_view()}
                </select>
                <label class="toolbar__date">
                    <span>{move || i18n.t(Key::From)}</span>
                    <input type="date" on:change=move |ev| from.set(event_target_value(&ev)) />
                </label>
                <label class="toolbar__date">
                    <span>{move || i18n.t(Key::To)}</span>
                    <input type="date" on:change=move |ev| to.set(event_target_value(&ev)) />
                </label>
            </div>
            {move || match load_error.get() {
                Some(error) => view! { <ErrorView error on_retry=Callback::new(move |()| load(false)) /> }.into_any(),
                None => view! {
                    <div class="table-wrap">
                        <table class="table table--dense table--stack" data-testid="audit-table">
                            <thead>
                                <tr>
                                    <th>{move || i18n.t(Key::Time)}</th>
                                    <th>{move || i18n.t(Key::Actor)}</th>
                                    <th>{move || i18n.t(Key::Action)}</th>
                                    <th>{move || i18n.t(Key::Details)}</th>
                                    <th>{move || i18n.t(Key::Source)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                <For each=move || listing.get().rows key=|e| e.id.clone() children=move |entry| view! { <AuditRow entry /> } />
                            </tbody>
                        </table>
                    </div>
                    <ListFooter
                        shown=Signal::derive(move || listing.with(|l| l.rows.len()))
                        total=Signal::derive(move || listing.with(|l| l.total))
                        has_more=Signal::derive(move || listing.with(|l| l.has_more))
                        on_more=Callback::new(move |()| load(true))
                    />
                }
                .into_any(),
            }}
        </SettingsLayout>
    }
}

#[component]
fn AuditRow(entry: AuditEntryInfo) -> impl IntoView {
    let i18n = use_i18n();
    let label = labels::action(&entry.action);
    let code = entry.action.clone();
    let at = entry.at.clone();
    let kind = match entry.actor_kind {
        ActorKind::User => Key::ActorUser,
        ActorKind::ApiToken => Key::ActorToken,
        ActorKind::System => Key::ActorSystem,
    };
    let details = entry.changes.as_deref().map(|c| audit::describe(&entry.action, c)).unwrap_or_default();
    view! {
        <tr data-testid="audit-row" data-action=entry.action.clone()>
            <td class="nowrap">{move || labels::time(i18n.locale(), &at)}</td>
            <td>
                <div class="cell-title">{entry.actor_name.clone()}</div>
                <div class="cell-sub">{move || i18n.t(kind)}</div>
            </td>
            <td>
                <div class="cell-title" data-testid="audit-action-label">{move || label.map_or_else(|| code.clone(), |k| i18n.t(k).to_owned())}</div>
            </td>
            <td class="cell-details" data-testid="audit-details">
                {details.into_iter().map(|d| view! { <DetailView detail=d /> }).collect_view()}
            </td>
            <td>
                <div class="cell-sub mono">{entry.ip.clone()}</div>
                <div class="cell-sub mono" title=entry.request_id.clone()>{entry.request_id.as_deref().map(short_id)}</div>
            </td>
        </tr>
    }
}

/// The distinctive end of a request id (a UUIDv7 starts with the time, which the row shows).
fn short_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 12 {
        id.to_owned()
    } else {
        format!("…{}", chars[chars.len() - 12..].iter().collect::<String>())
    }
}

/// One readable part of an entry: labelled in the page's language; what a person wrote is
/// quoted as written.
#[component]
fn DetailView(detail: Detail) -> impl IntoView {
    let i18n = use_i18n();
    let name = move |field: &str| {
        labels::audit_field(field).map_or_else(|| field.to_owned(), |k| i18n.t(k).to_owned())
    };
    match detail {
        Detail::Stars { from, to } => view! {
            <div class="detail"><span class="detail__value detail__value--stars">{audit::stars_change(from, to)}</span></div>
        }
        .into_any(),
        Detail::Reason(text) => view! {
            <div class="detail">
                <span class="detail__label">{move || i18n.t(Key::AuditReason)}</span>
                <q class="detail__written" data-testid="audit-reason">{text}</q>
            </div>
        }
        .into_any(),
        Detail::Changed { field, from, to } => {
            let label = field.clone();
            view! {
                <div class="detail">
                    <span class="detail__label">{move || name(&label)}</span>
                    <span class="detail__value">{move || format!("{} → {}", labels::audit_value(i18n, &field, &from), labels::audit_value(i18n, &field, &to))}</span>
                </div>
            }
            .into_any()
        }
        Detail::Value { field, value } => {
            let label = field.clone();
            view! {
                <div class="detail">
                    {(!label.is_empty()).then(|| view! { <span class="detail__label">{move || name(&label)}</span> })}
                    <span class="detail__value">{move || labels::audit_value(i18n, &field, &value)}</span>
                </div>
            }
            .into_any()
        }
    }
}
