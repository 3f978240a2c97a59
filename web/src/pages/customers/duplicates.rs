//! Possible duplicates of a customer, the merge dialog with its preview, and the merges into a
//! customer with their undo.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use starcrm_shared::Permission;
use starcrm_shared::customer::{CustomerDetail, DuplicateCustomer, DuplicateView, format_money};

use super::customer_page::PageState;
use crate::api::{self, ApiError};
use crate::components::dialog::Dialog;
use crate::components::field::FormError;
use crate::i18n::{Key, labels, use_i18n};
use crate::state::session::use_session;

#[component]
pub fn DuplicatesCard(customer: CustomerDetail, state: PageState) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let found = RwSignal::new(None::<Result<Vec<DuplicateView>, ApiError>>);
    let merging = RwSignal::new(None::<DuplicateView>);
    let id = StoredValue::new(customer.id.clone());
    leptos::task::spawn_local(async move {
        found.set(Some(api::customers::duplicates(&id.get_value()).await));
    });
    let this = StoredValue::new(customer);
    view! {
        <section class="card" data-testid="duplicates-card">
            <h2 class="card__title">{move || i18n.t(Key::Duplicates)}</h2>
            {move || match found.get() {
                None => view! { <p class="muted">{i18n.t(Key::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="field__error">{labels::form_error(i18n, &failure)}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted" data-testid="no-duplicates">{i18n.t(Key::NoDuplicates)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="duplicate-list">
                        {list
                            .into_iter()
                            .map(|candidate| {
                                let c = candidate.customer.clone();
                                let reasons = candidate.reasons.clone();
                                let phone = c.phones.iter().find(|p| p.primary).or(c.phones.first()).map(|p| p.value.clone());
                                view! {
                                    <li class="duplicate-list__item" data-testid="duplicate" data-code=c.code.clone()>
                                        <div class="duplicate-list__who">
                                            <a class="cell-title" href=format!("/customers/{}", c.id)>{c.name.clone()}</a>
                                            <div class="cell-sub cell-sub--wrap">
                                                <span class="mono">{c.code.clone()}</span>
                                                {phone.map(|p| view! { <span class="mono">{p}</span> })}
                                                {reasons.into_iter().map(|r| view! { <span class="pill pill--warn">{move || i18n.t(labels::duplicate(r))}</span> }).collect_view()}
                                            </div>
                                        </div>
                                        <Show when=move || session.can(Permission::CustomersWrite)>
                                            <button
                                                type="button"
                                                class="button button--small"
                                                data-testid="merge"
                                                on:click={
                                                    let candidate = candidate.clone();
                                                    move |_| merging.set(Some(candidate.clone()))
                                                }
                                            >
                                                {move || i18n.t(Key::Merge)}
                                            </button>
                                        </Show>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any(),
            }}
        </section>
        {move || merging.get().map(|candidate| view! {
            <MergeDialog this=this.get_value() other=candidate state on_close=Callback::new(move |()| merging.set(None)) />
        })}
    }
}

/// The two sides of a merge as the preview compares them.
#[derive(Clone)]
struct Side {
    id: String,
    code: String,
    name: String,
    version: i32,
    orders: i32,
    spend: String,
    identities: usize,
    interactions: Option<u64>,
    phones: Vec<String>,
    emails: Vec<String>,
    tags: Vec<String>,
}

impl Side {
    fn of_detail(c: &CustomerDetail) -> Self {
        Self {
            id: c.id.clone(),
            code: c.code.clone(),
            name: c.name.clone(),
            version: c.version,
            orders: c.order_count,
            spend: format_money(c.total_spend.amount_minor, &c.total_spend.currency),
            identities: c.identities.len(),
            interactions: None,
            phones: c.phones.iter().map(|p| p.value.clone()).collect(),
            emails: c.emails.iter().map(|p| p.value.clone()).collect(),
            tags: c.tags.clone(),
        }
    }

    fn of_candidate(c: &DuplicateCustomer) -> Self {
        Self {
            id: c.id.clone(),
            code: c.code.clone(),
            name: c.name.clone(),
            version: c.version,
            orders: c.order_count,
            spend: format_money(c.total_spend.amount_minor, &c.total_spend.currency),
            identities: c.identities.len(),
            interactions: Some(c.interaction_count.total_count),
            phones: c.phones.iter().map(|p| p.value.clone()).collect(),
            emails: c.emails.iter().map(|p| p.value.clone()).collect(),
            tags: c.tags.clone(),
        }
    }
}

/// Union of two lists, in order, without repeats.
fn union(a: &[String], b: &[String]) -> Vec<String> {
    let mut out = a.to_vec();
    for item in b {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

#[component]
fn MergeDialog(
    this: CustomerDetail,
    other: DuplicateView,
    state: PageState,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let this_side = Side::of_detail(&this);
    let other_side = Side::of_candidate(&other.customer);
    // The one kept: this customer unless the reader picks the other.
    let keep_this = RwSignal::new(true);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let sides = StoredValue::new((this_side, other_side));
    let pair = move || {
        sides.with_value(
            |(a, b)| if keep_this.get() { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) },
        )
    };
    let confirm = move |_| {
        let (survivor, merged) = pair();
        pending.set(true);
        error.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = api::customers::merge(&survivor.id, &merged.id, survivor.version).await;
            pending.set(false);
            match result {
                Ok(kept) => {
                    on_close.run(());
                    state.say(
                        i18n.t(Key::Merged)
                            .replace("{merged}", &merged.code)
                            .replace("{survivor}", &survivor.code),
                    );
                    if kept.id == sides.with_value(|(a, _)| a.id.clone()) {
                        state.reload();
                    } else {
                        navigate(
                            &format!("/customers/{}", kept.id),
                            leptos_router::NavigateOptions::default(),
                        );
                    }
                }
                Err(failure) => error.set(Some(labels::form_error(i18n, &failure))),
            }
        });
    };
    let choice = move |keep: bool| {
        let side = sides.with_value(|(a, b)| if keep { a.clone() } else { b.clone() });
        view! {
            <label class="checkbox checkbox--card merge-choice">
                <input type="radio" name="merge-keep" checked=move || keep_this.get() == keep on:change=move |_| keep_this.set(keep) />
                <span>
                    <span class="checkbox__title">{side.name.clone()}" · "<span class="mono">{side.code.clone()}</span></span>
                    <span class="checkbox__sub">{move || format!("{} {} · {}", i18n.t(Key::Orders), side.orders, side.spend)}</span>
                </span>
            </label>
        }
    };
    view! {
        <Dialog title=Key::MergeTitle on_close test_id="merge-dialog" wide=true>
            <p class="field__label">{move || i18n.t(Key::MergeKeep)}</p>
            <div class="merge-choices">
                {choice(true)}
                {choice(false)}
            </div>
            {move || {
                let (survivor, merged) = pair();
                let phones = union(&survivor.phones, &merged.phones);
                let emails = union(&survivor.emails, &merged.emails);
                let tags = union(&survivor.tags, &merged.tags);
                let interactions = merged.interactions.map_or_else(|| "—".to_owned(), |n| n.to_string());
                let text = i18n
                    .t(Key::MergePreview)
                    .replace("{merged}", &format!("{} ({})", merged.name, merged.code))
                    .replace("{survivor}", &format!("{} ({})", survivor.name, survivor.code))
                    .replace("{identities}", &merged.identities.to_string())
                    .replace("{orders}", &merged.orders.to_string())
                    .replace("{interactions}", &interactions);
                view! {
                    <p class="merge-preview__text" data-testid="merge-preview">{text}</p>
                    <div class="merge-preview">
                        <p class="merge-preview__title">{i18n.t(Key::MergeResult)}" · "{survivor.name.clone()}" · "<span class="mono">{survivor.code.clone()}</span></p>
                        <dl class="details details--compact">
                            <div><dt>{i18n.t(Key::Orders)}</dt><dd>{survivor.orders + merged.orders}</dd></div>
                            <div><dt>{i18n.t(Key::Identities)}</dt><dd>{survivor.identities + merged.identities}</dd></div>
                            <div><dt>{i18n.t(Key::Phones)}</dt><dd class="mono">{phones.join("，")}</dd></div>
                            <div><dt>{i18n.t(Key::Emails)}</dt><dd class="mono">{emails.join("，")}</dd></div>
                            <div><dt>{i18n.t(Key::Tags)}</dt><dd>{tags.into_iter().map(|t| view! { <span class="tag">{t}</span>" " }).collect_view()}</dd></div>
                        </dl>
                    </div>
                }
            }}
            <FormError message=error />
            <div class="form__actions">
                <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                <button type="button" class="button button--primary" disabled=move || pending.get() data-testid="confirm-merge" on:click=confirm>
                    {move || i18n.t(Key::MergeConfirm)}
                </button>
            </div>
        </Dialog>
    }
}

/// Merges into this customer, newest first, each with its undo while it is recent.
#[component]
pub fn MergesCard(customer: CustomerDetail, state: PageState) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let error = RwSignal::new(None::<String>);
    let live = !customer.deleted && !customer.erased;
    if customer.merges.is_empty() {
        return ().into_any();
    }
    let unmerge = move |merge_id: String| {
        leptos::task::spawn_local(async move {
            match api::customers::unmerge(&merge_id).await {
                Ok(()) => {
                    state.say(i18n.t(Key::Unmerged).to_owned());
                    state.reload();
                }
                Err(failure) => error.set(Some(labels::form_error(i18n, &failure))),
            }
        });
    };
    view! {
        <section class="card" data-testid="merges-card">
            <h2 class="card__title">{move || i18n.t(Key::Merges)}</h2>
            <ul class="duplicate-list">
                {customer
                    .merges
                    .into_iter()
                    .map(|merge| {
                        let at = merge.created_at.clone();
                        let undone = merge.undone_at.clone();
                        let open = undone.is_none() && live;
                        let merged = merge.merged_code.clone();
                        view! {
                            <li class="duplicate-list__item" data-testid="merge-record">
                                <div>
                                    <div>{move || i18n.t(Key::MergedFrom).replace("{id}", &merged)}</div>
                                    <div class="cell-sub">
                                        {move || labels::time(i18n.locale(), &at)}
                                        {undone.clone().map(|u| view! { " · "{move || i18n.t(Key::UndoneAt).replace("{time}", &labels::time(i18n.locale(), &u))} })}
                                    </div>
                                </div>
                                <Show when=move || open && session.can(Permission::CustomersWrite)>
                                    <button
                                        type="button"
                                        class="button button--small"
                                        data-testid="unmerge"
                                        on:click={
                                            let id = merge.id.clone();
                                            move |_| unmerge(id.clone())
                                        }
                                    >
                                        {move || i18n.t(Key::Unmerge)}
                                    </button>
                                </Show>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <FormError message=error />
        </section>
    }
    .into_any()
}
