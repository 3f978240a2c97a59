//! `download_links`: a file to download (an export, an import's refused rows) behind a secret
//! link that expires.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "download_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub workspace_id: Uuid,
    pub created_by: Option<Uuid>,
    pub kind: String,
    /// JSON.
    pub params: String,
    pub unmasked: bool,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
