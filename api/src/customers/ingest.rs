//! Transactions (purchases and refunds) and interactions as shops, POS, call centres and staff
//! record them: the customer is found by id, channel identity, phone or email (or created), the
//! record is idempotent on `externalRef` (a retried push gets the first result), and the
//! customer's aggregates are recomputed in the same database transaction.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set, SqlErr,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::customer::{
    self as rules, Channel, Direction, InteractionKind, PaymentMethod, TransactionKind, TransactionStatus,
};
use starcrm_shared::loyalty::earn::Line;
use starcrm_shared::rating::Trigger;
use starcrm_shared::validate::Invalid;
use uuid::Uuid;

use super::identities::{self, CustomerRef, Hint, ValidRef};
use super::loaders::ChildOf;
use super::profile::{self, ContactInput, CustomerInput};
use super::{aggregates, service};
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::db;
use crate::entities::{customer, interaction, transaction, transaction_item};
use crate::error::AppError;

/// How often a write that lost a race (a duplicate push, a new identity created twice) is
/// retried; the retry finds the winner's row.
const ATTEMPTS: usize = 3;

/// One line of a transaction.
#[derive(Clone, Debug)]
pub struct ItemInput {
    pub sku: Option<String>,
    pub name: String,
    pub category: Option<String>,
    pub quantity: i32,
    pub unit_price_minor: i64,
}

/// A purchase as a sender pushes it.
#[derive(Clone, Debug)]
pub struct NewTransaction {
    pub customer: CustomerRef,
    pub channel: Channel,
    pub occurred_at: Option<DateTime<Utc>>,
    pub amount_minor: i64,
    pub currency: Option<String>,
    pub items: Vec<ItemInput>,
    pub payment_method: Option<PaymentMethod>,
    pub store: Option<String>,
    pub location: Option<String>,
    pub external_ref: Option<String>,
    pub note: Option<String>,
}

/// What a push did.
#[derive(Clone, Debug)]
pub struct Recorded<T> {
    pub record: T,
    pub customer: customer::Model,
    /// False when `externalRef` was seen before and this is the first result again.
    pub created: bool,
    pub customer_created: bool,
}

/// When something happened: given, or now; not more than a day ahead (clock skew) and not
/// before 1970.
pub(crate) fn occurred(value: Option<DateTime<Utc>>) -> Result<DateTime<Utc>, AppError> {
    let now = Utc::now();
    let at = value.unwrap_or(now);
    if at > now + Duration::days(1) || at.timestamp() < 0 {
        return Err(AppError::invalid("occurredAt", Invalid::DateRange));
    }
    Ok(at)
}

pub(crate) fn external_ref(value: Option<&str>) -> Result<Option<String>, AppError> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| rules::external_id(v).map_err(|r| AppError::invalid("externalRef", r)))
        .transpose()
}

pub(crate) fn short_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, AppError> {
    rules::optional_text(value, max).map_err(|r| AppError::invalid(field, r))
}

/// A checked purchase.
struct ValidTransaction {
    reference: ValidRef,
    channel: Channel,
    occurred_at: DateTime<Utc>,
    amount_minor: i64,
    currency: Option<String>,
    items: Vec<ItemInput>,
    payment_method: Option<PaymentMethod>,
    store: Option<String>,
    location: Option<String>,
    external_ref: Option<String>,
    note: Option<String>,
}

