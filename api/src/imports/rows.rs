//! One row of an import: its cells read through the mapping into a profile, matched to a
//! customer by identity resolution (member number, then phone, then email), then created,
//! updated (never blanking a value, adding contacts rather than replacing them, leaving "keep"
//! columns alone where the customer has a value) or skipped by the mode. Every customer
//! written gets its changeset entry: what a revert needs to undo it.

use std::collections::HashSet;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use starcrm_shared::customer::{Channel, CustomFieldKind, CustomValue, Gender};
use starcrm_shared::imports::{self as rules, ImportKind, ImportMode, RowAction, Target};
use starcrm_shared::validate::Invalid;
use uuid::Uuid;

use super::file::Row;
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::customers::identities::{self, Identity, IdentityInput, ValidRef};
use crate::customers::profile::{self, Contact, ContactInput, CustomerInput, ValidInput};
use crate::customers::service;
use crate::entities::{
    channel_identity, custom_field, customer, customer_email, customer_field_value, customer_phone,
    customer_tag, import_change,
};
use crate::error::AppError;

/// One column of the mapping: what it fills, and whether an existing value wins over it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub target: Option<String>,
    #[serde(default)]
    pub keep: bool,
}

/// The mapping checked against the file and the workspace, ready to read rows with.
#[derive(Clone, Debug)]
pub struct Plan {
    pub columns: Vec<Option<(Target, bool)>>,
    pub headers: Vec<String>,
    pub mode: ImportMode,
    pub channel: Channel,
    pub kind: ImportKind,
    pub fields: Vec<custom_field::Model>,
}

/// Targets a row holds one of (phone, email and tags columns may repeat in a customers file).
fn single(target: &Target, kind: ImportKind) -> bool {
    kind == ImportKind::Transactions || !matches!(target, Target::Phone | Target::Email | Target::Tags)
}

impl Plan {
    /// Checks a mapping. Errors name `mapping[i].target`.
    ///
    /// # Errors
    /// `BAD_USER_INPUT`.
    pub fn new(
        headers: &[String],
        mapping: &[Column],
        mode: ImportMode,
        channel: Channel,
        kind: ImportKind,
        fields: Vec<custom_field::Model>,
    ) -> Result<Plan, AppError> {
        if mapping.len() != headers.len() {
            return Err(AppError::bad_input(
                "mapping",
                format!(
                    "give one entry per column: the file has {}, the mapping {}",
                    headers.len(),
                    mapping.len()
                ),
            ));
        }
        let mut columns = Vec::with_capacity(mapping.len());
        let mut seen: Vec<Target> = Vec::new();
        for (i, column) in mapping.iter().enumerate() {
            let field = format!("mapping[{i}].target");
            let Some(raw) = column.target.as_deref().filter(|t| !t.is_empty()) else {
                columns.push(None);
                continue;
            };
            let target =
                Target::parse(raw).ok_or_else(|| AppError::bad_input(&field, "is not a known target"))?;
            if !target.fits(kind) {
                return Err(AppError::bad_input(&field, format!("is not something a {kind} file can fill")));
            }
            if let Target::Custom(key) = &target
                && !fields.iter().any(|f| &f.key == key)
            {
                return Err(AppError::bad_input(&field, "is not a custom field of this workspace"));
            }
            if single(&target, kind) && seen.contains(&target) {
                return Err(AppError::bad_input(
                    &field,
                    format!("another column already fills {raw}; leave one of them out"),
                ));
            }
            seen.push(target.clone());
            columns.push(Some((target, column.keep)));
        }
        match kind {
            ImportKind::Transactions => super::purchases::check_plan(&seen, mode)?,
            ImportKind::Interactions => super::interactions::check_plan(&seen, mode)?,
            ImportKind::Customers => {}
        }
        if kind != ImportKind::Customers {
            return Ok(Plan { columns, headers: headers.to_vec(), mode, channel, kind, fields });
        }
        if !seen.iter().any(Target::identifies) && !seen.contains(&Target::Name) {
            return Err(AppError::bad_input(
                "mapping",
                "map at least a name, or a phone, email or member number column to match customers by",
            ));
        }
        if mode == ImportMode::UpdateOnly && !seen.iter().any(Target::identifies) {
            return Err(AppError::bad_input(
                "mapping",
                "updating needs a phone, email or member number column to find each customer",
            ));
        }
        if mode != ImportMode::UpdateOnly && !seen.contains(&Target::Name) {
            return Err(AppError::bad_input("mapping", "new customers need a name: map a column to name"));
        }
        Ok(Plan { columns, headers: headers.to_vec(), mode, channel, kind, fields })
    }

