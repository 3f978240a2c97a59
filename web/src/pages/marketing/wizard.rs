//! The campaign wizard: audience (a segment and/or star levels, with the live count, the
//! exclusions by reason and the holdout), content per language with a preview, offer, schedule
//! and measurement; saving the draft and launching it.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use serde_json::{Value, json};
use starcrm_shared::campaigns::{self as rules, CampaignOffer, Fill};
use starcrm_shared::customer::{format_money, group_thousands};
use starcrm_shared::loyalty::RewardCodes;
use starcrm_shared::surveys::MessageChannel;

use crate::api::campaigns::{Audience, CampaignView, Message, Step};
use crate::api::{self, ApiError};
use crate::components::confirm::ConfirmDialog;
use crate::i18n::{I18n, Key, labels, use_i18n};
use crate::state::session::use_session;

/// Waits this long after the last keystroke before counting.
const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(400);
/// The languages the wizard writes, the first the default.
const LANGUAGES: [&str; 2] = ["zh-CN", "en"];

/// What the wizard edits, as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    pub name: String,
    pub channel: MessageChannel,
    pub segment_id: String,
    pub stars: Vec<u8>,
    /// Kept from a preset (shown, not edited here).
    pub near_next_star: Option<i32>,
    pub filter: Option<Value>,
    pub content: [Message; 2],
    pub offer: CampaignOffer,
    pub offer_text: String,
    pub coupon_prefix: String,
    /// The pool reward the coupons come from; empty: generated per recipient.
    pub coupon_reward_id: String,
    pub bonus_points: String,
    pub holdout: String,
    pub window_days: String,
    pub throttle: String,
    /// Per message, in the currency's main unit.
    pub cost: String,
    /// `datetime-local` text; empty: at launch.
    pub send_at: String,
}

impl Default for Form {
    fn default() -> Self {
        Self {
            name: String::new(),
            channel: MessageChannel::Email,
            segment_id: String::new(),
            stars: Vec::new(),
            near_next_star: None,
            filter: None,
            content: LANGUAGES.map(|l| Message { language: l.to_owned(), ..Message::default() }),
            offer: CampaignOffer::None,
            offer_text: String::new(),
            coupon_prefix: String::new(),
            coupon_reward_id: String::new(),
            bonus_points: String::new(),
            holdout: rules::DEFAULT_HOLDOUT.to_string(),
            window_days: String::new(),
            throttle: String::new(),
            cost: String::new(),
            send_at: String::new(),
        }
    }
}

impl Form {
    /// The form of a saved draft.
    pub fn of(c: &CampaignView) -> Self {
        let content = LANGUAGES.map(|l| {
            c.content
                .iter()
                .find(|m| m.language == l)
                .cloned()
                .unwrap_or_else(|| Message { language: l.to_owned(), ..Message::default() })
        });
        Self {
            name: c.name.clone(),
            channel: c.channel,
            segment_id: c.segment_id.clone().unwrap_or_default(),
            stars: c.stars.clone(),
            near_next_star: c.near_next_star,
            filter: c.filter.clone(),
            content,
            offer: c.offer,
            offer_text: c.offer_text.clone().unwrap_or_default(),
            coupon_prefix: c.coupon_prefix.clone().unwrap_or_default(),
            coupon_reward_id: c.coupon_reward_id.clone().unwrap_or_default(),
            bonus_points: c.bonus_points.map(|p| p.to_string()).unwrap_or_default(),
            holdout: c.holdout_percent.to_string(),
            window_days: c.window_days.to_string(),
            throttle: c.throttle_per_hour.map(|t| t.to_string()).unwrap_or_default(),
            #[allow(clippy::cast_precision_loss)]
            cost: if c.cost_per_message_minor == 0 {
                String::new()
            } else {
                format!("{:.2}", c.cost_per_message_minor as f64 / 100.0)
            },
            send_at: c.send_at.as_deref().map(local_input).unwrap_or_default(),
        }
    }

