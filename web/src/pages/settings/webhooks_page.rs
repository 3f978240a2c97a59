//! Settings > Webhooks: endpoints, their secrets, test events, the delivery log and resends.

use leptos::prelude::*;
use starcrm_shared::webhooks::{CHANGE_KINDS, EndpointStatus, WebhookAttemptInfo, WebhookEndpointInfo};

use super::SettingsLayout;
use crate::api::{self, ApiError};
use crate::components::confirm::ConfirmDialog;
use crate::components::copy_box::CopyBox;
use crate::components::dialog::Dialog;
use crate::components::error_view::ErrorView;
use crate::components::field::{FormError, TextField};
use crate::i18n::{I18n, Key, labels, use_i18n, use_page_title};

/// What a button on an endpoint's card does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CardAction {
    SendTest,
    Rotate,
    Pause,
    Enable,
    Delete,
}

/// A change kind's name in the current language (the code itself if unknown).
fn kind_name(i18n: I18n, kind: &str) -> String {
    labels::change_kind(kind).map_or_else(|| kind.to_owned(), |key| i18n.t(key).to_owned())
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::SettingsWebhooks);
    let endpoints = RwSignal::new(Vec::<WebhookEndpointInfo>::new());
    let load_error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<String>);
    let creating = RwSignal::new(false);

    let load = move || {
        leptos::task::spawn_local(async move {
            match api::webhooks::list().await {
                Ok(list) => {
                    load_error.set(None);
                    endpoints.set(list);
                }
                Err(error) => load_error.set(Some(error)),
            }
        });
    };
    load();
    let replace = Callback::new(move |updated: WebhookEndpointInfo| {
        endpoints.update(|list| {
            if let Some(slot) = list.iter_mut().find(|e| e.id == updated.id) {
                *slot = updated;
            }
        });
    });
    let any_disabled =
        move || endpoints.with(|list| list.iter().any(|e| e.status == EndpointStatus::Disabled));

    view! {
        <SettingsLayout title=Key::SettingsWebhooks subtitle=Key::WebhooksSubtitle>
            <div class="toolbar">
                <div class="toolbar__spacer"></div>
                <button type="button" class="button button--primary" data-testid="add-endpoint" on:click=move |_| creating.set(true)>
                    {move || i18n.t(Key::AddEndpoint)}
                </button>
            </div>
            {move || notice.get().map(|m| view! { <p class="notice notice--warn" role="alert">{m}</p> })}
            <Show when=any_disabled>
                <p class="notice notice--warn" role="status" data-testid="endpoints-disabled">{move || i18n.t(Key::EndpointsDisabledNotice)}</p>
            </Show>
            {move || match load_error.get() {
                Some(error) => view! { <ErrorView error on_retry=Callback::new(move |()| load()) /> }.into_any(),
                None if endpoints.with(Vec::is_empty) => view! {
                    <div class="empty" data-testid="no-endpoints">
                        <p class="empty__title">{move || i18n.t(Key::NoEndpoints)}</p>
                        <p class="muted">{move || i18n.t(Key::NoEndpointsBody)}</p>
                    </div>
                }
                .into_any(),
                None => view! {
                    <div class="endpoint-list">
                        <For
                            each=move || endpoints.get()
                            key=Clone::clone
                            children=move |endpoint| view! {
                                <EndpointCard
                                    endpoint
                                    on_change=replace
                                    on_deleted=Callback::new(move |()| load())
                                    on_error=Callback::new(move |m| notice.set(Some(m)))
                                />
                            }
                        />
                    </div>
                }
                .into_any(),
            }}
            <Show when=move || creating.get()>
                <CreateEndpointDialog
                    on_close=Callback::new(move |()| creating.set(false))
                    on_created=Callback::new(move |()| {
                        creating.set(false);
                        load();
                    })
                />
            </Show>
        </SettingsLayout>
    }
}

