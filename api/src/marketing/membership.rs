//! Keeping segment members current (ARCHITECTURE.md section 9: a consumer of the change feed).
//!
//! - **From the feed.** Each segment keeps a cursor into its workspace's feed. The worker reads
//!   the changes after it, works out again whether each customer they are about holds every
//!   condition, and writes who entered and who left, with a `segmentEntered` / `segmentLeft`
//!   event each, in one transaction that only commits if the cursor is still where it was read
//!   (two replicas never apply the same changes twice).
//! - **On a schedule.** Conditions counted in days (`daysSinceLastPurchase`...) and RFM groups
//!   change without a recorded change: after each RFM scoring (when a re-rating finishes, and
//!   daily) and after an import, every segment of the workspace is worked out whole and compared
//!   with its stored members; the differences become the same events, with `schedule` (or
//!   `importFinished`) as their trigger.
//! - **Reasons.** A customer who leaves is told which conditions no longer hold (each condition
//!   is evaluated on its own). One who enters is told which of the conditions the change that
//!   brought them in can alter (`starcrm_shared::marketing::touched_by`): a purchase names the
//!   spend, order and recency conditions; a profile edit names them all.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use starcrm_shared::marketing::{field_of, touched_by};
use uuid::Uuid;

use super::segments::{self, Segment, live_condition};
use crate::changes::{self, Change, Kind};
use crate::customers::query;
use crate::db;
use crate::entities::{customer, event, job, rfm_run, segment, segment_member, workspace};
use crate::error::AppError;

/// Changes read per step.
const PAGE: u64 = 500;
/// Customers evaluated per statement.
const CHUNK: usize = 400;
/// RFM scores and whole-segment refreshes at least this often.
pub const REFRESH_EVERY: Duration = Duration::hours(24);
/// How often a replica looks, besides being woken by changes.
pub const POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// Which conditions hold for one customer.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// Not deleted or merged away.
    pub live: bool,
    /// Per condition of the segment (in `Filter::parts` order).
    pub holds: Vec<bool>,
}

impl Evaluation {
    pub fn member(&self) -> bool {
        self.live && self.holds.iter().all(|h| *h)
    }
}

/// The SQL conditions of each of the segment's conditions, in `Filter::parts` order.
async fn part_conditions(
    conn: &impl ConnectionTrait,
    segment: &Segment,
    now: DateTime<Utc>,
) -> Result<Vec<Condition>, AppError> {
    let ws = segment.row.workspace_id;
    let mut conditions = Vec::new();
    for (_, part) in segment.filter.parts() {
        conditions.push(query::sql_condition(conn, ws, &part, now).await?);
    }
    Ok(conditions)
}

/// For each of `ids` (customers of workspace `ws`; others are absent from the answer): whether
/// they are live, and whether each of `conditions` holds, in one statement per chunk.
async fn check(
    conn: &impl ConnectionTrait,
    ws: Uuid,
    conditions: &[Condition],
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Evaluation>, AppError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let mut select = Query::select();
        select
            .column((customer::Entity, customer::Column::Id))
            .expr(
                Expr::case(
                    Condition::all()
                        .add(customer::Column::DeletedAt.is_null())
                        .add(customer::Column::MergedInto.is_null()),
                    1,
                )
                .finally(0),
            )
            .from(customer::Entity)
            .and_where(customer::Column::WorkspaceId.eq(ws))
            .and_where(customer::Column::Id.is_in(chunk.iter().copied()));
        for condition in conditions {
            select.expr(Expr::case(condition.clone(), 1).finally(0));
        }
        let statement = conn.get_database_backend().build(&select);
        for row in conn.query_all_raw(statement).await? {
            let id: Uuid = row.try_get_by_index(0)?;
            let live: i32 = row.try_get_by_index(1)?;
            let mut holds = Vec::with_capacity(conditions.len());
            for i in 0..conditions.len() {
                holds.push(row.try_get_by_index::<i32>(i + 2)? == 1);
            }
            out.insert(id, Evaluation { live: live == 1, holds });
        }
    }
    Ok(out)
}

