//! A ticket: its deadlines against the promise the customer's stars earn, the thread with the
//! reply and note box, status and assignment, the customer beside it, and its history.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use starcrm_shared::service_desk::{
    MessageKind, PersonRef, SlaState, TicketCategoryInfo, TicketDetail, TicketKind, TicketStatus,
    root_cause_choices,
};

use super::{countdown, countdown_class, minute_clock, priority_class};
use crate::api::{self, ApiError};
use crate::components::error_view::ErrorView;
use crate::i18n::{I18n, Key, labels, use_i18n, use_page_title};
use crate::pages::customers::star_text;
use crate::state::session::use_session;
use starcrm_shared::customer::format_money;

/// The status moves offered from a status, in the order people want them.
fn moves(from: TicketStatus) -> Vec<(TicketStatus, Key)> {
    use TicketStatus::{Closed, New, OnHold, Open, Pending, Solved};
    [
        (Solved, Key::MarkSolved),
        (Pending, Key::WaitOnCustomer),
        (OnHold, Key::PutOnHold),
        (Open, Key::Reopen),
        (Closed, Key::CloseTicket),
    ]
    .into_iter()
    // A new ticket opens by itself with the first reply.
    .filter(|(to, _)| from.can_move_to(*to) && !(from == New && *to == Open))
    .collect()
}