fn validate_transaction(input: NewTransaction) -> Result<ValidTransaction, AppError> {
    let reference = identities::validate_ref(input.customer)?;
    let amount_minor = rules::amount(input.amount_minor).map_err(|r| AppError::invalid("amountMinor", r))?;
    let currency = input
        .currency
        .as_deref()
        .map(|c| rules::currency(c).map_err(|r| AppError::invalid("currency", r)))
        .transpose()?;
    if input.items.len() > rules::ITEMS_MAX {
        return Err(AppError::bad_input("items", format!("at most {} lines", rules::ITEMS_MAX)));
    }
    let mut items = Vec::with_capacity(input.items.len());
    for (i, item) in input.items.into_iter().enumerate() {
        let path = |f: &str| format!("items[{i}].{f}");
        let name = starcrm_shared::validate::name(&item.name, rules::TEXT_MAX_CHARS)
            .map_err(|r| AppError::invalid(&path("name"), r))?;
        let sku = short_text(&path("sku"), item.sku.as_deref(), 100)?;
        let category = short_text(&path("category"), item.category.as_deref(), 100)?;
        if !(1..=1_000_000).contains(&item.quantity) {
            return Err(AppError::bad_input(path("quantity"), "must be between 1 and 1000000"));
        }
        let unit_price_minor = rules::amount(item.unit_price_minor)
            .map_err(|r| AppError::invalid(&path("unitPriceMinor"), r))?;
        items.push(ItemInput { sku, name, category, quantity: item.quantity, unit_price_minor });
    }
    Ok(ValidTransaction {
        reference,
        channel: input.channel,
        occurred_at: occurred(input.occurred_at)?,
        amount_minor,
        currency,
        items,
        payment_method: input.payment_method,
        store: short_text("store", input.store.as_deref(), rules::TEXT_MAX_CHARS)?,
        location: short_text("location", input.location.as_deref(), rules::TEXT_MAX_CHARS)?,
        external_ref: external_ref(input.external_ref.as_deref())?,
        note: short_text("note", input.note.as_deref(), 2_000)?,
    })
}

/// Whether an error is a lost race on a unique key (worth one more attempt).
pub(crate) fn lost_race(err: &AppError) -> bool {
    match err {
        AppError::Conflict { .. } => true,
        AppError::Internal(cause) => cause
            .downcast_ref::<sea_orm::DbErr>()
            .and_then(sea_orm::DbErr::sql_err)
            .is_some_and(|e| matches!(e, SqlErr::UniqueConstraintViolation(_))),
        _ => false,
    }
}

/// Records a purchase. Needs `transactions:write`.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field; `NOT_FOUND` for an unknown customer id.
pub async fn record_transaction(
    db: &DatabaseConnection,
    scope: &Scope,
    input: NewTransaction,
) -> Result<Recorded<transaction::Model>, AppError> {
    scope.require(Permission::TransactionsWrite)?;
    let valid = validate_transaction(input)?;
    let mut last = None;
    for _ in 0..ATTEMPTS {
        match try_record_transaction(db, scope, &valid).await {
            Err(err) if lost_race(&err) => last = Some(err),
            other => return other,
        }
    }
    Err(last.unwrap_or_else(|| AppError::internal(anyhow::anyhow!("no attempt made"))))
}