#[component]
fn EndpointCard(
    endpoint: WebhookEndpointInfo,
    on_change: Callback<WebhookEndpointInfo>,
    on_deleted: Callback<()>,
    on_error: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(endpoint.id.clone());
    let active = endpoint.status == EndpointStatus::Active;
    let show_secret = RwSignal::new(false);
    let confirming = RwSignal::new(None::<CardAction>);
    let busy = RwSignal::new(false);
    let test_result = RwSignal::new(None::<WebhookAttemptInfo>);
    let log = RwSignal::new(None::<Vec<WebhookAttemptInfo>>);
    let log_open = RwSignal::new(false);

    let load_log = move || {
        leptos::task::spawn_local(async move {
            match api::webhooks::attempts(&id.get_value()).await {
                Ok(list) => log.set(Some(list)),
                Err(error) => on_error.run(labels::form_error(i18n, &error)),
            }
        });
    };
    let run = move |action: CardAction| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let id = id.get_value();
            let result = match action {
                CardAction::Rotate => api::webhooks::rotate(&id).await.map(|e| on_change.run(e)),
                CardAction::Pause => api::webhooks::set_enabled(&id, false).await.map(|e| on_change.run(e)),
                CardAction::Enable => api::webhooks::set_enabled(&id, true).await.map(|e| on_change.run(e)),
                CardAction::Delete => api::webhooks::delete(&id).await.map(|()| on_deleted.run(())),
                CardAction::SendTest => api::webhooks::send_test(&id).await.map(|attempt| {
                    test_result.set(Some(attempt));
                    if log_open.get_untracked() {
                        load_log();
                    }
                }),
            };
            busy.set(false);
            if let Err(error) = result {
                on_error.run(labels::form_error(i18n, &error));
            }
        });
    };
    let resend = Callback::new(move |message_id: String| {
        leptos::task::spawn_local(async move {
            match api::webhooks::replay(&message_id).await {
                Ok(_) => load_log(),
                Err(error) => on_error.run(labels::form_error(i18n, &error)),
            }
        });
    });

    let (status_key, status_class) =
        if active { (Key::StatusActive, "pill pill--ok") } else { (Key::StatusDisabled, "pill pill--warn") };
    let kinds = endpoint.event_types.clone();
    let secret = endpoint.secret.clone();
    let url = endpoint.url.clone();
    let previous_until = endpoint.previous_secret_expires_at.clone();
    let failing_since = endpoint.failing_since.clone();
    let disabled_reason = endpoint.disabled_reason.clone();
    view! {
        <article class="card endpoint" data-testid="endpoint" data-url=endpoint.url.clone()>
            <header class="endpoint__header">
                <div class="endpoint__title">
                    <div class="cell-title mono endpoint__url">{endpoint.url.clone()}</div>
                    {(!endpoint.description.is_empty()).then(|| view! { <div class="cell-sub">{endpoint.description.clone()}</div> })}
                </div>
                <span class=status_class data-testid="endpoint-status">{move || i18n.t(status_key)}</span>
            </header>
            {disabled_reason.map(|reason| {
                // The server's reason, in the reader's language.
                let key = if reason.starts_with("paused") { Key::PausedByHand } else { Key::DisabledAfterFailures };
                view! { <p class="notice notice--warn" data-testid="disabled-reason" title=reason>{move || i18n.t(key)}</p> }
            })}
            {failing_since.filter(|_| active).map(|since| view! {
                <p class="notice notice--warn" data-testid="endpoint-failing">
                    {move || format!("{} {}", i18n.t(Key::FailingSince), labels::time(i18n.locale(), &since))}
                </p>
            })}
            <div class="pills endpoint__kinds" data-testid="endpoint-kinds">
                {move || if kinds.is_empty() {
                    view! { <span class="pill pill--scope">{i18n.t(Key::AllEvents)}</span> }.into_any()
                } else {
                    kinds.iter().map(|k| view! { <span class="pill pill--scope">{kind_name(i18n, k)}</span> }).collect_view().into_any()
                }}
            </div>
            <div class="endpoint__secret">
                <span class="field__label">{move || i18n.t(Key::SigningSecret)}</span>
                {move || if show_secret.get() {
                    view! { <CopyBox value=secret.clone() test_id="endpoint-secret" /> }.into_any()
                } else {
                    view! { <code class="mono muted">"whsec_••••••••••••"</code> }.into_any()
                }}
                <button type="button" class="button button--small" data-testid="toggle-secret" on:click=move |_| show_secret.update(|s| *s = !*s)>
                    {move || i18n.t(if show_secret.get() { Key::HideSecret } else { Key::ShowSecret })}
                </button>
                {previous_until.map(|until| view! {
                    <span class="muted endpoint__note">{move || format!("{} {}", i18n.t(Key::PreviousSecretUntil), labels::time(i18n.locale(), &until))}</span>
                })}
            </div>
            {move || test_result.get().map(|attempt| {
                let (class, key) = if attempt.succeeded { ("notice notice--ok", Key::TestEventOk) } else { ("notice notice--warn", Key::TestEventFailed) };
                let detail = attempt.status_code.map_or_else(|| attempt.error.clone().unwrap_or_default(), |code| format!("HTTP {code}"));
                view! { <p class=class data-testid="test-result">{move || format!("{}: {detail}", i18n.t(key))}</p> }
            })}
            <div class="endpoint__actions">
                <button type="button" class="button button--small" data-testid="send-test" disabled=move || busy.get() on:click=move |_| run(CardAction::SendTest)>
                    {move || i18n.t(Key::SendTestEvent)}
                </button>
                <button type="button" class="button button--small" data-testid="rotate-secret" on:click=move |_| confirming.set(Some(CardAction::Rotate))>
                    {move || i18n.t(Key::RotateSecret)}
                </button>
                <button type="button" class="button button--small" data-testid=if active { "pause-endpoint" } else { "enable-endpoint" } disabled=move || busy.get() on:click=move |_| run(if active { CardAction::Pause } else { CardAction::Enable })>
                    {move || i18n.t(if active { Key::PauseEndpoint } else { Key::EnableEndpoint })}
                </button>
                <button type="button" class="button button--small button--danger-outline" data-testid="delete-endpoint" on:click=move |_| confirming.set(Some(CardAction::Delete))>
                    {move || i18n.t(Key::Delete)}
                </button>
            </div>
            <details class="endpoint__log" on:toggle=move |ev| {
                let open = event_target::<web_sys::HtmlDetailsElement>(&ev).open();
                log_open.set(open);
                if open {
                    load_log();
                }
            }>
                <summary data-testid="delivery-log">{move || i18n.t(Key::DeliveryLog)}</summary>
                {move || log.get().map(|attempts| if attempts.is_empty() {
                    view! { <p class="muted">{i18n.t(Key::NoDeliveries)}</p> }.into_any()
                } else {
                    view! { <DeliveryLog attempts on_resend=resend /> }.into_any()
                })}
            </details>
            {move || confirming.get().map(|what| {
                let (title, body, action, danger) = if what == CardAction::Delete {
                    (Key::DeleteEndpoint, i18n.t(Key::DeleteEndpointBody).replace("{url}", &url), Key::Delete, true)
                } else {
                    (Key::RotateSecretTitle, i18n.t(Key::RotateSecretBody).to_owned(), Key::RotateSecret, false)
                };
                view! {
                    <ConfirmDialog
                        title
                        body
                        action
                        danger
                        on_confirm=Callback::new(move |()| {
                            confirming.set(None);
                            run(what);
                        })
                        on_close=Callback::new(move |()| confirming.set(None))
                    />
                }
            })}
        </article>
    }
}

