//! Imports of interactions: one call, consultation, chat, visit, email or social contact per row,
//! as call centres and service desks export them. Each finds its customer by member number, phone
//! or email, and creates one when nobody matches (unless the mode is "existing customers only"),
//! exactly as a purchase does. A reference already recorded (by the API or an earlier import) is
//! skipped, so a file can be imported again safely. The interactions carry the import's id, and a
//! revert deletes them (then the customers the import created).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde_json::{Value, json};
use starcrm_shared::customer::{self as domain, Direction, InteractionKind};
use starcrm_shared::imports::{self as rules, ImportMode, Target};
use starcrm_shared::validate::Invalid;
use uuid::Uuid;

use super::file::Row;
use super::purchases::{Context, DryRunOrders, customer_of};
use super::rows::{Outcome, Plan, Refusal, is_about_the_row};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::customers::identities::{self, CustomerRef, IdentityInput, ValidRef};
use crate::customers::ingest::{channel_of_kind, touch_activity};
use crate::entities::{customer, interaction};
use crate::error::AppError;

/// Checks what an interactions mapping must hold.
///
/// # Errors
/// `BAD_USER_INPUT` on `mapping` or `mode`.
pub fn check_plan(seen: &[Target], mode: ImportMode) -> Result<(), AppError> {
    super::purchases::check_records(seen, mode, "interaction")?;
    if !seen.contains(&Target::OccurredAt) {
        return Err(AppError::bad_input(
            "mapping",
            "map a column to occurredAt: when each interaction happened",
        ));
    }
    if !seen.contains(&Target::InteractionType) {
        return Err(AppError::bad_input(
            "mapping",
            "map a column to interactionType: a call, consultation, chat, visit, email or social contact",
        ));
    }
    Ok(())
}

/// An interaction row read through the mapping and checked.
#[derive(Clone, Debug)]
pub struct Contact {
    pub kind: InteractionKind,
    pub direction: Direction,
    pub occurred_at: DateTime<Utc>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub reference: Option<String>,
    pub customer: ValidRef,
}

/// Reads a row of an interactions file. Refusals name the column.
///
/// # Errors
/// The first cell that cannot be read, or a row missing what an interaction needs.
pub fn parse(plan: &Plan, ctx: &Context, cells: &[String]) -> Result<Contact, Refusal> {
    super::rows::extra_cells(plan, cells)?;
    let mut who = CustomerRef::default();
    let (mut kind, mut direction, mut occurred) = (None, Direction::Inbound, None);
    let (mut subject, mut body, mut reference) = (None, None, None);
    for (i, column) in plan.columns.iter().enumerate() {
        let Some((target, _)) = column else { continue };
        let cell = cells.get(i).map_or("", |c| c.trim());
        if cell.is_empty() {
            continue;
        }
        let header = || Some(plan.headers[i].clone());
        let refuse = |reason: Invalid, message: &str| Refusal::new(header(), Some(reason), message);
        let text = |max: usize| {
            domain::optional_text(Some(cell), max).map_err(|r| Refusal::new(header(), Some(r), r.message()))
        };
        match target {
            Target::InteractionType => {
                kind = Some(rules::parse_interaction_kind(cell).ok_or_else(|| {
                    refuse(
                        Invalid::NotAnOption,
                        "is not a kind of interaction (电话, 咨询, 在线, 到店, 邮件, 社交)",
                    )
                })?);
            }
            Target::Direction => {
                direction = rules::parse_direction(cell).ok_or_else(|| {
                    refuse(Invalid::NotAnOption, "is not a direction (呼入 or 呼出, in or out)")
                })?;
            }
            Target::OccurredAt => {
                let moment = rules::parse_moment(cell).ok_or_else(|| {
                    refuse(Invalid::Date, "is not a date and time (write it as 2024-03-05 14:30)")
                })?;
                occurred = Some(
                    ctx.instant(moment)
                        .ok_or_else(|| refuse(Invalid::Date, "is not a date and time that exists"))?,
                );
            }
            Target::Subject => subject = text(domain::TEXT_MAX_CHARS)?,
            Target::Notes => body = text(domain::NOTES_MAX_CHARS)?,
            Target::Reference => {
                reference = Some(
                    domain::external_id(cell)
                        .map_err(|r| refuse(r, "is not a reference (letters, digits, - _ . : /)"))?,
                );
            }
            Target::MemberNo => {
                who.identity = Some(IdentityInput { channel: plan.channel, external_id: cell.to_owned() });
            }
            Target::Phone | Target::Email if super::purchases::masked(cell) => {}
            Target::Phone => who.phone = Some(cell.to_owned()),
            Target::Email => who.email = Some(cell.to_owned()),
            Target::Name => who.name = Some(cell.to_owned()),
            _ => {}
        }
    }
    let column = |target: &Target| plan.header_of(target, 0);
    let customer =
        identities::validate_ref(who).map_err(|err| super::purchases::customer_refusal(plan, &err))?;
    let kind = kind.ok_or_else(|| {
        Refusal::new(
            column(&Target::InteractionType),
            Some(Invalid::Required),
            "is empty: what kind of contact?",
        )
    })?;
    let at = occurred.ok_or_else(|| {
        Refusal::new(column(&Target::OccurredAt), Some(Invalid::Required), "is empty: when did it happen?")
    })?;
    let occurred_at = crate::customers::ingest::occurred(Some(at)).map_err(|_| {
        Refusal::new(column(&Target::OccurredAt), Some(Invalid::DateRange), "is in the future or before 1970")
    })?;
    Ok(Contact { kind, direction, occurred_at, subject, body, reference, customer })
}

