//! Duplicates and merging: candidates share a normalised phone or email, or name and birthday.
//! A merge moves the merged customer's identities, transactions, interactions, tags, contact
//! points, consents and custom values to the survivor, fills the survivor's empty profile
//! fields, and leaves the merged id resolving to the survivor. Everything it moved is logged, so
//! an unmerge within [`UNMERGE_WINDOW_DAYS`] puts it back.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::rating::Trigger;
use uuid::Uuid;

use super::loaders::{ChildOf, OwnedRow, move_rows};
use super::{aggregates, service};
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::db;
use crate::entities::{
    channel_identity, customer, customer_consent, customer_email, customer_field_value, customer_merge,
    customer_phone, customer_tag, follow_up, interaction, point_entry, point_lot, point_operation,
    survey_response, ticket, transaction, voucher,
};
use crate::error::AppError;

/// How long a merge can be undone.
pub const UNMERGE_WINDOW_DAYS: i64 = 30;
/// At most this many candidates are listed for one customer.
const MAX_CANDIDATES: u64 = 20;

/// Why two customers look like the same person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    Phone,
    Email,
    NameAndBirthday,
}

/// A possible duplicate of a customer and why.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub customer: customer::Model,
    pub reasons: Vec<Reason>,
}

/// Live customers that look like `id`'s duplicates. Needs `customers:read`.
///
/// # Errors
/// `NOT_FOUND`.
pub async fn candidates(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Vec<Candidate>, AppError> {
    scope.require(Permission::CustomersRead)?;
    let target = service::find(conn, scope, id).await?;
    let mut found: Vec<(Uuid, Reason)> = Vec::new();

    let phones: Vec<String> = customer_phone::Entity::find()
        .select_only()
        .column(customer_phone::Column::Phone)
        .filter(customer_phone::Column::CustomerId.eq(target.id))
        .into_tuple()
        .all(conn)
        .await?;
    if !phones.is_empty() {
        let ids: Vec<Uuid> = customer_phone::Entity::find()
            .select_only()
            .column(customer_phone::Column::CustomerId)
            .filter(customer_phone::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(customer_phone::Column::Phone.is_in(phones))
            .filter(customer_phone::Column::CustomerId.ne(target.id))
            .limit(MAX_CANDIDATES)
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(ids.into_iter().map(|i| (i, Reason::Phone)));
    }
    let emails: Vec<String> = customer_email::Entity::find()
        .select_only()
        .column(customer_email::Column::Email)
        .filter(customer_email::Column::CustomerId.eq(target.id))
        .into_tuple()
        .all(conn)
        .await?;
    if !emails.is_empty() {
        let ids: Vec<Uuid> = customer_email::Entity::find()
            .select_only()
            .column(customer_email::Column::CustomerId)
            .filter(customer_email::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(customer_email::Column::Email.is_in(emails))
            .filter(customer_email::Column::CustomerId.ne(target.id))
            .limit(MAX_CANDIDATES)
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(ids.into_iter().map(|i| (i, Reason::Email)));
    }
    if let Some(birthday) = target.birthday {
        let ids: Vec<Uuid> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(customer::Column::Name.eq(&target.name))
            .filter(customer::Column::Birthday.eq(birthday))
            .filter(customer::Column::Id.ne(target.id))
            .limit(MAX_CANDIDATES)
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(ids.into_iter().map(|i| (i, Reason::NameAndBirthday)));
    }
    let ids: BTreeSet<Uuid> = found.iter().map(|(i, _)| *i).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let customers = customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(customer::Column::Id.is_in(ids))
        .filter(customer::Column::DeletedAt.is_null())
        .filter(customer::Column::MergedInto.is_null())
        .order_by_asc(customer::Column::Id)
        .all(conn)
        .await?;
    Ok(customers
        .into_iter()
        .map(|c| {
            let mut reasons: Vec<Reason> =
                found.iter().filter(|(i, _)| *i == c.id).map(|(_, r)| *r).collect();
            reasons.sort();
            reasons.dedup();
            Candidate { customer: c, reasons }
        })
        .collect())
}

/// What a merge moved or added, so it can be undone. (Fields added later default when reading
/// older records.)
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Moved {
    pub identities: Vec<Uuid>,
    pub transactions: Vec<Uuid>,
    pub interactions: Vec<Uuid>,
    /// Service desk tickets.
    pub tickets: Vec<Uuid>,
    /// Follow-ups (回访), open or done.
    pub follow_ups: Vec<Uuid>,
    /// Survey answers.
    pub survey_responses: Vec<Uuid>,
    /// Loyalty points: lots, operations and their entries (the accounts are recounted).
    pub point_lots: Vec<Uuid>,
    pub point_operations: Vec<Uuid>,
    pub point_entries: Vec<Uuid>,
    /// Vouchers bought with points.
    pub vouchers: Vec<Uuid>,
    pub phones: Vec<Uuid>,
    pub emails: Vec<Uuid>,
    /// Tags the survivor did not have (copied; the merged customer keeps its own rows).
    pub tags: Vec<String>,
    /// Consent channels taken over from the merged customer.
    pub consents: Vec<String>,
    /// Custom value rows moved.
    pub field_values: Vec<Uuid>,
    /// Profile fields of the survivor that were empty and got the merged customer's value.
    pub filled: Vec<String>,
    /// The merged customer's primary phone and email, when they moved and stopped being primary
    /// (the survivor keeps its own).
    pub demoted_phone: Option<Uuid>,
    pub demoted_email: Option<Uuid>,
}

/// Merges `merged_id` into `survivor_id`. Needs `customers:write`. Both must be live; the
/// survivor's `version` guards against merging into a profile that changed meanwhile.
///
/// # Errors
/// `BAD_USER_INPUT` for the same customer twice or a deleted one; `CONFLICT` for a stale
/// version; `NOT_FOUND`.
#[allow(clippy::too_many_lines, reason = "one transaction, step by step; reads best whole")]
pub async fn merge(
    db: &DatabaseConnection,
    scope: &Scope,
    survivor_id: Uuid,
    merged_id: Uuid,
    survivor_version: i32,
) -> Result<(customer::Model, customer_merge::Model), AppError> {
    scope.require(Permission::CustomersWrite)?;
    let txn = db::begin_write(db).await?;
    let survivor = service::find_named(&txn, scope, survivor_id, "survivorId").await?;
    let merged = service::find_named(&txn, scope, merged_id, "mergedId").await?;
    if survivor.id == merged.id {
        return Err(AppError::bad_input("mergedId", "is the same customer as the survivor"));
    }
    for (field, c) in [("survivorId", &survivor), ("mergedId", &merged)] {
        if c.deleted_at.is_some() {
            return Err(AppError::bad_input(field, "is deleted; restore it first"));
        }
    }
    if survivor.version != survivor_version {
        return Err(AppError::stale("customer"));
    }
    let survivor_phones = rows_of::<customer_phone::Entity>(&txn, survivor.id).await?;
    let survivor_emails = rows_of::<customer_email::Entity>(&txn, survivor.id).await?;
    let survivor_tags = rows_of::<customer_tag::Entity>(&txn, survivor.id).await?;
    let survivor_consents = rows_of::<customer_consent::Entity>(&txn, survivor.id).await?;
    let survivor_fields = rows_of::<customer_field_value::Entity>(&txn, survivor.id).await?;
    // Contact points the survivor lacks move; the rest stay behind.
    let moving_phones: Vec<customer_phone::Model> = rows_of::<customer_phone::Entity>(&txn, merged.id)
        .await?
        .into_iter()
        .filter(|p| !survivor_phones.iter().any(|s| s.phone == p.phone))
        .collect();
    let moving_emails: Vec<customer_email::Model> = rows_of::<customer_email::Entity>(&txn, merged.id)
        .await?
        .into_iter()
        .filter(|e| !survivor_emails.iter().any(|s| s.email == e.email))
        .collect();
    let mut moved = Moved {
        identities: ids_of::<channel_identity::Entity>(&txn, merged.id).await?,
        transactions: ids_of::<transaction::Entity>(&txn, merged.id).await?,
        interactions: ids_of::<interaction::Entity>(&txn, merged.id).await?,
        tickets: ids_of::<ticket::Entity>(&txn, merged.id).await?,
        follow_ups: ids_of::<follow_up::Entity>(&txn, merged.id).await?,
        survey_responses: ids_of::<survey_response::Entity>(&txn, merged.id).await?,
        point_lots: ids_of::<point_lot::Entity>(&txn, merged.id).await?,
        point_operations: ids_of::<point_operation::Entity>(&txn, merged.id).await?,
        point_entries: ids_of::<point_entry::Entity>(&txn, merged.id).await?,
        vouchers: ids_of::<voucher::Entity>(&txn, merged.id).await?,
        // Custom values the survivor lacks move too.
        phones: moving_phones.iter().map(|p| p.id).collect(),
        emails: moving_emails.iter().map(|e| e.id).collect(),
        tags: rows_of::<customer_tag::Entity>(&txn, merged.id)
            .await?
            .into_iter()
            .filter(|t| !survivor_tags.iter().any(|s| s.tag == t.tag))
            .map(|t| t.tag)
            .collect(),
        consents: rows_of::<customer_consent::Entity>(&txn, merged.id)
            .await?
            .into_iter()
            .filter(|c| !survivor_consents.iter().any(|s| s.channel == c.channel))
            .map(|c| c.channel)
            .collect(),
        field_values: rows_of::<customer_field_value::Entity>(&txn, merged.id)
            .await?
            .into_iter()
            .filter(|v| !survivor_fields.iter().any(|s| s.field_id == v.field_id))
            .map(|v| v.id)
            .collect(),
        filled: Vec::new(),
        // The survivor's primary stays primary; the merged customer's is demoted.
        demoted_phone: moving_phones
            .iter()
            .find(|p| p.is_primary)
            .filter(|_| !survivor_phones.is_empty())
            .map(|p| p.id),
        demoted_email: moving_emails
            .iter()
            .find(|e| e.is_primary)
            .filter(|_| !survivor_emails.is_empty())
            .map(|e| e.id),
    };

    // Move the rows.
    reassign(&txn, &moved, survivor.id).await?;
    crate::loyalty::ledger::after_merge(&txn, scope, &moved.point_lots, false, [survivor.id, merged.id])
        .await?;
    for tag in &moved.tags {
        customer_tag::ActiveModel {
            workspace_id: Set(scope.workspace_id),
            customer_id: Set(survivor.id),
            tag: Set(tag.clone()),
        }
        .insert(&txn)
        .await?;
    }
    if !moved.consents.is_empty() {
        customer_consent::Entity::update_many()
            .col_expr(customer_consent::Column::CustomerId, Expr::value(survivor.id))
            .filter(customer_consent::Column::CustomerId.eq(merged.id))
            .filter(customer_consent::Column::Channel.is_in(moved.consents.clone()))
            .exec(&txn)
            .await?;
    }
    // Phones and emails keep one primary: the survivor's.
    if !survivor_phones.is_empty() && !moved.phones.is_empty() {
        customer_phone::Entity::update_many()
            .col_expr(customer_phone::Column::IsPrimary, Expr::value(false))
            .filter(customer_phone::Column::Id.is_in(moved.phones.clone()))
            .exec(&txn)
            .await?;
    }
    if !survivor_emails.is_empty() && !moved.emails.is_empty() {
        customer_email::Entity::update_many()
            .col_expr(customer_email::Column::IsPrimary, Expr::value(false))
            .filter(customer_email::Column::Id.is_in(moved.emails.clone()))
            .exec(&txn)
            .await?;
    }

    // Fill the survivor's empty fields.
    let mut update: customer::ActiveModel = survivor.clone().into();
    macro_rules! fill {
        ($($field:ident),+) => {$(
            if survivor.$field.is_none() && merged.$field.is_some() {
                update.$field = Set(merged.$field.clone());
                moved.filled.push(stringify!($field).to_owned());
            }
        )+};
    }
    fill!(
        birthday,
        id_number,
        address,
        company,
        job_title,
        education,
        native_place,
        owner_id,
        source_channel
    );
    if merged.first_seen_at < survivor.first_seen_at {
        update.first_seen_at = Set(merged.first_seen_at);
    }
    update.version = Set(survivor.version + 1);
    update.updated_at = Set(Utc::now());
    update.update(&txn).await?;

    let mut gone: customer::ActiveModel = merged.clone().into();
    gone.merged_into = Set(Some(survivor.id));
    gone.deleted_at = Set(Some(Utc::now()));
    gone.version = Set(merged.version + 1);
    gone.updated_at = Set(Utc::now());
    gone.update(&txn).await?;

    let record = customer_merge::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        survivor_id: Set(survivor.id),
        merged_id: Set(merged.id),
        moved: Set(Some(serde_json::to_string(&moved).map_err(AppError::internal)?)),
        created_at: Set(Utc::now()),
        undone_at: Set(None),
    }
    .insert(&txn)
    .await?;
    aggregates::refresh(&txn, scope, survivor.id, Trigger::Merge).await?;
    aggregates::refresh(&txn, scope, merged.id, Trigger::Merge).await?;
    // The survivor's document gains the merged contacts; the merged one leaves the index.
    let change = Change::new(scope.workspace_id, Kind::CustomerMerged, survivor.id)
        .related(merged.id)
        .with(json!({ "mergedId": merged.id, "mergeId": record.id }));
    changes::record(&txn, vec![change]).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("customer.merge", "customer", survivor.id).changes(json!({
            "mergedId": merged.id,
            "mergeId": record.id,
            "moved": {
                "identities": moved.identities.len(),
                "transactions": moved.transactions.len(),
                "interactions": moved.interactions.len(),
                "tickets": moved.tickets.len(),
            },
        })),
    )
    .await?;
    let survivor = service::find(&txn, scope, survivor.id).await?;
    txn.commit().await?;
    Ok((survivor, record))
}

/// Every row of `E` of a customer.
async fn rows_of<E: ChildOf>(
    conn: &impl ConnectionTrait,
    customer_id: Uuid,
) -> Result<Vec<E::Model>, AppError> {
    Ok(E::find().filter(E::customer_column().eq(customer_id)).all(conn).await?)
}

/// The ids of a customer's rows of `E`.
async fn ids_of<E: OwnedRow>(conn: &impl ConnectionTrait, customer_id: Uuid) -> Result<Vec<Uuid>, AppError> {
    Ok(E::find()
        .select_only()
        .column(E::id_column())
        .filter(E::customer_column().eq(customer_id))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Makes the merged customer's demoted phone and email primary again.
async fn restore_primaries(conn: &impl ConnectionTrait, moved: &Moved) -> Result<(), AppError> {
    if let Some(id) = moved.demoted_phone {
        customer_phone::Entity::update_many()
            .col_expr(customer_phone::Column::IsPrimary, Expr::value(true))
            .filter(customer_phone::Column::Id.eq(id))
            .exec(conn)
            .await?;
    }
    if let Some(id) = moved.demoted_email {
        customer_email::Entity::update_many()
            .col_expr(customer_email::Column::IsPrimary, Expr::value(true))
            .filter(customer_email::Column::Id.eq(id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Points the rows listed in `moved` at `customer_id`.
async fn reassign(conn: &impl ConnectionTrait, moved: &Moved, customer_id: Uuid) -> Result<(), AppError> {
    move_rows::<channel_identity::Entity>(conn, &moved.identities, customer_id).await?;
    move_rows::<transaction::Entity>(conn, &moved.transactions, customer_id).await?;
    move_rows::<interaction::Entity>(conn, &moved.interactions, customer_id).await?;
    move_rows::<ticket::Entity>(conn, &moved.tickets, customer_id).await?;
    move_rows::<follow_up::Entity>(conn, &moved.follow_ups, customer_id).await?;
    move_rows::<survey_response::Entity>(conn, &moved.survey_responses, customer_id).await?;
    move_rows::<point_lot::Entity>(conn, &moved.point_lots, customer_id).await?;
    move_rows::<point_operation::Entity>(conn, &moved.point_operations, customer_id).await?;
    move_rows::<point_entry::Entity>(conn, &moved.point_entries, customer_id).await?;
    move_rows::<voucher::Entity>(conn, &moved.vouchers, customer_id).await?;
    move_rows::<customer_phone::Entity>(conn, &moved.phones, customer_id).await?;
    move_rows::<customer_email::Entity>(conn, &moved.emails, customer_id).await?;
    move_rows::<customer_field_value::Entity>(conn, &moved.field_values, customer_id).await?;
    Ok(())
}

/// Undoes a merge: the merged customer comes back with everything the merge moved, copied tags
/// and filled fields are taken off the survivor. Needs `customers:write`.
///
/// # Errors
/// `NOT_FOUND`; `CONFLICT` when it was undone already, is older than the window, or either
/// customer was merged again since.
#[allow(clippy::too_many_lines, reason = "one transaction, step by step, as the merge it undoes")]
pub async fn unmerge(
    db: &DatabaseConnection,
    scope: &Scope,
    merge_id: Uuid,
) -> Result<(customer::Model, customer::Model), AppError> {
    scope.require(Permission::CustomersWrite)?;
    let txn = db::begin_write(db).await?;
    let record = customer_merge::Entity::find_by_id(merge_id)
        .filter(customer_merge::Column::WorkspaceId.eq(scope.workspace_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound { entity: "merge" })?;
    if record.undone_at.is_some() {
        return Err(AppError::conflict("this merge was undone already"));
    }
    if record.created_at < Utc::now() - Duration::days(UNMERGE_WINDOW_DAYS) {
        return Err(AppError::conflict(format!("merges can be undone for {UNMERGE_WINDOW_DAYS} days")));
    }
    let survivor = customer::Entity::find_by_id(record.survivor_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound { entity: "customer" })?;
    let merged = customer::Entity::find_by_id(record.merged_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound { entity: "customer" })?;
    if survivor.merged_into.is_some() || merged.merged_into != Some(survivor.id) {
        return Err(AppError::conflict("one of the customers was merged again since; undo that merge first"));
    }
    if survivor.erased_at.is_some() {
        return Err(AppError::conflict(
            "the customer's personal data was erased; the merge cannot be undone",
        ));
    }
    let moved: Moved = record.moved.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
    reassign(&txn, &moved, merged.id).await?;
    crate::loyalty::ledger::after_merge(&txn, scope, &moved.point_lots, true, [survivor.id, merged.id])
        .await?;
    restore_primaries(&txn, &moved).await?;
    if !moved.tags.is_empty() {
        customer_tag::Entity::delete_many()
            .filter(customer_tag::Column::CustomerId.eq(survivor.id))
            .filter(customer_tag::Column::Tag.is_in(moved.tags.clone()))
            .exec(&txn)
            .await?;
    }
    if !moved.consents.is_empty() {
        customer_consent::Entity::update_many()
            .col_expr(customer_consent::Column::CustomerId, Expr::value(merged.id))
            .filter(customer_consent::Column::CustomerId.eq(survivor.id))
            .filter(customer_consent::Column::Channel.is_in(moved.consents.clone()))
            .exec(&txn)
            .await?;
    }
    let mut update: customer::ActiveModel = survivor.clone().into();
    macro_rules! unfill {
        ($($field:ident),+) => {$(
            if moved.filled.iter().any(|f| f == stringify!($field)) && survivor.$field == merged.$field {
                update.$field = Set(None);
            }
        )+};
    }
    unfill!(
        birthday,
        id_number,
        address,
        company,
        job_title,
        education,
        native_place,
        owner_id,
        source_channel
    );
    update.version = Set(survivor.version + 1);
    update.updated_at = Set(Utc::now());
    update.update(&txn).await?;

    let mut back: customer::ActiveModel = merged.clone().into();
    back.merged_into = Set(None);
    back.deleted_at = Set(None);
    back.version = Set(merged.version + 1);
    back.updated_at = Set(Utc::now());
    back.update(&txn).await?;

    customer_merge::Entity::update_many()
        .col_expr(customer_merge::Column::UndoneAt, Expr::value(Some(Utc::now())))
        .filter(customer_merge::Column::Id.eq(record.id))
        .exec(&txn)
        .await?;
    aggregates::refresh(&txn, scope, survivor.id, Trigger::Merge).await?;
    aggregates::refresh(&txn, scope, merged.id, Trigger::Merge).await?;
    // The merged customer is back in the index; the survivor's document loses their contacts.
    let change = Change::new(scope.workspace_id, Kind::CustomerUnmerged, survivor.id)
        .related(merged.id)
        .with(json!({ "mergedId": merged.id, "mergeId": record.id }));
    changes::record(&txn, vec![change]).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("customer.unmerge", "customer", survivor.id)
            .changes(json!({ "mergedId": merged.id, "mergeId": record.id })),
    )
    .await?;
    let survivor = service::find(&txn, scope, survivor.id).await?;
    let restored = service::find(&txn, scope, merged.id).await?;
    txn.commit().await?;
    Ok((survivor, restored))
}
