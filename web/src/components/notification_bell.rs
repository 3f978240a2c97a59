//! The bell in the top bar: what the desk told the signed-in person (a ticket that missed its
//! promise), newest first, with the unread count as a badge. Looked up on sign-in, every minute
//! and when opened; following one marks it read and opens its ticket.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};
use starcrm_shared::service_desk::SlaTarget;

use crate::api;
use crate::api::notifications::{Notification, Notifications};
use crate::components::icon::{Icon, IconName};
use crate::i18n::{I18n, Key, labels, use_i18n};

/// How often the count is looked up again.
const EVERY: std::time::Duration = std::time::Duration::from_secs(60);

const fn target(t: SlaTarget) -> Key {
    match t {
        SlaTarget::FirstResponse => Key::FirstResponseTarget,
        SlaTarget::NextResponse => Key::NextResponseTarget,
        SlaTarget::Resolution => Key::ResolutionTarget,
    }
}

/// "T000012 missed first response": what a notification says.
fn headline(i18n: I18n, n: &Notification) -> String {
    // Inside a sentence: "missed first response" (Chinese has no case).
    let targets: Vec<String> = n.missed.iter().map(|t| i18n.t(target(*t)).to_lowercase()).collect();
    i18n.t(Key::NotificationMissed)
        .replace("{code}", n.ticket_code.as_deref().unwrap_or_default())
        .replace("{targets}", &targets.join(i18n.t(Key::ListSeparator)))
}

#[component]
pub fn NotificationBell() -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let state = RwSignal::new(Notifications::default());
    let load = move || {
        leptos::task::spawn_local(async move {
            if let Ok(found) = api::notifications::list().await {
                state.set(found);
            }
        });
    };
    load();
    if let Ok(handle) = set_interval_with_handle(load, EVERY) {
        on_cleanup(move || handle.clear());
    }
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        open.set(false);
    });
    let toggle = move |_| {
        let now_open = !open.get_untracked();
        open.set(now_open);
        if now_open {
            load();
        }
    };
    let mark_all = move |_| {
        leptos::task::spawn_local(async move {
            if api::notifications::mark_read(None).await.is_ok() {
                load();
            }
        });
    };
    let unread = move || state.with(|s| s.unread_count);
    view! {
        <div class="bell">
            <button
                type="button"
                class="bell__button"
                data-testid="notifications"
                aria-haspopup="true"
                aria-expanded=move || open.get().to_string()
                aria-label=move || format!("{} ({})", i18n.t(Key::Notifications), unread())
                on:click=toggle
            >
                <Icon name=IconName::Bell />
                <Show when=move || { unread() > 0 }>
                    <span class="bell__badge" data-testid="notifications-unread">{move || unread().min(99)}</span>
                </Show>
            </button>
            <Show when=move || open.get()>
                <div class="bell__panel" data-testid="notifications-panel">
                    <div class="bell__head">
                        <strong>{move || i18n.t(Key::Notifications)}</strong>
                        <Show when=move || { unread() > 0 }>
                            <button type="button" class="link-button" data-testid="notifications-read-all" on:click=mark_all>
                                {move || i18n.t(Key::MarkAllRead)}
                            </button>
                        </Show>
                    </div>
                    {move || {
                        let nodes = state.with(|s| s.nodes.clone());
                        if nodes.is_empty() {
                            view! { <p class="bell__empty muted">{move || i18n.t(Key::NoNotifications)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="bell__list">
                                    {nodes.into_iter().map(|n| view! { <Item n on_read=load /> }).collect_view()}
                                </ul>
                            }
                            .into_any()
                        }
                    }}
                </div>
            </Show>
        </div>
    }
}

/// One notification: what happened, the priority now and when; a link to the ticket.
#[component]
fn Item(n: Notification, on_read: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let unread = n.read_at.is_none();
    let (id, ticket) = (n.id.clone(), n.ticket_id.clone());
    // In the language chosen now (the switch re-renders the words, not the list).
    let n = StoredValue::new(n);
    let title = move || n.with_value(|n| headline(i18n, n));
    let meta = move || {
        n.with_value(|n| {
            let when = labels::time(i18n.locale(), &n.created_at);
            match n.priority {
                Some(p) => {
                    let now = i18n
                        .t(Key::NotificationPriority)
                        .replace("{p}", &i18n.t(labels::priority(p)).to_lowercase());
                    format!("{now} · {when}")
                }
                None => when,
            }
        })
    };
    // Marked read before the ticket opens: the page it leads to shows the count without it
    // (its own bell may look the count up as it mounts).
    let follow = move |_| {
        let (id, ticket, navigate) = (id.clone(), ticket.clone(), navigate.clone());
        leptos::task::spawn_local(async move {
            if api::notifications::mark_read(Some(&id)).await.is_ok() {
                on_read();
            }
            if let Some(ticket) = ticket {
                navigate(&format!("/service/tickets/{ticket}"), NavigateOptions::default());
            }
        });
    };
    view! {
        <li>
            <button type="button" class="bell__item" class:bell__item--unread=unread data-testid="notification" on:click=follow>
                <span class="bell__icon" aria-hidden="true"><Icon name=IconName::Alert /></span>
                <span class="bell__text">
                    <span class="bell__title">{title}</span>
                    <span class="bell__meta">{meta}</span>
                </span>
            </button>
        </li>
    }
}
