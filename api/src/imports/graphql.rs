//! Imports over GraphQL: read an uploaded import (columns with suggested targets, counts,
//! progress, refused rows, preview), check it (dry run), start it, revert it, download its
//! refused rows, and follow its progress live (`importProgress`).

use std::time::Duration;

use async_graphql::{
    Context, Enum, ErrorExtensions, ID, InputObject, Json, Object, SimpleObject, Subscription,
};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use starcrm_shared::Permission;
use starcrm_shared::customer::Channel;
use starcrm_shared::imports::{ImportKind, ImportMode, ImportStatus, Target, suggest_all};

use super::{Column, Phase, Settings};
use crate::auth::ContextExt;
use crate::changes::subscription::Guard;
use crate::downloads::{self, Kind};
use crate::entities::import;
use crate::error::AppError;
use crate::exports::DownloadLink;
use crate::users::graphql::parse_id;

/// Which pass over the file refused a row.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ImportPhase {
    /// The dry run.
    Check,
    Run,
    Revert,
}

impl From<ImportPhase> for Phase {
    fn from(phase: ImportPhase) -> Self {
        match phase {
            ImportPhase::Check => Phase::Check,
            ImportPhase::Run => Phase::Run,
            ImportPhase::Revert => Phase::Revert,
        }
    }
}

/// A column of the file and what it fills.
#[derive(SimpleObject)]
pub struct ImportColumn {
    pub index: i32,
    pub header: String,
    /// What the column fills (`name`, `phone`, `email`, `memberNo`, ..., `custom:<key>`);
    /// null: left out.
    pub target: Option<String>,
    /// Where a customer already has a value, it stays.
    pub keep: bool,
    /// What the header suggests.
    pub suggested: Option<String>,
    /// The column's first values.
    pub sample: Vec<String>,
}

/// A row an import refused.
#[derive(SimpleObject)]
pub struct ImportRowError {
    /// As a spreadsheet numbers it (the header is row 1).
    pub row: i64,
    /// The header of the column at fault; null: the whole row.
    pub column: Option<String>,
    pub code: String,
    pub message: String,
    /// For a value a rule refused: the rule (`"PHONE"`, `{"TOO_LONG": {"max": 100}}`), which
    /// clients word in their reader's language.
    pub reason: Option<Json<Value>>,
    /// The row's cells as read.
    pub cells: Vec<String>,
    /// For a revert: the customer left alone.
    pub customer_id: Option<ID>,
}

/// An uploaded file on its way in.
pub struct Import(pub import::Model);

impl Import {
    fn status_value(&self) -> ImportStatus {
        ImportStatus::parse(&self.0.status).unwrap_or(ImportStatus::Failed)
    }

    fn preview_json(&self) -> Value {
        self.0.preview.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or(json!({}))
    }

    fn processed(&self) -> i64 {
        self.0.created + self.0.updated + self.0.skipped + self.0.rejected
    }
}

#[Object]
impl Import {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn file_name(&self) -> &str {
        &self.0.file_name
    }

    async fn file_bytes(&self) -> i64 {
        self.0.file_bytes
    }

    async fn status(&self) -> ImportStatus {
        self.status_value()
    }

    /// What the file holds: customers, purchases (one line per row) or interactions.
    async fn kind(&self) -> ImportKind {
        super::kind_of(&self.0)
    }

    /// The saved preset that mapped the file when it was uploaded, if one fitted its header row.
    async fn preset_name(&self) -> Option<&str> {
        self.0.preset_name.as_deref()
    }

    /// `utf-8`, `utf-16le`, `utf-16be` or `gb18030` (read as GBK's superset).
    async fn encoding(&self) -> &str {
        &self.0.encoding
    }

    async fn delimiter(&self) -> &str {
        &self.0.delimiter
    }

    async fn mode(&self) -> ImportMode {
        ImportMode::parse(&self.0.mode).unwrap_or(ImportMode::Upsert)
    }

    /// The channel member numbers belong to.
    async fn channel(&self) -> Channel {
        Channel::parse(&self.0.channel).unwrap_or(Channel::Other)
    }

    /// Whether a dry run checked the file with the mapping it now has.
    async fn checked(&self) -> bool {
        self.0.checked
    }

