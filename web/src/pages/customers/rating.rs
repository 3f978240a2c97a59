//! The customer page's star card: the stars that apply (and whether set by hand or held by
//! downgrade protection), the score, each criterion's points as bars, the explanation in the
//! page's language, the star history as a step chart, the benefits, and the manual override.

use std::fmt::Write as _;

use leptos::prelude::*;
use starcrm_shared::Permission;
use starcrm_shared::rating_views::{CustomerRating, StarChangeView};

use super::star_text;
use crate::api::{self, ApiError};
use crate::components::dialog::Dialog;
use crate::components::error_view::ErrorView;
use crate::components::field::{FormError, TextField};
use crate::i18n::{I18n, Key, labels, use_i18n};
use crate::state::session::use_session;

#[component]
pub fn RatingCard(customer_id: String, #[prop(into)] on_changed: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = StoredValue::new(customer_id);
    let round = RwSignal::new(0_u32);
    let rating = RwSignal::new(None::<Result<Option<CustomerRating>, ApiError>>);
    let open = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        round.track();
        let lang = i18n.locale().api_language();
        leptos::task::spawn_local(async move {
            rating.set(Some(api::ratings::customer(&id.get_value(), lang).await));
        });
    });
    // The page reloads (the header's stars change too) and says what happened.
    let changed = move |message: Key| on_changed.run(i18n.t(message).to_owned());
    let lift = move |_| {
        leptos::task::spawn_local(async move {
            match api::ratings::lift_override(&id.get_value()).await {
                Ok(()) => changed(Key::OverrideLifted),
                Err(error) => notice.set(Some(labels::form_error(i18n, &error))),
            }
        });
    };
    let can_override = move || session.can(Permission::RatingsOverride);

    view! {
        <section class="card rating-card" data-testid="rating-card" aria-labelledby="rating-title">
            <div class="card__header">
                <h2 class="card__title" id="rating-title">{move || i18n.t(Key::StarRating)}</h2>
                <Show when=can_override>
                    {move || {
                        let manual = matches!(rating.get(), Some(Ok(Some(r))) if r.star_override.is_some());
                        if manual {
                            view! { <button type="button" class="button button--small" data-testid="lift-override" on:click=lift>{move || i18n.t(Key::EndManualStars)}</button> }.into_any()
                        } else {
                            view! { <button type="button" class="button button--small" data-testid="set-stars" on:click=move |_| open.set(true)>{move || i18n.t(Key::SetStars)}</button> }.into_any()
                        }
                    }}
                </Show>
            </div>
            {move || notice.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            {move || match rating.get() {
                None => view! { <div class="skeleton"></div> }.into_any(),
                Some(Err(error)) => view! { <ErrorView error on_retry=Callback::new(move |()| round.update(|r| *r += 1)) /> }.into_any(),
                Some(Ok(None)) => ().into_any(),
                Some(Ok(Some(r))) => view! { <RatingBody rating=r /> }.into_any(),
            }}
        </section>
        <Show when=move || open.get()>
            <OverrideDialog
                customer_id=id.get_value()
                current=match rating.get_untracked() {
                    Some(Ok(Some(r))) => r.stars.and_then(|s| u8::try_from(s).ok()),
                    _ => None,
                }
                on_close=Callback::new(move |()| open.set(false))
                on_saved=Callback::new(move |()| {
                    open.set(false);
                    changed(Key::StarsOverridden);
                })
            />
        </Show>
    }
}

