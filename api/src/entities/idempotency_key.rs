//! `idempotency_keys`: the first answer to a mutation sent with an `Idempotency-Key` header,
//! replayed to retries for 24 hours.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// `user:<id>` or `token:<id>`.
    pub caller: String,
    pub key: String,
    /// SHA-256 (hex) of the operation, its name and its variables.
    pub fingerprint: String,
    /// The JSON answer; `None` while the first request runs.
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
