//! The breach pass: every replica looks, each half minute, for tickets whose check time has come
//! (the soonest deadline not yet recorded as missed). A missed target is recorded once per
//! ticket and target (a unique key: two replicas cannot both record it), the ticket is escalated
//! one priority step, the `ticketBreached` change goes on the feed (webhooks, live queues) and the
//! desk's managers and the assignee are notified. The same tick deals out tickets waiting in a
//! team's queue and, every few minutes, plans the follow-ups the cadence calls for.

use std::collections::HashMap;
use std::collections::hash_map::Entry as Slot;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use starcrm_shared::service_desk::SlaTarget;
use uuid::Uuid;

use super::{notifications, policy, tickets};
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::db;
use crate::entities::{sla_miss, ticket, ticket_change};
use crate::error::AppError;

/// How often a replica looks.
pub const TICK: Duration = Duration::from_secs(30);
/// Tickets looked at per transaction.
const BATCH: u64 = 200;
/// Batches per pass at most (the next pass goes on).
const MAX_BATCHES: usize = 50;

/// Runs the pass in the background.
pub fn spawn(db: DatabaseConnection) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        let mut passes: u64 = 0;
        loop {
            interval.tick().await;
            if let Err(err) = sweep(&db, Utc::now()).await {
                tracing::error!(error = %err, "service-level breach pass failed");
            }
            if let Err(err) = warn(&db, Utc::now()).await {
                tracing::error!(error = %err, "service-level warning pass failed");
            }
            if let Err(err) = tickets::deal_waiting(&db, Utc::now()).await {
                tracing::error!(error = %err, "dealing waiting tickets failed");
            }
            // The follow-up cadence moves in days: every tenth tick is plenty.
            passes += 1;
            if passes % 10 == 1
                && let Err(err) = super::follow_ups::sweep(&db, Utc::now()).await
            {
                tracing::error!(error = %err, "follow-up cadence pass failed");
            }
        }
    });
}

/// Records the targets missed by `now`. Returns how many misses it recorded.
///
/// # Errors
/// Database failures.
pub async fn sweep(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut recorded = 0;
    for _ in 0..MAX_BATCHES {
        let txn = db::begin_write(db).await?;
        let due = ticket::Entity::find()
            .filter(ticket::Column::BreachCheckAt.lte(now))
            .order_by_asc(ticket::Column::BreachCheckAt)
            .limit(BATCH)
            .all(&*txn)
            .await?;
        let full = due.len() as u64 == BATCH;
        let mut outbox = notifications::Outbox::default();
        let mut policies = Policies::new();
        for t in due {
            recorded += breach(&txn, &mut outbox, &mut policies, t, now).await?;
        }
        outbox.flush(&*txn).await?;
        txn.commit().await?;
        if !full {
            break;
        }
    }
    Ok(recorded)
}

/// The warning pass: tickets whose soonest deadline not yet missed is less than
/// [`tickets::WARN_MINUTES`] away get `ticketDueSoon` on the change feed (webhooks, live
/// queues), once per deadline. Returns how many were warned.
///
/// # Errors
/// Database failures.
pub async fn warn(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut warned = 0;
    for _ in 0..MAX_BATCHES {
        let txn = db::begin_write(db).await?;
        let due = ticket::Entity::find()
            .filter(ticket::Column::WarnCheckAt.lte(now))
            .order_by_asc(ticket::Column::WarnCheckAt)
            .limit(BATCH)
            .all(&*txn)
            .await?;
        let full = due.len() as u64 == BATCH;
        let mut events = Vec::new();
        for mut t in due {
            let deadline = t.breach_check_at;
            // Past already: the breach pass speaks instead.
            if deadline.is_some_and(|at| at > now) {
                let target = SlaTarget::ALL
                    .iter()
                    .copied()
                    .find(|x| tickets::running(&t, *x) && tickets::due_of(&t, *x) == deadline);
                let mut change = tickets::event(Kind::TicketDueSoon, &t);
                change.payload["target"] = json!(target.map(SlaTarget::as_str));
                change.payload["dueAt"] = json!(deadline);
                events.push(change);
                warned += 1;
            }
            t.warned_due = deadline;
            t.warn_check_at = None;
            t.into_active_model().reset_all().update(&*txn).await?;
        }
        changes::record(&*txn, events).await?;
        txn.commit().await?;
        if !full {
            break;
        }
    }
    Ok(warned)
}

/// Records what `t` missed by `now`, escalates it and moves its check time on.
/// The policy versions a batch has read, by workspace and version id (most tickets share a few).
type Policies = HashMap<(Uuid, Option<Uuid>), policy::Policy>;

