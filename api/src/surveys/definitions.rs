//! Survey definitions: what is asked (NPS or CSAT), when (a ticket solved, days after a purchase,
//! every so many days to some star levels, by hand), on which channel and in which words (a
//! template per language).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::surveys::{MessageChannel, SurveyKind, SurveyTrigger, Template};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::entities::survey_definition;
use crate::error::AppError;

/// The longest delay after a trigger, in days.
pub const MAX_DELAY_DAYS: i32 = 365;
/// The longest a link may stay valid, in days.
pub const MAX_LINK_DAYS: i32 = 90;
/// How often a periodic survey may ask one customer at most, and at least, in days.
pub const PERIOD_DAYS: std::ops::RangeInclusive<i32> = 30..=730;

/// A definition as given (`id` to change an existing one).
#[derive(Clone, Debug)]
pub struct DefinitionInput {
    pub id: Option<Uuid>,
    pub name: String,
    pub kind: SurveyKind,
    pub trigger: SurveyTrigger,
    pub delay_days: i32,
    pub channel: MessageChannel,
    pub templates: Vec<Template>,
    pub link_days: i32,
    pub active: bool,
    /// For the periodic trigger: days between asks, and the star levels asked (none: all).
    pub period_days: Option<i32>,
    pub star_levels: Vec<u8>,
}

fn parse<T>(value: &str, parse: fn(&str) -> Option<T>, what: &str) -> Result<T, AppError> {
    parse(value).ok_or_else(|| AppError::internal(anyhow::anyhow!("stored {what} `{value}` is unknown")))
}

/// The definition's kind, trigger and channel, and its templates.
///
/// # Errors
/// An internal error for stored values that do not parse.
pub fn parts(
    d: &survey_definition::Model,
) -> Result<(SurveyKind, SurveyTrigger, MessageChannel, Vec<Template>), AppError> {
    Ok((
        parse(&d.kind, SurveyKind::parse, "survey kind")?,
        parse(&d.trigger, SurveyTrigger::parse, "survey trigger")?,
        parse(&d.channel, MessageChannel::parse, "message channel")?,
        serde_json::from_str(&d.templates).map_err(AppError::internal)?,
    ))
}

/// The workspace's definitions, by name. Needs `surveys:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<survey_definition::Model>, AppError> {
    scope.require(Permission::SurveysRead)?;
    Ok(survey_definition::Entity::find()
        .filter(survey_definition::Column::WorkspaceId.eq(scope.workspace_id))
        .order_by_asc(survey_definition::Column::Name)
        .all(conn)
        .await?)
}

/// One definition of the workspace.
///
/// # Errors
/// `NOT_FOUND` for another workspace's or an unknown one.
pub async fn find(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> Result<survey_definition::Model, AppError> {
    survey_definition::Entity::find_by_id(id)
        .filter(survey_definition::Column::WorkspaceId.eq(workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "survey definition" })
}

fn check(input: &DefinitionInput) -> Result<String, AppError> {
    let name = starcrm_shared::validate::name(&input.name, 100).map_err(|r| AppError::invalid("name", r))?;
    if !(0..=MAX_DELAY_DAYS).contains(&input.delay_days) {
        return Err(AppError::bad_input("delayDays", format!("must be between 0 and {MAX_DELAY_DAYS}")));
    }
    if !(1..=MAX_LINK_DAYS).contains(&input.link_days) {
        return Err(AppError::bad_input("linkDays", format!("must be between 1 and {MAX_LINK_DAYS}")));
    }
    if input.trigger == SurveyTrigger::TicketSolved && input.kind != SurveyKind::Csat {
        return Err(AppError::bad_input("kind", "a solved ticket is rated with CSAT"));
    }
    if input.trigger == SurveyTrigger::Periodic {
        let (low, high) = (PERIOD_DAYS.start(), PERIOD_DAYS.end());
        if !input.period_days.is_some_and(|d| PERIOD_DAYS.contains(&d)) {
            return Err(AppError::bad_input("periodDays", format!("must be between {low} and {high}")));
        }
        if input.star_levels.iter().any(|s| !(1..=5).contains(s)) {
            return Err(AppError::bad_input("starLevels", "are 1 to 5"));
        }
    }
    if input.templates.is_empty() {
        return Err(AppError::bad_input("templates", "give the message in at least one language"));
    }
    for (i, t) in input.templates.iter().enumerate() {
        crate::surveys::responses::checked_language(Some(&t.language))
            .map_err(|_| AppError::bad_input(format!("templates[{i}].language"), "is not a language tag"))?;
        if input.templates[..i].iter().any(|o| o.language.eq_ignore_ascii_case(&t.language)) {
            return Err(AppError::bad_input(format!("templates[{i}].language"), "is listed twice"));
        }
        t.check(input.channel == MessageChannel::Email)
            .map_err(|e| AppError::bad_input(format!("templates[{i}].{}", e.field), e.message))?;
    }
    Ok(name)
}

/// Creates or changes a definition. Needs `surveys:manage`.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field; `NOT_FOUND` for another workspace's id; `CONFLICT` for a
/// name taken.
pub async fn save(
    db: &DatabaseConnection,
    scope: &Scope,
    input: DefinitionInput,
) -> Result<survey_definition::Model, AppError> {
    scope.require(Permission::SurveysManage)?;
    let name = check(&input)?;
    let periodic = input.trigger == SurveyTrigger::Periodic;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let existing = match input.id {
        Some(id) => Some(find(&*txn, scope.workspace_id, id).await?),
        None => None,
    };
    let row = survey_definition::Model {
        id: existing.as_ref().map_or_else(Uuid::now_v7, |e| e.id),
        workspace_id: scope.workspace_id,
        name,
        kind: input.kind.as_str().to_owned(),
        trigger: input.trigger.as_str().to_owned(),
        delay_days: input.delay_days,
        channel: input.channel.as_str().to_owned(),
        templates: serde_json::to_string(&input.templates).map_err(AppError::internal)?,
        link_days: input.link_days,
        active: input.active,
        period_days: periodic.then_some(input.period_days).flatten(),
        star_levels: star_levels(periodic, &input.star_levels)?,
        updated_by: scope.user_id(),
        created_at: existing.as_ref().map_or(now, |e| e.created_at),
        updated_at: now,
    };
    let active = row.into_active_model().reset_all();
    let saved = if existing.is_some() { active.update(&*txn).await } else { active.insert(&*txn).await }
        .map_err(|e| AppError::unique_or_internal(e, "name", "a survey with this name exists"))?;
    let entry = Entry::new("survey.definition", "survey_definition", saved.id).changes(json!({
        "name": saved.name, "kind": saved.kind, "trigger": saved.trigger, "delayDays": saved.delay_days,
        "channel": saved.channel, "active": saved.active, "created": existing.is_none(),
        "periodDays": saved.period_days, "starLevels": saved.star_levels,
    }));
    audit::record(&*txn, scope, entry).await?;
    txn.commit().await?;
    Ok(saved)
}

/// The star levels a periodic survey asks, stored sorted and once each (null: every level).
fn star_levels(periodic: bool, given: &[u8]) -> Result<Option<String>, AppError> {
    let mut levels: Vec<u8> = given.to_vec();
    levels.sort_unstable();
    levels.dedup();
    if !periodic || levels.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(&levels).map(Some).map_err(AppError::internal)
}

/// The star levels a stored definition asks (empty: every level).
pub fn levels_of(definition: &survey_definition::Model) -> Vec<u8> {
    definition.star_levels.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default()
}