async fn try_record_transaction(
    db: &DatabaseConnection,
    scope: &Scope,
    valid: &ValidTransaction,
) -> Result<Recorded<transaction::Model>, AppError> {
    // Read before taking SQLite's write turn: every statement inside it is one other writers
    // wait for. A workspace's currency does not change under a purchase.
    let currency = match &valid.currency {
        Some(c) => c.clone(),
        None => aggregates::workspace_currency(db, scope.workspace_id).await?,
    };
    // A retry of a recorded purchase is answered from reads, without the write turn. Two first
    // pushes of one externalRef at once: the later insert breaks the unique key, and its retry
    // finds the earlier one here.
    if let Some(first) = first_result::<transaction::Entity>(db, scope, valid.external_ref.as_deref()).await?
    {
        return Ok(first);
    }
    let hint = identities::hint(db, scope, &valid.reference).await?;
    // The earn rule and the star levels' multipliers, cached: no read on most purchases.
    let earning = crate::loyalty::rules::earning(db, scope).await?;
    let txn = db::begin_write(db).await?;
    let (customer, customer_created) =
        find_or_create(&txn, scope, &valid.reference, valid.channel, hint).await?;
    let record = transaction::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        customer_id: Set(customer.id),
        kind: Set(TransactionKind::Purchase.as_str().to_owned()),
        status: Set(TransactionStatus::Completed.as_str().to_owned()),
        channel: Set(valid.channel.as_str().to_owned()),
        occurred_at: Set(valid.occurred_at),
        amount_minor: Set(valid.amount_minor),
        currency: Set(currency),
        refunded_minor: Set(0),
        refund_of: Set(None),
        payment_method: Set(valid.payment_method.map(|p| p.as_str().to_owned())),
        store: Set(valid.store.clone()),
        location: Set(valid.location.clone()),
        external_ref: Set(valid.external_ref.clone()),
        note: Set(valid.note.clone()),
        import_id: Set(None),
        import_row: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        AppError::unique_or_internal(e, "externalRef", "a transaction with this externalRef exists")
    })?;
    if !valid.items.is_empty() {
        transaction_item::Entity::insert_many(valid.items.iter().enumerate().map(|(i, item)| {
            transaction_item::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(scope.workspace_id),
                transaction_id: Set(record.id),
                position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
                sku: Set(item.sku.clone()),
                name: Set(item.name.clone()),
                category: Set(item.category.clone()),
                quantity: Set(item.quantity),
                unit_price_minor: Set(item.unit_price_minor),
            }
        }))
        .exec(&txn)
        .await?;
    }
    let change = Change::new(scope.workspace_id, Kind::TransactionRecorded, customer.id).with(json!({
        "transactionId": record.id,
        "amountMinor": record.amount_minor,
        "currency": record.currency,
        "channel": record.channel,
        "occurredAt": record.occurred_at,
        "externalRef": record.external_ref,
    }));
    // The purchase's feed entries in one go, and the activity it brings in the rating's update
    // of the customer: fewer statements inside SQLite's write turn.
    let Activity { columns, change: stage_change, transition } = activity(&customer, valid.occurred_at, true);
    if let Some(row) = transition {
        crate::entities::lifecycle_transition::Entity::insert(row).exec_without_returning(&txn).await?;
    }
    // Points at the multiplier of the stars the customer held when buying.
    let points_change = match &earning {
        Some(earning) => {
            let lines: Vec<Line<'_>> = valid
                .items
                .iter()
                .map(|i| Line {
                    category: i.category.as_deref(),
                    amount_minor: i.unit_price_minor.saturating_mul(i64::from(i.quantity)),
                })
                .collect();
            crate::loyalty::ledger::earn_purchase(&txn, scope, earning, &customer, &record, &lines).await?
        }
        None => None,
    };
    changes::record(&txn, std::iter::once(change).chain(stage_change).chain(points_change).collect()).await?;
    aggregates::refresh_loaded(&txn, scope, &customer, Trigger::Transaction, columns).await?;
    txn.commit().await?;
    // The customer as the purchase left them, read after the write turn is handed on.
    let customer = service::find(db, scope, customer.id).await?;
    Ok(Recorded { record, customer, created: true, customer_created })
}

/// A refund of (part of) an earlier purchase.
#[derive(Clone, Debug)]
pub struct NewRefund {
    pub transaction_id: Option<Uuid>,
    /// The purchase's `externalRef`, when the sender knows only that.
    pub original_external_ref: Option<String>,
    /// The whole remaining amount when not given.
    pub amount_minor: Option<i64>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub external_ref: Option<String>,
    pub note: Option<String>,
}

