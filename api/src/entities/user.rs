//! `users`: staff accounts. One workspace each; email unique across the deployment.

use sea_orm::Set;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// Lower-cased.
    pub email: String,
    pub name: String,
    /// International form; personal data (masked for callers without `pii:read`).
    pub phone: Option<String>,
    /// `Role::as_str` form.
    pub role: String,
    /// argon2id PHC string. Never leaves the server.
    pub password_hash: String,
    /// `active` or `deactivated`.
    pub status: String,
    pub last_login_at: Option<DateTimeUtc>,
    pub password_changed_at: DateTimeUtc,
    /// Bumped on every change; updates name the version they change.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C: ConnectionTrait>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr> {
        let now = chrono::Utc::now();
        if insert {
            if self.id.is_not_set() {
                self.id = Set(Uuid::now_v7());
            }
            if self.created_at.is_not_set() {
                self.created_at = Set(now);
            }
            if self.password_changed_at.is_not_set() {
                self.password_changed_at = Set(now);
            }
        }
        self.updated_at = Set(now);
        Ok(self)
    }
}
