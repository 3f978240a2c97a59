use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use axum::http::header::SET_COOKIE;
use chrono::{DateTime, Utc};
use starcrm_shared::Role;
use starcrm_shared::account::ActorKind;

use super::scope::{Actor, ContextExt, Scope};
use super::sessions::{self, Issued};
use super::{REFRESH_COOKIE, RequestMeta};
use crate::api_tokens::graphql::ApiTokenRef;
use crate::error::AppError;
use crate::users::graphql::User;
use crate::workspaces::graphql::Workspace;
use crate::{users, workspaces};

/// The caller: who they are, their workspace, and what they may do.
pub struct Viewer(Scope);

#[Object]
impl Viewer {
    /// A signed-in user or an API token.
    async fn actor(&self) -> ActorKind {
        self.0.actor_kind()
    }

    async fn workspace(&self, ctx: &Context<'_>) -> async_graphql::Result<Workspace> {
        let found = workspaces::service::current(ctx.db()?, &self.0).await.map_err(|e| e.extend())?;
        Ok(found.into())
    }

    /// The signed-in user (absent for API tokens).
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.user_id() else { return Ok(None) };
        let found = users::service::get(ctx.db()?, &self.0, id).await.map_err(|e| e.extend())?;
        Ok(Some(User(found)))
    }

    /// The API token (absent for users).
    async fn api_token(&self) -> Option<ApiTokenRef> {
        match &self.0.actor {
            Actor::ApiToken { id, name, .. } => {
                Some(ApiTokenRef { id: id.to_string().into(), name: name.clone() })
            }
            _ => None,
        }
    }

    /// The user's role (absent for API tokens).
    async fn role(&self) -> Option<Role> {
        match &self.0.actor {
            Actor::User { role, .. } => Some(*role),
            _ => None,
        }
    }

    /// Effective permissions (`customers:read`, ...): what every field and mutation checks.
    async fn permissions(&self) -> Vec<&'static str> {
        self.0.permissions.iter().map(|p| p.as_str()).collect()
    }
}

/// Tokens from a sign-in, refresh or password change.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <accessToken>`; about 15 minutes.
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    /// Only when `returnRefreshToken: true` (mobile apps; store it securely). Browsers get it as
    /// an httpOnly cookie instead.
    pub refresh_token: Option<String>,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub viewer: Viewer,
}

/// A role and the permissions it grants (the table the server enforces).
#[derive(SimpleObject)]
pub struct RoleInfo {
    pub role: Role,
    pub permissions: Vec<&'static str>,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    /// The workspace to sign in to, when the email has accounts in several (the first attempt
    /// without it answers `BAD_USER_INPUT` on `workspaceId`, listing them in
    /// `extensions.workspaces`, once the password is right).
    pub workspace_id: Option<ID>,
    /// `true` for clients that cannot keep cookies (mobile apps): the refresh token comes back
    /// in the body instead of a cookie.
    #[graphql(default)]
    pub return_refresh_token: bool,
}

#[derive(InputObject, Default)]
pub struct RefreshSessionInput {
    /// The refresh token (mobile apps). Browsers omit it; the cookie is used.
    pub refresh_token: Option<String>,
    #[graphql(default)]
    pub return_refresh_token: bool,
}

#[derive(InputObject, Default)]
pub struct LogoutInput {
    /// Mobile apps: the refresh token of the session to end. Browsers omit it.
    pub refresh_token: Option<String>,
}

#[derive(InputObject)]
pub struct SignUpInput {
    pub workspace_name: String,
    /// The owner's name.
    pub name: String,
    pub email: String,
    pub password: String,
    /// IANA time zone (default `Asia/Shanghai`).
    pub timezone: Option<String>,
    /// ISO 4217 currency (default `CNY`).
    pub currency: Option<String>,
    #[graphql(default)]
    pub return_refresh_token: bool,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
    #[graphql(default)]
    pub return_refresh_token: bool,
}

/// Answers with tokens: the refresh token in the body when asked, otherwise in the cookie.
fn payload(
    ctx: &Context<'_>,
    issued: Issued,
    return_refresh_token: bool,
) -> async_graphql::Result<AuthPayload> {
    let meta = ctx.meta()?;
    let refresh_token = if return_refresh_token {
        Some(issued.refresh_token)
    } else {
        let max_age = (issued.refresh_expires_at - Utc::now()).num_seconds().max(0);
        ctx.append_http_header(SET_COOKIE, refresh_cookie(meta, &issued.refresh_token, max_age));
        None
    };
    Ok(AuthPayload {
        access_token: issued.access_token,
        access_token_expires_at: issued.access_expires_at,
        refresh_token,
        refresh_token_expires_at: issued.refresh_expires_at,
        viewer: Viewer(issued.scope),
    })
}

