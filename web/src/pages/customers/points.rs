//! The customer page's points card: the balance (what can be spent now, what is still pending,
//! what a refund left owed, what expires soon), the lots in the order they are spent, the
//! history, the vouchers, and redeeming points or a reward, or adjusting by hand with a reason.

use leptos::prelude::*;
use starcrm_shared::Permission;
use starcrm_shared::loyalty::rewards::redeemable;
use starcrm_shared::loyalty::{LotSource, OperationKind, Redeemable};

use crate::api;
use crate::api::loyalty::{LotView, OperationView, PointsView, WarningView};
use crate::components::dialog::Dialog;
use crate::components::error_view::ErrorView;
use crate::components::field::FormError;
use crate::i18n::{I18n, Key, labels, use_i18n};
use crate::pages::member_page::{VoucherRow, why_not};
use crate::state::loaded::load;
use crate::state::session::use_session;

pub(crate) const fn source_label(s: LotSource) -> Key {
    match s {
        LotSource::Purchase => Key::LotPurchase,
        LotSource::Adjustment => Key::LotAdjustment,
        LotSource::Welcome => Key::LotWelcome,
        LotSource::Referral => Key::LotReferral,
        LotSource::Birthday => Key::LotBirthday,
        LotSource::Campaign => Key::LotCampaign,
    }
}

pub(crate) const fn operation_label(k: OperationKind) -> Key {
    match k {
        OperationKind::Earn => Key::PointsEarned,
        OperationKind::Reverse => Key::PointsReversed,
        OperationKind::Redeem => Key::PointsRedeemed,
        OperationKind::Expire => Key::PointsExpired,
        OperationKind::Adjust => Key::PointsAdjusted,
        OperationKind::Gift => Key::PointsGift,
    }
}

/// `+120` / `-80`, grouped by thousands.
pub(crate) fn signed(points: i64) -> String {
    if points > 0 { format!("+{}", grouped(points)) } else { grouped(points) }
}

/// `12,345` / `-80`.
pub(crate) fn grouped(points: i64) -> String {
    let digits = starcrm_shared::customer::group_thousands(points.unsigned_abs());
    if points < 0 { format!("-{digits}") } else { digits }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Redeem,
    Adjust,
}

