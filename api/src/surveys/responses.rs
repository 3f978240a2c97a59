//! Survey answers: recorded from the customer's own link or by an integration (idempotent on
//! `externalRef`), each re-rating the customer in the same transaction (satisfaction is a star
//! criterion), and an unhappy one closing the loop with a complaint ticket for the desk.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::customer::{self as rules, Channel};
use starcrm_shared::rating::Trigger;
use starcrm_shared::service_desk::TicketKind;
use starcrm_shared::surveys::{self, Answer, ResponseSource, SurveyKind};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::Scope;
use crate::changes::{self, Change, Kind};
use crate::customers::identities::{self, CustomerRef};
use crate::customers::ingest::{external_ref, lost_race, short_text};
use crate::customers::{aggregates, service};
use crate::db;
use crate::entities::{customer, survey_response, ticket, transaction, user};
use crate::error::AppError;
use crate::service_desk::tickets::{self, NewTicket};

/// The longest comment kept, in characters.
pub const COMMENT_MAX: usize = 2_000;
/// How often a write that lost a race (two pushes of one `externalRef`) is tried.
const ATTEMPTS: usize = 3;
/// How long an unhappy answer whose complaint could not be opened at once is retried.
const LOOP_RETRY_DAYS: i64 = 7;

/// An answer as an integration records it.
#[derive(Clone, Debug)]
pub struct NewResponse {
    pub customer: CustomerRef,
    pub kind: SurveyKind,
    pub score: i32,
    pub comment: Option<String>,
    pub language: Option<String>,
    /// What the answer is about: where the purchase was made or the ticket came in.
    pub channel: Option<Channel>,
    pub store: Option<String>,
    /// The agent a CSAT answer rates (defaults to the ticket's assignee).
    pub agent_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    pub transaction_id: Option<Uuid>,
    pub answered_at: Option<DateTime<Utc>>,
    pub external_ref: Option<String>,
}

/// What recording did.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub response: survey_response::Model,
    /// The customer after the answer counted (their new stars).
    pub customer: customer::Model,
    /// False when `externalRef` was seen before and this is the first result again.
    pub created: bool,
}

/// The kind of a stored answer.
///
/// # Errors
/// An internal error for a stored value that does not parse.
pub fn kind_of(r: &survey_response::Model) -> Result<SurveyKind, AppError> {
    SurveyKind::parse(&r.kind)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("stored survey kind `{}` is unknown", r.kind)))
}

/// Checks a score against the kind's range.
///
/// # Errors
/// `BAD_USER_INPUT` on `score`.
pub fn checked_score(kind: SurveyKind, score: i32) -> Result<i16, AppError> {
    let (low, high) = kind.range();
    u8::try_from(score)
        .ok()
        .filter(|s| kind.accepts(*s))
        .map(i16::from)
        .ok_or_else(|| AppError::bad_input("score", format!("{} answers are {low} to {high}", kind.as_str())))
}

/// Checks a comment: trimmed, at most [`COMMENT_MAX`] characters, no control characters.
///
/// # Errors
/// `BAD_USER_INPUT` on `comment`.
pub fn checked_comment(comment: Option<&str>) -> Result<Option<String>, AppError> {
    short_text("comment", comment, COMMENT_MAX)
}

/// Checks a language tag (`zh-CN`, `en`).
///
/// # Errors
/// `BAD_USER_INPUT` on `language`.
pub fn checked_language(language: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(language) = language.map(str::trim).filter(|l| !l.is_empty()) else { return Ok(None) };
    let well_formed = language.len() <= 35
        && language
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(AppError::bad_input("language", "is not a language tag such as zh-CN or en"));
    }
    Ok(Some(language.to_owned()))
}

