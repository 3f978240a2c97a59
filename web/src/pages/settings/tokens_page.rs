use leptos::prelude::*;
use starcrm_shared::Permission;
use starcrm_shared::account::{ApiTokenInfo, ApiTokenStatus};
use starcrm_shared::validate;

use super::SettingsLayout;
use crate::api::{self, ApiError};
use crate::components::confirm::ConfirmDialog;
use crate::components::copy_box::CopyBox;
use crate::components::dialog::Dialog;
use crate::components::error_view::ErrorView;
use crate::components::field::{FormError, TextField};
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::state::session::use_session;

/// Expiry choices: days from now (`None`: never).
const EXPIRY: [(Option<u32>, Key); 4] = [
    (Some(30), Key::Expires30),
    (Some(90), Key::Expires90),
    (Some(365), Key::Expires365),
    (None, Key::ExpiresNever),
];

#[component]
pub fn TokensPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::SettingsTokens);
    let show_revoked = RwSignal::new(false);
    let tokens = RwSignal::new(Vec::<ApiTokenInfo>::new());
    let load_error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<String>);
    let creating = RwSignal::new(false);
    let created = RwSignal::new(None::<api::tokens::Created>);
    let revoking = RwSignal::new(None::<ApiTokenInfo>);

    let load = move || {
        let include_revoked = show_revoked.get_untracked();
        leptos::task::spawn_local(async move {
            match api::tokens::list(include_revoked).await {
                Ok(list) => {
                    load_error.set(None);
                    tokens.set(list);
                }
                Err(error) => load_error.set(Some(error)),
            }
        });
    };
    Effect::new(move |_| {
        show_revoked.track();
        load();
    });
    let revoke = move |token: ApiTokenInfo| {
        revoking.set(None);
        leptos::task::spawn_local(async move {
            match api::tokens::revoke(&token.id).await {
                Ok(_) => load(),
                Err(error) => notice.set(Some(labels::form_error(i18n, &error))),
            }
        });
    };

    view! {
        <SettingsLayout title=Key::SettingsTokens subtitle=Key::TokensSubtitle>
            <div class="toolbar">
                <label class="checkbox">
                    <input type="checkbox" bind:checked=show_revoked />
                    <span>{move || i18n.t(Key::ShowRevoked)}</span>
                </label>
                <div class="toolbar__spacer"></div>
                <button type="button" class="button button--primary" data-testid="create-token" on:click=move |_| creating.set(true)>
                    {move || i18n.t(Key::CreateToken)}
                </button>
            </div>
            {move || notice.get().map(|m| view! { <p class="notice notice--warn" role="alert">{m}</p> })}
            {move || match load_error.get() {
                Some(error) => view! { <ErrorView error on_retry=Callback::new(move |()| load()) /> }.into_any(),
                None if tokens.with(Vec::is_empty) => view! {
                    <div class="empty" data-testid="no-tokens">
                        <p class="empty__title">{move || i18n.t(Key::NoTokens)}</p>
                        <p class="muted">{move || i18n.t(Key::NoTokensBody)}</p>
                    </div>
                }
                .into_any(),
                None => view! {
                    <TokensTable tokens=tokens.into() on_revoke=Callback::new(move |t| revoking.set(Some(t))) />
                }
                .into_any(),
            }}
            <Show when=move || creating.get()>
                <CreateTokenDialog
                    on_close=Callback::new(move |()| creating.set(false))
                    on_created=Callback::new(move |result| {
                        creating.set(false);
                        created.set(Some(result));
                        load();
                    })
                />
            </Show>
            {move || created.get().map(|result| view! { <SecretDialog secret=result.secret on_close=Callback::new(move |()| created.set(None)) /> })}
            {move || revoking.get().map(|token| {
                let body = i18n.t(Key::RevokeBody).replace("{name}", &token.name);
                view! {
                    <ConfirmDialog
                        title=Key::RevokeTitle
                        body
                        action=Key::Revoke
                        danger=true
                        on_confirm=Callback::new(move |()| revoke(token.clone()))
                        on_close=Callback::new(move |()| revoking.set(None))
                    />
                }
            })}
        </SettingsLayout>
    }
}

