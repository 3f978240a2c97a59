use leptos::prelude::*;
use starcrm_shared::account::{UserInfo, UserStatus};
use starcrm_shared::{Permission, Role, validate};

use super::SettingsLayout;
use crate::api::{self, ApiError};
use crate::components::confirm::ConfirmDialog;
use crate::components::copy_box::CopyBox;
use crate::components::dialog::Dialog;
use crate::components::error_view::ErrorView;
use crate::components::field::{FormError, TextField};
use crate::components::list_footer::{ListFooter, Listing, load_page};
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::state::session::use_session;

const PAGE_SIZE: u32 = 25;

#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    use_page_title(Key::SettingsUsers);
    let search = RwSignal::new(String::new());
    let role_filter = RwSignal::new(None::<Role>);
    let status_filter = RwSignal::new(None::<UserStatus>);
    let listing = RwSignal::new(Listing::<UserInfo>::default());
    let load_error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<String>);
    let adding = RwSignal::new(false);
    let created = RwSignal::new(None::<api::users::Created>);

    let load = move |append: bool| {
        let (query, role, status) =
            (search.get_untracked(), role_filter.get_untracked(), status_filter.get_untracked());
        load_page(listing, load_error, append, move |after| async move {
            api::users::list(PAGE_SIZE, after, &query, role, status).await
        });
    };
    Effect::new(move |_| {
        search.track();
        role_filter.track();
        status_filter.track();
        load(false);
    });
    let replace_row = move |user: UserInfo| {
        listing.update(|l| {
            if let Some(row) = l.rows.iter_mut().find(|r| r.id == user.id) {
                *row = user;
            }
        });
    };

    view! {
        <SettingsLayout title=Key::SettingsUsers subtitle=Key::UsersSubtitle>
            <div class="toolbar">
                <UserFilters search role_filter status_filter />
                <div class="toolbar__spacer"></div>
                <Show when=move || session.can(Permission::UsersManage)>
                    <button type="button" class="button button--primary" data-testid="add-user" on:click=move |_| adding.set(true)>
                        {move || i18n.t(Key::AddUser)}
                    </button>
                </Show>
            </div>
            {move || notice.get().map(|m| view! { <p class="notice notice--warn" role="alert">{m}</p> })}
            {move || match load_error.get() {
                Some(error) => view! { <ErrorView error on_retry=Callback::new(move |()| load(false)) /> }.into_any(),
                None => view! {
                    <UsersTable
                        rows=Signal::derive(move || listing.get().rows)
                        on_change=Callback::new(replace_row)
                        on_temporary=Callback::new(move |result| created.set(Some(result)))
                        notice
                    />
                    <ListFooter
                        shown=Signal::derive(move || listing.with(|l| l.rows.len()))
                        total=Signal::derive(move || listing.with(|l| l.total))
                        has_more=Signal::derive(move || listing.with(|l| l.has_more))
                        on_more=Callback::new(move |()| load(true))
                    />
                }
                .into_any(),
            }}
            <Show when=move || adding.get()>
                <AddUserDialog
                    on_close=Callback::new(move |()| adding.set(false))
                    on_created=Callback::new(move |result: api::users::Created| {
                        adding.set(false);
                        listing.update(|l| {
                            l.rows.push(result.user.clone());
                            l.total += 1;
                        });
                        created.set(Some(result));
                    })
                />
            </Show>
            {move || created.get().map(|result| view! { <TemporaryPasswordDialog result on_close=Callback::new(move |()| created.set(None)) /> })}
        </SettingsLayout>
    }
}

#[component]
fn UserFilters(
    search: RwSignal<String>,
    role_filter: RwSignal<Option<Role>>,
    status_filter: RwSignal<Option<UserStatus>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <input
            class="toolbar__search"
            type="search"
            placeholder=move || i18n.t(Key::SearchUsers)
            aria-label=move || i18n.t(Key::SearchUsers)
            on:change=move |ev| search.set(event_target_value(&ev))
            data-testid="user-search"
        />
        <select
            class="toolbar__select"
            aria-label=move || i18n.t(Key::Role)
            on:change=move |ev| role_filter.set(Role::parse(&event_target_value(&ev)))
        >
            <option value="">{move || i18n.t(Key::AllRoles)}</option>
            {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{move || i18n.t(labels::role(r))}</option> }).collect_view()}
        </select>
        <select
            class="toolbar__select"
            aria-label=move || i18n.t(Key::Status)
            on:change=move |ev| status_filter.set(UserStatus::parse(&event_target_value(&ev)))
        >
            <option value="">{move || i18n.t(Key::AllStatuses)}</option>
            <option value="active">{move || i18n.t(Key::StatusActive)}</option>
            <option value="deactivated">{move || i18n.t(Key::StatusDeactivated)}</option>
        </select>
    }
}

