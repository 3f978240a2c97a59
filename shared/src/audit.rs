//! Audit entries made readable: the JSON of changes an entry carries (`{"stars":[3,4],
//! "reason":"VIP"}`) turned into parts the audit page can label in any language ("3★ → 4★",
//! "Reason: VIP"), with what a person wrote kept apart from values the system chose.

use serde_json::Value;

/// The kind of a readable part of an audit entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Stars before and after (`3★ → 4★`); `None` where there were none (unrated).
    Stars { from: Option<i64>, to: Option<i64> },
    /// Text a person wrote (the reason for an override or an erasure): shown as written.
    Reason(String),
    /// A field that changed (`role: agent → manager`); `field` is the stored key.
    Changed { field: String, from: String, to: String },
    /// A field and its value (`scopes: customers:read`); `field` is the stored key, nested keys
    /// joined with a dot (`moved.transactions`).
    Value { field: String, value: String },
}

/// Actions whose `reason` is text a person typed, not a code the system chose (a failed
/// sign-in's reason is the latter).
const WRITTEN_REASONS: [&str; 2] = ["customer.stars_overridden", "customer.erase"];

/// The readable parts of an entry's `changes` (a JSON object). Ids (keys ending in `Id`, whose
/// values mean nothing to a reader) and empty values are left out; text that is not a JSON
/// object comes back as one value, so nothing recorded is hidden.
pub fn describe(action: &str, changes: &str) -> Vec<Detail> {
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(changes) else {
        return if changes.trim().is_empty() {
            Vec::new()
        } else {
            vec![Detail::Value { field: String::new(), value: changes.to_owned() }]
        };
    };
    let mut out = Vec::new();
    for (key, value) in &fields {
        if value.is_null() || key.ends_with("Id") {
            continue;
        }
        match (key.as_str(), value) {
            ("stars", Value::Array(pair)) if pair.len() == 2 => {
                out.push(Detail::Stars { from: pair[0].as_i64(), to: pair[1].as_i64() });
            }
            ("reason", Value::String(text)) if WRITTEN_REASONS.contains(&action) => {
                out.push(Detail::Reason(text.clone()));
            }
            (_, Value::Object(change)) if change.contains_key("from") && change.contains_key("to") => {
                out.push(Detail::Changed {
                    field: key.clone(),
                    from: plain(&change["from"]),
                    to: plain(&change["to"]),
                });
            }
            (_, Value::Object(nested)) => {
                for (inner, v) in nested.iter().filter(|(_, v)| !v.is_null()) {
                    out.push(Detail::Value { field: format!("{key}.{inner}"), value: plain(v) });
                }
            }
            _ => out.push(Detail::Value { field: key.clone(), value: plain(value) }),
        }
    }
    out
}

/// A JSON value as text: strings without quotes, lists joined with commas.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        Value::Object(fields) => {
            fields.iter().map(|(k, v)| format!("{k} {}", plain(v))).collect::<Vec<_>>().join(" ")
        }
        other => other.to_string(),
    }
}

/// `3★ → 4★`; `—` for a side without stars.
pub fn stars_change(from: Option<i64>, to: Option<i64>) -> String {
    let side = |s: Option<i64>| s.map_or_else(|| "—".to_owned(), |n| format!("{n}★"));
    format!("{} → {}", side(from), side(to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_reads_as_stars_and_the_reason_as_written() {
        let parts = describe(
            "customer.stars_overridden",
            r#"{"stars":[3,4],"reason":"VIP 活动","until":"2026-12-31T16:00:00Z"}"#,
        );
        assert!(parts.contains(&Detail::Stars { from: Some(3), to: Some(4) }), "{parts:?}");
        assert!(parts.contains(&Detail::Reason("VIP 活动".to_owned())), "{parts:?}");
        assert!(parts.iter().any(|p| matches!(p, Detail::Value { field, .. } if field == "until")));
        assert_eq!(stars_change(Some(3), Some(4)), "3★ → 4★");
        assert_eq!(stars_change(None, Some(2)), "— → 2★");
    }

    #[test]
    fn changes_nested_counts_and_codes() {
        let role = describe("user.role_change", r#"{"role":{"from":"agent","to":"manager"}}"#);
        assert_eq!(
            role,
            [Detail::Changed { field: "role".into(), from: "agent".into(), to: "manager".into() }]
        );
        // A failed sign-in's reason is the system's code, not someone's words.
        let failed = describe("session.login_failed", r#"{"reason":"wrong password"}"#);
        assert_eq!(failed, [Detail::Value { field: "reason".into(), value: "wrong password".into() }]);
        let merge = describe(
            "customer.merge",
            r#"{"mergedId":"0190","mergeId":"0191","moved":{"identities":1,"transactions":3}}"#,
        );
        assert_eq!(merge.len(), 2, "ids left out: {merge:?}");
        assert!(merge.contains(&Detail::Value { field: "moved.transactions".into(), value: "3".into() }));
        let token = describe(
            "api_token.create",
            r#"{"name":"POS","scopes":["customers:read","transactions:write"]}"#,
        );
        assert!(token.contains(&Detail::Value {
            field: "scopes".into(),
            value: "customers:read, transactions:write".into()
        }));
        assert_eq!(
            describe("x", "not json"),
            [Detail::Value { field: String::new(), value: "not json".into() }]
        );
        assert!(describe("x", "").is_empty());
    }
}
