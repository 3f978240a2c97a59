//! The edit form of a customer's profile: every field with live validation from the shared rules,
//! contact details in full (revealed for editing, audited), consent per channel and the workspace's
//! custom fields by type. The save names the version the form was opened at; a change made
//! meanwhile by someone else is refused (`CONFLICT`) rather than overwritten.

use leptos::prelude::*;
use serde_json::{Value, json};
use starcrm_shared::account::{UserInfo, UserStatus};
use starcrm_shared::customer::UserName;
use starcrm_shared::customer::{
    self as rules, Channel, ConsentChannel, CustomFieldKind, CustomerDetail, FieldDefinition, Gender,
    LifecycleStage,
};
use starcrm_shared::{Permission, validate};

use crate::api::customers::Revealed;
use crate::api::{self, ApiError};
use crate::components::dialog::Dialog;
use crate::components::field::{EnumSelect, FormError, TextField};
use crate::i18n::{Key, labels, use_i18n};
use crate::state::session::use_session;

#[component]
pub fn EditCustomerDialog(
    customer: CustomerDetail,
    fields: Vec<FieldDefinition>,
    on_close: Callback<()>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let revealed = RwSignal::new(None::<Result<Revealed, ApiError>>);
    let id = customer.id.clone();
    leptos::task::spawn_local(async move {
        revealed.set(Some(api::customers::for_edit(&id).await));
    });
    let customer = StoredValue::new(customer);
    let fields = StoredValue::new(fields);
    view! {
        <Dialog title=Key::EditCustomer on_close test_id="edit-customer-dialog" wide=true>
            {move || match revealed.get() {
                None => view! { <p class="muted">{i18n.t(Key::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="form-error">{labels::form_error(i18n, &failure)}</p> }.into_any(),
                Some(Ok(full)) => view! {
                    <EditForm customer=customer.get_value() fields=fields.get_value() full on_close on_saved />
                }
                .into_any(),
            }}
        </Dialog>
    }
}

/// A phone or email being edited.
#[derive(Clone, Copy)]
struct ContactRow {
    key: usize,
    value: RwSignal<String>,
}

/// The editable list of a customer's phones or emails, one marked primary.
#[derive(Clone, Copy)]
struct Contacts {
    rows: RwSignal<Vec<ContactRow>>,
    primary: RwSignal<usize>,
    next_key: StoredValue<usize>,
    original: StoredValue<Vec<(String, bool)>>,
}

impl Contacts {
    fn new(values: &[rules::ContactValue]) -> Self {
        let rows: Vec<ContactRow> = values
            .iter()
            .enumerate()
            .map(|(key, v)| ContactRow { key, value: RwSignal::new(v.value.clone()) })
            .collect();
        let primary = values.iter().position(|v| v.primary).map_or(0, |i| rows[i].key);
        Self {
            rows: RwSignal::new(rows),
            primary: RwSignal::new(primary),
            next_key: StoredValue::new(values.len()),
            original: StoredValue::new(values.iter().map(|v| (v.value.clone(), v.primary)).collect()),
        }
    }

    fn add(self) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.rows.update(|rows| rows.push(ContactRow { key, value: RwSignal::new(String::new()) }));
    }

    fn remove(self, key: usize) {
        self.rows.update(|rows| rows.retain(|r| r.key != key));
    }

    /// The list as entered (blank rows left out), with the primary flag.
    fn entered(self) -> Vec<(String, bool)> {
        let primary = self.primary.get_untracked();
        let rows = self.rows.get_untracked();
        let mut out: Vec<(String, bool)> = rows
            .iter()
            .filter(|r| !r.value.get_untracked().trim().is_empty())
            .map(|r| (r.value.get_untracked().trim().to_owned(), r.key == primary))
            .collect();
        if !out.is_empty() && !out.iter().any(|(_, p)| *p) {
            out[0].1 = true;
        }
        out
    }

    /// `Some(list)` to send when the list changed, else `None` (leave it as it is).
    fn changes(self) -> Option<Value> {
        let entered = self.entered();
        let original = self.original.get_value();
        (entered != original).then(|| {
            Value::Array(
                entered
                    .into_iter()
                    .map(|(value, primary)| json!({ "value": value, "primary": primary }))
                    .collect(),
            )
        })
    }
}

/// A custom field's editing state: its definition, what it held, and what the form holds now.
#[derive(Clone)]
struct FieldState {
    definition: FieldDefinition,
    original: Value,
    value: RwSignal<Value>,
}

#[component]
#[allow(clippy::too_many_lines)]
fn EditForm(
    customer: CustomerDetail,
    fields: Vec<FieldDefinition>,
    full: Revealed,
    on_close: Callback<()>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let text = |v: &Option<String>| RwSignal::new(v.clone().unwrap_or_default());
    let name = RwSignal::new(customer.name.clone());
    let gender = RwSignal::new(customer.gender);
    let birthday = text(&full.birthday);
    let stage = RwSignal::new(customer.lifecycle_stage);
    let source = RwSignal::new(customer.source_channel);
    let original_owner = customer.owner.as_ref().map(|o| o.id.clone());
    let owner = RwSignal::new(original_owner.clone());
    let company = text(&customer.company);
    let job_title = text(&customer.job_title);
    let education = text(&customer.education);
    let native_place = text(&customer.native_place);
    let address = text(&customer.address);
    let notes = text(&customer.notes);
    let tags = RwSignal::new(customer.tags.join(", "));
    let phones = Contacts::new(&full.phones);
    let emails = Contacts::new(&full.emails);
    let consents: Vec<(ConsentChannel, Option<bool>, RwSignal<Option<bool>>)> = ConsentChannel::ALL
        .iter()
        .map(|c| {
            let now = customer.consents.iter().find(|x| x.channel == *c).map(|x| x.granted);
            (*c, now, RwSignal::new(now))
        })
        .collect();
    let field_states: Vec<FieldState> = fields
        .into_iter()
        .map(|definition| {
            let original = customer
                .custom_fields
                .iter()
                .find(|v| v.key == definition.key)
                .map_or(Value::Null, |v| v.value.clone());
            FieldState { definition, value: RwSignal::new(original.clone()), original }
        })
        .collect();
    let server_error = RwSignal::new(None::<ApiError>);
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let today = labels::today();

    let server_says = move |field: String| {
        Signal::derive(move || {
            server_error.with(|e| e.as_ref().and_then(|e| labels::field_error(i18n, e, &field)))
        })
    };
    let checked = move |value: RwSignal<String>,
                        check: fn(&str) -> Option<validate::Invalid>,
                        field: &'static str| {
        let server = server_says(field.to_owned());
        Signal::derive(move || check(&value.get()).map(|r| labels::invalid(i18n, r)).or_else(|| server.get()))
    };
    let name_error = checked(name, |v| validate::name(v, rules::TEXT_MAX_CHARS).err(), "name");
    let birthday_error = {
        let today = today.clone();
        let server = server_says("birthday".to_owned());
        Signal::derive(move || {
            let value = birthday.get();
            (!value.trim().is_empty())
                .then(|| rules::date(&value, &today).err().map(|r| labels::invalid(i18n, r)))
                .flatten()
                .or_else(|| server.get())
        })
    };
    let short = |v: &str| rules::optional_text(Some(v), rules::TEXT_MAX_CHARS).err();
    let company_error = checked(company, short, "company");
    let job_error = checked(job_title, short, "jobTitle");
    let education_error = checked(education, short, "education");
    let native_error = checked(native_place, short, "nativePlace");
    let address_error = checked(address, short, "address");
    let notes_error =
        checked(notes, |v| rules::optional_text(Some(v), rules::NOTES_MAX_CHARS).err(), "notes");
    let tags_error = checked(
        tags,
        |v| {
            let list: Vec<&str> = v.split([',', '，']).filter(|t| !t.trim().is_empty()).collect();
            if list.len() > rules::TAGS_MAX {
                return Some(validate::Invalid::TooLong { max: rules::TAGS_MAX });
            }
            list.into_iter().find_map(|t| rules::tag(t).err())
        },
        "tags",
    );
    let field_errors: Vec<(String, Signal<Option<String>>)> = field_states
        .iter()
        .map(|f| {
            let (kind, options, value, today) =
                (f.definition.kind, f.definition.options.clone(), f.value, today.clone());
            let server = server_says(format!("customFields.{}", f.definition.key));
            let local = Signal::derive(move || {
                let raw = value.get();
                if raw.is_null() {
                    return None;
                }
                rules::custom_value(kind, &options, &raw, &today).err().map(|r| labels::invalid(i18n, r))
            });
            (f.definition.key.clone(), Signal::derive(move || local.get().or_else(|| server.get())))
        })
        .collect();
    let field_errors = StoredValue::new(field_errors);

    // A server error goes once the form changes.
    Effect::new(move |_| {
        name.track();
        birthday.track();
        phones.rows.track();
        emails.rows.track();
        server_error.set(None);
    });

    let contact_error = move |list: Contacts,
                              key: usize,
                              prefix: &'static str,
                              check: fn(&str) -> Option<validate::Invalid>| {
        Signal::derive(move || {
            let rows = list.rows.get();
            let index = rows.iter().filter(|r| !r.value.get().trim().is_empty()).position(|r| r.key == key);
            let row = rows.iter().find(|r| r.key == key)?;
            let value = row.value.get();
            if value.trim().is_empty() {
                return None;
            }
            check(&value).map(|r| labels::invalid(i18n, r)).or_else(|| {
                let field = format!("{prefix}[{}]", index?);
                server_error.with(|e| e.as_ref().and_then(|e| labels::field_error(i18n, e, &field)))
            })
        })
    };

    let customer_id = customer.id.clone();
    let version = customer.version;
    let consent_states = StoredValue::new(consents.clone());
    let field_states_stored = StoredValue::new(field_states.clone());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        form_error.set(None);
        let local_errors = [
            name_error,
            birthday_error,
            company_error,
            job_error,
            education_error,
            native_error,
            address_error,
            notes_error,
            tags_error,
        ];
        let contact_invalid = phones.entered().iter().any(|(v, _)| validate::phone(v).is_err())
            || emails.entered().iter().any(|(v, _)| validate::email(v).is_err());
        let fields_invalid =
            field_errors.with_value(|list| list.iter().any(|(_, e)| e.get_untracked().is_some()));
        if local_errors.iter().any(|e| e.get_untracked().is_some()) || contact_invalid || fields_invalid {
            form_error.set(Some(i18n.t(Key::ErrorBadUserInputBody).to_owned()));
            return;
        }
        let mut input = json!({
            "id": customer_id,
            "version": version,
            "name": name.get_untracked().trim(),
            "gender": gender.get_untracked(),
            "birthday": birthday.get_untracked().trim(),
            "lifecycleStage": stage.get_untracked(),
            "company": company.get_untracked(),
            "jobTitle": job_title.get_untracked(),
            "education": education.get_untracked(),
            "nativePlace": native_place.get_untracked(),
            "address": address.get_untracked(),
            "notes": notes.get_untracked(),
            "tags": tags.get_untracked().split([',', '，']).map(str::trim).filter(|t| !t.is_empty()).collect::<Vec<_>>(),
        });
        if let Some(channel) = source.get_untracked() {
            input["sourceChannel"] = json!(channel);
        }
        let chosen_owner = owner.get_untracked();
        if chosen_owner != original_owner {
            input["ownerId"] = json!(chosen_owner);
        }
        if let Some(list) = phones.changes() {
            input["phones"] = list;
        }
        if let Some(list) = emails.changes() {
            input["emails"] = list;
        }
        let consent_changes: Vec<Value> = consent_states.with_value(|list| {
            list.iter()
                .filter_map(|(channel, before, now)| {
                    let now = now.get_untracked();
                    (now != *before)
                        .then_some(now)
                        .flatten()
                        .map(|granted| json!({ "channel": channel, "granted": granted, "source": "staff" }))
                })
                .collect()
        });
        if !consent_changes.is_empty() {
            input["consents"] = Value::Array(consent_changes);
        }
        let field_changes: Vec<Value> = field_states_stored.with_value(|list| {
            list.iter()
                .filter(|f| f.value.get_untracked() != f.original)
                .map(|f| json!({ "key": f.definition.key, "value": f.value.get_untracked() }))
                .collect()
        });
        if !field_changes.is_empty() {
            input["customFields"] = Value::Array(field_changes);
        }
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::customers::update(input).await;
            pending.set(false);
            match result {
                Ok(_) => on_saved.run(()),
                Err(failure) => {
                    let shown = failure.field.as_deref().is_some_and(|f| {
                        f == "name"
                            || f == "birthday"
                            || f.starts_with("phones[")
                            || f.starts_with("emails[")
                            || f.starts_with("customFields.")
                    });
                    if !shown {
                        form_error.set(Some(labels::form_error(i18n, &failure)));
                    }
                    server_error.set(Some(failure));
                }
            }
        });
    };

    let contact_list = move |list: Contacts,
                             label: Key,
                             add: Key,
                             prefix: &'static str,
                             input_type: &'static str| {
        let check: fn(&str) -> Option<validate::Invalid> =
            if prefix == "phones" { |v| validate::phone(v).err() } else { |v| validate::email(v).err() };
        view! {
            <fieldset class="field" data-testid=format!("edit-{prefix}")>
                <legend class="field__label">{move || i18n.t(label)}</legend>
                <For
                    each=move || list.rows.get()
                    key=|row| row.key
                    children=move |row| {
                        let error = contact_error(list, row.key, prefix, check);
                        view! {
                            <div class="contact-edit" class:field--invalid=move || error.get().is_some()>
                                <div class="contact-edit__row">
                                    <input
                                        class="field__input"
                                        type=input_type
                                        name=format!("{prefix}-value")
                                        autocomplete="off"
                                        aria-label=move || i18n.t(label)
                                        bind:value=row.value
                                    />
                                    <label class="checkbox contact-edit__primary">
                                        <input
                                            type="radio"
                                            name=format!("{prefix}-primary")
                                            checked=move || list.primary.get() == row.key
                                            on:change=move |_| list.primary.set(row.key)
                                        />
                                        {move || i18n.t(Key::Primary)}
                                    </label>
                                    <button type="button" class="link-button" on:click=move |_| list.remove(row.key)>{move || i18n.t(Key::Remove)}</button>
                                </div>
                                {move || error.get().map(|m| view! { <p class="field__error">{m}</p> })}
                            </div>
                        }
                    }
                />
                <div>
                    <button type="button" class="button button--small" data-testid=format!("add-{prefix}") on:click=move |_| list.add()>
                        {move || i18n.t(add)}
                    </button>
                </div>
            </fieldset>
        }
    };

    view! {
        <form class="form" on:submit=submit novalidate=true data-testid="edit-customer-form">
            <div class="form__row">
                <TextField label=Key::Name value=name error=name_error name="edit-name" autocomplete="off" />
                <EnumSelect label=Key::Gender name="edit-gender" value=gender options=Gender::ALL text=labels::gender as_str=Gender::as_str parse=Gender::parse />
            </div>
            <div class="form__row">
                <TextField label=Key::Birthday value=birthday error=birthday_error input_type="date" name="edit-birthday" />
                <EnumSelect label=Key::LifecycleStage name="edit-stage" value=stage options=LifecycleStage::ALL text=labels::stage as_str=LifecycleStage::as_str parse=LifecycleStage::parse />
            </div>
            {contact_list(phones, Key::Phones, Key::AddPhone, "phones", "tel")}
            {contact_list(emails, Key::Emails, Key::AddEmail, "emails", "email")}
            <div class="form__row">
                <TextField label=Key::Company value=company error=company_error name="edit-company" autocomplete="off" />
                <TextField label=Key::JobTitle value=job_title error=job_error name="edit-job-title" autocomplete="off" />
            </div>
            <div class="form__row">
                <TextField label=Key::Education value=education error=education_error name="edit-education" autocomplete="off" />
                <TextField label=Key::NativePlace value=native_place error=native_error name="edit-native-place" autocomplete="off" />
            </div>
            <TextField label=Key::Address value=address error=address_error name="edit-address" autocomplete="off" />
            <div class="field">
                <label class="field__label" for="field-edit-source">{move || i18n.t(Key::SourceChannel)}</label>
                <select
                    id="field-edit-source"
                    class="field__input"
                    on:change=move |ev| source.set(Channel::parse(&event_target_value(&ev)))
                >
                    <option value="" selected=source.get_untracked().is_none()>{move || i18n.t(Key::NotSet)}</option>
                    {Channel::ALL
                        .iter()
                        .map(|c| view! { <option value=c.as_str() selected=source.get_untracked() == Some(*c)>{move || i18n.t(labels::channel(*c))}</option> })
                        .collect_view()}
                </select>
            </div>
            <OwnerSelect owner current=customer.owner.clone() />
            <TextField label=Key::Tags value=tags error=tags_error hint=Key::TagsHint name="edit-tags" autocomplete="off" />
            <div class="field" class:field--invalid=move || notes_error.get().is_some()>
                <label class="field__label" for="field-edit-notes">{move || i18n.t(Key::Notes)}</label>
                <textarea id="field-edit-notes" class="field__input field__textarea" rows="3" bind:value=notes></textarea>
                {move || notes_error.get().map(|m| view! { <p class="field__error">{m}</p> })}
            </div>
            <fieldset class="field form__section">
                <legend class="field__label">{move || i18n.t(Key::Consents)}</legend>
                <div class="consent-edit">
                    {consents
                        .into_iter()
                        .map(|(channel, _, state)| view! {
                            <label class="consent-edit__row">
                                <span>{move || i18n.t(labels::consent_channel(channel))}</span>
                                <select
                                    class="inline-select"
                                    name=format!("consent-{}", channel.as_str())
                                    on:change=move |ev| state.set(match event_target_value(&ev).as_str() {
                                        "granted" => Some(true),
                                        "refused" => Some(false),
                                        _ => None,
                                    })
                                >
                                    <option value="" selected=state.get_untracked().is_none() disabled=state.get_untracked().is_some()>{move || i18n.t(Key::ConsentUnknown)}</option>
                                    <option value="granted" selected=state.get_untracked() == Some(true)>{move || i18n.t(Key::ConsentGranted)}</option>
                                    <option value="refused" selected=state.get_untracked() == Some(false)>{move || i18n.t(Key::ConsentRefused)}</option>
                                </select>
                            </label>
                        })
                        .collect_view()}
                </div>
            </fieldset>
            {(!field_states.is_empty()).then(|| view! {
                <fieldset class="field form__section">
                    <legend class="field__label">{move || i18n.t(Key::CustomFields)}</legend>
                    <div class="form__grid">
                        {field_states
                            .into_iter()
                            .map(|f| {
                                let error = field_errors.with_value(|list| {
                                    list.iter().find(|(k, _)| *k == f.definition.key).map(|(_, e)| *e)
                                });
                                view! { <CustomFieldInput field=f error=error.unwrap_or_else(|| Signal::derive(|| None)) /> }
                            })
                            .collect_view()}
                    </div>
                </fieldset>
            })}
            <FormError message=form_error />
            <div class="form__actions form__actions--sticky">
                <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                <button type="submit" class="button button--primary" disabled=move || pending.get() data-testid="save-customer">
                    {move || i18n.t(if pending.get() { Key::Saving } else { Key::Save })}
                </button>
            </div>
        </form>
    }
}