#[component]
fn UsersTable(
    rows: Signal<Vec<UserInfo>>,
    on_change: Callback<UserInfo>,
    on_temporary: Callback<api::users::Created>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
                    <div class="table-wrap">
                        <table class="table" data-testid="users-table">
                            <thead>
                                <tr>
                                    <th>{move || i18n.t(Key::Name)}</th>
                                    <th>{move || i18n.t(Key::Role)}</th>
                                    <th>{move || i18n.t(Key::Status)}</th>
                                    <th>{move || i18n.t(Key::Phone)}</th>
                                    <th>{move || i18n.t(Key::LastSignIn)}</th>
                                    <th class="table__actions"><span class="sr-only">{move || i18n.t(Key::Actions)}</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                <For
                                    each=move || rows.get()
                                    key=|user| (user.id.clone(), user.version, user.phone.clone())
                                    children=move |user| view! { <UserRow user on_change on_temporary notice /> }
                                />
                            </tbody>
                        </table>
                    </div>
    }
}

/// The new account's temporary password, once.
#[component]
fn TemporaryPasswordDialog(result: api::users::Created, on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let intro = i18n.t(Key::TemporaryPasswordIntro).replace("{email}", &result.user.email);
    view! {
        <Dialog title=Key::UserCreated on_close test_id="user-created">
            <p>{intro}</p>
            <CopyBox value=result.temporary_password test_id="temporary-password" />
            <p class="muted">{move || i18n.t(Key::ShownOnce)}</p>
            <div class="form__actions">
                <button type="button" class="button button--primary" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Done)}</button>
            </div>
        </Dialog>
    }
}

/// An action on a row waiting for confirmation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pending {
    Reset,
    /// Deactivate or reactivate, whichever applies.
    Active,
}

