//! `point_operations`: what happened to a member's points, one row per earn, redemption,
//! reversal, expiry or adjustment. Append-only.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "point_operations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    /// `crate::loyalty::OperationKind`.
    pub kind: String,
    /// The change to the balance (held less debt).
    pub points: i64,
    pub balance_after: i64,
    pub transaction_id: Option<Uuid>,
    pub external_ref: Option<String>,
    pub reason: Option<String>,
    pub actor_user_id: Option<Uuid>,
    pub actor_token_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
