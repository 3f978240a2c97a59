//! A launched campaign's page: where it stands (approve, cancel), the funnel (audience,
//! exclusions by reason, holdout, sent, delivered, converted), revenue, cost and ROI, the lift
//! against the holdout with its interval and a plain word on significance, by star level, and
//! the first recipients.

use leptos::prelude::*;
use leptos_router::components::A;
use starcrm_shared::Permission;
use starcrm_shared::campaigns::{CampaignExclusion, CampaignStatus, RecipientStatus};
use starcrm_shared::customer::{format_money, group_thousands};

use crate::api::campaigns::{CampaignView, LiftView, Recipient, Report, Step};
use crate::api::{self};
use crate::i18n::{I18n, Key, labels, use_i18n};
use crate::state::session::use_session;

/// `0.123` as "12.3%".
fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// ROI as a percentage, or as a multiple of the cost once it passes 10x (a cheap email
/// campaign's ROI runs into the thousands of percent).
fn roi_text(roi: f64) -> String {
    if roi.abs() >= 10.0 {
        #[allow(clippy::cast_possible_truncation)]
        let times = roi.round() as i64;
        format!("{}×", group_thousands(times.unsigned_abs()))
    } else {
        pct(roi)
    }
}

/// A difference in share as signed points: "+3.2 pts".
fn points(i18n: I18n, v: f64) -> String {
    i18n.t(Key::CampPoints).replace("{n}", &format!("{:+.1}", v * 100.0))
}

/// The lift in words: the two rates, the difference with its interval, and whether it could be
/// chance.
fn lift_words(i18n: I18n, l: &LiftView) -> (String, String) {
    let line = i18n
        .t(Key::CampLiftLine)
        .replace("{r}", &pct(l.recipients_rate))
        .replace("{h}", &pct(l.holdout_rate))
        .replace("{d}", &points(i18n, l.lift))
        .replace("{lo}", &format!("{:+.1}", l.low * 100.0))
        .replace("{hi}", &format!("{:+.1}", l.high * 100.0));
    let p = format!("{:.3}", l.p_value);
    let key = if l.significant {
        Key::CampSignificant
    } else if l.too_small {
        Key::CampTooSmall
    } else {
        Key::CampNotSignificant
    };
    let verdict = i18n.t(key).replace("{p}", &p);
    (line, verdict)
}

pub const fn status_label(s: CampaignStatus) -> (Key, &'static str) {
    match s {
        CampaignStatus::Draft => (Key::CampStatusDraft, "pill pill--muted"),
        CampaignStatus::AwaitingApproval => (Key::CampStatusAwaiting, "pill pill--warn"),
        CampaignStatus::Scheduled => (Key::CampStatusScheduled, "pill pill--scope"),
        CampaignStatus::Sending => (Key::CampStatusSending, "pill pill--scope"),
        CampaignStatus::Sent => (Key::CampStatusSent, "pill pill--ok"),
        CampaignStatus::Cancelled => (Key::CampStatusCancelled, "pill pill--muted"),
    }
}

const fn recipient_label(s: RecipientStatus) -> Key {
    match s {
        RecipientStatus::Holdout => Key::CampHoldout,
        RecipientStatus::Excluded => Key::CampRecExcluded,
        RecipientStatus::Queued => Key::InvitationQueued,
        RecipientStatus::Sent => Key::CampRecDelivered,
        RecipientStatus::Skipped => Key::InvitationSkipped,
        RecipientStatus::Failed => Key::InvitationFailed,
        RecipientStatus::Cancelled => Key::MessageCancelled,
    }
}

const fn exclusion_label(e: CampaignExclusion) -> Key {
    match e {
        CampaignExclusion::NoConsent => Key::CampExclNoConsent,
        CampaignExclusion::NoAddress => Key::CampExclNoAddress,
        CampaignExclusion::MessageBudget => Key::CampExclBudget,
        CampaignExclusion::NoCoupon => Key::CampExclNoCoupon,
    }
}

/// One bar of the funnel, as wide as its share of the audience.
fn bar(i18n: I18n, label: Key, n: u64, of: u64, test_id: &'static str) -> impl IntoView {
    #[allow(clippy::cast_precision_loss)]
    let width = if of == 0 { 0.0 } else { (n as f64 / of as f64 * 100.0).clamp(0.0, 100.0) };
    view! {
        <li class="funnel__row" data-testid=test_id>
            <span class="funnel__label">{move || i18n.t(label)}</span>
            <span class="funnel__track"><span class="funnel__bar" style=format!("width: {width:.1}%")></span></span>
            <span class="funnel__value">{group_thousands(n)}</span>
        </li>
    }
}

