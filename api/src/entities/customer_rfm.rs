//! `customer_rfm`: a buying customer's RFM quintile scores and named group.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_rfm")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: Uuid,
    pub workspace_id: Uuid,
    pub recency: i16,
    pub frequency: i16,
    pub monetary: i16,
    /// `starcrm_shared::marketing::RfmGroup`'s stored form.
    pub rfm_group: String,
    pub computed_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
