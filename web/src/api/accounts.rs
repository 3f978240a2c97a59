//! Signing in and out, the session, the signed-in user's own account.

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::account::Viewer;

use super::{ApiError, Tokens, clear, execute, send, store};

const LOGIN: &str = include_str!("../../graphql/login.graphql");
const REFRESH_SESSION: &str = include_str!("../../graphql/refresh_session.graphql");
const LOGOUT: &str = include_str!("../../graphql/logout.graphql");
const VIEWER: &str = include_str!("../../graphql/viewer.graphql");
const CHANGE_PASSWORD: &str = include_str!("../../graphql/change_password.graphql");

#[derive(Deserialize)]
struct LoginData {
    login: Tokens,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefreshData {
    refresh_session: Tokens,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChangePasswordData {
    change_password: Tokens,
}

#[derive(Deserialize)]
struct ViewerData {
    viewer: Viewer,
}

/// Signs in; the server sets the refresh cookie. `workspace` picks one when the email has
/// accounts in several (the first answer lists them: `ApiError::workspaces`).
pub async fn login(email: &str, password: &str, workspace: Option<&str>) -> Result<Viewer, ApiError> {
    let variables = json!({ "input": { "email": email, "password": password, "workspaceId": workspace } });
    let data: LoginData = send(LOGIN, &variables, None).await?;
    Ok(store(data.login))
}

/// A new access token from the refresh cookie (the session survives reloads this way).
pub(crate) async fn refresh_session() -> Result<Viewer, ApiError> {
    let data: RefreshData = send(REFRESH_SESSION, &json!({}), None).await?;
    Ok(store(data.refresh_session))
}

/// Resumes the session after a page load, if the browser still has one (the session listener
/// hears the outcome).
pub async fn resume() -> Result<(), ApiError> {
    super::refresh_after(None).await
}

/// The signed-in user as the server sees them now (after a role change, say).
pub async fn viewer() -> Result<Viewer, ApiError> {
    execute::<_, ViewerData>(VIEWER, &json!({})).await.map(|d| d.viewer)
}

/// Ends the session on the server (by its cookie) and here.
pub async fn logout() -> Result<(), ApiError> {
    let result = send::<_, serde_json::Value>(LOGOUT, &json!({}), None).await.map(|_| ());
    clear(false);
    result
}

/// Changes the password; every other session of the account ends, this one continues.
pub async fn change_password(current: &str, new: &str) -> Result<Viewer, ApiError> {
    let variables = json!({ "input": { "currentPassword": current, "newPassword": new } });
    let data: ChangePasswordData = execute(CHANGE_PASSWORD, &variables).await?;
    Ok(store(data.change_password))
}