#[component]
fn Funnel(report: Report) -> impl IntoView {
    let i18n = use_i18n();
    let r = report;
    let of = r.audience.max(1);
    let excluded = r.excluded;
    view! {
        <section class="card" data-testid="campaign-funnel">
            <h2 class="card__title">{move || i18n.t(Key::CampFunnel)}</h2>
            <ul class="funnel">
                {bar(i18n, Key::CampTargeted, r.audience, of, "funnel-targeted")}
                {bar(i18n, Key::CampExcluded, excluded.total(), of, "funnel-excluded")}
                {bar(i18n, Key::CampHoldout, r.held_out, of, "funnel-holdout")}
                {bar(i18n, Key::CampSent, r.sent, of, "funnel-sent")}
                {bar(i18n, Key::CampDelivered, r.delivered, of, "funnel-delivered")}
                {bar(i18n, Key::CampConverted, r.converted, of, "funnel-converted")}
            </ul>
            <p class="muted funnel__reasons">
                {move || {
                    let mut reasons = vec![
                        (Key::CampExclNoConsent, excluded.no_consent),
                        (Key::CampExclNoAddress, excluded.no_address),
                        (Key::CampExclBudget, excluded.message_budget),
                    ];
                    if excluded.no_coupon > 0 {
                        reasons.push((Key::CampExclNoCoupon, excluded.no_coupon));
                    }
                    reasons
                        .into_iter()
                        .map(|(key, n)| format!("{} {}", i18n.t(key), group_thousands(n)))
                        .collect::<Vec<_>>()
                        .join(" · ")
                }}
            </p>
            {(r.skipped.total() + r.queued + r.cancelled + r.unsubscribed > 0).then(|| view! {
                <p class="muted">
                    {move || i18n.t(Key::CampAfterLaunch)
                        .replace("{q}", &group_thousands(r.queued))
                        .replace("{s}", &group_thousands(r.skipped.total()))
                        .replace("{c}", &group_thousands(r.cancelled))
                        .replace("{u}", &group_thousands(r.unsubscribed))}
                </p>
            })}
        </section>
    }
}

