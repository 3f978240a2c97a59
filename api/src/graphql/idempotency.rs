//! `Idempotency-Key` (as Stripe's): a mutation sent with the header runs once; a retry with the
//! same key and the same operation and variables gets the first answer back (with
//! `Idempotent-Replayed: true`), the same key with anything else gets `CONFLICT`. Keys belong to
//! one caller (a user, or an API token) in one workspace and are kept 24 hours. Answers that say
//! the server failed or was busy (`INTERNAL`, `RATE_LIMITED`, ...) are not kept, so a retry runs
//! again. Queries ignore the header.
//!
//! `externalRef` on pushes stays the other, domain-level guard against doubles.

use async_graphql::parser::types::OperationType;
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;
use starcrm_shared::ErrorCode;
use uuid::Uuid;

use crate::auth::{Actor, Scope};
use crate::db;
use crate::entities::idempotency_key;
use crate::error::AppError;

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// How long a key is remembered.
const KEEP_HOURS: i64 = 24;
/// A first request that has not answered after this long died with its process (a deploy, a
/// crash): its key is taken over by the next retry instead of staying "still running" for a day.
const ABANDONED_AFTER_SECONDS: i64 = 300;
/// The longest key accepted (Stripe: 255).
const MAX_KEY: usize = 255;
/// Error codes whose answers are not kept: the request may well succeed when retried.
const NOT_KEPT: [ErrorCode; 4] =
    [ErrorCode::Internal, ErrorCode::RateLimited, ErrorCode::Unauthenticated, ErrorCode::Unavailable];

/// What to do with a request that carries a key.
#[derive(Debug)]
pub enum Claim {
    /// First time: run it, then [`keep`] (or [`forget`]) the answer under this row id.
    Run(Uuid),
    /// Seen before with the same operation: answer this (JSON) again.
    Replay(String),
}

/// Whether the operation the request runs is a mutation (the header means nothing on queries).
pub fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(query) else { return false };
    document.operations.iter().any(|(name, op)| {
        let chosen = match (operation_name, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            (Some(_), None) => false,
            (None, _) => true,
        };
        chosen && op.node.ty == OperationType::Mutation
    })
}

/// SHA-256 of the operation, its name and its variables (whitespace of the JSON aside).
pub fn fingerprint(request: &async_graphql::Request) -> String {
    let variables = serde_json::to_value(&request.variables).unwrap_or_default();
    let canonical = json!({
        "query": request.query,
        "operationName": request.operation_name,
        "variables": variables,
    });
    crate::auth::tokens::hash(&canonical.to_string())
}

fn caller_key(scope: &Scope) -> Option<String> {
    match &scope.actor {
        Actor::User { id, .. } => Some(format!("user:{id}")),
        Actor::ApiToken { id, .. } => Some(format!("token:{id}")),
        Actor::System => None,
    }
}

/// Checks the key and takes it for this request, or finds the answer given to it before.
///
/// # Errors
/// `BAD_USER_INPUT` (field `Idempotency-Key`) for an empty, over-long or non-printable key;
/// `CONFLICT` when the key was used for another operation or its first request still runs.
pub async fn claim(
    db: &DatabaseConnection,
    scope: &Scope,
    key: &str,
    fingerprint: &str,
) -> Result<Option<Claim>, AppError> {
    if key.is_empty() || key.len() > MAX_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::bad_input(
            "Idempotency-Key",
            format!("must be 1 to {MAX_KEY} printable ASCII characters (a UUID is a good key)"),
        ));
    }
    let Some(caller) = caller_key(scope) else { return Ok(None) };
    let txn = db::begin_write(db).await?;
    // Keys older than a day are forgotten (all of them, so the table stays small).
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(Utc::now() - Duration::hours(KEEP_HOURS)))
        .exec(&txn)
        .await?;
    let found = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(idempotency_key::Column::Caller.eq(&caller))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(&txn)
        .await?;
    let claim = match found {
        Some(row) if row.fingerprint != fingerprint => {
            return Err(AppError::Conflict {
                field: Some("Idempotency-Key".to_owned()),
                message: "this key was already used for a different operation or variables; use a new key"
                    .to_owned(),
            });
        }
        Some(row) => match row.response {
            Some(response) => Claim::Replay(response),
            None if row.created_at < Utc::now() - Duration::seconds(ABANDONED_AFTER_SECONDS) => {
                idempotency_key::Entity::update_many()
                    .col_expr(idempotency_key::Column::CreatedAt, Expr::value(Utc::now()))
                    .filter(idempotency_key::Column::Id.eq(row.id))
                    .exec(&txn)
                    .await?;
                Claim::Run(row.id)
            }
            None => {
                return Err(AppError::Conflict {
                    field: Some("Idempotency-Key".to_owned()),
                    message: "the first request with this key is still running; retry in a moment".to_owned(),
                });
            }
        },
        None => {
            let id = Uuid::now_v7();
            idempotency_key::ActiveModel {
                id: Set(id),
                workspace_id: Set(scope.workspace_id),
                caller: Set(caller),
                key: Set(key.to_owned()),
                fingerprint: Set(fingerprint.to_owned()),
                response: Set(None),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await
            .map_err(|e| {
                AppError::unique_or_internal(
                    e,
                    "Idempotency-Key",
                    "the first request with this key is still running; retry in a moment",
                )
            })?;
            Claim::Run(id)
        }
    };
    txn.commit().await?;
    Ok(Some(claim))
}

/// Whether an answer is kept for retries: not when it says the server failed or was busy.
pub fn worth_keeping(response: &async_graphql::Response) -> bool {
    !response.errors.iter().any(|e| {
        let code = e.extensions.as_ref().and_then(|x| x.get("code")).and_then(|v| match v {
            async_graphql::Value::String(s) => Some(s.clone()),
            _ => None,
        });
        code.is_some_and(|code| NOT_KEPT.iter().any(|c| c.as_str() == code))
    })
}

/// Stores the answer of a claimed key for its retries.
///
/// # Errors
/// Database failures.
pub async fn keep(db: &DatabaseConnection, id: Uuid, response: &str) -> Result<(), AppError> {
    let txn = db::begin_write(db).await?;
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::Response, Expr::value(response))
        .filter(idempotency_key::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Frees a claimed key whose request failed, so a retry runs again.
///
/// # Errors
/// Database failures.
pub async fn forget(db: &DatabaseConnection, id: Uuid) -> Result<(), AppError> {
    let txn = db::begin_write(db).await?;
    idempotency_key::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_mutation;

    #[test]
    fn only_mutations_are_idempotent_operations() {
        assert!(is_mutation("mutation { a }", None));
        assert!(!is_mutation("{ a }", None));
        assert!(!is_mutation("query Q { a } mutation M { b }", Some("Q")));
        assert!(is_mutation("query Q { a } mutation M { b }", Some("M")));
        assert!(!is_mutation("not graphql", None));
    }
}
