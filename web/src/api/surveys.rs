//! The customer's survey page: opened and answered without signing in (the link's token is the
//! key; a staff session is never sent along, so staff opening a link see it as the customer does).

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::surveys::SurveyKind;

use super::{ApiError, send};

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