#[component]
fn Results(report: Report) -> impl IntoView {
    let i18n = use_i18n();
    let r = report;
    let money = |m: &starcrm_shared::customer::MoneyValue| format_money(m.amount_minor, &m.currency);
    let roi = r.roi.map_or_else(|| "—".to_owned(), roi_text);
    let lift = r.lift;
    let significant = r.lift.is_some_and(|l| l.significant);
    view! {
        <section class="card" data-testid="campaign-results">
            <h2 class="card__title">{move || i18n.t(Key::CampResults)}</h2>
            <dl class="stats stats--four stats--compact">
                <div class="stat"><dt>{move || i18n.t(Key::CampRevenue)}</dt><dd data-testid="result-revenue">{money(&r.revenue)}</dd></div>
                <div class="stat"><dt>{move || i18n.t(Key::CampIncremental)}</dt><dd data-testid="result-incremental">{money(&r.incremental_revenue)}</dd></div>
                <div class="stat"><dt>{move || i18n.t(Key::CampCostLabel)}</dt><dd>{money(&r.cost)}</dd></div>
                <div class="stat"><dt>"ROI"</dt><dd data-testid="result-roi">{roi}</dd></div>
            </dl>
            <div class=if significant { "lift lift--significant" } else { "lift" } data-testid="campaign-lift">
                {match lift {
                    Some(l) => view! {
                        <p class="lift__line">{move || lift_words(i18n, &l).0}</p>
                        <p class=if significant { "lift__verdict lift__verdict--ok" } else { "lift__verdict" } data-testid="lift-verdict">{move || lift_words(i18n, &l).1}</p>
                    }.into_any(),
                    None => view! { <p class="muted">{move || i18n.t(Key::CampNoLift)}</p> }.into_any(),
                }}
            </div>
            <p class="muted">{move || i18n.t(Key::CampConversionRule)}</p>
            <table class="table campaign-stars" data-testid="campaign-by-stars">
                <thead><tr>
                    <th>{move || i18n.t(Key::CampStars)}</th>
                    <th class="num">{move || i18n.t(Key::CampRecipients)}</th>
                    <th class="num">{move || i18n.t(Key::CampHoldout)}</th>
                    <th class="num">{move || i18n.t(Key::CampRevenue)}</th>
                    <th>{move || i18n.t(Key::CampLift)}</th>
                </tr></thead>
                <tbody>
                    {r.by_stars.into_iter().map(|s| {
                        let stars = s.stars;
                        let level = move || if stars == 0 { i18n.t(Key::SearchNotRated).to_owned() } else { format!("{stars}★") };
                        let rate = |c: u64, n: u64| {
                            #[allow(clippy::cast_precision_loss)]
                            let v = if n == 0 { 0.0 } else { c as f64 / n as f64 };
                            format!("{} / {} ({})", group_thousands(c), group_thousands(n), pct(v))
                        };
                        let lift = s.lift;
                        let lift = move || lift.map_or_else(|| "—".to_owned(), |l| {
                            let sig = if l.significant { "" } else { " *" };
                            format!("{}{sig}", points(i18n, l.lift))
                        });
                        view! {
                            <tr data-testid="stars-row">
                                <td>{level}</td>
                                <td class="num">{rate(s.recipients_converted, s.recipients)}</td>
                                <td class="num">{rate(s.holdout_converted, s.holdout)}</td>
                                <td class="num">{format_money(s.revenue.amount_minor, &s.revenue.currency)}</td>
                                <td>{lift}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <p class="muted">{move || i18n.t(Key::CampStarNote)}</p>
        </section>
    }
}

#[component]
fn Recipients(rows: Vec<Recipient>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-testid="campaign-recipients">
            <h2 class="card__title">{move || i18n.t(Key::CampRecipients)}</h2>
            <div class="table-scroll">
                <table class="table">
                    <thead><tr>
                        <th>{move || i18n.t(Key::Customer)}</th>
                        <th>{move || i18n.t(Key::CampStars)}</th>
                        <th>{move || i18n.t(Key::Status)}</th>
                        <th>{move || i18n.t(Key::CampOfferCoupon)}</th>
                        <th>{move || i18n.t(Key::CampSentAt)}</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|r| {
                            let href = format!("/customers/{}", r.customer_id);
                            let (state, exclusion) = (r.status, r.exclusion);
                            let status = move || i18n.t(recipient_label(state)).to_owned()
                                + &exclusion.map(|e| format!(" · {}", i18n.t(exclusion_label(e)))).unwrap_or_default();
                            view! {
                                <tr data-testid="recipient-row">
                                    <td><A href=href>{r.customer_name}</A></td>
                                    <td>{r.stars.map(|s| format!("{s}★")).unwrap_or_default()}</td>
                                    <td>{status}</td>
                                    <td><code>{r.coupon_code.unwrap_or_default()}</code></td>
                                    <td>{let at = r.sent_at.clone(); move || at.as_deref().map(|t| labels::time(i18n.locale(), t)).unwrap_or_default()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// The page of a launched campaign.
#[component]
pub fn CampaignReport(campaign: CampaignView, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let notice = RwSignal::new(None::<String>);
    let recipients = RwSignal::new(Vec::<Recipient>::new());
    let id = campaign.id.clone();
    {
        let id = id.clone();
        leptos::task::spawn_local(async move {
            if let Ok(rows) = api::campaigns::recipients(id).await {
                recipients.set(rows);
            }
        });
    }
    let version = campaign.version;
    let status = campaign.status;
    let act = move |step: Step| {
        let id = id.clone();
        leptos::task::spawn_local(async move {
            match api::campaigns::step(step, &id, version).await {
                Ok(_) => reload.run(()),
                Err(e) => notice.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    let act2 = act.clone();
    let (label, class) = status_label(status);
    let can_cancel = matches!(
        status,
        CampaignStatus::AwaitingApproval | CampaignStatus::Scheduled | CampaignStatus::Sending
    );
    let at = campaign.finished_at.clone().or_else(|| campaign.launched_at.clone());
    let when = move || at.as_deref().map(|t| labels::time(i18n.locale(), t)).unwrap_or_default();
    view! {
        <section class="card campaign-head" data-testid="campaign-head">
            <div class="campaign-head__row">
                <span class=class data-testid="campaign-status">{move || i18n.t(label)}</span>
                <span class="muted">{when}</span>
                <span class="muted">{campaign.offer_text.clone().unwrap_or_default()}</span>
            </div>
            {move || notice.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            <div class="form__actions">
                <Show when=move || status == CampaignStatus::AwaitingApproval && session.can(Permission::CampaignsApprove)>
                    <button type="button" class="button button--primary" data-testid="approve-campaign" on:click={let act = act.clone(); move |_| act(Step::Approve)}>
                        {move || i18n.t(Key::CampApprove)}
                    </button>
                </Show>
                <Show when=move || can_cancel && session.can(Permission::CampaignsManage)>
                    <button type="button" class="button button--danger-outline" data-testid="cancel-campaign" on:click={let act = act2.clone(); move |_| act(Step::Cancel)}>
                        {move || i18n.t(Key::CampCancel)}
                    </button>
                </Show>
                <button type="button" class="button" data-testid="refresh-report" on:click=move |_| reload.run(())>
                    {move || i18n.t(Key::CampRefresh)}
                </button>
            </div>
        </section>
        <div class="campaign-report">
            <Funnel report=campaign.report.clone() />
            <Results report=campaign.report />
        </div>
        {move || (!recipients.get().is_empty()).then(|| view! { <Recipients rows=recipients.get() /> })}
    }
}
