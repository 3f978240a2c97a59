//! Lifecycle stages moved by the insight pass (`starcrm_shared::insight::lifecycle::decide`),
//! and in real time by a purchase (a lead or prospect becomes new, a churned customer is won
//! back) or by staff. Every change is a `lifecycle_transitions` row with its reasons and a
//! `lifecycleChanged` event on the feed (which also re-indexes the customer for search).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Statement, StreamTrait,
};
use serde_json::json;
use starcrm_shared::customer::LifecycleStage;
use starcrm_shared::insight::lifecycle::{Reason, Rules, Signals, decide};
use starcrm_shared::service_desk::TicketKind;
use starcrm_shared::surveys::SurveyKind;
use uuid::Uuid;

use super::pass::{Fitted, Observed};
use super::settings::Settings;
use crate::changes::{self, Change, Kind};
use crate::entities::{customer, lifecycle_transition};
use crate::error::AppError;

/// What made a stage change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Model,
    Purchase,
    Staff,
}

impl Source {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::Purchase => "purchase",
            Self::Staff => "staff",
        }
    }
}

/// A stage change to write.
#[derive(Clone, Debug)]
pub struct Transition {
    pub customer_id: Uuid,
    pub from: LifecycleStage,
    pub to: LifecycleStage,
    pub reasons: Vec<Reason>,
    pub source: Source,
}

impl Transition {
    /// The transition's row and its feed event.
    #[must_use]
    pub fn rows(&self, workspace_id: Uuid, at: DateTime<Utc>) -> (lifecycle_transition::ActiveModel, Change) {
        let reasons = serde_json::to_value(&self.reasons).unwrap_or_default();
        let row = lifecycle_transition::ActiveModel {
            id: sea_orm::Set(Uuid::now_v7()),
            workspace_id: sea_orm::Set(workspace_id),
            customer_id: sea_orm::Set(self.customer_id),
            from_stage: sea_orm::Set(self.from.as_str().to_owned()),
            to_stage: sea_orm::Set(self.to.as_str().to_owned()),
            reasons: sea_orm::Set(reasons.to_string()),
            source: sea_orm::Set(self.source.as_str().to_owned()),
            at: sea_orm::Set(at),
        };
        let change = Change::new(workspace_id, Kind::LifecycleChanged, self.customer_id).at(at).with(json!({
            "from": self.from.as_str(),
            "to": self.to.as_str(),
            "reasons": reasons,
            "source": self.source.as_str(),
        }));
        (row, change)
    }
}

/// Writes transitions in the caller's transaction: the customers' stage and when it changed,
/// the transition rows, the events.
///
/// # Errors
/// Database failures.
pub async fn write(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    at: DateTime<Utc>,
    transitions: &[Transition],
) -> Result<(), AppError> {
    let mut by_stage: HashMap<LifecycleStage, Vec<Uuid>> = HashMap::new();
    for t in transitions {
        by_stage.entry(t.to).or_default().push(t.customer_id);
    }
    for (stage, ids) in by_stage {
        for chunk in ids.chunks(1_000) {
            customer::Entity::update_many()
                .col_expr(customer::Column::LifecycleStage, Expr::value(stage.as_str()))
                .col_expr(customer::Column::LifecycleChangedAt, Expr::value(Some(at)))
                .filter(customer::Column::WorkspaceId.eq(workspace_id))
                .filter(customer::Column::Id.is_in(chunk.iter().copied()))
                .exec(conn)
                .await?;
        }
    }
    let (rows, events): (Vec<_>, Vec<_>) = transitions.iter().map(|t| t.rows(workspace_id, at)).unzip();
    crate::db::insert_chunks(conn, rows).await?;
    changes::record(conn, events).await?;
    Ok(())
}

/// A customer's standing as the stage rules read it.
#[derive(Clone, Debug)]
struct Standing {
    stage: LifecycleStage,
    since: DateTime<Utc>,
    stars: Option<u8>,
}

/// Live customers who buy or hold a buying stage, with their stage, since when and stars.
async fn standings(db: &DatabaseConnection, workspace_id: Uuid) -> Result<HashMap<Uuid, Standing>, AppError> {
    let backend = db.get_database_backend();
    let mut stream = db
        .stream_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT id, lifecycle_stage, COALESCE(lifecycle_changed_at, created_at) AS since, stars FROM customers \
                 WHERE workspace_id = $1 AND merged_into IS NULL AND deleted_at IS NULL AND erased_at IS NULL \
                   AND (order_count > 0 OR lifecycle_stage NOT IN ('{}', '{}'))",
                LifecycleStage::Lead.as_str(),
                LifecycleStage::Prospect.as_str()
            ),
            [workspace_id.into()],
        ))
        .await?;
    let mut out = HashMap::new();
    while let Some(row) = stream.try_next().await? {
        let stage: String = row.try_get("", "lifecycle_stage")?;
        let stars: Option<i16> = row.try_get("", "stars")?;
        out.insert(
            row.try_get::<Uuid>("", "id")?,
            Standing {
                stage: LifecycleStage::parse(&stage).unwrap_or(LifecycleStage::Lead),
                since: row.try_get("", "since")?,
                stars: stars.and_then(|s| u8::try_from(s).ok()),
            },
        );
    }
    Ok(out)
}

