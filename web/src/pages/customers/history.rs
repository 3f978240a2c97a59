//! A customer's history: the timeline (purchases, refunds, interactions and tickets merged, newest first),
//! transactions and interactions as tabs, and the dialogs that record a purchase or log an
//! interaction.

use leptos::prelude::*;
use serde_json::json;
use starcrm_shared::customer::{
    Channel, Direction, InteractionKind, InteractionView, PaymentMethod, TimelineItem, TransactionKind,
    TransactionView, format_money, parse_amount,
};
use starcrm_shared::service_desk::TicketEntryView;
use starcrm_shared::validate;

use crate::api::customers::History;
use crate::api::{self, ApiError};
use crate::components::dialog::Dialog;
use crate::components::error_view::ErrorView;
use crate::components::field::{EnumSelect, FormError, TextField};
use crate::components::list_footer::{ListFooter, Listing, load_page};
use crate::i18n::{Key, labels, use_i18n};

const PAGE_SIZE: u32 = 20;

/// The history tabs: the timeline first, transactions or interactions on demand.
#[component]
pub fn HistoryPanel(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let tab = RwSignal::new(History::Timeline);
    let listing = RwSignal::new(Listing::<TimelineItem>::default());
    let error = RwSignal::new(None::<ApiError>);
    let customer_id = StoredValue::new(customer_id);
    let load = move |append: bool| {
        let which = tab.get_untracked();
        load_page(listing, error, append, move |after| async move {
            api::customers::history(&customer_id.get_value(), which, PAGE_SIZE, after).await
        });
    };
    Effect::new(move |_| {
        tab.track();
        load(false);
    });
    let tab_button = move |which: History, key: Key, test_id: &'static str| {
        view! {
            <button
                type="button"
                class="tabs__tab"
                role="tab"
                aria-selected=move || (tab.get() == which).to_string()
                aria-current=move || (tab.get() == which).then_some("page")
                data-testid=test_id
                on:click=move |_| tab.set(which)
            >
                {move || i18n.t(key)}
            </button>
        }
    };
    view! {
        <section class="card card--flush card--history" data-testid="history">
            <div class="tabs tabs--card" role="tablist">
                {tab_button(History::Timeline, Key::Timeline, "tab-timeline")}
                {tab_button(History::Transactions, Key::Transactions, "tab-transactions")}
                {tab_button(History::Interactions, Key::Interactions, "tab-interactions")}
            </div>
            {move || match error.get() {
                Some(failure) => view! { <ErrorView error=failure on_retry=Callback::new(move |()| load(false)) /> }.into_any(),
                None => view! {
                    <ol class="timeline" data-testid="timeline">
                        <For
                            each=move || listing.get().rows
                            key=|item| item.id().to_owned()
                            children=move |item| match item {
                                TimelineItem::Transaction(t) => view! { <TransactionEntry transaction=t /> }.into_any(),
                                TimelineItem::Interaction(i) => view! { <InteractionEntry interaction=i /> }.into_any(),
                                TimelineItem::Ticket(t) => view! { <TicketEntry ticket=t /> }.into_any(),
                            }
                        />
                    </ol>
                    <Show when=move || listing.with(|l| l.loaded && l.rows.is_empty())>
                        <p class="timeline__empty muted" data-testid="no-history">{move || i18n.t(Key::NoHistory)}</p>
                    </Show>
                    <Show when=move || listing.with(|l| !l.rows.is_empty())>
                        <div class="card__footer">
                            <ListFooter
                                shown=Signal::derive(move || listing.with(|l| l.rows.len()))
                                total=Signal::derive(move || listing.with(|l| l.total))
                                has_more=Signal::derive(move || listing.with(|l| l.has_more))
                                on_more=Callback::new(move |()| load(true))
                            />
                        </div>
                    </Show>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn TransactionEntry(transaction: TransactionView) -> impl IntoView {
    let i18n = use_i18n();
    let t = transaction;
    let refund = t.kind == TransactionKind::Refund;
    let amount =
        format_money(if refund { -t.amount.amount_minor } else { t.amount.amount_minor }, &t.amount.currency);
    let status = labels::transaction(t.kind, t.status);
    let status_class = if t.status == starcrm_shared::customer::TransactionStatus::Completed {
        "pill pill--ok"
    } else {
        "pill pill--warn"
    };
    let channel = t.channel;
    let payment = t.payment_method;
    let at = t.occurred_at.clone();
    let items = t
        .items
        .iter()
        .map(|item| {
            let category = item.category.as_deref().map(|c| format!(" · {c}")).unwrap_or_default();
            format!("{} ×{}{category}", item.name, item.quantity)
        })
        .collect::<Vec<_>>();
    let extra =
        [t.store.clone(), t.external_ref.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    view! {
        <li class="timeline__entry" data-testid="timeline-transaction" data-kind=t.kind.as_str()>
            <span class=if refund { "timeline__icon timeline__icon--refund" } else { "timeline__icon timeline__icon--purchase" } aria-hidden="true">"¥"</span>
            <div class="timeline__body">
                <div class="timeline__title">
                    <span>{move || i18n.t(if refund { Key::Refund } else { Key::Purchase })}</span>
                    <strong class="timeline__amount" data-testid="timeline-amount">{amount}</strong>
                    {(!refund).then(|| view! { <span class=status_class>{move || i18n.t(status)}</span> })}
                </div>
                <div class="timeline__meta">
                    <span>{move || labels::time(i18n.locale(), &at)}</span>
                    <span>{move || i18n.t(labels::channel(channel))}</span>
                    {payment.map(|p| view! { <span>{move || i18n.t(labels::payment(p))}</span> })}
                    {(!extra.is_empty()).then(|| view! { <span>{extra}</span> })}
                </div>
                {(!items.is_empty()).then(|| view! { <div class="timeline__text">{items.join("，")}</div> })}
                {t.note.map(|n| view! { <div class="timeline__text muted">{n}</div> })}
            </div>
        </li>
    }
}

#[component]
fn InteractionEntry(interaction: InteractionView) -> impl IntoView {
    let i18n = use_i18n();
    let i = interaction;
    let kind = i.kind;
    let direction = i.direction;
    let channel = i.channel;
    let at = i.occurred_at.clone();
    let agent = i.agent.map(|a| a.name);
    view! {
        <li class="timeline__entry" data-testid="timeline-interaction">
            <span class="timeline__icon timeline__icon--interaction" aria-hidden="true">"✆"</span>
            <div class="timeline__body">
                <div class="timeline__title">
                    <span>{move || i18n.t(labels::interaction(kind))}</span>
                    <span class="pill pill--muted">{move || i18n.t(labels::direction(direction))}</span>
                    {i.subject.map(|s| view! { <strong>{s}</strong> })}
                </div>
                <div class="timeline__meta">
                    <span>{move || labels::time(i18n.locale(), &at)}</span>
                    {channel.map(|c| view! { <span>{move || i18n.t(labels::channel(c))}</span> })}
                    {agent.map(|name| view! { <span>{move || i18n.t(Key::ByAgent).replace("{name}", &name)}</span> })}
                </div>
                {i.body.map(|b| view! { <div class="timeline__text">{b}</div> })}
            </div>
        </li>
    }
}

#[component]
fn TicketEntry(ticket: TicketEntryView) -> impl IntoView {
    let i18n = use_i18n();
    let t = ticket;
    let (kind, status, at) = (t.kind, t.status, t.created_at.clone());
    let href = format!("/service/tickets/{}", t.id);
    view! {
        <li class="timeline__entry" data-testid="timeline-ticket">
            <span class="timeline__icon timeline__icon--ticket" aria-hidden="true">"✉"</span>
            <div class="timeline__body">
                <div class="timeline__title">
                    <span>{move || i18n.t(labels::ticket_kind(kind))}</span>
                    <span class="pill pill--muted">{move || i18n.t(labels::ticket_status(status))}</span>
                    <a href=href><strong>{t.code}" "{t.subject}</strong></a>
                </div>
                <div class="timeline__meta">
                    <span>{move || labels::time(i18n.locale(), &at)}</span>
                </div>
            </div>
        </li>
    }
}

/// The message for an optional short text that is too long or has control characters.
fn short_text(value: RwSignal<String>) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || {
        starcrm_shared::customer::optional_text(Some(&value.get()), starcrm_shared::customer::TEXT_MAX_CHARS)
            .err()
            .map(|r| labels::invalid(i18n, r))
    })
}

/// Records a purchase for the customer: amount, channel, payment, store and one optional product line.
#[component]
pub fn RecordPurchaseDialog(
    customer_id: String,
    currency: String,
    on_close: Callback<()>,
    on_recorded: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let amount = RwSignal::new(String::new());
    let channel = RwSignal::new(Channel::Store);
    let payment = RwSignal::new(PaymentMethod::WechatPay);
    let store = RwSignal::new(String::new());
    let product = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let server_error = RwSignal::new(None::<ApiError>);
    let amount_error = Signal::derive(move || {
        let value = amount.get();
        if !touched.get() && value.trim().is_empty() {
            return None;
        }
        match parse_amount(&value) {
            Ok(0) => Some(labels::invalid(i18n, validate::Invalid::Required)),
            Ok(_) => server_error.with(|e| e.as_ref().and_then(|e| labels::field_error(i18n, e, "amount"))),
            Err(reason) => Some(labels::invalid(i18n, reason)),
        }
    });
    let (store_error, product_error, category_error) =
        (short_text(store), short_text(product), short_text(category));
    let customer_id = StoredValue::new(customer_id);
    let currency = StoredValue::new(currency);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        touched.set(true);
        form_error.set(None);
        let Ok(minor) = parse_amount(&amount.get_untracked()) else { return };
        if minor == 0
            || store_error.get_untracked().is_some()
            || product_error.get_untracked().is_some()
            || category_error.get_untracked().is_some()
        {
            return;
        }
        let product_name = product.get_untracked().trim().to_owned();
        let category_name = category.get_untracked().trim().to_owned();
        let items = if product_name.is_empty() {
            json!([])
        } else {
            json!([{ "name": product_name, "category": (!category_name.is_empty()).then_some(category_name), "quantity": 1, "unitPriceMinor": minor }])
        };
        let store_name = store.get_untracked().trim().to_owned();
        let input = json!({
            "customer": { "id": customer_id.get_value() },
            "channel": channel.get_untracked(),
            // As typed: the server checks it by the same rule (`shared::customer::parse_amount`).
            "amount": amount.get_untracked().trim(),
            "paymentMethod": payment.get_untracked(),
            "store": (!store_name.is_empty()).then_some(store_name),
            "items": items,
        });
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::customers::record_transaction(input).await;
            pending.set(false);
            match result {
                Ok(()) => on_recorded.run(currency.with_value(|c| format_money(minor, c))),
                Err(failure) => {
                    if !failure.concerns("amount") {
                        form_error.set(Some(labels::form_error(i18n, &failure)));
                    }
                    server_error.set(Some(failure));
                }
            }
        });
    };
    view! {
        <Dialog title=Key::RecordPurchase on_close test_id="record-purchase-dialog">
            <form class="form" on:submit=submit novalidate=true>
                <TextField label=Key::Amount value=amount error=amount_error hint=Key::AmountHint input_type="text" name="purchase-amount" autocomplete="off" />
                <div class="form__row">
                    <EnumSelect label=Key::Channel name="purchase-channel" value=channel options=Channel::ALL text=labels::channel as_str=Channel::as_str parse=Channel::parse />
                    <EnumSelect label=Key::PaymentMethod name="purchase-payment" value=payment options=PaymentMethod::ALL text=labels::payment as_str=PaymentMethod::as_str parse=PaymentMethod::parse />
                </div>
                <TextField label=Key::StoreOptional value=store error=store_error name="purchase-store" autocomplete="off" />
                <div class="form__row">
                    <TextField label=Key::ProductOptional value=product error=product_error name="purchase-product" autocomplete="off" />
                    <TextField label=Key::CategoryOptional value=category error=category_error name="purchase-category" autocomplete="off" />
                </div>
                <FormError message=form_error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" disabled=move || pending.get() data-testid="save-purchase">
                        {move || i18n.t(Key::RecordPurchase)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// Logs a consultation, call, email, chat, visit or social contact.
#[component]
pub fn RecordInteractionDialog(
    customer_id: String,
    on_close: Callback<()>,
    on_recorded: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new(InteractionKind::Call);
    let direction = RwSignal::new(Direction::Inbound);
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let subject_error = Signal::derive(move || {
        let value = subject.get();
        if !touched.get() && value.is_empty() {
            return None;
        }
        match starcrm_shared::customer::optional_text(Some(&value), starcrm_shared::customer::TEXT_MAX_CHARS)
        {
            Ok(Some(_)) => None,
            Ok(None) => Some(labels::invalid(i18n, validate::Invalid::Required)),
            Err(reason) => Some(labels::invalid(i18n, reason)),
        }
    });
    let customer_id = StoredValue::new(customer_id);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        touched.set(true);
        form_error.set(None);
        if subject_error.get_untracked().is_some() {
            return;
        }
        let text = body.get_untracked().trim().to_owned();
        let channel = match kind.get_untracked() {
            InteractionKind::Call => Some(Channel::Phone),
            InteractionKind::Email => Some(Channel::Email),
            InteractionKind::Chat => Some(Channel::Chat),
            InteractionKind::Visit => Some(Channel::Store),
            InteractionKind::Social => Some(Channel::Social),
            InteractionKind::Consultation => None,
        };
        let input = json!({
            "customer": { "id": customer_id.get_value() },
            "kind": kind.get_untracked(),
            "direction": direction.get_untracked(),
            "channel": channel,
            "subject": subject.get_untracked().trim(),
            "body": (!text.is_empty()).then_some(text),
        });
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::customers::record_interaction(input).await;
            pending.set(false);
            match result {
                Ok(()) => on_recorded.run(()),
                Err(failure) => form_error.set(Some(
                    labels::field_error(i18n, &failure, "body")
                        .unwrap_or_else(|| labels::form_error(i18n, &failure)),
                )),
            }
        });
    };
    view! {
        <Dialog title=Key::LogInteraction on_close test_id="log-interaction-dialog">
            <form class="form" on:submit=submit novalidate=true>
                <div class="form__row">
                    <EnumSelect label=Key::InteractionKind name="interaction-kind" value=kind options=InteractionKind::ALL text=labels::interaction as_str=InteractionKind::as_str parse=InteractionKind::parse />
                    <EnumSelect label=Key::Direction name="interaction-direction" value=direction options=Direction::ALL text=labels::direction as_str=Direction::as_str parse=Direction::parse />
                </div>
                <TextField label=Key::Subject value=subject error=subject_error name="interaction-subject" autocomplete="off" />
                <div class="field">
                    <label class="field__label" for="field-interaction-body">{move || i18n.t(Key::BodyOptional)}</label>
                    <textarea id="field-interaction-body" class="field__input field__textarea" rows="4" bind:value=body></textarea>
                </div>
                <FormError message=form_error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" disabled=move || pending.get() data-testid="save-interaction">
                        {move || i18n.t(Key::LogInteraction)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
