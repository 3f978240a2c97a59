//! Channel identities, `(channel, external id)` pairs that point at one customer per workspace,
//! and identity resolution for ingest: by identity, then normalised phone, then email.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::customer::{self as rules, Channel};
use uuid::Uuid;

use super::service;
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::db;
use crate::entities::{channel_identity, customer, customer_email, customer_phone};
use crate::error::AppError;

/// An identity as a caller gives it.
#[derive(Clone, Debug)]
pub struct IdentityInput {
    pub channel: Channel,
    pub external_id: String,
}

/// A checked identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub channel: Channel,
    pub external_id: String,
}

/// Checks one identity; `field` names it in errors.
///
/// # Errors
/// `BAD_USER_INPUT` for an empty, over-long or spaced external id.
pub fn validate(input: &IdentityInput, field: &str) -> Result<Identity, AppError> {
    let external_id = rules::external_id(&input.external_id)
        .map_err(|r| AppError::invalid(&format!("{field}.externalId"), r))?;
    Ok(Identity { channel: input.channel, external_id })
}

/// Checks a list of identities (`identities[i]`), refusing repeats.
///
/// # Errors
/// As [`validate`], and `DUPLICATE` for a pair given twice.
pub fn validate_all(inputs: &[IdentityInput]) -> Result<Vec<Identity>, AppError> {
    let mut out: Vec<Identity> = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let field = format!("identities[{i}]");
        let identity = validate(input, &field)?;
        if out.contains(&identity) {
            return Err(AppError::invalid(&field, starcrm_shared::validate::Invalid::Duplicate));
        }
        out.push(identity);
    }
    Ok(out)
}

/// The customer id an identity points at, if any (before following merges).
///
/// # Errors
/// Database failures.
pub async fn owner_of(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    identity: &Identity,
) -> Result<Option<Uuid>, AppError> {
    Ok(channel_identity::Entity::find()
        .filter(channel_identity::Column::WorkspaceId.eq(workspace_id))
        .filter(channel_identity::Column::Channel.eq(identity.channel.as_str()))
        .filter(channel_identity::Column::ExternalId.eq(&identity.external_id))
        .one(conn)
        .await?
        .map(|row| row.customer_id))
}

/// Links `identity` to `customer_id`, an existing customer: the feed records the update.
/// Already linked there: nothing to do. Linked to someone else: `CONFLICT` on `field`.
///
/// # Errors
/// `CONFLICT`, database failures.
pub async fn attach(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
    identity: &Identity,
    field: &str,
) -> Result<Option<channel_identity::Model>, AppError> {
    let linked = link(conn, scope, customer_id, identity, field).await?;
    if linked.is_some() {
        let change = Change::new(scope.workspace_id, Kind::CustomerUpdated, customer_id)
            .with(json!({ "fields": ["identities"], "identityAdded": identity.channel.as_str() }));
        changes::record(conn, vec![change]).await?;
    }
    Ok(linked)
}

/// [`attach`] for a customer created in the same transaction: its creation is the one change
/// the feed records.
///
/// # Errors
/// `CONFLICT`, database failures.
pub async fn link(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
    identity: &Identity,
    field: &str,
) -> Result<Option<channel_identity::Model>, AppError> {
    match owner_of(conn, scope.workspace_id, identity).await? {
        Some(owner) if owner == customer_id => Ok(None),
        Some(_) => Err(AppError::Conflict {
            field: Some(field.to_owned()),
            message: format!("this {} id already belongs to another customer", identity.channel),
        }),
        None => {
            let row = row(scope.workspace_id, customer_id, identity).insert(conn).await.map_err(|e| {
                AppError::unique_or_internal(e, field, "this channel id already belongs to another customer")
            })?;
            Ok(Some(row))
        }
    }
}