    pub(super) fn header_of(&self, wanted: &Target, nth: usize) -> Option<String> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.as_ref().is_some_and(|(t, _)| t == wanted))
            .nth(nth)
            .map(|(i, _)| self.headers[i].clone())
    }

    /// The header of the column an error on `field` (as profile validation names it) is about.
    fn column_of(&self, field: &str) -> Option<String> {
        let index = |prefix: &str| -> usize {
            field
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('['))
                .and_then(|rest| rest.split(']').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        let (target, nth) = match field.split(['[', '.']).next().unwrap_or(field) {
            "name" => (Target::Name, 0),
            "birthday" => (Target::Birthday, 0),
            "address" => (Target::Address, 0),
            "company" => (Target::Company, 0),
            "jobTitle" => (Target::JobTitle, 0),
            "notes" => (Target::Notes, 0),
            "phones" => (Target::Phone, index("phones")),
            "emails" => (Target::Email, index("emails")),
            "tags" => (Target::Tags, 0),
            "memberNo" | "identity" => (Target::MemberNo, 0),
            "customFields" => (Target::Custom(field.split('.').nth(1).unwrap_or_default().to_owned()), 0),
            _ => return None,
        };
        self.header_of(&target, nth)
    }

    fn keeps(&self, target: &Target) -> bool {
        self.columns.iter().flatten().any(|(t, keep)| t == target && *keep)
    }
}

/// Why a row was not written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub column: Option<String>,
    pub code: String,
    pub message: String,
    /// The shared validation reason, which the SPA words in the reader's language.
    pub reason: Option<Invalid>,
}

impl Refusal {
    pub(super) fn new(column: Option<String>, reason: Option<Invalid>, message: impl Into<String>) -> Self {
        Self { column, code: "BAD_USER_INPUT".to_owned(), message: message.into(), reason }
    }

    pub(super) fn from_error(plan: &Plan, err: &AppError) -> Self {
        let (field, message) = match err {
            AppError::BadUserInput { field, message } => (Some(field.as_str()), message.clone()),
            AppError::Invalid { field, reason } => (Some(field.as_str()), reason.message().clone()),
            AppError::Conflict { field, message } => (field.as_deref(), message.clone()),
            other => (None, other.to_string()),
        };
        let column = field.and_then(|f| plan.column_of(f));
        let reason = match err {
            AppError::Invalid { reason, .. } => Some(*reason),
            _ => None,
        };
        Refusal { column, code: err.code().as_str().to_owned(), message, reason }
    }
}

/// What became of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Created(Uuid),
    Updated(Uuid),
    /// Skipped by the mode, or nothing in it was new.
    Skipped(&'static str),
    Rejected(Refusal),
}

/// A row read through the mapping.
struct Parsed {
    input: CustomerInput,
    identity: Option<Identity>,
}

fn cell_value(kind: CustomFieldKind, cell: &str) -> Result<Value, &'static str> {
    Ok(match kind {
        CustomFieldKind::Number => {
            let n: f64 = cell.replace([',', '，'], "").trim().parse().map_err(|_| "is not a number")?;
            serde_json::Number::from_f64(n).map(Value::Number).ok_or("is not a number")?
        }
        CustomFieldKind::Boolean => match cell.trim().to_lowercase().as_str() {
            "是" | "yes" | "y" | "true" | "1" | "√" | "✓" => Value::Bool(true),
            "否" | "no" | "n" | "false" | "0" | "×" => Value::Bool(false),
            _ => return Err("is not yes or no"),
        },
        CustomFieldKind::Date => Value::String(rules::normalise_date(cell).ok_or("is not a date")?),
        CustomFieldKind::MultiSelect => {
            Value::Array(rules::split_tags(cell).into_iter().map(Value::String).collect())
        }
        _ => Value::String(cell.trim().to_owned()),
    })
}