/// Records an answer gathered on the business's own channels. Needs `surveys:record`. The
/// customer must exist (an answer never creates one); a ticket or purchase it names must be
/// that customer's.
///
/// # Errors
/// `BAD_USER_INPUT` naming the field; `NOT_FOUND` for an unknown customer, ticket, purchase or
/// agent.
pub async fn record(
    db: &DatabaseConnection,
    scope: &Scope,
    input: NewResponse,
) -> Result<Recorded, AppError> {
    scope.require(Permission::SurveysRecord)?;
    let reference = identities::validate_ref(input.customer.clone())?;
    let given = checked_score(input.kind, input.score)?;
    let comment = checked_comment(input.comment.as_deref())?;
    let language = checked_language(input.language.as_deref())?;
    let store = short_text("store", input.store.as_deref(), rules::TEXT_MAX_CHARS)?;
    let own_ref = external_ref(input.external_ref.as_deref())?;
    let answered_at = crate::customers::ingest::occurred(input.answered_at)
        .map_err(|_| AppError::bad_input("answeredAt", "is more than a day ahead or before 1970"))?;
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let attempt = async {
            if let Some(first) = by_ref(db, scope, own_ref.as_deref()).await? {
                let customer = service::find(db, scope, first.customer_id).await?;
                return Ok(Recorded { response: first, customer, created: false });
            }
            let txn = db::begin_write(db).await?;
            let customer = identities::resolve(&*txn, scope, &reference, None)
                .await?
                .ok_or(AppError::NotFound { entity: "customer" })?;
            if customer.deleted_at.is_some() {
                return Err(AppError::bad_input("customer", "is deleted"));
            }
            let mut row = survey_response::Model {
                id: Uuid::now_v7(),
                workspace_id: scope.workspace_id,
                customer_id: customer.id,
                kind: input.kind.as_str().to_owned(),
                score: given,
                comment: comment.clone(),
                language: language.clone(),
                channel: input.channel.map(|c| c.as_str().to_owned()),
                store: store.clone(),
                agent_id: None,
                ticket_id: None,
                transaction_id: None,
                source: ResponseSource::Integration.as_str().to_owned(),
                external_ref: own_ref.clone(),
                loop_ticket_id: None,
                recorded_by: scope.actor_id(),
                answered_at,
                created_at: Utc::now(),
            };
            attribute(&*txn, scope, &mut row, (input.ticket_id, input.transaction_id, input.agent_id))
                .await?;
            let (response, customer) = store_answer(&txn, scope, &customer, row).await?;
            txn.commit().await?;
            Ok(Recorded { response, customer, created: true })
        };
        match attempt.await {
            Err(err) if lost_race(&err) => last = Some(err),
            Ok(recorded) => {
                let response = close_loop(db, recorded.response.clone()).await?;
                return Ok(Recorded { response, ..recorded });
            }
            other => return other,
        }
    }
    Err(last.unwrap_or_else(|| AppError::internal(anyhow::anyhow!("no attempt made"))))
}

