//! Settings > Points: the earn rule (points per amount spent, category bonuses, a cap, the
//! pending period, when points expire and how long before members are warned). The star levels'
//! multipliers come from the benefits tab. Every save is a new version; points already earned
//! keep the version that earned them. Below it, the rewards catalogue.

use leptos::prelude::*;
use starcrm_shared::loyalty::warning::ExpiryWarning;
use starcrm_shared::loyalty::{CategoryBonus, EarnRule, ExpiryKind, ExpiryRule};
use starcrm_shared::surveys::MessageChannel;

use super::SettingsLayout;
use super::rewards_section::RewardsCard;
use super::surveys_page::channel_label;
use crate::api;
use crate::api::loyalty::RuleView;
use crate::components::error_view::ErrorView;
use crate::components::field::FormError;
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::state::loaded::load;

const fn expiry_label(k: ExpiryKind) -> Key {
    match k {
        ExpiryKind::Never => Key::ExpiryNever,
        ExpiryKind::AfterDays => Key::ExpiryAfterDays,
        ExpiryKind::MonthEnd => Key::ExpiryMonthEnd,
        ExpiryKind::YearEnd => Key::ExpiryYearEnd,
    }
}

#[component]
pub fn LoyaltySettingsPage() -> impl IntoView {
    use_page_title(Key::SettingsPoints);
    let rule = load(api::loyalty::rule);
    let reload = rule.reload;
    reload.run(());
    view! {
        <SettingsLayout title=Key::SettingsPoints subtitle=Key::SettingsPointsSubtitle>
            {move || match (rule.error.get(), rule.value.get()) {
                (Some(e), _) => view! { <ErrorView error=e on_retry=reload /> }.into_any(),
                (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
                (None, Some(r)) => view! { <RuleForm saved=r /> }.into_any(),
            }}
            <RewardsCard />
        </SettingsLayout>
    }
}

#[derive(Clone, Copy)]
struct BonusRow {
    key: usize,
    category: RwSignal<String>,
    multiplier: RwSignal<String>,
}

fn whole(text: &str) -> Option<u32> {
    text.trim().parse().ok()
}

#[component]
fn RuleForm(saved: RuleView) -> impl IntoView {
    let i18n = use_i18n();
    let r = saved.rule.clone();
    // What the version line says; a save updates it here (the form keeps what was typed).
    let version = RwSignal::new(saved.version);
    let saved_by = RwSignal::new(saved.saved_by.map(|p| p.name));
    let saved_at = RwSignal::new(saved.saved_at.clone());
    let session = crate::state::session::use_session();
    let active = RwSignal::new(r.active);
    let points = RwSignal::new(r.points.to_string());
    // The amount a point costs, in currency units (100 minor units: 1).
    let per = RwSignal::new(format!("{}", f64::from(r.per_minor) / 100.0));
    let pending_days = RwSignal::new(r.pending_days.to_string());
    let expiry_kind = RwSignal::new(r.expiry.kind);
    let expiry_count = RwSignal::new(r.expiry.count.to_string());
    let warn_days = RwSignal::new(r.warn_days.to_string());
    let cap = RwSignal::new(r.cap_per_purchase.map(|c| c.to_string()).unwrap_or_default());
    let referrer = RwSignal::new(r.referrer_points.to_string());
    let referred = RwSignal::new(r.referred_points.to_string());
    let warning = RwSignal::new(r.warning.clone());
    let birthday: [RwSignal<String>; 5] =
        std::array::from_fn(|i| RwSignal::new(r.birthday_points.get(i).copied().unwrap_or(0).to_string()));
    let next_key = StoredValue::new(r.category_bonuses.len());
    let bonuses = RwSignal::new(
        r.category_bonuses
            .iter()
            .enumerate()
            .map(|(key, b)| BonusRow {
                key,
                category: RwSignal::new(b.category.clone()),
                multiplier: RwSignal::new(b.multiplier.to_string()),
            })
            .collect::<Vec<_>>(),
    );
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        let per_minor = per
            .get_untracked()
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0 && *v <= 1_000_000.0)
            .map(|v| (v * 100.0).round());
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked above")]
        let per_minor = per_minor.map(|v| v as u32);
        let numbers = (
            whole(&points.get_untracked()),
            per_minor,
            whole(&pending_days.get_untracked()),
            whole(&expiry_count.get_untracked()),
            whole(&warn_days.get_untracked()),
        );
        let (Some(points), Some(per_minor), Some(pending_days), Some(count), Some(warn_days)) = numbers
        else {
            error.set(Some(i18n.t(Key::PointsRuleInvalid).to_owned()));
            return;
        };
        let cap_text = cap.get_untracked();
        let cap_per_purchase = if cap_text.trim().is_empty() {
            None
        } else if let Some(c) = whole(&cap_text) {
            Some(c)
        } else {
            error.set(Some(i18n.t(Key::PointsRuleInvalid).to_owned()));
            return;
        };
        let (Some(referrer_points), Some(referred_points)) =
            (whole(&referrer.get_untracked()), whole(&referred.get_untracked()))
        else {
            error.set(Some(i18n.t(Key::PointsRuleInvalid).to_owned()));
            return;
        };
        let mut birthday_points = Vec::new();
        for level in birthday {
            let Some(p) = whole(&level.get_untracked()) else {
                error.set(Some(i18n.t(Key::PointsRuleInvalid).to_owned()));
                return;
            };
            birthday_points.push(p);
        }
        if birthday_points.iter().all(|p| *p == 0) {
            birthday_points.clear();
        }
        let mut category_bonuses = Vec::new();
        for b in bonuses.get_untracked() {
            let Some(multiplier) = b.multiplier.get_untracked().trim().parse::<f64>().ok() else {
                error.set(Some(i18n.t(Key::PointsRuleInvalid).to_owned()));
                return;
            };
            category_bonuses.push(CategoryBonus { category: b.category.get_untracked(), multiplier });
        }
        let rule = EarnRule {
            active: active.get_untracked(),
            points,
            per_minor,
            category_bonuses,
            cap_per_purchase,
            pending_days,
            expiry: ExpiryRule { kind: expiry_kind.get_untracked(), count },
            warn_days,
            birthday_points,
            referrer_points,
            referred_points,
            warning: warning.get_untracked(),
        };
        error.set(None);
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::loyalty::save_rule(&rule, version.get_untracked()).await;
            pending.set(false);
            match result {
                Ok(saved) => {
                    version.set(saved.version);
                    saved_at.set(saved.saved_at);
                    saved_by.set(session.viewer().and_then(|v| v.user).map(|u| u.name));
                    notice.set(Some(i18n.t(Key::PointsRuleSaved).replace("{v}", &saved.version.to_string())));
                }
                Err(e) => error.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    let number_field = move |label: Key,
                             value: RwSignal<String>,
                             test_id: &'static str,
                             hint: Option<Key>| {
        view! {
            <label class="field">
                <span class="field__label">{move || i18n.t(label)}</span>
                <input class="field__input" type="text" inputmode="decimal" data-testid=test_id prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev)) />
                {hint.map(|h| view! { <span class="field__hint">{move || i18n.t(h)}</span> })}
            </label>
        }
    };
    view! {
        <form class="card settings-card" data-testid="points-rule-form" on:submit=save>
            <h3 class="card__title">{move || i18n.t(Key::PointsRuleTitle)}</h3>
            <p class="muted">{move || i18n.t(Key::PointsRuleHelp)}</p>
            {move || saved_at.get().map(|at| {
                let who = saved_by.get().unwrap_or_default();
                view! { <p class="muted" data-testid="points-rule-version">{i18n.t(Key::PointsRuleVersion).replace("{v}", &version.get().to_string()).replace("{who}", &who).replace("{at}", &labels::time(i18n.locale(), &at))}</p> }
            })}
            <label class="checkbox">
                <input type="checkbox" data-testid="points-active" prop:checked=move || active.get()
                    on:change=move |ev| active.set(event_target_checked(&ev)) />
                {move || i18n.t(Key::PointsActive)}
            </label>
            <div class="form-grid">
                {number_field(Key::PointsPer, points, "points-per", None)}
                {number_field(Key::PointsPerAmount, per, "points-per-amount", Some(Key::PointsPerAmountHint))}
                {number_field(Key::PointsPendingDays, pending_days, "points-pending-days", Some(Key::PointsPendingDaysHint))}
                {number_field(Key::PointsCap, cap, "points-cap", Some(Key::PointsCapHint))}
                <label class="field">
                    <span class="field__label">{move || i18n.t(Key::PointsExpiry)}</span>
                    <select class="field__input" data-testid="points-expiry-kind"
                        on:change=move |ev| if let Some(k) = ExpiryKind::parse(&event_target_value(&ev)) { expiry_kind.set(k) }>
                        {ExpiryKind::ALL.iter().map(|k| {
                            let k = *k;
                            view! { <option value=k.as_str() selected=move || expiry_kind.get() == k>{move || i18n.t(expiry_label(k))}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || expiry_kind.get() != ExpiryKind::Never>
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Key::PointsExpiryCount)}</span>
                        <input class="field__input" type="text" inputmode="numeric" data-testid="points-expiry-count"
                            prop:value=move || expiry_count.get() on:input=move |ev| expiry_count.set(event_target_value(&ev)) />
                        <span class="field__hint">{move || i18n.t(match expiry_kind.get() {
                            ExpiryKind::AfterDays => Key::PointsExpiryCountDays,
                            ExpiryKind::MonthEnd => Key::PointsExpiryCountMonths,
                            _ => Key::PointsExpiryCountYears,
                        })}</span>
                    </label>
                    {number_field(Key::PointsWarnDays, warn_days, "points-warn-days", None)}
                </Show>
            </div>
            <Show when=move || expiry_kind.get() != ExpiryKind::Never>
                <WarningFields warning=warning />
            </Show>
            <h4 class="card__subtitle">{move || i18n.t(Key::PointsCategoryBonuses)}</h4>
            <p class="muted">{move || i18n.t(Key::PointsCategoryBonusesHelp)}</p>
            <ul class="bonus-list">
                <For each=move || bonuses.get() key=|b| b.key let:b>
                    <li class="bonus-row" data-testid="points-bonus">
                        <input class="field__input" type="text" maxlength="100" data-testid="points-bonus-category"
                            placeholder=move || i18n.t(Key::PointsBonusCategory)
                            prop:value=move || b.category.get() on:input=move |ev| b.category.set(event_target_value(&ev)) />
                        <span class="muted">"×"</span>
                        <input class="field__input bonus-row__multiplier" type="text" inputmode="decimal" data-testid="points-bonus-multiplier"
                            prop:value=move || b.multiplier.get() on:input=move |ev| b.multiplier.set(event_target_value(&ev)) />
                        <button type="button" class="button button--small" on:click=move |_| bonuses.update(|l| l.retain(|x| x.key != b.key))>
                            {move || i18n.t(Key::Remove)}
                        </button>
                    </li>
                </For>
            </ul>
            <button type="button" class="button button--small" data-testid="add-points-bonus" on:click=move |_| {
                let key = next_key.get_value();
                next_key.set_value(key + 1);
                bonuses.update(|l| l.push(BonusRow { key, category: RwSignal::new(String::new()), multiplier: RwSignal::new("2".to_owned()) }));
            }>{move || i18n.t(Key::PointsAddBonus)}</button>
            <h4 class="card__subtitle">{move || i18n.t(Key::PointsBirthday)}</h4>
            <p class="muted">{move || i18n.t(Key::PointsBirthdayHelp)}</p>
            <div class="birthday-points">
                {birthday.into_iter().enumerate().map(|(i, level)| view! {
                    <label class="field">
                        <span class="field__label stars">{"★".repeat(i + 1)}</span>
                        <input class="field__input" type="text" inputmode="numeric" data-testid=format!("points-birthday-{}", i + 1)
                            prop:value=move || level.get() on:input=move |ev| level.set(event_target_value(&ev)) />
                    </label>
                }).collect_view()}
            </div>
            <h4 class="card__subtitle">{move || i18n.t(Key::PointsReferral)}</h4>
            <p class="muted">{move || i18n.t(Key::PointsReferralHelp)}</p>
            <div class="form-grid">
                {number_field(Key::PointsReferrer, referrer, "points-referrer", None)}
                {number_field(Key::PointsReferred, referred, "points-referred", None)}
            </div>
            <FormError message=error />
            {move || notice.get().map(|m| view! { <p class="notice notice--ok" role="status" data-testid="points-rule-saved">{m}</p> })}
            <div class="form__actions">
                <button type="submit" class="button button--primary" data-testid="save-points-rule" disabled=move || pending.get()>
                    {move || i18n.t(Key::Save)}
                </button>
            </div>
        </form>
    }
}

/// The message members get before their points expire: off (the change feed's event only), or a
/// channel and the words, with `{name}`, `{points}`, `{date}` and `{balance}` filled in.
#[component]
fn WarningFields(warning: RwSignal<Option<ExpiryWarning>>) -> impl IntoView {
    let i18n = use_i18n();
    let on = move || warning.with(Option::is_some);
    let edit = move |f: &dyn Fn(&mut ExpiryWarning)| {
        warning.update(|w| {
            if let Some(w) = w.as_mut() {
                f(w);
            }
        });
    };
    view! {
        <h4 class="card__subtitle">{move || i18n.t(Key::PointsWarning)}</h4>
        <label class="checkbox">
            <input type="checkbox" data-testid="points-warning-on" prop:checked=on
                on:change=move |ev| {
                    let checked = event_target_checked(&ev);
                    let language = i18n.locale().tag();
                    warning.set(checked.then(|| ExpiryWarning::standard(MessageChannel::Sms, language)));
                } />
            {move || i18n.t(Key::PointsWarningOn)}
        </label>
        <Show when=on fallback=move || view! { <p class="muted">{move || i18n.t(Key::PointsWarningOff)}</p> }>
            <div class="form-grid">
                <label class="field">
                    <span class="field__label">{move || i18n.t(Key::SurveyChannelLabel)}</span>
                    <select class="field__input" data-testid="points-warning-channel" on:change=move |ev| {
                        if let Some(c) = MessageChannel::parse(&event_target_value(&ev)) { edit(&|w| w.channel = c) }
                    }>
                        {MessageChannel::ALL.iter().map(|&c| view! {
                            <option value=c.as_str() selected=move || warning.with(|w| w.as_ref().is_some_and(|w| w.channel == c))>
                                {move || i18n.t(channel_label(c))}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || warning.with(|w| w.as_ref().is_some_and(|w| w.channel == MessageChannel::Email))>
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Key::PointsWarningSubject)}</span>
                        <input class="field__input" type="text" maxlength="200" data-testid="points-warning-subject"
                            prop:value=move || warning.with(|w| w.as_ref().map(|w| w.subject.clone()).unwrap_or_default())
                            on:input=move |ev| { let v = event_target_value(&ev); edit(&|w| w.subject.clone_from(&v)) } />
                    </label>
                </Show>
            </div>
            <label class="field">
                <span class="field__label">{move || i18n.t(Key::PointsWarningBody)}</span>
                <textarea class="field__input" rows="3" maxlength="2000" data-testid="points-warning-body"
                    prop:value=move || warning.with(|w| w.as_ref().map(|w| w.body.clone()).unwrap_or_default())
                    on:input=move |ev| { let v = event_target_value(&ev); edit(&|w| w.body.clone_from(&v)) }></textarea>
                <span class="field__hint">{move || i18n.t(Key::PointsWarningHint)}</span>
            </label>
        </Show>
    }
}