fn parse(plan: &Plan, cells: &[String]) -> Result<Parsed, Refusal> {
    extra_cells(plan, cells)?;
    let mut input = CustomerInput::default();
    let mut identity = None;
    let mut phones = Vec::new();
    let mut emails = Vec::new();
    let mut tags = Vec::new();
    let mut custom = Vec::new();
    for (i, column) in plan.columns.iter().enumerate() {
        let Some((target, _)) = column else { continue };
        let cell = cells.get(i).map_or("", |c| c.trim());
        if cell.is_empty() {
            continue;
        }
        let header = || Some(plan.headers[i].clone());
        let text = || Some(Some(cell.to_owned()));
        match target {
            Target::Name => input.name = Some(cell.to_owned()),
            Target::Phone => {
                phones.push(ContactInput { value: cell.to_owned(), label: None, primary: false });
            }
            Target::Email => {
                emails.push(ContactInput { value: cell.to_owned(), label: None, primary: false });
            }
            Target::Gender => {
                input.gender = Some(rules::parse_gender(cell).ok_or_else(|| {
                    Refusal::new(
                        header(),
                        Some(Invalid::NotAnOption),
                        "is not a gender (男/女, M/F, male/female)",
                    )
                })?);
            }
            Target::Birthday => {
                let date = rules::normalise_date(cell).ok_or_else(|| {
                    Refusal::new(header(), Some(Invalid::Date), "is not a date (write it as 1990-05-17)")
                })?;
                input.birthday = Some(Some(date));
            }
            Target::MemberNo => {
                let given = IdentityInput { channel: plan.channel, external_id: cell.to_owned() };
                identity = Some(identities::validate(&given, "memberNo").map_err(|err| {
                    let mut refusal = Refusal::from_error(plan, &err);
                    refusal.column = header();
                    refusal
                })?);
            }
            Target::Address => input.address = text(),
            Target::Company => input.company = text(),
            Target::JobTitle => input.job_title = text(),
            Target::Notes => input.notes = text(),
            Target::Tags => tags.extend(rules::split_tags(cell)),
            Target::Custom(key) => {
                let Some(def) = plan.fields.iter().find(|f| &f.key == key) else { continue };
                let kind = CustomFieldKind::parse(&def.kind).unwrap_or(CustomFieldKind::Text);
                let value = cell_value(kind, cell)
                    .map_err(|why| Refusal::new(header(), Some(Invalid::WrongType), why))?;
                custom.push((key.clone(), value));
            }
            // Purchase targets: a customers plan never holds them (Plan::new refuses them).
            _ => {}
        }
    }
    input.phones = (!phones.is_empty()).then_some(phones);
    input.emails = (!emails.is_empty()).then_some(emails);
    input.tags = (!tags.is_empty()).then_some(tags);
    input.custom_fields = (!custom.is_empty()).then_some(custom);
    Ok(Parsed { input, identity })
}

/// The fields, contacts and values an import changed on a customer, as they were before: what
/// a revert writes back.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Before {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub birthday: Option<Option<NaiveDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub address: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub company: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub job_title: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub notes: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<(String, Option<String>, bool)>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<(String, Option<String>, bool)>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Field key and its value before (null: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom: Vec<(String, Option<CustomValue>)>,
    /// The identity the import linked (a revert unlinks it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<(String, String)>,
}

/// A field that is present is `Some`, even when its value is null (serde would read a null as
/// an absent `Option<Option<_>>`): "it was empty" must be restored, not skipped.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

impl Before {
    /// The write that puts the customer back (scalars and lists the import changed).
    pub fn restore(&self, fields: &[custom_field::Model]) -> ValidInput {
        let contacts = |list: &Option<Vec<(String, Option<String>, bool)>>| {
            list.as_ref().map(|l| {
                l.iter()
                    .map(|(value, label, primary)| Contact {
                        value: value.clone(),
                        label: label.clone(),
                        primary: *primary,
                    })
                    .collect()
            })
        };
        ValidInput {
            name: self.name.clone(),
            gender: self.gender.as_deref().and_then(Gender::parse),
            birthday: self.birthday,
            address: self.address.clone(),
            company: self.company.clone(),
            job_title: self.job_title.clone(),
            notes: self.notes.clone(),
            phones: contacts(&self.phones),
            emails: contacts(&self.emails),
            tags: self.tags.clone(),
            custom_fields: (!self.custom.is_empty()).then(|| {
                self.custom
                    .iter()
                    .filter_map(|(key, value)| {
                        fields.iter().find(|f| &f.key == key).map(|f| (f.clone(), value.clone()))
                    })
                    .collect()
            }),
            ..ValidInput::default()
        }
    }
}

/// Keys (member number, phones, emails) of customers a dry run would have created in batches
/// already rolled back: a later row with one of them would update that customer.
#[derive(Debug, Default)]
pub struct DryRunMemory {
    keys: HashSet<String>,
}

/// The keys a row can match a customer by: its member number, phones and emails.
fn row_keys(identity: Option<&Identity>, valid: &ValidInput) -> Vec<String> {
    let mut keys: Vec<String> =
        identity.map(|i| format!("id:{}:{}", i.channel.as_str(), i.external_id)).into_iter().collect();
    keys.extend(valid.phones.iter().flatten().map(|p| format!("phone:{}", p.value)));
    keys.extend(valid.emails.iter().flatten().map(|e| format!("email:{}", e.value)));
    keys
}

/// A row read and checked: its identity and valid profile, or what became of it already.
type Checked = Result<(Option<Identity>, ValidInput), Outcome>;

/// A row that matches nothing stored and nothing earlier in the batch: created with the
/// others like it in a few multi-row statements.
struct NewCustomer {
    index: usize,
    row_number: i64,
    id: Uuid,
    identity: Option<Identity>,
    valid: ValidInput,
    keys: Vec<String>,
}