    /// The `CampaignInput`, or the field that does not read as a number.
    pub fn input(&self) -> Result<Value, &'static str> {
        let int = |text: &str, field: &'static str| -> Result<Option<i64>, &'static str> {
            let t = text.trim();
            if t.is_empty() { Ok(None) } else { t.parse::<i64>().map(Some).map_err(|_| field) }
        };
        let cost: i64 = match self.cost.trim() {
            "" => 0,
            t => {
                let yuan =
                    t.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0 && *v < 1e9).ok_or("cost")?;
                #[allow(clippy::cast_possible_truncation)]
                let minor = (yuan * 100.0).round() as i64;
                minor
            }
        };
        let content: Vec<&Message> = self
            .content
            .iter()
            .filter(|m| !m.subject.trim().is_empty() || !m.body.trim().is_empty())
            .collect();
        let send_at = if self.send_at.trim().is_empty() {
            Value::Null
        } else {
            Value::from(iso_of_local(&self.send_at))
        };
        Ok(json!({
            "name": self.name,
            "channel": self.channel,
            "segmentId": (!self.segment_id.is_empty()).then(|| self.segment_id.clone()),
            "stars": self.stars,
            "filter": self.filter,
            "nearNextStar": self.near_next_star,
            "content": content,
            "offer": self.offer,
            "offerText": (!self.offer_text.trim().is_empty()).then(|| self.offer_text.trim().to_owned()),
            "couponPrefix": (self.offer == CampaignOffer::Coupon && self.coupon_reward_id.is_empty()).then(|| self.coupon_prefix.trim().to_uppercase()),
            "couponRewardId": (self.offer == CampaignOffer::Coupon && !self.coupon_reward_id.is_empty()).then(|| self.coupon_reward_id.clone()),
            "bonusPoints": if self.offer == CampaignOffer::Points { int(&self.bonus_points, "bonusPoints")? } else { None },
            "holdoutPercent": int(&self.holdout, "holdoutPercent")?,
            "windowDays": int(&self.window_days, "windowDays")?,
            "throttlePerHour": int(&self.throttle, "throttlePerHour")?,
            "costPerMessageMinor": cost,
            "sendAt": send_at,
        }))
    }
}

/// A stored instant as a `datetime-local` value in the browser's zone.
fn local_input(iso: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso));
    if d.get_time().is_nan() {
        return String::new();
    }
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// A `datetime-local` value (the browser's zone) as an instant.
fn iso_of_local(local: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(local));
    if d.get_time().is_nan() { local.to_owned() } else { String::from(d.to_iso_string()) }
}

/// The live audience of the form: counted after a quiet moment, only the latest kept.
fn live_audience(form: RwSignal<Form>) -> RwSignal<Option<Result<Audience, ApiError>>> {
    let audience = RwSignal::new(None::<Result<Audience, ApiError>>);
    let latest = StoredValue::new(0_u64);
    Effect::new(move |_| {
        let input = form.with(Form::input);
        let n = latest.get_value() + 1;
        latest.set_value(n);
        let Ok(input) = input else { return };
        set_timeout(
            move || {
                if latest.get_value() != n {
                    return;
                }
                leptos::task::spawn_local(async move {
                    let answer = api::campaigns::audience(&input).await;
                    if latest.get_value() == n {
                        audience.set(Some(answer));
                    }
                });
            },
            DEBOUNCE,
        );
    });
    audience
}

fn text_field(
    i18n: I18n,
    form: RwSignal<Form>,
    (label, test_id): (Key, &'static str),
    get: fn(&Form) -> String,
    set: fn(&mut Form, String),
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field__label">{move || i18n.t(label)}</span>
            <input
                class="field__input"
                data-testid=test_id
                prop:value=move || form.with(get)
                on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))
            />
        </label>
    }
}

