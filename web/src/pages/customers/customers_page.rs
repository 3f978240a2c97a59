//! The customer list: search, filters (stars kept in the address, stage, channel, tag, spend),
//! sort, chosen columns, pages; and the new-customer dialog, which shows who already has the
//! phone or email entered before a duplicate is made.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use starcrm_shared::customer::{
    Channel, CustomerRow, CustomerSort, LifecycleStage, StarFilter, format_money, parse_amount,
};
use starcrm_shared::{Permission, validate};

use super::star_text;
use crate::api::customers::ListQuery;
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
    // The star filter lives in the address (`?stars=4`): the dashboard links to it, and a
    // reload or the back button keeps it.
    let params = use_query_map();
    let url_stars = Memo::new(move |_| params.with(|p| p.get("stars").and_then(|s| StarFilter::parse(&s))));
    // So does a segment (`?segment=<id>`), from the segments page.
    let url_segment = Memo::new(move |_| params.with(|p| p.get("segment")));
    let query = RwSignal::new(ListQuery {
        stars: url_stars.get_untracked(),
        segment: url_segment.get_untracked(),
        ..ListQuery::default()
    });
    Effect::new(move |_| {
        let (stars, segment) = (url_stars.get(), url_segment.get());
        if query.with_untracked(|q| q.stars != stars || q.segment != segment) {
            query.update(|q| {
                q.stars = stars;
                q.segment = segment;
            });
        }
    });
    let columns = RwSignal::new(Column::chosen());
    let listing = RwSignal::new(Listing::<CustomerRow>::default());
    let load_error = RwSignal::new(None::<ApiError>);
    let session = use_session();
    let adding = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);

    let load = move |append: bool| {
        let query = query.get_untracked();
        load_page(listing, load_error, append, move |after| async move {
            api::customers::list(PAGE_SIZE, after, &query).await
        });
    };
    Effect::new(move |_| {
        query.track();
        load(false);
    });

    view! {
        <header class="page-header">
            <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::NavCustomers)}</h1>
            <p class="page-subtitle page-subtitle--muted">{move || i18n.t(Key::CustomersSubtitle)}</p>
        </header>
        {move || url_segment.get().map(|id| view! { <SegmentChip id /> })}
        <div class="toolbar">
            <CustomerFilters query />
            <div class="toolbar__spacer"></div>
            <ColumnPicker columns />
            <Show when=move || session.can(Permission::DataExport)>
                <ExportButtons query notice />
            </Show>
            <Show when=move || session.can(Permission::DataImport)>
                <a class="button" href="/imports" data-testid="import-customers">{move || i18n.t(Key::ImportButton)}</a>
            </Show>
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
                <CustomersTable rows=Signal::derive(move || listing.get().rows) columns />
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

/// The customer list's address, filtered to `stars` when given.
pub fn customers_href(stars: Option<StarFilter>) -> String {
    stars.map_or_else(|| "/customers".to_owned(), |s| format!("/customers?stars={}", s.as_param()))
}

/// A star filter's name in the menu.
fn star_filter_label(i18n: crate::i18n::I18n, filter: StarFilter) -> String {
    match filter {
        StarFilter::Level(1) => i18n.t(Key::StarsLevelOne).to_owned(),
        StarFilter::Level(n) => i18n.t(Key::StarsLevel).replace("{n}", &n.to_string()),
        StarFilter::Unrated => i18n.t(Key::UnratedCustomers).to_owned(),
    }
}

/// "Segment: <name>" above the list when it shows a segment's members, with a way back to all.
#[component]
fn SegmentChip(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(None::<String>);
    leptos::task::spawn_local(async move {
        if let Ok((n, _)) = api::marketing::name(&id).await {
            name.set(Some(n));
        }
    });
    view! {
        <p class="segment-chip" data-testid="segment-chip">
            <span class="chip chip--on">{move || i18n.t(Key::SegmentFilterChip).replace("{name}", &name.get().unwrap_or_default())}</span>
            " "
            <a href="/customers" class="link-button" data-testid="segment-chip-clear">{move || i18n.t(Key::SegShowAll)}</a>
        </p>
    }
}

