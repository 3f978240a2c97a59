//! Opening a ticket by hand: a call, a visit or a letter logged by staff. From a customer's page
//! the customer is given; from the inbox staff type the caller's phone or email (a new customer
//! is created when nobody has it). Priority follows the customer's stars unless set here with a
//! reason.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde_json::json;
use starcrm_shared::customer::Channel;
use starcrm_shared::service_desk::{SUBJECT_MAX, TicketKind, TicketPriority};
use starcrm_shared::validate::{self, Invalid};

use crate::api::{self, ApiError};
use crate::components::dialog::Dialog;
use crate::components::field::{EnumSelect, FormError, TextField};
use crate::i18n::{Key, labels, use_i18n};

/// The customer field's value as a reference: an email when it has `@`, else a phone.
fn contact_ref(text: &str) -> Result<serde_json::Value, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Invalid::Required);
    }
    if text.contains('@') {
        validate::email(text).map(|email| json!({ "email": email }))
    } else {
        validate::phone(text).map(|phone| json!({ "phone": phone }))
    }
}

/// What the form holds.
#[derive(Clone, Copy)]
struct Form {
    contact: RwSignal<String>,
    name: RwSignal<String>,
    kind: RwSignal<TicketKind>,
    channel: RwSignal<Channel>,
    /// A priority's stored name, or empty for the one the stars give.
    priority: RwSignal<String>,
    reason: RwSignal<String>,
    subject: RwSignal<String>,
    description: RwSignal<String>,
}

impl Form {
    fn new() -> Self {
        Self {
            contact: RwSignal::new(String::new()),
            name: RwSignal::new(String::new()),
            kind: RwSignal::new(TicketKind::Inquiry),
            channel: RwSignal::new(Channel::Phone),
            priority: RwSignal::new(String::new()),
            reason: RwSignal::new(String::new()),
            subject: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
        }
    }

    /// The `OpenTicketInput` for the customer `customer` (else the one the contact names), or
    /// `None` when the contact does not parse.
    fn input(self, customer: Option<String>) -> Option<serde_json::Value> {
        let reference = if let Some(id) = customer {
            json!({ "id": id })
        } else {
            let mut reference = contact_ref(&self.contact.get_untracked()).ok()?;
            let new_name = self.name.get_untracked().trim().to_owned();
            if !new_name.is_empty() {
                reference["name"] = json!(new_name);
            }
            reference
        };
        let chosen = TicketPriority::parse(&self.priority.get_untracked());
        let text = self.description.get_untracked().trim().to_owned();
        Some(json!({
            "customer": reference,
            "kind": self.kind.get_untracked(),
            "channel": self.channel.get_untracked(),
            "subject": self.subject.get_untracked().trim(),
            "description": (!text.is_empty()).then_some(text),
            "priority": chosen,
            "priorityReason": chosen.map(|_| self.reason.get_untracked().trim().to_owned()),
        }))
    }
}

/// The fields a server error can name, each shown under its field.
const FIELDS: [&str; 5] = ["customer", "customer.phone", "customer.email", "subject", "priorityReason"];

