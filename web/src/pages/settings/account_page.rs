//! The signed-in user's account: their profile, changing their password, and which server
//! (version, database, mode) they are talking to.

use leptos::prelude::*;
use starcrm_shared::{DatabaseKind, RunMode, ServerInfo, validate};

use super::SettingsLayout;
use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::field::{FormError, TextField};
use crate::components::icon::{Icon, IconName};
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::state::session::use_session;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    use_page_title(Key::SettingsAccount);
    view! {
        <SettingsLayout title=Key::SettingsAccount>
            <div class="grid">
                <section class="card">
                    <h3 class="card__title">{move || i18n.t(Key::Profile)}</h3>
                    {move || session.viewer().map(|viewer| {
                        let user = viewer.user.clone();
                        let role = viewer.role.map(|r| i18n.t(labels::role(r))).unwrap_or_default();
                        view! {
                            <dl class="details">
                                <div><dt>{move || i18n.t(Key::Name)}</dt><dd>{user.as_ref().map(|u| u.name.clone())}</dd></div>
                                <div><dt>{move || i18n.t(Key::Email)}</dt><dd>{user.as_ref().map(|u| u.email.clone())}</dd></div>
                                <div><dt>{move || i18n.t(Key::Role)}</dt><dd><span class="pill pill--role">{role}</span></dd></div>
                                <div><dt>{move || i18n.t(Key::Workspace)}</dt><dd>{viewer.workspace.name.clone()}</dd></div>
                            </dl>
                        }
                    })}
                </section>
                <ChangePassword />
                <ServerCard />
            </div>
        </SettingsLayout>
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors = RwSignal::new((None::<String>, None::<String>, None::<String>));
    let form_error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let change = Action::new_local(move |(current, new): &(String, String)| {
        let (current, new) = (current.clone(), new.clone());
        async move { api::accounts::change_password(&current, &new).await }
    });
    Effect::new(move |_| match change.value().get() {
        Some(Ok(_)) => {
            done.set(true);
            current.set(String::new());
            new.set(String::new());
            confirm.set(String::new());
        }
        Some(Err(error)) => {
            let current_error = labels::field_error(i18n, &error, "currentPassword").map(|m| {
                if error.invalid().is_none() { i18n.t(Key::WrongCurrentPassword).to_owned() } else { m }
            });
            let new_error = labels::field_error(i18n, &error, "newPassword");
            if current_error.is_none() && new_error.is_none() {
                form_error.set(Some(labels::form_error(i18n, &error)));
            }
            errors.set((current_error, new_error, None));
        }
        None => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        done.set(false);
        form_error.set(None);
        let email = session.viewer().and_then(|v| v.user).map(|u| u.email);
        let new_value = new.get_untracked();
        let current_error =
            current.get_untracked().is_empty().then(|| labels::invalid(i18n, validate::Invalid::Required));
        let new_error =
            validate::password(&new_value, email.as_deref()).err().map(|r| labels::invalid(i18n, r));
        let confirm_error =
            (new_value != confirm.get_untracked()).then(|| i18n.t(Key::PasswordsDiffer).to_owned());
        let valid = current_error.is_none() && new_error.is_none() && confirm_error.is_none();
        errors.set((current_error, new_error, confirm_error));
        if valid {
            change.dispatch((current.get_untracked(), new_value));
        }
    };
    view! {
        <section class="card">
            <h3 class="card__title">{move || i18n.t(Key::ChangePassword)}</h3>
            <form class="form" on:submit=submit novalidate=true data-testid="change-password">
                <TextField
                    label=Key::CurrentPassword
                    value=current
                    error=Signal::derive(move || errors.get().0)
                    input_type="password"
                    autocomplete="current-password"
                    name="current-password"
                />
                <TextField
                    label=Key::NewPassword
                    value=new
                    error=Signal::derive(move || errors.get().1)
                    hint=Key::PasswordHint
                    input_type="password"
                    autocomplete="new-password"
                    name="new-password"
                />
                <TextField
                    label=Key::ConfirmPassword
                    value=confirm
                    error=Signal::derive(move || errors.get().2)
                    input_type="password"
                    autocomplete="new-password"
                    name="confirm-password"
                />
                <FormError message=form_error />
                <Show when=move || done.get()>
                    <p class="notice notice--ok" role="status" data-testid="password-changed">{move || i18n.t(Key::PasswordChanged)}</p>
                </Show>
                <div class="form__actions">
                    <button type="submit" class="button button--primary" disabled=move || change.pending().get()>
                        {move || i18n.t(Key::ChangePassword)}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// The server's version, database and mode: what support asks for when something is wrong.
#[component]
fn ServerCard() -> impl IntoView {
    let i18n = use_i18n();
    let info = LocalResource::new(api::system::server_info);
    let retry = Callback::new(move |()| info.refetch());
    view! {
        <section class="card card--wide" aria-labelledby="system-title">
            <div class="card__header">
                <h3 class="card__title" id="system-title">{move || i18n.t(Key::SystemTitle)}</h3>
                {move || matches!(info.get(), Some(Ok(_))).then(|| view! {
                    <span class="pill pill--ok" data-testid="api-status">
                        <span class="dot"></span>
                        {move || i18n.t(Key::SystemConnected)}
                    </span>
                })}
            </div>
            {move || match info.get() {
                None => view! { <div class="skeleton" aria-busy="true"></div> }.into_any(),
                Some(Ok(server)) => view! { <ServerStats server /> }.into_any(),
                Some(Err(error)) => view! { <ErrorView error on_retry=retry /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ServerStats(server: ServerInfo) -> impl IntoView {
    let i18n = use_i18n();
    let database = match server.database {
        DatabaseKind::Sqlite => Key::DatabaseSqlite,
        DatabaseKind::Postgres => Key::DatabasePostgres,
    };
    let (mode, mode_class) = match server.mode {
        RunMode::Development => (Key::ModeDevelopment, "pill pill--warn"),
        RunMode::Production => (Key::ModeProduction, "pill pill--ok"),
    };
    view! {
        <dl class="stats" data-testid="server-info">
            <div class="stat">
                <dt><Icon name=IconName::Tag />{move || i18n.t(Key::SystemVersion)}</dt>
                <dd data-testid="server-version">{server.version}</dd>
            </div>
            <div class="stat">
                <dt><Icon name=IconName::Database />{move || i18n.t(Key::SystemDatabase)}</dt>
                <dd data-testid="server-database" data-value=format!("{:?}", server.database)>
                    {move || i18n.t(database)}
                </dd>
            </div>
            <div class="stat">
                <dt><Icon name=IconName::Gauge />{move || i18n.t(Key::SystemMode)}</dt>
                <dd data-testid="server-mode">
                    <span class=mode_class>{move || i18n.t(mode)}</span>
                </dd>
            </div>
        </dl>
    }
}
