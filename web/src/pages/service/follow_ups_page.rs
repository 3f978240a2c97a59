//! Follow-ups (回访): calls back due today (overdue first), upcoming, the signed-in agent's, and
//! done ones with their outcome. A call is done with an outcome (it goes on the customer's
//! timeline) or put off to tomorrow or next week.

use leptos::prelude::*;
use starcrm_shared::follow_ups::{FollowUpReason, FollowUpRow, FollowUpStatus};

use super::ServiceTabs;
use crate::api::service::{FollowUpView, FollowUps};
use crate::api::{self, ApiError};
use crate::components::error_view::ErrorView;
use crate::components::list_footer::ListFooter;
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::pages::customers::star_text;

const fn view_label(view: FollowUpView) -> Key {
    match view {
        FollowUpView::Due => Key::FollowUpsDue,
        FollowUpView::Upcoming => Key::FollowUpsUpcoming,
        FollowUpView::Mine => Key::FollowUpsMine,
        FollowUpView::Done => Key::FollowUpsDone,
    }
}

const fn reason_label(reason: FollowUpReason) -> Key {
    match reason {
        FollowUpReason::Cadence => Key::FollowUpCadence,
        FollowUpReason::Complaint => Key::FollowUpComplaint,
        FollowUpReason::StarDrop => Key::FollowUpStarDrop,
        FollowUpReason::Manual => Key::FollowUpManual,
    }
}