#[component]
fn CustomerFilters(query: RwSignal<ListQuery>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    // Choosing stars changes the address; the page follows the address.
    let go_stars = Callback::new(move |stars: Option<StarFilter>| {
        navigate(
            &customers_href(stars),
            leptos_router::NavigateOptions { replace: true, ..Default::default() },
        );
    });
    let min_spend = RwSignal::new(String::new());
    let spend_invalid = Signal::derive(move || {
        let text = min_spend.get();
        !text.trim().is_empty() && parse_amount(&text).is_err()
    });
    let set = move |change: &dyn Fn(&mut ListQuery)| query.update(|q| change(q));
    view! {
            <input
                class="toolbar__search"
                type="search"
                placeholder=move || i18n.t(Key::SearchCustomers)
                aria-label=move || i18n.t(Key::SearchCustomers)
                prop:value=move || query.with(|q| q.search.clone())
                on:change=move |ev| set(&|q| q.search = event_target_value(&ev))
                data-testid="customer-search"
            />
            <select
                class="toolbar__select"
                aria-label=move || i18n.t(Key::Stars)
                on:change=move |ev| go_stars.run(StarFilter::parse(&event_target_value(&ev)))
                data-testid="stars-filter"
            >
                <option value="" selected=move || query.with(|q| q.stars.is_none())>{move || i18n.t(Key::AllStars)}</option>
                {StarFilter::ALL
                    .iter()
                    .map(|f| view! { <option value=f.as_param() selected=move || query.with(|q| q.stars == Some(*f))>{move || star_filter_label(i18n, *f)}</option> })
                    .collect_view()}
            </select>
            <select
                class="toolbar__select"
                aria-label=move || i18n.t(Key::LifecycleStage)
                on:change=move |ev| set(&|q| q.stage = LifecycleStage::parse(&event_target_value(&ev)))
                data-testid="stage-filter"
            >
                <option value="" selected=move || query.with(|q| q.stage.is_none())>{move || i18n.t(Key::AllStages)}</option>
                {LifecycleStage::ALL
                    .iter()
                    .map(|s| view! { <option value=s.as_str() selected=move || query.with(|q| q.stage == Some(*s))>{move || i18n.t(labels::stage(*s))}</option> })
                    .collect_view()}
            </select>
            <select
                class="toolbar__select"
                aria-label=move || i18n.t(Key::Channel)
                on:change=move |ev| set(&|q| q.channel = Channel::parse(&event_target_value(&ev)))
                data-testid="channel-filter"
            >
                <option value="" selected=move || query.with(|q| q.channel.is_none())>{move || i18n.t(Key::AllChannels)}</option>
                {Channel::ALL
                    .iter()
                    .map(|c| view! { <option value=c.as_str() selected=move || query.with(|q| q.channel == Some(*c))>{move || i18n.t(labels::channel(*c))}</option> })
                    .collect_view()}
            </select>
            <input
                class="toolbar__search toolbar__search--short"
                type="search"
                placeholder=move || i18n.t(Key::TagFilter)
                aria-label=move || i18n.t(Key::TagFilter)
                prop:value=move || query.with(|q| q.tag.clone())
                on:change=move |ev| set(&|q| q.tag = event_target_value(&ev))
                data-testid="tag-filter"
            />
            <input
                class="toolbar__search toolbar__search--short"
                class:toolbar__search--invalid=move || spend_invalid.get()
                type="text"
                inputmode="decimal"
                placeholder=move || i18n.t(Key::MinSpend)
                aria-label=move || i18n.t(Key::MinSpend)
                aria-invalid=move || spend_invalid.get().to_string()
                bind:value=min_spend
                on:change=move |_| {
                    let text = min_spend.get_untracked();
                    let min = if text.trim().is_empty() { Some(None) } else { parse_amount(&text).ok().map(Some) };
                    if let Some(min) = min {
                        set(&|q| q.min_spend_minor = min);
                    }
                }
                data-testid="min-spend-filter"
            />
            <select
                class="toolbar__select"
                aria-label=move || i18n.t(Key::SortBy)
                on:change=move |ev| set(&|q| q.sort = CustomerSort::parse(&event_target_value(&ev)).unwrap_or(CustomerSort::Created))
                data-testid="sort"
            >
                {CustomerSort::ALL
                    .iter()
                    .map(|s| view! { <option value=s.as_str() selected=move || query.with(|q| q.sort == *s)>{move || i18n.t(labels::sort(*s))}</option> })
                    .collect_view()}
            </select>
            <label class="checkbox toolbar__check">
                <input
                    type="checkbox"
                    prop:checked=move || query.with(|q| q.include_deleted)
                    on:change=move |ev| set(&|q| q.include_deleted = event_target_checked(&ev))
                    data-testid="include-deleted"
                />
                {move || i18n.t(Key::ShowDeleted)}
            </label>
            <Show when=move || query.with(|q| *q != ListQuery { sort: q.sort, ..ListQuery::default() })>
                <button
                    type="button"
                    class="link-button"
                    data-testid="clear-filters"
                    on:click=move |_| {
                        min_spend.set(String::new());
                        query.update(|q| *q = ListQuery { sort: q.sort, stars: q.stars, ..ListQuery::default() });
                        go_stars.run(None);
                    }
                >
                    {move || i18n.t(Key::ClearFilters)}
                </button>
            </Show>
    }
}

