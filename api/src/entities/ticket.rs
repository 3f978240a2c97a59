//! `tickets`: what a customer came to the service desk about, with its service-level deadlines.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub number: i64,
    pub customer_id: Uuid,
    pub kind: String,
    pub channel: String,
    pub subject: String,
    pub description: Option<String>,
    pub status: String,
    pub priority: String,
    pub priority_reason: Option<String>,
    pub assignee_id: Option<Uuid>,
    /// The team it was routed to (null while the workspace keeps no teams).
    pub team_id: Option<Uuid>,
    pub transaction_id: Option<Uuid>,
    pub upheld: Option<bool>,
    pub root_cause_id: Option<Uuid>,
    pub resolution: Option<String>,
    pub external_ref: Option<String>,
    pub stars: Option<i16>,
    pub sla_policy_id: Option<Uuid>,
    pub sla_rule: Option<String>,
    pub first_response_due: Option<DateTimeUtc>,
    pub next_response_due: Option<DateTimeUtc>,
    pub resolution_due: Option<DateTimeUtc>,
    pub next_due: Option<DateTimeUtc>,
    pub breach_check_at: Option<DateTimeUtc>,
    /// The deadline the last warning was about.
    pub warned_due: Option<DateTimeUtc>,
    /// When the warning about the soonest deadline not yet missed is due.
    pub warn_check_at: Option<DateTimeUtc>,
    pub waiting_since: Option<DateTimeUtc>,
    pub first_responded_at: Option<DateTimeUtc>,
    pub solved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
