//! Settings > Surveys, for managers: the survey definitions (when they ask, on which channel, in
//! which words), how messages go out (the link address, SMTP, the business's own sender), the
//! contact budget every unasked message respects, and the latest invitations with why any was
//! skipped or failed.

use leptos::prelude::*;
use starcrm_shared::contact_budget::{ContactBudget, Limit, QuietHours, SkipReason, StarLimits};
use starcrm_shared::surveys::{InvitationStatus, MessageChannel, SurveyKind, SurveyTrigger, Template};

use super::SettingsLayout;
use crate::api;
use crate::api::surveys::{DefinitionView, InvitationView, MessagingView, SmtpInput};
use crate::components::copy_box::CopyBox;
use crate::components::dialog::Dialog;
use crate::components::error_view::ErrorView;
use crate::components::field::FormError;
use crate::i18n::{I18n, Key, labels, use_i18n, use_page_title};
use crate::pages::customers::star_text;
use crate::state::loaded::load;

pub(crate) const fn trigger_label(t: SurveyTrigger) -> Key {
    match t {
        SurveyTrigger::TicketSolved => Key::SurveyTriggerTicketSolved,
        SurveyTrigger::AfterPurchase => Key::SurveyTriggerAfterPurchase,
        SurveyTrigger::Manual => Key::SurveyTriggerManual,
        SurveyTrigger::Periodic => Key::SurveyTriggerPeriodic,
    }
}

pub(crate) const fn channel_label(c: MessageChannel) -> Key {
    match c {
        MessageChannel::Email => Key::MessageEmail,
        MessageChannel::Sms => Key::MessageSms,
        MessageChannel::Wechat => Key::MessageWechat,
        MessageChannel::Push => Key::MessagePush,
    }
}

const fn status_label(s: InvitationStatus) -> (Key, &'static str) {
    match s {
        InvitationStatus::Queued => (Key::InvitationQueued, "pill pill--muted"),
        InvitationStatus::Sent => (Key::InvitationSent, "pill pill--scope"),
        InvitationStatus::Skipped => (Key::InvitationSkipped, "pill pill--warn"),
        InvitationStatus::Failed => (Key::InvitationFailed, "pill pill--urgent"),
        InvitationStatus::Answered => (Key::InvitationAnswered, "pill pill--ok"),
    }
}

pub(crate) const fn skip_label(r: SkipReason) -> Key {
    match r {
        SkipReason::SurveyBudget => Key::SkipSurveyBudget,
        SkipReason::MessageBudget => Key::SkipMessageBudget,
        SkipReason::NoConsent => Key::SkipNoConsent,
        SkipReason::NoAddress => Key::SkipNoAddress,
    }
}

