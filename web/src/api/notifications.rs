//! The signed-in person's notifications (a ticket that missed its promise).

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::service_desk::{SlaTarget, TicketPriority};

use super::{ApiError, execute};

const NOTIFICATIONS: &str = include_str!("../../graphql/notifications.graphql");
const MARK_READ: &str = include_str!("../../graphql/mark_notifications_read.graphql");

/// One notification as the bell lists it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: String,
    pub kind: String,
    pub ticket_id: Option<String>,
    pub ticket_code: Option<String>,
    pub missed: Vec<SlaTarget>,
    pub priority: Option<TicketPriority>,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// The newest notifications and how many are unread.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notifications {
    pub unread_count: u64,
    pub nodes: Vec<Notification>,
}

pub async fn list() -> Result<Notifications, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        notifications: Notifications,
    }
    execute::<_, Data>(NOTIFICATIONS, &json!({})).await.map(|d| d.notifications)
}

/// Marks `id` read, or every unread one when `None`.
pub async fn mark_read(id: Option<&str>) -> Result<(), ApiError> {
    let ids = id.map(|id| vec![id]);
    execute::<_, serde_json::Value>(MARK_READ, &json!({ "ids": ids })).await.map(|_| ())
}
