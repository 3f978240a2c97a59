use leptos::prelude::*;
use starcrm_shared::customer::{CustomerRow, CustomerSort, LifecycleStage, format_money};

use starcrm_shared::{Permission, validate};

use crate::api::{self, ApiError};
use crate::components::dialog::Dialog;
use crate::components::error_view::ErrorView;
use crate::components::field::{FormError, TextField};
use crate::components::list_footer::{ListFooter, Listing, load_page};
use crate::i18n::{Key, labels, use_i18n, use_page_title};
use crate::state::session::use_session;

const PAGE_SIZE: u32 = 25;

#[component]
pub fn CustomersPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::NavCustomers);
    let search = RwSignal::new(String::new());
    let stage = RwSignal::new(None::<LifecycleStage>);
    let sort = RwSignal::new(CustomerSort::Created);
    let listing = RwSignal::new(Listing::<CustomerRow>::default());
    let load_error = RwSignal::new(None::<ApiError>);
    let session = use_session();
    let adding = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);

    let load = move |append: bool| {
        let (query, stage, sort) = (search.get_untracked(), stage.get_untracked(), sort.get_untracked());
        load_page(listing, load_error, append, move |after| async move {
            api::customers::list(PAGE_SIZE, after, &query, stage, sort).await
        });
    };
    Effect::new(move |_| {
        search.track();
        stage.track();
        sort.track();
        load(false);
    });

    view! {
        <header class="page-header">
            <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::NavCustomers)}</h1>
            <p class="page-subtitle page-subtitle--muted">{move || i18n.t(Key::CustomersSubtitle)}</p>
        </header>
        <div class="toolbar">
            <CustomerFilters search stage sort />
            <div class="toolbar__spacer"></div>
            <Show when=move || session.can(Permission::CustomersWrite)>
                <button type="button" class="button button--primary" data-testid="add-customer" on:click=move |_| adding.set(true)>
                    {move || i18n.t(Key::NewCustomer)}
                </button>
            </Show>
        </div>
        {move || notice.get().map(|m| view! { <p class="notice notice--ok notice--spaced" role="status" data-testid="notice">{m}</p> })}
        <Show when=move || adding.get()>
            <NewCustomerDialog
                on_close=Callback::new(move |()| adding.set(false))
                on_created=Callback::new(move |row: CustomerRow| {
                    adding.set(false);
                    notice.set(Some(i18n.t(Key::CustomerCreated).replace("{code}", &row.code)));
                    listing.update(|l| {
                        l.rows.insert(0, row);
                        l.total += 1;
                    });
                })
            />
        </Show>
        {move || match load_error.get() {
            Some(error) => view! { <ErrorView error on_retry=Callback::new(move |()| load(false)) /> }.into_any(),
            None => view! {
                <CustomersTable rows=Signal::derive(move || listing.get().rows) />
                <Show when=move || listing.with(|l| l.loaded && l.rows.is_empty())>
                    <p class="empty" data-testid="no-customers">{move || i18n.t(Key::NoCustomers)}</p>
                </Show>
                <ListFooter
                    shown=Signal::derive(move || listing.with(|l| l.rows.len()))
                    total=Signal::derive(move || listing.with(|l| l.total))
                    has_more=Signal::derive(move || listing.with(|l| l.has_more))
                    on_more=Callback::new(move |()| load(true))
                />
            }
            .into_any(),
        }}
    }
}

#[component]
fn CustomerFilters(
    search: RwSignal<String>,
    stage: RwSignal<Option<LifecycleStage>>,
    sort: RwSignal<CustomerSort>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
            <input
                class="toolbar__search"
                type="search"
                placeholder=move || i18n.t(Key::SearchCustomers)
                aria-label=move || i18n.t(Key::SearchCustomers)
                on:change=move |ev| search.set(event_target_value(&ev))
                data-testid="customer-search"
            />
            <select
                class="toolbar__select"
                aria-label=move || i18n.t(Key::LifecycleStage)
                on:change=move |ev| stage.set(LifecycleStage::parse(&event_target_value(&ev)))
                data-testid="stage-filter"
            >
                <option value="">{move || i18n.t(Key::AllStages)}</option>
                {LifecycleStage::ALL
                    .iter()
                    .map(|s| view! { <option value=s.as_str()>{move || i18n.t(labels::stage(*s))}</option> })
                    .collect_view()}
            </select>
            <select
                class="toolbar__select"
                aria-label=move || i18n.t(Key::SortBy)
                on:change=move |ev| sort.set(CustomerSort::parse(&event_target_value(&ev)).unwrap_or(CustomerSort::Created))
                data-testid="sort"
            >
                {CustomerSort::ALL
                    .iter()
                    .map(|s| view! { <option value=s.as_str()>{move || i18n.t(labels::sort(*s))}</option> })
                    .collect_view()}
            </select>
    }
}

