//! The member page (`/member#token=…`): what a business's app opens in a webview once it has
//! signed its customer in and obtained a member token (`issueMemberToken`). Phone first: the
//! member's stars and level name, progress to the next star and what reaches it, benefits,
//! points (spendable, pending, expiring), the rewards they can redeem (redeemed here), and their
//! vouchers. The token travels in the fragment, so it never reaches a server log; `?lang=en`
//! picks the language.

use leptos::prelude::*;
use starcrm_shared::ErrorCode;
use starcrm_shared::customer::format_money;
use starcrm_shared::loyalty::{Redeemable, VoucherStatus};
use starcrm_shared::surveys::SurveyKind;

use crate::api::rewards::{self, Member, MemberReward, VoucherView};
use crate::components::language_switcher::LanguageSwitcher;
use crate::i18n::{I18n, Key, Locale, labels, use_i18n, use_page_title};
use crate::pages::customers::points::grouped;

/// What the page says after a redemption (in the language shown at the time it is read).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Notice {
    Redeemed { reward: String, code: String },
    Thanks,
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
enum View {
    Loading,
    /// No token, or one that expired or was refused.
    SignedOut,
    Failed,
    Ready(Box<Member>),
}

/// The member token from `#token=…`.
fn token_from_fragment() -> Option<String> {
    let hash = window().location().hash().ok()?;
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .map(str::to_owned)
        .filter(|t| !t.is_empty())
}

fn language_from_query() -> Option<Locale> {
    let search = window().location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|p| p.strip_prefix("lang=")).and_then(Locale::from_tag)
}

fn star_row(stars: Option<i32>) -> String {
    let n = usize::try_from(stars.unwrap_or(0).clamp(0, 5)).unwrap_or(0);
    format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
}

#[component]
pub fn MemberPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::MemberTitle);
    if let Some(locale) = language_from_query() {
        i18n.set_locale(locale);
    }
    let token = StoredValue::new(token_from_fragment());
    let state = RwSignal::new(View::Loading);
    let notice = RwSignal::new(None::<Notice>);
    let load = move || {
        let Some(token) = token.get_value() else {
            state.set(View::SignedOut);
            return;
        };
        let language = i18n.locale().api_language();
        leptos::task::spawn_local(async move {
            state.set(match rewards::member(&token, language).await {
                Ok(m) => View::Ready(Box::new(m)),
                Err(e) if e.is(ErrorCode::Unauthenticated) => View::SignedOut,
                Err(_) => View::Failed,
            });
        });
    };
    // Again when the language changes: the explanation is written in it.
    Effect::new(move |_| {
        i18n.locale();
        load();
    });
    let redeem = Callback::new(move |reward: MemberReward| {
        let Some(t) = token.get_value() else { return };
        notice.set(None);
        leptos::task::spawn_local(async move {
            match rewards::redeem_mine(&t, &reward.id).await {
                Ok(done) => {
                    notice.set(Some(Notice::Redeemed { reward: reward.name, code: done.voucher.code }));
                    load();
                }
                Err(e) if e.is(ErrorCode::Unauthenticated) => state.set(View::SignedOut),
                Err(e) => notice.set(Some(Notice::Failed(labels::form_error(i18n, &e)))),
            }
        });
    });
    let answer = Callback::new(move |(invitation, score): (String, u8)| {
        let Some(t) = token.get_value() else { return };
        notice.set(None);
        leptos::task::spawn_local(async move {
            match rewards::answer_mine(&t, &invitation, score, i18n.locale().tag()).await {
                Ok(()) => {
                    notice.set(Some(Notice::Thanks));
                    load();
                }
                Err(e) if e.is(ErrorCode::Unauthenticated) => state.set(View::SignedOut),
                Err(e) => notice.set(Some(Notice::Failed(labels::form_error(i18n, &e)))),
            }
        });
    });
    let body = move || {
        match state.get() {
        View::Loading => view! { <p class="member__status" aria-busy="true">{move || i18n.t(Key::Loading)}</p> }.into_any(),
        View::SignedOut => view! {
            <div class="member__status" data-testid="member-signed-out">
                <h1 class="auth-card__title">{move || i18n.t(Key::MemberSignedOutTitle)}</h1>
                <p class="muted">{move || i18n.t(Key::MemberSignedOutBody)}</p>
            </div>
        }
        .into_any(),
        View::Failed => view! {
            <div class="member__status">
                <p class="muted">{move || i18n.t(Key::MemberFailed)}</p>
                <button type="button" class="button" on:click=move |_| load()>{move || i18n.t(Key::ErrorRetry)}</button>
            </div>
        }
        .into_any(),
        View::Ready(m) => view! { <MemberView member=*m redeem answer notice /> }.into_any(),
    }
    };
    view! {
        <div class="member-page">
            <div class="member-page__top"><LanguageSwitcher /></div>
            <main class="member" data-testid="member-page">{body}</main>
        </div>
    }
}