/// Upheld or undecided complaints per customer since `since`, and each customer's lowest NPS
/// score since then.
///
/// # Errors
/// Database failures.
pub async fn complaints_and_scores(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    since: DateTime<Utc>,
    only: Option<&[Uuid]>,
) -> Result<(HashMap<Uuid, u32>, HashMap<Uuid, u8>), AppError> {
    let backend = conn.get_database_backend();
    // `$3`... the customers asked about, when only some are.
    let filter = only.map_or_else(String::new, |ids| {
        format!("AND customer_id IN ({})", crate::db::placeholders(3, ids.len()))
    });
    let values = || {
        let mut values: Vec<sea_orm::Value> = vec![workspace_id.into(), since.into()];
        values.extend(only.unwrap_or_default().iter().map(|id| sea_orm::Value::from(*id)));
        values
    };
    let complaints = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT customer_id, CAST(COUNT(*) AS BIGINT) FROM tickets WHERE workspace_id = $1 AND kind = '{}' \
                 AND created_at >= $2 AND (upheld IS NULL OR upheld = TRUE) {filter} GROUP BY customer_id",
                TicketKind::Complaint.as_str()
            ),
            values(),
        ))
        .await?
        .into_iter()
        .map(|row| {
            let n: i64 = row.try_get_by_index(1)?;
            Ok((row.try_get_by_index::<Uuid>(0)?, u32::try_from(n).unwrap_or(u32::MAX)))
        })
        .collect::<Result<HashMap<_, _>, sea_orm::DbErr>>()?;
    let scores = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT customer_id, CAST(MIN(score) AS BIGINT) FROM survey_responses WHERE workspace_id = $1 \
                 AND kind = '{}' AND answered_at >= $2 {filter} GROUP BY customer_id",
                SurveyKind::Nps.as_str()
            ),
            values(),
        ))
        .await?
        .into_iter()
        .map(|row| {
            let score: i64 = row.try_get_by_index(1)?;
            Ok((row.try_get_by_index::<Uuid>(0)?, u8::try_from(score).unwrap_or(10)))
        })
        .collect::<Result<HashMap<_, _>, sea_orm::DbErr>>()?;
    Ok((complaints, scores))
}

fn days_between(earlier: DateTime<Utc>, later: DateTime<Utc>) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let seconds = (later - earlier).num_seconds() as f64;
    seconds / 86_400.0
}

/// The signals of a customer (with `observed` purchases, if any) for the rules.
#[allow(clippy::too_many_arguments, clippy::cast_precision_loss)]
#[must_use]
pub fn signals(
    observed: Option<&Observed>,
    fitted: &Fitted,
    today: i64,
    previous: LifecycleStage,
    since_days: f64,
    stars: Option<u8>,
    recent_complaints: u32,
    recent_nps: Option<u8>,
) -> Signals {
    match observed {
        Some(o) => Signals {
            purchase_days: o.purchase_days,
            days_since_first: (today - o.first_day) as f64,
            days_since_last: (today - o.first_day) as f64 - o.summary.recency,
            p_alive: fitted.count.map(|c| c.p_alive(fitted.kind, o.summary)),
            rhythm: o.rhythm,
            stars,
            recent_complaints,
            recent_nps,
            previous,
            days_in_previous: since_days,
        },
        None => Signals {
            purchase_days: 0,
            days_since_first: 0.0,
            days_since_last: 0.0,
            p_alive: None,
            rhythm: None,
            stars,
            recent_complaints,
            recent_nps,
            previous,
            days_in_previous: since_days,
        },
    }
}

/// Moves every customer whose stage the rules change; returns how many moved. Nothing when the
/// workspace turned automatic stages off.
///
/// # Errors
/// Database failures.
pub async fn apply(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
    settings: &Settings,
    customers: &[Observed],
    fitted: &Fitted,
    today: i64,
) -> Result<u64, AppError> {
    let rules: &Rules = &settings.rules;
    if !rules.automatic {
        return Ok(0);
    }
    let standings = standings(db, workspace_id).await?;
    let since = now - chrono::Duration::days(i64::from(rules.complaint_days));
    let (complaints, scores) = complaints_and_scores(db, workspace_id, since, None).await?;
    let observed = super::pass::by_id(customers);
    let mut transitions = Vec::new();
    for (id, standing) in &standings {
        let s = signals(
            observed.get(id).copied(),
            fitted,
            today,
            standing.stage,
            days_between(standing.since, now),
            standing.stars,
            complaints.get(id).copied().unwrap_or(0),
            scores.get(id).copied(),
        );
        let decision = decide(rules, &s);
        if decision.stage != standing.stage {
            transitions.push(Transition {
                customer_id: *id,
                from: standing.stage,
                to: decision.stage,
                reasons: decision.reasons,
                source: Source::Model,
            });
        }
    }
    let moved = transitions.len() as u64;
    for chunk in transitions.chunks(2_000) {
        let txn = crate::db::begin_write(db).await?;
        write(&txn, workspace_id, now, chunk).await?;
        txn.commit().await?;
    }
    Ok(moved)
}

/// The stage change a purchase made `at` makes at once: a lead or prospect's first purchase makes
/// them new, a churned customer's purchase wins them back. `None` otherwise (the pass decides).
#[must_use]
pub fn on_purchase(customer: &customer::Model, at: DateTime<Utc>) -> Option<Transition> {
    let from = LifecycleStage::parse(&customer.lifecycle_stage)?;
    let (to, reason) = match from {
        LifecycleStage::Lead | LifecycleStage::Prospect => {
            (LifecycleStage::New, Reason::FirstPurchase { days: 0 })
        }
        LifecycleStage::Churned => {
            let since = customer.lifecycle_changed_at.unwrap_or(customer.created_at);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let days = days_between(since, at).max(0.0).round() as u32;
            (LifecycleStage::WonBack, Reason::Returned { days_in_churned: days })
        }
        _ => return None,
    };
    Some(Transition { customer_id: customer.id, from, to, reasons: vec![reason], source: Source::Purchase })
}