#[component]
fn CustomersTable(rows: Signal<Vec<CustomerRow>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="customers-table">
                <thead>
                    <tr>
                        <th>{move || i18n.t(Key::Customer)}</th>
                        <th>{move || i18n.t(Key::LifecycleStage)}</th>
                        <th class="hide-narrow">{move || i18n.t(Key::Stars)}</th>
                        <th class="table__number">{move || i18n.t(Key::TotalSpend)}</th>
                        <th class="table__number">{move || i18n.t(Key::Orders)}</th>
                        <th class="hide-narrow">{move || i18n.t(Key::LastPurchase)}</th>
                        <th class="hide-narrow">{move || i18n.t(Key::Phone)}</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|c| c.id.clone() children=move |c| view! { <CustomerRowView customer=c /> } />
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn CustomerRowView(customer: CustomerRow) -> impl IntoView {
    let i18n = use_i18n();
    let stage = customer.lifecycle_stage;
    let stars = customer.stars.map_or_else(
        || "—".to_owned(),
        |n| {
            let n = usize::try_from(n.clamp(0, 5)).unwrap_or(0);
            format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
        },
    );
    let spend = format_money(customer.total_spend.amount_minor, &customer.total_spend.currency);
    let last = customer.last_purchase_at.clone();
    let phone =
        customer.phones.iter().find(|p| p.primary).or(customer.phones.first()).map(|p| p.value.clone());
    let tags = customer.tags.clone();
    view! {
        <tr data-testid="customer-row" data-code=customer.code.clone()>
            <td>
                <div class="cell-title">{customer.name.clone()}</div>
                <div class="cell-sub cell-sub--wrap">
                    <span class="mono">{customer.code.clone()}</span>
                    {tags.into_iter().take(3).map(|t| view! { <span class="tag">{t}</span> }).collect_view()}
                </div>
            </td>
            <td><span class=format!("pill pill--stage pill--{}", stage.as_str())>{move || i18n.t(labels::stage(stage))}</span></td>
            <td class="hide-narrow"><span class="stars" aria-label=move || i18n.t(Key::Stars)>{stars}</span></td>
            <td class="table__number">{spend}</td>
            <td class="table__number">{customer.order_count}</td>
            <td class="hide-narrow">{move || labels::time_or(i18n, last.as_deref(), Key::Never)}</td>
            <td class="hide-narrow">{phone.map_or_else(|| view! { <span class="muted">"—"</span> }.into_any(), |p| view! { <span class="mono">{p}</span> }.into_any())}</td>
        </tr>
    }
}

/// Checks as you type: the message for `value` once there is something to check, else the
/// server's message for `field`.
fn live(
    value: RwSignal<String>,
    check: fn(&str) -> Option<validate::Invalid>,
    server: RwSignal<Option<ApiError>>,
    field: &'static str,
) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || {
        let text = value.get();
        if !text.trim().is_empty()
            && let Some(reason) = check(&text)
        {
            return Some(labels::invalid(i18n, reason));
        }
        server.with(|e| e.as_ref().and_then(|e| labels::field_error(i18n, e, field)))
    })
}

#[component]
fn NewCustomerDialog(on_close: Callback<()>, on_created: Callback<CustomerRow>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let stage = RwSignal::new(None::<LifecycleStage>);
    let server_error = RwSignal::new(None::<ApiError>);
    let name_touched = RwSignal::new(false);
    let name_error = Signal::derive(move || {
        let value = name.get();
        let local = (name_touched.get() || !value.is_empty())
            .then(|| validate::name(&value, 200).err().map(|r| labels::invalid(i18n, r)))
            .flatten();
        local.or_else(|| server_error.with(|e| e.as_ref().and_then(|e| labels::field_error(i18n, e, "name"))))
    });
    let phone_error = live(phone, |v| validate::phone(v).err(), server_error, "phones[0]");
    let email_error = live(email, |v| validate::email(v).err(), server_error, "emails[0]");
    let form_error = RwSignal::new(None::<String>);
    let create = Action::new_local(move |new: &api::customers::NewCustomer| {
        let new = new.clone();
        async move { api::customers::create(&new).await }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(row)) => on_created.run(row),
        Some(Err(error)) => {
            let known = ["name", "phones[0]", "emails[0]"]
                .iter()
                .any(|f| labels::field_error(i18n, &error, f).is_some());
            if !known {
                form_error.set(Some(labels::form_error(i18n, &error)));
            }
            server_error.set(Some(error));
        }
        None => {}
    });
    // A server error about a field goes away when the field changes.
    Effect::new(move |_| {
        name.track();
        phone.track();
        email.track();
        server_error.set(None);
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        form_error.set(None);
        name_touched.set(true);
        if name_error.get_untracked().is_some()
            || phone_error.get_untracked().is_some()
            || email_error.get_untracked().is_some()
        {
            return;
        }
        let tags = tags
            .get_untracked()
            .split([',', '，'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        create.dispatch(api::customers::NewCustomer {
            name: name.get_untracked(),
            phone: phone.get_untracked(),
            email: email.get_untracked(),
            stage: stage.get_untracked(),
            tags,
        });
    };
    view! {
        <Dialog title=Key::NewCustomer on_close test_id="new-customer-dialog">
            <form class="form" on:submit=submit novalidate=true>
                <TextField label=Key::Name value=name error=name_error name="customer-name" autocomplete="off" />
                <TextField label=Key::PhoneOptional value=phone error=phone_error input_type="tel" name="customer-phone" autocomplete="off" />
                <TextField label=Key::EmailOptional value=email error=email_error input_type="email" name="customer-email" autocomplete="off" />
                <div class="field">
                    <label class="field__label" for="customer-stage">{move || i18n.t(Key::LifecycleStage)}</label>
                    <select id="customer-stage" class="field__input" on:change=move |ev| stage.set(LifecycleStage::parse(&event_target_value(&ev)))>
                        {LifecycleStage::ALL
                            .iter()
                            .map(|s| view! { <option value=s.as_str() selected=*s == LifecycleStage::Lead>{move || i18n.t(labels::stage(*s))}</option> })
                            .collect_view()}
                    </select>
                </div>
                <TextField label=Key::TagsOptional value=tags name="customer-tags" autocomplete="off" />
                <FormError message=form_error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" disabled=move || create.pending().get() data-testid="create-customer">
                        {move || i18n.t(Key::NewCustomer)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