/// Links identities to customers just created (so neither side has one to conflict with yet),
/// in multi-row statements; their creation is the change the feed records.
///
/// # Errors
/// Database failures (an identity taken meanwhile).
pub async fn attach_new(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    links: &[(Uuid, &Identity)],
) -> Result<(), AppError> {
    let rows =
        links.iter().map(|(customer_id, identity)| row(workspace_id, *customer_id, identity)).collect();
    db::insert_chunks(conn, rows).await?;
    Ok(())
}

fn row(workspace_id: Uuid, customer_id: Uuid, identity: &Identity) -> channel_identity::ActiveModel {
    channel_identity::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        customer_id: Set(customer_id),
        channel: Set(identity.channel.as_str().to_owned()),
        external_id: Set(identity.external_id.clone()),
        created_at: Set(Utc::now()),
    }
}

/// Adds an identity to a customer. Needs `customers:write`.
///
/// # Errors
/// `NOT_FOUND`, `CONFLICT`, `BAD_USER_INPUT`.
pub async fn add(
    db: &DatabaseConnection,
    scope: &Scope,
    customer_id: Uuid,
    input: &IdentityInput,
) -> Result<customer::Model, AppError> {
    scope.require(Permission::CustomersWrite)?;
    let identity = validate(input, "identity")?;
    let txn = db::begin_write(db).await?;
    let target = service::find(&txn, scope, customer_id).await?;
    if attach(&txn, scope, target.id, &identity, "identity").await?.is_some() {
        audit::record(
            &txn,
            scope,
            Entry::new("customer.identity_add", "customer", target.id)
                .changes(json!({ "channel": identity.channel.as_str() })),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(target)
}

/// Removes an identity from a customer. Needs `customers:write`.
///
/// # Errors
/// `NOT_FOUND` when the customer does not hold it.
pub async fn remove(
    db: &DatabaseConnection,
    scope: &Scope,
    customer_id: Uuid,
    identity_id: Uuid,
) -> Result<customer::Model, AppError> {
    scope.require(Permission::CustomersWrite)?;
    let txn = db::begin_write(db).await?;
    let target = service::find(&txn, scope, customer_id).await?;
    let removed = channel_identity::Entity::delete_many()
        .filter(channel_identity::Column::Id.eq(identity_id))
        .filter(channel_identity::Column::CustomerId.eq(target.id))
        .filter(channel_identity::Column::WorkspaceId.eq(scope.workspace_id))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(AppError::NotFound { entity: "identity" });
    }
    let change = Change::new(scope.workspace_id, Kind::CustomerUpdated, target.id)
        .with(json!({ "fields": ["identities"] }));
    changes::record(&txn, vec![change]).await?;
    audit::record(&txn, scope, Entry::new("customer.identity_remove", "customer", target.id)).await?;
    txn.commit().await?;
    Ok(target)
}

/// Who an ingested record is about, as the sender knows them.
#[derive(Clone, Debug, Default)]
pub struct CustomerRef {
    pub id: Option<Uuid>,
    pub identity: Option<IdentityInput>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// For a customer created on the fly.
    pub name: Option<String>,
}

/// A checked [`CustomerRef`].
#[derive(Clone, Debug, Default)]
pub struct ValidRef {
    pub id: Option<Uuid>,
    pub identity: Option<Identity>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
}

/// Checks a reference: at least one way to find the customer, each well formed.
///
/// # Errors
/// `BAD_USER_INPUT` on `customer.*`.
pub fn validate_ref(input: CustomerRef) -> Result<ValidRef, AppError> {
    use starcrm_shared::validate;
    let phone = input
        .phone
        .filter(|p| !p.trim().is_empty())
        .map(|p| validate::phone(&p).map_err(|r| AppError::invalid("customer.phone", r)))
        .transpose()?;
    let email = input
        .email
        .filter(|e| !e.trim().is_empty())
        .map(|e| validate::email(&e).map_err(|r| AppError::invalid("customer.email", r)))
        .transpose()?;
    let identity = input.identity.as_ref().map(|i| validate(i, "customer.identity")).transpose()?;
    let name = input
        .name
        .filter(|n| !n.trim().is_empty())
        .map(|n| validate::name(&n, rules::TEXT_MAX_CHARS).map_err(|r| AppError::invalid("customer.name", r)))
        .transpose()?;
    if input.id.is_none() && identity.is_none() && phone.is_none() && email.is_none() {
        return Err(AppError::bad_input("customer", "give an id, a channel identity, a phone or an email"));
    }
    Ok(ValidRef { id: input.id, identity, phone, email, name })
}

/// The customers a phone or email reference (without id or channel identity) names, read before
/// SQLite's write turn: inside it, [`resolve`] then only checks that the oldest of them is still
/// live, one statement fewer for every other writer to wait on. `None` when there is nothing
/// to read ahead (an id or identity, or nobody has the phone or email yet).
pub struct Hint(Vec<Uuid>);

/// Reads a [`Hint`] for `reference`.
///
/// # Errors
/// Database failures.
pub async fn hint(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    reference: &ValidRef,
) -> Result<Option<Hint>, AppError> {
    if reference.id.is_some() || reference.identity.is_some() {
        return Ok(None);
    }
    for contact in [Contact::Phone, Contact::Email] {
        let ids = with_contact(conn, scope, reference, contact).await?;
        if !ids.is_empty() {
            return Ok(Some(Hint(ids)));
        }
    }
    Ok(None)
}

#[derive(Clone, Copy)]
enum Contact {
    Phone,
    Email,
}

/// The customers with the reference's phone or email (none when it has no such contact).
async fn with_contact(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    reference: &ValidRef,
    contact: Contact,
) -> Result<Vec<Uuid>, AppError> {
    Ok(match (contact, &reference.phone, &reference.email) {
        (Contact::Phone, Some(phone), _) => customer_phone::Entity::find()
            .filter(customer_phone::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(customer_phone::Column::Phone.eq(phone))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| p.customer_id)
            .collect(),
        (Contact::Email, _, Some(email)) => customer_email::Entity::find()
            .filter(customer_email::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(customer_email::Column::Email.eq(email))
            .all(conn)
            .await?
            .into_iter()
            .map(|e| e.customer_id)
            .collect(),
        _ => Vec::new(),
    })
}

/// Finds the customer a reference means: by id, then identity, then phone, then email (the
/// oldest live customer with it). Returns `None` when nobody matches (an id that matches nobody
/// is `NOT_FOUND`, never a new customer). With a [`Hint`] read before the write turn, its
/// oldest live customer is taken when there still is one; otherwise the reference is read
/// again.
///
/// # Errors
/// `NOT_FOUND` for an unknown id.
pub async fn resolve(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    reference: &ValidRef,
    hint: Option<Hint>,
) -> Result<Option<customer::Model>, AppError> {
    if let Some(id) = reference.id {
        return service::find(conn, scope, id).await.map(Some);
    }
    if let Some(identity) = &reference.identity
        && let Some(owner) = owner_of(conn, scope.workspace_id, identity).await?
    {
        return service::find(conn, scope, owner).await.map(Some);
    }
    if let Some(Hint(ids)) = hint
        && let Some(found) = oldest_live(conn, scope, ids).await?
    {
        return Ok(Some(found));
    }
    for contact in [Contact::Phone, Contact::Email] {
        let ids = with_contact(conn, scope, reference, contact).await?;
        if let Some(found) = oldest_live(conn, scope, ids).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

async fn oldest_live(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    ids: Vec<Uuid>,
) -> Result<Option<customer::Model>, AppError> {
    if ids.is_empty() {
        return Ok(None);
    }
    Ok(customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(customer::Column::Id.is_in(ids))
        .filter(customer::Column::DeletedAt.is_null())
        .filter(customer::Column::MergedInto.is_null())
        .order_by_asc(customer::Column::Id)
        .one(conn)
        .await?)
}
