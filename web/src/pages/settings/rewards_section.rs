//! Settings > Points > Rewards: the catalogue members spend points on (money off, a discount, a
//! gift, a shop coupon from a pool of codes), each with its cost, the least stars that may redeem
//! it, its stock and how long its vouchers stay valid.

use leptos::prelude::*;
use starcrm_shared::loyalty::{RewardCodes, RewardKind, RewardSpec};

use crate::api;
use crate::api::rewards::RewardView;
use crate::components::dialog::Dialog;
use crate::components::error_view::ErrorView;
use crate::components::field::FormError;
use crate::i18n::{Key, labels, use_i18n};
use crate::pages::customers::points::grouped;
use crate::state::loaded::load;

const fn kind_label(k: RewardKind) -> Key {
    match k {
        RewardKind::Coupon => Key::RewardCoupon,
        RewardKind::Gift => Key::RewardGift,
        RewardKind::Discount => Key::RewardDiscount,
        RewardKind::Cash => Key::RewardCash,
    }
}

#[component]
pub fn RewardsCard() -> impl IntoView {
    let i18n = use_i18n();
    let rewards = load(|| api::rewards::list(true));
    let reload = rewards.reload;
    reload.run(());
    // None: closed; Some(None): a new reward; Some(Some(r)): editing r.
    let editing = RwSignal::new(None::<Option<RewardView>>);
    view! {
        <section class="card settings-card" data-testid="rewards-card">
            <div class="analysis-card__head">
                <h3 class="card__title">{move || i18n.t(Key::RewardsTitle)}</h3>
                <button type="button" class="button button--small button--primary" data-testid="add-reward"
                    on:click=move |_| editing.set(Some(None))>{move || i18n.t(Key::RewardAdd)}</button>
            </div>
            <p class="muted">{move || i18n.t(Key::RewardsHelp)}</p>
            {move || match (rewards.error.get(), rewards.value.get()) {
                (Some(e), _) => view! { <ErrorView error=e on_retry=reload /> }.into_any(),
                (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
                (None, Some(list)) if list.is_empty() => view! { <p class="muted">{move || i18n.t(Key::RewardsNone)}</p> }.into_any(),
                (None, Some(list)) => view! {
                    <div class="table-wrap">
                        <table class="table" data-testid="rewards-table">
                            <thead><tr>
                                <th>{move || i18n.t(Key::RewardName)}</th>
                                <th>{move || i18n.t(Key::RewardKindLabel)}</th>
                                <th class="num">{move || i18n.t(Key::RewardCost)}</th>
                                <th>{move || i18n.t(Key::RewardMinStars)}</th>
                                <th class="num">{move || i18n.t(Key::RewardIssuedLeft)}</th>
                                <th></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|r| {
                                    let left = r.left.map_or_else(|| "∞".to_owned(), grouped);
                                    let row = r.clone();
                                    view! {
                                        <tr class:muted=!r.active data-testid="reward-row">
                                            <td><strong>{r.name.clone()}</strong>
                                                {(!r.active).then(|| view! { <span class="muted">{move || format!(" · {}", i18n.t(Key::RewardOff))}</span> })}</td>
                                            <td>{move || i18n.t(kind_label(r.kind))}</td>
                                            <td class="num">{grouped(r.points_cost)}</td>
                                            <td>{format!("{}★+", r.min_stars)}</td>
                                            <td class="num">{format!("{} / {left}", grouped(i64::from(r.issued)))}</td>
                                            <td><button type="button" class="button button--small" data-testid="edit-reward"
                                                on:click=move |_| editing.set(Some(Some(row.clone())))>{move || i18n.t(Key::Edit)}</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
            {move || editing.get().map(|reward| view! {
                <RewardEditor reward
                    on_close=Callback::new(move |()| editing.set(None))
                    on_saved=Callback::new(move |()| { editing.set(None); reload.run(()); }) />
            })}
        </section>
    }
}

fn optional_whole(text: &str) -> Result<Option<i64>, ()> {
    let t = text.trim();
    if t.is_empty() { Ok(None) } else { t.parse::<i64>().map(Some).map_err(|_| ()) }
}

/// A money amount typed in currency units (`12.5`) as minor units.
fn money_minor(text: &str) -> Result<Option<i64>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let v: f64 = t.parse().map_err(|_| ())?;
    if !v.is_finite() || v <= 0.0 || v > 1e10 {
        return Err(());
    }
    #[allow(clippy::cast_possible_truncation, reason = "bounded above")]
    Ok(Some((v * 100.0).round() as i64))
}

#[allow(clippy::cast_precision_loss, reason = "money shown in an input")]
fn money_text(minor: Option<i64>) -> String {
    minor.map(|m| format!("{}", m as f64 / 100.0)).unwrap_or_default()
}

#[component]
fn RewardEditor(reward: Option<RewardView>, on_close: Callback<()>, on_saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(reward.as_ref().map(|r| (r.id.clone(), r.version)));
    let start = reward.as_ref().map(RewardView::spec);
    let pool_left = reward.as_ref().filter(|r| r.codes == RewardCodes::Pool).and_then(|r| r.left);
    let name = RwSignal::new(start.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let description = RwSignal::new(start.as_ref().and_then(|s| s.description.clone()).unwrap_or_default());
    let kind = RwSignal::new(start.as_ref().map_or(RewardKind::Cash, |s| s.kind));
    let cost = RwSignal::new(start.as_ref().map(|s| s.points_cost.to_string()).unwrap_or_default());
    let min_stars = RwSignal::new(start.as_ref().map_or(1, |s| s.min_stars));
    let stock =
        RwSignal::new(start.as_ref().and_then(|s| s.stock).map(|s| s.to_string()).unwrap_or_default());
    let value = RwSignal::new(money_text(start.as_ref().and_then(|s| s.value_minor)));
    let percent =
        RwSignal::new(start.as_ref().and_then(|s| s.percent_off).map(|p| p.to_string()).unwrap_or_default());
    let codes = RwSignal::new(start.as_ref().map_or(RewardCodes::Generated, |s| s.codes));
    let valid_days = RwSignal::new(
        start.as_ref().map_or(Some(90), |s| s.valid_days).map(|d| d.to_string()).unwrap_or_default(),
    );
    let active = RwSignal::new(start.as_ref().is_none_or(|s| s.active));
    let new_codes = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let numbers = (
            cost.get_untracked().trim().parse::<i64>().ok(),
            optional_whole(&stock.get_untracked()),
            money_minor(&value.get_untracked()),
            optional_whole(&percent.get_untracked()),
            optional_whole(&valid_days.get_untracked()),
        );
        let (Some(points_cost), Ok(stock), Ok(value_minor), Ok(percent_off), Ok(valid_days)) = numbers else {
            error.set(Some(i18n.t(Key::RewardNumbersInvalid).to_owned()));
            return;
        };
        let small = |v: Option<i64>| v.and_then(|v| i32::try_from(v).ok());
        let kind_now = kind.get_untracked();
        let spec = RewardSpec {
            name: name.get_untracked(),
            description: Some(description.get_untracked()).filter(|d| !d.trim().is_empty()),
            kind: kind_now,
            points_cost,
            min_stars: min_stars.get_untracked(),
            stock: small(stock),
            value_minor: value_minor.filter(|_| kind_now != RewardKind::Discount),
            percent_off: small(percent_off).filter(|_| kind_now == RewardKind::Discount),
            codes: codes.get_untracked(),
            valid_days: small(valid_days),
            active: active.get_untracked(),
        };
        let pool: Vec<String> = new_codes
            .get_untracked()
            .lines()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        error.set(None);
        pending.set(true);
        leptos::task::spawn_local(async move {
            let editing = id.get_value();
            let saved = api::rewards::save(
                editing.as_ref().map(|(i, _)| i.as_str()),
                editing.as_ref().map(|(_, v)| *v),
                &spec,
            )
            .await;
            let result = match saved {
                Ok(reward_id) if spec.codes == RewardCodes::Pool && !pool.is_empty() => {
                    api::rewards::add_codes(&reward_id, &pool).await.map(|_| ())
                }
                other => other.map(|_| ()),
            };
            pending.set(false);
            match result {
                Ok(()) => on_saved.run(()),
                Err(e) => error.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    let text_field = move |label: Key, value: RwSignal<String>, test_id: &'static str, hint: Option<Key>| {
        view! {
            <label class="field">
                <span class="field__label">{move || i18n.t(label)}</span>
                <input class="field__input" type="text" data-testid=test_id prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev)) />
                {hint.map(|h| view! { <span class="field__hint">{move || i18n.t(h)}</span> })}
            </label>
        }
    };
    let title = if reward.is_some() { Key::RewardEdit } else { Key::RewardAdd };
    view! {
        <Dialog title on_close test_id="reward-editor" wide=true>
            <form class="form" on:submit=save novalidate=true>
                <div class="form-grid">
                    {text_field(Key::RewardName, name, "reward-name", None)}
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Key::RewardKindLabel)}</span>
                        <select class="field__input" data-testid="reward-kind"
                            on:change=move |ev| if let Some(k) = RewardKind::parse(&event_target_value(&ev)) { kind.set(k) }>
                            {RewardKind::ALL.iter().map(|k| {
                                let k = *k;
                                view! { <option value=k.as_str() selected=move || kind.get() == k>{move || i18n.t(kind_label(k))}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    {text_field(Key::RewardCost, cost, "reward-cost", None)}
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Key::RewardMinStars)}</span>
                        <select class="field__input" data-testid="reward-min-stars"
                            on:change=move |ev| if let Ok(n) = event_target_value(&ev).parse() { min_stars.set(n) }>
                            {(1..=5).map(|n| view! { <option value=n.to_string() selected=move || min_stars.get() == n>{format!("{n} ★+")}</option> }).collect_view()}
                        </select>
                    </label>
                    <Show when=move || kind.get() == RewardKind::Discount
                        fallback=move || text_field(Key::RewardValue, value, "reward-value", Some(Key::RewardValueHint))>
                        {text_field(Key::RewardPercent, percent, "reward-percent", None)}
                    </Show>
                    {text_field(Key::RewardValidDays, valid_days, "reward-valid-days", Some(Key::RewardValidDaysHint))}
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Key::RewardCodesLabel)}</span>
                        <select class="field__input" data-testid="reward-codes"
                            on:change=move |ev| if let Some(c) = RewardCodes::parse(&event_target_value(&ev)) { codes.set(c) }>
                            <option value="generated" selected=move || codes.get() == RewardCodes::Generated>{move || i18n.t(Key::RewardCodesGenerated)}</option>
                            <option value="pool" selected=move || codes.get() == RewardCodes::Pool>{move || i18n.t(Key::RewardCodesPool)}</option>
                        </select>
                    </label>
                    <Show when=move || codes.get() == RewardCodes::Generated>
                        {text_field(Key::RewardStock, stock, "reward-stock", Some(Key::RewardStockHint))}
                    </Show>
                </div>
                {text_field(Key::RewardDescription, description, "reward-description", None)}
                <Show when=move || codes.get() == RewardCodes::Pool>
                    <label class="field">
                        <span class="field__label">{move || i18n.t(Key::RewardPoolCodes)}</span>
                        <textarea class="field__input" rows="4" data-testid="reward-pool-codes"
                            prop:value=move || new_codes.get() on:input=move |ev| new_codes.set(event_target_value(&ev))></textarea>
                        <span class="field__hint">{move || {
                            let left = pool_left.map(|n| i18n.t(Key::RewardPoolLeft).replace("{n}", &grouped(n))).unwrap_or_default();
                            format!("{} {left}", i18n.t(Key::RewardPoolHint))
                        }}</span>
                    </label>
                </Show>
                <label class="checkbox">
                    <input type="checkbox" data-testid="reward-active" prop:checked=move || active.get()
                        on:change=move |ev| active.set(event_target_checked(&ev)) />
                    {move || i18n.t(Key::RewardActive)}
                </label>
                <FormError message=error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" data-testid="save-reward" disabled=move || pending.get()>
                        {move || i18n.t(Key::Save)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
