//! `login_failures`: one row per failed sign-in or wrong current password, by account and by
//! client address, so every server process counts against the same limit.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_failures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `email:<address>`, `ip:<address>` or `password:<user id>`.
    pub key: String,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