/// The dialog. `customer`: the id of the customer it is about, when known.
#[component]
pub fn OpenTicketDialog(customer: Option<String>, on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let known = customer.is_some();
    let customer = StoredValue::new(customer);
    let form = Form::new();
    let touched = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let server_error = RwSignal::new(None::<ApiError>);
    let server = move |fields: &'static [&'static str]| {
        server_error
            .with(|e| e.as_ref().and_then(|e| fields.iter().find_map(|f| labels::field_error(i18n, e, f))))
    };
    let contact_error = Signal::derive(move || {
        if known || (!touched.get() && form.contact.with(String::is_empty)) {
            return None;
        }
        match contact_ref(&form.contact.get()) {
            Ok(_) => server(&FIELDS[..3]),
            Err(reason) => Some(labels::invalid(i18n, reason)),
        }
    });
    let subject_error = Signal::derive(move || {
        let value = form.subject.get();
        if !touched.get() && value.is_empty() {
            return None;
        }
        match validate::name(&value, SUBJECT_MAX) {
            Ok(_) => server(&FIELDS[3..4]),
            Err(reason) => Some(labels::invalid(i18n, reason)),
        }
    });
    let reason_error = Signal::derive(move || {
        let overridden = form.priority.with(|p| !p.is_empty());
        if overridden && touched.get() && form.reason.with(|r| r.trim().is_empty()) {
            return Some(labels::invalid(i18n, Invalid::Required));
        }
        server(&FIELDS[4..])
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        touched.set(true);
        form_error.set(None);
        server_error.set(None);
        let Some(input) = form.input(customer.get_value()) else { return };
        if subject_error.get_untracked().is_some() || reason_error.get_untracked().is_some() {
            return;
        }
        pending.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = api::service::open_ticket(input).await;
            pending.set(false);
            match result {
                Ok(id) => {
                    navigate(&format!("/service/tickets/{id}"), leptos_router::NavigateOptions::default());
                }
                Err(failure) => {
                    if !FIELDS.iter().any(|f| failure.concerns(f)) {
                        form_error.set(Some(
                            labels::field_error(i18n, &failure, "description")
                                .unwrap_or_else(|| labels::form_error(i18n, &failure)),
                        ));
                    }
                    server_error.set(Some(failure));
                }
            }
        });
    };
    view! {
        <Dialog title=Key::NewTicket on_close test_id="open-ticket-dialog" wide=true>
            <form class="form" on:submit=submit novalidate=true>
                <Show when=move || !known>
                    <div class="form__row">
                        <TextField label=Key::TicketContact value=form.contact error=contact_error hint=Key::TicketContactHint name="ticket-contact" autocomplete="off" required=true />
                        <TextField label=Key::TicketNewName value=form.name name="ticket-name" autocomplete="off" />
                    </div>
                </Show>
                <div class="form__row">
                    <EnumSelect label=Key::TicketKind name="ticket-kind" value=form.kind options=TicketKind::ALL text=labels::ticket_kind as_str=TicketKind::as_str parse=TicketKind::parse />
                    <EnumSelect label=Key::Channel name="ticket-channel" value=form.channel options=Channel::ALL text=labels::channel as_str=Channel::as_str parse=Channel::parse />
                </div>
                <TextField label=Key::Subject value=form.subject error=subject_error name="ticket-subject" autocomplete="off" required=true />
                <div class="field">
                    <label class="field__label" for="field-ticket-description">{move || i18n.t(Key::DescriptionOptional)}</label>
                    <textarea id="field-ticket-description" class="field__input field__textarea" rows="4" bind:value=form.description></textarea>
                </div>
                <PriorityChoice priority=form.priority reason=form.reason reason_error />
                <FormError message=form_error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" disabled=move || pending.get() data-testid="save-ticket">
                        {move || i18n.t(Key::OpenTicket)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// The priority the stars give, or one chosen by hand with its reason.
#[component]
fn PriorityChoice(
    priority: RwSignal<String>,
    reason: RwSignal<String>,
    reason_error: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="form__row">
            <div class="field">
                <label class="field__label" for="field-ticket-priority">{move || i18n.t(Key::Priority)}</label>
                <select
                    id="field-ticket-priority"
                    class="field__input"
                    name="ticket-priority"
                    on:change=move |ev| priority.set(event_target_value(&ev))
                    prop:value=move || priority.get()
                >
                    <option value="">{move || i18n.t(Key::PriorityFromStars)}</option>
                    {TicketPriority::ALL
                        .iter()
                        .map(|p| view! { <option value=p.as_str()>{move || i18n.t(labels::priority(*p))}</option> })
                        .collect_view()}
                </select>
            </div>
            <Show when=move || priority.with(|p| !p.is_empty())>
                <TextField label=Key::PriorityReason value=reason error=reason_error name="ticket-priority-reason" autocomplete="off" required=true />
            </Show>
        </div>
    }
}