/// The new token's secret, once, with how to use it.
#[component]
fn SecretDialog(secret: String, on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let example = format!(
        "curl {origin}/graphql \\\n  -H 'authorization: Bearer {secret}' \\\n  -H 'content-type: application/json' \\\n  -d '{{\"query\": \"{{ viewer {{ permissions }} }}\"}}'"
    );
    view! {
        <Dialog title=Key::TokenCreated on_close test_id="token-created" wide=true>
            <p class="notice notice--warn">{move || i18n.t(Key::TokenShownOnce)}</p>
            <CopyBox value=secret test_id="token-secret" />
            <p class="muted">{move || i18n.t(Key::TokenUsage)}</p>
            <pre class="code-block">{example}</pre>
            <div class="form__actions">
                <button type="button" class="button button--primary" on:click=move |_| on_close.run(()) data-testid="token-copied">
                    {move || i18n.t(Key::CopiedDone)}
                </button>
            </div>
        </Dialog>
    }
}

#[component]
fn TokensTable(tokens: Signal<Vec<ApiTokenInfo>>, on_revoke: Callback<ApiTokenInfo>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
                    <div class="table-wrap">
                        <table class="table" data-testid="tokens-table">
                            <thead>
                                <tr>
                                    <th>{move || i18n.t(Key::Name)}</th>
                                    <th>{move || i18n.t(Key::Scopes)}</th>
                                    <th>{move || i18n.t(Key::CreatedBy)}</th>
                                    <th>{move || i18n.t(Key::LastUsed)}</th>
                                    <th>{move || i18n.t(Key::ExpiresAt)}</th>
                                    <th>{move || i18n.t(Key::Status)}</th>
                                    <th class="table__actions"><span class="sr-only">{move || i18n.t(Key::Actions)}</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                <For
                                    each=move || tokens.get()
                                    key=|t| (t.id.clone(), t.status)
                                    children=move |token| view! { <TokenRow token on_revoke /> }
                                />
                            </tbody>
                        </table>
                    </div>
    }
}

#[component]
fn TokenRow(token: ApiTokenInfo, on_revoke: Callback<ApiTokenInfo>) -> impl IntoView {
    let i18n = use_i18n();
    let (status_key, status_class) = match token.status {
        ApiTokenStatus::Active => (Key::StatusActive, "pill pill--ok"),
        ApiTokenStatus::Expired => (Key::StatusExpired, "pill pill--warn"),
        ApiTokenStatus::Revoked => (Key::StatusRevoked, "pill pill--muted"),
    };
    let active = token.status == ApiTokenStatus::Active;
    let last_used = token.last_used_at.clone();
    let expires = token.expires_at.clone();
    let revoke = {
        let token = token.clone();
        Callback::new(move |()| on_revoke.run(token.clone()))
    };
    view! {
        <tr data-testid="token-row" data-name=token.name.clone()>
            <td>
                <div class="cell-title">{token.name.clone()}</div>
                <div class="cell-sub mono">{format!("{}…", token.prefix)}</div>
            </td>
            <td>
                <div class="pills">
                    {token.scopes.iter().map(|s| view! { <span class="pill pill--scope mono">{s.clone()}</span> }).collect_view()}
                </div>
            </td>
            <td>{token.created_by.as_ref().map(|u| u.name.clone())}</td>
            <td>{move || labels::time_or(i18n, last_used.as_deref(), Key::Never)}</td>
            <td>{move || labels::time_or(i18n, expires.as_deref(), Key::ExpiresNever)}</td>
            <td><span class=status_class>{move || i18n.t(status_key)}</span></td>
            <td class="table__actions">
                <Show when=move || active>
                    <button
                        type="button"
                        class="button button--small button--danger-outline"
                        data-testid="revoke-token"
                        on:click=move |_| revoke.run(())
                    >
                        {move || i18n.t(Key::Revoke)}
                    </button>
                </Show>
            </td>
        </tr>
    }
}

