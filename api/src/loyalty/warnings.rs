//! Warnings before points expire: hourly, each member whose spendable points expire within the
//! rule's `warnDays` is warned once per expiry date (the last day they can spend them, in the
//! workspace's calendar): a `pointsExpiring` event on the change feed, and, when the business
//! wrote a message for it, that message in the outbox on its channel (consent and quiet hours
//! checked when it goes out). `point_warnings` holds one row per member and date, so replicas and
//! reruns warn once.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QuerySelect, Set, Statement};
use serde_json::json;
use starcrm_shared::loyalty::EarnRule;
use starcrm_shared::loyalty::warning::Facts;
use starcrm_shared::surveys::MessagePurpose;
use uuid::Uuid;

use super::rules;
use crate::changes::{self, Change, Kind};
use crate::db;
use crate::entities::{customer, point_warning, workspace};
use crate::error::AppError;
use crate::messaging::outbox::{self, NewMessage};

/// Warnings written per transaction.
const BATCH: usize = 500;

/// Warns every workspace's members whose points expire soon; returns how many were warned.
///
/// # Errors
/// Database failures.
pub async fn pass(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let workspaces: Vec<Uuid> =
        workspace::Entity::find().select_only().column(workspace::Column::Id).into_tuple().all(db).await?;
    let mut warned = 0;
    for workspace_id in workspaces {
        warned += pass_workspace(db, workspace_id, now).await?;
    }
    Ok(warned)
}

/// Points of one member expiring on one day.
struct Due {
    customer_id: Uuid,
    expires_on: NaiveDate,
    /// The first instant they are gone.
    expires_at: DateTime<Utc>,
    points: i64,
}

/// [`pass`] for one workspace.
///
/// # Errors
/// Database failures.
pub async fn pass_workspace(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let Some(row) = rules::current(db, workspace_id).await? else { return Ok(0) };
    let rule: EarnRule = serde_json::from_str(&row.rule).map_err(AppError::internal)?;
    if !rule.active || rule.warn_days == 0 {
        return Ok(0);
    }
    let zone = crate::ratings::engine::Context::cached(db, workspace_id).await?.tz;
    let horizon = now + Duration::days(i64::from(rule.warn_days));
    // Spendable points still held, expiring within the warning period: the live-lots index
    // (workspace, expiry; holding points) answers it.
    let sql = "SELECT customer_id, expires_at, CAST(SUM(remaining) AS BIGINT) AS points FROM point_lots \
               WHERE workspace_id = $1 AND remaining > 0 AND expires_at > $2 AND expires_at <= $3 \
               AND available_at <= $2 GROUP BY customer_id, expires_at";
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            [workspace_id.into(), now.into(), horizon.into()],
        ))
        .await?;
    // Lots of one member that end on the same day are one warning.
    let mut due: BTreeMap<(Uuid, NaiveDate), Due> = BTreeMap::new();
    for r in rows {
        let customer_id: Uuid = r.try_get("", "customer_id")?;
        let expires_at: DateTime<Utc> = r.try_get("", "expires_at")?;
        let points: i64 = r.try_get("", "points")?;
        let expires_on = crate::ratings::engine::last_day(expires_at, zone);
        let entry = due.entry((customer_id, expires_on)).or_insert(Due {
            customer_id,
            expires_on,
            expires_at,
            points: 0,
        });
        entry.points += points;
        entry.expires_at = entry.expires_at.min(expires_at);
    }
    let due: Vec<Due> = due.into_values().collect();
    let mut warned = 0;
    for chunk in due.chunks(BATCH) {
        let txn = db::begin_write(db).await?;
        for d in chunk {
            if warn(&txn, workspace_id, &rule, d, now).await? {
                warned += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(warned)
}

/// Records one warning unless the member was warned of that date before; returns whether it did.
async fn warn(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    rule: &EarnRule,
    d: &Due,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let id = Uuid::now_v7();
    let inserted = point_warning::Entity::insert(point_warning::ActiveModel {
        id: Set(id),
        workspace_id: Set(workspace_id),
        customer_id: Set(d.customer_id),
        expires_on: Set(d.expires_on),
        expires_at: Set(d.expires_at),
        points: Set(d.points),
        message_id: Set(None),
        created_at: Set(now),
    })
    .on_conflict_do_nothing_on([point_warning::Column::CustomerId, point_warning::Column::ExpiresOn])
    .exec_without_returning(conn)
    .await?;
    if !matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        return Ok(false);
    }
    let date = d.expires_on.to_string();
    changes::record(
        conn,
        vec![Change::new(workspace_id, Kind::PointsExpiring, d.customer_id).at(now).with(json!({
            "points": d.points,
            "expiresAt": d.expires_at,
            "expiresOn": date,
        }))],
    )
    .await?;
    let Some(template) = &rule.warning else { return Ok(true) };
    let Some(member) = customer::Entity::find_by_id(d.customer_id).one(conn).await? else { return Ok(true) };
    let scope = crate::auth::Scope::system(workspace_id);
    let balance = super::views::summary_of(conn, &scope, d.customer_id).await?.balance;
    let (subject, body) =
        template.render(Facts { name: &member.name, points: d.points, date: &date, balance });
    let message = outbox::enqueue(
        conn,
        NewMessage {
            workspace_id,
            customer_id: d.customer_id,
            purpose: MessagePurpose::PointsExpiring,
            channel: template.channel,
            origin: format!("points_expiring:{}:{date}", d.customer_id),
            subject,
            body,
            send_at: now,
        },
    )
    .await?;
    if let Some(message_id) = message {
        point_warning::Entity::update(point_warning::ActiveModel {
            id: Set(id),
            message_id: Set(Some(message_id)),
            ..Default::default()
        })
        .exec(conn)
        .await?;
    }
    Ok(true)
}
