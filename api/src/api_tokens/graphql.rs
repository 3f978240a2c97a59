use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::Permission;
use starcrm_shared::account::ApiTokenStatus;

use super::service;
use crate::auth::ContextExt;
use crate::entities::api_token;
use crate::users::graphql::parse_id;

/// A credential for an integration. The secret itself is shown only when it is created.
pub struct ApiToken {
    token: api_token::Model,
    created_by: Option<(uuid::Uuid, String)>,
}

/// An API token, named: enough to say which one acts.
#[derive(SimpleObject)]
pub struct ApiTokenRef {
    pub id: ID,
    pub name: String,
}

/// Who made something: enough to show, without loading the whole account.
#[derive(SimpleObject)]
pub struct UserRef {
    pub id: ID,
    pub name: String,
}

#[Object]
impl ApiToken {
    async fn id(&self) -> ID {
        ID(self.token.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.token.name
    }

    /// The start of the secret (`scrm_4fK2x9Qa`), to recognise it.
    async fn prefix(&self) -> &str {
        &self.token.prefix
    }

    /// Permissions granted (`customers:read`, ...). The token can never do more than its
    /// creator's current role allows.
    async fn scopes(&self) -> Vec<&str> {
        self.token.scopes.split_whitespace().collect()
    }

    async fn created_by(&self) -> Option<UserRef> {
        self.created_by.as_ref().map(|(id, name)| UserRef { id: ID(id.to_string()), name: name.clone() })
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.token.created_at
    }

    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.token.last_used_at
    }

    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.token.expires_at
    }

    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.token.revoked_at
    }

    async fn status(&self) -> ApiTokenStatus {
        if self.token.revoked_at.is_some() {
            ApiTokenStatus::Revoked
        } else if self.token.expires_at.is_some_and(|at| at <= Utc::now()) {
            ApiTokenStatus::Expired
        } else {
            ApiTokenStatus::Active
        }
    }
}

#[derive(InputObject)]
pub struct CreateApiTokenInput {
    /// What it is for (`Tmall shop sync`).
    pub name: String,
    /// Permissions to grant; each must be one the creator holds.
    pub scopes: Vec<String>,
    /// When it stops working; never, if absent.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(SimpleObject)]
pub struct CreateApiTokenPayload {
    pub api_token: ApiToken,
    /// The secret: send it as `Authorization: Bearer <secret>`. Shown only now.
    pub secret: String,
}

#[derive(Default)]
pub struct ApiTokensQuery;

#[Object]
impl ApiTokensQuery {
    /// The workspace's API tokens, newest first. Needs `tokens:manage`.
    async fn api_tokens(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] include_revoked: bool,
    ) -> async_graphql::Result<Vec<ApiToken>> {
        let scope = ctx.require(Permission::TokensManage)?;
        let listed = service::list(ctx.db()?, scope, include_revoked).await.map_err(|e| e.extend())?;
        Ok(listed.into_iter().map(|l| ApiToken { token: l.token, created_by: l.created_by }).collect())
    }
}

#[derive(Default)]
pub struct ApiTokensMutation;

#[Object]
impl ApiTokensMutation {
    /// Creates an API token. Needs `tokens:manage`; signed-in users only.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        input: CreateApiTokenInput,
    ) -> async_graphql::Result<CreateApiTokenPayload> {
        let scope = ctx.require(Permission::TokensManage)?;
        let (token, secret) = service::create(ctx.db()?, scope, &input.name, &input.scopes, input.expires_at)
            .await
            .map_err(|e| e.extend())?;
        let created_by = scope.user_id().map(|id| (id, scope.actor_name().to_owned()));
        Ok(CreateApiTokenPayload { api_token: ApiToken { token, created_by }, secret })
    }

    /// Revokes an API token; it is refused from the next request on. Needs `tokens:manage`.
    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ApiToken> {
        let scope = ctx.require(Permission::TokensManage)?;
        let id = parse_id(&id, "id")?;
        let listed = service::revoke(ctx.db()?, scope, id).await.map_err(|e| e.extend())?;
        Ok(ApiToken { token: listed.token, created_by: listed.created_by })
    }
}