#[component]
fn UserRow(
    user: UserInfo,
    on_change: Callback<UserInfo>,
    on_temporary: Callback<api::users::Created>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let own_role = session.viewer().and_then(|v| v.role);
    let is_self = session.viewer().and_then(|v| v.user).is_some_and(|u| u.id == user.id);
    let manageable =
        session.can(Permission::UsersManage) && !is_self && own_role.is_some_and(|r| r.can_manage(user.role));
    let active = user.status == UserStatus::Active;
    let phone = RwSignal::new(user.phone.clone());
    let revealed = RwSignal::new(false);
    let confirming = RwSignal::new(None::<Pending>);
    let (id, version, role) = (user.id.clone(), user.version, user.role);

    let report = move |error: ApiError| notice.set(Some(labels::form_error(i18n, &error)));
    let change_role = {
        let id = id.clone();
        move |ev: leptos::ev::Event| {
            let Some(new_role) = Role::parse(&event_target_value(&ev)) else { return };
            if new_role == role {
                return;
            }
            let id = id.clone();
            leptos::task::spawn_local(async move {
                match api::users::change_role(&id, new_role, version).await {
                    Ok(updated) => on_change.run(updated),
                    Err(error) => report(error),
                }
            });
        }
    };
    let set_active = Callback::new({
        let id = id.clone();
        move |()| {
            confirming.set(None);
            let id = id.clone();
            leptos::task::spawn_local(async move {
                match api::users::set_active(&id, !active).await {
                    Ok(updated) => on_change.run(updated),
                    Err(error) => report(error),
                }
            });
        }
    });
    let reset = Callback::new({
        let id = id.clone();
        move |()| {
            confirming.set(None);
            let id = id.clone();
            leptos::task::spawn_local(async move {
                match api::users::reset_password(&id).await {
                    Ok(result) => on_temporary.run(result),
                    Err(error) => report(error),
                }
            });
        }
    });
    let reveal = Callback::new({
        let id = id.clone();
        move |()| {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                match api::users::reveal_phone(&id).await {
                    Ok(full) => {
                        phone.set(full);
                        revealed.set(true);
                    }
                    Err(error) => report(error),
                }
            });
        }
    });
    let last_login = user.last_login_at.clone();
    let name = user.name.clone();
    let status_key = if active { Key::StatusActive } else { Key::StatusDeactivated };

    view! {
        <tr class:table__row--muted=!active data-testid="user-row" data-email=user.email.clone()>
            <td>
                <div class="cell-title">{user.name.clone()}</div>
                <div class="cell-sub">{user.email.clone()}</div>
            </td>
            <td>
                {if manageable {
                    let options = Role::ALL.into_iter().filter(|r| own_role.is_some_and(|own| own.can_manage(*r)));
                    view! {
                        <select class="inline-select" aria-label=move || i18n.t(Key::Role) on:change=change_role data-testid="role-select">
                            {options.map(|r| view! { <option value=r.as_str() selected=r == role>{move || i18n.t(labels::role(r))}</option> }).collect_view()}
                        </select>
                    }
                    .into_any()
                } else {
                    view! { <span class="pill pill--role">{move || i18n.t(labels::role(role))}</span> }.into_any()
                }}
            </td>
            <td>
                <span class=if active { "pill pill--ok" } else { "pill pill--muted" }>{move || i18n.t(status_key)}</span>
            </td>
            <td>
                {move || match phone.get() {
                    Some(p) => view! {
                        <span class="mono">{p}</span>
                        <Show when=move || !revealed.get() && session.can(Permission::PiiRead)>
                            <button type="button" class="link-button" on:click=move |_| reveal.run(()) data-testid="reveal-phone">{move || i18n.t(Key::Reveal)}</button>
                        </Show>
                    }.into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
            <td>{move || labels::time_or(i18n, last_login.as_deref(), Key::Never)}</td>
            <td class="table__actions">
                <Show when=move || manageable>
                    <button type="button" class="button button--small" on:click=move |_| confirming.set(Some(Pending::Reset)) data-testid="reset-password">
                        {move || i18n.t(Key::ResetPassword)}
                    </button>
                    <button type="button" class="button button--small" on:click=move |_| confirming.set(Some(Pending::Active)) data-testid="toggle-active">
                        {move || i18n.t(if active { Key::Deactivate } else { Key::Reactivate })}
                    </button>
                </Show>
                {move || confirming.get().map(|pending| {
                    let (title, body, action, danger, run) = match pending {
                        Pending::Reset => (Key::ResetPasswordTitle, Key::ResetPasswordBody, Key::ResetPassword, false, reset),
                        Pending::Active if active => (Key::DeactivateTitle, Key::DeactivateBody, Key::Deactivate, true, set_active),
                        Pending::Active => (Key::ReactivateTitle, Key::ReactivateBody, Key::Reactivate, false, set_active),
                    };
                    view! {
                        <ConfirmDialog
                            title
                            body=i18n.t(body).replace("{name}", &name)
                            action
                            danger
                            on_confirm=run
                            on_close=Callback::new(move |()| confirming.set(None))
                        />
                    }
                })}
            </td>
        </tr>
    }
}

#[component]
fn AddUserDialog(on_close: Callback<()>, on_created: Callback<api::users::Created>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let own_role = session.viewer().and_then(|v| v.role);
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Agent);
    let errors = RwSignal::new((None::<String>, None::<String>, None::<String>));
    let form_error = RwSignal::new(None::<String>);
    let create = Action::new_local(move |(email, name, role, phone): &(String, String, Role, String)| {
        let (email, name, role, phone) = (email.clone(), name.clone(), *role, phone.clone());
        async move { api::users::create(&email, &name, role, &phone).await }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(result)) => on_created.run(result),
        Some(Err(error)) => {
            let fields = (
                labels::field_error(i18n, &error, "email"),
                labels::field_error(i18n, &error, "name"),
                labels::field_error(i18n, &error, "phone"),
            );
            if fields == (None, None, None) {
                form_error.set(Some(labels::form_error(i18n, &error)));
            }
            errors.set(fields);
        }
        None => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        form_error.set(None);
        let phone_value = phone.get_untracked();
        let checked = (
            validate::email(&email.get_untracked()).err().map(|r| labels::invalid(i18n, r)),
            validate::name(&name.get_untracked(), validate::NAME_MAX_CHARS)
                .err()
                .map(|r| labels::invalid(i18n, r)),
            (!phone_value.trim().is_empty())
                .then(|| validate::phone(&phone_value).err())
                .flatten()
                .map(|r| labels::invalid(i18n, r)),
        );
        let valid = checked == (None, None, None);
        errors.set(checked);
        if valid {
            create.dispatch((email.get_untracked(), name.get_untracked(), role.get_untracked(), phone_value));
        }
    };
    let assignable: Vec<Role> =
        Role::ALL.into_iter().filter(|r| own_role.is_some_and(|own| own.can_manage(*r))).collect();
    view! {
        <Dialog title=Key::AddUser on_close test_id="add-user-dialog">
            <form class="form" on:submit=submit novalidate=true>
                <TextField label=Key::Email value=email error=Signal::derive(move || errors.get().0) input_type="email" name="new-user-email" autocomplete="off" />
                <TextField label=Key::Name value=name error=Signal::derive(move || errors.get().1) name="new-user-name" autocomplete="off" />
                <TextField label=Key::PhoneOptional value=phone error=Signal::derive(move || errors.get().2) input_type="tel" name="new-user-phone" autocomplete="off" />
                <div class="field">
                    <label class="field__label" for="new-user-role">{move || i18n.t(Key::Role)}</label>
                    <select id="new-user-role" class="field__input" on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)).unwrap_or(Role::Agent))>
                        {assignable.into_iter().map(|r| view! { <option value=r.as_str() selected=r == Role::Agent>{move || i18n.t(labels::role(r))}</option> }).collect_view()}
                    </select>
                </div>
                <FormError message=form_error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" disabled=move || create.pending().get() data-testid="create-user">
                        {move || i18n.t(Key::AddUser)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