/// Imports a batch of rows inside `txn`, returning what became of each, in order.
///
/// Rows that match no stored customer and no other row of the batch (most rows of a first
/// import) are created together: numbers, customers, contacts, identities, feed changes and
/// changeset entries each in a few multi-row statements. Every other row goes alone through
/// identity resolution under its own savepoint (a refused row leaves nothing behind); pending
/// new customers are written first when such a row shares a key with one of them, so it finds
/// them. If writing the new customers together fails (a contact taken meanwhile), they go
/// through the one-row path instead.
///
/// # Errors
/// Database failures that are not about a row (the batch then fails).
pub async fn import_batch(
    txn: &DatabaseTransaction,
    scope: &Scope,
    plan: &Plan,
    import_id: Uuid,
    rows: &[Row],
    mut memory: Option<&mut DryRunMemory>,
) -> Result<Vec<(Outcome, Option<ValidInput>)>, AppError> {
    let mut checked: Vec<Checked> = Vec::with_capacity(rows.len());
    for row in rows {
        checked.push(Box::pin(check(txn, scope, plan, &row.cells)).await?);
    }
    let stored = stored_keys(txn, scope, plan.channel, &checked).await?;
    let mut out: Vec<Option<(Outcome, Option<ValidInput>)>> = (0..rows.len()).map(|_| None).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut pending: Vec<NewCustomer> = Vec::new();
    let mut pending_keys: HashSet<String> = HashSet::new();
    for (index, (row, checked)) in rows.iter().zip(checked).enumerate() {
        let (identity, valid) = match checked {
            Ok(checked) => checked,
            Err(outcome) => {
                out[index] = Some((outcome, None));
                continue;
            }
        };
        let keys = row_keys(identity.as_ref(), &valid);
        let known = keys.iter().any(|k| {
            stored.contains(k) || seen.contains(k) || memory.as_ref().is_some_and(|m| m.keys.contains(k))
        });
        seen.extend(keys.iter().cloned());
        if !known && plan.mode != ImportMode::UpdateOnly && valid.name.is_some() {
            pending_keys.extend(keys.iter().cloned());
            pending.push(NewCustomer {
                index,
                row_number: row.number,
                id: Uuid::now_v7(),
                identity,
                valid,
                keys,
            });
            continue;
        }
        // Pending customers are written first when this row needs them (it shares a key, so
        // they must exist before it is matched), or when it will create a customer itself
        // (matching no live one): numbers and the feed then follow the file's order.
        let shares_a_key = keys.iter().any(|k| pending_keys.contains(k));
        if shares_a_key {
            let written = std::mem::take(&mut pending);
            pending_keys.clear();
            Box::pin(create_all(txn, scope, plan, import_id, written, &mut out, memory.as_deref_mut()))
                .await?;
        }
        let found = resolve(txn, scope, identity.as_ref(), &valid).await?;
        if found.is_none() && plan.mode != ImportMode::UpdateOnly && valid.name.is_some() {
            let written = std::mem::take(&mut pending);
            pending_keys.clear();
            Box::pin(create_all(txn, scope, plan, import_id, written, &mut out, memory.as_deref_mut()))
                .await?;
        }
        let alone = Alone { import_id, row_number: row.number, found, identity, valid };
        out[index] = Some(write_alone(txn, scope, plan, alone, memory.as_deref_mut()).await?);
    }
    Box::pin(create_all(txn, scope, plan, import_id, pending, &mut out, memory)).await?;
    Ok(out.into_iter().map(|o| o.unwrap_or((Outcome::Skipped("not read"), None))).collect())
}

/// Reads a row through the mapping and validates it (no writes).
async fn check(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    plan: &Plan,
    cells: &[String],
) -> Result<Checked, AppError> {
    let Parsed { input, identity } = match parse(plan, cells) {
        Ok(parsed) => parsed,
        Err(refusal) => return Ok(Err(Outcome::Rejected(refusal))),
    };
    match profile::validate_with(conn, scope, input, false, Some(&plan.fields)).await {
        Ok(valid) => Ok(Ok((identity, valid))),
        Err(err) if is_about_the_row(&err) => Ok(Err(Outcome::Rejected(Refusal::from_error(plan, &err)))),
        Err(err) => Err(err),
    }
}

/// The keys of a batch's rows that some stored customer (live, deleted or merged) has: rows
/// with one of them go through identity resolution.
async fn stored_keys(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    channel: Channel,
    checked: &[Checked],
) -> Result<HashSet<String>, AppError> {
    let mut external_ids = Vec::new();
    let mut phones = Vec::new();
    let mut emails = Vec::new();
    for (identity, valid) in checked.iter().flatten() {
        external_ids.extend(identity.iter().map(|i| i.external_id.clone()));
        phones.extend(valid.phones.iter().flatten().map(|p| p.value.clone()));
        emails.extend(valid.emails.iter().flatten().map(|e| e.value.clone()));
    }
    let mut stored = HashSet::new();
    let channel_name = channel.as_str();
    let found = held::<channel_identity::Entity>(
        conn,
        (channel_identity::Column::WorkspaceId, scope.workspace_id),
        Some((channel_identity::Column::Channel, channel_name)),
        channel_identity::Column::ExternalId,
        &external_ids,
    )
    .await?;
    stored.extend(found.into_iter().map(|id| format!("id:{channel_name}:{id}")));
    let found = held::<customer_phone::Entity>(
        conn,
        (customer_phone::Column::WorkspaceId, scope.workspace_id),
        None,
        customer_phone::Column::Phone,
        &phones,
    )
    .await?;
    stored.extend(found.into_iter().map(|phone| format!("phone:{phone}")));
    let found = held::<customer_email::Entity>(
        conn,
        (customer_email::Column::WorkspaceId, scope.workspace_id),
        None,
        customer_email::Column::Email,
        &emails,
    )
    .await?;
    stored.extend(found.into_iter().map(|email| format!("email:{email}")));
    Ok(stored)
}

