//! The phases of an import as jobs: the dry run, the run, and the revert. A run commits each
//! batch's rows, refused rows, changeset entries, counts, resume point and job lease in one
//! transaction; a dry run does the same work and rolls the rows back, keeping only the counts,
//! errors and preview.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::Path;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{Value, json};
use starcrm_shared::customer::{Channel, TransactionKind};
use starcrm_shared::imports::{ImportKind, ImportMode, ImportStatus, RowAction};
use uuid::Uuid;

use super::file::{Encoding, Row, Rows};
use super::rows::{self, Before, DryRunMemory, Outcome, Plan};
use super::{JobParams, Phase, headers_of, mapping_of, path_of, set_status};
use super::{interactions, purchases};
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::entities::{channel_identity, customer, import, import_change, import_error, job, transaction};
use crate::error::AppError;

/// Rows a dry run shows as they would be stored.
const PREVIEW_ROWS: usize = 20;

/// How a phase runs.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Rows per committed batch.
    pub batch_size: usize,
    /// Stop (as if killed) after this many batches: tests of resumption.
    pub stop_after_batches: Option<usize>,
    /// The clock (tests move it past a lease).
    pub now: Option<DateTime<Utc>>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { batch_size: 500, stop_after_batches: None, now: None }
    }
}

/// How a phase's run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    Finished,
    /// Ended by an error, recorded on the import.
    Failed,
    /// Another runner holds it.
    Busy,
    /// Stopped as asked (`stop_after_batches`), the lease left to lapse.
    Stopped,
}

/// Claims and runs one import job.
///
/// # Errors
/// Database failures while recording the outcome.
pub async fn run(
    db: &DatabaseConnection,
    data_dir: &Path,
    job: &job::Model,
    worker: &str,
    opts: &RunOptions,
) -> Result<RunEnd, AppError> {
    let Some(params) = job.params.as_deref().and_then(|p| serde_json::from_str::<JobParams>(p).ok()) else {
        return Err(AppError::internal(anyhow::anyhow!("import job {} has no parameters", job.id)));
    };
    if !crate::jobs::claim(db, job.id, worker, opts.now.unwrap_or_else(Utc::now)).await? {
        return Ok(RunEnd::Busy);
    }
    let outcome = match params.phase {
        Phase::Check | Phase::Run => Box::pin(read_file(db, data_dir, job.id, &params, worker, opts)).await,
        Phase::Revert => revert(db, job.id, params.import_id, worker, opts).await,
    };
    if params.phase == Phase::Run && !matches!(outcome, Ok(RunEnd::Stopped | RunEnd::Busy)) {
        // The run is over, one way or the other: the file (personal data) is not needed again.
        super::discard(data_dir, params.import_id).await;
    }
    match outcome {
        Ok(RunEnd::Stopped) => Ok(RunEnd::Stopped),
        Ok(end) => {
            crate::jobs::finish(db, job.id, worker, None).await?;
            Ok(end)
        }
        Err(err) => {
            let message = match &err {
                AppError::Internal(cause) => {
                    tracing::error!(error = ?cause, import = %params.import_id, "import phase failed");
                    format!("{cause}")
                }
                other => other.to_string(),
            };
            let status = match params.phase {
                // A failed dry run leaves the import to be checked or started again.
                Phase::Check => ImportStatus::Uploaded,
                Phase::Run => ImportStatus::Failed,
                // The rows reverted so far stay reverted; the import can be reverted again.
                Phase::Revert => ImportStatus::Succeeded,
            };
            set_status(db, params.import_id, status, Some(message.clone())).await?;
            crate::jobs::finish(db, job.id, worker, Some(&message)).await?;
            Ok(RunEnd::Failed)
        }
    }
}

#[allow(clippy::needless_pass_by_value, reason = "used as map_err(io_error)")]
fn io_error(err: io::Error) -> AppError {
    AppError::bad_input("file", err.to_string())
}

