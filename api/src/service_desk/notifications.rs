//! Staff notifications: what the desk tells a person rather than the whole change feed. When a
//! ticket misses a target, the desk's managers (everyone who may configure the desk) and the
//! ticket's assignee each get one, recorded in the breach pass's own transaction (so once per
//! miss, like the miss itself). A notification names its ticket by id and number and the targets
//! missed; nothing personal, so erasure has nothing to scrub here.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use starcrm_shared::account::UserStatus;
use starcrm_shared::{Permission, Role};
use uuid::Uuid;

use crate::auth::Scope;
use crate::entities::{notification, ticket, user};
use crate::error::AppError;

/// A ticket missed one or more targets.
pub const TICKET_BREACHED: &str = "ticket_breached";

/// The newest notifications a person keeps (older ones go when new ones come).
pub const KEEP: u64 = 200;

/// The notifications one transaction of the breach pass makes: written together when it
/// flushes, with each workspace's managers looked up once and each recipient's list pruned once
/// (not once per miss).
#[derive(Default)]
pub struct Outbox {
    managers: HashMap<Uuid, Vec<Uuid>>,
    rows: Vec<notification::ActiveModel>,
    recipients: BTreeSet<Uuid>,
}

impl Outbox {
    /// Tells the desk's managers and `t`'s assignee that it missed `missed` (target names) and
    /// is now at `priority`.
    ///
    /// # Errors
    /// Database failures.
    pub async fn ticket_breached(
        &mut self,
        conn: &impl ConnectionTrait,
        t: &ticket::Model,
        missed: &[&str],
        priority: &str,
    ) -> Result<(), AppError> {
        let mut recipients = match self.managers.entry(t.workspace_id) {
            Entry::Occupied(known) => known.get().clone(),
            Entry::Vacant(slot) => slot.insert(managers(conn, t.workspace_id).await?).clone(),
        };
        if let Some(assignee) = t.assignee_id
            && !recipients.contains(&assignee)
        {
            recipients.push(assignee);
        }
        let details = json!({ "missed": missed, "priority": priority }).to_string();
        let now = Utc::now();
        for user_id in recipients {
            self.recipients.insert(user_id);
            self.rows.push(notification::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(t.workspace_id),
                user_id: Set(user_id),
                kind: Set(TICKET_BREACHED.to_owned()),
                ticket_id: Set(Some(t.id)),
                ticket_number: Set(Some(t.number)),
                details: Set(Some(details.clone())),
                created_at: Set(now),
                read_at: Set(None),
            });
        }
        Ok(())
    }

    /// Writes what was gathered and trims each recipient's list to the newest [`KEEP`].
    ///
    /// # Errors
    /// Database failures.
    pub async fn flush(self, conn: &impl ConnectionTrait) -> Result<(), AppError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        // Nine columns a row: well under either database's limit on bound values.
        let mut rows = self.rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(500).collect();
            notification::Entity::insert_many(chunk).exec_without_returning(conn).await?;
        }
        let recipients: Vec<Uuid> = self.recipients.into_iter().collect();
        prune(conn, &recipients).await
    }
}

/// The active people of `workspace_id` who may configure the desk.
async fn managers(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Vec<Uuid>, AppError> {
    let roles: Vec<&str> =
        Role::ALL.iter().filter(|r| r.has(Permission::ServiceConfigure)).map(|r| r.as_str()).collect();
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::WorkspaceId.eq(workspace_id))
        .filter(user::Column::Status.eq(UserStatus::Active.as_str()))
        .filter(user::Column::Role.is_in(roles))
        .into_tuple()
        .all(conn)
        .await?)
}

fn me(scope: &Scope) -> Result<Uuid, AppError> {
    scope
        .user_id()
        .ok_or_else(|| AppError::bad_input("notifications", "are for signed-in staff; an API token has none"))
}

/// The caller's newest notifications (unread only, if asked) and how many are unread.
///
/// # Errors
/// `BAD_USER_INPUT` for an API token.
pub async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    unread_only: bool,
    limit: u64,
) -> Result<(Vec<notification::Model>, u64), AppError> {
    let me = me(scope)?;
    let mine = || {
        notification::Entity::find()
            .filter(notification::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(notification::Column::UserId.eq(me))
    };
    let unread = mine().filter(notification::Column::ReadAt.is_null()).count(db).await?;
    let mut rows = mine();
    if unread_only {
        rows = rows.filter(notification::Column::ReadAt.is_null());
    }
    let rows = rows
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id)
        .limit(limit.min(KEEP))
        .all(db)
        .await?;
    Ok((rows, unread))
}

/// Marks the caller's notifications `ids` (all of them when none are named) read. Returns how
/// many it marked.
///
/// # Errors
/// `BAD_USER_INPUT` for an API token; `NOT_FOUND` when an id is not one of the caller's (and
/// nothing is marked).
pub async fn mark_read(
    db: &DatabaseConnection,
    scope: &Scope,
    ids: Option<Vec<Uuid>>,
) -> Result<u64, AppError> {
    let me = me(scope)?;
    let mut update = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notification::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(notification::Column::UserId.eq(me))
        .filter(notification::Column::ReadAt.is_null());
    if let Some(mut ids) = ids {
        if u64::try_from(ids.len()).unwrap_or(u64::MAX) > KEEP {
            return Err(AppError::bad_input("ids", format!("at most {KEEP} at a time")));
        }
        ids.sort_unstable();
        ids.dedup();
        let named = u64::try_from(ids.len()).ok();
        let owned = notification::Entity::find()
            .filter(notification::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(notification::Column::UserId.eq(me))
            .filter(notification::Column::Id.is_in(ids.iter().copied()))
            .count(db)
            .await?;
        if Some(owned) != named {
            return Err(AppError::NotFound { entity: "notification" });
        }
        update = update.filter(notification::Column::Id.is_in(ids));
    }
    Ok(update.exec(db).await?.rows_affected)
}

/// Drops what each of `users` keeps beyond the newest [`KEEP`].
///
/// # Errors
/// Database failures.
pub async fn prune(conn: &impl ConnectionTrait, users: &[Uuid]) -> Result<(), AppError> {
    for user_id in users {
        let cutoff: Option<Uuid> = notification::Entity::find()
            .select_only()
            .column(notification::Column::Id)
            .filter(notification::Column::UserId.eq(*user_id))
            .order_by_desc(notification::Column::CreatedAt)
            .order_by_desc(notification::Column::Id)
            .offset(KEEP)
            .into_tuple()
            .one(conn)
            .await?;
        if let Some(cutoff) = cutoff {
            notification::Entity::delete_many()
                .filter(notification::Column::UserId.eq(*user_id))
                .filter(notification::Column::Id.lte(cutoff))
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}