/// Evaluates each condition of `segment` for each of `ids` (customers of the workspace; others
/// are absent from the answer).
///
/// # Errors
/// Database failures; a stored filter that no longer builds.
pub async fn evaluate(
    conn: &impl ConnectionTrait,
    segment: &Segment,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, Evaluation>, AppError> {
    let conditions = part_conditions(conn, segment, now).await?;
    check(conn, segment.row.workspace_id, &conditions, ids).await
}

/// Why a customer is or is not in a segment.
#[derive(Clone, Debug)]
pub struct Match {
    pub segment: Segment,
    pub member_since: Option<DateTime<Utc>>,
    /// Each condition's name (`stars`, `customFields.vip`, `and[0]`) and whether it holds now.
    pub conditions: Vec<(String, bool)>,
}

/// Every segment of the customer's workspace with the customer's standing in it. Needs
/// `customers:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn of_customer(
    conn: &impl ConnectionTrait,
    scope: &crate::auth::Scope,
    customer_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Match>, AppError> {
    let all = segments::list(conn, scope).await?;
    let since: HashMap<Uuid, DateTime<Utc>> = segment_member::Entity::find()
        .filter(segment_member::Column::CustomerId.eq(customer_id))
        .filter(segment_member::Column::WorkspaceId.eq(scope.workspace_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.segment_id, m.entered_at))
        .collect();
    // Every segment's conditions in one statement: the card costs the same with 1 segment or 200.
    let mut conditions = Vec::new();
    for segment in &all {
        conditions.extend(part_conditions(conn, segment, now).await?);
    }
    let Some(evaluation) =
        check(conn, scope.workspace_id, &conditions, &[customer_id]).await?.remove(&customer_id)
    else {
        return Ok(Vec::new());
    };
    let mut holds = evaluation.holds.into_iter();
    Ok(all
        .into_iter()
        .map(|segment| {
            let conditions =
                segment.filter.parts().into_iter().map(|(k, _)| (k, holds.next().unwrap_or(false))).collect();
            Match { member_since: since.get(&segment.row.id).copied(), segment, conditions }
        })
        .collect())
}

/// What one step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Moves {
    pub entered: u64,
    pub left: u64,
}

impl std::ops::AddAssign for Moves {
    fn add_assign(&mut self, other: Self) {
        self.entered += other.entered;
        self.left += other.left;
    }
}

/// Customers to look at again, each with the change kinds that named them.
type Touched = BTreeMap<Uuid, BTreeSet<String>>;

/// The change that explains a move: the first of `kinds` that can alter one of `conditions`,
/// else one that can alter anything (a profile edit), else the first.
fn trigger(kinds: &BTreeSet<String>, conditions: &[&String]) -> String {
    kinds
        .iter()
        .find(|kind| conditions.iter().any(|c| touched_by(kind).contains(&field_of(c))))
        .or_else(|| kinds.iter().find(|kind| touched_by(kind).is_empty()))
        .or_else(|| kinds.iter().next())
        .cloned()
        .unwrap_or_else(|| "schedule".to_owned())
}

