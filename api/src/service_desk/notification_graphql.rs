//! Notifications over GraphQL: each signed-in staff member reads and marks their own.

use async_graphql::{Context, ErrorExtensions, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::service_desk::{SlaTarget, TicketPriority};

use super::notifications;
use crate::auth::ContextExt;
use crate::entities::notification;
use crate::users::graphql::parse_id;

/// Something the desk told the signed-in person.
pub struct Notification(notification::Model);

#[derive(serde::Deserialize, Default)]
struct Details {
    #[serde(default)]
    missed: Vec<String>,
    priority: Option<String>,
}

impl Notification {
    fn details(&self) -> Details {
        self.0.details.as_deref().and_then(|d| serde_json::from_str(d).ok()).unwrap_or_default()
    }
}

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// `ticket_breached`: a ticket missed one or more of its targets.
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    async fn ticket_id(&self) -> Option<ID> {
        self.0.ticket_id.map(|id| ID(id.to_string()))
    }

    /// `T000042`.
    async fn ticket_code(&self) -> Option<String> {
        self.0.ticket_number.map(starcrm_shared::service_desk::ticket_code)
    }

    /// The targets the ticket missed.
    async fn missed(&self) -> Vec<SlaTarget> {
        self.details().missed.iter().filter_map(|m| SlaTarget::parse(m)).collect()
    }

    /// The ticket's priority after the escalation.
    async fn priority(&self) -> Option<TicketPriority> {
        self.details().priority.as_deref().and_then(TicketPriority::parse)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Null while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
}

/// The signed-in person's newest notifications and how many are unread.
#[derive(SimpleObject)]
pub struct NotificationList {
    pub unread_count: u64,
    pub nodes: Vec<Notification>,
}

#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// The signed-in person's newest notifications (at most 200 are kept), unread only if asked.
    /// Signed-in staff only: an API token has none.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        #[graphql(default)] unread_only: bool,
    ) -> async_graphql::Result<NotificationList> {
        let scope = ctx.scope()?;
        let limit =
            u64::try_from(first).ok().filter(|n| (1..=notifications::KEEP).contains(n)).ok_or_else(|| {
                crate::error::AppError::bad_input("first", "must be between 1 and 200").extend()
            })?;
        let (rows, unread) =
            notifications::list(ctx.db()?, scope, unread_only, limit).await.map_err(|e| e.extend())?;
        Ok(NotificationList { unread_count: unread, nodes: rows.into_iter().map(Notification).collect() })
    }
}

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks the signed-in person's notifications `ids` read (every unread one when `ids` is
    /// left out); returns how many changed. `NOT_FOUND` (nothing marked) when an id is not theirs.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        ids: Option<Vec<ID>>,
    ) -> async_graphql::Result<u64> {
        let scope = ctx.scope()?;
        let ids = ids
            .map(|ids| {
                ids.iter()
                    .enumerate()
                    .map(|(i, id)| parse_id(id, &format!("ids[{i}]")))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        notifications::mark_read(ctx.db()?, scope, ids).await.map_err(|e| e.extend())
    }
}