/// Which of `values` some row of `E` in the workspace (and with `also`, when given) holds in
/// `column`, asked a chunk at a time.
async fn held<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    workspace: (E::Column, Uuid),
    also: Option<(E::Column, &str)>,
    column: E::Column,
    values: &[String],
) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    for part in values.chunks(crate::db::INSERT_CHUNK) {
        let mut query = E::find()
            .select_only()
            .column(column)
            .filter(workspace.0.eq(workspace.1))
            .filter(column.is_in(part.iter().cloned()));
        if let Some((also, value)) = also {
            query = query.filter(also.eq(value));
        }
        out.extend(query.into_tuple::<String>().all(conn).await?);
    }
    Ok(out)
}

/// Writes the batch's pending new customers together (under a savepoint); if that fails, one
/// by one through the one-row path.
async fn create_all(
    txn: &DatabaseTransaction,
    scope: &Scope,
    plan: &Plan,
    import_id: Uuid,
    pending: Vec<NewCustomer>,
    out: &mut [Option<(Outcome, Option<ValidInput>)>],
    mut memory: Option<&mut DryRunMemory>,
) -> Result<(), AppError> {
    if pending.is_empty() {
        return Ok(());
    }
    let savepoint = sea_orm::TransactionTrait::begin(txn).await?;
    match insert_new(&savepoint, scope, import_id, &pending).await {
        Ok(()) => {
            savepoint.commit().await?;
            for new in pending {
                if let Some(memory) = memory.as_deref_mut() {
                    memory.keys.extend(new.keys);
                }
                out[new.index] = Some((Outcome::Created(new.id), Some(new.valid)));
            }
        }
        Err(err) => {
            savepoint.rollback().await?;
            tracing::info!(%import_id, error = %err, "creating a batch's customers together failed; one at a time");
            for new in pending {
                let found = resolve(txn, scope, new.identity.as_ref(), &new.valid).await?;
                let alone = Alone {
                    import_id,
                    row_number: new.row_number,
                    found,
                    identity: new.identity,
                    valid: new.valid,
                };
                out[new.index] =
                    Some(Box::pin(write_alone(txn, scope, plan, alone, memory.as_deref_mut())).await?);
            }
        }
    }
    Ok(())
}

async fn insert_new(
    txn: &DatabaseTransaction,
    scope: &Scope,
    import_id: Uuid,
    pending: &[NewCustomer],
) -> Result<(), AppError> {
    let customers: Vec<(Uuid, &ValidInput)> = pending.iter().map(|n| (n.id, &n.valid)).collect();
    service::insert_many(txn, scope, &customers).await?;
    let links: Vec<(Uuid, &Identity)> =
        pending.iter().filter_map(|n| n.identity.as_ref().map(|i| (n.id, i))).collect();
    identities::attach_new(txn, scope.workspace_id, &links).await?;
    let entries = pending
        .iter()
        .map(|n| change_row(scope, import_id, n.id, n.row_number, RowAction::Created, None, 1))
        .collect();
    crate::db::insert_chunks(txn, entries).await?;
    Ok(())
}

/// A checked row going through the one-row path, with the customer it matched (`found`).
struct Alone {
    import_id: Uuid,
    row_number: i64,
    found: Option<customer::Model>,
    identity: Option<Identity>,
    valid: ValidInput,
}

/// Imports one checked row on its own, under a savepoint (a refused row leaves nothing behind).
async fn write_alone(
    txn: &DatabaseTransaction,
    scope: &Scope,
    plan: &Plan,
    alone: Alone,
    memory: Option<&mut DryRunMemory>,
) -> Result<(Outcome, Option<ValidInput>), AppError> {
    let savepoint = sea_orm::TransactionTrait::begin(txn).await?;
    match write_row(&savepoint, scope, plan, alone, memory).await {
        Ok((outcome, valid)) => {
            if matches!(outcome, Outcome::Rejected(_)) {
                savepoint.rollback().await?;
            } else {
                savepoint.commit().await?;
            }
            Ok((outcome, valid))
        }
        Err(err) if is_about_the_row(&err) => {
            savepoint.rollback().await?;
            Ok((Outcome::Rejected(Refusal::from_error(plan, &err)), None))
        }
        Err(err) => Err(err),
    }
}