#[component]
fn CreateTokenDialog(on_close: Callback<()>, on_created: Callback<api::tokens::Created>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<Permission>::new());
    let expiry = RwSignal::new(Some(90_u32));
    let errors = RwSignal::new((None::<String>, None::<String>));
    let form_error = RwSignal::new(None::<String>);
    let create = Action::new_local(move |(name, scopes, expires): &(String, Vec<String>, Option<String>)| {
        let (name, scopes, expires) = (name.clone(), scopes.clone(), expires.clone());
        async move { api::tokens::create(&name, &scopes, expires).await }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(result)) => on_created.run(result),
        Some(Err(error)) => {
            let fields =
                (labels::field_error(i18n, &error, "name"), labels::field_error(i18n, &error, "scopes"));
            if fields == (None, None) {
                form_error.set(Some(labels::form_error(i18n, &error)));
            }
            errors.set(fields);
        }
        None => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        form_error.set(None);
        let scopes: Vec<String> = chosen.get_untracked().iter().map(|p| p.as_str().to_owned()).collect();
        let checked = (
            validate::name(&name.get_untracked(), validate::NAME_MAX_CHARS)
                .err()
                .map(|r| labels::invalid(i18n, r)),
            scopes.is_empty().then(|| i18n.t(Key::ChooseScope).to_owned()),
        );
        let valid = checked == (None, None);
        errors.set(checked);
        if valid {
            let expires = expiry.get_untracked().and_then(labels::days_from_now);
            create.dispatch((name.get_untracked(), scopes, expires));
        }
    };
    // Only what the creator holds can be granted.
    let grantable: Vec<Permission> = Permission::ALL.into_iter().filter(|p| session.can(*p)).collect();
    view! {
        <Dialog title=Key::CreateToken on_close test_id="create-token-dialog" wide=true>
            <form class="form" on:submit=submit novalidate=true>
                <TextField label=Key::TokenName value=name error=Signal::derive(move || errors.get().0) hint=Key::TokenNameHint name="token-name" autocomplete="off" />
                <fieldset class="field">
                    <legend class="field__label">{move || i18n.t(Key::Scopes)}</legend>
                    <div class="scope-grid">
                        {grantable.into_iter().map(|permission| view! {
                            <label class="checkbox checkbox--card">
                                <input
                                    type="checkbox"
                                    value=permission.as_str()
                                    data-testid=format!("scope-{}", permission.as_str())
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| {
                                            c.retain(|p| *p != permission);
                                            if on {
                                                c.push(permission);
                                            }
                                        });
                                    }
                                />
                                <span>
                                    <span class="checkbox__title">{move || i18n.t(labels::permission(permission))}</span>
                                    <span class="checkbox__sub mono">{permission.as_str()}</span>
                                </span>
                            </label>
                        }).collect_view()}
                    </div>
                    {move || errors.get().1.map(|m| view! { <p class="field__error">{m}</p> })}
                </fieldset>
                <div class="field">
                    <label class="field__label" for="token-expiry">{move || i18n.t(Key::ExpiresAt)}</label>
                    <select id="token-expiry" class="field__input" on:change=move |ev| expiry.set(event_target_value(&ev).parse().ok())>
                        {EXPIRY.into_iter().map(|(days, key)| view! {
                            <option value=days.map(|d| d.to_string()).unwrap_or_default() selected=days == Some(90)>{move || i18n.t(key)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <FormError message=form_error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" disabled=move || create.pending().get() data-testid="submit-token">
                        {move || i18n.t(Key::CreateToken)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
