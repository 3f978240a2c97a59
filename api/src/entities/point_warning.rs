//! `point_warnings`: each member and expiry date warned of, once.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "point_warnings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    /// The last day the points can be spent, in the workspace's calendar.
    pub expires_on: Date,
    pub expires_at: DateTimeUtc,
    pub points: i64,
    /// The message that told the member, when the business configured one.
    pub message_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