/// Records a refund. Needs `transactions:write`.
///
/// # Errors
/// `NOT_FOUND` for an unknown purchase; `BAD_USER_INPUT` for more than what is left to refund.
pub async fn record_refund(
    db: &DatabaseConnection,
    scope: &Scope,
    input: NewRefund,
) -> Result<Recorded<transaction::Model>, AppError> {
    scope.require(Permission::TransactionsWrite)?;
    let occurred_at = occurred(input.occurred_at)?;
    let own_ref = external_ref(input.external_ref.as_deref())?;
    let original_ref = input.original_external_ref.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if let Some(amount) = input.amount_minor {
        rules::amount(amount).map_err(|r| AppError::invalid("amountMinor", r))?;
        if amount == 0 {
            return Err(AppError::bad_input("amountMinor", "must be more than zero"));
        }
    }
    let note = short_text("note", input.note.as_deref(), 2_000)?;

    let txn = db::begin_write(db).await?;
    if let Some(first) = first_result::<transaction::Entity>(&txn, scope, own_ref.as_deref()).await? {
        txn.commit().await?;
        return Ok(first);
    }
    let mut query = transaction::Entity::find()
        .filter(transaction::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()));
    query = match (input.transaction_id, original_ref) {
        (Some(id), _) => query.filter(transaction::Column::Id.eq(id)),
        (None, Some(r)) => query.filter(transaction::Column::ExternalRef.eq(r)),
        (None, None) => {
            return Err(AppError::bad_input(
                "transactionId",
                "name the purchase by transactionId or originalExternalRef",
            ));
        }
    };
    let original = query.one(&txn).await?.ok_or(AppError::NotFound { entity: "transaction" })?;
    let remaining = original.amount_minor - original.refunded_minor;
    let amount = input.amount_minor.unwrap_or(remaining);
    if amount > remaining || remaining == 0 {
        return Err(AppError::bad_input("amountMinor", format!("at most {remaining} is left to refund")));
    }
    let refunded = original.refunded_minor + amount;
    let status = if refunded == original.amount_minor {
        TransactionStatus::Refunded
    } else {
        TransactionStatus::PartiallyRefunded
    };
    let updated = transaction::Entity::update_many()
        .col_expr(transaction::Column::RefundedMinor, Expr::value(refunded))
        .col_expr(transaction::Column::Status, Expr::value(status.as_str()))
        .filter(transaction::Column::Id.eq(original.id))
        .filter(transaction::Column::RefundedMinor.eq(original.refunded_minor))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::conflict("the purchase was refunded at the same time; try again"));
    }
    let record = transaction::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        customer_id: Set(original.customer_id),
        kind: Set(TransactionKind::Refund.as_str().to_owned()),
        status: Set(TransactionStatus::Completed.as_str().to_owned()),
        channel: Set(original.channel.clone()),
        occurred_at: Set(occurred_at),
        amount_minor: Set(amount),
        currency: Set(original.currency.clone()),
        refunded_minor: Set(0),
        refund_of: Set(Some(original.id)),
        payment_method: Set(original.payment_method.clone()),
        store: Set(original.store.clone()),
        location: Set(original.location.clone()),
        external_ref: Set(own_ref),
        note: Set(note),
        import_id: Set(None),
        import_row: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        AppError::unique_or_internal(e, "externalRef", "a transaction with this externalRef exists")
    })?;
    changes::record(&txn, refund_changes(&txn, scope, &original, &record).await?).await?;
    aggregates::refresh(&txn, scope, original.customer_id, Trigger::Transaction).await?;
    let customer = service::find(&txn, scope, original.customer_id).await?;
    txn.commit().await?;
    Ok(Recorded { record, customer, created: true, customer_created: false })
}

/// The feed entries of a refund: the refund, and the share of the purchase's points it takes
/// back, as the purchase earned them (before `original` counted this refund).
async fn refund_changes(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    original: &transaction::Model,
    record: &transaction::Model,
) -> Result<Vec<Change>, AppError> {
    let change = Change::new(scope.workspace_id, Kind::RefundRecorded, original.customer_id).with(json!({
        "transactionId": record.id,
        "refundOf": original.id,
        "amountMinor": record.amount_minor,
        "currency": record.currency,
        "occurredAt": record.occurred_at,
        "externalRef": record.external_ref,
    }));
    let refunded = original.refunded_minor + record.amount_minor;
    let points = crate::loyalty::ledger::reverse_refund(
        txn,
        scope,
        original,
        record,
        original.refunded_minor,
        refunded,
    )
    .await?;
    Ok(std::iter::once(change).chain(points).collect())
}

/// An interaction as staff or an integration records it.
#[derive(Clone, Debug)]
pub struct NewInteraction {
    pub customer: CustomerRef,
    pub kind: InteractionKind,
    pub direction: Direction,
    pub channel: Option<Channel>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub external_ref: Option<String>,
}

/// The channel an interaction of `kind` came through when the sender does not say.
pub(crate) const fn channel_of_kind(kind: InteractionKind) -> Channel {
    match kind {
        InteractionKind::Call => Channel::Phone,
        InteractionKind::Email => Channel::Email,
        InteractionKind::Chat => Channel::Chat,
        InteractionKind::Visit => Channel::Store,
        InteractionKind::Social => Channel::Social,
        InteractionKind::Consultation => Channel::Other,
    }
}

