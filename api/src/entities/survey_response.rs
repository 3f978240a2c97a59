//! `survey_responses`: a customer's NPS or CSAT answer, with what it is attributed to.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_responses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    /// `starcrm_shared::surveys::SurveyKind`.
    pub kind: String,
    pub score: i16,
    pub comment: Option<String>,
    pub language: Option<String>,
    /// `starcrm_shared::customer::Channel`.
    pub channel: Option<String>,
    pub store: Option<String>,
    pub agent_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    pub transaction_id: Option<Uuid>,
    /// `starcrm_shared::surveys::ResponseSource`.
    pub source: String,
    pub external_ref: Option<String>,
    pub loop_ticket_id: Option<Uuid>,
    pub recorded_by: Option<Uuid>,
    pub answered_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
