//! A customer's profile as a caller writes it: validation with the shared rules (each error names
//! its field, e.g. `phones[1]`), then the writes of the profile's child rows (phones, emails,
//! tags, consents, custom field values).

#![allow(clippy::option_option, reason = "patches: None leaves a field, Some(None) clears it")]

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;
use starcrm_shared::customer::{
    self as rules, Channel, ConsentChannel, CustomFieldKind, CustomValue, Gender, LifecycleStage,
};
use starcrm_shared::validate::{self, Invalid};
use uuid::Uuid;

use super::loaders::replace_rows;
use crate::auth::Scope;
use crate::db;
use crate::entities::{
    custom_field, customer, customer_consent, customer_email, customer_field_value, customer_phone,
    customer_tag, user,
};
use crate::error::AppError;

/// A phone number or email address with an optional label (`work`, `home`...).
#[derive(Clone, Debug)]
pub struct ContactInput {
    pub value: String,
    pub label: Option<String>,
    pub primary: bool,
}

/// A consent answer for one channel.
#[derive(Clone, Debug)]
pub struct ConsentInput {
    pub channel: ConsentChannel,
    pub granted: bool,
    /// Where the answer came from (`signup form`, `store counter`...).
    pub source: Option<String>,
}

/// A profile write. On create, `None` means "not given"; on update, `None` leaves the field as it
/// is and `Some(None)` clears it. Lists, when given, replace the stored list; custom fields are
/// set per key (`Value::Null` removes one).
#[derive(Clone, Debug, Default)]
pub struct CustomerInput {
    pub name: Option<String>,
    pub gender: Option<Gender>,
    pub birthday: Option<Option<String>>,
    pub id_number: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub company: Option<Option<String>>,
    pub job_title: Option<Option<String>>,
    pub education: Option<Option<String>>,
    pub native_place: Option<Option<String>>,
    pub owner_id: Option<Option<Uuid>>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub source_channel: Option<Option<Channel>>,
    pub notes: Option<Option<String>>,
    pub phones: Option<Vec<ContactInput>>,
    pub emails: Option<Vec<ContactInput>>,
    pub tags: Option<Vec<String>>,
    pub consents: Option<Vec<ConsentInput>>,
    pub custom_fields: Option<Vec<(String, Value)>>,
}

/// A checked contact point, normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub value: String,
    pub label: Option<String>,
    pub primary: bool,
}

/// [`CustomerInput`] after validation: every value normalised, ready to write.
#[derive(Clone, Debug, Default)]
pub struct ValidInput {
    pub name: Option<String>,
    pub gender: Option<Gender>,
    pub birthday: Option<Option<NaiveDate>>,
    pub id_number: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub company: Option<Option<String>>,
    pub job_title: Option<Option<String>>,
    pub education: Option<Option<String>>,
    pub native_place: Option<Option<String>>,
    pub owner_id: Option<Option<Uuid>>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub source_channel: Option<Option<Channel>>,
    pub notes: Option<Option<String>>,
    pub phones: Option<Vec<Contact>>,
    pub emails: Option<Vec<Contact>>,
    pub tags: Option<Vec<String>>,
    pub consents: Option<Vec<ConsentInput>>,
    /// Field id, key and the typed value (`None` removes it).
    pub custom_fields: Option<Vec<(custom_field::Model, Option<CustomValue>)>>,
}

/// Today as the latest acceptable birthday, generous by a day for time zones east of UTC.
pub fn latest_date() -> String {
    (Utc::now() + chrono::Duration::hours(14)).date_naive().format("%Y-%m-%d").to_string()
}

fn text(field: &str, value: Option<Option<String>>, max: usize) -> Result<Option<Option<String>>, AppError> {
    value
        .map(|v| rules::optional_text(v.as_deref(), max).map_err(|r| AppError::invalid(field, r)))
        .transpose()
}