/// The answer of the workspace recorded with this `externalRef`, if the sender gave one.
async fn by_ref(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    reference: Option<&str>,
) -> Result<Option<survey_response::Model>, AppError> {
    let Some(reference) = reference else { return Ok(None) };
    Ok(survey_response::Entity::find()
        .filter(survey_response::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(survey_response::Column::ExternalRef.eq(reference))
        .one(conn)
        .await?)
}

/// Fills in what an answer is about: a ticket (the customer's own; its agent by default) and a
/// purchase (the customer's own; its channel and store by default), and checks the agent.
pub(crate) async fn attribute(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    row: &mut survey_response::Model,
    (ticket_id, transaction_id, agent_id): (Option<Uuid>, Option<Uuid>, Option<Uuid>),
) -> Result<(), AppError> {
    if let Some(id) = ticket_id {
        let t = ticket::Entity::find_by_id(id)
            .filter(ticket::Column::WorkspaceId.eq(scope.workspace_id))
            .one(conn)
            .await?
            .ok_or(AppError::NotFound { entity: "ticket" })?;
        if t.customer_id != row.customer_id {
            return Err(AppError::bad_input("ticketId", "is a ticket of another customer"));
        }
        row.ticket_id = Some(t.id);
        row.agent_id = t.assignee_id;
        row.channel = row.channel.take().or(Some(t.channel));
    }
    if let Some(id) = transaction_id {
        let t = transaction::Entity::find_by_id(id)
            .filter(transaction::Column::WorkspaceId.eq(scope.workspace_id))
            .one(conn)
            .await?
            .ok_or(AppError::NotFound { entity: "transaction" })?;
        if t.customer_id != row.customer_id {
            return Err(AppError::bad_input("transactionId", "is a purchase of another customer"));
        }
        row.transaction_id = Some(t.id);
        row.channel = row.channel.take().or(Some(t.channel));
        row.store = row.store.take().or(t.store);
    }
    if let Some(id) = agent_id {
        user::Entity::find_by_id(id)
            .filter(user::Column::WorkspaceId.eq(scope.workspace_id))
            .one(conn)
            .await?
            .ok_or_else(|| AppError::bad_input("agentId", "is not a staff member of this workspace"))?;
        row.agent_id = Some(id);
    }
    Ok(())
}

/// Stores an answer in the caller's write transaction: the row, the `surveyAnswered` change,
/// the audit entry, and the customer re-rated with it counted. Returns the row and the customer
/// as rated.
///
/// # Errors
/// Database failures.
pub async fn store_answer(
    txn: &db::WriteTxn,
    scope: &Scope,
    customer: &customer::Model,
    row: survey_response::Model,
) -> Result<(survey_response::Model, customer::Model), AppError> {
    use sea_orm::IntoActiveModel;
    let row = row.into_active_model().reset_all().insert(&**txn).await.map_err(|e| {
        AppError::unique_or_internal(e, "externalRef", "an answer with this externalRef exists")
    })?;
    let change = Change::new(scope.workspace_id, Kind::SurveyAnswered, customer.id).with(json!({
        "responseId": row.id,
        "kind": row.kind,
        "score": row.score,
        "channel": row.channel,
        "source": row.source,
        "externalRef": row.external_ref,
    }));
    changes::record(&**txn, vec![change]).await?;
    let entry = Entry::new("survey.answer", "survey_response", row.id).changes(json!({
        "customerId": row.customer_id, "kind": row.kind, "score": row.score, "source": row.source,
    }));
    audit::record(&**txn, scope, entry).await?;
    aggregates::refresh_loaded(&**txn, scope, customer, Trigger::Survey, Vec::new()).await?;
    let customer = service::find(&**txn, scope, customer.id).await?;
    Ok((row, customer))
}

/// The subject of the complaint an unhappy answer opens: `NPS 3/10` and the comment's start.
fn loop_subject(kind: SurveyKind, score: i16, comment: Option<&str>) -> String {
    let (_, high) = kind.range();
    let head = format!("{} {score}/{high}", kind.as_str().to_uppercase());
    match comment.map(str::trim).filter(|c| !c.is_empty()) {
        Some(text) => {
            let first_line = text.lines().next().unwrap_or(text);
            let mut short: String = first_line.chars().take(60).collect();
            if short.chars().count() < text.chars().count() {
                short.push('…');
            }
            format!("{head}: {short}")
        }
        None => head,
    }
}

/// Closes the loop on an unhappy answer (NPS 0 to 6, CSAT 1 or 2): opens a complaint ticket
/// for the desk with the comment, under the desk's service levels and routed like any other
/// (the customer's dedicated owner first), once per answer. A failure is logged and retried
/// by [`close_open_loops`]; the answer stays recorded either way.
///
/// # Errors
/// Database failures recording the ticket's id on the answer.
pub async fn close_loop(
    db: &DatabaseConnection,
    response: survey_response::Model,
) -> Result<survey_response::Model, AppError> {
    // Committed: purchases from now on read the workspace's answers, even after its first.
    crate::ratings::engine::Context::answered(response.workspace_id);
    let kind = kind_of(&response)?;
    let given = u8::try_from(response.score).unwrap_or(0);
    if response.loop_ticket_id.is_some() || !kind.is_unhappy(given) {
        return Ok(response);
    }
    let scope = Scope::system(response.workspace_id);
    let channel = response.channel.as_deref().and_then(Channel::parse).unwrap_or(Channel::Other);
    let input = NewTicket {
        customer: CustomerRef { id: Some(response.customer_id), ..CustomerRef::default() },
        kind: TicketKind::Complaint,
        channel,
        subject: loop_subject(kind, response.score, response.comment.as_deref()),
        description: response.comment.clone(),
        transaction_id: response.transaction_id,
        priority: None,
        priority_reason: None,
        // One ticket per answer, whoever gets here first (the answer's request or the sweep).
        external_ref: Some(format!("survey-response:{}", response.id)),
        tags: vec!["survey".to_owned()],
    };
    let opened = match tickets::open(db, &scope, input).await {
        Ok(opened) => opened,
        Err(err) => {
            tracing::error!(error = %err, response = %response.id, "opening the complaint of an unhappy answer failed");
            return Ok(response);
        }
    };
    survey_response::Entity::update_many()
        .col_expr(survey_response::Column::LoopTicketId, Expr::value(opened.ticket.id))
        .filter(survey_response::Column::Id.eq(response.id))
        .exec(db)
        .await?;
    Ok(survey_response::Model { loop_ticket_id: Some(opened.ticket.id), ..response })
}

/// Opens the complaints of unhappy answers of the last [`LOOP_RETRY_DAYS`] whose loop is still
/// open (the process stopped, or opening failed). Returns how many it closed.
///
/// # Errors
/// Database failures.
pub async fn close_open_loops(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    use survey_response::Column as C;
    let unhappy = SurveyKind::ALL.iter().fold(Condition::any(), |any, kind| {
        any.add(Condition::all().add(C::Kind.eq(kind.as_str())).add(C::Score.lte(kind.unhappy_max())))
    });
    let open = survey_response::Entity::find()
        .filter(C::LoopTicketId.is_null())
        .filter(C::CreatedAt.gte(now - Duration::days(LOOP_RETRY_DAYS)))
        // Leave the answer's own request a minute to do it.
        .filter(C::CreatedAt.lte(now - Duration::minutes(1)))
        .filter(unhappy)
        .order_by_asc(C::CreatedAt)
        .limit(100)
        .all(db)
        .await?;
    let mut closed = 0;
    for response in open {
        if close_loop(db, response).await?.loop_ticket_id.is_some() {
            closed += 1;
        }
    }
    Ok(closed)
}

/// A customer's answers, newest first (at most `limit`). Needs `surveys:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn of_customer(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    customer_id: Uuid,
    limit: u64,
) -> Result<Vec<survey_response::Model>, AppError> {
    scope.require(Permission::SurveysRead)?;
    Ok(survey_response::Entity::find()
        .filter(survey_response::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(survey_response::Column::CustomerId.eq(customer_id))
        .order_by_desc(survey_response::Column::AnsweredAt)
        .order_by_desc(survey_response::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// The newest answers of `kind` over `[from, to)`, at most `first`; only unhappy (or only not
/// unhappy) ones when asked. Needs `surveys:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn in_period(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    kind: SurveyKind,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    unhappy: Option<bool>,
    first: usize,
) -> Result<Vec<survey_response::Model>, AppError> {
    use survey_response::Column as C;
    scope.require(Permission::SurveysRead)?;
    let threshold = kind.unhappy_max();
    let mut query = survey_response::Entity::find()
        .filter(C::WorkspaceId.eq(scope.workspace_id))
        .filter(C::Kind.eq(kind.as_str()))
        .filter(C::AnsweredAt.gte(from))
        .filter(C::AnsweredAt.lt(to));
    query = match unhappy {
        Some(true) => query.filter(C::Score.lte(threshold)),
        Some(false) => query.filter(C::Score.gt(threshold)),
        None => query,
    };
    Ok(query
        .order_by_desc(C::AnsweredAt)
        .order_by_desc(C::Id)
        .limit(u64::try_from(first).unwrap_or(u64::MAX))
        .all(conn)
        .await?)
}

/// One answer as the satisfaction criterion reads it, from its stored columns.
fn answer(kind: &str, score: i16, answered_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<Answer> {
    #[allow(clippy::cast_precision_loss, reason = "ages in seconds fit f64 exactly for millennia")]
    let age_days = (now - answered_at).num_seconds() as f64 / 86_400.0;
    Some(Answer { kind: SurveyKind::parse(kind)?, score: u8::try_from(score).ok()?, age_days })
}

fn satisfaction_by_customer(
    rows: impl IntoIterator<Item = (Uuid, String, i16, DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> HashMap<Uuid, f64> {
    let mut answers: HashMap<Uuid, Vec<Answer>> = HashMap::new();
    for (customer_id, kind, score, at) in rows {
        if let Some(a) = answer(&kind, score, at, now) {
            answers.entry(customer_id).or_default().push(a);
        }
    }
    answers.into_iter().filter_map(|(id, a)| Some((id, surveys::satisfaction(&a)?))).collect()
}

fn since(now: DateTime<Utc>) -> DateTime<Utc> {
    #[allow(clippy::cast_possible_truncation, reason = "a whole number of days")]
    let days = surveys::SATISFACTION_WINDOW_DAYS as i64;
    now - Duration::days(days)
}

/// Whether the workspace has any survey answer (until then nobody's satisfaction is read).
///
/// # Errors
/// Database failures.
pub async fn any_answer(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<bool, AppError> {
    Ok(survey_response::Entity::find()
        .select_only()
        .column(survey_response::Column::Id)
        .filter(survey_response::Column::WorkspaceId.eq(workspace_id))
        .into_tuple::<Uuid>()
        .one(conn)
        .await?
        .is_some())
}

/// The satisfaction of each of `customer_ids` that has answers in the window, as of `now`.
///
/// # Errors
/// Database failures.
pub async fn satisfaction_of(
    conn: &impl ConnectionTrait,
    customer_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, f64>, AppError> {
    use survey_response::Column as C;
    let rows: Vec<(Uuid, String, i16, DateTime<Utc>)> = survey_response::Entity::find()
        .select_only()
        .columns([C::CustomerId, C::Kind, C::Score, C::AnsweredAt])
        .filter(C::CustomerId.is_in(customer_ids.iter().copied()))
        .filter(C::AnsweredAt.gte(since(now)))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(satisfaction_by_customer(rows, now))
}

/// The satisfaction of every customer of the workspace with answers in the window (the
/// scheduled re-rating and the simulation read it once, beside the purchase aggregates).
///
/// # Errors
/// Database failures.
pub async fn satisfaction_in_workspace(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, f64>, AppError> {
    use futures_util::TryStreamExt as _;
    use survey_response::Column as C;
    let mut stream = survey_response::Entity::find()
        .select_only()
        .columns([C::CustomerId, C::Kind, C::Score, C::AnsweredAt])
        .filter(C::WorkspaceId.eq(workspace_id))
        .filter(C::AnsweredAt.gte(since(now)))
        .filter(C::AnsweredAt.lte(now))
        .into_tuple::<(Uuid, String, i16, DateTime<Utc>)>()
        .stream(db)
        .await?;
    let mut rows = Vec::new();
    while let Some(row) = stream.try_next().await? {
        rows.push(row);
    }
    Ok(satisfaction_by_customer(rows, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complaint_subject_names_the_score_and_starts_the_comment() {
        assert_eq!(loop_subject(SurveyKind::Nps, 3, None), "NPS 3/10");
        assert_eq!(loop_subject(SurveyKind::Csat, 2, Some("  ")), "CSAT 2/5");
        assert_eq!(loop_subject(SurveyKind::Csat, 2, Some("快递太慢了")), "CSAT 2/5: 快递太慢了");
        let long = "很".repeat(80);
        let subject = loop_subject(SurveyKind::Nps, 0, Some(&long));
        assert_eq!(subject.chars().count(), "NPS 0/10: ".chars().count() + 61);
        assert!(subject.ends_with('…'));
        assert_eq!(loop_subject(SurveyKind::Nps, 5, Some("slow\nand rude")), "NPS 5/10: slow…");
    }

    #[test]
    fn scores_outside_the_kind_and_bad_language_tags_are_refused() {
        assert_eq!(checked_score(SurveyKind::Nps, 0).ok(), Some(0));
        assert_eq!(checked_score(SurveyKind::Nps, 10).ok(), Some(10));
        assert!(checked_score(SurveyKind::Nps, 11).is_err());
        assert!(checked_score(SurveyKind::Csat, 0).is_err());
        assert!(checked_score(SurveyKind::Csat, -1).is_err());
        assert!(checked_score(SurveyKind::Csat, 300).is_err());
        assert_eq!(checked_language(Some(" zh-CN ")).ok().flatten().as_deref(), Some("zh-CN"));
        assert!(checked_language(Some("zh_CN")).is_err());
        assert!(checked_language(Some("<script>")).is_err());
        assert_eq!(checked_language(Some("")).ok(), Some(None));
    }
}
