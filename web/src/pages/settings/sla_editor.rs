//! The service-level policy editor: ordered rules (which star levels and ticket kinds each covers,
//! and, when narrowed, which channels and priorities; its first-response, next-response and
//! resolution targets in business hours) and the
//! business hours (time zone, opening hours per weekday with breaks, holidays, or round the clock).
//! Saving makes a new version; open tickets keep theirs.

use leptos::prelude::*;
use starcrm_shared::customer::Channel;
use starcrm_shared::service_desk::{
    BusinessHoursView, SlaPolicyView, SlaRuleView, TicketKind, TicketPriority, format_day, format_hours,
    parse_day, parse_hours,
};

use crate::api::{self, ApiError};
use crate::components::error_view::ErrorView;
use crate::i18n::{I18n, Key, labels, use_i18n};
use crate::pages::customers::star_text;

/// One rule being edited. An empty list matches every value.
#[derive(Clone, Copy)]
struct RuleRow {
    key: u32,
    name: RwSignal<String>,
    stars: RwSignal<Vec<i32>>,
    kinds: RwSignal<Vec<TicketKind>>,
    channels: RwSignal<Vec<Channel>>,
    priorities: RwSignal<Vec<TicketPriority>>,
    first: RwSignal<String>,
    next: RwSignal<String>,
    resolution: RwSignal<String>,
}

impl RuleRow {
    fn new(key: u32, r: SlaRuleView) -> Self {
        Self {
            key,
            name: RwSignal::new(r.name),
            stars: RwSignal::new(r.stars),
            kinds: RwSignal::new(r.kinds),
            channels: RwSignal::new(r.channels),
            priorities: RwSignal::new(r.priorities),
            first: RwSignal::new(format_hours(r.first_response_minutes)),
            next: RwSignal::new(format_hours(r.next_response_minutes)),
            resolution: RwSignal::new(format_hours(r.resolution_minutes)),
        }
    }

    /// The rule as saved, or the message saying what is wrong with it (`n`: its place, from 1).
    fn read(&self, i18n: I18n, n: usize) -> Result<SlaRuleView, String> {
        let bad = || i18n.t(Key::SlaTargetInvalid).replace("{n}", &n.to_string());
        Ok(SlaRuleView {
            name: self.name.get_untracked(),
            stars: self.stars.get_untracked(),
            kinds: self.kinds.get_untracked(),
            channels: self.channels.get_untracked(),
            priorities: self.priorities.get_untracked(),
            first_response_minutes: parse_hours(&self.first.get_untracked()).map_err(|_| bad())?,
            next_response_minutes: parse_hours(&self.next.get_untracked()).map_err(|_| bad())?,
            resolution_minutes: parse_hours(&self.resolution.get_untracked()).map_err(|_| bad())?,
        })
    }
}

const fn weekday(d: usize) -> Key {
    match d {
        0 => Key::Monday,
        1 => Key::Tuesday,
        2 => Key::Wednesday,
        3 => Key::Thursday,
        4 => Key::Friday,
        5 => Key::Saturday,
        _ => Key::Sunday,
    }
}

