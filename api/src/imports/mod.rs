//! Customer imports from CSV (issue 17, ARCHITECTURE.md section 11).
//!
//! A file is uploaded over HTTP (`POST /api/imports`, streamed to the data dir), sniffed for its
//! encoding and delimiter, and described by its header row with suggested targets. The caller
//! maps columns and picks a mode; a dry run (`checkImport`) reads the whole file through the
//! same code as the real run inside transactions it rolls back, so its counts, per-row errors
//! and preview are what the run will do. `startImport` runs it as a job: batches of rows commit
//! with the job's progress, so a run killed mid-file resumes after the last committed row and
//! neither loses nor doubles one. Every customer created or changed is kept in the import's
//! changeset; `revertImport` (within 30 days) deletes what it created and restores what it
//! changed, refusing (and listing) customers changed since.

pub mod file;
pub mod graphql;
pub mod http;
pub mod interactions;
pub mod presets;
pub mod purchases;
pub mod rows;
pub mod run;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use starcrm_shared::Permission;
use starcrm_shared::customer::Channel;
use starcrm_shared::imports::{ImportKind, ImportMode, ImportStatus};
use starcrm_shared::rating::JobStatus;
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::entities::{import, import_change, import_error, job};
use crate::error::AppError;
use crate::wake::Wake;

pub use rows::Column;

/// The job kind of an import phase in the `jobs` table.
pub const JOB_KIND: &str = "import";

/// How long after it finished an import can be reverted.
pub const REVERT_DAYS: i64 = 30;

/// Largest file accepted.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Rings when an import phase is queued.
pub static QUEUED: Wake = Wake::new();

/// Where uploaded files live.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("imports")
}

/// The stored file of an import.
pub fn path_of(data_dir: &Path, id: Uuid) -> PathBuf {
    dir(data_dir).join(format!("{id}.csv"))
}

/// A phase of an import as its job runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// The dry run.
    Check,
    Run,
    Revert,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Check => "check",
            Phase::Run => "run",
            Phase::Revert => "revert",
        }
    }
}

/// What a phase's job carries.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobParams {
    pub import_id: Uuid,
    pub phase: Phase,
}

/// How an import is to run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `None`: the stored mapping, or the suggested one when `kind` changes.
    pub mapping: Option<Vec<Column>>,
    pub mode: ImportMode,
    pub channel: Channel,
    /// `None`: as stored.
    pub kind: Option<ImportKind>,
}

