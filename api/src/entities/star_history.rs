//! `star_history`: every change of a customer's stars, with the evaluation behind it.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "star_history")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    pub stars_before: Option<i16>,
    pub stars_after: Option<i16>,
    pub score: Option<f64>,
    /// `Vec<shared::rating::Contribution>` as JSON.
    pub breakdown: Option<String>,
    pub policy_version: Option<i32>,
    pub trigger: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub job_id: Option<Uuid>,
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