/// Checks every field of `input`. `creating` makes `name` required.
///
/// # Errors
/// `BAD_USER_INPUT` naming the first field that breaks a rule.
pub async fn validate(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    input: CustomerInput,
    creating: bool,
) -> Result<ValidInput, AppError> {
    validate_with(conn, scope, input, creating, None).await
}

/// [`validate`] with the workspace's custom field definitions already loaded (`None`: loads
/// them if the input has custom values), for callers that check many inputs.
///
/// # Errors
/// `BAD_USER_INPUT` naming the first field that breaks a rule.
pub async fn validate_with(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    input: CustomerInput,
    creating: bool,
    fields: Option<&[custom_field::Model]>,
) -> Result<ValidInput, AppError> {
    let name = match input.name {
        Some(name) => {
            Some(validate::name(&name, rules::TEXT_MAX_CHARS).map_err(|r| AppError::invalid("name", r))?)
        }
        None if creating => return Err(AppError::invalid("name", Invalid::Required)),
        None => None,
    };
    let today = latest_date();
    let birthday = input
        .birthday
        .map(|b| {
            b.filter(|s| !s.trim().is_empty())
                .map(|s| {
                    let date = rules::date(&s, &today).map_err(|r| AppError::invalid("birthday", r))?;
                    NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                        .map_err(|_| AppError::invalid("birthday", Invalid::Date))
                })
                .transpose()
        })
        .transpose()?;
    let owner_id = input.owner_id;
    if let Some(Some(owner)) = owner_id {
        let found = user::Entity::find_by_id(owner)
            .filter(user::Column::WorkspaceId.eq(scope.workspace_id))
            .one(conn)
            .await?;
        if found.is_none() {
            return Err(AppError::bad_input("ownerId", "is not a user of this workspace"));
        }
    }
    let phones =
        input.phones.map(|list| contacts("phones", list, rules::PHONES_MAX, validate::phone)).transpose()?;
    let emails =
        input.emails.map(|list| contacts("emails", list, rules::EMAILS_MAX, validate::email)).transpose()?;
    let tags = input.tags.map(|list| tags(&list)).transpose()?;
    let consents = input.consents.map(consents).transpose()?;
    let custom_fields = match input.custom_fields {
        Some(values) if values.is_empty() => Some(Vec::new()),
        Some(values) => Some(match fields {
            Some(defs) => custom_values(defs, values, &today)?,
            None => custom_values(&definitions(conn, scope.workspace_id).await?, values, &today)?,
        }),
        None => None,
    };
    Ok(ValidInput {
        name,
        gender: input.gender,
        birthday,
        id_number: text("idNumber", input.id_number, 40)?,
        address: text("address", input.address, 500)?,
        company: text("company", input.company, rules::TEXT_MAX_CHARS)?,
        job_title: text("jobTitle", input.job_title, rules::TEXT_MAX_CHARS)?,
        education: text("education", input.education, rules::TEXT_MAX_CHARS)?,
        native_place: text("nativePlace", input.native_place, rules::TEXT_MAX_CHARS)?,
        owner_id,
        lifecycle_stage: input.lifecycle_stage,
        source_channel: input.source_channel,
        notes: text("notes", input.notes, rules::NOTES_MAX_CHARS)?,
        phones,
        emails,
        tags,
        consents,
        custom_fields,
    })
}