/// Works out `touched` again for the segment and records who entered and left, with events.
async fn apply(
    conn: &impl ConnectionTrait,
    segment: &Segment,
    touched: &Touched,
    now: DateTime<Utc>,
) -> Result<Moves, AppError> {
    let ids: Vec<Uuid> = touched.keys().copied().collect();
    let evaluations = evaluate(conn, segment, &ids, now).await?;
    let mut stored = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        stored.extend(
            segment_member::Entity::find()
                .select_only()
                .column(segment_member::Column::CustomerId)
                .filter(segment_member::Column::SegmentId.eq(segment.row.id))
                .filter(segment_member::Column::CustomerId.is_in(chunk.iter().copied()))
                .into_tuple::<Uuid>()
                .all(conn)
                .await?,
        );
    }
    let keys: Vec<String> = segment.filter.parts().into_iter().map(|(k, _)| k).collect();
    let ws = segment.row.workspace_id;
    let (mut entering, mut leaving, mut events) = (Vec::new(), Vec::new(), Vec::new());
    for (id, kinds) in touched {
        let evaluation = evaluations.get(id);
        let now_in = evaluation.is_some_and(Evaluation::member);
        let was_in = stored.contains(id);
        if now_in && !was_in {
            entering.push(*id);
            let named: Vec<&String> = keys
                .iter()
                .filter(|k| kinds.iter().any(|kind| touched_by(kind).contains(&field_of(k))))
                .collect();
            let conditions: Vec<&String> = if named.is_empty() { keys.iter().collect() } else { named };
            events.push(Change::new(ws, Kind::SegmentEntered, *id).at(now).with(json!({
                "segmentId": segment.row.id,
                "trigger": trigger(kinds, &conditions),
                "conditions": conditions,
            })));
        } else if was_in && !now_in {
            leaving.push(*id);
            let failing: Vec<&String> = evaluation
                .filter(|e| e.live)
                .map(|e| keys.iter().zip(&e.holds).filter(|(_, h)| !**h).map(|(k, _)| k).collect())
                .unwrap_or_default();
            let trigger = trigger(kinds, &failing);
            let mut payload =
                json!({ "segmentId": segment.row.id, "conditions": failing, "trigger": trigger });
            if evaluation.is_none_or(|e| !e.live) {
                payload["gone"] = json!(true);
            }
            events.push(Change::new(ws, Kind::SegmentLeft, *id).at(now).with(payload));
        }
    }
    if !entering.is_empty() {
        let rows = entering.iter().map(|id| segment_member::ActiveModel {
            segment_id: sea_orm::Set(segment.row.id),
            customer_id: sea_orm::Set(*id),
            workspace_id: sea_orm::Set(ws),
            entered_at: sea_orm::Set(now),
        });
        db::insert_chunks(conn, rows.collect()).await?;
    }
    for chunk in leaving.chunks(CHUNK) {
        segment_member::Entity::delete_many()
            .filter(segment_member::Column::SegmentId.eq(segment.row.id))
            .filter(segment_member::Column::CustomerId.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
    }
    let moves = Moves { entered: entering.len() as u64, left: leaving.len() as u64 };
    if moves != Moves::default() {
        let delta = i64::try_from(moves.entered).unwrap_or(0) - i64::try_from(moves.left).unwrap_or(0);
        segment::Entity::update_many()
            .col_expr(segment::Column::MemberCount, Expr::col(segment::Column::MemberCount).add(delta))
            .filter(segment::Column::Id.eq(segment.row.id))
            .exec(conn)
            .await?;
        changes::record(conn, events).await?;
    }
    Ok(moves)
}

