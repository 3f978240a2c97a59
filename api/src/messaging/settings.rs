//! A workspace's messaging settings: its SMTP server (the password is write-only), its own sender
//! for SMS, WeChat and app push (a URL that receives signed webhooks; the secret is made here),
//! the public address links point at, and the contact budget (the standard one until saved).

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::contact_budget::ContactBudget;
use uuid::Uuid;

use super::email::{SmtpSettings, TlsMode};
use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::entities::{messaging_settings, workspace};
use crate::error::AppError;

/// What a workspace's messages go out with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Messaging {
    pub link_base: Option<String>,
    /// With its password.
    pub smtp: Option<SmtpSettings>,
    pub delivery_url: Option<String>,
    pub delivery_secret: Option<String>,
    pub budget: ContactBudget,
}

/// Reads the settings (none configured and the standard budget without a row).
///
/// # Errors
/// Database failures; an internal error for stored JSON that does not parse.
pub async fn load(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<Messaging, AppError> {
    let row = messaging_settings::Entity::find_by_id(workspace_id).one(conn).await?;
    let budget = if let Some(text) = row.as_ref().and_then(|r| r.contact_budget.as_deref()) {
        serde_json::from_str(text).map_err(AppError::internal)?
    } else {
        let ws = workspace::Entity::find_by_id(workspace_id)
            .one(conn)
            .await?
            .ok_or(AppError::NotFound { entity: "workspace" })?;
        ContactBudget::standard(&ws.timezone)
    };
    let Some(row) = row else {
        return Ok(Messaging {
            link_base: None,
            smtp: None,
            delivery_url: None,
            delivery_secret: None,
            budget,
        });
    };
    let smtp = match row.smtp.as_deref() {
        Some(text) => {
            let mut smtp: SmtpSettings = serde_json::from_str(text).map_err(AppError::internal)?;
            smtp.password.clone_from(&row.smtp_password);
            Some(smtp)
        }
        None => None,
    };
    Ok(Messaging {
        link_base: row.link_base,
        smtp,
        delivery_url: row.delivery_url,
        delivery_secret: row.delivery_secret,
        budget,
    })
}

/// Workspaces' settings read once per pass.
#[derive(Default)]
pub struct Cache(std::collections::HashMap<Uuid, Messaging>);

impl Cache {
    /// The settings of `workspace_id`, read the first time they are asked for.
    ///
    /// # Errors
    /// As [`load`].
    pub async fn get(
        &mut self,
        conn: &impl ConnectionTrait,
        workspace_id: Uuid,
    ) -> Result<&Messaging, AppError> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.0.entry(workspace_id) {
            slot.insert(load(conn, workspace_id).await?);
        }
        self.0.get(&workspace_id).ok_or(AppError::NotFound { entity: "messaging settings" })
    }
}

/// The SMTP server as given.
#[derive(Clone, Debug)]
pub struct SmtpInput {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    /// `None` keeps the stored one.
    pub password: Option<String>,
    pub from: String,
}

/// Settings as given: each `Some` replaces what is stored (`Some(None)` clears it).
#[derive(Clone, Debug, Default)]
pub struct MessagingInput {
    pub link_base: Option<Option<String>>,
    pub smtp: Option<Option<SmtpInput>>,
    pub delivery_url: Option<Option<String>>,
    pub contact_budget: Option<ContactBudget>,
}

fn checked_link_base(text: &str) -> Result<String, AppError> {
    let text = text.trim().trim_end_matches('/');
    let url = url::Url::parse(text).map_err(|_| AppError::bad_input("linkBase", "is not a URL"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(AppError::bad_input(
            "linkBase",
            "must be an http(s) address such as https://crm.example.com",
        ));
    }
    Ok(text.to_owned())
}

fn checked_smtp(input: SmtpInput, stored_password: Option<String>) -> Result<SmtpSettings, AppError> {
    let host = input.host.trim();
    if host.is_empty() || host.len() > 255 || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::bad_input("smtp.host", "is not a host name"));
    }
    if input.port == 0 {
        return Err(AppError::bad_input("smtp.port", "must be between 1 and 65535"));
    }
    if !super::email::is_mailbox(&input.from) {
        return Err(AppError::bad_input(
            "smtp.from",
            "is not an address such as 星辰茶庄 <service@example.com>",
        ));
    }
    let username = input.username.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    let password = input.password.filter(|p| !p.is_empty()).or(stored_password);
    if username.is_some() != password.is_some() {
        return Err(AppError::bad_input(
            "smtp.password",
            "a user name needs a password, and a password a user name",
        ));
    }
    Ok(SmtpSettings {
        host: host.to_owned(),
        port: input.port,
        tls: input.tls,
        username,
        password,
        from: input.from,
    })
}