#[component]
pub fn SlaPolicyEditor() -> impl IntoView {
    let policy = RwSignal::new(None::<SlaPolicyView>);
    let error = RwSignal::new(None::<ApiError>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match api::service::sla_policy().await {
                Ok(p) => {
                    error.set(None);
                    policy.set(Some(p));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load();
    view! {
        {move || match (error.get(), policy.get()) {
            (Some(e), _) => view! { <ErrorView error=e on_retry=Callback::new(move |()| load()) /> }.into_any(),
            (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
            (None, Some(p)) => view! { <PolicyForm policy=p /> }.into_any(),
        }}
    }
}

#[component]
fn PolicyForm(policy: SlaPolicyView) -> impl IntoView {
    let i18n = use_i18n();
    let version = RwSignal::new(policy.version);
    let next_key = StoredValue::new(u32::try_from(policy.rules.len()).unwrap_or(0));
    // The built-in rules' names are shown (and saved) in the reader's language.
    let builtin = policy.version == 0;
    let rows = RwSignal::new(
        policy
            .rules
            .into_iter()
            .map(|mut r| {
                if let Some(key) = labels::builtin_sla_rule(&r.name).filter(|_| builtin) {
                    i18n.t(key).clone_into(&mut r.name);
                }
                r
            })
            .zip(0..)
            .map(|(r, k)| RuleRow::new(k, r))
            .collect::<Vec<_>>(),
    );
    let hours = policy.hours;
    let timezone = RwSignal::new(hours.timezone);
    let always_open = RwSignal::new(hours.always_open);
    let days: Vec<RwSignal<String>> = (0..7)
        .map(|d| RwSignal::new(hours.week.get(d).map(|day| format_day(day)).unwrap_or_default()))
        .collect();
    let holidays = RwSignal::new(hours.holidays.join(", "));
    let notice = RwSignal::new(None::<(bool, String)>);
    let pending = RwSignal::new(false);
    let day_fields = days.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let rules: Result<Vec<SlaRuleView>, String> =
            rows.get_untracked().iter().enumerate().map(|(i, r)| r.read(i18n, i + 1)).collect();
        let week: Option<Vec<_>> = day_fields.iter().map(|d| parse_day(&d.get_untracked())).collect();
        let (rules, Some(week)) = (rules, week) else {
            notice.set(Some((false, i18n.t(Key::OpeningHoursInvalid).to_owned())));
            return;
        };
        let rules = match rules {
            Ok(rules) => rules,
            Err(message) => {
                notice.set(Some((false, message)));
                return;
            }
        };
        let hours = BusinessHoursView {
            timezone: timezone.get_untracked(),
            always_open: always_open.get_untracked(),
            week,
            holidays: holidays
                .get_untracked()
                .split([',', '，', ' ', '\n'])
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let saved = api::service::save_sla_policy(&rules, &hours).await;
            pending.set(false);
            match saved {
                Ok(v) => {
                    version.set(v);
                    notice.set(Some((true, i18n.t(Key::SlaSaved).replace("{v}", &v.to_string()))));
                }
                Err(e) => notice.set(Some((false, labels::form_error(i18n, &e)))),
            }
        });
    };
    let add = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        let blank = SlaRuleView {
            name: String::new(),
            stars: vec![],
            kinds: vec![],
            channels: vec![],
            priorities: vec![],
            first_response_minutes: None,
            next_response_minutes: None,
            resolution_minutes: None,
        };
        rows.update(|r| r.push(RuleRow::new(key, blank)));
    };
    view! {
        <form class="card settings-card sla-editor" data-testid="sla-policy" on:submit=save>
            <h3 class="card__title">
                {move || i18n.t(Key::SlaPolicyTitle)}
                <span class="muted sla-editor__version" data-testid="sla-version">
                    {move || if version.get() == 0 { i18n.t(Key::SlaBuiltIn).to_owned() } else { i18n.t(Key::SlaVersion).replace("{v}", &version.get().to_string()) }}
                </span>
            </h3>
            <p class="muted">{move || i18n.t(Key::SlaPolicyHelp)}</p>
            <div class="table-wrap">
                <table class="table sla-rules">
                    <thead>
                        <tr>
                            <th>{move || i18n.t(Key::SlaRuleLabel)}</th>
                            <th>{move || i18n.t(Key::Stars)}</th>
                            <th>{move || i18n.t(Key::TeamTakes)}</th>
                            <th class="num">{move || i18n.t(Key::FirstResponseTarget)}</th>
                            <th class="num">{move || i18n.t(Key::NextResponseTarget)}</th>
                            <th class="num">{move || i18n.t(Key::ResolutionTarget)}</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || rows.get() key=|r| r.key children=move |r: RuleRow| view! { <RuleEditor row=r rows /> } />
                    </tbody>
                </table>
            </div>
            <p class="muted sla-editor__hint">{move || i18n.t(Key::SlaRulesHint)}</p>
            <button type="button" class="button button--small" data-testid="add-sla-rule" on:click=add>{move || i18n.t(Key::AddSlaRule)}</button>

            <h4 class="sla-editor__subtitle">{move || i18n.t(Key::BusinessHours)}</h4>
            <div class="sla-hours">
                <label class="field">
                    <span class="field__label">{move || i18n.t(Key::Timezone)}</span>
                    <input class="field__input" data-testid="sla-timezone" prop:value=move || timezone.get() on:input=move |ev| timezone.set(event_target_value(&ev)) />
                </label>
                <label class="checkbox">
                    <input type="checkbox" data-testid="sla-always-open" prop:checked=move || always_open.get() on:change=move |ev| always_open.set(event_target_checked(&ev)) />
                    <span>{move || i18n.t(Key::AlwaysOpen)}</span>
                </label>
                <Show when=move || !always_open.get()>
                    <div class="sla-week">
                        {days.iter().copied().enumerate().map(|(d, value)| view! {
                            <label class="sla-week__day">
                                <span>{move || i18n.t(weekday(d))}</span>
                                <input class="field__input" data-testid=format!("sla-day-{d}") placeholder=move || i18n.t(Key::Closed)
                                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
                            </label>
                        }).collect_view()}
                    </div>
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Key::Holidays)}</span>
                        <input class="field__input" data-testid="sla-holidays" placeholder="2026-10-01, 2026-10-02"
                            prop:value=move || holidays.get() on:input=move |ev| holidays.set(event_target_value(&ev)) />
                    </label>
                </Show>
            </div>
            {move || notice.get().map(|(ok, m)| view! {
                <p class=if ok { "notice" } else { "notice notice--warn" } role="status" data-testid="sla-notice">{m}</p>
            })}
            <div class="button-row">
                <button type="submit" class="button button--primary" data-testid="save-sla-policy" disabled=move || pending.get()>
                    {move || i18n.t(Key::SaveAsNewVersion)}
                </button>
            </div>
        </form>
    }
}

