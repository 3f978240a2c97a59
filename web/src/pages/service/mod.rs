//! The service desk: the inbox (queues sorted by deadline, then stars), a ticket's page, and the
//! follow-ups (回访) list.

pub mod analysis_page;
pub mod follow_ups_page;
pub mod inbox_page;
pub mod open_ticket;
pub mod ticket_page;

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use starcrm_shared::service_desk::SlaState;

use crate::i18n::{I18n, Key, labels, use_i18n};
use crate::state::session::use_session;
use starcrm_shared::Permission;

/// Tickets | Follow-ups: the desk's two lists.
#[component]
pub fn ServiceTabs() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let path = use_location().pathname;
    let link = move |href: &'static str, key: Key, test_id: &'static str| {
        view! {
            <a
                class="segmented__item"
                class:segmented__item--on=move || path.with(|p| p == href)
                aria-current=move || path.with(|p| p == href).then_some("page")
                href=href
                data-testid=test_id
            >
                {move || i18n.t(key)}
            </a>
        }
    };
    view! {
        <nav class="segmented service-tabs" aria-label=move || i18n.t(Key::NavService)>
            {link("/service", Key::ServiceTickets, "service-tickets")}
            {link("/service/follow-ups", Key::FollowUps, "service-follow-ups")}
            <Show when=move || session.can(Permission::ServiceConfigure)>
                {link("/service/analysis", Key::ServiceAnalysis, "service-analysis")}
            </Show>
        </nav>
    }
}

/// A clock for countdowns: the current minute, refreshed every 30 seconds while the page lives.
pub(crate) fn minute_clock() -> RwSignal<u64> {
    let tick = RwSignal::new(0_u64);
    if let Ok(handle) =
        set_interval_with_handle(move || tick.update(|t| *t += 1), std::time::Duration::from_secs(30))
    {
        on_cleanup(move || handle.clear());
    }
    tick
}

/// "due in 45 min", "1 h 05 min overdue", "clock paused": where a deadline stands now.
pub(crate) fn countdown(i18n: I18n, due: Option<&str>, state: SlaState) -> String {
    match (state, due.and_then(labels::minutes_until)) {
        (SlaState::Paused, _) => i18n.t(Key::SlaPaused).to_owned(),
        (_, Some(m)) if m < 0 => i18n.t(Key::SlaOverdue).replace("{t}", &labels::minutes_span(i18n, m)),
        (_, Some(m)) => i18n.t(Key::SlaDueIn).replace("{t}", &labels::minutes_span(i18n, m)),
        (_, None) => i18n.t(Key::SlaNone).to_owned(),
    }
}

/// The colour class of a countdown: overdue red, within the hour amber.
pub(crate) fn countdown_class(due: Option<&str>, state: SlaState) -> &'static str {
    match (state, due.and_then(labels::minutes_until)) {
        (SlaState::Paused, _) | (_, None) => "sla sla--muted",
        (_, Some(m)) if m < 0 => "sla sla--over",
        (_, Some(m)) if m <= 60 => "sla sla--near",
        _ => "sla sla--ok",
    }
}

/// The class of a priority pill.
pub(crate) const fn priority_class(p: starcrm_shared::service_desk::TicketPriority) -> &'static str {
    use starcrm_shared::service_desk::TicketPriority as P;
    match p {
        P::Urgent => "pill pill--urgent",
        P::High => "pill pill--warn",
        P::Normal => "pill pill--scope",
        P::Low => "pill pill--muted",
    }
}