pub(super) fn is_about_the_row(err: &AppError) -> bool {
    matches!(err, AppError::BadUserInput { .. } | AppError::Invalid { .. } | AppError::Conflict { .. })
}

/// The customer a row matches: by member number, then first phone, then first email.
async fn resolve(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    identity: Option<&Identity>,
    valid: &ValidInput,
) -> Result<Option<customer::Model>, AppError> {
    let reference = ValidRef {
        identity: identity.cloned(),
        phone: valid.phones.as_ref().and_then(|p| p.first()).map(|p| p.value.clone()),
        email: valid.emails.as_ref().and_then(|e| e.first()).map(|e| e.value.clone()),
        ..ValidRef::default()
    };
    if reference.identity.is_none() && reference.phone.is_none() && reference.email.is_none() {
        return Ok(None);
    }
    identities::resolve(conn, scope, &reference, None).await
}

async fn write_row(
    txn: &DatabaseTransaction,
    scope: &Scope,
    plan: &Plan,
    alone: Alone,
    memory: Option<&mut DryRunMemory>,
) -> Result<(Outcome, Option<ValidInput>), AppError> {
    let Alone { import_id, row_number, found, identity, valid } = alone;
    let keys = row_keys(identity.as_ref(), &valid);
    let seen_in_dry_run = memory.as_ref().is_some_and(|m| keys.iter().any(|k| m.keys.contains(k)));
    match found {
        None if seen_in_dry_run => {
            // A dry run: an earlier (rolled back) batch would have created this customer.
            let outcome = if plan.mode == ImportMode::CreateOnly {
                Outcome::Skipped("already in the file")
            } else {
                Outcome::Updated(Uuid::nil())
            };
            Ok((outcome, Some(valid)))
        }
        None if plan.mode == ImportMode::UpdateOnly => {
            Ok((Outcome::Skipped("matches no customer"), Some(valid)))
        }
        None => {
            if valid.name.is_none() {
                return Ok((
                    Outcome::Rejected(Refusal::new(
                        plan.header_of(&Target::Name, 0),
                        Some(Invalid::Required),
                        "is required for a new customer",
                    )),
                    None,
                ));
            }
            let created = service::insert(txn, scope, &valid).await?;
            if let Some(identity) = &identity {
                identities::link(txn, scope, created.id, identity, "memberNo").await?;
            }
            if let Some(memory) = memory {
                memory.keys.extend(keys);
            }
            record_change(
                txn,
                scope,
                import_id,
                created.id,
                row_number,
                RowAction::Created,
                None,
                created.version,
            )
            .await?;
            Ok((Outcome::Created(created.id), Some(valid)))
        }
        Some(_) if plan.mode == ImportMode::CreateOnly => {
            Ok((Outcome::Skipped("matches an existing customer"), Some(valid)))
        }
        Some(current) if current.erased_at.is_some() => {
            Ok((Outcome::Skipped("matches a customer whose data was erased"), Some(valid)))
        }
        Some(current) => {
            update(txn, scope, plan, import_id, row_number, &current, valid, identity.as_ref()).await
        }
    }
}

/// Updates `current` with what the row brings that is new.
#[allow(clippy::too_many_arguments)]
async fn update(
    txn: &DatabaseTransaction,
    scope: &Scope,
    plan: &Plan,
    import_id: Uuid,
    row_number: i64,
    current: &customer::Model,
    valid: ValidInput,
    identity: Option<&Identity>,
) -> Result<(Outcome, Option<ValidInput>), AppError> {
    let mut patch = ValidInput::default();
    let mut before = Before::default();
    let mut fields: Vec<&'static str> = Vec::new();
    // Scalars: a value that differs, unless the column keeps an existing one.
    if let Some(name) = &valid.name
        && *name != current.name
        && !plan.keeps(&Target::Name)
    {
        patch.name = Some(name.clone());
        before.name = Some(current.name.clone());
        fields.push("name");
    }
    if let Some(gender) = valid.gender
        && gender.as_str() != current.gender
        && !(plan.keeps(&Target::Gender) && current.gender != Gender::Unknown.as_str())
        && gender != Gender::Unknown
    {
        patch.gender = Some(gender);
        before.gender = Some(current.gender.clone());
        fields.push("gender");
    }
    if let Some(Some(birthday)) = valid.birthday
        && current.birthday != Some(birthday)
        && !(plan.keeps(&Target::Birthday) && current.birthday.is_some())
    {
        patch.birthday = Some(Some(birthday));
        before.birthday = Some(current.birthday);
        fields.push("birthday");
    }
    let texts = [
        (
            Target::Address,
            "address",
            &valid.address,
            &current.address,
            &mut patch.address,
            &mut before.address,
        ),
        (
            Target::Company,
            "company",
            &valid.company,
            &current.company,
            &mut patch.company,
            &mut before.company,
        ),
        (
            Target::JobTitle,
            "jobTitle",
            &valid.job_title,
            &current.job_title,
            &mut patch.job_title,
            &mut before.job_title,
        ),
        (Target::Notes, "notes", &valid.notes, &current.notes, &mut patch.notes, &mut before.notes),
    ];
    for (target, name, new, old, into, was) in texts {
        if let Some(Some(value)) = new
            && old.as_ref() != Some(value)
            && !(plan.keeps(&target) && old.as_ref().is_some_and(|o| !o.is_empty()))
        {
            *into = Some(Some(value.clone()));
            *was = Some(old.clone());
            fields.push(name);
        }
    }
    add_lists(txn, plan, current, &valid, &mut patch, &mut before, &mut fields).await?;
    let attached = match identity {
        Some(identity) => identities::attach(txn, scope, current.id, identity, "memberNo").await?.is_some(),
        None => false,
    };
    if attached && let Some(identity) = identity {
        before.identity = Some((identity.channel.as_str().to_owned(), identity.external_id.clone()));
    }
    if fields.is_empty() && !attached {
        return Ok((Outcome::Skipped("nothing new for this customer"), Some(valid)));
    }
    let mut version = current.version;
    if !fields.is_empty() {
        version = write_patch(txn, scope, current, &patch, &fields).await?;
    }
    record_change(txn, scope, import_id, current.id, row_number, RowAction::Updated, Some(&before), version)
        .await?;
    Ok((Outcome::Updated(current.id), Some(valid)))
}

