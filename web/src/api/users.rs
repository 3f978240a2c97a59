//! Settings > Users and roles.

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::Role;
use starcrm_shared::account::{Page, UserInfo, UserStatus};

use super::{ApiError, execute};

const USERS: &str = include_str!("../../graphql/users.graphql");
const CREATE_USER: &str = include_str!("../../graphql/create_user.graphql");
const CHANGE_USER_ROLE: &str = include_str!("../../graphql/change_user_role.graphql");
const DEACTIVATE_USER: &str = include_str!("../../graphql/deactivate_user.graphql");
const REACTIVATE_USER: &str = include_str!("../../graphql/reactivate_user.graphql");
const RESET_USER_PASSWORD: &str = include_str!("../../graphql/reset_user_password.graphql");
const REVEAL_USER_PHONE: &str = include_str!("../../graphql/reveal_user_phone.graphql");

/// One page of users.
pub async fn list(
    first: u32,
    after: Option<String>,
    search: &str,
    role: Option<Role>,
    status: Option<UserStatus>,
) -> Result<Page<UserInfo>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        users: Page<UserInfo>,
    }
    let variables = json!({ "first": first, "after": after, "filter": { "search": search, "role": role, "status": status } });
    execute::<_, Data>(USERS, &variables).await.map(|d| d.users)
}

/// A new account and its temporary password.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub user: UserInfo,
    pub temporary_password: String,
}

pub async fn create(email: &str, name: &str, role: Role, phone: &str) -> Result<Created, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        create_user: Created,
    }
    let phone = (!phone.trim().is_empty()).then_some(phone);
    let variables = json!({ "input": { "email": email, "name": name, "role": role, "phone": phone } });
    execute::<_, Data>(CREATE_USER, &variables).await.map(|d| d.create_user)
}

pub async fn change_role(id: &str, role: Role, version: i32) -> Result<UserInfo, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        change_user_role: UserInfo,
    }
    let variables = json!({ "input": { "id": id, "role": role, "version": version } });
    execute::<_, Data>(CHANGE_USER_ROLE, &variables).await.map(|d| d.change_user_role)
}

pub async fn set_active(id: &str, active: bool) -> Result<UserInfo, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        #[serde(alias = "deactivateUser", alias = "reactivateUser")]
        user: UserInfo,
    }
    let document = if active { REACTIVATE_USER } else { DEACTIVATE_USER };
    execute::<_, Data>(document, &json!({ "id": id })).await.map(|d| d.user)
}

/// A new temporary password for someone who forgot theirs (their sessions end).
pub async fn reset_password(id: &str) -> Result<Created, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        reset_user_password: Created,
    }
    execute::<_, Data>(RESET_USER_PASSWORD, &json!({ "id": id })).await.map(|d| d.reset_user_password)
}

/// The full phone number (needs `pii:read`; the server records the reveal).
pub async fn reveal_phone(id: &str) -> Result<Option<String>, ApiError> {
    #[derive(Deserialize)]
    struct Phone {
        phone: Option<String>,
    }
    #[derive(Deserialize)]
    struct Data {
        user: Option<Phone>,
    }
    execute::<_, Data>(REVEAL_USER_PHONE, &json!({ "id": id })).await.map(|d| d.user.and_then(|u| u.phone))
}