#[component]
pub fn FollowUpsPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::FollowUps);
    let view = RwSignal::new(FollowUpView::Due);
    let list = RwSignal::new(None::<FollowUps>);
    let error = RwSignal::new(None::<ApiError>);
    let load = move |after: Option<String>| {
        let chosen = view.get_untracked();
        leptos::task::spawn_local(async move {
            match api::service::follow_ups(chosen, after.clone()).await {
                Ok(page) => {
                    error.set(None);
                    list.update(|l| match (l.as_mut(), after) {
                        (Some(l), Some(_)) => {
                            l.rows.extend(page.rows);
                            l.next = page.next;
                            l.total = page.total;
                        }
                        _ => *l = Some(page),
                    });
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        view.track();
        load(None);
    });
    let reload = Callback::new(move |()| load(None));
    view! {
        <header class="page-header">
            <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::FollowUps)}</h1>
            <p class="muted">{move || i18n.t(Key::FollowUpsSubtitle)}</p>
        </header>
        <ServiceTabs />
        <div class="tabs queue-tabs" role="tablist" aria-label=move || i18n.t(Key::FollowUps)>
            {FollowUpView::ALL
                .into_iter()
                .map(|v| view! {
                    <button
                        type="button"
                        role="tab"
                        class="tabs__tab"
                        aria-selected=move || (view.get() == v).to_string()
                        data-testid=format!("follow-ups-{}", v.wire().to_lowercase())
                        on:click=move |_| view.set(v)
                    >
                        {move || i18n.t(view_label(v))}
                        <span class="tabs__count">
                            {move || list.with(|l| l.as_ref().filter(|_| view.get() == v).map(|l| l.total.to_string()).unwrap_or_default())}
                        </span>
                    </button>
                })
                .collect_view()}
        </div>
        {move || match (error.get(), list.get()) {
            (Some(e), _) => view! { <ErrorView error=e on_retry=reload /> }.into_any(),
            (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
            (None, Some(l)) if l.rows.is_empty() => view! {
                <div class="empty" data-testid="no-follow-ups">
                    <p class="empty__title">{move || i18n.t(Key::NoFollowUps)}</p>
                    <p class="muted">{move || i18n.t(Key::NoFollowUpsBody)}</p>
                </div>
            }
            .into_any(),
            (None, Some(l)) => view! {
                <ul class="follow-ups" data-testid="follow-ups">
                    {l.rows.into_iter().map(|row| view! { <FollowUpItem row on_change=reload /> }).collect_view()}
                </ul>
                <ListFooter
                    shown=Signal::derive(move || list.with(|l| l.as_ref().map_or(0, |l| l.rows.len())))
                    total=Signal::derive(move || list.with(|l| l.as_ref().map_or(0, |l| l.total)))
                    has_more=Signal::derive(move || list.with(|l| l.as_ref().is_some_and(|l| l.next.is_some())))
                    on_more=Callback::new(move |()| load(list.with_untracked(|l| l.as_ref().and_then(|l| l.next.clone()))))
                />
            }
            .into_any(),
        }}
    }
}

#[component]
fn FollowUpItem(row: FollowUpRow, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let outcome = RwSignal::new(String::new());
    let writing = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let id = StoredValue::new(row.id.clone());
    let open = row.status == FollowUpStatus::Open;
    let reason = row.reason;
    let due = row.due_at.clone();
    let done_at = row.done_at.clone();
    let snoozes = row.snoozes;
    let stars = row.customer.as_ref().and_then(|c| c.stars);
    let act = move |days: Option<u32>| {
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = match days {
                Some(d) => api::service::snooze_follow_up(&id.get_value(), d).await,
                None => {
                    api::service::complete_follow_up(&id.get_value(), outcome.get_untracked().trim()).await
                }
            };
            pending.set(false);
            match result {
                Ok(()) => on_change.run(()),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <li class="follow-up card" class:follow-up--overdue=row.overdue data-testid="follow-up" data-reason=reason.as_str()>
            <div class="follow-up__head">
                <div>
                    {row.customer.clone().map(|c| view! {
                        <a class="cell-title" href=format!("/customers/{}", c.id)>{c.name}</a>
                        " "
                        <span class="stars" class:stars--none=stars.is_none()>{star_text(stars)}</span>
                    })}
                    <div class="cell-sub">
                        <span class="pill pill--scope">{move || i18n.t(reason_label(reason))}</span>
                        {row.ticket.clone().map(|t| view! { " " <a class="mono" href=format!("/service/tickets/{}", t.id)>{t.code}</a> })}
                        {row.note.clone().map(|n| view! { " · " <span>{n}</span> })}
                    </div>
                </div>
                <div class="follow-up__when">
                    {if open {
                        let due = due.clone();
                        let class = if row.overdue {
                            "sla sla--over"
                        } else if labels::minutes_until(&due).is_some_and(|m| m <= 0) {
                            "sla sla--near"
                        } else {
                            "sla sla--ok"
                        };
                        view! {
                            <span class=class data-testid="follow-up-due">
                                {move || match (row.overdue, labels::minutes_until(&due)) {
                                    (true, _) => i18n.t(Key::FollowUpOverdue).to_owned(),
                                    (false, Some(m)) if m <= 0 => i18n.t(Key::FollowUpsDue).to_owned(),
                                    _ => i18n.t(Key::FollowUpDueOn).replace("{t}", &labels::date(i18n.locale(), &due)),
                                }}
                            </span>
                        }.into_any()
                    } else {
                        let at = done_at.clone().unwrap_or_default();
                        view! { <span class="muted">{move || i18n.t(Key::FollowUpDoneAt).replace("{t}", &labels::time(i18n.locale(), &at))}</span> }.into_any()
                    }}
                    <div class="cell-sub">
                        {move || i18n.t(Key::FollowUpOwner)}": "
                        {row.owner.clone().map_or_else(|| i18n.t(Key::FollowUpAnyone).to_owned(), |o| o.name)}
                        {(snoozes > 0).then(|| view! { " · " {move || i18n.t(Key::FollowUpSnoozed).replace("{n}", &snoozes.to_string())} })}
                    </div>
                </div>
            </div>
            {row.outcome.clone().map(|o| view! { <p class="follow-up__outcome" data-testid="follow-up-outcome">{o}</p> })}
            <Show when=move || open>
                <Show
                    when=move || writing.get()
                    fallback=move || view! {
                        <div class="follow-up__actions">
                            <button type="button" class="button button--primary button--small" data-testid="follow-up-done" on:click=move |_| writing.set(true)>
                                {move || i18n.t(Key::FollowUpMarkDone)}
                            </button>
                            <button type="button" class="button button--small" disabled=move || pending.get() data-testid="follow-up-snooze-day" on:click=move |_| act(Some(1))>
                                {move || i18n.t(Key::FollowUpSnoozeDay)}
                            </button>
                            <button type="button" class="button button--small" disabled=move || pending.get() on:click=move |_| act(Some(7))>
                                {move || i18n.t(Key::FollowUpSnoozeWeek)}
                            </button>
                        </div>
                    }
                >
                    <form class="follow-up__form" on:submit=move |ev| { ev.prevent_default(); act(None); }>
                        <label class="field">
                            <span class="field__label">{move || i18n.t(Key::FollowUpOutcome)}</span>
                            <textarea
                                class="field__input field__textarea"
                                rows="3"
                                data-testid="follow-up-outcome-input"
                                placeholder=move || i18n.t(Key::FollowUpOutcomePlaceholder)
                                prop:value=move || outcome.get()
                                on:input=move |ev| outcome.set(event_target_value(&ev))
                            ></textarea>
                        </label>
                        <button type="submit" class="button button--primary button--small" data-testid="follow-up-save" disabled=move || pending.get() || outcome.with(|o| o.trim().is_empty())>
                            {move || i18n.t(Key::FollowUpSaveDone)}
                        </button>
                    </form>
                </Show>
            </Show>
            {move || failure.get().map(|e| view! { <ErrorView error=e on_retry=Callback::new(move |()| failure.set(None)) /> })}
        </li>
    }
}
