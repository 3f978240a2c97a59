//! `survey_definitions`: what a survey asks, when, on which channel, in which words.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_definitions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    /// `starcrm_shared::surveys::SurveyKind`.
    pub kind: String,
    /// `starcrm_shared::surveys::SurveyTrigger`.
    pub trigger: String,
    pub delay_days: i32,
    /// `starcrm_shared::surveys::MessageChannel`.
    pub channel: String,
    /// JSON `starcrm_shared::surveys::Templates`.
    pub templates: String,
    pub link_days: i32,
    /// Days between asks, for the `periodic` trigger.
    pub period_days: Option<i32>,
    /// JSON array of the star levels asked; null: every level.
    pub star_levels: Option<String>,
    pub active: bool,
    pub updated_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
