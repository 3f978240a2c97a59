//! `reward_codes`: a reward's pool of coupon codes, each handed out once.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reward_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub reward_id: Uuid,
    pub code: String,
    pub voucher_id: Option<Uuid>,
    /// The campaign it went to (a code is free while this and `voucher_id` are null).
    pub campaign_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
