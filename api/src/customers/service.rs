//! Customer profiles: create (with a per-workspace code), read (a merged-away id resolves to the
//! survivor), update with optimistic concurrency, soft delete and restore, and privacy erasure.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect, Set, Statement,
};
use serde_json::{Map, Value, json};
use starcrm_shared::customer::{Channel, LifecycleStage, customer_code};
use starcrm_shared::{Permission, mask};
use uuid::Uuid;

use super::identities;
use super::profile::{self, CustomerInput, ValidInput};
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::db;
use crate::entities::{
    audit_log, channel_identity, customer, customer_consent, customer_email, customer_field_value,
    customer_phone, customer_tag, event, follow_up, interaction, star_history, survey_response, ticket,
    ticket_change, ticket_message, ticket_tag,
};
use crate::error::AppError;

/// How many merge hops a lookup follows before giving up (merges of merges).
const MAX_MERGE_HOPS: usize = 16;

/// Hands out `count` consecutive customer numbers of the workspace; returns the first.
///
/// # Errors
/// Database failures.
pub async fn allocate_numbers(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    count: i64,
) -> Result<i64, AppError> {
    // One statement: the counter moves and says where it got to.
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "UPDATE workspaces SET customer_seq = customer_seq + $1 WHERE id = $2 RETURNING customer_seq"
        }
        _ => "UPDATE workspaces SET customer_seq = customer_seq + ? WHERE id = ? RETURNING customer_seq",
    };
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [count.into(), workspace_id.into()]))
        .await?
        .ok_or(AppError::NotFound { entity: "workspace" })?;
    Ok(row.try_get_by_index::<i64>(0)? - count + 1)
}

/// A customer of the caller's workspace, live or deleted, following merges to the survivor.
///
/// # Errors
/// `NOT_FOUND` when there is none in the workspace.
pub async fn find(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<customer::Model, AppError> {
    let mut id = id;
    for _ in 0..MAX_MERGE_HOPS {
        let found = row(conn, scope, id).await?;
        match found.merged_into {
            Some(survivor) => id = survivor,
            None => return Ok(found),
        }
    }
    Err(AppError::NotFound { entity: "customer" })
}

/// The row of `id` in the caller's workspace, as stored (merged away or not).
async fn row(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<customer::Model, AppError> {
    customer::Entity::find_by_id(id)
        .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "customer" })
}

/// The customer `id` names, for a change that names one on purpose (update, delete, erase, merge,
/// override). Unlike [`find`], a merged-away id is refused, not followed: otherwise a change meant
/// for the merged record lands on the survivor without the caller having named it (or its
/// version). The error says which customer took it over.
///
/// # Errors
/// `NOT_FOUND`; `BAD_USER_INPUT` on `field` for a merged-away id.
pub async fn find_named(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
    field: &'static str,
) -> Result<customer::Model, AppError> {
    let found = row(conn, scope, id).await?;
    match found.merged_into {
        None => Ok(found),
        Some(survivor) => {
            let survivor = find(conn, scope, survivor).await?;
            Err(AppError::bad_input(
                field,
                format!(
                    "was merged into {}; open that customer and act on it instead",
                    customer_code(survivor.number)
                ),
            ))
        }
    }
}