#[component]
fn MemberView(
    member: Member,
    redeem: Callback<MemberReward>,
    answer: Callback<(String, u8)>,
    notice: RwSignal<Option<Notice>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let s = member.stars.clone();
    // Through the level; stars set by hand can sit above what the score alone gives, and then
    // the bar is the way from nothing to the next level's score.
    let progress = s.next_score.map(|next| {
        let floor = if s.score >= s.level_score { s.level_score } else { 0.0 };
        ((s.score - floor) / (next - floor).max(0.01)).clamp(0.0, 1.0)
    });
    let next_line = next_star_line(i18n, &s);
    let p = member.points.clone();
    let expiring = (p.expiring_soon > 0).then(|| (p.expiring_soon, p.next_expiry.clone()));
    let benefits = member.benefits.clone();
    let rewards = member.rewards.clone();
    let vouchers = member.vouchers.clone();
    let referral_code = member.referral_code.clone();
    let surveys = member.surveys.clone();
    let referrals = member.referrals;
    view! {
        <section class="member-card member-card--stars" data-testid="member-stars">
            <p class="member-card__hello">{move || i18n.t(Key::MemberHello).replace("{n}", &member.name)}</p>
            <p class="member-stars" aria-label=move || i18n.t(Key::Stars)>{star_row(s.stars)}</p>
            {s.tier_name.clone().map(|n| view! { <p class="member-tier" data-testid="member-tier">{n}</p> })}
            {s.welcome_until.clone().map(|until| view! {
                <p class="pill pill--ok" data-testid="member-welcome">
                    {move || format!("{} · {}", i18n.t(Key::WelcomePill), i18n.t(Key::ManualUntil).replace("{date}", &labels::last_day(i18n.locale(), &until)))}
                </p>
            })}
            {progress.map(|f| {
                let pct = format!("{:.0}%", f * 100.0);
                view! {
                    <div class="member-progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                        aria-valuenow=format!("{:.0}", f * 100.0) data-testid="member-progress">
                        <span class="member-progress__bar" style=format!("width: {pct}")></span>
                    </div>
                }
            })}
            <p class="member-card__next" data-testid="member-next">{next_line}</p>
            <details class="member-why">
                <summary>{move || i18n.t(Key::MemberWhy)}</summary>
                <ul>{s.lines.iter().map(|l| view! { <li>{l.clone()}</li> }).collect_view()}</ul>
            </details>
        </section>
        <section class="member-card" data-testid="member-points">
            <h2 class="member-card__title">{move || i18n.t(Key::PointsTitle)}</h2>
            <p class="member-points"><strong data-testid="member-spendable">{grouped(p.spendable)}</strong>
                <span class="muted">{move || format!(" {}", i18n.t(Key::MemberPointsSpendable))}</span></p>
            <p class="muted member-points__more">
                {(p.pending > 0).then(|| i18n.t(Key::MemberPointsPending).replace("{n}", &grouped(p.pending)))}
                {expiring.map(|(n, at)| {
                    let at = at.map(|t| labels::last_day(i18n.locale(), &t)).unwrap_or_default();
                    view! { <span class="member-points__expiring" data-testid="member-expiring">{i18n.t(Key::MemberPointsExpiring).replace("{n}", &grouped(n)).replace("{d}", &at)}</span> }
                })}
                {(p.owed > 0).then(|| i18n.t(Key::MemberPointsOwed).replace("{n}", &grouped(p.owed)))}
            </p>
        </section>
        {surveys.into_iter().map(|survey| view! { <SurveyCard survey answer /> }).collect_view()}
        {move || notice.get().map(|n| {
            let (ok, text) = match n {
                Notice::Redeemed { reward, code } => {
                    (true, i18n.t(Key::MemberRedeemed).replace("{r}", &reward).replace("{c}", &code))
                }
                Notice::Thanks => (true, i18n.t(Key::SurveyThanksTitle).to_owned()),
                Notice::Failed(message) => (false, message),
            };
            view! { <p class="notice member-notice" class:notice--ok=ok class:notice--warn=!ok role="status" data-testid="member-notice">{text}</p> }
        })}
        <section class="member-card" data-testid="member-rewards">
            <h2 class="member-card__title">{move || i18n.t(Key::MemberRewards)}</h2>
            {if rewards.is_empty() {
                view! { <p class="muted">{move || i18n.t(Key::MemberNoRewards)}</p> }.into_any()
            } else {
                view! {
                    <ul class="member-rewards">
                        {rewards.into_iter().map(|r| view! { <RewardRow reward=r redeem currency=s.currency.clone() /> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
        {(!vouchers.is_empty()).then(|| view! {
            <section class="member-card" data-testid="member-vouchers">
                <h2 class="member-card__title">{move || i18n.t(Key::MemberVouchers)}</h2>
                <ul class="member-vouchers">
                    {vouchers.into_iter().map(|v| view! { <VoucherRow voucher=v /> }).collect_view()}
                </ul>
            </section>
        })}
        <section class="member-card" data-testid="member-referral">
            <h2 class="member-card__title">{move || i18n.t(Key::MemberReferralCode)}</h2>
            <p class="member-referral"><code class="voucher__code" data-testid="member-referral-code">{referral_code}</code></p>
            <p class="muted member-points__more">{move || i18n.t(Key::MemberReferralHelp).replace("{r}", &referrals.rewarded.to_string()).replace("{p}", &referrals.pending.to_string())}</p>
        </section>
        {(!benefits.is_empty()).then(|| view! {
            <section class="member-card" data-testid="member-benefits">
                <h2 class="member-card__title">{move || i18n.t(Key::MemberBenefits)}</h2>
                <ul class="member-benefits">
                    {benefits.into_iter().map(|b| view! { <li>{move || labels::benefit_text(i18n, &b)}</li> }).collect_view()}
                </ul>
            </section>
        })}
    }
}

/// "Spend ¥320 more in one purchase for 5 stars", or "You have the top level".
fn next_star_line(i18n: I18n, s: &rewards::MemberStars) -> String {
    match (s.next_stars, s.next_purchase_minor) {
        (Some(n), Some(minor)) => i18n
            .t(Key::MemberNextPurchase)
            .replace("{m}", &format_money(minor, &s.currency))
            .replace("{s}", &n.to_string()),
        (Some(n), None) => i18n.t(Key::MemberNextStars).replace("{s}", &n.to_string()),
        (None, _) if s.stars == Some(5) => i18n.t(Key::MemberTopLevel).to_owned(),
        (None, _) => String::new(),
    }
}

/// Why a reward cannot be redeemed now, in words (none when it can).
pub(crate) fn why_not(i18n: I18n, state: Redeemable, min_stars: i32) -> Option<String> {
    match state {
        Redeemable::Yes => None,
        Redeemable::NeedsStars => Some(i18n.t(Key::MemberNeedsStars).replace("{s}", &min_stars.to_string())),
        Redeemable::NeedsPoints => Some(i18n.t(Key::MemberNeedsPoints).to_owned()),
        Redeemable::OutOfStock => Some(i18n.t(Key::MemberOutOfStock).to_owned()),
        Redeemable::NotOffered => Some(i18n.t(Key::MemberNotOffered).to_owned()),
    }
}

#[component]
fn RewardRow(reward: MemberReward, redeem: Callback<MemberReward>, currency: String) -> impl IntoView {
    let i18n = use_i18n();
    let why = why_not(i18n, reward.redeemable, reward.min_stars);
    let value = match (reward.value_minor, reward.percent_off) {
        (Some(v), _) => Some(format_money(v, &currency)),
        (None, Some(p)) => Some(i18n.t(Key::RewardPercentOff).replace("{p}", &p.to_string())),
        _ => None,
    };
    let can = reward.redeemable == Redeemable::Yes;
    let confirming = RwSignal::new(false);
    let r = StoredValue::new(reward.clone());
    view! {
        <li class="member-reward" class:member-reward--off=!can data-testid="member-reward">
            <div class="member-reward__text">
                <strong class="member-reward__name">{reward.name.clone()}</strong>
                {value.map(|v| view! { <span class="member-reward__value">{v}</span> })}
                {reward.description.clone().map(|d| view! { <span class="muted member-reward__desc">{d}</span> })}
                <span class="member-reward__cost">{move || i18n.t(Key::MemberCost).replace("{n}", &grouped(reward.points_cost))}</span>
                {why.map(|w| view! { <span class="muted member-reward__why">{w}</span> })}
            </div>
            <Show when=move || can fallback=|| ()>
                <Show when=move || confirming.get() fallback=move || view! {
                    <button type="button" class="button button--small" data-testid="member-redeem"
                        on:click=move |_| confirming.set(true)>{move || i18n.t(Key::MemberRedeem)}</button>
                }>
                    <button type="button" class="button button--small button--primary" data-testid="member-confirm"
                        on:click=move |_| { confirming.set(false); redeem.run(r.get_value()); }>
                        {move || i18n.t(Key::MemberConfirm).replace("{n}", &grouped(r.with_value(|x| x.points_cost)))}
                    </button>
                </Show>
            </Show>
        </li>
    }
}

#[component]
pub(crate) fn VoucherRow(voucher: VoucherView) -> impl IntoView {
    let i18n = use_i18n();
    let VoucherView { code, status, reward_name, expires_at, used_at, .. } = voucher;
    let label = match status {
        VoucherStatus::Issued => Key::VoucherIssued,
        VoucherStatus::Used => Key::VoucherUsed,
        VoucherStatus::Expired => Key::VoucherExpired,
    };
    let when = match (status, &used_at, &expires_at) {
        (VoucherStatus::Used, Some(at), _) => Some(labels::date(i18n.locale(), at)),
        (_, _, Some(at)) => {
            Some(i18n.t(Key::PointsExpiresOn).replace("{d}", &labels::last_day(i18n.locale(), at)))
        }
        _ => None,
    };
    view! {
        <li class="voucher" class:voucher--done=status != VoucherStatus::Issued data-testid="voucher">
            <span class="voucher__name">{reward_name.unwrap_or_default()}</span>
            <code class="voucher__code" data-testid="voucher-code">{code}</code>
            <span class="voucher__status" data-status=status.as_str()>{move || i18n.t(label)}</span>
            {when.map(|w| view! { <span class="muted voucher__when">{w}</span> })}
        </li>
    }
}

/// A survey waiting for the member: the question and the scale; a tap chooses, Send answers.
#[component]
fn SurveyCard(survey: rewards::MemberSurvey, answer: Callback<(String, u8)>) -> impl IntoView {
    let i18n = use_i18n();
    let chosen = RwSignal::new(None::<u8>);
    let (question, low, high) = match survey.kind {
        SurveyKind::Nps => (Key::SurveyNpsQuestion, 0_u8, 10_u8),
        SurveyKind::Csat => (Key::SurveyCsatQuestion, 1, 5),
    };
    let class =
        if survey.kind == SurveyKind::Nps { "survey-scale survey-scale--nps" } else { "survey-scale" };
    let business = survey.business;
    let id = StoredValue::new(survey.id);
    view! {
        <section class="member-card" data-testid="member-survey">
            <h2 class="member-card__title">{move || i18n.t(question).replace("{business}", &business)}</h2>
            <div class=class role="radiogroup">
                {(low..=high).map(|s| view! {
                    <button type="button" role="radio" class="survey-scale__button"
                        class:survey-scale__button--chosen=move || chosen.get() == Some(s)
                        aria-checked=move || if chosen.get() == Some(s) { "true" } else { "false" }
                        data-testid=format!("member-survey-{s}") on:click=move |_| chosen.set(Some(s))>{s.to_string()}</button>
                }).collect_view()}
            </div>
            <Show when=move || chosen.get().is_some()>
                <button type="button" class="button button--primary button--block member-survey__send" data-testid="member-survey-send"
                    on:click=move |_| if let Some(s) = chosen.get_untracked() { answer.run((id.get_value(), s)) }>
                    {move || i18n.t(Key::SurveySend)}
                </button>
            </Show>
        </section>
    }
}
