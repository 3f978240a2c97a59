use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use starcrm_shared::account::Viewer;
use starcrm_shared::validate;

use crate::api;
use crate::components::field::{FormError, TextField};
use crate::components::language_switcher::LanguageSwitcher;
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::state::session::{Phase, use_session};

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    use_page_title(Key::SignIn);
    let query = use_query_map();
    // Back to where the user was going; only paths of this app (no open redirect).
    let next = move || {
        query
            .with(|q| q.get("next"))
            .filter(|n| n.starts_with('/') && !n.starts_with("//"))
            .unwrap_or_else(|| "/".to_owned())
    };
    let expired = move || query.with(|q| q.get("expired").is_some());

    let navigate = use_navigate();
    Effect::new(move |_| {
        if session.phase() == Phase::SignedIn {
            navigate(&next(), NavigateOptions::default());
        }
    });

    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    // Filled when the password opens accounts in several workspaces: one button each.
    let choices = RwSignal::new(Vec::<api::WorkspaceChoice>::new());
    let login = Action::new_local(move |(email, password, workspace): &(String, String, Option<String>)| {
        let (email, password, workspace) = (email.clone(), password.clone(), workspace.clone());
        async move { api::accounts::login(&email, &password, workspace.as_deref()).await }
    });
    Effect::new(move |_| {
        if let Some(Err(error)) = login.value().get() {
            if error.concerns("workspaceId") && !error.workspaces.is_empty() {
                choices.set(error.workspaces.clone());
                form_error.set(None);
                return;
            }
            let message = if error.is_unauthenticated() {
                i18n.t(Key::BadCredentials).to_owned()
            } else {
                labels::form_error(i18n, &error)
            };
            form_error.set(Some(message));
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        form_error.set(None);
        match validate::email(&email.get_untracked()) {
            Err(reason) => email_error.set(Some(labels::invalid(i18n, reason))),
            Ok(address) => {
                email_error.set(None);
                choices.set(Vec::new());
                login.dispatch((address, password.get_untracked(), None));
            }
        }
    };

    view! {
        <div class="auth-page">
            <div class="auth-page__top">
                <LanguageSwitcher />
            </div>
            <main class="auth-card" data-testid="login-page">
                <div class="auth-card__brand">
                    <span class="brand__mark brand__mark--large" aria-hidden="true">"★"</span>
                    <span class="brand__name">"StarCRM"</span>
                </div>
                <h1 class="auth-card__title">{move || i18n.t(Key::SignInTitle)}</h1>
                <p class="auth-card__subtitle">{move || i18n.t(Key::AppTagline)}</p>
                <Show when=expired>
                    <p class="notice notice--warn" data-testid="session-expired">{move || i18n.t(Key::SessionExpired)}</p>
                </Show>
                <form class="form" on:submit=submit novalidate=true>
                    <TextField
                        label=Key::Email
                        value=email
                        error=email_error
                        input_type="email"
                        autocomplete="username"
                        name="email"
                        required=true
                    />
                    <TextField
                        label=Key::Password
                        value=password
                        input_type="password"
                        autocomplete="current-password"
                        name="password"
                        required=true
                    />
                    <FormError message=form_error />
                    <WorkspaceChoices choices login email password />
                    <button type="submit" class="button button--primary button--block" disabled=move || login.pending().get()>
                        {move || i18n.t(if login.pending().get() { Key::SigningIn } else { Key::SignIn })}
                    </button>
                </form>
            </main>
            <p class="auth-page__foot">{move || i18n.t(Key::LoginFoot)}</p>
        </div>
    }
}

/// The workspaces a password opens when it opens several: one button each.
#[component]
fn WorkspaceChoices(
    choices: RwSignal<Vec<api::WorkspaceChoice>>,
    login: Action<(String, String, Option<String>), Result<Viewer, api::ApiError>>,
    email: RwSignal<String>,
    password: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let choose = move |workspace: String| {
        login.dispatch((
            email.get_untracked().trim().to_lowercase(),
            password.get_untracked(),
            Some(workspace),
        ));
    };
    view! {
        <Show when=move || !choices.with(Vec::is_empty)>
            <div class="workspace-choice" data-testid="workspace-choice">
                <p>{move || i18n.t(Key::ChooseWorkspace)}</p>
                <For each=move || choices.get() key=|c| c.id.clone() let:choice>
                    {
                        let id = choice.id.clone();
                        view! {
                            <button type="button" class="button button--block" on:click=move |_| choose(id.clone())>
                                {choice.name.clone()}
                            </button>
                        }
                    }
                </For>
            </div>
        </Show>
    }
}