    async fn columns(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ImportColumn>> {
        let headers = super::headers_of(&self.0);
        let mapping = super::mapping_of(&self.0);
        let fields = crate::customers::profile::definitions(ctx.db()?, self.0.workspace_id)
            .await
            .map_err(|e| e.extend())?;
        let custom: Vec<(String, String)> = fields.iter().map(|f| (f.key.clone(), f.label.clone())).collect();
        let suggested = suggest_all(&headers, &custom, super::kind_of(&self.0));
        let sample: Vec<Vec<String>> =
            serde_json::from_value(self.preview_json()["sample"].clone()).unwrap_or_default();
        Ok(headers
            .into_iter()
            .enumerate()
            .map(|(i, header)| {
                let column = mapping.get(i).cloned().unwrap_or_default();
                ImportColumn {
                    index: i32::try_from(i).unwrap_or(i32::MAX),
                    header,
                    target: column.target,
                    keep: column.keep,
                    suggested: suggested.get(i).cloned().flatten().map(|t| t.as_str()),
                    sample: sample.iter().map(|row| row.get(i).cloned().unwrap_or_default()).collect(),
                }
            })
            .collect())
    }

    /// Data rows in the file (known once a dry run or the run has started).
    async fn total_rows(&self) -> i64 {
        self.0.total_rows
    }

    /// Rows read so far by the current pass (for a revert: changeset entries undone).
    async fn processed_rows(&self) -> i64 {
        if self.status_value() == ImportStatus::Reverting || self.status_value() == ImportStatus::Reverted {
            self.0.rows_done
        } else {
            self.processed()
        }
    }

    /// Customers created (a dry run: that would be); for purchases, purchases recorded.
    async fn created(&self) -> i64 {
        self.0.created
    }

    /// Customers changed; for purchases, rows added as lines to a purchase recorded earlier in
    /// the same file.
    async fn updated(&self) -> i64 {
        self.0.updated
    }

    /// Rows the mode left alone, or with nothing new.
    async fn skipped(&self) -> i64 {
        self.0.skipped
    }

    /// Rows refused (see `errors`).
    async fn rejected(&self) -> i64 {
        self.0.rejected
    }

    /// Customers a revert left alone because they changed since the import.
    async fn revert_refused(&self) -> i64 {
        self.0.revert_refused
    }

    /// Rows per second of the run in progress (or of the last one).
    #[allow(clippy::cast_precision_loss, reason = "a rate for people to read")]
    async fn rows_per_second(&self) -> Option<f64> {
        let started = self.0.started_at?;
        let end = self.0.finished_at.unwrap_or(self.0.updated_at);
        let seconds = (end - started).num_milliseconds() as f64 / 1000.0;
        (seconds > 0.0 && self.status_value() != ImportStatus::Checking)
            .then(|| (self.processed() as f64 / seconds * 10.0).round() / 10.0)
    }

    /// Seconds left at the current speed, while running.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        reason = "an estimate for people to read"
    )]
    async fn eta_seconds(&self) -> Option<i64> {
        if self.status_value() != ImportStatus::Running {
            return None;
        }
        let started = self.0.started_at?;
        let elapsed = (Utc::now() - started).num_milliseconds() as f64 / 1000.0;
        let done = self.processed() as f64;
        (done > 0.0).then(|| ((self.0.total_rows as f64 - done).max(0.0) * elapsed / done).round() as i64)
    }

    /// After a dry run: the first rows as they would be stored (`row`, `action`, the values,
    /// `reason` for a skip or refusal).
    async fn preview(&self) -> Json<Value> {
        Json(self.preview_json()["rows"].clone())
    }

    /// Why the last pass failed.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }

    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }

    async fn reverted_at(&self) -> Option<DateTime<Utc>> {
        self.0.reverted_at
    }

    /// Until then `revertImport` undoes it.
    async fn revertible_until(&self) -> Option<DateTime<Utc>> {
        super::revertible_until(&self.0)
    }

    /// Rows a pass refused, in file order (`afterRow` pages on).
    async fn errors(
        &self,
        ctx: &Context<'_>,
        phase: ImportPhase,
        first: Option<i32>,
        after_row: Option<i64>,
    ) -> async_graphql::Result<Vec<ImportRowError>> {
        ctx.require(Permission::DataImport)?;
        let first = u64::try_from(first.unwrap_or(50).clamp(1, 500)).unwrap_or(50);
        let rows = super::errors(ctx.db()?, self.0.id, phase.into(), first, after_row.unwrap_or(0))
            .await
            .map_err(|e| e.extend())?;
        Ok(rows
            .into_iter()
            .map(|r| ImportRowError {
                row: r.row_number,
                column: r.column,
                code: r.code,
                message: r.message,
                reason: r.reason.as_deref().and_then(|j| serde_json::from_str(j).ok()).map(Json),
                cells: serde_json::from_str(&r.cells).unwrap_or_default(),
                customer_id: r.customer_id.map(|id| ID(id.to_string())),
            })
            .collect())
    }

    /// How many rows a pass refused.
    async fn error_count(&self, ctx: &Context<'_>, phase: ImportPhase) -> async_graphql::Result<i64> {
        ctx.require(Permission::DataImport)?;
        let n = super::error_count(ctx.db()?, self.0.id, phase.into()).await.map_err(|e| e.extend())?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// A column's target as the caller sets it.
#[derive(InputObject)]
pub struct ImportColumnInput {
    /// See `importTargets`; null or empty: leave the column out.
    pub target: Option<String>,
    /// Where a customer already has a value, keep it.
    #[graphql(default)]
    pub keep: bool,
}

/// How to run an import.
#[derive(InputObject)]
pub struct ImportSettingsInput {
    pub import_id: ID,
    /// One entry per column of the file, in order. Omitted: the stored (suggested) mapping.
    pub mapping: Option<Vec<ImportColumnInput>>,
    #[graphql(default_with = "ImportMode::Upsert")]
    pub mode: ImportMode,
    /// The channel member numbers belong to.
    #[graphql(default_with = "Channel::Other")]
    pub channel: Channel,
    /// What the file holds. Omitted: as uploaded (guessed from the header row unless given).
    /// Changing it without a mapping maps the columns as suggested for the new kind.
    pub kind: Option<ImportKind>,
}

impl ImportSettingsInput {
    fn settings(self) -> Settings {
        let mapping = self
            .mapping
            .map(|list| list.into_iter().map(|c| Column { target: c.target, keep: c.keep }).collect());
        Settings { mapping, mode: self.mode, channel: self.channel, kind: self.kind }
    }
}

/// A saved mapping: what each column of a file with these headers fills, the mode and channel.
pub struct ImportPreset(pub crate::entities::import_preset::Model);

/// A column a preset knows.
#[derive(SimpleObject)]
pub struct ImportPresetColumn {
    /// The header as matched (lower case, without spaces and brackets).
    pub header: String,
    /// Null: left out.
    pub target: Option<String>,
    pub keep: bool,
}

#[Object]
impl ImportPreset {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> ImportKind {
        ImportKind::parse(&self.0.kind).unwrap_or(ImportKind::Customers)
    }

    async fn mode(&self) -> ImportMode {
        ImportMode::parse(&self.0.mode).unwrap_or(ImportMode::Upsert)
    }

    async fn channel(&self) -> Channel {
        Channel::parse(&self.0.channel).unwrap_or(Channel::Other)
    }

    async fn columns(&self) -> Vec<ImportPresetColumn> {
        super::presets::columns_of(&self.0)
            .into_iter()
            .map(|c| ImportPresetColumn { header: c.header, target: c.target, keep: c.keep })
            .collect()
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A target a column can fill.
#[derive(SimpleObject)]
pub struct ImportTarget {
    /// `name`, `phone`, ..., `custom:<key>`.
    pub value: String,
    /// For custom fields: their label.
    pub label: Option<String>,
    /// Whether rows are matched to customers through it.
    pub identifies: bool,
}

#[derive(Default)]
pub struct ImportsQuery;

#[Object]
impl ImportsQuery {
    /// The workspace's imports, newest first. Needs `data:import`.
    async fn imports(&self, ctx: &Context<'_>, first: Option<i32>) -> async_graphql::Result<Vec<Import>> {
        let scope = ctx.require(Permission::DataImport)?;
        let first = u64::try_from(first.unwrap_or(20)).unwrap_or(20);
        Ok(super::list(ctx.db()?, scope, first)
            .await
            .map_err(|e| e.extend())?
            .into_iter()
            .map(Import)
            .collect())
    }

    /// One import; null when there is none in the workspace. Needs `data:import`.
    async fn import(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Import>> {
        let scope = ctx.require(Permission::DataImport)?;
        match super::get(ctx.db()?, scope, parse_id(&id, "id")?).await {
            Ok(found) => Ok(Some(Import(found))),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err.extend()),
        }
    }

    /// The workspace's saved mapping presets (of one kind, if given), by name. Needs
    /// `data:import`.
    async fn import_presets(
        &self,
        ctx: &Context<'_>,
        kind: Option<ImportKind>,
    ) -> async_graphql::Result<Vec<ImportPreset>> {
        let scope = ctx.require(Permission::DataImport)?;
        let found = super::presets::list(ctx.db()?, scope, kind).await.map_err(|e| e.extend())?;
        Ok(found.into_iter().map(ImportPreset).collect())
    }

    /// What columns of a file of `kind` can fill: for customers the built-in targets and the
    /// workspace's custom fields; for purchases the purchase, its line, and the customer's
    /// member number, phone, email and name.
    async fn import_targets(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "ImportKind::Customers")] kind: ImportKind,
    ) -> async_graphql::Result<Vec<ImportTarget>> {
        let scope = ctx.require(Permission::DataImport)?;
        let built_in: &[Target] = match kind {
            ImportKind::Customers => &Target::BUILT_IN,
            ImportKind::Transactions => &Target::TRANSACTION,
            ImportKind::Interactions => &Target::INTERACTION,
        };
        let mut out: Vec<ImportTarget> = built_in
            .iter()
            .chain((kind == ImportKind::Transactions).then_some(&Target::Name))
            .map(|t| ImportTarget { value: t.as_str(), label: None, identifies: t.identifies() })
            .collect();
        if kind != ImportKind::Customers {
            return Ok(out);
        }
        let fields = crate::customers::profile::definitions(ctx.db()?, scope.workspace_id)
            .await
            .map_err(|e| e.extend())?;
        out.extend(fields.into_iter().map(|f| ImportTarget {
            value: Target::Custom(f.key).as_str(),
            label: Some(f.label),
            identifies: false,
        }));
        Ok(out)
    }
}

#[derive(Default)]
pub struct ImportsMutation;

impl ImportsMutation {
    async fn queue(
        ctx: &Context<'_>,
        input: ImportSettingsInput,
        phase: Phase,
    ) -> async_graphql::Result<Import> {
        let scope = ctx.require(Permission::DataImport)?;
        let db = ctx.db()?;
        let id = parse_id(&input.import_id, "importId")?;
        let settings = input.settings();
        Ok(Import(super::queue(db, scope, id, Some(settings), phase).await.map_err(|e| e.extend())?))
    }
}

#[Object]
impl ImportsMutation {
    /// Saves the mapping and mode and reads the whole file as the import would, writing
    /// nothing: counts, refused rows with reasons, and a preview. Needs `data:import`.
    async fn check_import(
        &self,
        ctx: &Context<'_>,
        input: ImportSettingsInput,
    ) -> async_graphql::Result<Import> {
        Self::queue(ctx, input, Phase::Check).await
    }

    /// Saves the mapping and mode and runs the import as a job (follow it with
    /// `importProgress`). Needs `data:import`.
    async fn start_import(
        &self,
        ctx: &Context<'_>,
        input: ImportSettingsInput,
    ) -> async_graphql::Result<Import> {
        Self::queue(ctx, input, Phase::Run).await
    }

    /// Saves the settings (checked against the import's file; omitted parts as stored) as a
    /// preset named `name` of the file's kind, replacing one of that name: later uploads whose
    /// header row it fits are mapped by it. Needs `data:import`.
    async fn save_import_preset(
        &self,
        ctx: &Context<'_>,
        input: ImportSettingsInput,
        name: String,
    ) -> async_graphql::Result<ImportPreset> {
        let scope = ctx.require(Permission::DataImport)?;
        let db = ctx.db()?;
        let id = parse_id(&input.import_id, "importId")?;
        let txn = crate::db::begin_write(db).await.map_err(|e| AppError::from(e).extend())?;
        let saved =
            super::presets::save(&txn, scope, id, &name, input.settings()).await.map_err(|e| e.extend())?;
        txn.commit().await.map_err(|e| AppError::from(e).extend())?;
        Ok(ImportPreset(saved))
    }

    /// Deletes a saved preset. Needs `data:import`.
    async fn delete_import_preset(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let scope = ctx.require(Permission::DataImport)?;
        let db = ctx.db()?;
        let txn = crate::db::begin_write(db).await.map_err(|e| AppError::from(e).extend())?;
        super::presets::delete(&txn, scope, parse_id(&id, "id")?).await.map_err(|e| e.extend())?;
        txn.commit().await.map_err(|e| AppError::from(e).extend())?;
        Ok(true)
    }

    /// Undoes a finished import within 30 days: deletes the customers it created and puts
    /// back what it changed; customers changed since are left alone and listed
    /// (`errors(phase: REVERT)`). Needs `data:import`.
    async fn revert_import(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Import> {
        let scope = ctx.require(Permission::DataImport)?;
        Ok(Import(super::revert(ctx.db()?, scope, parse_id(&id, "id")?).await.map_err(|e| e.extend())?))
    }

    /// A link to the rows a pass refused, as CSV: the file's columns plus row, column and
    /// reason. Needs `data:import`; the link works for 15 minutes.
    async fn import_errors_download(
        &self,
        ctx: &Context<'_>,
        id: ID,
        phase: ImportPhase,
    ) -> async_graphql::Result<DownloadLink> {
        let scope = ctx.require(Permission::DataImport)?;
        let db = ctx.db()?;
        let found = super::get(db, scope, parse_id(&id, "id")?).await.map_err(|e| e.extend())?;
        let params = json!({ "importId": found.id, "phase": Phase::from(phase).as_str() });
        let link =
            downloads::create(db, scope, Kind::ImportErrors, &params, true).await.map_err(|e| e.extend())?;
        Ok(link.into())
    }
}

/// How often a progress subscription looks at its import.
const PROGRESS_POLL: Duration = Duration::from_millis(500);

#[derive(Default)]
pub struct ImportsSubscription;

#[Subscription]
impl ImportsSubscription {
    /// An import's progress: its state now, then again each time it moves (at least every
    /// batch of rows), ending after it reaches a resting state (checked, finished, failed,
    /// reverted). Needs `data:import`.
    async fn import_progress(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Import>> + use<>> {
        let guard = Guard::new(ctx, Permission::DataImport)?;
        let scope = ctx.require(Permission::DataImport)?;
        let found = super::get(ctx.db()?, scope, parse_id(&id, "id")?).await.map_err(|e| e.extend())?;
        let state = (guard, Some(found.id), None::<DateTime<Utc>>);
        Ok(futures_util::stream::unfold(state, |(mut guard, id, last_seen)| async move {
            let id = id?;
            loop {
                if let Err(err) = guard.recheck().await {
                    return Some((Err(err.extend()), (guard, None, last_seen)));
                }
                let row = match import::Entity::find_by_id(id).one(&guard.db).await {
                    Ok(Some(row)) => row,
                    Ok(None) => return None,
                    Err(err) => return Some((Err(AppError::from(err).extend()), (guard, None, last_seen))),
                };
                if last_seen != Some(row.updated_at) {
                    let resting = !matches!(
                        ImportStatus::parse(&row.status),
                        Some(
                            ImportStatus::Checking
                                | ImportStatus::Queued
                                | ImportStatus::Running
                                | ImportStatus::Reverting
                        )
                    );
                    let seen = Some(row.updated_at);
                    let next_id = if resting { None } else { Some(id) };
                    return Some((Ok(Import(row)), (guard, next_id, seen)));
                }
                tokio::time::sleep(PROGRESS_POLL).await;
            }
        }))
    }
}