/// Runs `f` with the row reader on the blocking pool and hands the reader back.
async fn blocking<T: Send + 'static>(
    rows: Rows,
    f: impl FnOnce(&mut Rows) -> io::Result<T> + Send + 'static,
) -> Result<(Rows, T), AppError> {
    tokio::task::spawn_blocking(move || {
        let mut rows = rows;
        let out = f(&mut rows);
        out.map(|v| (rows, v))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(io_error)
}

/// Tables the import looks customers up in, a batch at a time.
const LOOKUP_TABLES: &[&str] = &["channel_identities", "customer_phones", "customer_emails", "customers"];

/// Tallies of one batch.
#[derive(Debug, Default)]
struct Tally {
    created: i64,
    updated: i64,
    skipped: i64,
    rejected: i64,
    errors: Vec<import_error::ActiveModel>,
    last_row: i64,
}

impl Tally {
    /// Counts what became of `row`; a refused row is kept with its cells and reason.
    fn add(&mut self, import_id: Uuid, phase: Phase, row: &Row, outcome: Outcome) -> Result<(), AppError> {
        match outcome {
            Outcome::Created(_) => self.created += 1,
            Outcome::Updated(_) => self.updated += 1,
            Outcome::Skipped(_) => self.skipped += 1,
            Outcome::Rejected(refusal) => {
                self.rejected += 1;
                self.errors.push(import_error::ActiveModel {
                    import_id: Set(import_id),
                    phase: Set(phase.as_str().to_owned()),
                    row_number: Set(row.number),
                    column: Set(refusal.column),
                    code: Set(refusal.code),
                    message: Set(refusal.message),
                    reason: Set(refusal.reason.and_then(|r| serde_json::to_string(&r).ok())),
                    cells: Set(serde_json::to_string(&row.cells).map_err(AppError::internal)?),
                    customer_id: Set(None),
                });
            }
        }
        self.last_row = row.number;
        Ok(())
    }
}

async fn read_file(
    db: &DatabaseConnection,
    data_dir: &Path,
    job_id: Uuid,
    params: &JobParams,
    worker: &str,
    opts: &RunOptions,
) -> Result<RunEnd, AppError> {
    let current = import::Entity::find_by_id(params.import_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound { entity: "import" })?;
    let scope = Scope::system(current.workspace_id);
    let phase = params.phase;
    let path = path_of(data_dir, current.id);
    if !path.is_file() {
        return Err(AppError::conflict(
            "the uploaded file is not on this server: upload it again (several servers must share their data dir)",
        ));
    }
    let fields = crate::customers::profile::definitions(db, current.workspace_id).await?;
    let plan = Plan::new(
        &headers_of(&current),
        &mapping_of(&current),
        ImportMode::parse(&current.mode).unwrap_or(ImportMode::Upsert),
        Channel::parse(&current.channel).unwrap_or(Channel::Other),
        super::kind_of(&current),
        fields,
    )?;
    let fresh = phase == Phase::Check || current.status == ImportStatus::Queued.as_str();
    let encoding = Encoding::parse(&current.encoding).unwrap_or(Encoding::Utf8);
    let delimiter = current.delimiter.bytes().next().unwrap_or(b',');
    if fresh {
        start_over(db, job_id, &current, phase, &path, encoding, delimiter).await?;
    }
    let start_after = if fresh { 1 } else { Ord::max(current.rows_done, 1) };
    let reader = Rows::open(&path, encoding, delimiter).map_err(io_error)?;
    let (mut reader, ()) = blocking(reader, move |r| r.skip_to(start_after)).await?;
    let mut pass = Pass {
        import_id: current.id,
        phase,
        memory: DryRunMemory::default(),
        orders: purchases::DryRunOrders::default(),
        purchases: purchases::Context::load(db, current.workspace_id).await?,
        preview: Vec::new(),
    };
    let mut batches = 0;
    let batch_size = opts.batch_size.max(1);
    // Customers created so far, and when the lookup tables' statistics are next refreshed (at
    // 1,000 rows, then each time the count doubles: a few cheap ANALYZEs for any file).
    let mut written = 0;
    let mut next_analyze = 1_000;
    loop {
        if opts.stop_after_batches.is_some_and(|n| batches >= n) {
            return Ok(RunEnd::Stopped);
        }
        let (next, batch) = blocking(reader, move |r| r.next_batch(batch_size)).await?;
        reader = next;
        if batch.is_empty() {
            break;
        }
        let txn = crate::db::begin_write(db).await?;
        let tally = Box::pin(pass.batch(&txn, &scope, &plan, &batch)).await?;
        let txn = if phase == Phase::Check {
            // A dry run keeps nothing of the rows.
            txn.rollback().await?;
            crate::db::begin_write(db).await?
        } else {
            txn
        };
        let processed = i64::try_from(batch.len()).unwrap_or(0);
        if !crate::jobs::renew(&txn, job_id, worker, processed).await? {
            txn.rollback().await?;
            return Ok(RunEnd::Busy);
        }
        let created = tally.created;
        save_progress(&txn, current.id, tally).await?;
        txn.commit().await?;
        batches += 1;
        written += created;
        if phase == Phase::Run && written >= next_analyze {
            // Only a help to the planner: a failure is logged, the import goes on.
            if let Err(err) = crate::db::refresh_statistics(db, LOOKUP_TABLES).await {
                tracing::warn!(import_id = %current.id, error = %err, "refreshing statistics failed");
            }
            next_analyze = written * 2;
        }
    }
    finish(db, &current, phase, pass.preview, &scope).await?;
    Ok(RunEnd::Finished)
}

/// What a pass over the file carries from batch to batch.
struct Pass {
    import_id: Uuid,
    phase: Phase,
    /// A dry run's memory of the customers and orders its rolled-back batches created.
    memory: DryRunMemory,
    orders: purchases::DryRunOrders,
    purchases: purchases::Context,
    /// A dry run's first rows as they would be stored.
    preview: Vec<Value>,
}

impl Pass {
    /// Imports a batch through the rows of the file's kind and counts what became of each.
    async fn batch(
        &mut self,
        txn: &sea_orm::DatabaseTransaction,
        scope: &Scope,
        plan: &Plan,
        batch: &[Row],
    ) -> Result<Tally, AppError> {
        let mut tally = Tally::default();
        let check = self.phase == Phase::Check;
        let previews =
            |preview: &Vec<Value>| if check { PREVIEW_ROWS.saturating_sub(preview.len()) } else { 0 };
        if plan.kind == ImportKind::Interactions {
            let memory = check.then_some(&mut self.orders);
            let done =
                interactions::import_batch(txn, scope, plan, &self.purchases, self.import_id, batch, memory)
                    .await?;
            let wanted = previews(&self.preview);
            for (i, (row, (outcome, contact))) in batch.iter().zip(done).enumerate() {
                if i < wanted {
                    self.preview.push(interactions::preview(
                        row.number,
                        &outcome,
                        contact.as_ref(),
                        &self.purchases,
                    ));
                }
                tally.add(self.import_id, self.phase, row, outcome)?;
            }
        } else if plan.kind == ImportKind::Transactions {
            let memory = check.then_some(&mut self.orders);
            let done =
                purchases::import_batch(txn, scope, plan, &self.purchases, self.import_id, batch, memory)
                    .await?;
            let wanted = previews(&self.preview);
            for (i, (row, (outcome, line))) in batch.iter().zip(done).enumerate() {
                if i < wanted {
                    self.preview.push(purchases::preview(
                        row.number,
                        &outcome,
                        line.as_ref(),
                        &self.purchases,
                    ));
                }
                tally.add(self.import_id, self.phase, row, outcome)?;
            }
        } else {
            let memory = check.then_some(&mut self.memory);
            let outcomes = rows::import_batch(txn, scope, plan, self.import_id, batch, memory).await?;
            let wanted = previews(&self.preview);
            for (i, (row, (outcome, valid))) in batch.iter().zip(outcomes).enumerate() {
                if i < wanted {
                    let member_no = rows::member_no(plan, &row.cells);
                    self.preview.push(rows::preview(row.number, &outcome, valid.as_ref(), member_no));
                }
                tally.add(self.import_id, self.phase, row, outcome)?;
            }
        }
        Ok(tally)
    }
}

/// Marks the pass done: a dry run keeps its preview; a run records `importFinished` and its
/// counts in the feed and the audit log.
async fn finish(
    db: &DatabaseConnection,
    current: &import::Model,
    phase: Phase,
    preview: Vec<Value>,
    scope: &Scope,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    if phase == Phase::Check {
        let mut stored: Value = current
            .preview
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .filter(Value::is_object)
            .unwrap_or(json!({}));
        stored["rows"] = Value::Array(preview);
        import::Entity::update_many()
            .col_expr(import::Column::Preview, Expr::value(stored.to_string()))
            .filter(import::Column::Id.eq(current.id))
            .exec(&txn)
            .await?;
        set_status(&txn, current.id, ImportStatus::Checked, None).await?;
    } else {
        set_status(&txn, current.id, ImportStatus::Succeeded, None).await?;
        let done = import::Entity::find_by_id(current.id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound { entity: "import" })?;
        let counts = json!({
            "importId": done.id, "created": done.created, "updated": done.updated,
            "skipped": done.skipped, "rejected": done.rejected,
        });
        changes::record(
            &txn,
            vec![Change::new(done.workspace_id, Kind::ImportFinished, done.id).with(counts.clone())],
        )
        .await?;
        audit::record(&txn, scope, Entry::new("import.finish", "import", done.id).changes(counts)).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Counts the file's rows and clears what an earlier pass of `phase` left: a dry run always
/// starts over, a run unless it is resuming.
async fn start_over(
    db: &DatabaseConnection,
    job_id: Uuid,
    current: &import::Model,
    phase: Phase,
    path: &Path,
    encoding: Encoding,
    delimiter: u8,
) -> Result<(), AppError> {
    // A dry run always starts over; a run starts from the top unless it is resuming.
    let reader = Rows::open(path, encoding, delimiter).map_err(io_error)?;
    let total = tokio::task::spawn_blocking(move || reader.count())
        .await
        .map_err(AppError::internal)?
        .map_err(io_error)?;
    let txn = crate::db::begin_write(db).await?;
    import_error::Entity::delete_many()
        .filter(import_error::Column::ImportId.eq(current.id))
        .filter(import_error::Column::Phase.eq(phase.as_str()))
        .exec(&txn)
        .await?;
    let mut update = import::Entity::update_many()
        .col_expr(import::Column::TotalRows, Expr::value(total))
        .col_expr(import::Column::RowsDone, Expr::value(0_i64))
        .col_expr(import::Column::Created, Expr::value(0_i64))
        .col_expr(import::Column::Updated, Expr::value(0_i64))
        .col_expr(import::Column::Skipped, Expr::value(0_i64))
        .col_expr(import::Column::Rejected, Expr::value(0_i64))
        .col_expr(import::Column::Error, Expr::value(Option::<String>::None))
        .col_expr(import::Column::UpdatedAt, Expr::value(Utc::now()));
    if phase == Phase::Run {
        update = update
            .col_expr(import::Column::Status, Expr::value(ImportStatus::Running.as_str()))
            .col_expr(import::Column::StartedAt, Expr::value(Utc::now()));
    }
    update.filter(import::Column::Id.eq(current.id)).exec(&txn).await?;
    job::Entity::update_many()
        .col_expr(job::Column::Total, Expr::value(total))
        .filter(job::Column::Id.eq(job_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Adds a batch's counts and refused rows to the import and moves its resume point.
async fn save_progress(conn: &impl ConnectionTrait, id: Uuid, tally: Tally) -> Result<(), AppError> {
    let add = |column: import::Column, n: i64| (column, Expr::col(column).add(n));
    let mut update = import::Entity::update_many();
    for (column, expr) in [
        add(import::Column::Created, tally.created),
        add(import::Column::Updated, tally.updated),
        add(import::Column::Skipped, tally.skipped),
        add(import::Column::Rejected, tally.rejected),
    ] {
        update = update.col_expr(column, expr);
    }
    update
        .col_expr(import::Column::RowsDone, Expr::value(tally.last_row))
        .col_expr(import::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(import::Column::Id.eq(id))
        .exec(conn)
        .await?;
    for part in tally.errors.chunks(200) {
        import_error::Entity::insert_many(part.to_vec()).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Undoes an import a batch of changeset entries at a time, last row first.
async fn revert(
    db: &DatabaseConnection,
    job_id: Uuid,
    import_id: Uuid,
    worker: &str,
    opts: &RunOptions,
) -> Result<RunEnd, AppError> {
    let current = import::Entity::find_by_id(import_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound { entity: "import" })?;
    let scope = Scope::system(current.workspace_id);
    let fields = crate::customers::profile::definitions(db, current.workspace_id).await?;
    let mut batches = 0;
    if super::kind_of(&current) != ImportKind::Customers {
        match Box::pin(revert_records(db, job_id, &current, worker, opts, &mut batches)).await? {
            RunEnd::Finished => {}
            other => return Ok(other),
        }
    }
    loop {
        if opts.stop_after_batches.is_some_and(|n| batches >= n) {
            return Ok(RunEnd::Stopped);
        }
        // Last row first: a customer's later state is undone before its earlier one.
        let entries = import_change::Entity::find()
            .filter(import_change::Column::ImportId.eq(import_id))
            .filter(import_change::Column::Revert.is_null())
            .order_by_desc(import_change::Column::RowNumber)
            .limit(u64::try_from(opts.batch_size.max(1)).unwrap_or(500))
            .all(db)
            .await?;
        if entries.is_empty() {
            break;
        }
        let txn = crate::db::begin_write(db).await?;
        let refused = Box::pin(undo_batch(&txn, &scope, import_id, &entries, &fields)).await?;
        let processed = i64::try_from(entries.len()).unwrap_or(0);
        if !crate::jobs::renew(&txn, job_id, worker, processed).await? {
            txn.rollback().await?;
            return Ok(RunEnd::Busy);
        }
        import::Entity::update_many()
            .col_expr(import::Column::RowsDone, Expr::col(import::Column::RowsDone).add(processed))
            .col_expr(import::Column::RevertRefused, Expr::col(import::Column::RevertRefused).add(refused))
            .col_expr(import::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(import::Column::Id.eq(import_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        batches += 1;
    }
    let txn = crate::db::begin_write(db).await?;
    // Counted from what was kept, so a revert resumed after a crash counts each refusal once.
    let refused = super::error_count(&txn, import_id, Phase::Revert).await?;
    import::Entity::update_many()
        .col_expr(import::Column::RevertRefused, Expr::value(i64::try_from(refused).unwrap_or(i64::MAX)))
        .filter(import::Column::Id.eq(import_id))
        .exec(&txn)
        .await?;
    set_status(&txn, import_id, ImportStatus::Reverted, None).await?;
    txn.commit().await?;
    Ok(RunEnd::Finished)
}

/// A purchases or interactions import's revert, first step: what it recorded goes, a batch at a
/// time (the customers it created then have none of it, and go with the changeset).
async fn revert_records(
    db: &DatabaseConnection,
    job_id: Uuid,
    current: &import::Model,
    worker: &str,
    opts: &RunOptions,
    batches: &mut usize,
) -> Result<RunEnd, AppError> {
    let scope = Scope::system(current.workspace_id);
    let limit = u64::try_from(opts.batch_size.max(1)).unwrap_or(500);
    // Refused purchases stay; the cursor moves past them.
    let mut after = None;
    loop {
        if opts.stop_after_batches.is_some_and(|n| *batches >= n) {
            return Ok(RunEnd::Stopped);
        }
        let txn = crate::db::begin_write(db).await?;
        let (last, deleted, refused) = if super::kind_of(current) == ImportKind::Interactions {
            let (last, deleted) = interactions::delete_batch(&txn, &scope, current.id, after, limit).await?;
            (last, deleted, Vec::new())
        } else {
            Box::pin(purchases::delete_batch(&txn, &scope, current.id, after, limit)).await?
        };
        let Some(last) = last else {
            txn.rollback().await?;
            return Ok(RunEnd::Finished);
        };
        after = Some(last);
        let refused_count = i64::try_from(refused.len()).unwrap_or(0);
        let errors: Vec<import_error::ActiveModel> = refused
            .into_iter()
            .map(|(row, customer_id, message)| import_error::ActiveModel {
                import_id: Set(current.id),
                phase: Set(Phase::Revert.as_str().to_owned()),
                row_number: Set(row),
                column: Set(None),
                code: Set("CONFLICT".to_owned()),
                message: Set(message),
                reason: Set(None),
                cells: Set("[]".to_owned()),
                customer_id: Set(Some(customer_id)),
            })
            .collect();
        insert_revert_errors(&txn, errors).await?;
        let processed = deleted + refused_count;
        if !crate::jobs::renew(&txn, job_id, worker, processed).await? {
            txn.rollback().await?;
            return Ok(RunEnd::Busy);
        }
        import::Entity::update_many()
            .col_expr(import::Column::RowsDone, Expr::col(import::Column::RowsDone).add(processed))
            .col_expr(
                import::Column::RevertRefused,
                Expr::col(import::Column::RevertRefused).add(refused_count),
            )
            .col_expr(import::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(import::Column::Id.eq(current.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        *batches += 1;
    }
}

/// Keeps what a revert left alone. A row is named once: a purchase refused and the customer
/// its row created (refused because of that purchase) share a row, and a resumed revert looks
/// at refused purchases again.
async fn insert_revert_errors(
    conn: &impl ConnectionTrait,
    errors: Vec<import_error::ActiveModel>,
) -> Result<(), AppError> {
    for part in errors.chunks(200) {
        import_error::Entity::insert_many(part.to_vec())
            .on_conflict_do_nothing_on([
                import_error::Column::ImportId,
                import_error::Column::Phase,
                import_error::Column::RowNumber,
            ])
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Why an entry cannot be undone (`None`: it can). `bought`: the customer has purchases or
/// interactions (other than the ones this import recorded, which its revert deleted first).
fn refusal(entry: &import_change::Model, found: Option<&customer::Model>, bought: bool) -> Option<String> {
    let Some(found) = found else { return Some("the customer no longer exists".to_owned()) };
    if found.erased_at.is_some() {
        return Some("the customer's data was erased since the import".to_owned());
    }
    if found.merged_into.is_some() {
        return Some("the customer was merged into another since the import".to_owned());
    }
    if found.version != entry.version_after {
        return Some(format!(
            "changed since the import (version {} then, {} now); revert it by hand",
            entry.version_after, found.version
        ));
    }
    if entry.action == RowAction::Created.as_str() && bought {
        return Some("has purchases or interactions recorded since the import".to_owned());
    }
    None
}

/// Undoes a batch of changeset entries inside `txn`: customers the import created (and nobody
/// touched since) are deleted together; customers it updated are put back one by one; the
/// others are listed as refused. Returns how many were refused.
async fn undo_batch(
    txn: &sea_orm::DatabaseTransaction,
    scope: &Scope,
    import_id: Uuid,
    entries: &[import_change::Model],
    fields: &[crate::entities::custom_field::Model],
) -> Result<i64, AppError> {
    let ids: Vec<Uuid> = entries.iter().map(|e| e.customer_id).collect();
    let found: HashMap<Uuid, customer::Model> = customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(customer::Column::Id.is_in(ids.clone()))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut bought: HashSet<Uuid> = transaction::Entity::find()
        .select_only()
        .column(transaction::Column::CustomerId)
        .filter(transaction::Column::CustomerId.is_in(ids.clone()))
        .filter(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()))
        .into_tuple::<Uuid>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    bought.extend(
        crate::entities::interaction::Entity::find()
            .select_only()
            .column(crate::entities::interaction::Column::CustomerId)
            .filter(crate::entities::interaction::Column::CustomerId.is_in(ids))
            .into_tuple::<Uuid>()
            .all(txn)
            .await?,
    );
    let mut deleted: Vec<&customer::Model> = Vec::new();
    let mut reverted: Vec<Uuid> = Vec::new();
    let mut refused: Vec<Uuid> = Vec::new();
    let mut errors = Vec::new();
    for entry in entries {
        let current = found.get(&entry.customer_id);
        match (refusal(entry, current, bought.contains(&entry.customer_id)), current) {
            (None, Some(current)) if entry.action == RowAction::Created.as_str() => deleted.push(current),
            (None, Some(current)) => {
                Box::pin(undo(txn, scope, entry, current, fields)).await?;
                reverted.push(entry.customer_id);
            }
            (why, _) => {
                refused.push(entry.customer_id);
                errors.push(import_error::ActiveModel {
                    import_id: Set(import_id),
                    phase: Set(Phase::Revert.as_str().to_owned()),
                    row_number: Set(entry.row_number),
                    column: Set(None),
                    code: Set("CONFLICT".to_owned()),
                    message: Set(why.unwrap_or_default()),
                    reason: Set(None),
                    cells: Set("[]".to_owned()),
                    customer_id: Set(Some(entry.customer_id)),
                });
            }
        }
    }
    let refused_count = i64::try_from(refused.len()).unwrap_or(0);
    delete_created(txn, scope, import_id, &deleted).await?;
    reverted.extend(deleted.iter().map(|c| c.id));
    insert_revert_errors(txn, errors).await?;
    for (state, ids) in [("reverted", reverted), ("refused", refused)] {
        if ids.is_empty() {
            continue;
        }
        import_change::Entity::update_many()
            .col_expr(import_change::Column::Revert, Expr::value(state))
            .filter(import_change::Column::ImportId.eq(import_id))
            .filter(import_change::Column::CustomerId.is_in(ids))
            .exec(txn)
            .await?;
    }
    Ok(refused_count)
}

/// Deletes customers the import created, together: their member numbers are freed for a later
/// import, and each deletion is a change in the feed.
async fn delete_created(
    txn: &sea_orm::DatabaseTransaction,
    scope: &Scope,
    import_id: Uuid,
    customers: &[&customer::Model],
) -> Result<(), AppError> {
    if customers.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = customers.iter().map(|c| c.id).collect();
    let now = Utc::now();
    customer::Entity::update_many()
        .col_expr(customer::Column::DeletedAt, Expr::value(now))
        .col_expr(customer::Column::Version, Expr::col(customer::Column::Version).add(1))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now))
        .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(customer::Column::Id.is_in(ids.clone()))
        .exec(txn)
        .await?;
    channel_identity::Entity::delete_many()
        .filter(channel_identity::Column::CustomerId.is_in(ids))
        .exec(txn)
        .await?;
    let changes = customers
        .iter()
        .map(|c| {
            Change::new(scope.workspace_id, Kind::CustomerDeleted, c.id)
                .with(json!({ "version": c.version + 1, "importId": import_id }))
        })
        .collect();
    changes::record(txn, changes).await?;
    Ok(())
}

/// Undoes one update of the changeset: the customer gets its earlier values back.
async fn undo(
    txn: &sea_orm::DatabaseTransaction,
    scope: &Scope,
    entry: &import_change::Model,
    found: &customer::Model,
    fields: &[crate::entities::custom_field::Model],
) -> Result<(), AppError> {
    let before: Before = entry
        .before
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(AppError::internal)?
        .unwrap_or_default();
    if let Some((channel, external_id)) = &before.identity {
        channel_identity::Entity::delete_many()
            .filter(channel_identity::Column::CustomerId.eq(found.id))
            .filter(channel_identity::Column::Channel.eq(channel))
            .filter(channel_identity::Column::ExternalId.eq(external_id))
            .exec(txn)
            .await?;
    }
    let patch = before.restore(fields);
    let mut names: Vec<&str> = Vec::new();
    for (set, name) in [
        (patch.name.is_some(), "name"),
        (patch.gender.is_some(), "gender"),
        (patch.birthday.is_some(), "birthday"),
        (patch.address.is_some(), "address"),
        (patch.company.is_some(), "company"),
        (patch.job_title.is_some(), "jobTitle"),
        (patch.notes.is_some(), "notes"),
        (patch.phones.is_some(), "phones"),
        (patch.emails.is_some(), "emails"),
        (patch.tags.is_some(), "tags"),
        (patch.custom_fields.is_some(), "customFields"),
        (before.identity.is_some(), "identities"),
    ] {
        if set {
            names.push(name);
        }
    }
    rows::write_patch(txn, scope, found, &patch, &names).await?;
    Ok(())
}