/// A column of the customer list the reader may show or hide (the name always shows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Stage,
    Stars,
    Spend,
    Orders,
    LastPurchase,
    Phone,
    Source,
    Created,
}

const COLUMNS_KEY: &str = "starcrm.customer-columns";

impl Column {
    const ALL: [Self; 8] = [
        Self::Stage,
        Self::Stars,
        Self::Spend,
        Self::Orders,
        Self::LastPurchase,
        Self::Phone,
        Self::Source,
        Self::Created,
    ];
    const DEFAULT: [Self; 6] =
        [Self::Stage, Self::Stars, Self::Spend, Self::Orders, Self::LastPurchase, Self::Phone];

    const fn id(self) -> &'static str {
        match self {
            Self::Stage => "stage",
            Self::Stars => "stars",
            Self::Spend => "spend",
            Self::Orders => "orders",
            Self::LastPurchase => "last_purchase",
            Self::Phone => "phone",
            Self::Source => "source",
            Self::Created => "created",
        }
    }

    const fn label(self) -> Key {
        match self {
            Self::Stage => Key::LifecycleStage,
            Self::Stars => Key::Stars,
            Self::Spend => Key::TotalSpend,
            Self::Orders => Key::Orders,
            Self::LastPurchase => Key::LastPurchase,
            Self::Phone => Key::Phone,
            Self::Source => Key::SourceChannel,
            Self::Created => Key::Created,
        }
    }

    /// Cell classes: numbers align right; stars and spend stay on a phone (what a manager
    /// scans the list for), secondary columns give way.
    const fn class(self) -> &'static str {
        match self {
            Self::Spend => "table__number",
            Self::Orders => "table__number hide-narrow",
            Self::Stars => "nowrap",
            _ => "hide-narrow",
        }
    }

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window().and_then(|w| w.local_storage().ok().flatten())
    }

    /// The columns this browser chose last time, or the default set.
    fn chosen() -> Vec<Self> {
        let saved = Self::storage().and_then(|s| s.get_item(COLUMNS_KEY).ok().flatten());
        saved.map_or_else(
            || Self::DEFAULT.to_vec(),
            |list| Self::ALL.into_iter().filter(|c| list.split(',').any(|id| id == c.id())).collect(),
        )
    }

    fn remember(columns: &[Self]) {
        if let Some(storage) = Self::storage() {
            let list = columns.iter().map(|c| c.id()).collect::<Vec<_>>().join(",");
            // Private browsing may refuse storage; the choice then lasts for this page only.
            let _ = storage.set_item(COLUMNS_KEY, &list);
        }
    }
}

