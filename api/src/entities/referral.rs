//! `referrals`: who referred whom, and whether both were rewarded.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub referrer_id: Uuid,
    /// The referred customer.
    pub customer_id: Uuid,
    /// `pending`, `rewarded`, `refused`.
    pub status: String,
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub settled_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