/// Records an interaction; a signed-in staff member is its agent. Needs `transactions:write`.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field; `NOT_FOUND` for an unknown customer id.
pub async fn record_interaction(
    db: &DatabaseConnection,
    scope: &Scope,
    input: NewInteraction,
) -> Result<Recorded<interaction::Model>, AppError> {
    scope.require(Permission::TransactionsWrite)?;
    let reference = identities::validate_ref(input.customer)?;
    let subject = short_text("subject", input.subject.as_deref(), rules::TEXT_MAX_CHARS)?;
    let body = short_text("body", input.body.as_deref(), rules::NOTES_MAX_CHARS)?;
    let occurred_at = occurred(input.occurred_at)?;
    let own_ref = external_ref(input.external_ref.as_deref())?;
    let channel = input.channel.unwrap_or(channel_of_kind(input.kind));
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let attempt = async {
            let txn = db::begin_write(db).await?;
            if let Some(first) = first_result::<interaction::Entity>(&txn, scope, own_ref.as_deref()).await? {
                txn.commit().await?;
                return Ok(first);
            }
            let (customer, customer_created) = find_or_create(&txn, scope, &reference, channel, None).await?;
            let record = interaction::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(scope.workspace_id),
                customer_id: Set(customer.id),
                kind: Set(input.kind.as_str().to_owned()),
                direction: Set(input.direction.as_str().to_owned()),
                channel: Set(Some(channel.as_str().to_owned())),
                subject: Set(subject.clone()),
                body: Set(body.clone()),
                agent_id: Set(scope.user_id()),
                occurred_at: Set(occurred_at),
                external_ref: Set(own_ref.clone()),
                import_id: Set(None),
                import_row: Set(None),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await
            .map_err(|e| {
                AppError::unique_or_internal(e, "externalRef", "an interaction with this externalRef exists")
            })?;
            let change =
                Change::new(scope.workspace_id, Kind::InteractionRecorded, customer.id).with(json!({
                    "interactionId": record.id,
                    "kind": record.kind,
                    "direction": record.direction,
                    "channel": record.channel,
                    "occurredAt": record.occurred_at,
                    "externalRef": record.external_ref,
                }));
            changes::record(&txn, vec![change]).await?;
            if customer_created && customer.welcome_stars.is_some() {
                aggregates::refresh_loaded(&txn, scope, &customer, Trigger::Welcome, Vec::new()).await?;
            }
            touch_activity(&txn, &customer, occurred_at, false).await?;
            let customer = service::find(&txn, scope, customer.id).await?;
            txn.commit().await?;
            Ok(Recorded { record, customer, created: true, customer_created })
        };
        match attempt.await {
            Err(err) if lost_race(&err) => last = Some(err),
            other => return other,
        }
    }
    Err(last.unwrap_or_else(|| AppError::internal(anyhow::anyhow!("no attempt made"))))
}

/// What the first push with this `external_ref` recorded, if the sender gave one and there was
/// one: a retry gets it back with `created: false`.
async fn first_result<E>(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    external_ref: Option<&str>,
) -> Result<Option<Recorded<E::Model>>, AppError>
where
    E: ChildOf,
    E::Column: From<RefColumn>,
{
    let Some(record) = find_by_ref::<E>(conn, scope, external_ref).await? else { return Ok(None) };
    let customer = service::find(conn, scope, E::customer_of(&record)).await?;
    Ok(Some(Recorded { record, customer, created: false, customer_created: false }))
}

/// The row of entity `E` with this `external_ref` in the workspace, if the sender gave one.
async fn find_by_ref<E>(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    external_ref: Option<&str>,
) -> Result<Option<E::Model>, AppError>
where
    E: EntityTrait,
    E::Column: From<RefColumn>,
{
    let Some(reference) = external_ref else { return Ok(None) };
    Ok(E::find()
        .filter(E::Column::from(RefColumn::Workspace).eq(scope.workspace_id))
        .filter(E::Column::from(RefColumn::ExternalRef).eq(reference))
        .one(conn)
        .await?)
}

/// The two columns idempotent lookups filter on, for entities that have both.
#[derive(Clone, Copy)]
enum RefColumn {
    Workspace,
    ExternalRef,
}

impl From<RefColumn> for transaction::Column {
    fn from(column: RefColumn) -> Self {
        match column {
            RefColumn::Workspace => Self::WorkspaceId,
            RefColumn::ExternalRef => Self::ExternalRef,
        }
    }
}

impl From<RefColumn> for interaction::Column {
    fn from(column: RefColumn) -> Self {
        match column {
            RefColumn::Workspace => Self::WorkspaceId,
            RefColumn::ExternalRef => Self::ExternalRef,
        }
    }
}