/// Adds the row's new phones, emails and tags to the customer's (never replacing them) and sets
/// its custom values (unless a "keep" column meets a value).
async fn add_lists(
    txn: &DatabaseTransaction,
    plan: &Plan,
    current: &customer::Model,
    valid: &ValidInput,
    patch: &mut ValidInput,
    before: &mut Before,
    fields: &mut Vec<&'static str>,
) -> Result<(), AppError> {
    if let Some(new) = &valid.phones {
        let old: Vec<Contact> = customer_phone::Entity::find()
            .filter(customer_phone::Column::CustomerId.eq(current.id))
            .all(txn)
            .await?
            .into_iter()
            .map(|p| Contact { value: p.phone, label: p.label, primary: p.is_primary })
            .collect();
        if let Some(merged) = merge_contacts(&old, new) {
            before.phones = Some(old.into_iter().map(|c| (c.value, c.label, c.primary)).collect());
            patch.phones = Some(merged);
            fields.push("phones");
        }
    }
    if let Some(new) = &valid.emails {
        let old: Vec<Contact> = customer_email::Entity::find()
            .filter(customer_email::Column::CustomerId.eq(current.id))
            .all(txn)
            .await?
            .into_iter()
            .map(|e| Contact { value: e.email, label: e.label, primary: e.is_primary })
            .collect();
        if let Some(merged) = merge_contacts(&old, new) {
            before.emails = Some(old.into_iter().map(|c| (c.value, c.label, c.primary)).collect());
            patch.emails = Some(merged);
            fields.push("emails");
        }
    }
    if let Some(new) = &valid.tags {
        let old: Vec<String> = customer_tag::Entity::find()
            .filter(customer_tag::Column::CustomerId.eq(current.id))
            .all(txn)
            .await?
            .into_iter()
            .map(|t| t.tag)
            .collect();
        let added: Vec<&String> = new.iter().filter(|t| !old.contains(t)).collect();
        if !added.is_empty() {
            let mut all = old.clone();
            all.extend(added.into_iter().cloned());
            if all.len() <= starcrm_shared::customer::TAGS_MAX {
                before.tags = Some(old);
                patch.tags = Some(all);
                fields.push("tags");
            }
        }
    }
    if let Some(values) = &valid.custom_fields {
        let stored = customer_field_value::Entity::find()
            .filter(customer_field_value::Column::CustomerId.eq(current.id))
            .all(txn)
            .await?;
        let mut changed = Vec::new();
        for (field, value) in values {
            let rows: Vec<&customer_field_value::Model> =
                stored.iter().filter(|r| r.field_id == field.id).collect();
            let old = profile::value_of(field, &rows);
            let keep = plan.keeps(&Target::Custom(field.key.clone())) && old.is_some();
            if old != *value && value.is_some() && !keep {
                before.custom.push((field.key.clone(), old));
                changed.push((field.clone(), value.clone()));
            }
        }
        if !changed.is_empty() {
            patch.custom_fields = Some(changed);
            fields.push("customFields");
        }
    }
    Ok(())
}

/// The stored contacts plus the new ones (`None`: nothing new). The first stays primary.
fn merge_contacts(old: &[Contact], new: &[Contact]) -> Option<Vec<Contact>> {
    let added: Vec<&Contact> = new.iter().filter(|n| !old.iter().any(|o| o.value == n.value)).collect();
    if added.is_empty() {
        return None;
    }
    let mut all = old.to_vec();
    let has_primary = all.iter().any(|c| c.primary);
    for (i, contact) in added.into_iter().enumerate() {
        all.push(Contact { value: contact.value.clone(), label: None, primary: !has_primary && i == 0 });
    }
    Some(all)
}