/// What became of a row, and the row as read (for the dry run's preview).
pub type Done = (Outcome, Option<Contact>);

/// Imports a batch of interaction rows inside `txn`, each under its own savepoint, returning what
/// became of each, in order; the customers' last activity moves at the end.
///
/// # Errors
/// Database failures that are not about a row (the batch then fails).
pub async fn import_batch(
    txn: &DatabaseTransaction,
    scope: &Scope,
    plan: &Plan,
    ctx: &Context,
    import_id: Uuid,
    rows: &[Row],
    mut memory: Option<&mut DryRunOrders>,
) -> Result<Vec<Done>, AppError> {
    let mut out = Vec::with_capacity(rows.len());
    let mut touched: BTreeMap<Uuid, DateTime<Utc>> = BTreeMap::new();
    for row in rows {
        let contact = match parse(plan, ctx, &row.cells) {
            Ok(contact) => contact,
            Err(refusal) => {
                out.push((Outcome::Rejected(refusal), None));
                continue;
            }
        };
        let savepoint = sea_orm::TransactionTrait::begin(txn).await?;
        let written =
            Box::pin(write(&savepoint, scope, plan, import_id, row.number, &contact, memory.as_deref_mut()))
                .await;
        match written {
            Ok((outcome, customer)) => {
                savepoint.commit().await?;
                if let Some(id) = customer {
                    let latest = touched.entry(id).or_insert(contact.occurred_at);
                    *latest = Ord::max(*latest, contact.occurred_at);
                }
                out.push((outcome, Some(contact)));
            }
            Err(err) if is_about_the_row(&err) => {
                savepoint.rollback().await?;
                out.push((Outcome::Rejected(Refusal::from_error(plan, &err)), Some(contact)));
            }
            Err(err) => return Err(err),
        }
    }
    for (id, latest) in touched {
        if let Some(found) = customer::Entity::find_by_id(id).one(txn).await? {
            touch_activity(txn, &found, latest, false).await?;
        }
    }
    Ok(out)
}