/// The customer a record is about, created from the reference when nobody matches; a new
/// identity is attached to whoever was found.
pub(crate) async fn find_or_create(
    txn: &DatabaseTransaction,
    scope: &Scope,
    reference: &ValidRef,
    channel: Channel,
    hint: Option<Hint>,
) -> Result<(customer::Model, bool), AppError> {
    if let Some(found) = identities::resolve(txn, scope, reference, hint).await? {
        if let Some(identity) = &reference.identity {
            identities::attach(txn, scope, found.id, identity, "customer.identity").await?;
        }
        return Ok((found, false));
    }
    let name = reference.name.clone().unwrap_or_else(|| {
        match (&reference.identity, &reference.phone, &reference.email) {
            (Some(identity), _, _) => format!("{} {}", identity.channel, identity.external_id),
            (None, Some(phone), _) => starcrm_shared::mask::phone(phone),
            (None, None, Some(email)) => email.split('@').next().unwrap_or(email).to_owned(),
            (None, None, None) => "New customer".to_owned(),
        }
    });
    let input = CustomerInput {
        name: Some(name),
        source_channel: Some(Some(channel)),
        phones: reference
            .phone
            .as_ref()
            .map(|p| vec![ContactInput { value: p.clone(), label: None, primary: true }]),
        emails: reference
            .email
            .as_ref()
            .map(|e| vec![ContactInput { value: e.clone(), label: None, primary: true }]),
        ..CustomerInput::default()
    };
    let valid = profile::validate(txn, scope, input, true).await?;
    let mut created = service::insert(txn, scope, &valid).await?;
    if let Some(identity) = &reference.identity {
        identities::link(txn, scope, created.id, identity, "customer.identity").await?;
    }
    // A customer met for the first time is new to the business: the welcome level, if any (the
    // caller rates them).
    crate::ratings::welcome::start(txn, scope, &mut created, Utc::now()).await?;
    audit::record(
        txn,
        scope,
        Entry::new("customer.create", "customer", created.id)
            .changes(json!({ "source": channel.as_str(), "ingest": true })),
    )
    .await?;
    Ok((created, true))
}

/// Moves `last_activity_at` forward, and a purchase moves the stage at once where it should
/// (`crate::insight::lifecycle::on_purchase`: a lead or prospect becomes new, a churned customer is
/// won back).
pub(crate) async fn touch_activity(
    conn: &impl ConnectionTrait,
    customer: &customer::Model,
    at: DateTime<Utc>,
    purchase: bool,
) -> Result<(), AppError> {
    let Activity { columns, change, transition } = activity(customer, at, purchase);
    if let Some(change) = change {
        changes::record(conn, vec![change]).await?;
    }
    if let Some(row) = transition {
        crate::entities::lifecycle_transition::Entity::insert(row).exec_without_returning(conn).await?;
    }
    if !columns.is_empty() {
        let mut update = customer::Entity::update_many().filter(customer::Column::Id.eq(customer.id));
        for (column, value) in columns {
            update = update.col_expr(column, value);
        }
        update.exec(conn).await?;
    }
    Ok(())
}

/// What [`touch_activity`] changes: the customer's columns, and the stage change for the feed
/// and its `lifecycle_transitions` row.
pub(crate) struct Activity {
    pub columns: Vec<(customer::Column, Expr)>,
    pub change: Option<Change>,
    pub transition: Option<crate::entities::lifecycle_transition::ActiveModel>,
}

/// [`touch_activity`] worked out without writing, for a caller that folds it into its own
/// update of the customer.
pub(crate) fn activity(customer: &customer::Model, at: DateTime<Utc>, purchase: bool) -> Activity {
    let mut columns = Vec::new();
    let mut change = None;
    if customer.last_activity_at.is_none_or(|last| last < at) {
        columns.push((customer::Column::LastActivityAt, Expr::value(Some(at))));
    }
    let mut transition = None;
    if let Some(moved) = purchase.then(|| crate::insight::lifecycle::on_purchase(customer, at)).flatten() {
        columns.push((customer::Column::LifecycleStage, Expr::value(moved.to.as_str())));
        // The stage changes when the purchase is recorded (an imported purchase may be old).
        let now = Utc::now();
        columns.push((customer::Column::LifecycleChangedAt, Expr::value(Some(now))));
        let (row, event) = moved.rows(customer.workspace_id, now);
        change = Some(event);
        transition = Some(row);
    }
    Activity { columns, change, transition }
}
