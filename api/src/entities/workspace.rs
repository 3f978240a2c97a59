//! `workspaces`: one row per tenant (a business using StarCRM).

use sea_orm::Set;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workspaces")]
pub struct Model {
    /// UUIDv7, assigned by the application.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// IANA time zone for display and schedules, e.g. `Asia/Shanghai`.
    pub timezone: String,
    /// ISO 4217 currency of the workspace's money amounts, e.g. `CNY`.
    pub currency: String,
    /// The last customer number handed out.
    pub customer_seq: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    /// New rows get a UUIDv7 id and both timestamps; updates move `updated_at`.
    async fn before_save<C: ConnectionTrait>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr> {
        let now = chrono::Utc::now();
        if insert {
            if self.id.is_not_set() {
                self.id = Set(Uuid::now_v7());
            }
            if self.created_at.is_not_set() {
                self.created_at = Set(now);
            }
            // The column has a database default, but the model must read back a value.
            if self.customer_seq.is_not_set() {
                self.customer_seq = Set(0);
            }
        }
        self.updated_at = Set(now);
        Ok(self)
    }
}
