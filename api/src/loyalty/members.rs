//! Member access: the business's own app signs its customer in, then (with an API token that has
//! `members:issue`) obtains a short-lived member token bound to exactly that customer. With it,
//! `me` answers for that customer alone: stars and what reaches the next one, benefits, points.
//!
//! A member token is never a staff caller: the GraphQL handler recognises it before staff
//! authentication and hands resolvers no `Scope` at all, so every staff field answers
//! `UNAUTHENTICATED` to it; only the member fields read [`Member`]. Each request checks that the
//! customer still exists (deleted or erased customers lose their tokens at once).

use axum::http::{HeaderMap, header};
use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::explain::Language;
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::tokens::API_TOKEN_PREFIX;
use crate::auth::{Auth, Scope, bearer};
use crate::customers::service;
use crate::entities::{customer, point_operation};
use crate::error::AppError;

/// The longest a member token lives.
pub const MAX_MINUTES: i64 = 60;

/// The customer a member token stands for, checked on this request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub workspace_id: Uuid,
    pub customer_id: Uuid,
    pub token_id: Uuid,
}

impl Member {
    /// The internal scope member reads run under (never handed to a resolver).
    pub(crate) fn scope(&self) -> Scope {
        Scope::system(self.workspace_id)
    }
}

/// The member a request's bearer token stands for, if it is a member token. `Ok(None)` for no
/// token or a token of another kind (staff or API token: staff authentication judges those).
///
/// # Errors
/// `UNAUTHENTICATED` for a valid member token whose customer is gone (deleted, erased, or not
/// in the token's workspace).
pub async fn from_headers(
    db: &DatabaseConnection,
    auth: &Auth,
    headers: &HeaderMap,
) -> Result<Option<Member>, AppError> {
    let Some(token) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer)
    else {
        return Ok(None);
    };
    if token.starts_with(API_TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(claims) = auth.keys.verify_member(token) else { return Ok(None) };
    let scope = Scope::system(claims.ws);
    let customer = service::find(db, &scope, claims.sub).await.map_err(|_| AppError::Unauthenticated)?;
    if customer.deleted_at.is_some() || customer.erased_at.is_some() {
        return Err(AppError::Unauthenticated);
    }
    Ok(Some(Member { workspace_id: claims.ws, customer_id: customer.id, token_id: claims.jti }))
}

/// A member token for `customer_id`, valid `minutes` (1 to [`MAX_MINUTES`]). Needs
/// `members:issue`; audited.
///
/// # Errors
/// `FORBIDDEN`; `NOT_FOUND` for a customer outside the workspace; `BAD_USER_INPUT` for a
/// deleted customer or a lifetime out of range.
pub async fn issue(
    db: &DatabaseConnection,
    auth: &Auth,
    scope: &Scope,
    customer_id: Uuid,
    minutes: i64,
) -> Result<(String, chrono::DateTime<Utc>, Uuid), AppError> {
    scope.require(Permission::MembersIssue)?;
    if !(1..=MAX_MINUTES).contains(&minutes) {
        return Err(AppError::bad_input("minutes", format!("must be between 1 and {MAX_MINUTES}")));
    }
    let customer = service::find(db, scope, customer_id).await?;
    if customer.deleted_at.is_some() || customer.erased_at.is_some() {
        return Err(AppError::bad_input("customerId", "is deleted"));
    }
    let now = Utc::now();
    let expires = now + Duration::minutes(minutes);
    let (token, claims) = auth.keys.issue_member(customer.id, scope.workspace_id, now, expires)?;
    audit::record(
        db,
        scope,
        Entry::new("member_token.issued", "customer", customer.id)
            .changes(json!({ "tokenId": claims.jti, "expiresAt": expires })),
    )
    .await?;
    Ok((token, expires, customer.id))
}

/// The member's own customer row.
///
/// # Errors
/// `UNAUTHENTICATED` when it is gone.
pub async fn customer(conn: &impl ConnectionTrait, member: &Member) -> Result<customer::Model, AppError> {
    service::find(conn, &member.scope(), member.customer_id).await.map_err(|_| AppError::Unauthenticated)
}

/// The member's stars explained in `language`, for the member: the override reason staff wrote
/// is replaced by a neutral phrase.
///
/// # Errors
/// Database failures.
pub async fn explanation(
    conn: &impl ConnectionTrait,
    member: &Member,
    c: &customer::Model,
    language: Language,
) -> Result<crate::ratings::explain::Explanation, AppError> {
    let mut shown = c.clone();
    if shown.star_override_reason.is_some() {
        shown.star_override_reason = Some(
            match language {
                Language::ZhCn => "商家设定",
                Language::En => "set by the business",
            }
            .to_owned(),
        );
    }
    crate::ratings::explain::explain(conn, &member.scope(), &shown, language).await
}

/// The member's newest `limit` points operations.
///
/// # Errors
/// Database failures.
pub async fn history(
    conn: &impl ConnectionTrait,
    member: &Member,
    limit: u64,
) -> Result<Vec<point_operation::Model>, AppError> {
    super::views::history(conn, &member.scope(), member.customer_id, None, limit).await
}
