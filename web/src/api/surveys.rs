//! The customer's survey page: opened and answered without signing in (the link's token is the
//! key; a staff session is never sent along, so staff opening a link see it as the customer does).

use serde::{Deserialize, Serialize};
use serde_json::json;
use starcrm_shared::contact_budget::{ContactBudget, SkipReason};
use starcrm_shared::customer::Channel;
use starcrm_shared::service_desk::{PersonRef, TicketCustomer, TicketStatus};
use starcrm_shared::surveys::{
    InvitationStatus, MessageChannel, ResponseSource, SurveyKind, SurveyTrigger, Template,
};

use super::{ApiError, execute, send};

const OPEN: &str = include_str!("../../graphql/survey_invitation.graphql");
const ANSWER: &str = include_str!("../../graphql/answer_survey.graphql");

/// Where a link stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LinkState {
    Open,
    Answered,
    Expired,
}

/// What a link opens.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicSurvey {
    pub kind: SurveyKind,
    pub low: u8,
    pub high: u8,
    pub business: String,
    pub state: LinkState,
}

pub async fn open(token: &str) -> Result<PublicSurvey, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        survey_invitation: PublicSurvey,
    }
    send::<_, Data>(OPEN, &json!({ "token": token }), None).await.map(|d| d.survey_invitation)
}

pub async fn answer(token: &str, score: u8, comment: Option<&str>, language: &str) -> Result<(), ApiError> {
    let variables = json!({ "token": token, "score": score, "comment": comment, "language": language });
    send::<_, serde_json::Value>(ANSWER, &variables, None).await.map(|_| ())
}

// ---- Staff: results, answers, settings ----

const RESULTS: &str = include_str!("../../graphql/survey_results.graphql");
const RESPONSES: &str = include_str!("../../graphql/survey_responses.graphql");
const CUSTOMER_RESPONSES: &str = include_str!("../../graphql/customer_survey_responses.graphql");
const SETTINGS: &str = include_str!("../../graphql/survey_settings.graphql");
const SAVE_DEFINITION: &str = include_str!("../../graphql/save_survey_definition.graphql");
const SAVE_MESSAGING: &str = include_str!("../../graphql/save_messaging_settings.graphql");

/// What a breakdown groups answers by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    StarLevel,
    Channel,
    Agent,
    Store,
}

impl Dimension {
    pub const ALL: [Self; 4] = [Self::StarLevel, Self::Channel, Self::Agent, Self::Store];

    pub const fn wire(self) -> &'static str {
        match self {
            Self::StarLevel => "STAR_LEVEL",
            Self::Channel => "CHANNEL",
            Self::Agent => "AGENT",
            Self::Store => "STORE",
        }
    }
}

/// A score with what it rests on (all `None` without answers).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ScoreView {
    pub n: u64,
    pub value: Option<f64>,
    pub margin: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub satisfied: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct GroupView {
    pub key: Option<String>,
    pub agent: Option<PersonRef>,
    pub score: ScoreView,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TermView {
    pub term: String,
    /// How customers wrote it (`delivery` for the stem `deliveri`).
    pub word: String,
    pub z: f64,
    pub significant: bool,
    pub count: u64,
    pub other_count: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TermsView {
    pub comments: u64,
    pub unhappy_comments: u64,
    pub happy_comments: u64,
    pub unhappy: Vec<TermView>,
    pub happy: Vec<TermView>,
}

/// The dashboard's figures for one kind and period.
#[derive(Clone, Debug, PartialEq)]
pub struct Results {
    pub overall: ScoreView,
    pub groups: Vec<GroupView>,
    /// Month (`2026-11`) by month over the last twelve.
    pub trend: Vec<GroupView>,
    pub terms: TermsView,
}

/// The ticket an unhappy answer opened.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LoopTicket {
    pub id: String,
    pub code: String,
    pub status: TicketStatus,
}

/// One answer as lists show it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseView {
    pub id: String,
    pub kind: SurveyKind,
    pub score: u8,
    pub unhappy: bool,
    pub comment: Option<String>,
    pub language: Option<String>,
    pub channel: Option<Channel>,
    pub store: Option<String>,
    pub source: ResponseSource,
    pub answered_at: String,
    /// Absent on the customer's own page.
    #[serde(default)]
    pub customer: Option<TicketCustomer>,
    pub agent: Option<PersonRef>,
    pub loop_ticket: Option<LoopTicket>,
}

/// `[from, to)` for the last `days` days, and the first of the month eleven months back (the
/// trend's start), as RFC 3339.
fn period(days: u32) -> (String, String, String) {
    let now = js_sys::Date::new_0();
    let iso = |d: &js_sys::Date| String::from(d.to_iso_string());
    let at = |ms: f64| js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    let from = at(now.get_time() - f64::from(days) * 86_400_000.0);
    // Local midnight on the first of the month eleven months back (JS carries a negative month
    // into the year before).
    let month = i32::try_from(now.get_month()).unwrap_or(0);
    let trend = js_sys::Date::new_with_year_month_day(now.get_full_year(), month - 11, 1);
    let to = at(now.get_time() + 60_000.0);
    (iso(&from), iso(&to), iso(&trend))
}

