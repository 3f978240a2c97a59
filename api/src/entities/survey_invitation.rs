//! `survey_invitations`: one customer asked once, and what came of it.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub definition_id: Uuid,
    pub customer_id: Uuid,
    pub kind: String,
    pub channel: String,
    pub ticket_id: Option<Uuid>,
    pub transaction_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub store: Option<String>,
    pub origin: String,
    pub token_hash: Option<String>,
    /// `starcrm_shared::surveys::InvitationStatus`.
    pub status: String,
    /// `starcrm_shared::contact_budget::SkipReason`.
    pub skip_reason: Option<String>,
    pub error: Option<String>,
    pub attempts: i32,
    pub send_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
    pub answered_at: Option<DateTimeUtc>,
    pub response_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