/// The audience box: who the campaign reaches now and who it leaves out, by reason.
#[component]
fn AudienceBox(audience: RwSignal<Option<Result<Audience, ApiError>>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card campaign-audience" data-testid="campaign-audience" aria-live="polite">
            <h3 class="card__title">{move || i18n.t(Key::CampAudience)}</h3>
            {move || match audience.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="field__error" role="alert">{labels::form_error(i18n, &e)}</p> }.into_any(),
                Some(Ok(a)) => {
                    let n = |v: u64| group_thousands(v);
                    let stars: Vec<(usize, u64)> = a.by_stars.iter().copied().enumerate().filter(|(_, c)| *c > 0).collect();
                    view! {
                        <p class="campaign-audience__total">
                            <strong data-testid="audience-customers">{n(a.customers)}</strong>
                            " " {move || i18n.t(Key::CampCustomers)}
                        </p>
                        <p class="muted campaign-audience__stars">
                            {stars.into_iter().map(|(s, c)| {
                                let count = n(c);
                                let label = move || if s == 0 { i18n.t(Key::SearchNotRated).to_owned() } else { format!("{s}★") };
                                view! { <span class="chip">{move || format!("{} {count}", label())}</span> }
                            }).collect_view()}
                        </p>
                        <dl class="campaign-funnel-mini">
                            <dt>{move || i18n.t(Key::CampExclNoConsent)}</dt><dd data-testid="excl-no-consent">{n(a.excluded.no_consent)}</dd>
                            <dt>{move || i18n.t(Key::CampExclNoAddress)}</dt><dd data-testid="excl-no-address">{n(a.excluded.no_address)}</dd>
                            <dt>{move || i18n.t(Key::CampExclBudget)}</dt><dd data-testid="excl-budget">{n(a.excluded.message_budget)}</dd>
                            {(a.excluded.no_coupon > 0).then(|| view! {
                                <dt>{move || i18n.t(Key::CampExclNoCoupon)}</dt><dd data-testid="excl-no-coupon">{n(a.excluded.no_coupon)}</dd>
                            })}
                            <dt>{move || i18n.t(Key::CampHoldout)}</dt><dd data-testid="audience-holdout">{n(a.holdout)}</dd>
                            <dt><strong>{move || i18n.t(Key::CampToSend)}</strong></dt><dd><strong data-testid="audience-to-send">{n(a.to_send)}</strong></dd>
                        </dl>
                        {(a.quiet_hours > 0).then(|| view! {
                            <p class="muted">{move || i18n.t(Key::CampQuietHours).replace("{n}", &group_thousands(a.quiet_hours))}</p>
                        })}
                        <p class="muted" data-testid="estimated-cost">{let cost = format_money(a.estimated_cost.amount_minor, &a.estimated_cost.currency); move || i18n.t(Key::CampEstimatedCost).replace("{m}", &cost)}</p>
                        {a.needs_approval.then(|| view! {
                            <p class="notice notice--warn" data-testid="needs-approval">{move || i18n.t(Key::CampNeedsApproval)}</p>
                        })}
                    }.into_any()
                }
            }}
        </section>
    }
}

/// One language's message with its preview for a sample 5-star customer.
#[component]
fn ContentEditor(form: RwSignal<Form>, index: usize) -> impl IntoView {
    let i18n = use_i18n();
    let language = LANGUAGES[index];
    let preview = move || {
        form.with(|f| {
            let m = &f.content[index];
            let fill = Fill {
                name: if index == 0 { "王芳" } else { "Wang Fang" },
                stars: Some(5),
                benefits: if index == 0 {
                    "9折、2倍积分、专属顾问"
                } else {
                    "10% off, 2x points, a dedicated adviser"
                },
                points: 1_280,
                coupon: "VIP-7KQ2M9XA",
                recommendation: if index == 0 { "西湖龙井" } else { "Longjing green tea" },
                unsubscribe: "https://…/u/…",
            };
            (rules::render(&m.subject, &fill), rules::render(&m.body, &fill))
        })
    };
    view! {
        <fieldset class="campaign-content" data-testid=format!("content-{language}")>
            <legend class="field__label">{move || i18n.t(if index == 0 { Key::CampChinese } else { Key::CampEnglish })}</legend>
            <label class="field">
                <span class="field__label">{move || i18n.t(Key::CampSubject)}</span>
                <input class="field__input" data-testid=format!("subject-{language}")
                    prop:value=move || form.with(|f| f.content[index].subject.clone())
                    on:input=move |ev| form.update(|f| f.content[index].subject = event_target_value(&ev)) />
            </label>
            <label class="field">
                <span class="field__label">{move || i18n.t(Key::CampBody)}</span>
                <textarea class="field__input" rows="4" data-testid=format!("body-{language}")
                    prop:value=move || form.with(|f| f.content[index].body.clone())
                    on:input=move |ev| form.update(|f| f.content[index].body = event_target_value(&ev)) />
            </label>
            <div class="campaign-preview" data-testid=format!("preview-{language}")>
                <span class="campaign-preview__label muted">{move || i18n.t(Key::CampPreview)}</span>
                <strong>{move || preview().0}</strong>
                <p class="campaign-preview__body">{move || preview().1}</p>
            </div>
        </fieldset>
    }
}