/// Saves the settings. Needs `surveys:manage`. A new delivery URL gets a new signing secret.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field (`contactBudget.messages.max`, `smtp.from`, ...).
pub async fn save(
    db: &DatabaseConnection,
    scope: &Scope,
    input: MessagingInput,
) -> Result<Messaging, AppError> {
    scope.require(Permission::SurveysManage)?;
    let current = load(db, scope.workspace_id).await?;
    let link_base = match input.link_base {
        Some(Some(text)) if !text.trim().is_empty() => Some(checked_link_base(&text)?),
        Some(_) => None,
        None => current.link_base.clone(),
    };
    let smtp = match input.smtp {
        Some(Some(given)) => {
            let stored = current.smtp.as_ref().and_then(|s| s.password.clone());
            Some(checked_smtp(given, stored)?)
        }
        Some(None) => None,
        None => current.smtp.clone(),
    };
    let (delivery_url, delivery_secret) = match input.delivery_url {
        Some(Some(text)) if !text.trim().is_empty() => {
            let url = crate::webhooks::guard::check_url(text.trim(), true)
                .map_err(|reason| AppError::bad_input("deliveryUrl", reason))?
                .to_string();
            let secret = match (&current.delivery_url, &current.delivery_secret) {
                (Some(old), Some(secret)) if *old == url => secret.clone(),
                _ => crate::webhooks::signing::new_secret().map_err(AppError::internal)?,
            };
            (Some(url), Some(secret))
        }
        Some(_) => (None, None),
        None => (current.delivery_url.clone(), current.delivery_secret.clone()),
    };
    let budget = match input.contact_budget {
        Some(budget) => {
            budget
                .check()
                .map_err(|e| AppError::bad_input(format!("contactBudget.{}", e.field), e.message))?;
            budget
        }
        None => current.budget.clone(),
    };
    let smtp_json = smtp
        .as_ref()
        .map(|s| serde_json::to_string(&SmtpSettings { password: None, ..s.clone() }))
        .transpose()
        .map_err(AppError::internal)?;
    let row = messaging_settings::Model {
        workspace_id: scope.workspace_id,
        link_base: link_base.clone(),
        smtp: smtp_json,
        smtp_password: smtp.as_ref().and_then(|s| s.password.clone()),
        delivery_url: delivery_url.clone(),
        delivery_secret: delivery_secret.clone(),
        contact_budget: Some(serde_json::to_string(&budget).map_err(AppError::internal)?),
        updated_by: scope.user_id(),
        updated_at: Utc::now(),
    };
    let txn = crate::db::begin_write(db).await?;
    let exists = messaging_settings::Entity::find_by_id(scope.workspace_id).one(&*txn).await?.is_some();
    let active = row.into_active_model().reset_all();
    if exists {
        active.update(&*txn).await?;
    } else {
        active.insert(&*txn).await?;
    }
    // The audit entry says what changed, never the password or the secret.
    let entry = Entry::new("messaging.settings", "workspace", scope.workspace_id).changes(json!({
        "linkBase": link_base,
        "smtpHost": smtp.as_ref().map(|s| s.host.clone()),
        "deliveryUrl": delivery_url,
        "contactBudget": budget,
    }));
    audit::record(&*txn, scope, entry).await?;
    txn.commit().await?;
    Ok(Messaging { link_base, smtp, delivery_url, delivery_secret, budget })
}
