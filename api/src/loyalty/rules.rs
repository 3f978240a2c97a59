//! The earn rule: every saved version is kept and the newest applies. A purchase reads it, with
//! the star levels' multipliers and the workspace's time zone, through a per-process cache that
//! lives a few seconds, as the rating engine reads its policy; saving the rule or the tier
//! benefits forgets this process's entry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::loyalty::EarnRule;
use starcrm_shared::tiers::{self, BenefitKind};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::db;
use crate::entities::{loyalty_rule, workspace};
use crate::error::AppError;

/// How long a replica earns with a cached rule before reading it again.
pub const TTL: Duration = Duration::from_secs(5);

/// What earning points needs, read once per [`TTL`].
#[derive(Clone, Debug)]
pub struct Earning {
    pub version: i32,
    pub rule: EarnRule,
    /// The points multiplier of 0 (unrated) to 5 stars, from the tier benefits.
    pub multipliers: [f64; 6],
    pub zone: Tz,
}

impl Earning {
    /// The multiplier of a customer with `stars` (1 when unrated or without one).
    pub fn multiplier(&self, stars: Option<i16>) -> f64 {
        stars
            .and_then(|s| usize::try_from(s).ok())
            .and_then(|s| self.multipliers.get(s))
            .copied()
            .unwrap_or(1.0)
    }
}

type Cache = Mutex<HashMap<Uuid, (Instant, Option<Arc<Earning>>)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Forgets this process's cached rule of a workspace (the rule or the tiers changed).
pub fn forget(workspace_id: Uuid) {
    if let Ok(mut c) = cache().lock() {
        c.remove(&workspace_id);
    }
}

/// The newest version of the workspace's rule, if it ever saved one.
///
/// # Errors
/// Database failures.
pub async fn current(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> Result<Option<loyalty_rule::Model>, AppError> {
    Ok(loyalty_rule::Entity::find()
        .filter(loyalty_rule::Column::WorkspaceId.eq(workspace_id))
        .order_by_desc(loyalty_rule::Column::Version)
        .one(conn)
        .await?)
}

fn parse(row: &loyalty_rule::Model) -> Result<EarnRule, AppError> {
    serde_json::from_str(&row.rule).map_err(AppError::internal)
}

/// What purchases of the workspace earn with, or `None` while points are off.
///
/// # Errors
/// Database failures; a stored rule or tiers document that does not parse.
pub async fn earning(conn: &impl ConnectionTrait, scope: &Scope) -> Result<Option<Arc<Earning>>, AppError> {
    let ws = scope.workspace_id;
    if let Some(hit) = cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&ws).filter(|(at, _)| at.elapsed() < TTL).map(|(_, e)| e.clone()))
    {
        return Ok(hit);
    }
    let fresh = match current(conn, ws).await? {
        Some(row) if parse(&row)?.active => {
            let tiers = crate::ratings::tiers::load(conn, scope).await?;
            let mut multipliers = [1.0; 6];
            for (stars, m) in multipliers.iter_mut().enumerate().skip(1) {
                let level = u8::try_from(stars).unwrap_or(0);
                *m = tiers::for_stars(&tiers, level)
                    .iter()
                    .find(|b| b.kind == BenefitKind::PointsMultiplier)
                    .and_then(|b| b.value)
                    .unwrap_or(1.0);
            }
            let zone = workspace::Entity::find_by_id(ws)
                .one(conn)
                .await?
                .and_then(|w| w.timezone.parse().ok())
                .unwrap_or(Tz::UTC);
            Some(Arc::new(Earning { version: row.version, rule: parse(&row)?, multipliers, zone }))
        }
        _ => None,
    };
    if let Ok(mut c) = cache().lock() {
        c.insert(ws, (Instant::now(), fresh.clone()));
    }
    Ok(fresh)
}

/// The rule as the settings show it: its version (0 before the first save), the rule (the
/// standard one, off, before then), and who saved it when.
#[derive(Clone, Debug)]
pub struct Saved {
    pub version: i32,
    pub rule: EarnRule,
    pub saved_at: Option<DateTime<Utc>>,
    pub saved_by: Option<Uuid>,
}

fn saved(row: Option<loyalty_rule::Model>) -> Result<Saved, AppError> {
    Ok(match row {
        Some(row) => Saved {
            version: row.version,
            rule: parse(&row)?,
            saved_at: Some(row.created_at),
            saved_by: row.created_by,
        },
        None => Saved { version: 0, rule: EarnRule::standard(), saved_at: None, saved_by: None },
    })
}

/// The workspace's earn rule. Needs `loyalty:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn get(db: &DatabaseConnection, scope: &Scope) -> Result<Saved, AppError> {
    scope.require(Permission::LoyaltyRead)?;
    saved(current(db, scope.workspace_id).await?)
}

/// Saves a new version of the rule. Needs `loyalty:manage`. `version` is the version the editor
/// started from: a rule saved by someone else meanwhile is a `CONFLICT`, not overwritten. Lots
/// already earned keep their snapshot.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field; `CONFLICT` for a stale version; `FORBIDDEN`.
pub async fn save(
    db: &DatabaseConnection,
    scope: &Scope,
    rule: EarnRule,
    version: i32,
) -> Result<Saved, AppError> {
    scope.require(Permission::LoyaltyManage)?;
    let mut rule = rule;
    for bonus in &mut rule.category_bonuses {
        bonus.category = bonus.category.trim().to_owned();
    }
    if let Some(warning) = &rule.warning {
        // The message's own words say what is wrong with it.
        warning.check().map_err(|(field, why)| AppError::bad_input(format!("warning.{field}"), why))?;
    }
    rule.check().map_err(|(field, why)| AppError::invalid(&field, why))?;
    let txn = db::begin_write(db).await?;
    let before = current(&txn, scope.workspace_id).await?;
    let current_version = before.as_ref().map_or(0, |r| r.version);
    if current_version != version {
        return Err(AppError::stale("loyalty rule"));
    }
    let row = loyalty_rule::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(scope.workspace_id),
        version: Set(version + 1),
        rule: Set(serde_json::to_string(&rule).map_err(AppError::internal)?),
        created_by: Set(scope.user_id()),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::unique_or_internal(e, "version", "the rule was saved at the same time; reload"))?;
    let old = before.as_ref().map(parse).transpose()?;
    audit::record(
        &txn,
        scope,
        Entry::new("loyalty.rule_saved", "loyalty_rule", row.id)
            .changes(json!({ "version": row.version, "before": old, "after": rule })),
    )
    .await?;
    txn.commit().await?;
    forget(scope.workspace_id);
    saved(Some(row))
}