/// The audience: name, segment, star levels (and a preset's extra conditions, read-only).
#[component]
fn AudienceSection(form: RwSignal<Form>) -> impl IntoView {
    let i18n = use_i18n();
    let segments = RwSignal::new(Vec::<(String, String)>::new());
    leptos::task::spawn_local(async move {
        if let Ok(list) = api::marketing::list().await {
            segments.set(list.into_iter().map(|s| (s.id, s.name)).collect());
        }
    });
    let star_box = move |s: u8| {
        let on = move || form.with(|f| f.stars.contains(&s));
        view! {
            <label class=move || format!("chip star-chip{}", if on() { " chip--on" } else { "" }) data-testid=format!("camp-stars-{s}")>
                <input type="checkbox" class="sr-only" prop:checked=on on:change=move |_| form.update(|f| {
                    if let Some(i) = f.stars.iter().position(|x| *x == s) { f.stars.remove(i); } else { f.stars.push(s); f.stars.sort_unstable(); }
                }) />
                {format!("{s}★")}
            </label>
        }
    };
    view! {
        <section class="card" data-testid="wizard-audience">
            <h2 class="card__title">{move || i18n.t(Key::CampStepAudience)}</h2>
            {text_field(i18n, form, (Key::CampName, "camp-name"), |f| f.name.clone(), |f, v| f.name = v)}
            <label class="field">
                <span class="field__label">{move || i18n.t(Key::CampSegment)}</span>
                <select class="field__input" data-testid="camp-segment" on:change=move |ev| form.update(|f| f.segment_id = event_target_value(&ev))>
                    <option value="" selected=move || form.with(|f| f.segment_id.is_empty())>{move || i18n.t(Key::CampNoSegment)}</option>
                    {move || segments.get().into_iter().map(|(id, name)| {
                        let selected = { let id = id.clone(); move || form.with(|f| f.segment_id == id) };
                        view! { <option value=id selected=selected>{name}</option> }
                    }).collect_view()}
                </select>
            </label>
            <fieldset class="field field--wide">
                <legend class="field__label">{move || i18n.t(Key::CampStars)}</legend>
                <div class="chip-row">{(1..=5_u8).map(star_box).collect_view()}</div>
            </fieldset>
            {move || form.with(|f| f.near_next_star).map(|gap| view! {
                <p class="muted" data-testid="near-next-star">{move || i18n.t(Key::CampNearNext).replace("{n}", &gap.to_string())}</p>
            })}
            {move || form.with(|f| f.filter.as_ref().and_then(|v| v["daysSinceLastPurchase"]["min"].as_i64())).map(|d| view! {
                <p class="muted">{move || i18n.t(Key::CampLapsed).replace("{n}", &d.to_string())}</p>
            })}
        </section>
    }
}

/// The channel and the message per language, with previews.
#[component]
fn ContentSection(form: RwSignal<Form>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-testid="wizard-content">
            <h2 class="card__title">{move || i18n.t(Key::CampStepContent)}</h2>
            <label class="field">
                <span class="field__label">{move || i18n.t(Key::CampChannel)}</span>
                <select class="field__input" data-testid="camp-channel" on:change=move |ev| {
                    if let Some(c) = MessageChannel::parse(&event_target_value(&ev)) { form.update(|f| f.channel = c); }
                }>
                    {MessageChannel::ALL.iter().map(|c| {
                        let c = *c;
                        view! { <option value=c.as_str() selected=move || form.with(|f| f.channel == c)>{move || i18n.t(crate::pages::settings::channel_label(c))}</option> }
                    }).collect_view()}
                </select>
            </label>
            <p class="muted">{move || i18n.t(Key::CampVariables)}</p>
            <ContentEditor form index=0 />
            <ContentEditor form index=1 />
        </section>
    }
}