/// Writes `patch` onto `current` when its version is still the one read; returns the new
/// version.
///
/// # Errors
/// `CONFLICT` when the customer changed meanwhile.
pub async fn write_patch(
    txn: &DatabaseTransaction,
    scope: &Scope,
    current: &customer::Model,
    patch: &ValidInput,
    fields: &[&str],
) -> Result<i32, AppError> {
    let mut model = customer::ActiveModel { ..Default::default() };
    profile::apply(&mut model, patch);
    model.version = Set(current.version + 1);
    model.updated_at = Set(Utc::now());
    let result = customer::Entity::update_many()
        .set(model)
        .filter(customer::Column::Id.eq(current.id))
        .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(customer::Column::Version.eq(current.version))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::stale("customer"));
    }
    profile::write_children(txn, scope.workspace_id, current.id, patch).await?;
    let change = Change::new(scope.workspace_id, Kind::CustomerUpdated, current.id)
        .with(json!({ "version": current.version + 1, "fields": fields }));
    changes::record(txn, vec![change]).await?;
    Ok(current.version + 1)
}

/// Adds the customer to the import's changeset, or (a later row about the same customer)
/// moves its version forward, keeping the first row's action and snapshot.
#[allow(clippy::too_many_arguments)]
pub(super) async fn record_change(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    import_id: Uuid,
    customer_id: Uuid,
    row_number: i64,
    action: RowAction,
    before: Option<&Before>,
    version_after: i32,
) -> Result<(), AppError> {
    let before = before.map(serde_json::to_string).transpose().map_err(AppError::internal)?;
    import_change::Entity::insert(change_row(
        scope,
        import_id,
        customer_id,
        row_number,
        action,
        before,
        version_after,
    ))
    .on_conflict(
        OnConflict::columns([import_change::Column::ImportId, import_change::Column::CustomerId])
            .update_column(import_change::Column::VersionAfter)
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

fn change_row(
    scope: &Scope,
    import_id: Uuid,
    customer_id: Uuid,
    row_number: i64,
    action: RowAction,
    before: Option<String>,
    version_after: i32,
) -> import_change::ActiveModel {
    import_change::ActiveModel {
        import_id: Set(import_id),
        customer_id: Set(customer_id),
        workspace_id: Set(scope.workspace_id),
        row_number: Set(row_number),
        action: Set(action.as_str().to_owned()),
        before: Set(before),
        version_after: Set(version_after),
        revert: Set(None),
    }
}

/// A preview line's frame, for a row of any kind: its number, what became of it, and why.
pub fn preview_line(row_number: i64, outcome: &Outcome) -> Value {
    let action = match outcome {
        Outcome::Created(_) => "create",
        Outcome::Updated(_) => "update",
        Outcome::Skipped(_) => "skip",
        Outcome::Rejected(_) => "reject",
    };
    let mut out = json!({ "row": row_number, "action": action });
    match outcome {
        Outcome::Skipped(why) => out["reason"] = json!(why),
        Outcome::Rejected(r) => {
            out["reason"] = json!(r.message);
            out["rule"] = json!(r.reason);
            out["column"] = json!(r.column);
        }
        _ => {}
    }
    out
}

/// The cells past the header's last column, if any holds something: the row is refused.
pub(super) fn extra_cells(plan: &Plan, cells: &[String]) -> Result<(), Refusal> {
    if cells.len() > plan.headers.len() && cells[plan.headers.len()..].iter().any(|c| !c.trim().is_empty()) {
        return Err(Refusal::new(
            None,
            None,
            format!("the row has {} cells, the header {}", cells.len(), plan.headers.len()),
        ));
    }
    Ok(())
}

/// A preview line: the row as it would be stored.
pub fn preview(
    row_number: i64,
    outcome: &Outcome,
    valid: Option<&ValidInput>,
    identity_cell: Option<&str>,
) -> Value {
    let mut out = preview_line(row_number, outcome);
    if let Some(v) = valid {
        let contacts = |l: &Option<Vec<Contact>>| -> Vec<String> {
            l.iter().flatten().map(|c| c.value.clone()).collect()
        };
        out["name"] = json!(v.name);
        out["phones"] = json!(contacts(&v.phones));
        out["emails"] = json!(contacts(&v.emails));
        out["gender"] = json!(v.gender.map(Gender::as_str));
        out["birthday"] = json!(v.birthday.flatten().map(|d| d.to_string()));
        out["tags"] = json!(v.tags);
        out["memberNo"] = json!(identity_cell);
    }
    out
}

/// The member number cell of a row, for the preview.
pub fn member_no<'a>(plan: &Plan, cells: &'a [String]) -> Option<&'a str> {
    plan.columns
        .iter()
        .position(|c| matches!(c, Some((Target::MemberNo, _))))
        .and_then(|i| cells.get(i))
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
}