/// Registers a file already written to `path_of(data_dir, id)`: sniffs it and stores the
/// import. Needs `data:import`.
///
/// # Errors
/// `BAD_USER_INPUT` on `file` when it is not a readable CSV with a header row.
pub async fn register(
    db: &DatabaseConnection,
    data_dir: &Path,
    scope: &Scope,
    id: Uuid,
    file_name: &str,
    bytes: u64,
    kind: Option<ImportKind>,
) -> Result<import::Model, AppError> {
    scope.require(Permission::DataImport)?;
    let path = path_of(data_dir, id);
    let sniffed = match tokio::task::spawn_blocking(move || file::sniff(&path)).await {
        Ok(Ok(sniffed)) => sniffed,
        Ok(Err(err)) => {
            discard(data_dir, id).await;
            return Err(AppError::bad_input("file", format!("cannot be read as CSV: {err}")));
        }
        Err(err) => {
            discard(data_dir, id).await;
            return Err(AppError::internal(err));
        }
    };
    let now = Utc::now();
    let headers: Vec<String> = sniffed.headers.clone();
    // A saved preset that fits the header row maps the file (and, when the uploader did not say,
    // tells what it holds); otherwise the headers suggest.
    let guessed = kind.unwrap_or_else(|| starcrm_shared::imports::guess_kind(&headers));
    let kinds: Vec<ImportKind> = match kind {
        Some(kind) => vec![kind],
        None => std::iter::once(guessed)
            .chain(ImportKind::ALL.iter().copied().filter(|k| *k != guessed))
            .collect(),
    };
    let fields = crate::customers::profile::definitions(db, scope.workspace_id).await?;
    let mut fitted = None;
    for candidate in kinds {
        let suggested = suggested_mapping(db, scope.workspace_id, &headers, candidate).await?;
        if let Some(found) =
            presets::fit(db, scope.workspace_id, candidate, &headers, &suggested, &fields).await?
        {
            fitted = Some((candidate, found));
            break;
        }
    }
    let (kind, mapping, mode, channel, preset_name) = if let Some((kind, found)) = fitted {
        (kind, found.mapping, found.mode, found.channel, Some(found.name))
    } else {
        let mapping = suggested_mapping(db, scope.workspace_id, &headers, guessed).await?;
        (guessed, mapping, ImportMode::Upsert, Channel::Other, None)
    };
    let name: String = file_name.chars().filter(|c| !c.is_control()).take(200).collect();
    let model = import::ActiveModel {
        id: Set(id),
        workspace_id: Set(scope.workspace_id),
        status: Set(ImportStatus::Uploaded.as_str().to_owned()),
        kind: Set(kind.as_str().to_owned()),
        file_name: Set(if name.trim().is_empty() { "import.csv".to_owned() } else { name }),
        file_bytes: Set(i64::try_from(bytes).unwrap_or(i64::MAX)),
        encoding: Set(sniffed.encoding.as_str().to_owned()),
        delimiter: Set(char::from(sniffed.delimiter).to_string()),
        headers: Set(serde_json::to_string(&headers).map_err(AppError::internal)?),
        mapping: Set(Some(serde_json::to_string(&mapping).map_err(AppError::internal)?)),
        mode: Set(mode.as_str().to_owned()),
        channel: Set(channel.as_str().to_owned()),
        preset_name: Set(preset_name),
        checked: Set(false),
        total_rows: Set(0),
        rows_done: Set(0),
        created: Set(0),
        updated: Set(0),
        skipped: Set(0),
        rejected: Set(0),
        revert_refused: Set(0),
        preview: Set(Some(serde_json::json!({ "sample": sniffed.sample }).to_string())),
        error: Set(None),
        created_by: Set(scope.user_id()),
        created_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
        reverted_at: Set(None),
        updated_at: Set(now),
    };
    let txn = crate::db::begin_write(db).await?;
    let created = model.insert(&txn).await?;
    audit::record(
        &txn,
        scope,
        Entry::new("import.upload", "import", id)
            .changes(serde_json::json!({ "fileName": created.file_name, "bytes": bytes })),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// The mapping suggested for a file of `kind` from its header row.
///
/// # Errors
/// Database failures.
pub async fn suggested_mapping(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    headers: &[String],
    kind: ImportKind,
) -> Result<Vec<Column>, AppError> {
    let fields = crate::customers::profile::definitions(conn, workspace_id).await?;
    let custom: Vec<(String, String)> = fields.iter().map(|f| (f.key.clone(), f.label.clone())).collect();
    Ok(starcrm_shared::imports::suggest_all(headers, &custom, kind)
        .into_iter()
        .map(|t| Column { target: t.map(|t| t.as_str()), keep: false })
        .collect())
}

/// Purchases and interactions are written as `recordTransaction` and `recordInteraction` write
/// them: importing or reverting them needs `transactions:write` besides `data:import`.
fn require_for(scope: &Scope, kind: ImportKind) -> Result<(), AppError> {
    if kind != ImportKind::Customers {
        scope.require(Permission::TransactionsWrite)?;
    }
    Ok(())
}

/// What an import's file holds.
pub fn kind_of(model: &import::Model) -> ImportKind {
    ImportKind::parse(&model.kind).unwrap_or(ImportKind::Customers)
}

/// Removes a stored file (an upload that was refused, an import past its revert window).
pub async fn discard(data_dir: &Path, id: Uuid) {
    let _ = tokio::fs::remove_file(path_of(data_dir, id)).await;
}

/// One import of the caller's workspace. Needs `data:import`.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND` (also for another workspace's import).
pub async fn get(conn: &impl ConnectionTrait, scope: &Scope, id: Uuid) -> Result<import::Model, AppError> {
    scope.require(Permission::DataImport)?;
    import::Entity::find_by_id(id)
        .filter(import::Column::WorkspaceId.eq(scope.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "import" })
}

/// The workspace's imports, newest first. Needs `data:import`.
///
/// # Errors
/// `FORBIDDEN`.
pub async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    first: u64,
) -> Result<Vec<import::Model>, AppError> {
    scope.require(Permission::DataImport)?;
    Ok(import::Entity::find()
        .filter(import::Column::WorkspaceId.eq(scope.workspace_id))
        .order_by_desc(import::Column::CreatedAt)
        .limit(first.clamp(1, 100))
        .all(db)
        .await?)
}

/// Rows refused in `phase`, in file order.
///
/// # Errors
/// Database failures.
pub async fn errors(
    conn: &impl ConnectionTrait,
    import_id: Uuid,
    phase: Phase,
    first: u64,
    after_row: i64,
) -> Result<Vec<import_error::Model>, AppError> {
    Ok(import_error::Entity::find()
        .filter(import_error::Column::ImportId.eq(import_id))
        .filter(import_error::Column::Phase.eq(phase.as_str()))
        .filter(import_error::Column::RowNumber.gt(after_row))
        .order_by_asc(import_error::Column::RowNumber)
        .limit(first)
        .all(conn)
        .await?)
}

/// How many rows `phase` refused.
///
/// # Errors
/// Database failures.
pub async fn error_count(
    conn: &impl ConnectionTrait,
    import_id: Uuid,
    phase: Phase,
) -> Result<u64, AppError> {
    Ok(import_error::Entity::find()
        .filter(import_error::Column::ImportId.eq(import_id))
        .filter(import_error::Column::Phase.eq(phase.as_str()))
        .count(conn)
        .await?)
}

/// The column mapping stored on an import.
pub fn mapping_of(model: &import::Model) -> Vec<Column> {
    model.mapping.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default()
}

/// The header row stored on an import.
pub fn headers_of(model: &import::Model) -> Vec<String> {
    serde_json::from_str(&model.headers).unwrap_or_default()
}

fn status_of(model: &import::Model) -> Result<ImportStatus, AppError> {
    ImportStatus::parse(&model.status)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown import status {}", model.status)))
}

/// Stores the settings and queues a dry run (`Phase::Check`) or the import (`Phase::Run`).
/// Needs `data:import`.
///
/// # Errors
/// `BAD_USER_INPUT` for a mapping that does not fit; `CONFLICT` when the import already ran or
/// another import of the workspace is in progress.
pub async fn queue(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    settings: Option<Settings>,
    phase: Phase,
) -> Result<import::Model, AppError> {
    scope.require(Permission::DataImport)?;
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, scope, id).await?;
    let status = status_of(&current)?;
    if !matches!(status, ImportStatus::Uploaded | ImportStatus::Checked) {
        return Err(AppError::conflict(match status {
            ImportStatus::Checking | ImportStatus::Queued | ImportStatus::Running => {
                "the import is already in progress"
            }
            _ => "the import already ran; upload the file again to import it once more",
        }));
    }
    let mut model: import::ActiveModel = current.clone().into();
    let written_kind = settings.as_ref().and_then(|s| s.kind).unwrap_or_else(|| kind_of(&current));
    require_for(scope, written_kind)?;
    let fields = crate::customers::profile::definitions(&txn, scope.workspace_id).await?;
    let headers = headers_of(&current);
    let settings_changed = if let Some(settings) = settings {
        let kind = settings.kind.unwrap_or_else(|| kind_of(&current));
        let mapping = match settings.mapping {
            Some(mapping) => mapping,
            None if kind != kind_of(&current) => {
                suggested_mapping(&txn, scope.workspace_id, &headers, kind).await?
            }
            None => mapping_of(&current),
        };
        rows::Plan::new(&headers, &mapping, settings.mode, settings.channel, kind, fields)?;
        let mapping = serde_json::to_string(&mapping).map_err(AppError::internal)?;
        let changed = current.mapping.as_deref() != Some(mapping.as_str())
            || current.mode != settings.mode.as_str()
            || current.channel != settings.channel.as_str()
            || current.kind != kind.as_str();
        model.mapping = Set(Some(mapping));
        model.mode = Set(settings.mode.as_str().to_owned());
        model.channel = Set(settings.channel.as_str().to_owned());
        model.kind = Set(kind.as_str().to_owned());
        changed
    } else {
        let mode = ImportMode::parse(&current.mode).unwrap_or(ImportMode::Upsert);
        let channel = Channel::parse(&current.channel).unwrap_or(Channel::Other);
        rows::Plan::new(&headers, &mapping_of(&current), mode, channel, kind_of(&current), fields)?;
        false
    };
    let next = match phase {
        Phase::Check => ImportStatus::Checking,
        Phase::Run => ImportStatus::Queued,
        Phase::Revert => return Err(AppError::internal(anyhow::anyhow!("revert is queued by revert()"))),
    };
    model.status = Set(next.as_str().to_owned());
    if phase == Phase::Check || settings_changed {
        model.checked = Set(false);
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    enqueue(&txn, scope, id, phase).await?;
    if phase == Phase::Run {
        audit::record(
            &txn,
            scope,
            Entry::new("import.start", "import", id).changes(serde_json::json!({
                "fileName": updated.file_name, "mode": updated.mode, "checked": updated.checked,
            })),
        )
        .await?;
    }
    txn.commit().await?;
    QUEUED.ring();
    Ok(updated)
}

async fn enqueue(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    import_id: Uuid,
    phase: Phase,
) -> Result<(), AppError> {
    let open = job::Entity::find()
        .filter(job::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(job::Column::Kind.eq(JOB_KIND))
        .filter(job::Column::Status.is_in([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]))
        .one(conn)
        .await?;
    if open.is_some() {
        return Err(AppError::conflict(
            "another import of this workspace is in progress; start this one when it has finished",
        ));
    }
    let params = serde_json::to_string(&JobParams { import_id, phase }).map_err(AppError::internal)?;
    crate::jobs::queued(scope, JOB_KIND, "manual", Some(params)).insert(conn).await.map_err(|e| {
        AppError::unique_or_internal(e, "id", "another import of this workspace is in progress")
    })?;
    Ok(())
}

/// Until when a finished import can be reverted.
pub fn revertible_until(model: &import::Model) -> Option<DateTime<Utc>> {
    let finished = model.finished_at?;
    matches!(ImportStatus::parse(&model.status), Some(ImportStatus::Succeeded | ImportStatus::Failed))
        .then(|| finished + Duration::days(REVERT_DAYS))
}

/// Queues the revert of a finished import. Needs `data:import`.
///
/// # Errors
/// `CONFLICT` when the import has not finished, was reverted, or is past its 30 days.
pub async fn revert(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> Result<import::Model, AppError> {
    scope.require(Permission::DataImport)?;
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, scope, id).await?;
    require_for(scope, kind_of(&current))?;
    let Some(until) = revertible_until(&current) else {
        return Err(AppError::conflict(match status_of(&current)? {
            ImportStatus::Reverting | ImportStatus::Reverted => "the import was reverted already",
            _ => "only a finished import can be reverted",
        }));
    };
    if until < Utc::now() {
        return Err(AppError::conflict(format!(
            "imports can be reverted for {REVERT_DAYS} days; this one no longer"
        )));
    }
    let mut model: import::ActiveModel = current.into();
    model.status = Set(ImportStatus::Reverting.as_str().to_owned());
    model.rows_done = Set(0);
    model.revert_refused = Set(0);
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    enqueue(&txn, scope, id, Phase::Revert).await?;
    audit::record(&txn, scope, Entry::new("import.revert", "import", id)).await?;
    txn.commit().await?;
    QUEUED.ring();
    Ok(updated)
}

/// Erasure: what imports kept of these customers goes (the snapshots a revert would restore,
/// the rows a revert refused). A revert then leaves them alone.
///
/// # Errors
/// Database failures.
pub async fn forget_customers(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), AppError> {
    for part in ids.chunks(500) {
        import_change::Entity::delete_many()
            .filter(import_change::Column::CustomerId.is_in(part.to_vec()))
            .exec(conn)
            .await?;
        import_error::Entity::delete_many()
            .filter(import_error::Column::CustomerId.is_in(part.to_vec()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// After the revert window, an import keeps only its counts: its file, preview, refused rows
/// (with their cells) and changeset go. Files of imports never run go after the same time.
///
/// # Errors
/// Database failures.
pub async fn prune(db: &DatabaseConnection, data_dir: &Path, now: DateTime<Utc>) -> Result<u64, AppError> {
    let cutoff = now - Duration::days(REVERT_DAYS);
    let old: Vec<Uuid> = import::Entity::find()
        .select_only()
        .column(import::Column::Id)
        .filter(import::Column::CreatedAt.lt(cutoff))
        .filter(import::Column::Preview.is_not_null())
        .filter(import::Column::Status.is_not_in([
            ImportStatus::Checking.as_str(),
            ImportStatus::Queued.as_str(),
            ImportStatus::Running.as_str(),
            ImportStatus::Reverting.as_str(),
        ]))
        .into_tuple()
        .all(db)
        .await?;
    for id in &old {
        let txn = crate::db::begin_write(db).await?;
        import_error::Entity::delete_many().filter(import_error::Column::ImportId.eq(*id)).exec(&txn).await?;
        import_change::Entity::delete_many()
            .filter(import_change::Column::ImportId.eq(*id))
            .exec(&txn)
            .await?;
        import::Entity::update_many()
            .col_expr(import::Column::Preview, Expr::value(Option::<String>::None))
            .filter(import::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        discard(data_dir, *id).await;
    }
    Ok(old.len() as u64)
}

/// Moves the import's status (and its timestamps) as a phase starts or ends.
pub(crate) async fn set_status(
    conn: &impl ConnectionTrait,
    id: Uuid,
    status: ImportStatus,
    error: Option<String>,
) -> Result<(), AppError> {
    let now = Utc::now();
    let mut update = import::Entity::update_many()
        .col_expr(import::Column::Status, Expr::value(status.as_str()))
        .col_expr(import::Column::UpdatedAt, Expr::value(now));
    match status {
        ImportStatus::Running => update = update.col_expr(import::Column::StartedAt, Expr::value(now)),
        ImportStatus::Succeeded | ImportStatus::Failed => {
            update = update
                .col_expr(import::Column::FinishedAt, Expr::value(now))
                .col_expr(import::Column::Error, Expr::value(error));
        }
        ImportStatus::Checked => update = update.col_expr(import::Column::Checked, Expr::value(true)),
        ImportStatus::Uploaded => update = update.col_expr(import::Column::Error, Expr::value(error)),
        ImportStatus::Reverted => update = update.col_expr(import::Column::RevertedAt, Expr::value(now)),
        _ => {}
    }
    update.filter(import::Column::Id.eq(id)).exec(conn).await?;
    Ok(())
}

/// The import worker of a server: runs queued phases as they are queued, and phases whose
/// runner died once their lease lapses.
#[derive(Debug)]
pub struct Imports {
    data_dir: PathBuf,
}

impl Imports {
    pub fn new(data_dir: &Path) -> Arc<Self> {
        Arc::new(Self { data_dir: data_dir.to_owned() })
    }

    /// Runs every runnable phase once (tests drive the worker with this).
    ///
    /// # Errors
    /// Database failures.
    pub async fn run_once(&self, db: &DatabaseConnection, opts: &run::RunOptions) -> Result<usize, AppError> {
        let now = opts.now.unwrap_or_else(Utc::now);
        prune(db, &self.data_dir, now).await?;
        let mut ran = 0;
        for job in crate::jobs::runnable(db, JOB_KIND, now).await? {
            if run::run(db, &self.data_dir, &job, &crate::ratings::scheduler::worker_name(), opts).await?
                != run::RunEnd::Busy
            {
                ran += 1;
            }
        }
        Ok(ran)
    }

    /// Starts the worker on the current runtime.
    pub fn spawn_worker(self: &Arc<Self>, db: DatabaseConnection) {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let mut queued = QUEUED.subscribe();
            loop {
                if let Err(err) = this.run_once(&db, &run::RunOptions::default()).await {
                    tracing::error!(error = %err, "import worker round failed");
                }
                // A queued phase starts at once; a dead runner's is picked up within a lease.
                let _ = tokio::time::timeout(std::time::Duration::from_secs(15), queued.changed()).await;
            }
        });
    }
}
