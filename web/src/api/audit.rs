//! Settings > Audit log.

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::account::{AuditEntryInfo, Page};

use super::{ApiError, execute};

const AUDIT_LOG: &str = include_str!("../../graphql/audit_log.graphql");

/// One page, newest first. `action`: an action or a prefix ending in `.`; dates RFC 3339.
pub async fn list(
    first: u32,
    after: Option<String>,
    action: &str,
    from: Option<String>,
    to: Option<String>,
) -> Result<Page<AuditEntryInfo>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        audit_log: Page<AuditEntryInfo>,
    }
    let action = (!action.is_empty()).then_some(action);
    let variables =
        json!({ "first": first, "after": after, "filter": { "action": action, "from": from, "to": to } });
    execute::<_, Data>(AUDIT_LOG, &variables).await.map(|d| d.audit_log)
}