/// `HttpOnly` (no script reads it), `SameSite=Strict` (no cross-site request carries it),
/// `Secure` except on localhost, and sent only to `/graphql`.
fn refresh_cookie(meta: &RequestMeta, value: &str, max_age_seconds: i64) -> String {
    let secure = if meta.secure_cookies { "; Secure" } else { "" };
    format!(
        "{REFRESH_COOKIE}={value}; Path=/graphql; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}"
    )
}

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The caller. `UNAUTHENTICATED` without credentials.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        Ok(Viewer(ctx.scope()?.clone()))
    }

    /// Every role and its permissions.
    async fn roles(&self) -> Vec<RoleInfo> {
        Role::ALL
            .into_iter()
            .map(|role| RoleInfo {
                role,
                permissions: role.permissions().iter().map(|p| p.as_str()).collect(),
            })
            .collect()
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Creates a workspace with its owner and signs the owner in. Only while sign-up is open
    /// (`STARCRM_SIGNUP=open`).
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> async_graphql::Result<AuthPayload> {
        if !ctx.auth()?.signup_open {
            return Err(AppError::forbidden(
                "sign-up is closed on this server; ask its operator for an account",
            )
            .extend());
        }
        let meta = ctx.meta()?;
        let new = workspaces::service::NewWorkspace {
            name: input.workspace_name,
            timezone: input.timezone,
            currency: input.currency,
            owner_email: input.email,
            owner_name: input.name,
            owner_password: input.password,
        };
        let db = ctx.db()?;
        let (_, owner) = workspaces::service::create(db, meta, new).await.map_err(|e| e.extend())?;
        let issued = sessions::start(db, ctx.auth()?, meta, &owner).await.map_err(|e| e.extend())?;
        payload(ctx, issued, input.return_refresh_token)
    }

    /// Signs in with email and password. Wrong email and wrong password get the same answer;
    /// attempts are rate limited per account and per address (each aliased call counts).
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> async_graphql::Result<AuthPayload> {
        let workspace =
            input.workspace_id.as_ref().map(|id| users::graphql::parse_id(id, "workspaceId")).transpose()?;
        let issued =
            sessions::login(ctx.db()?, ctx.auth()?, ctx.meta()?, &input.email, input.password, workspace)
                .await
                .map_err(|e| e.extend())?;
        payload(ctx, issued, input.return_refresh_token)
    }

    /// Exchanges a refresh token (from the body or the cookie) for new tokens. Each refresh
    /// token works once; reusing one ends its session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        input: Option<RefreshSessionInput>,
    ) -> async_graphql::Result<AuthPayload> {
        let input = input.unwrap_or_default();
        let meta = ctx.meta()?;
        let (token, from_body) = match input.refresh_token {
            Some(token) => (token, true),
            None => (meta.refresh_cookie.clone().ok_or_else(|| AppError::Unauthenticated.extend())?, false),
        };
        let issued = sessions::refresh(ctx.db()?, ctx.auth()?, meta, &token).await.map_err(|e| e.extend())?;
        payload(ctx, issued, from_body || input.return_refresh_token)
    }

    /// Ends the caller's session (or the one of the given refresh token) and clears the cookie.
    async fn logout(&self, ctx: &Context<'_>, input: Option<LogoutInput>) -> async_graphql::Result<bool> {
        let meta = ctx.meta()?;
        let db = ctx.db()?;
        let signed_in =
            ctx.scope().ok().filter(|s| matches!(s.actor, Actor::User { .. })).map(Scope::session_id);
        let token = input.and_then(|i| i.refresh_token).or_else(|| meta.refresh_cookie.clone());
        if let Some(session) = signed_in {
            sessions::logout_session(db, meta, session).await.map_err(|e| e.extend())?;
        } else if let Some(token) = token {
            sessions::logout_by_refresh_token(db, meta, &token).await.map_err(|e| e.extend())?;
        }
        ctx.append_http_header(SET_COOKIE, refresh_cookie(meta, "", 0));
        Ok(true)
    }

    /// Changes the caller's password: every session of the account ends, and the caller gets a
    /// new one.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<AuthPayload> {
        let scope = ctx.scope()?;
        let issued = users::service::change_password(
            ctx.db()?,
            ctx.auth()?,
            scope,
            input.current_password,
            input.new_password,
        )
        .await
        .map_err(|e| e.extend())?;
        payload(ctx, issued, input.return_refresh_token)
    }
}