/// Applies the feed's changes after the segment's cursor, a page at a time, until it has seen
/// them all. Returns the moves and whether an import finished among them (the caller then
/// refreshes the segment whole).
///
/// # Errors
/// Database failures.
pub async fn advance(
    db: &DatabaseConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(Moves, bool), AppError> {
    let mut moves = Moves::default();
    let mut imported = false;
    loop {
        let Some(row) = segment::Entity::find_by_id(id).one(db).await? else { return Ok((moves, imported)) };
        let cursor = row.cursor;
        let segment = Segment::of(row)?;
        let events = event::Entity::find()
            .filter(event::Column::WorkspaceId.eq(segment.row.workspace_id))
            .filter(event::Column::Position.gt(cursor))
            .order_by_asc(event::Column::Position)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = events.last().map(|e| e.position) else { return Ok((moves, imported)) };
        let mut touched = Touched::new();
        for e in &events {
            match Kind::parse(&e.kind) {
                Some(Kind::SegmentEntered | Kind::SegmentLeft | Kind::PointsExpiring) | None => continue,
                Some(Kind::ImportFinished) => {
                    imported = true;
                    continue;
                }
                Some(_) => {}
            }
            let mut ids: Vec<Uuid> = e.subject_id.into_iter().collect();
            // A merge also changes the customer merged away.
            if let Ok(payload) = serde_json::from_str::<serde_json::Value>(&e.payload) {
                for key in ["mergedId"] {
                    if let Some(other) = payload[key].as_str().and_then(|s| s.parse().ok()) {
                        ids.push(other);
                    }
                }
            }
            for customer in ids {
                touched.entry(customer).or_default().insert(e.kind.clone());
            }
        }
        let txn = db::begin_write(db).await?;
        let claimed = segment::Entity::update_many()
            .col_expr(segment::Column::Cursor, Expr::value(last))
            .filter(segment::Column::Id.eq(id))
            .filter(segment::Column::Cursor.eq(cursor))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            // Another worker applied these (or the segment was edited or deleted).
            txn.rollback().await?;
            return Ok((moves, imported));
        }
        moves += apply(&txn, &segment, &touched, now).await?;
        txn.commit().await?;
    }
}

/// Works the whole segment out again and records the differences from its stored members
/// (`trigger`: `schedule` or `importFinished`).
///
/// # Errors
/// Database failures.
pub async fn refresh(
    db: &DatabaseConnection,
    id: Uuid,
    trigger: &str,
    now: DateTime<Utc>,
) -> Result<Moves, AppError> {
    let Some(row) = segment::Entity::find_by_id(id).one(db).await? else { return Ok(Moves::default()) };
    let segment = Segment::of(row)?;
    let ws = segment.row.workspace_id;
    // NOT EXISTS both ways (PostgreSQL hashes a NOT IN list only while it fits in `work_mem`).
    let is_member = Query::select()
        .expr(Expr::val(1))
        .from(segment_member::Entity)
        .and_where(segment_member::Column::SegmentId.eq(id))
        .and_where(
            Expr::col((segment_member::Entity, segment_member::Column::CustomerId))
                .equals((customer::Entity, customer::Column::Id)),
        )
        .to_owned();
    let live = live_condition(db, ws, &segment.filter, now).await?;
    let entering: Vec<Uuid> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .filter(live.clone())
        .filter(Expr::exists(is_member).not())
        .into_tuple()
        .all(db)
        .await?;
    let holds = Query::select()
        .expr(Expr::val(1))
        .from(customer::Entity)
        .cond_where(live)
        .and_where(
            Expr::col((customer::Entity, customer::Column::Id))
                .equals((segment_member::Entity, segment_member::Column::CustomerId)),
        )
        .to_owned();
    let leaving: Vec<Uuid> = segment_member::Entity::find()
        .select_only()
        .column(segment_member::Column::CustomerId)
        .filter(segment_member::Column::SegmentId.eq(id))
        .filter(Expr::exists(holds).not())
        .into_tuple()
        .all(db)
        .await?;
    let kinds: BTreeSet<String> = [trigger.to_owned()].into();
    let mut moves = Moves::default();
    let all: Vec<Uuid> = entering.into_iter().chain(leaving).collect();
    for chunk in all.chunks(CHUNK) {
        let touched: Touched = chunk.iter().map(|id| (*id, kinds.clone())).collect();
        let txn = db::begin_write(db).await?;
        moves += apply(&txn, &segment, &touched, now).await?;
        txn.commit().await?;
    }
    segment::Entity::update_many()
        .col_expr(segment::Column::RefreshedAt, Expr::value(Some(now)))
        .filter(segment::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(moves)
}

/// Whether the workspace's RFM scores are due: never scored, older than [`REFRESH_EVERY`], or a
/// re-rating finished since.
async fn rfm_due(db: &DatabaseConnection, workspace_id: Uuid, now: DateTime<Utc>) -> Result<bool, AppError> {
    let Some(run) = rfm_run::Entity::find_by_id(workspace_id).one(db).await? else { return Ok(true) };
    if now - run.computed_at >= REFRESH_EVERY {
        return Ok(true);
    }
    let rerated = job::Entity::find()
        .filter(job::Column::WorkspaceId.eq(workspace_id))
        .filter(job::Column::Kind.eq(crate::ratings::jobs::RERATE))
        .filter(job::Column::FinishedAt.gt(run.computed_at))
        .one(db)
        .await?;
    Ok(rerated.is_some())
}

/// Applies the feed to every segment, and refreshes a segment whole after an import.
///
/// # Errors
/// Database failures.
pub async fn apply_feed(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Moves, AppError> {
    let mut moves = Moves::default();
    // Only segments behind their workspace's feed: a change in one workspace costs the others
    // nothing.
    let behind = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT s.id FROM segments s JOIN change_positions p ON p.workspace_id = s.workspace_id \
             WHERE s.cursor < p.last_position ORDER BY s.workspace_id",
        ))
        .await?;
    for row in behind {
        let id: Uuid = row.try_get_by_index(0)?;
        let (m, imported) = advance(db, id, now).await?;
        moves += m;
        if imported {
            moves += refresh(db, id, "importFinished", now).await?;
        }
    }
    Ok(moves)
}

