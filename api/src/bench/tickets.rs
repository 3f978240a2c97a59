//! `starcrm bench tickets`: the service desk at volume. Seeds a workspace of its own with
//! customers and `--tickets N` tickets with their deadlines under the built-in rules kept round
//! the clock (so deadlines fall at every hour and the breach pass has misses to record whenever
//! the benchmark runs; under office hours a run at night found none), see [`seed`], then:
//!
//! - the "mine" and "breaching soon" queue pages (50 rows with the customer, assignee and SLA
//!   state, as the inbox asks) through the real server over HTTP, against the bare SQL of the
//!   same page (the same statement: count and rows) through the same pool: p50/p95/p99 and the
//!   ratio of the p95s (target <= 2x);
//! - the breach pass over every open ticket: the pass that records the targets missed in the
//!   last ten minutes against a bare scan of all open tickets (what a detector without the
//!   check-time index reads), and the next pass, when nothing new is due.

use std::time::Instant;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, EntityTrait, IntoActiveModel, JoinType, PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use starcrm_shared::service_desk::{SlaTarget, TicketKind, TicketPriority, TicketStatus};
use uuid::Uuid;

use super::{Served, measure, ms, owner_token, post, scratch_workspace};
use crate::auth::{Actor, Scope};
use crate::config::Settings;
use crate::entities::{customer, sla_miss, ticket, ticket_change, user};
use crate::seed::generator::{self, Plan, Rng};
use crate::service_desk::teams::Reach;
use crate::service_desk::{breaches, queue};
use crate::state::AppState;

const PAGE: &str = "query($view: TicketView!) { tickets(view: $view, first: 50) { totalCount
  edges { node { id code subject kind channel status priority stars slaState nextDue createdAt
    customer { id name stars code } assignee { id name } } } } }";

/// A deadline as scanned.
type Due = Option<chrono::DateTime<Utc>>;

/// Rows per insert statement and per transaction while seeding.
const CHUNK: usize = 1_000;

/// `starcrm bench tickets`.
///
/// # Errors
/// The database or the server failing.
pub async fn tickets(settings: &Settings, count: usize, requests: usize) -> anyhow::Result<()> {
    let mut settings = settings.clone();
    settings.session_rate = u32::MAX;
    let state = AppState::init(&settings).await?;
    let db = state.db.clone();
    let workspace = scratch_workspace(&state, &format!("bench tickets {}", Uuid::now_v7().simple())).await?;
    let agent = user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(workspace.id))
        .one(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bench workspace has no owner"))?;
    println!("bench tickets: {count} tickets ({:?}), {requests} requests per side", state.info.database);

    let scope = Scope {
        actor: Actor::User {
            id: agent.id,
            name: agent.name.clone(),
            role: starcrm_shared::Role::Owner,
            session_id: Uuid::nil(),
        },
        ..Scope::system(workspace.id)
    };
    let rules = starcrm_shared::service_desk::default_rules();
    let hours = starcrm_shared::business_hours::Hours::always(&workspace.timezone);
    crate::service_desk::policy::save(&db, &scope, rules, hours).await.map_err(|e| anyhow::anyhow!("{e}"))?;

    let started = Instant::now();
    let customers = (count / 20).clamp(1_000, 100_000);
    let plan = Plan { customers: customers as u64, transactions: 0, seed: 18, now: Utc::now() };
    generator::generate(&db, workspace.id, plan, |_| {}).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let ids: Vec<(Uuid, Option<i16>)> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .column(customer::Column::Stars)
        .filter(customer::Column::WorkspaceId.eq(workspace.id))
        .into_tuple()
        .all(&db)
        .await?;
    seed(&db, workspace.id, agent.id, &ids, count).await?;
    crate::db::refresh_statistics(&db, &["tickets", "ticket_changes"]).await?;
    println!(
        "  seeded {} customers and {count} tickets in {:.1} s",
        ids.len(),
        started.elapsed().as_secs_f64()
    );

    let token = owner_token(&state, workspace.id).await?;
    queue_pages(&state, &scope, &token, requests).await?;
    breach_pass(&db, workspace.id).await
}

