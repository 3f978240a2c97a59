//! Webhook endpoints and their delivery log as the settings page reads them, and the change
//! kinds an endpoint can ask for.

use serde::{Deserialize, Serialize};

/// The change feed's kinds, in the order the settings page offers them (the server's
/// `changes::Kind::ALL`, checked by a test there).
pub const CHANGE_KINDS: [&str; 26] = [
    "customerCreated",
    "customerUpdated",
    "customerDeleted",
    "customerRestored",
    "customerMerged",
    "customerUnmerged",
    "customerErased",
    "transactionRecorded",
    "transactionDeleted",
    "refundRecorded",
    "interactionRecorded",
    "interactionDeleted",
    "starsChanged",
    "lifecycleChanged",
    "importFinished",
    "ticketOpened",
    "ticketChanged",
    "ticketBreached",
    "ticketDueSoon",
    "followUpPlanned",
    "followUpDone",
    "surveyAnswered",
    "pointsChanged",
    "pointsExpiring",
    "segmentEntered",
    "segmentLeft",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EndpointStatus {
    Active,
    Disabled,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEndpointInfo {
    pub id: String,
    pub url: String,
    pub description: String,
    /// Empty: every kind.
    pub event_types: Vec<String>,
    pub secret: String,
    pub previous_secret_expires_at: Option<String>,
    pub status: EndpointStatus,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<String>,
    pub created_at: String,
}

/// One request of the delivery log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAttemptInfo {
    pub id: String,
    pub message_id: String,
    pub event_type: String,
    pub trigger: String,
    pub attempted_at: String,
    pub status_code: Option<i32>,
    pub succeeded: bool,
    pub error: Option<String>,
    pub duration_ms: i64,
}
