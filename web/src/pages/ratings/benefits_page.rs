//! Tier benefits settings: per star level, its benefits (kind, a value for discounts and
//! multipliers, words for gifts and anything else) and whether it includes the levels below.

use leptos::prelude::*;
use starcrm_shared::Permission;
use starcrm_shared::tiers::{Benefit, BenefitKind, Tier};

use crate::api::{self, ApiError};
use crate::components::error_view::ErrorView;
use crate::components::field::FormError;
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::pages::settings::SettingsLayout;
use crate::state::session::use_session;

#[component]
pub fn BenefitsPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::NavBenefits);
    let round = RwSignal::new(0_u32);
    let loaded = RwSignal::new(None::<Result<Vec<Tier>, ApiError>>);
    Effect::new(move |_| {
        round.track();
        leptos::task::spawn_local(async move { loaded.set(Some(api::ratings::tiers().await)) });
    });
    view! {
        <SettingsLayout title=Key::NavBenefits subtitle=Key::BenefitsSubtitle>
            {move || match loaded.get() {
                None => view! { <div class="skeleton" aria-label=i18n.t(Key::Loading)></div> }.into_any(),
                Some(Err(error)) => view! { <ErrorView error on_retry=Callback::new(move |()| round.update(|r| *r += 1)) /> }.into_any(),
                Some(Ok(tiers)) => view! { <TiersEditor tiers /> }.into_any(),
            }}
        </SettingsLayout>
    }
}

#[component]
fn TiersEditor(tiers: Vec<Tier>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let can_manage = move || session.can(Permission::RatingsManage);
    let tiers = RwSignal::new(tiers);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let save = move |_| {
        pending.set(true);
        leptos::task::spawn_local(async move {
            match api::ratings::save_tiers(&tiers.get_untracked()).await {
                Ok(saved) => {
                    tiers.set(saved);
                    error.set(None);
                    notice.set(Some(i18n.t(Key::BenefitsSaved).to_owned()));
                }
                Err(failure) => {
                    notice.set(None);
                    error.set(Some(failure.field.as_ref().map_or_else(
                        || labels::form_error(i18n, &failure),
                        |f| format!("{f}: {}", labels::form_error(i18n, &failure)),
                    )));
                }
            }
            pending.set(false);
        });
    };
    view! {
        {move || notice.get().map(|m| view! { <p class="notice notice--ok notice--spaced" role="status" data-testid="notice">{m}</p> })}
        <Show when=move || !can_manage()>
            <p class="notice notice--info" role="note" data-testid="read-only-note">{move || i18n.t(Key::BenefitsReadOnly)}</p>
        </Show>
        <fieldset class="tiers" disabled=move || !can_manage()>
            {(0..5_usize).rev().map(|t| view! { <TierCard tiers index=t /> }).collect_view()}
        </fieldset>
        <FormError message=error />
        <Show when=can_manage>
            <div class="form__actions form__actions--start">
                <button type="button" class="button button--primary" data-testid="save-benefits" disabled=move || pending.get() on:click=save>
                    {move || i18n.t(Key::Save)}
                </button>
            </div>
        </Show>
    }
}

#[component]
fn TierCard(tiers: RwSignal<Vec<Tier>>, index: usize) -> impl IntoView {
    let i18n = use_i18n();
    let count = move || tiers.with(|t| t.get(index).map_or(0, |t| t.benefits.len()));
    let stars = index + 1;
    view! {
        <section class="card tier" data-testid=format!("tier-{stars}")>
            <div class="card__header">
                <h2 class="card__title stars">{"★".repeat(stars)}</h2>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || tiers.with(|t| t.get(index).is_some_and(|t| t.includes_lower))
                        on:change=move |ev| { let on = event_target_checked(&ev); tiers.update(|t| t[index].includes_lower = on) } />
                    {move || i18n.t(Key::IncludesLower)}
                </label>
            </div>
            <input class="field__input tier__name" type="text" maxlength="20" data-testid=format!("tier-name-{stars}")
                    placeholder=move || i18n.t(Key::TierNamePlaceholder) aria-label=move || i18n.t(Key::TierName)
                    prop:value=move || tiers.with(|t| t.get(index).and_then(|t| t.name.clone()).unwrap_or_default())
                    on:input=move |ev| { let v = event_target_value(&ev); tiers.update(|t| t[index].name = Some(v)) } />
            {move || (0..count()).map(|b| view! { <BenefitRow tiers tier=index index=b /> }).collect_view()}
            <button type="button" class="button button--small" data-testid=format!("add-benefit-{stars}")
                on:click=move |_| tiers.update(|t| t[index].benefits.push(Benefit { kind: BenefitKind::Custom, value: None, text: Some(String::new()) }))>
                "+ "{move || i18n.t(Key::AddBenefit)}
            </button>
        </section>
    }
}

