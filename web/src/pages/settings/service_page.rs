//! Settings > Service desk, for desk managers: the service-level policy and business hours, how
//! often each star level is called back (and after
//! a solved complaint or a lost star), the teams tickets are routed to with their members and
//! capacity, and the complaint root causes a complaint is solved with.

use leptos::prelude::*;
use starcrm_shared::follow_ups::CadenceView;
use starcrm_shared::service_desk::{TeamInfo, TeamMemberInfo, TicketCategoryInfo, TicketKind};

use super::SettingsLayout;
use super::sla_editor::SlaPolicyEditor;
use crate::api;
use crate::api::service::StaffOption;
use crate::components::error_view::ErrorView;
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::pages::customers::star_text;
use crate::state::loaded::load;

/// Days as typed: empty is none; anything else must be 1 to 730.
fn parse_days(text: &str) -> Result<Option<u16>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u16>()
        .ok()
        .filter(|d| (1..=starcrm_shared::follow_ups::MAX_DAYS).contains(d))
        .map(Some)
        .ok_or(())
}

fn days_text(days: Option<u16>) -> String {
    days.map(|d| d.to_string()).unwrap_or_default()
}

#[component]
pub fn ServiceSettingsPage() -> impl IntoView {
    use_page_title(Key::SettingsService);
    let settings = load(api::service::service_settings);
    let reload = settings.reload;
    reload.run(());
    view! {
        <SettingsLayout title=Key::SettingsService subtitle=Key::SettingsServiceSubtitle>
            {move || match (settings.error.get(), settings.value.get()) {
                (Some(e), _) => view! { <ErrorView error=e on_retry=reload /> }.into_any(),
                (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
                (None, Some(s)) => view! {
                    <SlaPolicyEditor />
                    <CadenceForm cadence=s.cadence.clone() />
                    <Teams teams=s.teams.clone() staff=s.staff.clone() on_saved=reload />
                    <RootCauses categories=s.categories on_saved=reload />
                }
                .into_any(),
            }}
        </SettingsLayout>
    }
}

#[component]
fn CadenceForm(cadence: CadenceView) -> impl IntoView {
    let i18n = use_i18n();
    let levels: Vec<RwSignal<String>> =
        (0..5).map(|i| RwSignal::new(days_text(cadence.every_days.get(i).copied().flatten()))).collect();
    let complaint = RwSignal::new(days_text(cadence.after_complaint_days));
    let drop = RwSignal::new(days_text(cadence.after_star_drop_days));
    let notice = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let fields = levels.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let every: Result<Vec<Option<u16>>, ()> =
            fields.iter().map(|f| parse_days(&f.get_untracked())).collect();
        let (Ok(every_days), Ok(after_complaint_days), Ok(after_star_drop_days)) =
            (every, parse_days(&complaint.get_untracked()), parse_days(&drop.get_untracked()))
        else {
            notice.set(Some(i18n.t(Key::CadenceInvalid).to_owned()));
            return;
        };
        let view = CadenceView { every_days, after_complaint_days, after_star_drop_days };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::service::save_cadence(&view).await;
            pending.set(false);
            match result {
                // The form holds what was saved: no reload (which would also drop this notice).
                Ok(()) => notice.set(Some(i18n.t(Key::Saved).to_owned())),
                Err(e) => notice.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    let day_input = move |value: RwSignal<String>, test_id: String| {
        view! {
            <input class="field__input cadence__days" type="number" min="1" max="730" inputmode="numeric"
                data-testid=test_id placeholder=move || i18n.t(Key::CadenceNever)
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        }
    };
    view! {
        <form class="card settings-card" data-testid="cadence-form" on:submit=save>
            <h3 class="card__title">{move || i18n.t(Key::FollowUpCadenceTitle)}</h3>
            <p class="muted">{move || i18n.t(Key::FollowUpCadenceHelp)}</p>
            <div class="cadence">
                {levels.into_iter().enumerate().rev().map(|(i, value)| {
                    let stars = i16::try_from(i + 1).unwrap_or(0);
                    view! {
                        <label class="cadence__row">
                            <span class="stars">{star_text(Some(stars))}</span>
                            {day_input(value, format!("cadence-{}", i + 1))}
                            <span class="muted">{move || i18n.t(Key::Days)}</span>
                        </label>
                    }
                }).collect_view()}
                <label class="cadence__row">
                    <span>{move || i18n.t(Key::FollowUpComplaint)}</span>
                    {day_input(complaint, "cadence-complaint".to_owned())}
                    <span class="muted">{move || i18n.t(Key::Days)}</span>
                </label>
                <label class="cadence__row">
                    <span>{move || i18n.t(Key::FollowUpStarDrop)}</span>
                    {day_input(drop, "cadence-drop".to_owned())}
                    <span class="muted">{move || i18n.t(Key::Days)}</span>
                </label>
            </div>
            <div class="button-row">
                <button type="submit" class="button button--primary" data-testid="save-cadence" disabled=move || pending.get()>
                    {move || i18n.t(Key::Save)}
                </button>
                {move || notice.get().map(|m| view! { <span class="muted" role="status" data-testid="cadence-notice">{m}</span> })}
            </div>
        </form>
    }
}

#[component]
fn Teams(teams: Vec<TeamInfo>, staff: Vec<StaffOption>, on_saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let editing = RwSignal::new(None::<Option<TeamInfo>>);
    let notice = RwSignal::new(None::<String>);
    let staff = StoredValue::new(staff);
    let name_of = move |id: &str| {
        staff.with_value(|s| s.iter().find(|u| u.id == id).map_or_else(|| id.to_owned(), |u| u.name.clone()))
    };
    view! {
        <section class="card settings-card" data-testid="teams">
            <div class="analysis-card__head">
                <h3 class="card__title">{move || i18n.t(Key::Teams)}</h3>
                <button type="button" class="button button--small" data-testid="new-team" on:click=move |_| editing.set(Some(None))>
                    {move || i18n.t(Key::NewTeam)}
                </button>
            </div>
            <p class="muted">{move || i18n.t(Key::TeamsHelp)}</p>
            {move || notice.get().map(|m| view! { <p class="form-error" role="alert" data-testid="teams-notice">{m}</p> })}
            {if teams.is_empty() {
                view! { <p class="muted" data-testid="no-teams">{move || i18n.t(Key::NoTeams)}</p> }.into_any()
            } else {
                view! {
                    <ul class="team-list">
                        {teams.into_iter().map(|t| {
                            let kinds = t.kinds.clone();
                            let members = t.members.clone();
                            let edit = t.clone();
                            view! {
                                <li class="team-list__item" data-testid="team">
                                    <div>
                                        <strong>{t.name.clone()}</strong>
                                        <span class="muted">" · "{move || i18n.t(Key::Capacity)}" "{t.capacity}</span>
                                        {t.archived.then(|| view! { <span class="pill pill--warn team-list__archived" data-testid="team-archived-pill">{move || i18n.t(Key::Archived)}</span> })}
                                        <div class="cell-sub">
                                            {move || if kinds.is_empty() { i18n.t(Key::AllKinds).to_owned() } else {
                                                kinds.iter().map(|k| i18n.t(labels::ticket_kind(*k))).collect::<Vec<_>>().join(" / ")
                                            }}
                                        </div>
                                        <ul class="member-list">
                                            {members.into_iter().map(|m| view! {
                                                <Member name=name_of(&m.user_id) member=m on_changed=on_saved notice />
                                            }).collect_view()}
                                        </ul>
                                    </div>
                                    <button type="button" class="button button--small" on:click=move |_| editing.set(Some(Some(edit.clone())))>
                                        {move || i18n.t(Key::Edit)}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {move || editing.get().map(|team| view! {
                <TeamForm team staff=staff.get_value() on_done=Callback::new(move |saved: bool| {
                    editing.set(None);
                    if saved { on_saved.run(()); }
                }) />
            })}
        </section>
    }
}

/// A team member with their open tickets, whether they take new ones, and the desk manager's
/// switch to mark them away or back (in all their teams).
#[component]
fn Member(
    name: String,
    member: TeamMemberInfo,
    on_changed: Callback<()>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let pending = RwSignal::new(false);
    let available = member.available;
    let user = StoredValue::new(member.user_id);
    let toggle = move |_| {
        pending.set(true);
        notice.set(None);
        leptos::task::spawn_local(async move {
            let result = api::service::set_availability(!available, Some(&user.get_value())).await;
            pending.set(false);
            match result {
                Ok(()) => on_changed.run(()),
                Err(e) => notice.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    view! {
        <li class="member-list__item" data-testid="team-member" data-available=available.to_string()>
            <span>{name}</span>
            <span class="muted">"("{member.open_tickets}")"</span>
            {(!available).then(|| view! { <span class="pill pill--warn">{move || i18n.t(Key::AwayNoTickets)}</span> })}
            <button type="button" class="link-button" data-testid="toggle-availability" disabled=move || pending.get() on:click=toggle>
                {move || i18n.t(if available { Key::MarkAway } else { Key::MarkAvailable })}
            </button>
        </li>
    }
}

#[component]
fn TeamForm(team: Option<TeamInfo>, staff: Vec<StaffOption>, on_done: Callback<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let id = team.as_ref().map(|t| t.id.clone());
    let name = RwSignal::new(team.as_ref().map(|t| t.name.clone()).unwrap_or_default());
    let capacity = RwSignal::new(team.as_ref().map_or(20, |t| t.capacity).to_string());
    let kinds = RwSignal::new(team.as_ref().map(|t| t.kinds.clone()).unwrap_or_default());
    let members = RwSignal::new(
        team.as_ref()
            .map(|t| t.members.iter().map(|m| m.user_id.clone()).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    let archived = RwSignal::new(team.as_ref().is_some_and(|t| t.archived));
    let existing = team.is_some();
    let notice = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let id = StoredValue::new(id);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(cap) = capacity.get_untracked().trim().parse::<i32>() else {
            notice.set(Some(i18n.t(Key::CapacityInvalid).to_owned()));
            return;
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let (name, kinds, members) =
                (name.get_untracked(), kinds.get_untracked(), members.get_untracked());
            let team_id = id.get_value();
            let draft = api::service::TeamDraft {
                id: team_id.as_deref(),
                name: &name,
                kinds: &kinds,
                capacity: cap,
                members: &members,
                archived: archived.get_untracked(),
            };
            let result = api::service::save_team(&draft).await;
            pending.set(false);
            match result {
                Ok(()) => on_done.run(true),
                Err(e) => notice.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    view! {
        <form class="team-form" data-testid="team-form" on:submit=save>
            <div class="team-form__row">
                <label class="field">
                    <span class="field__label">{move || i18n.t(Key::TeamName)}</span>
                    <input class="field__input" data-testid="team-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <label class="field team-form__capacity">
                    <span class="field__label">{move || i18n.t(Key::Capacity)}</span>
                    <input class="field__input" type="number" min="1" max="1000" data-testid="team-capacity" prop:value=move || capacity.get() on:input=move |ev| capacity.set(event_target_value(&ev)) />
                </label>
            </div>
            <fieldset class="field">
                <legend class="field__label">{move || i18n.t(Key::TeamTakes)}</legend>
                <div class="checks">
                    {TicketKind::ALL.iter().copied().map(|k| view! {
                        <label class="checkbox">
                            <input type="checkbox" prop:checked=move || kinds.with(|ks| ks.contains(&k))
                                on:change=move |ev| { let on = event_target_checked(&ev); kinds.update(|ks| { ks.retain(|x| *x != k); if on { ks.push(k); } }); } />
                            <span>{move || i18n.t(labels::ticket_kind(k))}</span>
                        </label>
                    }).collect_view()}
                </div>
                <span class="muted field__hint">{move || i18n.t(Key::TeamTakesHint)}</span>
            </fieldset>
            <fieldset class="field">
                <legend class="field__label">{move || i18n.t(Key::TeamMembers)}</legend>
                <div class="checks">
                    {staff.into_iter().map(|u| {
                        let (uid, uid2) = (u.id.clone(), u.id.clone());
                        view! {
                            <label class="checkbox">
                                <input type="checkbox" data-testid="team-member" prop:checked=move || members.with(|m| m.contains(&uid))
                                    on:change=move |ev| { let on = event_target_checked(&ev); let id = uid2.clone(); members.update(|m| { m.retain(|x| *x != id); if on { m.push(id); } }); } />
                                <span>{u.name.clone()}</span>
                            </label>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
            <Show when=move || existing>
                <label class="checkbox">
                    <input type="checkbox" data-testid="team-archived" prop:checked=move || archived.get()
                        on:change=move |ev| archived.set(event_target_checked(&ev)) />
                    <span>{move || i18n.t(Key::TeamArchived)}</span>
                </label>
            </Show>
            {move || notice.get().map(|m| view! { <p class="notice notice--warn" role="alert">{m}</p> })}
            <div class="button-row">
                <button type="submit" class="button button--primary" data-testid="save-team" disabled=move || pending.get()>{move || i18n.t(Key::Save)}</button>
                <button type="button" class="button" on:click=move |_| on_done.run(false)>{move || i18n.t(Key::Cancel)}</button>
            </div>
        </form>
    }
}

#[component]
fn RootCauses(categories: Vec<TicketCategoryInfo>, on_saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let parent = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<String>);
    let causes: Vec<TicketCategoryInfo> =
        categories.iter().filter(|c| c.parent_id.is_none() && !c.archived).cloned().collect();
    // Archived ones (and subcauses of an archived cause) stay restorable, out of the choices.
    let archived: Vec<TicketCategoryInfo> = categories.iter().filter(|c| c.archived).cloned().collect();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parent_id = Some(parent.get_untracked()).filter(|p| !p.is_empty());
        leptos::task::spawn_local(async move {
            match api::service::save_category(None, &name.get_untracked(), parent_id.as_deref(), false).await
            {
                Ok(()) => {
                    name.set(String::new());
                    on_saved.run(());
                }
                Err(e) => notice.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    let options = causes.clone();
    view! {
        <section class="card settings-card" data-testid="root-causes">
            <h3 class="card__title">{move || i18n.t(Key::RootCauses)}</h3>
            <p class="muted">{move || i18n.t(Key::RootCausesHelp)}</p>
            {if causes.is_empty() {
                view! { <StandardCauses on_saved notice /> }.into_any()
            } else {
                view! {
                    <ul class="cause-list">
                        {causes.into_iter().map(|c| {
                            let subs: Vec<TicketCategoryInfo> = categories.iter()
                                .filter(|s| s.parent_id.as_deref() == Some(c.id.as_str()) && !s.archived)
                                .cloned().collect();
                            view! {
                                <li class="cause-list__item" data-testid="root-cause-item">
                                    <Cause cause=c strong=true on_saved notice />
                                    {subs.into_iter().map(|s| view! { <Cause cause=s strong=false on_saved notice /> }).collect_view()}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!archived.is_empty()).then(|| view! {
                <p class="cause-list__archived muted" data-testid="archived-root-causes">
                    {move || i18n.t(Key::Archived)}": "
                    {archived.into_iter().map(|c| view! { <Cause cause=c strong=false on_saved notice /> }).collect_view()}
                </p>
            })}
            <form class="cause-form" on:submit=add>
                <input class="field__input" data-testid="root-cause-name" placeholder=move || i18n.t(Key::RootCauseName)
                    aria-label=move || i18n.t(Key::RootCauseName)
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <select class="toolbar__select" aria-label=move || i18n.t(Key::RootCauseParent) on:change=move |ev| parent.set(event_target_value(&ev))>
                    <option value="">{move || i18n.t(Key::TopLevelCause)}</option>
                    {options.into_iter().map(|c| view! { <option value=c.id.clone()>{c.name.clone()}</option> }).collect_view()}
                </select>
                <button type="submit" class="button" data-testid="add-root-cause" disabled=move || name.with(|n| n.trim().is_empty())>{move || i18n.t(Key::Add)}</button>
            </form>
            {move || notice.get().map(|m| view! { <p class="notice notice--warn" role="alert">{m}</p> })}
        </section>
    }
}

/// What an empty taxonomy shows: the offer of the standard list, named in the UI's language.
#[component]
fn StandardCauses(on_saved: Callback<()>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let pending = RwSignal::new(false);
    let add = move |_| {
        pending.set(true);
        let language = i18n.locale().api_language();
        leptos::task::spawn_local(async move {
            match api::service::add_standard_categories(language).await {
                Ok(()) => on_saved.run(()),
                Err(e) => notice.set(Some(labels::form_error(i18n, &e))),
            }
            pending.set(false);
        });
    };
    view! {
        <div class="standard-causes">
            <p class="muted">{move || i18n.t(Key::NoRootCauses)}" "{move || i18n.t(Key::StandardRootCausesHint)}</p>
            <button type="button" class="button" data-testid="standard-root-causes" disabled=move || pending.get() on:click=add>
                {move || i18n.t(Key::UseStandardRootCauses)}
            </button>
        </div>
    }
}

/// A root cause with the switch that archives it (no longer offered when solving; tickets keep
/// it) or restores it.
#[component]
fn Cause(
    cause: TicketCategoryInfo,
    strong: bool,
    on_saved: Callback<()>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let archived = cause.archived;
    let label = cause.name.clone();
    let cause = StoredValue::new(cause);
    let toggle = move |_| {
        let c = cause.get_value();
        leptos::task::spawn_local(async move {
            match api::service::save_category(Some(&c.id), &c.name, c.parent_id.as_deref(), !archived).await {
                Ok(()) => on_saved.run(()),
                Err(e) => notice.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    view! {
        <span class="cause" data-testid="root-cause" data-archived=archived.to_string()>
            {if strong { view! { <strong>{label}</strong> }.into_any() } else { view! { <span>{label}</span> }.into_any() }}
            <button type="button" class="link-button" data-testid="toggle-root-cause" on:click=toggle>
                {move || i18n.t(if archived { Key::Restore } else { Key::Archive })}
            </button>
        </span>
    }
}