fn contacts(
    field: &str,
    list: Vec<ContactInput>,
    max: usize,
    check: fn(&str) -> Result<String, Invalid>,
) -> Result<Vec<Contact>, AppError> {
    if list.len() > max {
        return Err(AppError::bad_input(field, format!("at most {max} entries")));
    }
    let mut out: Vec<Contact> = Vec::with_capacity(list.len());
    for (i, item) in list.into_iter().enumerate() {
        let path = format!("{field}[{i}]");
        let value = check(&item.value).map_err(|r| AppError::invalid(&path, r))?;
        if out.iter().any(|c| c.value == value) {
            return Err(AppError::invalid(&path, Invalid::Duplicate));
        }
        let label =
            rules::optional_text(item.label.as_deref(), 40).map_err(|r| AppError::invalid(&path, r))?;
        out.push(Contact { value, label, primary: item.primary });
    }
    match out.iter().filter(|c| c.primary).count() {
        0 => {
            if let Some(first) = out.first_mut() {
                first.primary = true;
            }
        }
        1 => {}
        _ => return Err(AppError::bad_input(field, "only one entry can be primary")),
    }
    Ok(out)
}

fn tags(list: &[String]) -> Result<Vec<String>, AppError> {
    if list.len() > rules::TAGS_MAX {
        return Err(AppError::bad_input("tags", format!("at most {} tags", rules::TAGS_MAX)));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for (i, raw) in list.iter().enumerate() {
        let tag = rules::tag(raw).map_err(|r| AppError::invalid(&format!("tags[{i}]"), r))?;
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

fn consents(list: Vec<ConsentInput>) -> Result<Vec<ConsentInput>, AppError> {
    let mut out: Vec<ConsentInput> = Vec::with_capacity(list.len());
    for (i, mut item) in list.into_iter().enumerate() {
        let path = format!("consents[{i}]");
        if out.iter().any(|c| c.channel == item.channel) {
            return Err(AppError::invalid(&path, Invalid::Duplicate));
        }
        item.source =
            rules::optional_text(item.source.as_deref(), 100).map_err(|r| AppError::invalid(&path, r))?;
        out.push(item);
    }
    Ok(out)
}

/// The workspace's active custom field definitions, in display order.
///
/// # Errors
/// Database failures.
pub async fn definitions(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> Result<Vec<custom_field::Model>, AppError> {
    Ok(custom_field::Entity::find()
        .filter(custom_field::Column::WorkspaceId.eq(workspace_id))
        .filter(custom_field::Column::ArchivedAt.is_null())
        .order_by_asc(custom_field::Column::Position)
        .order_by_asc(custom_field::Column::Id)
        .all(conn)
        .await?)
}

/// The choices of a select field.
pub fn options_of(field: &custom_field::Model) -> Vec<String> {
    field.options.as_deref().and_then(|o| serde_json::from_str(o).ok()).unwrap_or_default()
}

fn custom_values(
    defs: &[custom_field::Model],
    values: Vec<(String, Value)>,
    today: &str,
) -> Result<Vec<(custom_field::Model, Option<CustomValue>)>, AppError> {
    let mut out: Vec<(custom_field::Model, Option<CustomValue>)> = Vec::with_capacity(values.len());
    for (key, raw) in values {
        let path = format!("customFields.{key}");
        let Some(def) = defs.iter().find(|d| d.key == key) else {
            return Err(AppError::bad_input(path, "is not a custom field of this workspace"));
        };
        if out.iter().any(|(d, _)| d.id == def.id) {
            return Err(AppError::invalid(&path, Invalid::Duplicate));
        }
        let kind = CustomFieldKind::parse(&def.kind)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown custom field kind {}", def.kind)))?;
        let value = if raw.is_null() {
            None
        } else {
            Some(
                rules::custom_value(kind, &options_of(def), &raw, today)
                    .map_err(|r| AppError::invalid(&path, r))?,
            )
        };
        out.push((def.clone(), value));
    }
    Ok(out)
}

/// Applies the scalar fields of `input` to `model`.
pub fn apply(model: &mut customer::ActiveModel, input: &ValidInput) {
    if let Some(name) = &input.name {
        model.name = Set(name.clone());
    }
    if let Some(gender) = input.gender {
        model.gender = Set(gender.as_str().to_owned());
    }
    if let Some(birthday) = input.birthday {
        let changed = match &model.birthday {
            sea_orm::ActiveValue::Unchanged(old) | Set(old) => *old != birthday,
            sea_orm::ActiveValue::NotSet => true,
        };
        if changed {
            model.birthday_set_at = Set(birthday.map(|_| Utc::now()));
        }
        model.birthday = Set(birthday);
    }
    let texts = [
        (&input.id_number, &mut model.id_number),
        (&input.address, &mut model.address),
        (&input.company, &mut model.company),
        (&input.job_title, &mut model.job_title),
        (&input.education, &mut model.education),
        (&input.native_place, &mut model.native_place),
        (&input.notes, &mut model.notes),
    ];
    for (value, column) in texts {
        if let Some(value) = value {
            *column = Set(value.clone());
        }
    }
    if let Some(owner) = input.owner_id {
        model.owner_id = Set(owner);
    }
    if let Some(stage) = input.lifecycle_stage {
        model.lifecycle_stage = Set(stage.as_str().to_owned());
    }
    if let Some(channel) = input.source_channel {
        model.source_channel = Set(channel.map(|c| c.as_str().to_owned()));
    }
}

/// The child rows an input gives a customer: lists it names (phones, emails, tags), consents
/// and custom values.
pub struct Children {
    phones: Option<Vec<customer_phone::ActiveModel>>,
    emails: Option<Vec<customer_email::ActiveModel>>,
    tags: Option<Vec<customer_tag::ActiveModel>>,
    consents: Vec<(String, customer_consent::ActiveModel)>,
    values: Vec<(Uuid, Vec<customer_field_value::ActiveModel>)>,
}

impl Children {
    pub fn of(workspace_id: Uuid, customer_id: Uuid, input: &ValidInput) -> Self {
        let phones = input.phones.as_ref().map(|phones| {
            phones
                .iter()
                .map(|p| customer_phone::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    workspace_id: Set(workspace_id),
                    customer_id: Set(customer_id),
                    phone: Set(p.value.clone()),
                    label: Set(p.label.clone()),
                    is_primary: Set(p.primary),
                })
                .collect()
        });
        let emails = input.emails.as_ref().map(|emails| {
            emails
                .iter()
                .map(|e| customer_email::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    workspace_id: Set(workspace_id),
                    customer_id: Set(customer_id),
                    email: Set(e.value.clone()),
                    label: Set(e.label.clone()),
                    is_primary: Set(e.primary),
                })
                .collect()
        });
        let tags = input.tags.as_ref().map(|tags| {
            tags.iter()
                .map(|t| customer_tag::ActiveModel {
                    workspace_id: Set(workspace_id),
                    customer_id: Set(customer_id),
                    tag: Set(t.clone()),
                })
                .collect()
        });
        let now = Utc::now();
        let consents = input
            .consents
            .iter()
            .flatten()
            .map(|consent| {
                let channel = consent.channel.as_str().to_owned();
                let row = customer_consent::ActiveModel {
                    workspace_id: Set(workspace_id),
                    customer_id: Set(customer_id),
                    channel: Set(channel.clone()),
                    granted: Set(consent.granted),
                    source: Set(consent.source.clone()),
                    changed_at: Set(now),
                };
                (channel, row)
            })
            .collect();
        let values = input
            .custom_fields
            .iter()
            .flatten()
            .map(|(field, value)| (field.id, value_rows(workspace_id, customer_id, field.id, value.as_ref())))
            .collect();
        Children { phones, emails, tags, consents, values }
    }
}

/// Writes the child rows `input` names (replacing lists, upserting consents and custom values).
///
/// # Errors
/// Database failures.
pub async fn write_children(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    customer_id: Uuid,
    input: &ValidInput,
) -> Result<(), AppError> {
    let children = Children::of(workspace_id, customer_id, input);
    if let Some(rows) = children.phones {
        replace_rows(conn, customer_id, rows).await?;
    }
    if let Some(rows) = children.emails {
        replace_rows(conn, customer_id, rows).await?;
    }
    if let Some(rows) = children.tags {
        replace_rows(conn, customer_id, rows).await?;
    }
    for (channel, row) in children.consents {
        customer_consent::Entity::delete_many()
            .filter(customer_consent::Column::CustomerId.eq(customer_id))
            .filter(customer_consent::Column::Channel.eq(channel))
            .exec(conn)
            .await?;
        row.insert(conn).await?;
    }
    for (field_id, rows) in children.values {
        customer_field_value::Entity::delete_many()
            .filter(customer_field_value::Column::CustomerId.eq(customer_id))
            .filter(customer_field_value::Column::FieldId.eq(field_id))
            .exec(conn)
            .await?;
        if !rows.is_empty() {
            customer_field_value::Entity::insert_many(rows).exec(conn).await?;
        }
    }
    Ok(())
}

/// Writes the child rows of customers that were just inserted (nothing to replace), a few
/// statements for the lot.
///
/// # Errors
/// Database failures.
pub async fn insert_children(conn: &impl ConnectionTrait, all: Vec<Children>) -> Result<(), AppError> {
    let mut phones = Vec::new();
    let mut emails = Vec::new();
    let mut tags = Vec::new();
    let mut consents = Vec::new();
    let mut values = Vec::new();
    for children in all {
        phones.extend(children.phones.into_iter().flatten());
        emails.extend(children.emails.into_iter().flatten());
        tags.extend(children.tags.into_iter().flatten());
        consents.extend(children.consents.into_iter().map(|(_, row)| row));
        values.extend(children.values.into_iter().flat_map(|(_, rows)| rows));
    }
    db::insert_chunks(conn, phones).await?;
    db::insert_chunks(conn, emails).await?;
    db::insert_chunks(conn, tags).await?;
    db::insert_chunks(conn, consents).await?;
    db::insert_chunks(conn, values).await?;
    Ok(())
}

/// The stored rows of one custom value (one per choice of a multi-select).
pub fn value_rows(
    workspace_id: Uuid,
    customer_id: Uuid,
    field_id: Uuid,
    value: Option<&CustomValue>,
) -> Vec<customer_field_value::ActiveModel> {
    let row = |text: Option<String>, number: Option<f64>, boolean: Option<bool>| {
        customer_field_value::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(workspace_id),
            customer_id: Set(customer_id),
            field_id: Set(field_id),
            value_text: Set(text),
            value_number: Set(number),
            value_bool: Set(boolean),
        }
    };
    match value {
        None => Vec::new(),
        Some(CustomValue::Text(s) | CustomValue::Date(s) | CustomValue::SingleSelect(s)) => {
            vec![row(Some(s.clone()), None, None)]
        }
        Some(CustomValue::Number(n)) => vec![row(None, Some(*n), None)],
        Some(CustomValue::Boolean(b)) => vec![row(None, None, Some(*b))],
        Some(CustomValue::MultiSelect(items)) => {
            items.iter().map(|s| row(Some(s.clone()), None, None)).collect()
        }
    }
}

/// The typed value of `field` from its stored rows.
pub fn value_of(field: &custom_field::Model, rows: &[&customer_field_value::Model]) -> Option<CustomValue> {
    let first = rows.first()?;
    let text = || first.value_text.clone();
    Some(match CustomFieldKind::parse(&field.kind)? {
        CustomFieldKind::Text => CustomValue::Text(text()?),
        CustomFieldKind::Date => CustomValue::Date(text()?),
        CustomFieldKind::SingleSelect => CustomValue::SingleSelect(text()?),
        CustomFieldKind::Number => CustomValue::Number(first.value_number?),
        CustomFieldKind::Boolean => CustomValue::Boolean(first.value_bool?),
        CustomFieldKind::MultiSelect => {
            CustomValue::MultiSelect(rows.iter().filter_map(|r| r.value_text.clone()).collect())
        }
    })
}