/// The "mine" and "breaching soon" pages through the API and bare.
async fn queue_pages(state: &AppState, scope: &Scope, token: &str, requests: usize) -> anyhow::Result<()> {
    let db = state.db.clone();
    let served = Served::start(state.clone()).await?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    for (view, name) in
        [(queue::TicketView::Mine, "MINE"), (queue::TicketView::BreachingSoon, "BREACHING_SOON")]
    {
        let q =
            queue::Query { view, customer_id: None, tag: None, within_minutes: 60, after: None, limit: 50 };
        let total = queue::select(scope, &Reach::All, &[], &q, Utc::now())?.count(&db).await?;
        let api = {
            let (client, url, token) = (client.clone(), served.url.clone(), token.to_owned());
            move |_| {
                let (client, url, token) = (client.clone(), url.clone(), token.clone());
                async move {
                    let body = json!({ "query": PAGE, "variables": { "view": name } });
                    post(&client, &url, &token, &body, b"tickets").await
                }
            }
        };
        let sql = {
            let (db, scope, q) = (db.clone(), scope.clone(), q.clone());
            move |_| {
                let (db, scope, q) = (db.clone(), scope.clone(), q.clone());
                async move {
                    let select = queue::select(&scope, &Reach::All, &[], &q, Utc::now())
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    select.clone().count(&db).await?;
                    // The page's rows with the customer and the assignee the inbox shows, in one
                    // joined statement: the least SQL that gives the page.
                    select
                        .join(
                            JoinType::InnerJoin,
                            ticket::Entity::belongs_to(customer::Entity)
                                .from(ticket::Column::CustomerId)
                                .to(customer::Column::Id)
                                .into(),
                        )
                        .join(
                            JoinType::LeftJoin,
                            ticket::Entity::belongs_to(user::Entity)
                                .from(ticket::Column::AssigneeId)
                                .to(user::Column::Id)
                                .into(),
                        )
                        .column_as(customer::Column::Name, "customer_name")
                        .column_as(customer::Column::Stars, "customer_stars")
                        .column_as(customer::Column::Number, "customer_number")
                        .column_as(user::Column::Name, "assignee_name")
                        .limit(50)
                        .into_json()
                        .all(&db)
                        .await?;
                    anyhow::Ok(())
                }
            }
        };
        measure(30, 2, api.clone()).await?;
        measure(30, 2, sql.clone()).await?;
        let bare = measure(requests, 1, sql).await?;
        let through = measure(requests, 1, api).await?;
        let ratio = ms(through.percentile(95.0)) / ms(bare.percentile(95.0)).max(1e-6);
        println!(
            "  {name:<15} ({total} tickets in the queue): API p50 {:.1} / p95 {:.1} / p99 {:.1} ms; bare SQL p50 {:.1} / p95 {:.1} / p99 {:.1} ms; p95 ratio {ratio:.2} (target <= 2.00: {})",
            ms(through.percentile(50.0)),
            ms(through.percentile(95.0)),
            ms(through.percentile(99.0)),
            ms(bare.percentile(50.0)),
            ms(bare.percentile(95.0)),
            ms(bare.percentile(99.0)),
            if ratio <= 2.0 { "met" } else { "NOT met" },
        );
    }
    served.stop().await
}