#[component]
pub fn PointsCard(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let id = StoredValue::new(customer_id);
    let points = load(move || {
        let id = id.get_value();
        async move { api::loyalty::of_customer(&id).await }
    });
    let reload = points.reload;
    reload.run(());
    let acting = RwSignal::new(None::<Action>);
    let rewarding = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    view! {
        <section class="card" data-testid="points-card">
            <div class="analysis-card__head">
                <h2 class="card__title">{move || i18n.t(Key::PointsTitle)}</h2>
                <div class="card__actions">
                    <Show when=move || session.can(Permission::PointsRedeem)>
                        <button type="button" class="button button--small" data-testid="redeem-reward"
                            on:click=move |_| rewarding.set(true)>{move || i18n.t(Key::RedeemReward)}</button>
                        <button type="button" class="button button--small" data-testid="redeem-points"
                            on:click=move |_| acting.set(Some(Action::Redeem))>{move || i18n.t(Key::RedeemPoints)}</button>
                    </Show>
                    <Show when=move || session.can(Permission::PointsAdjust)>
                        <button type="button" class="button button--small" data-testid="adjust-points"
                            on:click=move |_| acting.set(Some(Action::Adjust))>{move || i18n.t(Key::AdjustPoints)}</button>
                    </Show>
                </div>
            </div>
            {move || notice.get().map(|m| view! { <p class="notice notice--ok" role="status" data-testid="points-notice">{m}</p> })}
            {move || match (points.error.get(), points.value.get()) {
                (Some(e), _) => view! { <ErrorView error=e on_retry=reload /> }.into_any(),
                (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
                (None, Some(None)) => view! { <p class="muted">{move || i18n.t(Key::CustomerNotFound)}</p> }.into_any(),
                (None, Some(Some(p))) => view! { <PointsBody points=p /> }.into_any(),
            }}
            {move || rewarding.get().then(|| {
                let (stars, spendable) = points.value.get().flatten().map_or((None, 0), |p| (p.stars, p.spendable));
                view! {
                    <RewardDialog customer_id=id.get_value() stars spendable
                        on_close=Callback::new(move |()| rewarding.set(false))
                        on_done=Callback::new(move |(balance, code): (i64, String)| {
                            rewarding.set(false);
                            notice.set(Some(i18n.t(Key::RewardRedeemedStaff).replace("{c}", &code).replace("{n}", &grouped(balance))));
                            reload.run(());
                        }) />
                }
            })}
            {move || acting.get().map(|action| view! {
                <PointsDialog action customer_id=id.get_value()
                    on_close=Callback::new(move |()| acting.set(None))
                    on_done=Callback::new(move |balance: i64| {
                        acting.set(None);
                        notice.set(Some(i18n.t(Key::PointsBalanceNow).replace("{n}", &grouped(balance))));
                        reload.run(());
                    }) />
            })}
        </section>
    }
}

#[component]
fn PointsBody(points: PointsView) -> impl IntoView {
    let i18n = use_i18n();
    let next_expiry = points.next_expiry.clone();
    let empty = points.lots.is_empty() && points.history.is_empty() && points.vouchers.is_empty();
    view! {
        <dl class="figures">
            <div class="figure figure--wide">
                <dt>{move || i18n.t(Key::PointsBalance)}</dt>
                <dd data-testid="points-balance" class:figure__negative=points.balance < 0>{grouped(points.balance)}</dd>
            </div>
            <div class="figure">
                <dt>{move || i18n.t(Key::PointsSpendable)}</dt>
                <dd data-testid="points-spendable">{grouped(points.spendable)}</dd>
            </div>
            <div class="figure">
                <dt>{move || i18n.t(Key::PointsPending)}</dt>
                <dd data-testid="points-pending">{grouped(points.pending)}</dd>
            </div>
            {(points.debt > 0).then(|| view! {
                <div class="figure">
                    <dt>{move || i18n.t(Key::PointsDebt)}</dt>
                    <dd class="figure__negative" data-testid="points-debt">{grouped(points.debt)}</dd>
                </div>
            })}
            {(points.expiring_soon > 0).then(|| view! {
                <div class="figure">
                    <dt>{move || i18n.t(Key::PointsExpiringSoon)}</dt>
                    <dd data-testid="points-expiring">
                        {grouped(points.expiring_soon)}
                        <span class="figure__small">{move || next_expiry.as_deref().map(|t| format!(" · {}", labels::last_day(i18n.locale(), t))).unwrap_or_default()}</span>
                    </dd>
                </div>
            })}
        </dl>
        {(points.debt > 0).then(|| view! { <p class="notice notice--warn">{move || i18n.t(Key::PointsDebtHelp)}</p> })}
        {if empty {
            view! { <p class="muted" data-testid="points-empty">{move || i18n.t(Key::PointsEmpty)}</p> }.into_any()
        } else {
            view! {
                <h3 class="card__subtitle">{move || i18n.t(Key::PointsLots)}</h3>
                <ul class="points-lots" data-testid="points-lots">
                    {points.lots.into_iter().map(|lot| view! { <Lot lot /> }).collect_view()}
                </ul>
                {(!points.vouchers.is_empty()).then(|| view! {
                    <h3 class="card__subtitle">{move || i18n.t(Key::PointsVouchers)}</h3>
                    <ul class="member-vouchers points-vouchers" data-testid="points-vouchers">
                        {points.vouchers.into_iter().map(|v| view! { <VoucherRow voucher=v /> }).collect_view()}
                    </ul>
                })}
                {(!points.warnings.is_empty()).then(|| view! {
                    <h3 class="card__subtitle">{move || i18n.t(Key::PointsWarnings)}</h3>
                    <ul class="points-warnings" data-testid="points-warnings">
                        {points.warnings.into_iter().map(|w| view! { <WarningRow warning=w /> }).collect_view()}
                    </ul>
                })}
                <h3 class="card__subtitle">{move || i18n.t(Key::PointsHistory)}</h3>
                <ul class="points-history" data-testid="points-history">
                    {points.history.into_iter().map(|op| view! { <Operation op /> }).collect_view()}
                </ul>
            }
            .into_any()
        }}
    }
}

/// One expiry warning: the points and their last day, and how the message went (or that only
/// the change feed's event went out).
#[component]
fn WarningRow(warning: WarningView) -> impl IntoView {
    use starcrm_shared::surveys::MessageStatus;
    let i18n = use_i18n();
    let WarningView { expires_on, points, warned_at, channel, status, skip_reason, sent_at } = warning;
    let (label, class) = match status {
        Some(MessageStatus::Sent) => (Key::InvitationSent, "pill pill--scope"),
        Some(MessageStatus::Queued) => (Key::InvitationQueued, "pill pill--muted"),
        Some(MessageStatus::Skipped) => (Key::InvitationSkipped, "pill pill--warn"),
        Some(MessageStatus::Failed) => (Key::InvitationFailed, "pill pill--urgent"),
        Some(MessageStatus::Cancelled) => (Key::MessageCancelled, "pill pill--muted"),
        None => (Key::PointsWarningEventOnly, "pill pill--muted"),
    };
    let when = sent_at.unwrap_or(warned_at);
    view! {
        <li class="points-warning" data-testid="points-warning">
            <span>{move || i18n.t(Key::PointsWarningLine).replace("{n}", &grouped(points)).replace("{d}", &labels::date(i18n.locale(), &expires_on))}</span>
            <span class="muted small">
                {move || channel.map(|c| format!("{} · ", i18n.t(crate::pages::settings::channel_label(c)))).unwrap_or_default()}
                {move || labels::time(i18n.locale(), &when)}
            </span>
            <span class=class data-testid="points-warning-status">
                {move || i18n.t(label)}
                {move || skip_reason.map(|r| format!(" · {}", i18n.t(crate::pages::settings::skip_label(r)))).unwrap_or_default()}
            </span>
        </li>
    }
}

fn lot_terms(i18n: I18n, lot: &LotView) -> String {
    let mut parts = Vec::new();
    if let (Some(stars), Some(m)) = (lot.stars, lot.multiplier) {
        parts.push(
            i18n.t(Key::PointsEarnedAt).replace("{s}", &stars.to_string()).replace("{m}", &format!("{m}")),
        );
    }
    if labels::minutes_until(&lot.available_at).is_some_and(|m| m > 0) {
        parts.push(
            i18n.t(Key::PointsPendingUntil).replace("{d}", &labels::date(i18n.locale(), &lot.available_at)),
        );
    }
    match &lot.expires_at {
        Some(at) => {
            parts.push(i18n.t(Key::PointsExpiresOn).replace("{d}", &labels::last_day(i18n.locale(), at)));
        }
        None => parts.push(i18n.t(Key::PointsNeverExpire).to_owned()),
    }
    parts.join(" · ")
}

#[component]
fn Lot(lot: LotView) -> impl IntoView {
    let i18n = use_i18n();
    let used_up = lot.remaining == 0;
    let (source, remaining, points) = (lot.source, lot.remaining, lot.points);
    view! {
        <li class="points-lot" class:points-lot--used=used_up data-testid="points-lot">
            <span class="points-lot__amount"><strong>{grouped(remaining)}</strong><span class="muted">{format!(" / {}", grouped(points))}</span></span>
            <span class="points-lot__what">{move || i18n.t(source_label(source))}</span>
            <span class="points-lot__terms muted">{move || lot_terms(i18n, &lot)}</span>
        </li>
    }
}

#[component]
fn Operation(op: OperationView) -> impl IntoView {
    let i18n = use_i18n();
    let kind = op.kind;
    let at = op.created_at.clone();
    let by = op.actor.map(|a| a.name);
    view! {
        <li class="points-op" data-testid="points-op">
            <span class="points-op__what">{move || i18n.t(operation_label(kind))}</span>
            <span class="points-op__points" class:points-op__points--minus=op.points < 0 data-testid="points-op-points">{signed(op.points)}</span>
            <span class="points-op__after muted">{move || i18n.t(Key::PointsAfter).replace("{n}", &grouped(op.balance_after))}</span>
            <span class="points-op__when muted">
                {move || labels::time(i18n.locale(), &at)}
                {by.clone().map(|b| format!(" · {b}"))}
            </span>
            {op.reason.map(|r| view! { <span class="points-op__reason">{r}</span> })}
        </li>
    }
}

#[component]
fn PointsDialog(
    action: Action,
    customer_id: String,
    on_close: Callback<()>,
    on_done: Callback<i64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let amount = RwSignal::new(String::new());
    let taking = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let customer = StoredValue::new(customer_id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(points) = amount.get_untracked().trim().parse::<i64>().ok().filter(|p| *p > 0) else {
            error.set(Some(i18n.t(Key::PointsAmountInvalid).to_owned()));
            return;
        };
        let why = reason.get_untracked();
        error.set(None);
        pending.set(true);
        leptos::task::spawn_local(async move {
            let id = customer.get_value();
            let result = match action {
                Action::Redeem => api::loyalty::redeem(&id, points, &why).await,
                Action::Adjust => {
                    let signed = if taking.get_untracked() { -points } else { points };
                    api::loyalty::adjust(&id, signed, &why).await
                }
            };
            pending.set(false);
            match result {
                Ok(balance) => on_done.run(balance),
                Err(e) => error.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    let title = if action == Action::Redeem { Key::RedeemPoints } else { Key::AdjustPoints };
    view! {
        <Dialog title on_close test_id="points-dialog">
            <form class="form" on:submit=submit novalidate=true>
                <p class="muted">{move || i18n.t(if action == Action::Redeem { Key::RedeemPointsHelp } else { Key::AdjustPointsHelp })}</p>
                {(action == Action::Adjust).then(|| view! {
                    <div class="points-direction" role="radiogroup">
                        <label class="checkbox">
                            <input type="radio" name="direction" data-testid="points-give" prop:checked=move || !taking.get() on:change=move |_| taking.set(false) />
                            {move || i18n.t(Key::PointsGive)}
                        </label>
                        <label class="checkbox">
                            <input type="radio" name="direction" data-testid="points-take" prop:checked=move || taking.get() on:change=move |_| taking.set(true) />
                            {move || i18n.t(Key::PointsTake)}
                        </label>
                    </div>
                })}
                <label class="field">
                    <span class="field__label">{move || i18n.t(Key::PointsAmount)}</span>
                    <input class="field__input" type="number" min="1" step="1" inputmode="numeric" data-testid="points-amount"
                        prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev)) />
                </label>
                <label class="field">
                    <span class="field__label">{move || i18n.t(if action == Action::Adjust { Key::PointsReasonRequired } else { Key::PointsReason })}</span>
                    <input class="field__input" type="text" maxlength="500" data-testid="points-reason"
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                </label>
                <FormError message=error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" data-testid="confirm-points" disabled=move || pending.get()>
                        {move || i18n.t(title)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// Redeem a reward for the customer: the catalogue with what each costs, the ones they cannot
/// have now greyed with the reason.
#[component]
fn RewardDialog(
    customer_id: String,
    stars: Option<i32>,
    spendable: i64,
    on_close: Callback<()>,
    on_done: Callback<(i64, String)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let catalogue = load(move || async move { api::rewards::list(false).await });
    catalogue.reload.run(());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let customer = StoredValue::new(customer_id);
    let redeem = move |reward_id: String| {
        error.set(None);
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::rewards::redeem(&customer.get_value(), &reward_id).await;
            pending.set(false);
            match result {
                Ok(done) => on_done.run((done.balance, done.voucher.code)),
                Err(e) => error.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    view! {
        <Dialog title=Key::RedeemReward on_close test_id="reward-dialog">
            <p class="muted">{move || i18n.t(Key::RedeemRewardHelp).replace("{n}", &grouped(spendable))}</p>
            {move || match (catalogue.error.get(), catalogue.value.get()) {
                (Some(e), _) => view! { <ErrorView error=e on_retry=catalogue.reload /> }.into_any(),
                (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
                (None, Some(list)) if list.is_empty() => view! { <p class="muted">{move || i18n.t(Key::RewardsEmpty)}</p> }.into_any(),
                (None, Some(list)) => view! {
                    <ul class="member-rewards">
                        {list.into_iter().map(|r| {
                            let state = redeemable(r.active, r.min_stars, r.points_cost, r.left, stars, spendable);
                            let id = r.id.clone();
                            let why = why_not(i18n, state, r.min_stars);
                            view! {
                                <li class="member-reward" class:member-reward--off=state != Redeemable::Yes data-testid="reward-option">
                                    <div class="member-reward__text">
                                        <strong class="member-reward__name">{r.name.clone()}</strong>
                                        <span class="member-reward__cost">{i18n.t(Key::MemberCost).replace("{n}", &grouped(r.points_cost))}</span>
                                        {why.map(|w| view! { <span class="muted member-reward__why">{w}</span> })}
                                    </div>
                                    {(state == Redeemable::Yes).then(|| view! {
                                        <button type="button" class="button button--small button--primary" data-testid="reward-redeem"
                                            disabled=move || pending.get() on:click=move |_| redeem(id.clone())>
                                            {move || i18n.t(Key::MemberRedeem)}
                                        </button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
            <FormError message=error />
        </Dialog>
    }
}