#[component]
pub fn TicketPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::Ticket);
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let ticket = RwSignal::new(None::<(TicketDetail, Vec<TicketCategoryInfo>, Vec<PersonRef>)>);
    let error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<String>);
    let load = move || {
        let id = id.get_untracked();
        leptos::task::spawn_local(async move {
            match api::service::ticket(&id).await {
                Ok(t) => {
                    error.set(None);
                    ticket.set(Some(t));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        id.track();
        load();
    });
    let tick = minute_clock();
    // After a change: load again, or say why it was refused.
    let done = Callback::new(move |result: Result<(), ApiError>| match result {
        Ok(()) => {
            notice.set(None);
            load();
        }
        // A complaint solved without its root cause says which field.
        Err(e) => notice.set(Some(
            labels::field_error(i18n, &e, "rootCauseId")
                .map_or_else(|| labels::form_error(i18n, &e), |m| format!("{}: {m}", i18n.t(Key::RootCause))),
        )),
    });

    view! {
        <p class="back-link"><a href="/service">{move || format!("← {}", i18n.t(Key::BackToQueue))}</a></p>
        {move || notice.get().map(|m| view! { <p class="notice notice--warn" role="alert">{m}</p> })}
        {move || match (error.get(), ticket.get()) {
            (Some(e), _) => view! { <ErrorView error=e on_retry=Callback::new(move |()| load()) /> }.into_any(),
            (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
            (None, Some((t, causes, agents))) => view! { <TicketView t causes agents tick done /> }.into_any(),
        }}
    }
}

#[component]
fn TicketView(
    t: TicketDetail,
    causes: Vec<TicketCategoryInfo>,
    agents: Vec<PersonRef>,
    tick: RwSignal<u64>,
    done: Callback<Result<(), ApiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = StoredValue::new(t.row.id.clone());
    let status = t.row.status;
    let me = session.viewer().and_then(|v| v.user.map(|u| u.id));
    let mine = me.is_some() && t.row.assignee.as_ref().map(|a| &a.id) == me.as_ref();
    let assignee = t.row.assignee.clone();
    let team = t.team.clone();
    let tags = t.tags.clone();
    let current = t.row.assignee.as_ref().map(|a| a.id.clone());
    let others: Vec<PersonRef> = agents.into_iter().filter(|a| Some(&a.id) != current.as_ref()).collect();
    let profile = t.profile.clone();
    let run = move |action: std::pin::Pin<Box<dyn Future<Output = Result<(), ApiError>>>>| {
        leptos::task::spawn_local(async move { done.run(action.await) });
    };
    let take = move |_| {
        let me = session.viewer().and_then(|v| v.user.map(|u| u.id));
        run(Box::pin(async move { api::service::assign(&id.get_value(), me.as_deref()).await }));
    };
    let put_back = move |_| run(Box::pin(async move { api::service::assign(&id.get_value(), None).await }));
    let complaint = t.row.kind == TicketKind::Complaint;
    let choices = root_cause_choices(&causes);
    let root_cause = RwSignal::new(t.root_cause.as_ref().map(|c| c.id.clone()).unwrap_or_default());
    let not_upheld = RwSignal::new(t.upheld == Some(false));
    let root_cause_name = t.root_cause.clone().map(|c| c.name);
    let customer = t.row.customer.clone();
    let description = t.description.clone();
    let messages = t.messages.clone();
    let history = t.history.clone();
    view! {
        <header class="page-header ticket-header">
            <div>
                <h1 class="page-title" data-testid="ticket-subject">{t.row.subject.clone()}</h1>
                <div class="pills">
                    <span class="mono muted">{t.row.code.clone()}</span>
                    <span class="pill pill--scope">{move || i18n.t(labels::ticket_kind(t.row.kind))}</span>
                    <span class=priority_class(t.row.priority) data-testid="ticket-priority">{move || i18n.t(labels::priority(t.row.priority))}</span>
                    <span class="pill pill--ok" data-testid="ticket-status">{move || i18n.t(labels::ticket_status(status))}</span>
                    {t.priority_reason.clone().map(|r| view! { <span class="muted" title=r.clone()>{move || i18n.t(Key::PriorityByHand)}": "{r.clone()}</span> })}
                </div>
            </div>
        </header>
        <div class="ticket-layout">
            <section class="ticket-main">
                <SlaPanel t=t.clone() tick />
                {description.map(|d| view! { <div class="card ticket-description"><p class="pre-wrap">{d}</p></div> })}
                <ol class="thread" data-testid="thread">
                    {if messages.is_empty() {
                        view! { <li class="muted">{move || i18n.t(Key::NoMessages)}</li> }.into_any()
                    } else {
                        messages
                            .into_iter()
                            .map(|m| {
                                let class = match m.kind {
                                    MessageKind::Inbound => "thread__item thread__item--inbound",
                                    MessageKind::Reply => "thread__item thread__item--reply",
                                    MessageKind::Note => "thread__item thread__item--note",
                                };
                                let who = m.author.clone().map(|a| a.name);
                                let at = m.created_at.clone();
                                view! {
                                    <li class=class data-testid="message" data-kind=m.kind.as_str()>
                                        <div class="thread__meta">
                                            <strong>{move || who.clone().unwrap_or_else(|| i18n.t(labels::message_kind(m.kind)).to_owned())}</strong>
                                            " · "{move || i18n.t(labels::message_kind(m.kind))}
                                            " · "{move || labels::time(i18n.locale(), &at)}
                                        </div>
                                        <p class="pre-wrap">{m.body.clone()}</p>
                                    </li>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }}
                </ol>
                <Show when=move || status != TicketStatus::Closed>
                    <Composer id=id.get_value() done />
                </Show>
            </section>
            <aside class="ticket-side">
                <div class="card ticket-customer">
                    <h2 class="card__title">{move || i18n.t(Key::Customer)}</h2>
                    {customer.clone().map(|c| view! {
                        <a class="cell-title" href=format!("/customers/{}", c.id) data-testid="ticket-customer">{c.name.clone()}</a>
                        <div class="cell-sub mono">{c.code.clone()}</div>
                        <div class="stars stars--large" class:stars--none=c.stars.is_none() data-testid="ticket-stars">{star_text(c.stars)}</div>
                    })}
                    {profile.map(|p| {
                        let spend = format_money(p.total_spend.amount_minor, &p.total_spend.currency);
                        let last = p.last_purchase_at.clone();
                        let stage = p.lifecycle_stage;
                        view! {
                            <div class="ticket-profile" data-testid="ticket-profile">
                                <div class="pills">
                                    {p.benefits.iter().map(|b| { let b = b.clone(); view! { <span class="pill pill--star">{move || labels::benefit_text(i18n, &b)}</span> } }).collect_view()}
                                </div>
                                <dl class="ticket-profile__facts">
                                    <dt>{move || i18n.t(Key::LifecycleStage)}</dt><dd>{move || i18n.t(labels::stage(stage))}</dd>
                                    <dt>{move || i18n.t(Key::Orders)}</dt><dd>{p.order_count}" · "{spend}</dd>
                                    <dt>{move || i18n.t(Key::LastPurchase)}</dt><dd>{move || labels::time_or(i18n, last.as_deref(), Key::Never)}</dd>
                                </dl>
                            </div>
                        }
                    })}
                </div>
                <div class="card ticket-actions">
                    <h2 class="card__title">{move || i18n.t(Key::Assignee)}</h2>
                    <p data-testid="ticket-assignee">
                        {match assignee {
                            Some(a) => view! { <span>{a.name}</span> }.into_any(),
                            None => view! { <span class="muted">{move || i18n.t(Key::NobodyAssigned)}</span> }.into_any(),
                        }}
                        {team.map(|team| view! { <span class="muted" data-testid="ticket-team">" · "{team.name}</span> })}
                    </p>
                    <TagsEditor id=id.get_value() tags=tags done />
                    {if mine {
                        view! { <button type="button" class="button" data-testid="put-back" on:click=put_back>{move || i18n.t(Key::PutBack)}</button> }.into_any()
                    } else {
                        view! { <button type="button" class="button" data-testid="take-ticket" on:click=take>{move || i18n.t(Key::TakeTicket)}</button> }.into_any()
                    }}
                    {(!others.is_empty()).then(|| view! {
                        <select class="toolbar__select ticket-hand-on" data-testid="hand-on" aria-label=move || i18n.t(Key::HandOn)
                            on:change=move |ev| {
                                let to = event_target_value(&ev);
                                if !to.is_empty() {
                                    run(Box::pin(async move { api::service::assign(&id.get_value(), Some(&to)).await }));
                                }
                            }>
                            <option value="">{move || i18n.t(Key::HandOn)}</option>
                            {others.iter().map(|a| view! { <option value=a.id.clone()>{a.name.clone()}</option> }).collect_view()}
                        </select>
                    })}
                    <h2 class="card__title">{move || i18n.t(Key::Status)}</h2>
                    {(complaint && status.is_active() && !choices.is_empty()).then(|| view! {
                        <label class="field ticket-root-cause">
                            <span class="field__label">{move || i18n.t(Key::RootCause)}</span>
                            <select class="toolbar__select" data-testid="root-cause" on:change=move |ev| root_cause.set(event_target_value(&ev))>
                                <option value="">{move || i18n.t(Key::ChooseRootCause)}</option>
                                {choices.iter().map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <label class="checkbox">
                            <input type="checkbox" data-testid="not-upheld" on:change=move |ev| not_upheld.set(event_target_checked(&ev)) />
                            {move || i18n.t(Key::ComplaintNotUpheld)}
                        </label>
                    })}
                    {root_cause_name.map(|name| view! { <p class="muted" data-testid="ticket-root-cause">{move || i18n.t(Key::RootCause)}": "{name.clone()}</p> })}
                    <div class="button-row">
                        {moves(status)
                            .into_iter()
                            .map(|(to, key)| view! {
                                <button
                                    type="button"
                                    class=if to == TicketStatus::Solved { "button button--primary" } else { "button" }
                                    data-testid=format!("status-{}", to.as_str())
                                    on:click=move |_| {
                                        // Solving a complaint takes the root cause chosen above.
                                        let (cause, upheld) = if to == TicketStatus::Solved && complaint {
                                            (Some(root_cause.get_untracked()).filter(|c| !c.is_empty()), Some(!not_upheld.get_untracked()))
                                        } else {
                                            (None, None)
                                        };
                                        run(Box::pin(async move {
                                            api::service::set_status(&id.get_value(), to, cause.as_deref(), upheld).await
                                        }));
                                    }
                                >
                                    {move || i18n.t(key)}
                                </button>
                            })
                            .collect_view()}
                    </div>
                </div>
                <div class="card ticket-history">
                    <h2 class="card__title">{move || i18n.t(Key::TicketHistory)}</h2>
                    <ol class="history" data-testid="ticket-history">
                        {history
                            .into_iter()
                            .map(|h| {
                                let actor = h.actor.clone().map(|a| a.name);
                                let who = move || actor.clone().unwrap_or_else(|| i18n.t(Key::ServerSide).to_owned());
                                let (field, to) = (h.field.clone(), h.to.clone());
                                let what = move || history_text(i18n, &field, to.as_deref());
                                let at = h.at.clone();
                                view! {
                                    <li>
                                        <div>{what}{h.reason.clone().map(|r| format!(" ({r})"))}</div>
                                        <div class="cell-sub">{who}" · "{move || labels::time(i18n.locale(), &at)}</div>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                </div>
            </aside>
        </div>
    }
}

/// A rule's name; the built-in policy's names in the reader's language.
fn rule_name(i18n: I18n, name: &str) -> String {
    labels::builtin_sla_rule(name).map_or_else(|| name.to_owned(), |key| i18n.t(key).to_owned())
}

/// "Status: Solved", "Priority: Urgent", "Rule: 5 stars".
fn history_text(i18n: I18n, field: &str, to: Option<&str>) -> String {
    let to = to.unwrap_or("—");
    let status = TicketStatus::parse(to).map(|s| i18n.t(labels::ticket_status(s)));
    let priority =
        starcrm_shared::service_desk::TicketPriority::parse(to).map(|p| i18n.t(labels::priority(p)));
    match field {
        "status" => format!("{}: {}", i18n.t(Key::Status), status.unwrap_or(to)),
        "priority" => format!("{}: {}", i18n.t(Key::Priority), priority.unwrap_or(to)),
        "assignee" => i18n.t(Key::Assignee).to_owned(),
        "team" => i18n.t(Key::Team).to_owned(),
        "sla" => format!("{}: {}", i18n.t(Key::SlaRuleLabel), rule_name(i18n, to)),
        other => other.to_owned(),
    }
}

/// The three targets: when each falls, and whether it was met.
#[component]
fn SlaPanel(t: TicketDetail, tick: RwSignal<u64>) -> impl IntoView {
    let i18n = use_i18n();
    let state = t.row.sla_state;
    let rule = t.sla_rule.clone();
    let rule_attr = rule.clone().unwrap_or_default();
    let active = !matches!(t.row.status, TicketStatus::Solved | TicketStatus::Closed);
    let targets = [
        (Key::FirstResponseTarget, t.first_response_due.clone(), t.first_responded_at.is_some()),
        (Key::NextResponseTarget, t.next_response_due.clone(), false),
        (Key::ResolutionTarget, t.resolution_due.clone(), t.solved_at.is_some()),
    ];
    view! {
        <div class="card sla-panel" data-testid="sla-panel">
            <div class="sla-panel__rule">
                <span class="muted">{move || i18n.t(Key::SlaRuleLabel)}": "</span>
                <strong data-testid="sla-rule" data-rule=rule_attr>
                    {move || rule.as_deref().map_or_else(|| "—".to_owned(), |r| rule_name(i18n, r))}
                </strong>
                " "<span class="stars">{star_text(t.row.stars)}</span>
            </div>
            <dl class="sla-panel__targets">
                {targets
                    .into_iter()
                    .filter(|(key, due, _)| due.is_some() || *key != Key::NextResponseTarget)
                    .map(|(key, due, met)| {
                        let shown = due.clone();
                        view! {
                            <div class="sla-panel__target">
                                <dt>{move || i18n.t(key)}</dt>
                                <dd>
                                    {move || {
                                        tick.track();
                                        let due = shown.clone();
                                        if met {
                                            view! { <span class="sla sla--ok">{i18n.t(Key::TargetMet)}</span> }.into_any()
                                        } else if active {
                                            // A deadline counts down; none while the clock stands.
                                            let shown = if due.is_some() { SlaState::OnTrack } else { state };
                                            view! { <span class=countdown_class(due.as_deref(), shown)>{countdown(i18n, due.as_deref(), shown)}</span> }.into_any()
                                        } else {
                                            view! { <span class="muted">"—"</span> }.into_any()
                                        }
                                    }}
                                    {due.map(|d| view! { <div class="cell-sub">{move || labels::time(i18n.locale(), &d)}</div> })}
                                </dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
        </div>
    }
}

/// The reply and note box.
#[component]
fn Composer(id: String, done: Callback<Result<(), ApiError>>) -> impl IntoView {
    let i18n = use_i18n();
    let body = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let id = StoredValue::new(id);
    let send = move |kind: MessageKind| {
        let text = body.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api::service::add_message(&id.get_value(), kind, &text).await;
            busy.set(false);
            if result.is_ok() {
                body.set(String::new());
            }
            done.run(result);
        });
    };
    view! {
        <div class="card composer">
            <textarea
                class="composer__input"
                rows="4"
                data-testid="message-body"
                placeholder=move || i18n.t(Key::MessagePlaceholder)
                aria-label=move || i18n.t(Key::MessagePlaceholder)
                prop:value=move || body.get()
                on:input=move |ev| body.set(event_target_value(&ev))
            ></textarea>
            <div class="button-row">
                <button type="button" class="button button--primary" data-testid="send-reply" disabled=move || busy.get() on:click=move |_| send(MessageKind::Reply)>
                    {move || i18n.t(Key::ReplyToCustomer)}
                </button>
                <button type="button" class="button" data-testid="send-note" disabled=move || busy.get() on:click=move |_| send(MessageKind::Note)>
                    {move || i18n.t(Key::AddInternalNote)}
                </button>
            </div>
        </div>
    }
}

/// A ticket's tags: remove one with its ×, add one with Enter.
#[component]
fn TagsEditor(id: String, tags: Vec<String>, done: Callback<Result<(), ApiError>>) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(id);
    let current = StoredValue::new(tags.clone());
    let typed = RwSignal::new(String::new());
    let save = move |next: Vec<String>| {
        leptos::task::spawn_local(
            async move { done.run(api::service::set_tags(&id.get_value(), &next).await) },
        );
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let tag = typed.get_untracked().trim().to_owned();
        if tag.is_empty() {
            return;
        }
        let mut next = current.get_value();
        next.push(tag);
        typed.set(String::new());
        save(next);
    };
    view! {
        <h2 class="card__title">{move || i18n.t(Key::Tags)}</h2>
        <div class="tag-chips" data-testid="ticket-tags">
            {tags.into_iter().map(|tag| {
                let gone = tag.clone();
                view! {
                    <span class="tag-chip" data-testid="ticket-tag">{tag.clone()}
                        <button type="button" class="tag-chip__remove" aria-label=move || format!("{} {}", i18n.t(Key::Remove), gone)
                            on:click=move |_| { let t = tag.clone(); save(current.get_value().into_iter().filter(|x| *x != t).collect()); }>"×"</button>
                    </span>
                }
            }).collect_view()}
        </div>
        <form class="tag-add" on:submit=add>
            <input class="field__input" data-testid="ticket-tag-input" maxlength="30" placeholder=move || i18n.t(Key::AddTag)
                aria-label=move || i18n.t(Key::AddTag) prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
        </form>
    }
}
