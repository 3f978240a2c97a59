//! `messaging_settings`: a workspace's SMTP server, its own sender for SMS, WeChat and app push,
//! the public address of its links, and its contact budget; no row means none configured and the
//! standard budget.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messaging_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    pub link_base: Option<String>,
    /// JSON `crate::messaging::email::SmtpSettings` without the password.
    pub smtp: Option<String>,
    pub smtp_password: Option<String>,
    pub delivery_url: Option<String>,
    pub delivery_secret: Option<String>,
    /// JSON `starcrm_shared::contact_budget::ContactBudget`.
    pub contact_budget: Option<String>,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