#[component]
pub fn SurveysSettingsPage() -> impl IntoView {
    use_page_title(Key::SettingsSurveys);
    let settings = load(api::surveys::settings);
    let reload = settings.reload;
    reload.run(());
    view! {
        <SettingsLayout title=Key::SettingsSurveys subtitle=Key::SettingsSurveysSubtitle>
            {move || match (settings.error.get(), settings.value.get()) {
                (Some(e), _) => view! { <ErrorView error=e on_retry=reload /> }.into_any(),
                (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
                (None, Some(s)) => view! {
                    <Definitions definitions=s.definitions.clone() on_saved=reload />
                    <MessagingForm messaging=s.messaging.clone() on_saved=reload />
                    <Invitations invitations=s.invitations.clone() definitions=s.definitions />
                }
                .into_any(),
            }}
        </SettingsLayout>
    }
}

#[component]
fn Definitions(definitions: Vec<DefinitionView>, on_saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let editing = RwSignal::new(None::<DefinitionView>);
    view! {
        <section class="card settings-card" data-testid="survey-definitions">
            <div class="analysis-card__head">
                <h3 class="card__title">{move || i18n.t(Key::SurveyDefinitions)}</h3>
                <button type="button" class="button button--small button--primary" data-testid="new-survey"
                    on:click=move |_| editing.set(Some(new_definition()))>
                    {move || i18n.t(Key::NewSurvey)}
                </button>
            </div>
            {if definitions.is_empty() {
                view! { <p class="muted" data-testid="no-surveys">{move || i18n.t(Key::NoSurveys)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <thead>
                                <tr>
                                    <th>{move || i18n.t(Key::SurveyName)}</th>
                                    <th>{move || i18n.t(Key::SurveyTriggerLabel)}</th>
                                    <th class="hide-narrow">{move || i18n.t(Key::SurveyChannelLabel)}</th>
                                    <th class="hide-narrow">{move || i18n.t(Key::SurveyLinkDays)}</th>
                                    <th></th>
                                </tr>
                            </thead>
                            <tbody>
                                {definitions.into_iter().map(|d| {
                                    let edit = d.clone();
                                    let (trigger, delay) = (d.trigger, d.delay_days);
                                    let cadence = d.period_days.map(|p| {
                                        let levels = if d.star_levels.is_empty() {
                                            String::new()
                                        } else {
                                            format!(" · {}", d.star_levels.iter().map(|s| format!("{s}★")).collect::<Vec<_>>().join(" "))
                                        };
                                        (p, levels)
                                    });
                                    view! {
                                        <tr data-testid="survey-definition">
                                            <td>
                                                <strong>{d.name.clone()}</strong>
                                                <span class="muted">{match d.kind { SurveyKind::Nps => " · NPS", SurveyKind::Csat => " · CSAT" }}</span>
                                                {(!d.active).then(|| view! { <span class="pill pill--muted team-list__archived">{move || i18n.t(Key::SurveyInactive)}</span> })}
                                            </td>
                                            <td>
                                                {move || i18n.t(trigger_label(trigger))}
                                                {(delay > 0).then(|| view! { <span class="muted">{move || format!(" · {}", i18n.t(Key::SurveyDelayAfter).replace("{d}", &delay.to_string()))}</span> })}
                                                {cadence.map(|(p, levels)| view! { <span class="muted">{move || format!(" · {}{levels}", i18n.t(Key::SurveyEvery).replace("{d}", &p.to_string()))}</span> })}
                                            </td>
                                            <td class="hide-narrow">{move || i18n.t(channel_label(d.channel))}</td>
                                            <td class="hide-narrow">{d.link_days}</td>
                                            <td class="num">
                                                <button type="button" class="button button--small" data-testid="edit-survey"
                                                    on:click=move |_| editing.set(Some(edit.clone()))>
                                                    {move || i18n.t(Key::Edit)}
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
            {move || editing.get().map(|d| view! {
                <DefinitionDialog definition=d on_done=Callback::new(move |saved: bool| {
                    editing.set(None);
                    if saved { on_saved.run(()); }
                }) />
            })}
        </section>
    }
}

fn new_definition() -> DefinitionView {
    let template = |language: &str, subject: &str, body: &str| Template {
        language: language.to_owned(),
        subject: subject.to_owned(),
        body: body.to_owned(),
    };
    DefinitionView {
        id: None,
        name: String::new(),
        kind: SurveyKind::Csat,
        trigger: SurveyTrigger::TicketSolved,
        delay_days: 0,
        channel: MessageChannel::Wechat,
        link_days: 14,
        active: true,
        period_days: None,
        star_levels: Vec::new(),
        templates: vec![
            template(
                "zh-CN",
                "请为我们的服务打分",
                "{name}您好，感谢您的耐心。请花 10 秒为刚才的服务打分：{link}",
            ),
            template("en", "How did we do?", "Hello {name}, how did we do? One tap tells us: {link}"),
        ],
        updated_at: String::new(),
    }
}

/// A number as typed, or `None`.
fn number(text: &str) -> Option<u32> {
    text.trim().parse().ok()
}

#[component]
#[allow(clippy::too_many_lines, reason = "one form")]
fn DefinitionDialog(definition: DefinitionView, on_done: Callback<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let id = definition.id.clone();
    let existing = id.is_some();
    let name = RwSignal::new(definition.name.clone());
    let kind = RwSignal::new(definition.kind);
    let trigger = RwSignal::new(definition.trigger);
    let delay = RwSignal::new(definition.delay_days.to_string());
    let channel = RwSignal::new(definition.channel);
    let link_days = RwSignal::new(definition.link_days.to_string());
    let active = RwSignal::new(definition.active);
    let period = RwSignal::new(definition.period_days.unwrap_or(90).to_string());
    let levels = RwSignal::new(definition.star_levels.clone());
    let template = |language: &str| {
        let t = starcrm_shared::surveys::template_for(&definition.templates, language)
            .filter(|t| t.language == language);
        (
            RwSignal::new(t.map(|t| t.subject.clone()).unwrap_or_default()),
            RwSignal::new(t.map(|t| t.body.clone()).unwrap_or_default()),
        )
    };
    let (zh_subject, zh_body) = template("zh-CN");
    let (en_subject, en_body) = template("en");
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(delay_days), Some(link)) =
            (number(&delay.get_untracked()), number(&link_days.get_untracked()))
        else {
            error.set(Some(i18n.t(Key::SurveyNumbersInvalid).to_owned()));
            return;
        };
        let periodic = trigger.get_untracked() == SurveyTrigger::Periodic;
        let period_days = if periodic {
            let Some(days) = number(&period.get_untracked()) else {
                error.set(Some(i18n.t(Key::SurveyNumbersInvalid).to_owned()));
                return;
            };
            Some(days)
        } else {
            None
        };
        let email = channel.get_untracked() == MessageChannel::Email;
        let templates = [("zh-CN", zh_subject, zh_body), ("en", en_subject, en_body)]
            .into_iter()
            .filter(|(_, _, body)| !body.get_untracked().trim().is_empty())
            .map(|(language, subject, body)| Template {
                language: language.to_owned(),
                subject: if email { subject.get_untracked().trim().to_owned() } else { String::new() },
                body: body.get_untracked().trim().to_owned(),
            })
            .collect();
        let draft = DefinitionView {
            id: id.clone(),
            name: name.get_untracked().trim().to_owned(),
            kind: kind.get_untracked(),
            trigger: trigger.get_untracked(),
            delay_days,
            channel: channel.get_untracked(),
            link_days: link,
            active: active.get_untracked(),
            templates,
            period_days,
            star_levels: if periodic { levels.get_untracked() } else { Vec::new() },
            updated_at: String::new(),
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::surveys::save_definition(&draft).await;
            pending.set(false);
            match result {
                Ok(()) => on_done.run(true),
                Err(e) => error.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    let select = move |label: Key,
                       test_id: &'static str,
                       options: Vec<(String, Key)>,
                       current: Signal<String>,
                       on: Callback<String>| {
        view! {
            <label class="field">
                <span class="field__label">{move || i18n.t(label)}</span>
                <select class="field__input" data-testid=test_id on:change=move |ev| on.run(event_target_value(&ev))>
                    {options.into_iter().map(|(value, key)| {
                        let v = value.clone();
                        view! { <option value=value selected=move || current.get() == v>{move || i18n.t(key)}</option> }
                    }).collect_view()}
                </select>
            </label>
        }
    };
    let template_fields = move |title: &'static str,
                                subject: RwSignal<String>,
                                body: RwSignal<String>,
                                lang: &'static str| {
        view! {
            <fieldset class="field survey-template" data-testid=format!("template-{lang}")>
                <legend class="field__label">{title}</legend>
                <Show when=move || channel.get() == MessageChannel::Email>
                    <input class="field__input" data-testid=format!("template-{lang}-subject") placeholder=move || i18n.t(Key::TemplateSubject)
                        prop:value=move || subject.get() on:input=move |ev| subject.set(event_target_value(&ev)) />
                </Show>
                <textarea class="field__input" rows="3" data-testid=format!("template-{lang}-body") placeholder=move || i18n.t(Key::TemplateBody)
                    prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            </fieldset>
        }
    };
    view! {
        <Dialog title=if existing { Key::EditSurvey } else { Key::NewSurvey } on_close=Callback::new(move |()| on_done.run(false))
            test_id="survey-dialog" wide=true>
            <form class="form survey-form" on:submit=save novalidate=true>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Key::SurveyName)}</span>
                    <input class="field__input" data-testid="survey-name" required prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <div class="survey-form__row">
                    {select(Key::SurveyKindLabel, "survey-kind",
                        vec![("NPS".to_owned(), Key::SurveyKindNps), ("CSAT".to_owned(), Key::SurveyKindCsat)],
                        Signal::derive(move || match kind.get() { SurveyKind::Nps => "NPS".to_owned(), SurveyKind::Csat => "CSAT".to_owned() }),
                        Callback::new(move |v: String| kind.set(if v == "NPS" { SurveyKind::Nps } else { SurveyKind::Csat })))}
                    {select(Key::SurveyTriggerLabel, "survey-trigger",
                        SurveyTrigger::ALL.iter().map(|t| (t.as_str().to_owned(), trigger_label(*t))).collect(),
                        Signal::derive(move || trigger.get().as_str().to_owned()),
                        Callback::new(move |v: String| if let Some(t) = SurveyTrigger::parse(&v) { trigger.set(t) }))}
                    {select(Key::SurveyChannelLabel, "survey-channel",
                        MessageChannel::ALL.iter().map(|c| (c.as_str().to_owned(), channel_label(*c))).collect(),
                        Signal::derive(move || channel.get().as_str().to_owned()),
                        Callback::new(move |v: String| if let Some(c) = MessageChannel::parse(&v) { channel.set(c) }))}
                </div>
                <div class="survey-form__row">
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Key::SurveyDelayDays)}</span>
                        <input class="field__input" type="number" min="0" max="365" data-testid="survey-delay"
                            prop:value=move || delay.get() on:input=move |ev| delay.set(event_target_value(&ev)) />
                    </label>
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Key::SurveyLinkDays)}</span>
                        <input class="field__input" type="number" min="1" max="90" data-testid="survey-link-days"
                            prop:value=move || link_days.get() on:input=move |ev| link_days.set(event_target_value(&ev)) />
                    </label>
                    <label class="checkbox survey-form__active">
                        <input type="checkbox" data-testid="survey-active" prop:checked=move || active.get()
                            on:change=move |ev| active.set(event_target_checked(&ev)) />
                        <span>{move || i18n.t(Key::SurveyActive)}</span>
                    </label>
                </div>
                <Show when=move || trigger.get() == SurveyTrigger::Periodic>
                    <div class="survey-form__periodic" data-testid="survey-periodic">
                        <label class="field">
                            <span class="field__label">{move || i18n.t(Key::SurveyPeriodDays)}</span>
                            <input class="field__input" type="number" min="30" max="730" data-testid="survey-period"
                                prop:value=move || period.get() on:input=move |ev| period.set(event_target_value(&ev)) />
                        </label>
                        <fieldset class="field">
                            <legend class="field__label">{move || i18n.t(Key::SurveyStarLevels)}</legend>
                            <div class="checks">
                                {(1..=5_u8).rev().map(|s| view! {
                                    <label class="checkbox">
                                        <input type="checkbox" data-testid=format!("survey-level-{s}")
                                            prop:checked=move || levels.with(|v| v.contains(&s))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                levels.update(|v| { v.retain(|x| *x != s); if on { v.push(s); v.sort_unstable(); } });
                                            } />
                                        <span class="stars">{star_text(Some(i16::from(s)))}</span>
                                    </label>
                                }).collect_view()}
                            </div>
                            <span class="field__hint">{move || i18n.t(Key::SurveyStarLevelsHint)}</span>
                        </fieldset>
                    </div>
                </Show>
                <p class="muted survey-form__hint">{move || i18n.t(Key::SurveyTemplateHint)}</p>
                {template_fields("中文", zh_subject, zh_body, "zh")}
                {template_fields("English", en_subject, en_body, "en")}
                <FormError message=error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_done.run(false)>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" data-testid="save-survey" disabled=move || pending.get()>
                        {move || i18n.t(Key::Save)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// "21:00" for 1260.
fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// 1260 for "21:00".
fn minutes(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A limit's two inputs ("at most [1] per [30] days").
#[derive(Clone, Copy)]
struct LimitInput {
    max: RwSignal<String>,
    days: RwSignal<String>,
}

impl LimitInput {
    fn of(limit: Option<Limit>) -> Self {
        Self {
            max: RwSignal::new(limit.map(|l| l.max.to_string()).unwrap_or_default()),
            days: RwSignal::new(limit.map(|l| l.days.to_string()).unwrap_or_default()),
        }
    }

    /// `Ok(None)` when both are empty.
    fn read(self) -> Result<Option<Limit>, ()> {
        let (max, days) = (self.max.get_untracked(), self.days.get_untracked());
        if max.trim().is_empty() && days.trim().is_empty() {
            return Ok(None);
        }
        match (number(&max), number(&days)) {
            (Some(max), Some(days)) => Ok(Some(Limit { max, days })),
            _ => Err(()),
        }
    }

    fn view(self, i18n: I18n, test_id: String) -> impl IntoView {
        let (max, days) = (self.max, self.days);
        view! {
            <span class="limit" data-testid=test_id>
                <span class="muted">{move || i18n.t(Key::BudgetAtMost)}</span>
                <input class="field__input limit__input" type="number" min="0" max="100" inputmode="numeric"
                    aria-label=move || i18n.t(Key::BudgetTimes)
                    prop:value=move || max.get() on:input=move |ev| max.set(event_target_value(&ev)) />
                <span class="muted">{move || i18n.t(Key::BudgetTimesPer)}</span>
                <input class="field__input limit__input" type="number" min="1" max="366" inputmode="numeric"
                    aria-label=move || i18n.t(Key::Days)
                    prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev)) />
                <span class="muted">{move || i18n.t(Key::Days)}</span>
            </span>
        }
    }
}

/// A star level rule being edited.
#[derive(Clone, Copy)]
struct StarRule {
    key: usize,
    stars: RwSignal<Vec<u8>>,
    surveys: LimitInput,
    messages: LimitInput,
}

#[component]
#[allow(clippy::too_many_lines, reason = "one form")]
fn MessagingForm(messaging: MessagingView, on_saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let link_base = RwSignal::new(messaging.link_base.clone().unwrap_or_default());
    let delivery_url = RwSignal::new(messaging.delivery_url.clone().unwrap_or_default());
    let smtp = messaging.smtp.clone();
    let use_smtp = RwSignal::new(smtp.is_some());
    let host = RwSignal::new(smtp.as_ref().map(|s| s.host.clone()).unwrap_or_default());
    let port = RwSignal::new(smtp.as_ref().map_or(587, |s| s.port).to_string());
    let tls = RwSignal::new(smtp.as_ref().map_or_else(|| "START_TLS".to_owned(), |s| s.tls.clone()));
    let username = RwSignal::new(smtp.as_ref().and_then(|s| s.username.clone()).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let has_password = smtp.as_ref().is_some_and(|s| s.has_password);
    let from = RwSignal::new(smtp.as_ref().map(|s| s.from.clone()).unwrap_or_default());
    let budget = messaging.contact_budget.clone();
    let timezone = budget.timezone.clone();
    let surveys = LimitInput::of(Some(budget.surveys));
    let messages = LimitInput::of(Some(budget.messages));
    let quiet = RwSignal::new(budget.quiet_hours.is_some());
    let quiet_from = RwSignal::new(clock(budget.quiet_hours.map_or(21 * 60, |q| q.from)));
    let quiet_to = RwSignal::new(clock(budget.quiet_hours.map_or(9 * 60, |q| q.to)));
    let next_key = StoredValue::new(budget.by_stars.len());
    let rules = RwSignal::new(
        budget
            .by_stars
            .iter()
            .enumerate()
            .map(|(key, r)| StarRule {
                key,
                stars: RwSignal::new(r.stars.clone()),
                surveys: LimitInput::of(r.surveys),
                messages: LimitInput::of(r.messages),
            })
            .collect::<Vec<_>>(),
    );
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let timezone = StoredValue::new(timezone);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        let invalid = move || error.set(Some(i18n.t(Key::BudgetInvalid).to_owned()));
        let (Ok(Some(surveys)), Ok(Some(messages))) = (surveys.read(), messages.read()) else {
            invalid();
            return;
        };
        let quiet_hours = if quiet.get_untracked() {
            let (Some(from), Some(to)) =
                (minutes(&quiet_from.get_untracked()), minutes(&quiet_to.get_untracked()))
            else {
                invalid();
                return;
            };
            Some(QuietHours { from, to })
        } else {
            None
        };
        let mut by_stars = Vec::new();
        for r in rules.get_untracked() {
            let (Ok(s), Ok(m)) = (r.surveys.read(), r.messages.read()) else {
                invalid();
                return;
            };
            by_stars.push(StarLimits { stars: r.stars.get_untracked(), surveys: s, messages: m });
        }
        let budget =
            ContactBudget { timezone: timezone.get_value(), surveys, messages, quiet_hours, by_stars };
        let smtp = if use_smtp.get_untracked() {
            let Some(port) = number(&port.get_untracked()).and_then(|p| u16::try_from(p).ok()) else {
                error.set(Some(i18n.t(Key::SmtpPortInvalid).to_owned()));
                return;
            };
            let text =
                |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|s| !s.is_empty());
            Some(SmtpInput {
                host: host.get_untracked().trim().to_owned(),
                port,
                tls: tls.get_untracked(),
                username: text(username),
                password: text(password),
                from: from.get_untracked().trim().to_owned(),
            })
        } else {
            None
        };
        let text = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|s| !s.is_empty());
        let (link, delivery) = (text(link_base), text(delivery_url));
        error.set(None);
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::surveys::save_messaging(link, delivery, smtp, &budget).await;
            pending.set(false);
            match result {
                Ok(()) => {
                    password.set(String::new());
                    notice.set(Some(i18n.t(Key::Saved).to_owned()));
                    on_saved.run(());
                }
                Err(e) => error.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    let text_field = move |label: Key,
                           value: RwSignal<String>,
                           test_id: &'static str,
                           kind: &'static str,
                           hint: Option<Key>| {
        view! {
            <label class="field">
                <span class="field__label">{move || i18n.t(label)}</span>
                <input class="field__input" type=kind data-testid=test_id prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev)) />
                {hint.map(|h| view! { <span class="field__hint">{move || i18n.t(h)}</span> })}
            </label>
        }
    };
    let secret = messaging.delivery_secret.clone();
    view! {
        <form class="card settings-card" data-testid="messaging-form" on:submit=save>
            <h3 class="card__title">{move || i18n.t(Key::MessagingTitle)}</h3>
            <p class="muted">{move || i18n.t(Key::MessagingHelp)}</p>
            <div class="settings-fields">
                {text_field(Key::LinkBase, link_base, "link-base", "url", Some(Key::LinkBaseHint))}
                {text_field(Key::DeliveryUrl, delivery_url, "delivery-url", "url", Some(Key::DeliveryUrlHint))}
                {secret.map(|s| view! {
                    <div class="field">
                        <span class="field__label">{move || i18n.t(Key::DeliverySecret)}</span>
                        <CopyBox value=s test_id="delivery-secret" />
                    </div>
                })}
            </div>
            <label class="checkbox settings-toggle">
                <input type="checkbox" data-testid="use-smtp" prop:checked=move || use_smtp.get()
                    on:change=move |ev| use_smtp.set(event_target_checked(&ev)) />
                <span>{move || i18n.t(Key::SmtpUse)}</span>
            </label>
            <Show when=move || use_smtp.get()>
                <div class="settings-fields settings-fields--smtp">
                    {text_field(Key::SmtpHost, host, "smtp-host", "text", None)}
                    {text_field(Key::SmtpPort, port, "smtp-port", "number", None)}
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Key::SmtpTls)}</span>
                        <select class="field__input" data-testid="smtp-tls" on:change=move |ev| tls.set(event_target_value(&ev))>
                            {[("START_TLS", Key::TlsStartTls), ("TLS", Key::TlsImplicit), ("NONE", Key::TlsNone)].into_iter().map(|(v, k)| view! {
                                <option value=v selected=move || tls.get() == v>{move || i18n.t(k)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    {text_field(Key::SmtpFrom, from, "smtp-from", "text", Some(Key::SmtpFromHint))}
                    {text_field(Key::SmtpUsername, username, "smtp-username", "text", None)}
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Key::SmtpPassword)}</span>
                        <input class="field__input" type="password" autocomplete="new-password" data-testid="smtp-password"
                            placeholder=move || if has_password { i18n.t(Key::SmtpPasswordKept) } else { "" }
                            prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                    </label>
                </div>
            </Show>

            <h3 class="card__title settings-subtitle">{move || i18n.t(Key::BudgetTitle)}</h3>
            <p class="muted">{move || i18n.t(Key::BudgetHelp)}</p>
            <div class="budget">
                <div class="budget__row">
                    <span class="budget__label">{move || i18n.t(Key::BudgetSurveys)}</span>
                    {surveys.view(i18n, "budget-surveys".to_owned())}
                </div>
                <div class="budget__row">
                    <span class="budget__label">{move || i18n.t(Key::BudgetMessages)}</span>
                    {messages.view(i18n, "budget-messages".to_owned())}
                </div>
                <div class="budget__row">
                    <label class="checkbox budget__label">
                        <input type="checkbox" data-testid="quiet-hours" prop:checked=move || quiet.get()
                            on:change=move |ev| quiet.set(event_target_checked(&ev)) />
                        <span>{move || i18n.t(Key::QuietHours)}</span>
                    </label>
                    <span class="limit">
                        <input class="field__input limit__time" type="time" data-testid="quiet-from" disabled=move || !quiet.get()
                            aria-label=move || i18n.t(Key::QuietFrom)
                            prop:value=move || quiet_from.get() on:input=move |ev| quiet_from.set(event_target_value(&ev)) />
                        <span class="muted">"–"</span>
                        <input class="field__input limit__time" type="time" data-testid="quiet-to" disabled=move || !quiet.get()
                            aria-label=move || i18n.t(Key::QuietTo)
                            prop:value=move || quiet_to.get() on:input=move |ev| quiet_to.set(event_target_value(&ev)) />
                        <span class="muted">{move || timezone.get_value()}</span>
                    </span>
                </div>
            </div>
            <h4 class="budget__title">{move || i18n.t(Key::BudgetByStars)}</h4>
            <p class="muted">{move || i18n.t(Key::BudgetByStarsHelp)}</p>
            <ul class="star-rules">
                <For each=move || rules.get() key=|r| r.key let:rule>
                    <li class="star-rule" data-testid="star-rule">
                        <div class="star-rule__stars">
                            {(1..=5_u8).rev().map(|s| view! {
                                <label class="checkbox">
                                    <input type="checkbox" prop:checked=move || rule.stars.with(|v| v.contains(&s))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            rule.stars.update(|v| { v.retain(|x| *x != s); if on { v.push(s); v.sort_unstable(); } });
                                        } />
                                    <span class="stars">{star_text(Some(i16::from(s)))}</span>
                                </label>
                            }).collect_view()}
                        </div>
                        <div class="star-rule__limits">
                            <span class="budget__label">{move || i18n.t(Key::BudgetSurveys)}</span>
                            {rule.surveys.view(i18n, format!("rule-{}-surveys", rule.key))}
                            <span class="budget__label">{move || i18n.t(Key::BudgetMessages)}</span>
                            {rule.messages.view(i18n, format!("rule-{}-messages", rule.key))}
                        </div>
                        <button type="button" class="link-button" on:click=move |_| rules.update(|all| all.retain(|r| r.key != rule.key))>
                            {move || i18n.t(Key::Remove)}
                        </button>
                    </li>
                </For>
            </ul>
            <button type="button" class="button button--small" data-testid="add-star-rule" on:click=move |_| {
                let key = next_key.get_value();
                next_key.set_value(key + 1);
                rules.update(|all| all.push(StarRule {
                    key,
                    stars: RwSignal::new(vec![5]),
                    surveys: LimitInput::of(Some(Limit { max: 1, days: 60 })),
                    messages: LimitInput::of(None),
                }));
            }>
                {move || i18n.t(Key::AddStarRule)}
            </button>
            <FormError message=error />
            <div class="button-row">
                <button type="submit" class="button button--primary" data-testid="save-messaging" disabled=move || pending.get()>
                    {move || i18n.t(Key::Save)}
                </button>
                {move || notice.get().map(|m| view! { <span class="muted" role="status" data-testid="messaging-notice">{m}</span> })}
            </div>
        </form>
    }
}

#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
fn Invitations(invitations: Vec<InvitationView>, definitions: Vec<DefinitionView>) -> impl IntoView {
    let i18n = use_i18n();
    let name_of = move |id: &str| {
        definitions.iter().find(|d| d.id.as_deref() == Some(id)).map(|d| d.name.clone()).unwrap_or_default()
    };
    view! {
        <section class="card card--flush settings-card" data-testid="survey-invitations">
            <h3 class="card__title analysis-agents__title">{move || i18n.t(Key::InvitationsTitle)}</h3>
            {if invitations.is_empty() {
                view! { <p class="muted analysis-agents__empty">{move || i18n.t(Key::NoInvitations)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <thead>
                                <tr>
                                    <th>{move || i18n.t(Key::Customer)}</th>
                                    <th class="hide-narrow">{move || i18n.t(Key::SurveyName)}</th>
                                    <th class="hide-narrow">{move || i18n.t(Key::SurveyChannelLabel)}</th>
                                    <th>{move || i18n.t(Key::Status)}</th>
                                    <th class="hide-narrow">{move || i18n.t(Key::Time)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {invitations.into_iter().map(|inv| {
                                    let (status, class) = status_label(inv.status);
                                    let why = inv.skip_reason.map(skip_label);
                                    let error = inv.error.clone();
                                    let when = inv.answered_at.clone().or_else(|| inv.sent_at.clone()).unwrap_or_else(|| inv.send_at.clone());
                                    let channel = inv.channel;
                                    view! {
                                        <tr data-testid="survey-invitation" data-status=inv.status.as_str()>
                                            <td>
                                                {inv.customer.map(|c| view! { <a href=format!("/customers/{}", c.id)>{c.name}</a> })}
                                            </td>
                                            <td class="hide-narrow">{name_of(&inv.definition_id)}</td>
                                            <td class="hide-narrow">{move || channel.map_or("—", |c| i18n.t(channel_label(c)))}</td>
                                            <td>
                                                <span class=class>{move || i18n.t(status)}</span>
                                                {why.map(|k| view! { <div class="cell-sub">{move || i18n.t(k)}</div> })}
                                                {error.map(|e| view! { <div class="cell-sub">{e}</div> })}
                                            </td>
                                            <td class="hide-narrow">{move || labels::time(i18n.locale(), &when)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}