#[component]
fn RuleEditor(row: RuleRow, rows: RwSignal<Vec<RuleRow>>) -> impl IntoView {
    let i18n = use_i18n();
    let key = row.key;
    let hours_input = move |value: RwSignal<String>, test_id: &'static str| {
        view! {
            <td class="num">
                <input class="field__input sla-rules__hours" inputmode="decimal" data-testid=test_id
                    placeholder=move || i18n.t(Key::NoPromise) aria-label=move || i18n.t(Key::HoursUnit)
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </td>
        }
    };
    let move_up = move |_| {
        rows.update(|r| {
            if let Some(i) = r.iter().position(|x| x.key == key).filter(|i| *i > 0) {
                r.swap(i, i - 1);
            }
        });
    };
    view! {
        <tr data-testid="sla-rule-row">
            <td><input class="field__input" data-testid="sla-rule-name" prop:value=move || row.name.get() on:input=move |ev| row.name.set(event_target_value(&ev)) /></td>
            <td class="sla-rules__checks">
                {(1..=5).rev().map(|s| view! {
                    <label class="checkbox" title=star_text(Some(s))>
                        <input type="checkbox" prop:checked=move || row.stars.with(|v| v.contains(&i32::from(s)))
                            on:change=move |ev| { let on = event_target_checked(&ev); row.stars.update(|v| { v.retain(|x| *x != i32::from(s)); if on { v.push(i32::from(s)); v.sort_unstable(); } }); } />
                        <span>{s}"★"</span>
                    </label>
                }).collect_view()}
            </td>
            <td class="sla-rules__checks">
                {checks(row.kinds, TicketKind::ALL, labels::ticket_kind)}
                // Narrower rules (e.g. urgent phone complaints) open this; most never need it.
                <details class="sla-rules__more" data-testid="sla-more"
                    open=row.channels.with_untracked(|c| !c.is_empty()) || row.priorities.with_untracked(|p| !p.is_empty())>
                    <summary>{move || i18n.t(Key::SlaChannelsPriorities)}</summary>
                    <div data-testid="sla-channels">
                        <span class="sla-rules__group">{move || i18n.t(Key::Channel)}</span>
                        {checks(row.channels, Channel::ALL, labels::channel)}
                    </div>
                    <div data-testid="sla-priorities">
                        <span class="sla-rules__group">{move || i18n.t(Key::Priority)}</span>
                        {checks(row.priorities, TicketPriority::ALL, labels::priority)}
                    </div>
                </details>
            </td>
            {hours_input(row.first, "sla-first")}
            {hours_input(row.next, "sla-next")}
            {hours_input(row.resolution, "sla-resolution")}
            <td class="nowrap">
                <button type="button" class="button button--small" title=move || i18n.t(Key::MoveUp) aria-label=move || i18n.t(Key::MoveUp) on:click=move_up>"↑"</button>
                <button type="button" class="button button--small" title=move || i18n.t(Key::Remove) aria-label=move || i18n.t(Key::Remove)
                    on:click=move |_| rows.update(|r| r.retain(|x| x.key != key))>"×"</button>
            </td>
        </tr>
    }
}

/// A checkbox per value of `options`, bound to the values of `chosen` (none: every value).
fn checks<T>(chosen: RwSignal<Vec<T>>, options: &'static [T], label: fn(T) -> Key) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let i18n = use_i18n();
    options
        .iter()
        .copied()
        .map(|value| {
            view! {
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || chosen.with(|v| v.contains(&value))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|v| { v.retain(|x| *x != value); if on { v.push(value); } });
                        } />
                    <span>{move || i18n.t(label(value))}</span>
                </label>
            }
        })
        .collect_view()
}
