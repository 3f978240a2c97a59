use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};

use crate::entities::workspace;

/// A business using StarCRM: every customer, user and setting belongs to one.
#[derive(SimpleObject)]
pub struct Workspace {
    pub id: ID,
    pub name: String,
    /// IANA time zone for display and schedules.
    pub timezone: String,
    /// ISO 4217 currency of money amounts.
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

impl From<workspace::Model> for Workspace {
    fn from(row: workspace::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            name: row.name,
            timezone: row.timezone,
            currency: row.currency,
            created_at: row.created_at,
        }
    }
}