/// The breach pass against a bare scan of the open tickets.
async fn breach_pass(db: &sea_orm::DatabaseConnection, workspace_id: Uuid) -> anyhow::Result<()> {
    let active = queue::active_statuses();
    let open = ticket::Entity::find()
        .filter(ticket::Column::WorkspaceId.eq(workspace_id))
        .filter(ticket::Column::Status.is_in(active.clone()))
        .count(db)
        .await?;
    let due = ticket::Entity::find()
        .filter(ticket::Column::WorkspaceId.eq(workspace_id))
        .filter(ticket::Column::BreachCheckAt.lte(Utc::now()))
        .count(db)
        .await?;
    let t = Instant::now();
    let scanned: Vec<(Uuid, Due, Due, Due)> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .column(ticket::Column::FirstResponseDue)
        .column(ticket::Column::NextResponseDue)
        .column(ticket::Column::ResolutionDue)
        .filter(ticket::Column::WorkspaceId.eq(workspace_id))
        .filter(ticket::Column::Status.is_in(active))
        .into_tuple()
        .all(db)
        .await?;
    let now = Utc::now();
    let overdue =
        scanned.iter().filter(|(_, a, b, c)| [a, b, c].into_iter().flatten().any(|d| *d <= now)).count();
    let bare = t.elapsed();
    let notified = || {
        crate::entities::notification::Entity::find()
            .filter(crate::entities::notification::Column::WorkspaceId.eq(workspace_id))
            .count(db)
    };
    let before = notified().await?;
    let t = Instant::now();
    let recorded = breaches::sweep(db, Utc::now()).await?;
    let pass = t.elapsed();
    let notifications = notified().await? - before;
    let t = Instant::now();
    let again = breaches::sweep(db, Utc::now()).await?;
    let idle = t.elapsed();
    #[allow(clippy::cast_precision_loss, reason = "a rate")]
    let per_second = recorded as f64 / pass.as_secs_f64().max(1e-9);
    println!(
        "  breach pass over {open} open tickets ({overdue} past a deadline): a bare scan of them {:.0} ms; the pass recorded {recorded} misses of the {due} tickets whose check time had come (escalated, on the feed; {notifications} notifications kept, at most 200 a person) in {:.0} ms ({per_second:.0} misses/s, {:.2}x the bare scan); the next pass ({again} recorded) {:.1} ms ({:.3}x)",
        ms(bare),
        ms(pass),
        pass.as_secs_f64() / bare.as_secs_f64().max(1e-9),
        ms(idle),
        idle.as_secs_f64() / bare.as_secs_f64().max(1e-9),
    );
    Ok(())
}

/// Writes `count` tickets for `customers` under the workspace's SLA policy, deadlines computed
/// as the desk computes them: 70% solved or closed (opened over 90 days); the open ones opened in
/// the last five days, answered once unless new, some waiting on the customer; 5% of all
/// assigned to `agent`. Targets missed more than ten minutes ago are recorded as an earlier
/// breach pass would have; the pass the benchmark times records the rest.
async fn seed(
    db: &sea_orm::DatabaseConnection,
    workspace_id: Uuid,
    agent: Uuid,
    customers: &[(Uuid, Option<i16>)],
    count: usize,
) -> anyhow::Result<()> {
    let policy =
        crate::service_desk::policy::active(db, workspace_id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = Utc::now();
    let mut rng = Rng::new(0x7157);
    let mut done = 0;
    while done < count {
        let n = CHUNK.min(count - done);
        let (mut tickets, mut history, mut recorded) =
            (Vec::with_capacity(n), Vec::with_capacity(2 * n), Vec::new());
        for i in done..done + n {
            let (t, statuses, earlier) =
                one_ticket(&mut rng, i, &policy, (workspace_id, agent), customers, now)?;
            recorded.extend(earlier);
            for (at, s) in statuses {
                history.push(ticket_change::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    workspace_id: Set(workspace_id),
                    ticket_id: Set(t.id),
                    field: Set("status".to_owned()),
                    from_value: Set(None),
                    to_value: Set(Some(s.as_str().to_owned())),
                    reason: Set(None),
                    actor_id: Set(None),
                    at: Set(at),
                });
            }
            tickets.push(t.into_active_model());
        }
        let txn = crate::db::begin_write(db).await?;
        crate::db::insert_chunks(&*txn, tickets).await?;
        crate::db::insert_chunks(&*txn, history).await?;
        crate::db::insert_chunks(&*txn, recorded).await?;
        txn.commit().await?;
        done += n;
    }
    Ok(())
}

