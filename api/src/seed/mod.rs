//! `starcrm seed`: a demo workspace with one account per role, created once, so a new user can
//! sign in and look around right after `scripts/run`.

pub mod generator;
pub mod loyalty;
pub mod service_desk;
pub mod surveys;
pub mod vocabulary;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use starcrm_shared::Role;
use starcrm_shared::customer::CustomFieldKind;
use starcrm_shared::rating::{Policy, Welcome};

use crate::auth::{RequestMeta, password};
use crate::customers::custom_fields::FieldInput;
use crate::entities::{user, workspace};
use crate::error::AppError;
use crate::workspaces::service::{NewWorkspace, create};

pub const DEMO_WORKSPACE: &str = "星辰商贸（演示）";
pub const DEMO_DOMAIN: &str = "demo.starcrm.local";
/// Printed by `scripts/run`: a demo, not a secret. Change it (or do not seed) on real servers.
pub const DEMO_PASSWORD: &str = "Star-Demo-2026";

/// The demo accounts: (email name, display name, role).
pub const DEMO_USERS: [(&str, &str, Role); 6] = [
    ("owner", "王芳", Role::Owner),
    ("admin", "李强", Role::Admin),
    ("manager", "张伟", Role::Manager),
    ("agent", "刘洋", Role::Agent),
    ("marketer", "陈静", Role::Marketer),
    ("analyst", "Emily Zhou", Role::Analyst),
];

/// The classic customer profile sheet, as the demo workspace's custom fields.
const DEMO_FIELDS: [(&str, &str, CustomFieldKind, &[&str]); 7] = [
    ("hobbies", "兴趣爱好", CustomFieldKind::MultiSelect, &["茶艺", "旅行", "摄影", "阅读", "烹饪", "书法"]),
    (
        "favourite_sport",
        "喜欢的运动",
        CustomFieldKind::SingleSelect,
        &["羽毛球", "游泳", "跑步", "乒乓球", "瑜伽"],
    ),
    ("motto", "座右铭", CustomFieldKind::Text, &[]),
    ("life_goal", "人生目标", CustomFieldKind::Text, &[]),
    ("smoker", "吸烟", CustomFieldKind::Boolean, &[]),
    ("drinks", "饮酒", CustomFieldKind::Boolean, &[]),
    ("children", "子女数", CustomFieldKind::Number, &[]),
];

pub fn demo_email(local: &str) -> String {
    format!("{local}@{DEMO_DOMAIN}")
}

/// Creates the demo workspace unless its owner exists. Returns whether it was created.
///
/// # Errors
/// Database failures.
pub async fn demo(db: &DatabaseConnection) -> Result<bool, AppError> {
    let owner_email = demo_email(DEMO_USERS[0].0);
    if user::Entity::find().filter(user::Column::Email.eq(&owner_email)).one(db).await?.is_some() {
        return Ok(false);
    }
    let new = NewWorkspace {
        name: DEMO_WORKSPACE.to_owned(),
        timezone: None,
        currency: None,
        owner_email,
        owner_name: DEMO_USERS[0].1.to_owned(),
        owner_password: DEMO_PASSWORD.to_owned(),
    };
    let (workspace, _) = create(db, &RequestMeta::default(), new).await?;
    // The standard policy with the seeds' 新客户注册送星级: new customers shown 3 stars for 30 days.
    let policy = Policy { welcome: Some(Welcome { stars: 3, days: 30 }), ..Policy::standard() };
    crate::ratings::policy::start_with(db, workspace.id, &policy).await?;
    let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    for (local, name, role) in &DEMO_USERS[1..] {
        crate::users::service::insert_seeded(db, workspace.id, &demo_email(local), name, *role, hash.clone())
            .await?;
    }
    let scope = crate::auth::Scope::system(workspace.id);
    for (position, (key, label, kind, options)) in DEMO_FIELDS.iter().enumerate() {
        let input = FieldInput {
            key: (*key).to_owned(),
            label: (*label).to_owned(),
            kind: *kind,
            options: options.iter().map(|o| (*o).to_owned()).collect(),
            position: i32::try_from(position).ok(),
        };
        crate::customers::custom_fields::create(db, &scope, input).await?;
    }
    Ok(true)
}

/// The workspace `name_or_id` names, or the demo workspace.
///
/// # Errors
/// `NOT_FOUND` when there is none.
pub async fn find_workspace(
    db: &DatabaseConnection,
    name_or_id: Option<&str>,
) -> Result<workspace::Model, AppError> {
    let query = match name_or_id {
        Some(value) => match value.parse::<uuid::Uuid>() {
            Ok(id) => workspace::Entity::find_by_id(id),
            Err(_) => workspace::Entity::find().filter(workspace::Column::Name.eq(value)),
        },
        None => workspace::Entity::find().filter(workspace::Column::Name.eq(DEMO_WORKSPACE)),
    };
    query.order_by_asc(workspace::Column::Id).one(db).await?.ok_or(AppError::NotFound { entity: "workspace" })
}