/// The dedicated rep: a choice among the workspace's active staff for those who may list them
/// (`users:read`), else the current one, read-only.
#[component]
fn OwnerSelect(owner: RwSignal<Option<String>>, current: Option<UserName>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let staff = RwSignal::new(None::<Vec<UserInfo>>);
    if session.can(Permission::UsersRead) {
        leptos::task::spawn_local(async move {
            let active = api::users::list(100, None, "", None, Some(UserStatus::Active)).await;
            staff.set(Some(active.map(|page| page.nodes).unwrap_or_default()));
        });
    }
    let current_name = current.as_ref().map(|o| o.name.clone());
    view! {
        <div class="field">
            <label class="field__label" for="field-edit-owner">{move || i18n.t(Key::Owner)}</label>
            {move || match staff.get() {
                Some(people) => view! {
                    <select
                        id="field-edit-owner"
                        name="edit-owner"
                        class="field__input"
                        on:change=move |ev| {
                            let id = event_target_value(&ev);
                            owner.set((!id.is_empty()).then_some(id));
                        }
                    >
                        <option value="" selected=owner.get_untracked().is_none()>{i18n.t(Key::Unassigned)}</option>
                        {people
                            .into_iter()
                            .map(|u| {
                                let selected = owner.get_untracked().as_deref() == Some(u.id.as_str());
                                view! { <option value=u.id.clone() selected=selected>{u.name}</option> }
                            })
                            .collect_view()}
                    </select>
                }
                .into_any(),
                None => view! {
                    <input
                        id="field-edit-owner"
                        class="field__input"
                        readonly=true
                        prop:value=current_name.clone().unwrap_or_else(|| i18n.t(Key::Unassigned).to_owned())
                    />
                }
                .into_any(),
            }}
        </div>
    }
}