/// Scores by `by`, the trend and the terms of the last `days` days.
pub async fn results(kind: SurveyKind, days: u32, by: Dimension) -> Result<Results, ApiError> {
    #[derive(Deserialize)]
    struct Breakdown {
        overall: ScoreView,
        groups: Vec<GroupView>,
    }
    #[derive(Deserialize)]
    struct Trend {
        groups: Vec<GroupView>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        breakdown: Breakdown,
        trend: Trend,
        survey_terms: TermsView,
    }
    let (from, to, trend_from) = period(days);
    let variables = json!({ "kind": kind, "from": from, "to": to, "trendFrom": trend_from, "by": by.wire() });
    let data = execute::<_, Data>(RESULTS, &variables).await?;
    Ok(Results {
        overall: data.breakdown.overall,
        groups: data.breakdown.groups,
        trend: data.trend.groups,
        terms: data.survey_terms,
    })
}

/// What a list of answers shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Drill {
    Latest,
    Unhappy,
    /// The term, and the word it is shown as.
    Term(String, String),
}

/// The newest answers of the last `days` days behind `drill`.
pub async fn responses(kind: SurveyKind, days: u32, drill: &Drill) -> Result<Vec<ResponseView>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        survey_responses: Vec<ResponseView>,
    }
    let (from, to, _) = period(days);
    let (term, unhappy) = match drill {
        Drill::Latest => (None, None),
        Drill::Unhappy => (None, Some(true)),
        Drill::Term(t, _) => (Some(t.as_str()), None),
    };
    let variables = json!({ "kind": kind, "from": from, "to": to, "term": term, "unhappy": unhappy });
    execute::<_, Data>(RESPONSES, &variables).await.map(|d| d.survey_responses)
}

/// Every answer a customer gave, newest first.
pub async fn of_customer(id: &str) -> Result<Vec<ResponseView>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Customer {
        survey_responses: Vec<ResponseView>,
    }
    #[derive(Deserialize)]
    struct Data {
        customer: Option<Customer>,
    }
    let data = execute::<_, Data>(CUSTOMER_RESPONSES, &json!({ "id": id })).await?;
    Ok(data.customer.map(|c| c.survey_responses).unwrap_or_default())
}

/// A survey definition as settings show and edit it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DefinitionView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub kind: SurveyKind,
    pub trigger: SurveyTrigger,
    pub delay_days: u32,
    pub channel: MessageChannel,
    pub link_days: u32,
    pub active: bool,
    pub templates: Vec<Template>,
    /// For the periodic trigger.
    pub period_days: Option<u32>,
    pub star_levels: Vec<u8>,
    #[serde(skip_serializing, default)]
    pub updated_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmtpView {
    pub host: String,
    pub port: u16,
    pub tls: String,
    pub username: Option<String>,
    pub has_password: bool,
    pub from: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagingView {
    pub link_base: Option<String>,
    pub delivery_url: Option<String>,
    pub delivery_secret: Option<String>,
    pub contact_budget: ContactBudget,
    pub smtp: Option<SmtpView>,
}

/// An invitation as the settings' list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationView {
    pub id: String,
    pub definition_id: String,
    pub channel: Option<MessageChannel>,
    pub status: InvitationStatus,
    pub skip_reason: Option<SkipReason>,
    pub error: Option<String>,
    pub attempts: u32,
    pub send_at: String,
    pub sent_at: Option<String>,
    pub answered_at: Option<String>,
    pub customer: Option<TicketCustomer>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SurveySettings {
    pub definitions: Vec<DefinitionView>,
    pub messaging: MessagingView,
    pub invitations: Vec<InvitationView>,
}

pub async fn settings() -> Result<SurveySettings, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        survey_definitions: Vec<DefinitionView>,
        messaging_settings: MessagingView,
        survey_invitations: Vec<InvitationView>,
    }
    let data = execute::<_, Data>(SETTINGS, &json!({})).await?;
    Ok(SurveySettings {
        definitions: data.survey_definitions,
        messaging: data.messaging_settings,
        invitations: data.survey_invitations,
    })
}

pub async fn save_definition(definition: &DefinitionView) -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(SAVE_DEFINITION, &json!({ "input": definition })).await.map(|_| ())
}

/// The SMTP server to save; `password: None` keeps the stored one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SmtpInput {
    pub host: String,
    pub port: u16,
    pub tls: String,
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    pub from: String,
}

/// Saves everything the settings page edits (`smtp: None` clears the server).
pub async fn save_messaging(
    link_base: Option<String>,
    delivery_url: Option<String>,
    smtp: Option<SmtpInput>,
    budget: &ContactBudget,
) -> Result<(), ApiError> {
    let input =
        json!({ "linkBase": link_base, "deliveryUrl": delivery_url, "smtp": smtp, "contactBudget": budget });
    execute::<_, serde_json::Value>(SAVE_MESSAGING, &json!({ "input": input })).await.map(|_| ())
}

const CHOICES: &str = include_str!("../../graphql/survey_choices.graphql");
const SEND: &str = include_str!("../../graphql/send_survey.graphql");

/// A survey a manager may send by hand.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SurveyChoice {
    pub id: String,
    pub name: String,
    pub kind: SurveyKind,
    pub trigger: SurveyTrigger,
    pub active: bool,
}

/// The workspace's active surveys.
pub async fn choices() -> Result<Vec<SurveyChoice>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        survey_definitions: Vec<SurveyChoice>,
    }
    let data = execute::<_, Data>(CHOICES, &json!({})).await?;
    Ok(data.survey_definitions.into_iter().filter(|d| d.active).collect())
}

/// Queues `definition` for `customer` now; `false` when it was already sent them today.
pub async fn send_now(definition: &str, customer: &str) -> Result<bool, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        send_survey: u64,
    }
    let variables = json!({ "definitionId": definition, "customerIds": [customer] });
    execute::<_, Data>(SEND, &variables).await.map(|d| d.send_survey > 0)
}