#[component]
fn BenefitRow(tiers: RwSignal<Vec<Tier>>, tier: usize, index: usize) -> impl IntoView {
    let i18n = use_i18n();
    let get = move || tiers.with(|t| t.get(tier).and_then(|t| t.benefits.get(index)).cloned());
    let kind = move || get().map_or(BenefitKind::Custom, |b| b.kind);
    let edit = move |f: &dyn Fn(&mut Benefit)| {
        tiers.update(|t| {
            if let Some(b) = t[tier].benefits.get_mut(index) {
                f(b);
            }
        });
    };
    view! {
        <div class="benefit-row" data-testid="benefit-row">
            <select class="field__input" aria-label=move || i18n.t(Key::Benefits) on:change=move |ev| {
                if let Some(k) = BenefitKind::parse(&event_target_value(&ev)) {
                    edit(&|b: &mut Benefit| {
                        b.kind = k;
                        b.value = match k {
                            BenefitKind::Discount => Some(b.value.unwrap_or(5.0)),
                            BenefitKind::PointsMultiplier => Some(b.value.unwrap_or(1.5)),
                            _ => None,
                        };
                    });
                }
            }>
                {BenefitKind::ALL.iter().map(|&k| view! { <option value=k.as_str() selected=move || kind() == k>{move || i18n.t(labels::benefit(k))}</option> }).collect_view()}
            </select>
            <Show when=move || matches!(kind(), BenefitKind::Discount | BenefitKind::PointsMultiplier)>
                // The value's unit beside it: a discount in percent off, a multiplier in times the points.
                <span class="unit-input" data-testid="benefit-value">
                    <input type="number" min="0" step="any" class="field__input field__input--short"
                        aria-label=move || format!("{} ({})", i18n.t(Key::BenefitValue), i18n.t(if kind() == BenefitKind::Discount { Key::UnitPercentOff } else { Key::UnitTimesPoints }))
                        prop:value=move || get().and_then(|b| b.value).map(|v| v.to_string()).unwrap_or_default()
                        on:change=move |ev| { let v = event_target_value(&ev).trim().parse::<f64>().ok(); edit(&|b: &mut Benefit| b.value = v) } />
                    <span class="muted small">{move || i18n.t(if kind() == BenefitKind::Discount { Key::UnitPercentOff } else { Key::UnitTimesPoints })}</span>
                </span>
            </Show>
            <Show when=move || matches!(kind(), BenefitKind::BirthdayGift | BenefitKind::Custom)>
                <input type="text" class="field__input" aria-label=move || i18n.t(Key::BenefitText) maxlength="200"
                    prop:value=move || get().and_then(|b| b.text).unwrap_or_default()
                    on:change=move |ev| { let v = event_target_value(&ev); edit(&|b: &mut Benefit| b.text = Some(v.clone())) } />
            </Show>
            <button type="button" class="button button--small button--danger-outline benefit-row__remove"
                aria-label=move || i18n.t(Key::Remove) title=move || i18n.t(Key::Remove)
                on:click=move |_| tiers.update(|t| { if index < t[tier].benefits.len() { t[tier].benefits.remove(index); } })>
                "✕"
            </button>
        </div>
    }
}
