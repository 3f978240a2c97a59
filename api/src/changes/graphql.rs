use async_graphql::{Context, ErrorExtensions, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::Permission;

use super::Kind;
use crate::auth::ContextExt;
use crate::entities::event;

/// One recorded change.
#[derive(SimpleObject)]
pub struct ChangeEvent {
    pub id: ID,
    /// 1, 2, 3, ... per workspace, without gaps, in the order the changes committed.
    pub position: i64,
    /// `customerCreated`, `customerUpdated`, `customerDeleted`, `customerRestored`,
    /// `customerMerged`, `customerUnmerged`, `customerErased`, `transactionRecorded`,
    /// `transactionDeleted` (a reverted import's purchase), `refundRecorded`,
    /// `interactionRecorded`, `interactionDeleted`, `starsChanged`, `lifecycleChanged`,
    /// `importFinished` (the subject is the import), `ticketOpened`, `ticketChanged`,
    /// `ticketBreached`, `ticketDueSoon` (the customer is the ticket's; `payload.ticketId` names
    /// it),
    /// `followUpPlanned`, `followUpDone` (`payload.followUpId`), `surveyAnswered`
    /// (`payload.responseId`), `pointsChanged` (`payload.operationId`, `kind`, `points`,
    /// `balance`).
    pub kind: String,
    /// The customer it is about.
    pub customer_id: Option<ID>,
    /// Ids and what changed (field names, amounts, stars); never names, contacts or text.
    pub payload: Json<serde_json::Value>,
    pub occurred_at: DateTime<Utc>,
}

impl From<event::Model> for ChangeEvent {
    fn from(row: event::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            position: row.position,
            kind: row.kind,
            customer_id: row.subject_id.map(|id| ID(id.to_string())),
            payload: Json(serde_json::from_str(&row.payload).unwrap_or_default()),
            occurred_at: row.created_at,
        }
    }
}

/// A page of the change feed.
#[derive(SimpleObject)]
pub struct ChangePage {
    pub events: Vec<ChangeEvent>,
    /// Pass this as `after` to read on.
    pub end_position: i64,
    /// More changes wait after `endPosition`.
    pub has_more: bool,
}

#[derive(Default)]
pub struct ChangesQuery;

#[Object]
impl ChangesQuery {
    /// The workspace's changes after position `after` (0: from the start), oldest first: how an
    /// integration keeps up with StarCRM without missing or repeating anything. Needs
    /// `customers:read`. `kinds` narrows to some kinds of change.
    #[graphql(
        complexity = "crate::users::graphql::page_complexity(Some(first.unwrap_or(100)), child_complexity)"
    )]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The last position already handled (default 0).")] after: Option<i64>,
        #[graphql(desc = "At most this many (1 to 200, default 100).")] first: Option<i32>,
        kinds: Option<Vec<String>>,
    ) -> async_graphql::Result<ChangePage> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let after = after.unwrap_or(0);
        let first = u64::try_from(first.unwrap_or(100)).unwrap_or(0);
        let page = super::after(ctx.db()?, scope, after, first, &kinds.unwrap_or_default())
            .await
            .map_err(|e| e.extend())?;
        Ok(ChangePage {
            events: page.events.into_iter().map(ChangeEvent::from).collect(),
            end_position: page.end_position,
            has_more: page.has_more,
        })
    }

    /// The kinds of change the feed records.
    async fn change_kinds(&self) -> Vec<&'static str> {
        Kind::ALL.iter().map(|k| k.as_str()).collect()
    }
}