#[component]
fn ColumnPicker(columns: RwSignal<Vec<Column>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <details class="menu" data-testid="column-picker">
            <summary class="button">{move || i18n.t(Key::Columns)}</summary>
            <div class="menu__panel">
                {Column::ALL
                    .into_iter()
                    .map(|column| view! {
                        <label class="checkbox menu__item">
                            <input
                                type="checkbox"
                                data-column=column.id()
                                prop:checked=move || columns.with(|c| c.contains(&column))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    columns.update(|list| {
                                        list.retain(|c| *c != column);
                                        if on {
                                            list.push(column);
                                            list.sort_by_key(|c| Column::ALL.iter().position(|x| x == c));
                                        }
                                        Column::remember(list);
                                    });
                                }
                            />
                            {move || i18n.t(column.label())}
                        </label>
                    })
                    .collect_view()}
            </div>
        </details>
    }
}

#[component]
fn CustomersTable(rows: Signal<Vec<CustomerRow>>, columns: RwSignal<Vec<Column>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="customers-table">
                <thead>
                    <tr>
                        <th>{move || i18n.t(Key::Customer)}</th>
                        {move || {
                            columns
                                .get()
                                .into_iter()
                                .map(|c| view! { <th class=c.class() data-column=c.id()>{move || i18n.t(c.label())}</th> })
                                .collect_view()
                        }}
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|c| (c.id.clone(), c.deleted)
                        children=move |c| view! { <CustomerRowView customer=c columns /> }
                    />
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn CustomerRowView(customer: CustomerRow, columns: RwSignal<Vec<Column>>) -> impl IntoView {
    let i18n = use_i18n();
    let tags = customer.tags.clone();
    let href = format!("/customers/{}", customer.id);
    let deleted = customer.deleted;
    let customer = StoredValue::new(customer);
    let cell = move |column: Column| {
        let c = customer.get_value();
        let content = match column {
            Column::Stage => {
                let stage = c.lifecycle_stage;
                view! { <span class=format!("pill pill--stage pill--{}", stage.as_str())>{move || i18n.t(labels::stage(stage))}</span> }.into_any()
            }
            Column::Stars => view! { <span class="stars" class:stars--none=c.stars.is_none() aria-label=move || i18n.t(Key::Stars)>{star_text(c.stars)}</span> }.into_any(),
            Column::Spend => format_money(c.total_spend.amount_minor, &c.total_spend.currency).into_any(),
            Column::Orders => c.order_count.to_string().into_any(),
            Column::LastPurchase => {
                let last = c.last_purchase_at.clone();
                (move || labels::time_or(i18n, last.as_deref(), Key::Never)).into_any()
            }
            Column::Phone => {
                let phone = c.phones.iter().find(|p| p.primary).or(c.phones.first()).map(|p| p.value.clone());
                phone.map_or_else(
                    || view! { <span class="muted">"—"</span> }.into_any(),
                    |p| view! { <span class="mono">{p}</span> }.into_any(),
                )
            }
            Column::Source => c.source_channel.map_or_else(
                || view! { <span class="muted">"—"</span> }.into_any(),
                |s| (move || i18n.t(labels::channel(s))).into_any(),
            ),
            Column::Created => {
                let at = c.created_at.clone();
                (move || labels::date(i18n.locale(), &at)).into_any()
            }
        };
        view! { <td class=column.class()>{content}</td> }
    };
    view! {
        <tr data-testid="customer-row" data-code=customer.with_value(|c| c.code.clone()) class:table__row--muted=deleted>
            <td>
                <a class="cell-title cell-link" href=href data-testid="customer-link">{customer.with_value(|c| c.name.clone())}</a>
                <div class="cell-sub cell-sub--wrap">
                    <span class="mono">{customer.with_value(|c| c.code.clone())}</span>
                    {deleted.then(|| view! { <span class="pill pill--warn">{move || i18n.t(Key::Deleted)}</span> })}
                    {tags.into_iter().take(3).map(|t| view! { <span class="tag">{t}</span> }).collect_view()}
                </div>
            </td>
            {move || columns.get().into_iter().map(cell).collect_view()}
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
    // Who already has this phone or email: looked up once the value is valid and typing
    // pauses; answers for values since changed are dropped.
    let existing = RwSignal::new(Vec::<CustomerRow>::new());
    let lookups = StoredValue::new(0_u32);
    let contact =
        Memo::new(move |_| (validate::phone(&phone.get()).ok(), validate::email(&email.get()).ok()));
    Effect::new(move |_| {
        let (phone, email) = contact.get();
        lookups.update_value(|n| *n += 1);
        let this = lookups.get_value();
        if phone.is_none() && email.is_none() {
            existing.set(Vec::new());
            return;
        }
        set_timeout(
            move || {
                if lookups.get_value() != this {
                    return;
                }
                leptos::task::spawn_local(async move {
                    // A failed lookup only loses the warning; creating still works.
                    let found = api::customers::with_contact(phone, email).await.unwrap_or_default();
                    if lookups.get_value() == this {
                        existing.set(found);
                    }
                });
            },
            std::time::Duration::from_millis(350),
        );
    });
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
                <Show when=move || existing.with(|e| !e.is_empty())>
                    <ExistingCustomers existing=existing.into() />
                </Show>
                <FormError message=form_error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" disabled=move || create.pending().get() data-testid="create-customer">
                        {move || if existing.with(Vec::is_empty) { i18n.t(Key::NewCustomer) } else { i18n.t(Key::CreateAnyway) }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// The customers who already have the phone or email being entered: each can be opened
/// instead of creating a duplicate; the form's button then says "create anyway".
#[component]
fn ExistingCustomers(existing: Signal<Vec<CustomerRow>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="notice notice--warn existing" role="alert" data-testid="duplicate-warning">
            <p class="existing__title">{move || i18n.t(Key::ContactExists)}</p>
            <ul class="existing__list">
                {move || existing.get().into_iter().map(|c| {
                    let phone = c.phones.iter().find(|p| p.primary).or(c.phones.first()).map(|p| p.value.clone());
                    view! {
                        <li class="existing__row">
                            <a class="cell-link" href=format!("/customers/{}", c.id) data-testid="existing-customer">
                                <span class="mono">{c.code.clone()}</span>" "{c.name.clone()}
                            </a>
                            <span class="stars" class:stars--none=c.stars.is_none()>{star_text(c.stars)}</span>
                            {phone.map(|p| view! { <span class="mono muted small">{p}</span> })}
                            <a class="button button--small" href=format!("/customers/{}", c.id)>{move || i18n.t(Key::OpenCustomer)}</a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// The list's exports: the customers it shows, and every purchase (one row per line).
#[component]
fn ExportButtons(query: RwSignal<ListQuery>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    // Follows an export's link (the browser downloads the file), or says why there is none.
    let download = move |link: Result<String, ApiError>| match link {
        Ok(url) => {
            notice.set(Some(i18n.t(Key::ExportStarted).to_owned()));
            if let Some(window) = web_sys::window() {
                let _ = window.location().set_href(&url);
            }
        }
        Err(error) => notice.set(Some(labels::form_error(i18n, &error))),
    };

    // The file both buttons make: CSV (any size) or an Excel workbook.
    let excel = RwSignal::new(false);
    view! {
                <select class="toolbar__select" data-testid="export-format"
                    aria-label=move || i18n.t(Key::ExportFormat)
                    on:change=move |event| excel.set(event_target_value(&event) == "xlsx")>
                    <option value="csv">"CSV"</option>
                    <option value="xlsx">"Excel (XLSX)"</option>
                </select>
                <button type="button" class="button" data-testid="export-customers" on:click=move |_| {
                    let query = query.get_untracked();
                    let excel = excel.get_untracked();
                    leptos::task::spawn_local(async move {
                        download(api::customers::export(&query, excel).await);
                    });
                }>
                    {move || i18n.t(Key::ExportCustomers)}
                </button>
                <button type="button" class="button" data-testid="export-purchases" on:click=move |_| {
                    let excel = excel.get_untracked();
                    leptos::task::spawn_local(async move {
                        download(api::customers::export_purchases(excel).await);
                    });
                }>
                    {move || i18n.t(Key::ExportPurchases)}
                </button>
    }
}