/// The offer: none, a personal coupon (generated, or from a reward's pool of the till's own
/// codes), or bonus points.
#[component]
fn OfferSection(form: RwSignal<Form>) -> impl IntoView {
    let i18n = use_i18n();
    // Rewards whose codes are a loaded pool, with how many are free.
    let pools = RwSignal::new(Vec::<(String, String, i64)>::new());
    leptos::task::spawn_local(async move {
        if let Ok(list) = api::rewards::list(true).await {
            pools.set(
                list.into_iter()
                    .filter(|r| r.codes == RewardCodes::Pool)
                    .map(|r| (r.id, r.name, r.left.unwrap_or(0)))
                    .collect(),
            );
        }
    });
    view! {
        <section class="card" data-testid="wizard-offer">
            <h2 class="card__title">{move || i18n.t(Key::CampStepOffer)}</h2>
            <div class="chip-row" role="radiogroup">
                {CampaignOffer::ALL.iter().map(|o| {
                    let o = *o;
                    let on = move || form.with(|f| f.offer == o);
                    view! {
                        <label class=move || format!("chip{}", if on() { " chip--on" } else { "" }) data-testid=format!("offer-{}", o.as_str())>
                            <input type="radio" name="offer" class="sr-only" prop:checked=on on:change=move |_| form.update(|f| f.offer = o) />
                            {move || i18n.t(offer_label(o))}
                        </label>
                    }
                }).collect_view()}
            </div>
            {text_field(i18n, form, (Key::CampOfferText, "camp-offer-text"), |f| f.offer_text.clone(), |f, v| f.offer_text = v)}
            <Show when=move || form.with(|f| f.offer == CampaignOffer::Coupon)>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Key::CampCouponCodes)}</span>
                    <select class="field__input" data-testid="camp-coupon-pool" on:change=move |ev| form.update(|f| f.coupon_reward_id = event_target_value(&ev))>
                        <option value="" selected=move || form.with(|f| f.coupon_reward_id.is_empty())>{move || i18n.t(Key::CampCouponGenerated)}</option>
                        {move || pools.get().into_iter().map(|(id, name, free)| {
                            let selected = { let id = id.clone(); move || form.with(|f| f.coupon_reward_id == id) };
                            let label = move || i18n.t(Key::CampCouponPool).replace("{name}", &name).replace("{n}", &group_thousands(free.unsigned_abs()));
                            view! { <option value=id selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                    <Show when=move || pools.with(Vec::is_empty)>
                        <span class="muted">{move || i18n.t(Key::CampCouponPoolHint)}</span>
                    </Show>
                </label>
                <Show when=move || form.with(|f| f.coupon_reward_id.is_empty())>
                    {text_field(i18n, form, (Key::CampCouponPrefix, "camp-coupon-prefix"), |f| f.coupon_prefix.clone(), |f, v| f.coupon_prefix = v)}
                </Show>
            </Show>
            <Show when=move || form.with(|f| f.offer == CampaignOffer::Points)>
                {text_field(i18n, form, (Key::CampBonusPoints, "camp-bonus-points"), |f| f.bonus_points.clone(), |f, v| f.bonus_points = v)}
            </Show>
        </section>
    }
}

/// When to send, the throttle, and how the result is measured.
#[component]
fn ScheduleSection(form: RwSignal<Form>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let currency = session.viewer().map(|v| v.workspace.currency).unwrap_or_default();
    view! {
        <section class="card" data-testid="wizard-schedule">
            <h2 class="card__title">{move || i18n.t(Key::CampStepSchedule)}</h2>
            <div class="form-grid">
                <label class="field">
                    <span class="field__label">{move || i18n.t(Key::CampSendAt)}</span>
                    <input type="datetime-local" class="field__input" data-testid="camp-send-at"
                        prop:value=move || form.with(|f| f.send_at.clone())
                        on:input=move |ev| form.update(|f| f.send_at = event_target_value(&ev)) />
                    <span class="muted">{move || i18n.t(Key::CampSendNowHint)}</span>
                </label>
                {text_field(i18n, form, (Key::CampThrottle, "camp-throttle"), |f| f.throttle.clone(), |f, v| f.throttle = v)}
                {text_field(i18n, form, (Key::CampHoldoutPercent, "camp-holdout"), |f| f.holdout.clone(), |f, v| f.holdout = v)}
                {text_field(i18n, form, (Key::CampWindow, "camp-window"), |f| f.window_days.clone(), |f, v| f.window_days = v)}
                <label class="field">
                    <span class="field__label">{let currency = currency.clone(); move || i18n.t(Key::CampCost).replace("{c}", &currency)}</span>
                    <input class="field__input" inputmode="decimal" data-testid="camp-cost"
                        prop:value=move || form.with(|f| f.cost.clone())
                        on:input=move |ev| form.update(|f| f.cost = event_target_value(&ev)) />
                </label>
            </div>
            <p class="muted">{move || i18n.t(Key::CampHoldoutHint)}</p>
        </section>
    }
}

/// The wizard for a new campaign (`edit`: none) or a draft (its id and version).
#[component]
pub fn CampaignWizard(initial: Form, edit: Option<(String, i32)>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let form = RwSignal::new(initial);
    let edit = RwSignal::new(edit);
    let audience = live_audience(form);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let save = move |launch: bool| {
        let input = match form.with(Form::input) {
            Ok(i) => i,
            Err(field) => {
                error.set(Some(format!("{}: {}", field, i18n.t(Key::SegBadNumber))));
                return;
            }
        };
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let current = edit.get_untracked();
            let saved = api::campaigns::save(current.as_ref().map(|(id, v)| (id.as_str(), *v)), &input).await;
            let outcome = match saved {
                Ok((id, version)) => {
                    edit.set(Some((id.clone(), version)));
                    if launch {
                        api::campaigns::step(Step::Launch, &id, version).await.map(|_| id)
                    } else {
                        Ok(id)
                    }
                }
                Err(e) => Err(e),
            };
            busy.set(false);
            match outcome {
                Ok(id) => navigate(
                    &format!("/campaigns/{id}?saved={}", u8::from(launch)),
                    NavigateOptions::default(),
                ),
                Err(e) => error.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    let save_draft = save.clone();
    let confirming = RwSignal::new(false);
    let navigate = use_navigate();
    let remove = move |()| {
        confirming.set(false);
        let Some((id, version)) = edit.get_untracked() else { return };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::campaigns::delete(&id, version).await {
                Ok(()) => navigate("/campaigns", NavigateOptions::default()),
                Err(e) => error.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    view! {
        <div class="campaign-wizard">
            <div class="campaign-wizard__main">
                <AudienceSection form />
                <ContentSection form />
                <OfferSection form />
                <ScheduleSection form />
                {move || error.get().map(|m| view! { <p class="form-error" role="alert" data-testid="wizard-error">{m}</p> })}
                <div class="form-actions">
                    <button type="button" class="button" data-testid="save-campaign" disabled=move || busy.get() on:click=move |_| save_draft(false)>
                        {move || i18n.t(Key::CampSaveDraft)}
                    </button>
                    <button type="button" class="button button--primary" data-testid="launch-campaign" disabled=move || busy.get() on:click=move |_| save(true)>
                        {move || i18n.t(Key::CampLaunch)}
                    </button>
                    <Show when=move || edit.with(Option::is_some)>
                        <button type="button" class="button button--danger-outline" data-testid="delete-campaign" on:click=move |_| confirming.set(true)>
                            {move || i18n.t(Key::Delete)}
                        </button>
                    </Show>
                </div>
                <Show when=move || confirming.get()>
                    <ConfirmDialog
                        title=Key::Delete
                        body=i18n.t(Key::CampConfirmDelete).to_owned()
                        action=Key::Delete
                        danger=true
                        on_confirm=Callback::new(remove.clone())
                        on_close=Callback::new(move |()| confirming.set(false))
                    />
                </Show>
            </div>
            <aside class="campaign-wizard__side">
                <AudienceBox audience />
            </aside>
        </div>
    }
}

/// The offer's name.
pub const fn offer_label(o: CampaignOffer) -> Key {
    match o {
        CampaignOffer::None => Key::CampOfferNone,
        CampaignOffer::Coupon => Key::CampOfferCoupon,
        CampaignOffer::Points => Key::CampOfferPoints,
    }
}