async fn breach(
    txn: &db::WriteTxn,
    outbox: &mut notifications::Outbox,
    policies: &mut Policies,
    mut t: ticket::Model,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    // Deadlines as the ticket's history gives them now (never stale stored ones).
    let policy = match policies.entry((t.workspace_id, t.sla_policy_id)) {
        Slot::Occupied(known) => known.into_mut(),
        Slot::Vacant(slot) => slot.insert(policy::version(&**txn, t.workspace_id, t.sla_policy_id).await?),
    };
    let history = tickets::history(&**txn, t.id).await?;
    let mut recorded = tickets::missed(&**txn, t.id).await?;
    tickets::schedule(&mut t, policy, &history, &recorded)?;
    let misses: Vec<(SlaTarget, DateTime<Utc>)> = SlaTarget::ALL
        .iter()
        .copied()
        .filter(|x| !recorded.contains(x) && tickets::running(&t, *x))
        .filter_map(|x| tickets::due_of(&t, x).filter(|d| *d <= now).map(|d| (x, d)))
        .collect();
    let scope = Scope::system(t.workspace_id);
    if !misses.is_empty() {
        let rows = misses.iter().map(|(target, due)| sla_miss::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(t.workspace_id),
            ticket_id: Set(t.id),
            target: Set(target.as_str().to_owned()),
            due_at: Set(*due),
            recorded_at: Set(now),
        });
        sla_miss::Entity::insert_many(rows)
            .on_conflict_do_nothing_on([sla_miss::Column::TicketId, sla_miss::Column::Target])
            .exec_without_returning(&**txn)
            .await?;
        let from = tickets::priority_of(&t)?;
        let to = from.raised();
        let names: Vec<&str> = misses.iter().map(|(target, _)| target.as_str()).collect();
        let why = format!("missed {}", names.join(", "));
        if to != from {
            ticket_change::Entity::insert(ticket_change::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(t.workspace_id),
                ticket_id: Set(t.id),
                field: Set("priority".to_owned()),
                from_value: Set(Some(from.as_str().to_owned())),
                to_value: Set(Some(to.as_str().to_owned())),
                reason: Set(Some(why.clone())),
                actor_id: Set(None),
                at: Set(now),
            })
            .exec_without_returning(&**txn)
            .await?;
            to.as_str().clone_into(&mut t.priority);
            // An escalation is a decision the desk keeps: stars changing later do not undo it.
            t.priority_reason = Some(why.clone());
        }
        let entry = Entry::new("ticket.breach", "ticket", t.id)
            .changes(json!({ "missed": names, "priority": [from.as_str(), to.as_str()] }));
        audit::record(&**txn, &scope, entry).await?;
        let change = Change::new(t.workspace_id, Kind::TicketBreached, t.customer_id).with(json!({
            "ticketId": t.id,
            "number": t.number,
            "missed": misses.iter().map(|(target, due)| json!({ "target": target.as_str(), "dueAt": due })).collect::<Vec<_>>(),
            "priority": to.as_str(),
            "assigneeId": t.assignee_id,
        }));
        changes::record(&**txn, vec![change]).await?;
        outbox.ticket_breached(&**txn, &t, &names, to.as_str()).await?;
    }
    if !misses.is_empty() {
        // With the misses recorded (and a raised priority's rule), the next check moves past them.
        recorded.extend(misses.iter().map(|(target, _)| *target));
        tickets::schedule(&mut t, policy, &history, &recorded)?;
    }
    // Keep `updated_at`: the pass is not an edit by anyone.
    ticket::Entity::update_many()
        .col_expr(ticket::Column::Priority, Expr::value(t.priority.clone()))
        .col_expr(ticket::Column::PriorityReason, Expr::value(t.priority_reason.clone()))
        .col_expr(ticket::Column::SlaRule, Expr::value(t.sla_rule.clone()))
        .col_expr(ticket::Column::FirstResponseDue, Expr::value(t.first_response_due))
        .col_expr(ticket::Column::NextResponseDue, Expr::value(t.next_response_due))
        .col_expr(ticket::Column::ResolutionDue, Expr::value(t.resolution_due))
        .col_expr(ticket::Column::NextDue, Expr::value(t.next_due))
        .col_expr(ticket::Column::BreachCheckAt, Expr::value(t.breach_check_at))
        .col_expr(ticket::Column::UpdatedAt, Expr::value(t.updated_at))
        .filter(ticket::Column::Id.eq(t.id))
        .exec(&**txn)
        .await?;
    Ok(misses.len())
}