/// One customer. Needs `customers:read`.
///
/// # Errors
/// `FORBIDDEN`, `NOT_FOUND`.
pub async fn get(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<customer::Model, AppError> {
    scope.require(Permission::CustomersRead)?;
    find(conn, scope, id).await
}

/// A new customer with identities, as staff or an integration enters it.
#[derive(Clone, Debug, Default)]
pub struct NewCustomer {
    pub profile: CustomerInput,
    pub identities: Vec<identities::IdentityInput>,
}

/// Creates a customer. Needs `customers:write`.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field; `CONFLICT` when an identity belongs to another customer.
pub async fn create(
    db: &DatabaseConnection,
    scope: &Scope,
    input: NewCustomer,
) -> Result<customer::Model, AppError> {
    scope.require(Permission::CustomersWrite)?;
    let identities = identities::validate_all(&input.identities)?;
    // Validated before taking SQLite's write turn (its reads, an owner and custom field
    // definitions, would make every other writer wait).
    let valid = profile::validate(db, scope, input.profile, true).await?;
    let txn = db::begin_write(db).await?;
    let mut created = insert(&txn, scope, &valid).await?;
    for (i, identity) in identities.iter().enumerate() {
        identities::link(&txn, scope, created.id, identity, &format!("identities[{i}]")).await?;
    }
    audit::record(
        &txn,
        scope,
        Entry::new("customer.create", "customer", created.id).changes(audit_diff(&valid)),
    )
    .await?;
    // New to the business: the welcome level, shown at once.
    crate::ratings::welcome::start_and_rate(&txn, scope, &mut created).await?;
    if created.welcome_stars.is_some() {
        created = find(&txn, scope, created.id).await?;
    }
    txn.commit().await?;
    Ok(created)
}

/// Inserts a customer row and its children (inside the caller's transaction).
///
/// # Errors
/// Database failures.
pub async fn insert(
    txn: &DatabaseTransaction,
    scope: &Scope,
    valid: &ValidInput,
) -> Result<customer::Model, AppError> {
    let number = allocate_numbers(txn, scope.workspace_id, 1).await?;
    let created = new_model(scope.workspace_id, Uuid::now_v7(), number, valid).insert(txn).await?;
    profile::insert_children(txn, vec![profile::Children::of(scope.workspace_id, created.id, valid)]).await?;
    changes::record(
        txn,
        vec![created_change(scope.workspace_id, created.id, created.source_channel.as_ref())],
    )
    .await?;
    Ok(created)
}

/// Creates many customers with the ids given, in a few multi-row statements: numbers taken
/// once, one change each in the feed. The inputs must be valid and must not match existing
/// customers (the caller resolved them).
///
/// # Errors
/// Database failures (a unique contact or id taken meanwhile among them).
pub async fn insert_many(
    txn: &DatabaseTransaction,
    scope: &Scope,
    new: &[(Uuid, &ValidInput)],
) -> Result<(), AppError> {
    if new.is_empty() {
        return Ok(());
    }
    let count = i64::try_from(new.len()).map_err(AppError::internal)?;
    let first = allocate_numbers(txn, scope.workspace_id, count).await?;
    let mut models = Vec::with_capacity(new.len());
    let mut children = Vec::with_capacity(new.len());
    let mut changes = Vec::with_capacity(new.len());
    for ((id, valid), number) in new.iter().zip(first..) {
        let channel = valid.source_channel.flatten().map(|c| c.as_str().to_owned());
        changes.push(created_change(scope.workspace_id, *id, channel.as_ref()));
        models.push(new_model(scope.workspace_id, *id, number, valid));
        children.push(profile::Children::of(scope.workspace_id, *id, valid));
    }
    db::insert_chunks(txn, models).await?;
    profile::insert_children(txn, children).await?;
    changes::record(txn, changes).await?;
    Ok(())
}

/// A new customer row: version 1, first seen now, a lead until it buys.
fn new_model(workspace_id: Uuid, id: Uuid, number: i64, valid: &ValidInput) -> customer::ActiveModel {
    let now = Utc::now();
    let mut model = customer::ActiveModel {
        id: Set(id),
        workspace_id: Set(workspace_id),
        number: Set(number),
        gender: Set("unknown".to_owned()),
        lifecycle_stage: Set(LifecycleStage::Lead.as_str().to_owned()),
        first_seen_at: Set(now),
        source_channel: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    profile::apply(&mut model, valid);
    model
}

fn created_change(workspace_id: Uuid, id: Uuid, source_channel: Option<&String>) -> Change {
    Change::new(workspace_id, Kind::CustomerCreated, id)
        .with(json!({ "version": 1, "sourceChannel": source_channel }))
}

/// Changes a profile. `version` must be the current one. Needs `customers:write`.
///
/// # Errors
/// `CONFLICT` (field `version`) for a stale version; `NOT_FOUND`; `BAD_USER_INPUT`.
pub async fn update(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    version: i32,
    input: CustomerInput,
) -> Result<customer::Model, AppError> {
    scope.require(Permission::CustomersWrite)?;
    let txn = db::begin_write(db).await?;
    let current = find_editable(&txn, scope, id).await?;
    let valid = profile::validate(&txn, scope, input, false).await?;
    let mut model = customer::ActiveModel { ..Default::default() };
    profile::apply(&mut model, &valid);
    model.version = Set(version + 1);
    model.updated_at = Set(Utc::now());
    let result = customer::Entity::update_many()
        .set(model)
        .filter(customer::Column::Id.eq(current.id))
        .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(customer::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::stale("customer"));
    }
    profile::write_children(&txn, scope.workspace_id, current.id, &valid).await?;
    if let Some(stage) = valid.lifecycle_stage.filter(|s| s.as_str() != current.lifecycle_stage) {
        use crate::insight::lifecycle::{self, Source, Transition};
        let from = LifecycleStage::parse(&current.lifecycle_stage).unwrap_or(LifecycleStage::Lead);
        let moved = Transition {
            customer_id: current.id,
            from,
            to: stage,
            reasons: vec![starcrm_shared::insight::lifecycle::Reason::SetByStaff],
            source: Source::Staff,
        };
        lifecycle::write(&txn, scope.workspace_id, Utc::now(), &[moved]).await?;
    }
    let diff = audit_diff(&valid);
    let fields: Vec<&String> = diff.as_object().map(|d| d.keys().collect()).unwrap_or_default();
    let change = Change::new(scope.workspace_id, Kind::CustomerUpdated, current.id)
        .with(json!({ "version": version + 1, "fields": fields }));
    changes::record(&txn, vec![change]).await?;
    audit::record(&txn, scope, Entry::new("customer.update", "customer", current.id).changes(diff)).await?;
    let updated = find(&txn, scope, current.id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// A customer that can be changed: in the workspace, not erased. (Deleted customers are
/// editable so they can be fixed before a restore.)
async fn find_editable(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<customer::Model, AppError> {
    let found = find_named(conn, scope, id, "id").await?;
    if found.erased_at.is_some() {
        return Err(AppError::conflict("the customer's personal data was erased; it cannot be changed"));
    }
    Ok(found)
}

/// Soft-deletes (`deleted = true`) or restores a customer. Needs `customers:write`.
///
/// # Errors
/// `NOT_FOUND`; `CONFLICT` for an erased customer.
pub async fn set_deleted(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    deleted: bool,
) -> Result<customer::Model, AppError> {
    scope.require(Permission::CustomersWrite)?;
    let txn = db::begin_write(db).await?;
    let current = find_editable(&txn, scope, id).await?;
    if current.deleted_at.is_some() != deleted {
        let mut model: customer::ActiveModel = current.clone().into();
        model.deleted_at = Set(deleted.then(Utc::now));
        model.version = Set(current.version + 1);
        model.updated_at = Set(Utc::now());
        model.update(&txn).await?;
        let kind = if deleted { Kind::CustomerDeleted } else { Kind::CustomerRestored };
        let change =
            Change::new(scope.workspace_id, kind, current.id).with(json!({ "version": current.version + 1 }));
        changes::record(&txn, vec![change]).await?;
        let action = if deleted { "customer.delete" } else { "customer.restore" };
        audit::record(&txn, scope, Entry::new(action, "customer", current.id)).await?;
    }
    let updated = find(&txn, scope, current.id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Privacy erasure: removes the customer's personal data for good (profile fields, phones,
/// emails, identities, tags, consents, custom values, interaction texts), keeps the anonymous
/// history (transactions and their amounts, counts) so aggregates stay right. Needs
/// `customers:erase`; the reason goes to the audit log.
///
/// # Errors
/// `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT` for an empty reason.
pub async fn erase(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    reason: &str,
) -> Result<customer::Model, AppError> {
    scope.require(Permission::CustomersErase)?;
    let reason = starcrm_shared::customer::optional_text(Some(reason), 500)
        .map_err(|r| AppError::invalid("reason", r))?
        .ok_or_else(|| AppError::invalid("reason", starcrm_shared::validate::Invalid::Required))?;
    let txn = db::begin_write(db).await?;
    let current = find_named(&txn, scope, id, "id").await?;
    if current.erased_at.is_none() {
        // The records merged into this one are the same person: their leftovers go too.
        let mut rows = vec![current.clone()];
        rows.extend(merged_into(&txn, scope, current.id).await?);
        let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
        let now = Utc::now();
        for row in rows {
            let mut model: customer::ActiveModel = row.clone().into();
            model.name = Set(format!("{} (erased)", customer_code(row.number)));
            model.gender = Set("unknown".to_owned());
            for column in [
                &mut model.id_number,
                &mut model.address,
                &mut model.company,
                &mut model.job_title,
                &mut model.education,
                &mut model.native_place,
                &mut model.notes,
                &mut model.star_override_reason,
            ] {
                *column = Set(None);
            }
            model.birthday = Set(None);
            model.erased_at = Set(Some(now));
            model.deleted_at = Set(Some(row.deleted_at.unwrap_or(now)));
            model.version = Set(row.version + 1);
            model.updated_at = Set(now);
            model.update(&txn).await?;
        }
        customer_phone::Entity::delete_many()
            .filter(customer_phone::Column::CustomerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        customer_email::Entity::delete_many()
            .filter(customer_email::Column::CustomerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        channel_identity::Entity::delete_many()
            .filter(channel_identity::Column::CustomerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        customer_tag::Entity::delete_many()
            .filter(customer_tag::Column::CustomerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        customer_consent::Entity::delete_many()
            .filter(customer_consent::Column::CustomerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        customer_field_value::Entity::delete_many()
            .filter(customer_field_value::Column::CustomerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        interaction::Entity::update_many()
            .col_expr(interaction::Column::Subject, Expr::value(Option::<String>::None))
            .col_expr(interaction::Column::Body, Expr::value(Option::<String>::None))
            .filter(interaction::Column::CustomerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        scrub_tickets(&txn, &ids).await?;
        scrub_follow_ups(&txn, &ids).await?;
        // What they wrote in survey answers; the scores stay (anonymous, counted in results).
        survey_response::Entity::update_many()
            .col_expr(survey_response::Column::Comment, Expr::value(Option::<String>::None))
            .filter(survey_response::Column::CustomerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        // Override reasons are staff's words about the person.
        star_history::Entity::update_many()
            .col_expr(star_history::Column::Reason, Expr::value(Option::<String>::None))
            .filter(star_history::Column::CustomerId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        redact_copies(&txn, scope, &ids).await?;
        let erased =
            ids.iter().map(|id| Change::new(scope.workspace_id, Kind::CustomerErased, *id)).collect();
        changes::record(&txn, erased).await?;
        audit::record(
            &txn,
            scope,
            Entry::new("customer.erase", "customer", current.id)
                .changes(json!({ "reason": reason, "records": ids.len() })),
        )
        .await?;
    }
    let erased = find(&txn, scope, current.id).await?;
    txn.commit().await?;
    Ok(erased)
}

/// Erases what tickets say about the people `ids` (subjects, descriptions, threads, the reasons
/// staff gave), keeping that they existed, their states and their times.
async fn scrub_tickets(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), AppError> {
    const ERASED: &str = "(erased)";
    let tickets: Vec<Uuid> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .filter(ticket::Column::CustomerId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    if tickets.is_empty() {
        return Ok(());
    }
    ticket::Entity::update_many()
        .col_expr(ticket::Column::Subject, Expr::value(ERASED))
        .col_expr(ticket::Column::Description, Expr::value(Option::<String>::None))
        .filter(ticket::Column::Id.is_in(tickets.clone()))
        .exec(conn)
        .await?;
    ticket::Entity::update_many()
        .col_expr(ticket::Column::PriorityReason, Expr::value(ERASED))
        .filter(ticket::Column::Id.is_in(tickets.clone()))
        .filter(ticket::Column::PriorityReason.is_not_null())
        .exec(conn)
        .await?;
    ticket_message::Entity::update_many()
        .col_expr(ticket_message::Column::Body, Expr::value(ERASED))
        .filter(ticket_message::Column::TicketId.is_in(tickets.clone()))
        .exec(conn)
        .await?;
    // Tags are free words staff wrote about the person's tickets, here and in their history.
    ticket_tag::Entity::delete_many()
        .filter(ticket_tag::Column::TicketId.is_in(tickets.clone()))
        .exec(conn)
        .await?;
    ticket_change::Entity::update_many()
        .col_expr(ticket_change::Column::FromValue, Expr::value(ERASED))
        .col_expr(ticket_change::Column::ToValue, Expr::value(ERASED))
        .filter(ticket_change::Column::TicketId.is_in(tickets.clone()))
        .filter(ticket_change::Column::Field.eq("tags"))
        .exec(conn)
        .await?;
    ticket_change::Entity::update_many()
        .col_expr(ticket_change::Column::Reason, Expr::value(ERASED))
        .filter(ticket_change::Column::TicketId.is_in(tickets))
        .filter(ticket_change::Column::Reason.is_not_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Erases what follow-ups say about the people `ids` and cancels the open ones (nobody calls an
/// erased customer).
async fn scrub_follow_ups(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), AppError> {
    use starcrm_shared::follow_ups::FollowUpStatus;
    follow_up::Entity::update_many()
        .col_expr(follow_up::Column::Status, Expr::value(FollowUpStatus::Cancelled.as_str()))
        .filter(follow_up::Column::CustomerId.is_in(ids.iter().copied()))
        .filter(follow_up::Column::Status.eq(FollowUpStatus::Open.as_str()))
        .exec(conn)
        .await?;
    follow_up::Entity::update_many()
        .col_expr(follow_up::Column::Note, Expr::value(Option::<String>::None))
        .col_expr(follow_up::Column::Outcome, Expr::value(Option::<String>::None))
        .filter(follow_up::Column::CustomerId.is_in(ids.iter().copied()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Every record merged into `id`, directly or through other merges.
async fn merged_into(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Vec<customer::Model>, AppError> {
    let mut found = Vec::new();
    let mut frontier = vec![id];
    for _ in 0..MAX_MERGE_HOPS {
        if frontier.is_empty() {
            break;
        }
        let next = customer::Entity::find()
            .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(customer::Column::MergedInto.is_in(frontier))
            .all(conn)
            .await?;
        frontier = next.iter().map(|c| c.id).collect();
        found.extend(next);
    }
    Ok(found)
}

/// Erasure reaches the copies too: the audit log's entries about these customers keep what
/// happened, when and by whom, but their recorded values give way to the list of fields that
/// changed; events (and the webhook messages made of them) keep only the id.
async fn redact_copies(conn: &impl ConnectionTrait, scope: &Scope, ids: &[Uuid]) -> Result<(), AppError> {
    let entity_ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(audit_log::Column::EntityType.eq("customer"))
        .filter(audit_log::Column::EntityId.is_in(entity_ids))
        .filter(audit_log::Column::Changes.is_not_null())
        .all(conn)
        .await?;
    for entry in entries {
        let Some(changes) = entry.changes.as_deref() else { continue };
        let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(changes) else { continue };
        if fields.contains_key("redacted") {
            continue;
        }
        let fields: Vec<&String> = fields.keys().collect();
        audit_log::Entity::update_many()
            .col_expr(
                audit_log::Column::Changes,
                Expr::value(json!({ "redacted": "erasure", "fields": fields }).to_string()),
            )
            .filter(audit_log::Column::Id.eq(entry.id))
            .exec(conn)
            .await?;
    }
    for id in ids {
        event::Entity::update_many()
            .col_expr(
                event::Column::Payload,
                Expr::value(json!({ "customerId": id, "redacted": "erasure" }).to_string()),
            )
            .filter(event::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(event::Column::SubjectId.eq(*id))
            .exec(conn)
            .await?;
    }
    crate::webhooks::forget_customers(conn, scope.workspace_id, ids).await?;
    crate::imports::forget_customers(conn, ids).await?;
    Ok(())
}

/// The audit record of a profile write: which fields changed, personal data masked.
fn audit_diff(valid: &ValidInput) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: Value| {
        out.insert(key.to_owned(), value);
    };
    if let Some(name) = &valid.name {
        put("name", json!(name));
    }
    if let Some(gender) = valid.gender {
        put("gender", json!(gender.as_str()));
    }
    if let Some(birthday) = valid.birthday {
        put("birthday", json!(birthday.map(|b| mask::birthday(&b.to_string()))));
    }
    if let Some(id_number) = &valid.id_number {
        put("idNumber", json!(id_number.as_deref().map(mask::id_number)));
    }
    for (key, value) in [
        ("address", valid.address.as_ref().map(|_| json!("(changed)"))),
        ("company", valid.company.as_ref().map(|v| json!(v))),
        ("jobTitle", valid.job_title.as_ref().map(|v| json!(v))),
        ("education", valid.education.as_ref().map(|v| json!(v))),
        ("nativePlace", valid.native_place.as_ref().map(|v| json!(v))),
        ("notes", valid.notes.as_ref().map(|_| json!("(changed)"))),
        ("ownerId", valid.owner_id.map(|v| json!(v))),
        ("lifecycleStage", valid.lifecycle_stage.map(|v| json!(v.as_str()))),
        ("sourceChannel", valid.source_channel.map(|v| json!(v.map(Channel::as_str)))),
        (
            "phones",
            valid.phones.as_ref().map(|p| json!(p.iter().map(|c| mask::phone(&c.value)).collect::<Vec<_>>())),
        ),
        ("emails", valid.emails.as_ref().map(|e| json!(e.len()))),
        ("tags", valid.tags.as_ref().map(|t| json!(t))),
        (
            "consents",
            valid.consents.as_ref().map(|c| {
                json!(
                    c.iter()
                        .map(|c| json!({ "channel": c.channel.as_str(), "granted": c.granted }))
                        .collect::<Vec<_>>()
                )
            }),
        ),
        (
            "customFields",
            valid
                .custom_fields
                .as_ref()
                .map(|f| json!(f.iter().map(|(d, _)| d.key.clone()).collect::<Vec<_>>())),
        ),
    ] {
        if let Some(value) = value {
            put(key, value);
        }
    }
    Value::Object(out)
}
