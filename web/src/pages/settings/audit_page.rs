use leptos::prelude::*;
use starcrm_shared::account::{ActorKind, AuditEntryInfo};

use super::SettingsLayout;
use crate::api::{self, ApiError};
use crate::components::error_view::ErrorView;
use crate::components::list_footer::{ListFooter, Listing, load_page};
use crate::i18n::{Key, labels, use_i18n, use_page_title};

const PAGE_SIZE: u32 = 50;

/// Action groups offered as filters (prefixes end in a dot).
const GROUPS: [(&str, Key); 6] = [
    ("", Key::AllActions),
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
                        <table class="table table--dense" data-testid="audit-table">
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
    let details = entry.changes.as_deref().map(compact_changes).unwrap_or_default();
    view! {
        <tr data-testid="audit-row" data-action=entry.action.clone()>
            <td class="nowrap">{move || labels::time(i18n.locale(), &at)}</td>
            <td>
                <div class="cell-title">{entry.actor_name.clone()}</div>
                <div class="cell-sub">{move || i18n.t(kind)}</div>
            </td>
            <td>
                <div class="cell-title">{move || label.map_or_else(|| code.clone(), |k| i18n.t(k).to_owned())}</div>
                <div class="cell-sub mono">{entry.action.clone()}</div>
            </td>
            <td class="cell-details mono">{details}</td>
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

/// `{"role":{"from":"agent","to":"manager"}}` -> `role: agent → manager`.
fn compact_changes(json: &str) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(json) else {
        return json.to_owned();
    };
    fields
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            serde_json::Value::Object(change) if change.contains_key("from") => {
                format!("{k}: {} → {}", plain(&change["from"]), plain(&change["to"]))
            }
            other => format!("{k}: {}", plain(other)),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn plain(value: &serde_json::Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}