async fn write(
    txn: &DatabaseTransaction,
    scope: &Scope,
    plan: &Plan,
    import_id: Uuid,
    row_number: i64,
    contact: &Contact,
    memory: Option<&mut DryRunOrders>,
) -> Result<(Outcome, Option<Uuid>), AppError> {
    if let Some(reference) = &contact.reference {
        let earlier = interaction::Entity::find()
            .filter(interaction::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(interaction::Column::ExternalRef.eq(reference))
            .one(txn)
            .await?;
        let seen = memory.as_ref().is_some_and(|m| m.references.contains(reference));
        if earlier.is_some() || seen {
            return Ok((Outcome::Skipped("the interaction was recorded before"), None));
        }
    }
    let Some(found) = customer_of(txn, scope, plan, import_id, row_number, &contact.customer).await? else {
        return Ok((Outcome::Skipped("no customer matches"), None));
    };
    let record = interaction::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        customer_id: Set(found),
        kind: Set(contact.kind.as_str().to_owned()),
        direction: Set(contact.direction.as_str().to_owned()),
        channel: Set(Some(channel_of_kind(contact.kind).as_str().to_owned())),
        subject: Set(contact.subject.clone()),
        body: Set(contact.body.clone()),
        agent_id: Set(None),
        occurred_at: Set(contact.occurred_at),
        external_ref: Set(contact.reference.clone()),
        import_id: Set(Some(import_id)),
        import_row: Set(Some(row_number)),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await
    .map_err(|e| AppError::unique_or_internal(e, "reference", "an interaction with this reference exists"))?;
    let change = Change::new(scope.workspace_id, Kind::InteractionRecorded, found).with(json!({
        "interactionId": record.id,
        "kind": record.kind,
        "direction": record.direction,
        "channel": record.channel,
        "occurredAt": record.occurred_at,
        "externalRef": record.external_ref,
        "importId": import_id,
    }));
    changes::record(txn, vec![change]).await?;
    if let (Some(memory), Some(reference)) = (memory, &contact.reference) {
        memory.references.insert(reference.clone());
    }
    Ok((Outcome::Created(record.id), Some(found)))
}

/// A preview line: the interaction as it would be stored.
pub fn preview(row_number: i64, outcome: &Outcome, contact: Option<&Contact>, ctx: &Context) -> Value {
    let mut out = super::rows::preview_line(row_number, outcome);
    if let Some(contact) = contact {
        out["customer"] = json!(super::purchases::who(&contact.customer));
        out["name"] = json!(contact.customer.name);
        out["reference"] = json!(contact.reference);
        out["occurredAt"] =
            json!(contact.occurred_at.with_timezone(&ctx.tz).format("%Y-%m-%d %H:%M").to_string());
        out["kind"] = json!(contact.kind.as_str());
        out["direction"] = json!(contact.direction.as_str());
        out["subject"] = json!(contact.subject.as_deref().or(contact.body.as_deref()));
    }
    out
}

/// A revert's first step for an interactions import: deletes a batch of the interactions it
/// recorded (after `after`, in id order). Returns the last id looked at (`None`: no more) and how
/// many were deleted.
///
/// # Errors
/// Database failures.
pub async fn delete_batch(
    txn: &DatabaseTransaction,
    scope: &Scope,
    import_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Option<Uuid>, i64), AppError> {
    let mut query = interaction::Entity::find()
        .filter(interaction::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(interaction::Column::ImportId.eq(import_id));
    if let Some(after) = after {
        query = query.filter(interaction::Column::Id.gt(after));
    }
    let batch = query.order_by_asc(interaction::Column::Id).limit(limit).all(txn).await?;
    let Some(last) = batch.last().map(|t| t.id) else { return Ok((None, 0)) };
    let ids: Vec<Uuid> = batch.iter().map(|i| i.id).collect();
    interaction::Entity::delete_many().filter(interaction::Column::Id.is_in(ids)).exec(txn).await?;
    let feed = batch
        .iter()
        .map(|i| {
            Change::new(scope.workspace_id, Kind::InteractionDeleted, i.customer_id).with(json!({
                "interactionId": i.id,
                "externalRef": i.external_ref,
                "importId": import_id,
            }))
        })
        .collect();
    changes::record(txn, feed).await?;
    let customers: std::collections::BTreeSet<Uuid> = batch.iter().map(|i| i.customer_id).collect();
    super::purchases::last_activity_again(txn, &customers).await?;
    Ok((Some(last), i64::try_from(batch.len()).unwrap_or(0)))
}