/// One custom field's input, by its type.
#[component]
fn CustomFieldInput(field: FieldState, error: Signal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let FieldState { definition, value, .. } = field;
    let id = format!("field-custom-{}", definition.key);
    let as_text = move || match value.get() {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let input = match definition.kind {
        CustomFieldKind::Text | CustomFieldKind::Date => {
            let kind = if definition.kind == CustomFieldKind::Date { "date" } else { "text" };
            view! {
                <input
                    id=id.clone()
                    class="field__input"
                    type=kind
                    prop:value=as_text
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        value.set(if text.trim().is_empty() { Value::Null } else { Value::String(text) });
                    }
                />
            }
            .into_any()
        }
        CustomFieldKind::Number => view! {
            <input
                id=id.clone()
                class="field__input"
                type="text"
                inputmode="decimal"
                prop:value=as_text
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    let trimmed = text.trim();
                    value.set(if trimmed.is_empty() {
                        Value::Null
                    } else {
                        trimmed.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::String(text.clone()), Value::Number)
                    });
                }
            />
        }
        .into_any(),
        CustomFieldKind::Boolean => view! {
            <select
                id=id.clone()
                class="field__input"
                on:change=move |ev| value.set(match event_target_value(&ev).as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::Null,
                })
            >
                <option value="" selected=move || value.get().is_null()>{move || i18n.t(Key::NotSet)}</option>
                <option value="true" selected=move || value.get() == Value::Bool(true)>{move || i18n.t(Key::Yes)}</option>
                <option value="false" selected=move || value.get() == Value::Bool(false)>{move || i18n.t(Key::No)}</option>
            </select>
        }
        .into_any(),
        CustomFieldKind::SingleSelect => {
            let options = definition.options.clone();
            view! {
                <select
                    id=id.clone()
                    class="field__input"
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        value.set(if text.is_empty() { Value::Null } else { Value::String(text) });
                    }
                >
                    <option value="" selected=move || value.get().is_null()>{move || i18n.t(Key::NotSet)}</option>
                    {options
                        .into_iter()
                        .map(|o| {
                            let chosen = o.clone();
                            view! { <option value=o.clone() selected=move || value.get().as_str() == Some(chosen.as_str())>{o.clone()}</option> }
                        })
                        .collect_view()}
                </select>
            }
            .into_any()
        }
        CustomFieldKind::MultiSelect => {
            let options = definition.options.clone();
            view! {
                <div class="pills pills--choices" id=id.clone()>
                    {options
                        .into_iter()
                        .map(|o| {
                            let option = o.clone();
                            let has = {
                                let option = option.clone();
                                move || value.with(|v| v.as_array().is_some_and(|a| a.iter().any(|x| x.as_str() == Some(option.as_str()))))
                            };
                            view! {
                                <label class="checkbox choice">
                                    <input
                                        type="checkbox"
                                        prop:checked=has
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            value.update(|v| {
                                                let mut list: Vec<Value> = v.as_array().cloned().unwrap_or_default();
                                                list.retain(|x| x.as_str() != Some(option.as_str()));
                                                if on {
                                                    list.push(Value::String(option.clone()));
                                                }
                                                *v = if list.is_empty() { Value::Null } else { Value::Array(list) };
                                            });
                                        }
                                    />
                                    {o}
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
            }
            .into_any()
        }
    };
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some() data-testid=format!("edit-field-{}", definition.key)>
            <label class="field__label" for=id>{definition.label.clone()}</label>
            {input}
            {move || error.get().map(|m| view! { <p class="field__error">{m}</p> })}
        </div>
    }
}