/// Scores RFM in every workspace where it is due, then refreshes that workspace's segments whole
/// (days-since conditions move with the calendar, groups with the scores).
///
/// # Errors
/// Database failures.
pub async fn scheduled(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Moves, AppError> {
    let mut moves = Moves::default();
    let workspaces: Vec<Uuid> =
        workspace::Entity::find().select_only().column(workspace::Column::Id).into_tuple().all(db).await?;
    for ws in workspaces {
        if rfm_due(db, ws, now).await? {
            super::rfm::score(db, ws, now).await?;
            let ids: Vec<Uuid> = segment::Entity::find()
                .select_only()
                .column(segment::Column::Id)
                .filter(segment::Column::WorkspaceId.eq(ws))
                .into_tuple()
                .all(db)
                .await?;
            for id in ids {
                moves += refresh(db, id, "schedule", now).await?;
            }
        }
    }
    Ok(moves)
}

/// One round: [`apply_feed`], then [`scheduled`].
///
/// # Errors
/// Database failures.
pub async fn run_once(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Moves, AppError> {
    let mut moves = apply_feed(db, now).await?;
    moves += scheduled(db, now).await?;
    Ok(moves)
}

/// How often a replica checks whether RFM scoring is due.
const SCHEDULE_CHECK: Duration = Duration::minutes(1);

/// Runs [`apply_feed`] when changes are recorded and every [`POLL`], and [`scheduled`] every
/// minute, until the process ends.
pub fn spawn(db: DatabaseConnection) {
    tokio::spawn(async move {
        let mut changes = changes::subscribe();
        let mut checked: Option<DateTime<Utc>> = None;
        loop {
            let now = Utc::now();
            match apply_feed(&db, now).await {
                Ok(Moves { entered: 0, left: 0 }) => {}
                Ok(m) => tracing::debug!(entered = m.entered, left = m.left, "segment members moved"),
                Err(err) => tracing::warn!(error = %err, "segment upkeep failed; will retry"),
            }
            if checked.is_none_or(|at| now - at >= SCHEDULE_CHECK) {
                checked = Some(now);
                if let Err(err) = scheduled(&db, now).await {
                    tracing::warn!(error = %err, "RFM scoring or segment refresh failed; will retry");
                }
            }
            tokio::select! {
                _ = changes.changed() => {
                    // The writer notifies before it commits.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                () = tokio::time::sleep(POLL) => {}
            }
        }
    });
}
