//! The inbox: one tab per queue with its count; tickets soonest deadline first, then the
//! customers with the most stars. `j`/`k` (or the arrow keys) move through the list, Enter opens.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use starcrm_shared::service_desk::{TicketRow, parse_ticket_code, ticket_code};
use starcrm_shared::{ErrorCode, Permission};

use super::open_ticket::OpenTicketDialog;
use super::{ServiceTabs, countdown, countdown_class, minute_clock, priority_class};
use crate::api::service::{Queue, View};
use crate::api::{self, ApiError};
use crate::components::error_view::ErrorView;
use crate::components::list_footer::ListFooter;
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::pages::customers::star_text;
use crate::state::session::use_session;

const fn view_label(view: View) -> Key {
    match view {
        View::Mine => Key::QueueMine,
        View::MyTeam => Key::QueueMyTeam,
        View::Unassigned => Key::QueueUnassigned,
        View::Open => Key::QueueOpen,
        View::BreachingSoon => Key::QueueBreachingSoon,
        View::Breached => Key::QueueBreached,
    }
}

#[component]
pub fn InboxPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::NavService);
    let view = RwSignal::new(View::Open);
    let queue = RwSignal::new(None::<Queue>);
    let error = RwSignal::new(None::<ApiError>);
    let selected = RwSignal::new(0_usize);
    let load = move |after: Option<String>| {
        let chosen = view.get_untracked();
        leptos::task::spawn_local(async move {
            match api::service::queue(chosen, after.clone()).await {
                Ok(page) => {
                    error.set(None);
                    queue.update(|q| match (q.as_mut(), after) {
                        (Some(q), Some(_)) => {
                            q.rows.extend(page.rows);
                            q.next = page.next;
                            q.total = page.total;
                            q.counts = page.counts;
                        }
                        _ => *q = Some(page),
                    });
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        view.track();
        selected.set(0);
        load(None);
    });
    // Keep the queues current while the page is open.
    let tick = minute_clock();
    Effect::new(move |previous: Option<()>| {
        tick.track();
        if previous.is_some() {
            load(None);
        }
    });
    let rows = Signal::derive(move || queue.with(|q| q.as_ref().map(|q| q.rows.clone()).unwrap_or_default()));
    keyboard(rows, selected);

    view! {
        <InboxHeader />
        <ServiceTabs />
        <QueueTabs view queue />
        {move || match (error.get(), queue.get()) {
            (Some(e), _) => view! { <ErrorView error=e on_retry=Callback::new(move |()| load(None)) /> }.into_any(),
            (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
            (None, Some(q)) if q.rows.is_empty() => view! {
                <div class="empty" data-testid="no-tickets">
                    <p class="empty__title">{move || i18n.t(Key::NoTickets)}</p>
                    <p class="muted">{move || i18n.t(Key::NoTicketsBody)}</p>
                </div>
            }
            .into_any(),
            (None, Some(_)) => view! {
                <div class="table-wrap">
                    <table class="table tickets" data-testid="tickets-table">
                        <thead>
                            <tr>
                                <th>{move || i18n.t(Key::Ticket)}</th>
                                <th>{move || i18n.t(Key::Customer)}</th>
                                <th class="nowrap">{move || i18n.t(Key::ServiceLevel)}</th>
                                <th class="hide-narrow">{move || i18n.t(Key::Priority)}</th>
                                <th class="hide-narrow">{move || i18n.t(Key::Status)}</th>
                                <th class="hide-narrow">{move || i18n.t(Key::Assignee)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {move || {
                                tick.track();
                                rows.get()
                                    .into_iter()
                                    .enumerate()
                                    .map(|(i, row)| view! { <TicketRowView row selected=Signal::derive(move || selected.get() == i) /> })
                                    .collect_view()
                            }}
                        </tbody>
                    </table>
                </div>
                <ListFooter
                    shown=Signal::derive(move || rows.with(Vec::len))
                    total=Signal::derive(move || queue.with(|q| q.as_ref().map_or(0, |q| q.total)))
                    has_more=Signal::derive(move || queue.with(|q| q.as_ref().is_some_and(|q| q.next.is_some())))
                    on_more=Callback::new(move |()| load(queue.with_untracked(|q| q.as_ref().and_then(|q| q.next.clone()))))
                />
            }
            .into_any(),
        }}
    }
}

/// `j`/`k` (or the arrow keys) move the selection, Enter opens the selected ticket; keys typed
/// into a field are left alone.
fn keyboard(rows: Signal<Vec<TicketRow>>, selected: RwSignal<usize>) {
    let navigate = use_navigate();
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        let typing = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if typing {
            return;
        }
        let count = rows.with_untracked(Vec::len);
        match ev.key().as_str() {
            "j" | "ArrowDown" if count > 0 => selected.update(|s| *s = (*s + 1).min(count - 1)),
            "k" | "ArrowUp" => selected.update(|s| *s = s.saturating_sub(1)),
            "Enter" => {
                if let Some(row) = rows.with_untracked(|r| r.get(selected.get_untracked()).cloned()) {
                    navigate(&format!("/service/tickets/{}", row.id), NavigateOptions::default());
                }
            }
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());
}

/// One tab per queue, with its count (overdue in red when there are any).
#[component]
fn QueueTabs(view: RwSignal<View>, queue: RwSignal<Option<Queue>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="tabs queue-tabs" role="tablist" aria-label=move || i18n.t(Key::TicketQueues)>
            {View::ALL
                .into_iter()
                .map(|v| {
                    let count = move || queue.with(|q| q.as_ref().map(|q| v.count(&q.counts)));
                    view! {
                        <button
                            type="button"
                            role="tab"
                            class="tabs__tab"
                            class:tabs__tab--alert=move || { v == View::Breached && count().unwrap_or(0) > 0 }
                            aria-selected=move || (view.get() == v).to_string()
                            data-testid=format!("queue-{}", v.wire().to_lowercase())
                            on:click=move |_| view.set(v)
                        >
                            {move || i18n.t(view_label(v))}
                            <span class="tabs__count">{move || count().map(|c| c.to_string()).unwrap_or_default()}</span>
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn TicketRowView(row: TicketRow, selected: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("/service/tickets/{}", row.id);
    let due = row.next_due.clone();
    let state = row.sla_state;
    let sla_class = countdown_class(due.as_deref(), state);
    let customer = row.customer.clone();
    let stars = row.stars;
    view! {
        <tr class:is-selected=move || selected.get() data-testid="ticket-row" data-stars=stars.map(|s| s.to_string()).unwrap_or_default()>
            <td>
                <a class="cell-title" href=href>{row.subject.clone()}</a>
                <div class="cell-sub">
                    <span class="mono">{row.code.clone()}</span>
                    " · "
                    {move || i18n.t(labels::ticket_kind(row.kind))}
                    {row.channel.map(|c| view! { " · " {move || i18n.t(labels::channel(c))} })}
                </div>
            </td>
            <td>
                <div>{customer.as_ref().map(|c| c.name.clone()).unwrap_or_default()}</div>
                <span class="stars" class:stars--none=stars.is_none() aria-label=move || i18n.t(Key::Stars)>{star_text(stars)}</span>
            </td>
            <td class="nowrap">
                <span class=sla_class data-testid="sla">{move || countdown(i18n, due.as_deref(), state)}</span>
            </td>
            <td class="hide-narrow"><span class=priority_class(row.priority)>{move || i18n.t(labels::priority(row.priority))}</span></td>
            <td class="hide-narrow"><span class="pill pill--scope">{move || i18n.t(labels::ticket_status(row.status))}</span></td>
            <td class="hide-narrow">
                {match row.assignee.clone() {
                    Some(a) => view! { <span>{a.name}</span> }.into_any(),
                    None => view! { <span class="muted">{move || i18n.t(Key::NobodyAssigned)}</span> }.into_any(),
                }}
            </td>
        </tr>
    }
}

/// For agents in a team: whether round robin gives them new tickets, and the switch.
/// The title, the agent's availability and, for those who may, a new ticket.
#[component]
fn InboxHeader() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let opening = RwSignal::new(false);
    view! {
        <header class="page-header page-header--split">
            <div>
                <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::NavService)}</h1>
                <p class="muted">{move || i18n.t(Key::ServiceSubtitle)}</p>
            </div>
            <div class="page-header__actions">
                <GoToTicket />
                <Availability />
                <Show when=move || session.can(Permission::ServiceManage)>
                    <button type="button" class="button button--primary" data-testid="new-ticket" on:click=move |_| opening.set(true)>
                        {move || i18n.t(Key::NewTicket)}
                    </button>
                </Show>
            </div>
        </header>
        <Show when=move || opening.get()>
            <OpenTicketDialog customer=None on_close=Callback::new(move |()| opening.set(false)) />
        </Show>
    }
}

/// A code a customer quotes on the phone (`T000042`, `#42`, `42`) opens its ticket.
#[component]
fn GoToTicket() -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let code = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = code.get_untracked();
        let Some(number) = parse_ticket_code(&typed) else {
            problem.set(Some(i18n.t(Key::NotATicketCode).to_owned()));
            return;
        };
        let quoted = ticket_code(number);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::service::ticket_by_code(&quoted).await {
                Ok(id) => {
                    problem.set(None);
                    navigate(&format!("/service/tickets/{id}"), NavigateOptions::default());
                }
                Err(e) if e.is(ErrorCode::NotFound) => {
                    problem.set(Some(i18n.t(Key::NoSuchTicket).replace("{code}", &quoted)));
                }
                Err(e) => problem.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    view! {
        <form class="goto" role="search" data-testid="goto-ticket" on:submit=submit>
            <input class="field__input goto__input" type="search" inputmode="text" autocomplete="off"
                aria-label=move || i18n.t(Key::GoToTicket) placeholder=move || i18n.t(Key::GoToTicketPlaceholder)
                bind:value=code on:input=move |_| problem.set(None) />
            <button type="submit" class="button">{move || i18n.t(Key::GoToTicketButton)}</button>
            {move || problem.get().map(|text| view! { <p class="goto__problem field__error" role="alert" data-testid="goto-problem">{text}</p> })}
        </form>
    }
}

#[component]
fn Availability() -> impl IntoView {
    let i18n = use_i18n();
    let available = RwSignal::new(None::<bool>);
    leptos::task::spawn_local(async move {
        if let Ok(found) = api::service::my_availability().await {
            available.set(found);
        }
    });
    let toggle = move |_| {
        let Some(now) = available.get_untracked() else { return };
        leptos::task::spawn_local(async move {
            if api::service::set_availability(!now, None).await.is_ok() {
                available.set(Some(!now));
            }
        });
    };
    move || {
        available.get().map(|on| {
            view! {
                <button type="button" class=if on { "button availability availability--on" } else { "button availability" }
                    data-testid="availability" aria-pressed=on.to_string() on:click=toggle>
                    <span class="availability__dot" aria-hidden="true"></span>
                    {move || i18n.t(if on { Key::TakingTickets } else { Key::AwayNoTickets })}
                </button>
            }
        })
    }
}