type Statuses = Vec<(chrono::DateTime<Utc>, TicketStatus)>;

/// Ticket number `i + 1` with its status history and the misses an earlier pass recorded.
fn one_ticket(
    rng: &mut Rng,
    i: usize,
    policy: &crate::service_desk::policy::Policy,
    (workspace_id, agent): (Uuid, Uuid),
    customers: &[(Uuid, Option<i16>)],
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<(ticket::Model, Statuses, Vec<sla_miss::ActiveModel>)> {
    let (customer_id, stars) = *rng.pick(customers);
    let kind = *rng.pick(TicketKind::ALL);
    let roll = rng.unit();
    let status = if roll < 0.5 {
        TicketStatus::Closed
    } else if roll < 0.7 {
        TicketStatus::Solved
    } else {
        *rng.pick(&[
            TicketStatus::New,
            TicketStatus::Open,
            TicketStatus::Open,
            TicketStatus::Pending,
            TicketStatus::OnHold,
        ])
    };
    let active = status.is_active();
    let minutes = if active { 5 * 24 * 60 } else { 90 * 24 * 60 };
    let opened = now - chrono::Duration::minutes(i64::try_from(1 + rng.below(minutes)).unwrap_or(1));
    let answered = (status != TicketStatus::New).then(|| opened + chrono::Duration::minutes(1));
    let mut t = ticket::Model {
        id: Uuid::now_v7(),
        workspace_id,
        number: i64::try_from(i + 1).unwrap_or(i64::MAX),
        customer_id,
        kind: kind.as_str().to_owned(),
        channel: "phone".to_owned(),
        subject: format!("Bench ticket {i}"),
        description: None,
        status: status.as_str().to_owned(),
        priority: TicketPriority::derived(kind, stars.and_then(|s| u8::try_from(s).ok())).as_str().to_owned(),
        priority_reason: None,
        assignee_id: rng.chance(0.05).then_some(agent),
        team_id: None,
        warned_due: None,
        warn_check_at: None,
        transaction_id: None,
        upheld: None,
        root_cause_id: None,
        resolution: None,
        external_ref: None,
        stars,
        sla_policy_id: policy.id,
        sla_rule: None,
        first_response_due: None,
        next_response_due: None,
        resolution_due: None,
        next_due: None,
        breach_check_at: None,
        waiting_since: None,
        first_responded_at: answered,
        solved_at: (!active).then(|| opened + chrono::Duration::hours(4)),
        closed_at: (status == TicketStatus::Closed).then(|| opened + chrono::Duration::days(2)),
        created_by: None,
        created_at: opened,
        updated_at: opened,
    };
    let mut statuses = vec![(opened, TicketStatus::New)];
    if let Some(at) = answered {
        statuses.push((at, if active { status } else { TicketStatus::Solved }));
    }
    let schedule = crate::service_desk::tickets::schedule;
    schedule(&mut t, policy, &statuses, &[]).map_err(|e| anyhow::anyhow!("{e}"))?;
    // What an earlier pass (ten minutes ago) recorded.
    let last_pass = now - chrono::Duration::minutes(10);
    let (mut earlier, mut recorded) = (Vec::new(), Vec::new());
    for (target, due, running) in [
        (SlaTarget::FirstResponse, t.first_response_due, t.first_responded_at.is_none()),
        (SlaTarget::Resolution, t.resolution_due, true),
    ] {
        if let Some(due) = due.filter(|d| active && running && *d <= last_pass) {
            earlier.push(target);
            recorded.push(sla_miss::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(workspace_id),
                ticket_id: Set(t.id),
                target: Set(target.as_str().to_owned()),
                due_at: Set(due),
                recorded_at: Set(due),
            });
        }
    }
    schedule(&mut t, policy, &statuses, &earlier).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((t, statuses, recorded))
}