#[component]
fn RatingBody(rating: CustomerRating) -> impl IntoView {
    let i18n = use_i18n();
    let ex = rating.star_explanation.clone();
    let score = rating.star_score.unwrap_or(ex.score);
    let computed = rating.computed_stars;
    let manual = rating.star_override.clone();
    let at_risk = rating.stars_at_risk.clone();
    let stars = rating.stars;
    view! {
        <div class="rating-head">
            <span class="stars stars--big" data-testid="rating-stars" data-stars=stars.map(|s| s.to_string())>{star_text(stars)}</span>
            <div>
                <p class="rating-score" data-testid="rating-score">{move || i18n.t(Key::ScoreOf).replace("{score}", &format!("{score:.1}"))}</p>
                {manual.clone().map(|m| {
                    let until = m.until.clone();
                    view! {
                        <p class="pill pill--warn" data-testid="manual-stars">
                            {move || i18n.t(Key::ManualStars)}
                            {until.clone().map(|u| format!(" · {}", i18n.t(Key::ManualUntil).replace("{date}", &labels::date(i18n.locale(), &u))))}
                        </p>
                        <p class="muted small">{m.reason.clone()}" · "{move || i18n.t(Key::ComputedStarsNote).replace("{n}", &computed.unwrap_or(1).to_string())}</p>
                    }
                })}
                {rating.star_welcome.clone().filter(|_| manual.is_none()).map(|w| view! {
                    <p class="pill pill--ok" data-testid="welcome-stars">
                        {move || i18n.t(Key::WelcomePill)}
                        {format!(" · {}", i18n.t(Key::ManualUntil).replace("{date}", &labels::last_day(i18n.locale(), &w.until)))}
                    </p>
                })}
                {at_risk.map(|r| view! {
                    <p class="pill pill--warn" data-testid="at-risk">
                        {move || i18n.t(Key::AtRiskNote).replace("{n}", &r.stars.to_string()).replace("{date}", &labels::date(i18n.locale(), &r.on))}
                    </p>
                })}
            </div>
        </div>
        <ul class="bars" data-testid="rating-breakdown">
            {ex.breakdown.iter().filter(|c| c.counted).map(|c| {
                let share = if c.max_points > 0.0 { c.points / c.max_points * 100.0 } else { 0.0 };
                let criterion = c.criterion;
                let label = format!("{:.1}/{:.1}", c.points, c.max_points);
                view! {
                    <li class="bars__row">
                        <span class="bars__label">{move || i18n.t(labels::criterion(criterion))}</span>
                        <span class="bars__track"><span class="bars__fill" style=format!("width: {share:.1}%")></span></span>
                        <span class="bars__value mono">{label}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
        <h3 class="card__subtitle">{move || i18n.t(Key::WhyTheseStars)}</h3>
        <ul class="explanation" data-testid="star-explanation"
            data-next-stars=ex.next_stars.map(|n| n.to_string())
            data-next-purchase=ex.next_purchase_minor.map(|n| n.to_string())>
            {ex.lines.into_iter().skip(1).map(|l| view! { <li>{l}</li> }).collect_view()}
        </ul>
        <h3 class="card__subtitle">{move || i18n.t(Key::StarHistoryTitle)}</h3>
        <HistoryChart changes=rating.star_history.clone() />
        <h3 class="card__subtitle">{move || i18n.t(Key::Benefits)}</h3>
        {if rating.benefits.is_empty() {
            view! { <p class="muted">{move || i18n.t(Key::NoBenefits)}</p> }.into_any()
        } else {
            let benefits = rating.benefits.clone();
            view! {
                <div class="benefits" data-testid="benefits">
                    {benefits.into_iter().map(|b| view! { <span class="tag tag--benefit">{move || labels::benefit_text(i18n, &b)}</span> }).collect_view()}
                </div>
            }
            .into_any()
        }}
    }
}

/// The stars over time as a step line (oldest left), with the latest changes listed below.
#[component]
fn HistoryChart(changes: Vec<StarChangeView>) -> impl IntoView {
    let i18n = use_i18n();
    if changes.is_empty() {
        return view! { <p class="muted" data-testid="star-history">{move || i18n.t(Key::NoStarChanges)}</p> }.into_any();
    }
    let mut oldest_first = changes.clone();
    oldest_first.reverse();
    let (w, h) = (300.0_f64, 80.0_f64);
    // The latest stars hold until now: the line runs on to the right edge, so that even a
    // single change reads as a state (a level line with its start marked), not a lone dot.
    if let Some(latest) = oldest_first.last().cloned() {
        oldest_first.push(StarChangeView { at: String::new(), ..latest });
    }
    let n = oldest_first.len();
    let x = |i: usize| {
        if n <= 1 {
            w / 2.0
        } else {
            30.0 + (w - 40.0) * f64::from(u32::try_from(i).unwrap_or(0))
                / f64::from(u32::try_from(n - 1).unwrap_or(1))
        }
    };
    let y = |s: i32| h - 10.0 - (h - 20.0) * f64::from(s.clamp(1, 5) - 1) / 4.0;
    let mut path = String::new();
    for (i, c) in oldest_first.iter().enumerate() {
        let yy = y(c.stars_after.unwrap_or(1));
        if i == 0 {
            let _ = write!(path, "M {:.1} {yy:.1}", x(i));
        } else {
            let _ = write!(path, " H {:.1} V {yy:.1}", x(i));
        }
    }
    // Real changes get a dot; the "now" end of a single state does not.
    let dots: Vec<(f64, f64)> = oldest_first
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.at.is_empty())
        .map(|(i, c)| (x(i), y(c.stars_after.unwrap_or(1))))
        .collect();
    let recent: Vec<StarChangeView> = changes.into_iter().take(5).collect();
    view! {
        <div data-testid="star-history">
            <svg class="history-chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label=move || i18n.t(Key::StarHistoryTitle)>
                {(1..=5).map(|s| view! {
                    <line class="history-chart__grid" x1="22" x2=w.to_string() y1=format!("{:.1}", y(s)) y2=format!("{:.1}", y(s)) />
                    <text class="history-chart__axis" x="0" y=format!("{:.1}", y(s) + 3.5)>{format!("{s}★")}</text>
                }).collect_view()}
                <path class="history-chart__line" d=path />
                {dots.into_iter().map(|(cx, cy)| view! { <circle class="history-chart__dot" cx=format!("{cx:.1}") cy=format!("{cy:.1}") r="3" /> }).collect_view()}
            </svg>
            <ul class="history-list">
                {recent.iter().map(|c| history_row(i18n, c)).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

fn history_row(i18n: I18n, c: &StarChangeView) -> impl IntoView {
    let trigger = c.trigger;
    let from = c.stars_before.map_or_else(|| "—".to_owned(), |s| s.to_string());
    let to = c.stars_after.map_or_else(|| "—".to_owned(), |s| s.to_string());
    let who = c.actor_name.clone().filter(|n| n != "system");
    view! {
        <li class="history-list__row" data-testid="star-change">
            <span class="muted small">{labels::date(i18n.locale(), &c.at)}</span>
            <span class="mono">{format!("{from} → {to} ★")}</span>
            <span>{move || i18n.t(labels::trigger(trigger))}</span>
            {who.map(|w| view! { <span class="muted small">{w}</span> })}
            {c.reason.clone().map(|r| view! { <span class="muted small">{format!("“{r}”")}</span> })}
        </li>
    }
}

/// `current`: the stars the customer has now, chosen at first so that the dialog starts from
/// what is (a change is then a deliberate step away from it).
#[component]
fn OverrideDialog(
    customer_id: String,
    current: Option<u8>,
    on_close: Callback<()>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let stars = RwSignal::new(current.filter(|s| (1..=5).contains(s)).unwrap_or(1));
    let reason = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let server_reason = RwSignal::new(None::<String>);
    let server_until = RwSignal::new(None::<String>);
    let reason_error = Signal::derive(move || {
        server_reason.get().or_else(|| {
            (touched.get() && reason.get().trim().is_empty())
                .then(|| labels::invalid(i18n, starcrm_shared::validate::Invalid::Required))
        })
    });
    let until_error = Signal::derive(move || server_until.get());
    let id = StoredValue::new(customer_id);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        touched.set(true);
        let text = reason.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        let end = until.get_untracked();
        let end = (!end.is_empty()).then(|| labels::local_day_start(&end, 1)).flatten();
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::ratings::set_override(&id.get_value(), stars.get_untracked(), &text, end).await;
            pending.set(false);
            match result {
                Ok(()) => on_saved.run(()),
                Err(failure) => {
                    server_reason.set(labels::field_error(i18n, &failure, "reason"));
                    server_until.set(labels::field_error(i18n, &failure, "until"));
                    if server_reason.get_untracked().is_none() && server_until.get_untracked().is_none() {
                        form_error.set(Some(labels::form_error(i18n, &failure)));
                    }
                }
            }
        });
    };
    view! {
        <Dialog title=Key::OverrideTitle on_close test_id="override-dialog">
            <form class="form" on:submit=submit novalidate=true>
                <p class="muted">{move || i18n.t(Key::OverrideBody)}</p>
                <fieldset class="star-picker">
                    <legend>{move || i18n.t(Key::OverrideStars)}</legend>
                    {(1..=5_u8).map(|n| view! {
                        <label class="star-picker__option">
                            <input type="radio" name="override-stars" value=n.to_string() data-testid=format!("override-stars-{n}")
                                prop:checked=move || stars.get() == n on:change=move |_| stars.set(n) />
                            <span>{star_text(Some(i16::from(n)))}</span>
                        </label>
                    }).collect_view()}
                </fieldset>
                <TextField label=Key::OverrideReason value=reason error=reason_error name="override-reason" autocomplete="off" />
                <TextField label=Key::OverrideUntil value=until error=until_error name="override-until" input_type="date" />
                <FormError message=form_error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" disabled=move || pending.get() data-testid="confirm-override">
                        {move || i18n.t(Key::SetStars)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