#[component]
fn DeliveryLog(attempts: Vec<WebhookAttemptInfo>, on_resend: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-wrap">
            <table class="table table--compact" data-testid="delivery-table">
                <thead>
                    <tr>
                        <th>{move || i18n.t(Key::Time)}</th>
                        <th>{move || i18n.t(Key::Event)}</th>
                        <th>{move || i18n.t(Key::Response)}</th>
                        <th class="hide-narrow">{move || i18n.t(Key::Duration)}</th>
                        <th class="table__actions"><span class="sr-only">{move || i18n.t(Key::Actions)}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {attempts.into_iter().map(|attempt| {
                        let trigger = match attempt.trigger.as_str() {
                            "replay" => Some(Key::TriggerReplay),
                            "test" => Some(Key::TriggerTest),
                            _ => None,
                        };
                        let response = attempt.status_code.map_or_else(|| attempt.error.clone().unwrap_or_default(), |c| format!("HTTP {c}"));
                        let class = if attempt.succeeded { "pill pill--ok" } else { "pill pill--warn" };
                        let message_id = attempt.message_id.clone();
                        let at = attempt.attempted_at.clone();
                        let kind = attempt.event_type.clone();
                        view! {
                            <tr data-testid="delivery-row" data-succeeded=attempt.succeeded.to_string()>
                                <td class="nowrap">{move || labels::time(i18n.locale(), &at)}</td>
                                <td>
                                    {move || kind_name(i18n, &kind)}
                                    {trigger.map(|k| view! { <div class="cell-sub">{move || i18n.t(k)}</div> })}
                                </td>
                                <td><span class=class title=response.clone()>{response.chars().take(40).collect::<String>()}</span></td>
                                <td class="hide-narrow">{format!("{} ms", attempt.duration_ms)}</td>
                                <td class="table__actions">
                                    <button type="button" class="button button--small" data-testid="resend" on:click=move |_| on_resend.run(message_id.clone())>
                                        {move || i18n.t(Key::Resend)}
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn CreateEndpointDialog(on_close: Callback<()>, on_created: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<&'static str>::new());
    let url_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let create = Action::new_local(move |(url, description, kinds): &(String, String, Vec<String>)| {
        let (url, description, kinds) = (url.clone(), description.clone(), kinds.clone());
        async move { api::webhooks::create(&url, &description, &kinds).await }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(_)) => on_created.run(()),
        Some(Err(error)) => {
            let field = labels::field_error(i18n, &error, "url");
            if field.is_none() {
                form_error.set(Some(labels::form_error(i18n, &error)));
            }
            url_error.set(field);
        }
        None => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        form_error.set(None);
        let value = url.get_untracked();
        if value.trim().is_empty() {
            url_error.set(Some(labels::invalid(i18n, starcrm_shared::validate::Invalid::Required)));
            return;
        }
        url_error.set(None);
        let kinds = chosen.get_untracked().iter().map(|k| (*k).to_owned()).collect();
        create.dispatch((value, description.get_untracked(), kinds));
    };
    view! {
        <Dialog title=Key::AddEndpoint on_close test_id="add-endpoint-dialog" wide=true>
            <form class="form" on:submit=submit novalidate=true>
                <TextField label=Key::EndpointUrl value=url error=Signal::derive(move || url_error.get()) hint=Key::EndpointUrlHint name="endpoint-url" autocomplete="off" />
                <TextField label=Key::EndpointDescription value=description name="endpoint-description" autocomplete="off" />
                <fieldset class="field">
                    <legend class="field__label">{move || i18n.t(Key::EventTypes)}</legend>
                    <p class="field__hint">{move || i18n.t(Key::AllEventsHint)}</p>
                    <div class="scope-grid scope-grid--3">
                        {CHANGE_KINDS.into_iter().map(|kind| view! {
                            <label class="checkbox checkbox--card">
                                <input
                                    type="checkbox"
                                    value=kind
                                    data-testid=format!("kind-{kind}")
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| {
                                            c.retain(|k| *k != kind);
                                            if on {
                                                c.push(kind);
                                            }
                                        });
                                    }
                                />
                                <span>
                                    <span class="checkbox__title">{move || kind_name(i18n, kind)}</span>
                                    <span class="checkbox__sub mono">{kind}</span>
                                </span>
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <FormError message=form_error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" disabled=move || create.pending().get() data-testid="submit-endpoint">
                        {move || i18n.t(Key::AddEndpoint)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
