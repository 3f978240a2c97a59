use leptos::prelude::*;
use starcrm_shared::validate;

use super::SettingsLayout;
use crate::api;
use crate::components::field::{FormError, TextField};
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
