//! Survey invitations: made by the triggers (a ticket solved, days after a purchase) or by hand,
//! sent by the background pass with the consent, address and contact budget checked at send time
//! (every skip recorded with its reason; quiet hours move the send), each carrying a single-use,
//! expiring link whose token is kept only as a hash; answered through the public page.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde_json::json;
use starcrm_shared::Permission;
use starcrm_shared::contact_budget::{ContactKind, Decision, SkipReason};
use starcrm_shared::customer::TransactionKind;
use starcrm_shared::service_desk::TicketStatus;
use starcrm_shared::surveys::{InvitationStatus, ResponseSource, SurveyKind, SurveyTrigger};
use uuid::Uuid;

use super::{definitions, responses};
use crate::auth::Scope;
use crate::auth::tokens;
use crate::entities::{
    customer, survey_definition, survey_invitation, survey_response, ticket, transaction, workspace,
};
use crate::error::AppError;
use crate::messaging::deliver::{Delivery, Outgoing, address, budget_decision, claim, consents, deliver};
use crate::messaging::settings::{self as messaging, Messaging};
use crate::webhooks::sender::Sender;

/// How far back a trigger looks for solved tickets and purchases (a pass that did not run for a
/// while catches up; older events are not surveyed).
pub const LOOKBACK_DAYS: i64 = 7;
/// Sends tried before an invitation is given up as failed.
pub const MAX_ATTEMPTS: i32 = 5;
/// Invitations a pass sends at most.
const BATCH: u64 = 100;

fn status(value: InvitationStatus) -> String {
    value.as_str().to_owned()
}

/// A new queued invitation.
fn queued(
    definition: &survey_definition::Model,
    customer_id: Uuid,
    origin: String,
    send_at: DateTime<Utc>,
) -> survey_invitation::ActiveModel {
    survey_invitation::Model {
        id: Uuid::now_v7(),
        workspace_id: definition.workspace_id,
        definition_id: definition.id,
        customer_id,
        kind: definition.kind.clone(),
        channel: definition.channel.clone(),
        ticket_id: None,
        transaction_id: None,
        agent_id: None,
        store: None,
        origin,
        token_hash: None,
        status: status(InvitationStatus::Queued),
        skip_reason: None,
        error: None,
        attempts: 0,
        send_at,
        sent_at: None,
        expires_at: None,
        answered_at: None,
        response_id: None,
        created_at: Utc::now(),
    }
    .into_active_model()
    .reset_all()
}

/// Inserts invitations, skipping those whose (definition, origin) exists: a trigger seen twice,
/// or by two replicas, asks once. Returns how many were new.
async fn insert_new(
    conn: &impl ConnectionTrait,
    rows: Vec<survey_invitation::ActiveModel>,
) -> Result<u64, AppError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let conflict =
        OnConflict::columns([survey_invitation::Column::DefinitionId, survey_invitation::Column::Origin])
            .do_nothing()
            .to_owned();
    let inserted = survey_invitation::Entity::insert_many(rows)
        .on_conflict(conflict)
        .exec_without_returning(conn)
        .await?;
    Ok(inserted)
}

/// Makes the invitations the active definitions' triggers call for: a CSAT per ticket solved
/// since the definition exists (at most [`LOOKBACK_DAYS`] back), an NPS per purchase
/// `delay_days` old, the periodic survey to the customers whose turn it is. Returns how many it
/// made.
///
/// # Errors
/// Database failures.
pub async fn enqueue_triggered(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let active = survey_definition::Entity::find()
        .filter(survey_definition::Column::Active.eq(true))
        .filter(survey_definition::Column::Trigger.is_in([
            SurveyTrigger::TicketSolved.as_str(),
            SurveyTrigger::AfterPurchase.as_str(),
            SurveyTrigger::Periodic.as_str(),
        ]))
        .all(db)
        .await?;
    let mut made = 0;
    for d in active {
        let delay = Duration::days(i64::from(d.delay_days));
        let since = (now - Duration::days(LOOKBACK_DAYS)).max(d.created_at);
        let rows: Vec<survey_invitation::ActiveModel> = if d.trigger == SurveyTrigger::Periodic.as_str() {
            periodic(db, &d, now).await?
        } else if d.trigger == SurveyTrigger::TicketSolved.as_str() {
            let asked = survey_invitation::Entity::find()
                .select_only()
                .column(survey_invitation::Column::TicketId)
                .filter(survey_invitation::Column::DefinitionId.eq(d.id))
                .filter(survey_invitation::Column::TicketId.is_not_null())
                .into_query();
            let solved = ticket::Entity::find()
                .filter(ticket::Column::WorkspaceId.eq(d.workspace_id))
                .filter(ticket::Column::Id.not_in_subquery(asked))
                .filter(ticket::Column::SolvedAt.gte(since))
                .filter(
                    ticket::Column::Status
                        .is_in([TicketStatus::Solved.as_str(), TicketStatus::Closed.as_str()]),
                )
                .order_by_asc(ticket::Column::SolvedAt)
                .limit(1_000)
                .all(db)
                .await?;
            solved
                .into_iter()
                .map(|t| {
                    let at = t.solved_at.unwrap_or(now) + delay;
                    let mut row = queued(&d, t.customer_id, format!("ticket:{}", t.id), at);
                    row.ticket_id = sea_orm::Set(Some(t.id));
                    row.agent_id = sea_orm::Set(t.assignee_id);
                    row
                })
                .collect()
        } else {
            let asked = survey_invitation::Entity::find()
                .select_only()
                .column(survey_invitation::Column::TransactionId)
                .filter(survey_invitation::Column::DefinitionId.eq(d.id))
                .filter(survey_invitation::Column::TransactionId.is_not_null())
                .into_query();
            let bought = transaction::Entity::find()
                .filter(transaction::Column::WorkspaceId.eq(d.workspace_id))
                .filter(transaction::Column::Id.not_in_subquery(asked))
                .filter(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()))
                .filter(transaction::Column::OccurredAt.gte(since - delay))
                .filter(transaction::Column::OccurredAt.lte(now - delay))
                .filter(transaction::Column::CreatedAt.gte(since - delay))
                .order_by_asc(transaction::Column::OccurredAt)
                .limit(1_000)
                .all(db)
                .await?;
            bought
                .into_iter()
                .map(|t| {
                    let mut row =
                        queued(&d, t.customer_id, format!("purchase:{}", t.id), t.occurred_at + delay);
                    row.transaction_id = sea_orm::Set(Some(t.id));
                    row.store = sea_orm::Set(t.store);
                    row
                })
                .collect()
        };
        made += insert_new(db, rows).await?;
    }
    Ok(made)
}

/// The customers of a periodic definition whose turn it is. Its customers are spread over the
/// period by their number (customer `n` is asked on the days since the definition began that are
/// `n` modulo the period), so a 90-day survey asks about a ninetieth of them each day rather than
/// everyone at once; a day the pass missed is caught up for [`LOOKBACK_DAYS`]. Each turn is asked
/// once (`periodic:<turn>:<customer>`); customers not rated yet, or of other star levels, are not
/// asked.
async fn periodic(
    db: &DatabaseConnection,
    d: &survey_definition::Model,
    now: DateTime<Utc>,
) -> Result<Vec<survey_invitation::ActiveModel>, AppError> {
    use sea_orm::sea_query::ExprTrait as _;
    let Some(period) = d.period_days.map(i64::from).filter(|p| *p > 0) else { return Ok(Vec::new()) };
    let levels: Vec<i16> = definitions::levels_of(d).into_iter().map(i16::from).collect();
    let today = (now - d.created_at).num_days();
    let mut rows = Vec::new();
    for day in std::cmp::max(today - LOOKBACK_DAYS + 1, 0)..=today {
        let turn = day / period;
        let asked = survey_invitation::Entity::find()
            .select_only()
            .column(survey_invitation::Column::CustomerId)
            .filter(survey_invitation::Column::DefinitionId.eq(d.id))
            .filter(survey_invitation::Column::Origin.like(format!("periodic:{turn}:%")))
            .into_query();
        let mut due = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .filter(customer::Column::WorkspaceId.eq(d.workspace_id))
            .filter(customer::Column::DeletedAt.is_null())
            .filter(Expr::col(customer::Column::Number).modulo(period).eq(day % period))
            .filter(customer::Column::Id.not_in_subquery(asked));
        due = if levels.is_empty() {
            due.filter(customer::Column::Stars.is_not_null())
        } else {
            due.filter(customer::Column::Stars.is_in(levels.iter().copied()))
        };
        let ids: Vec<Uuid> =
            due.order_by_asc(customer::Column::Number).limit(1_000).into_tuple().all(db).await?;
        rows.extend(ids.into_iter().map(|id| queued(d, id, format!("periodic:{turn}:{id}"), now)));
        if rows.len() >= 1_000 {
            break;
        }
    }
    Ok(rows)
}

/// Queues the definition's survey for `customer_ids` of the workspace, now. Needs
/// `surveys:manage`. Returns how many were queued (a customer asked by hand before is not asked
/// again by the same definition on the same day).
///
/// # Errors
/// `NOT_FOUND` for another workspace's definition; `BAD_USER_INPUT` on `customerIds` for more
/// than 10 000 or an id that is not a live customer of the workspace.
pub async fn send_by_hand(
    db: &DatabaseConnection,
    scope: &Scope,
    definition_id: Uuid,
    customer_ids: &[Uuid],
) -> Result<u64, AppError> {
    scope.require(Permission::SurveysManage)?;
    if customer_ids.is_empty() || customer_ids.len() > 10_000 {
        return Err(AppError::bad_input("customerIds", "name 1 to 10000 customers"));
    }
    let d = definitions::find(db, scope.workspace_id, definition_id).await?;
    if !d.active {
        return Err(AppError::bad_input("definitionId", "is switched off"));
    }
    let mut live = Vec::with_capacity(customer_ids.len());
    for chunk in customer_ids.chunks(1_000) {
        let found: Vec<Uuid> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .filter(customer::Column::WorkspaceId.eq(scope.workspace_id))
            .filter(customer::Column::Id.is_in(chunk.iter().copied()))
            .filter(customer::Column::DeletedAt.is_null())
            .into_tuple()
            .all(db)
            .await?;
        live.extend(found);
    }
    let named: std::collections::BTreeSet<&Uuid> = customer_ids.iter().collect();
    if live.len() != named.len() {
        return Err(AppError::bad_input(
            "customerIds",
            "names a customer that is not a live customer of this workspace",
        ));
    }
    let now = Utc::now();
    let day = now.format("%Y-%m-%d");
    let rows = live.iter().map(|id| queued(&d, *id, format!("manual:{day}:{id}"), now)).collect();
    let txn = crate::db::begin_write(db).await?;
    let made = insert_new(&*txn, rows).await?;
    let entry = crate::audit::Entry::new("survey.send", "survey_definition", d.id)
        .changes(json!({ "customers": live.len(), "queued": made }));
    crate::audit::record(&*txn, scope, entry).await?;
    txn.commit().await?;
    Ok(made)
}

/// What one try to send came to.
enum Attempt {
    Delivered { token_hash: String, link_days: i32 },
    Skipped(SkipReason),
    Later(DateTime<Utc>),
    Failed(String),
    Retry(String),
}

/// Sends the invitations whose time has come. Returns how many it handled.
///
/// # Errors
/// Database failures.
pub async fn send_due(
    db: &DatabaseConnection,
    sender: &Sender,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let due = survey_invitation::Entity::find()
        .filter(survey_invitation::Column::Status.eq(InvitationStatus::Queued.as_str()))
        .filter(survey_invitation::Column::SendAt.lte(now))
        .order_by_asc(survey_invitation::Column::SendAt)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut settings = messaging::Cache::default();
    let mut handled = 0;
    for inv in due {
        use survey_invitation::Column as C;
        let queued = InvitationStatus::Queued.as_str();
        let columns = (C::Id, C::Status, C::SendAt);
        if !claim::<survey_invitation::Entity>(db, columns, inv.id, queued, inv.send_at, now).await? {
            continue;
        }
        let messaging = settings.get(db, inv.workspace_id).await?;
        let outcome = match send_one(db, sender, messaging, &inv, now).await {
            Ok(outcome) => outcome,
            Err(err) => Attempt::Retry(err.to_string()),
        };
        record(db, &inv, outcome, now).await?;
        handled += 1;
    }
    Ok(handled)
}

/// Writes what a send came to.
async fn record(
    db: &DatabaseConnection,
    inv: &survey_invitation::Model,
    outcome: Attempt,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use survey_invitation::Column as C;
    let update = survey_invitation::Entity::update_many().filter(C::Id.eq(inv.id));
    let update = match outcome {
        Attempt::Delivered { token_hash, link_days } => update
            .col_expr(C::Status, Expr::value(status(InvitationStatus::Sent)))
            .col_expr(C::TokenHash, Expr::value(token_hash))
            .col_expr(C::SentAt, Expr::value(now))
            .col_expr(C::ExpiresAt, Expr::value(now + Duration::days(i64::from(link_days))))
            .col_expr(C::Attempts, Expr::value(inv.attempts + 1))
            .col_expr(C::Error, Expr::value(Option::<String>::None)),
        Attempt::Skipped(reason) => update
            .col_expr(C::Status, Expr::value(status(InvitationStatus::Skipped)))
            .col_expr(C::SkipReason, Expr::value(reason.as_str())),
        Attempt::Later(at) => update.col_expr(C::SendAt, Expr::value(at)),
        Attempt::Failed(error) => update
            .col_expr(C::Status, Expr::value(status(InvitationStatus::Failed)))
            .col_expr(C::Error, Expr::value(error))
            .col_expr(C::Attempts, Expr::value(inv.attempts + 1)),
        Attempt::Retry(error) if inv.attempts + 1 >= MAX_ATTEMPTS => update
            .col_expr(C::Status, Expr::value(status(InvitationStatus::Failed)))
            .col_expr(C::Error, Expr::value(error))
            .col_expr(C::Attempts, Expr::value(inv.attempts + 1)),
        Attempt::Retry(error) => update
            .col_expr(C::Error, Expr::value(error))
            .col_expr(C::Attempts, Expr::value(inv.attempts + 1))
            .col_expr(C::SendAt, Expr::value(now + crate::messaging::deliver::retry_wait(inv.attempts))),
    };
    update.exec(db).await?;
    Ok(())
}

async fn send_one(
    db: &DatabaseConnection,
    sender: &Sender,
    messaging: &Messaging,
    inv: &survey_invitation::Model,
    now: DateTime<Utc>,
) -> Result<Attempt, AppError> {
    let d = survey_definition::Entity::find_by_id(inv.definition_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound { entity: "survey definition" })?;
    if !d.active {
        return Ok(Attempt::Failed("the survey was switched off before this went out".to_owned()));
    }
    let (_, _, channel, templates) = definitions::parts(&d)?;
    let Some(c) = customer::Entity::find_by_id(inv.customer_id).one(db).await? else {
        return Ok(Attempt::Failed("the customer no longer exists".to_owned()));
    };
    if c.deleted_at.is_some() || c.erased_at.is_some() || c.merged_into.is_some() {
        return Ok(Attempt::Failed("the customer was deleted, erased or merged".to_owned()));
    }
    if !consents(db, c.id, channel.consent()).await? {
        return Ok(Attempt::Skipped(SkipReason::NoConsent));
    }
    let Some(to) = address(db, &c, channel).await? else {
        return Ok(Attempt::Skipped(SkipReason::NoAddress));
    };
    match budget_decision(db, &messaging.budget, ContactKind::Survey, &c, now).await? {
        Decision::Skip(reason) => return Ok(Attempt::Skipped(reason)),
        Decision::Later(at) => return Ok(Attempt::Later(at)),
        Decision::Send => {}
    }
    let Some(link_base) = &messaging.link_base else {
        return Ok(Attempt::Retry(
            "set the public address of survey links in the messaging settings".to_owned(),
        ));
    };
    // The definition's first language (customers have no language of their own yet).
    let Some(template) = templates.first() else {
        return Ok(Attempt::Failed("the survey has no message template".to_owned()));
    };
    let token = tokens::generate("")?;
    let link = format!("{link_base}/s/{token}");
    // The points balance, read only when the template shows it.
    let points = if template.uses_points() {
        crate::loyalty::views::summary_of(db, &Scope::system(c.workspace_id), c.id).await?.balance
    } else {
        0
    };
    let (subject, body) = template.render(&c.name, c.stars.and_then(|s| u8::try_from(s).ok()), points, &link);
    let mut extra = serde_json::Map::new();
    extra.insert("language".to_owned(), template.language.clone().into());
    extra.insert("link".to_owned(), link.into());
    extra.insert("purpose".to_owned(), "survey".into());
    extra.insert("surveyKind".to_owned(), d.kind.clone().into());
    let out = Outgoing {
        id: format!("msg_{}", inv.id.simple()),
        channel,
        to,
        to_name: &c.name,
        customer_id: c.id,
        subject,
        body,
        extra,
    };
    match deliver(sender, messaging, out, now).await {
        Delivery::Sent => {}
        Delivery::Failed(why) => return Ok(Attempt::Failed(why)),
        Delivery::Retry(why) => return Ok(Attempt::Retry(why)),
    }
    Ok(Attempt::Delivered { token_hash: tokens::hash(&token), link_days: d.link_days })
}

/// Where an invitation link stands for the person holding it.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Open,
    Answered,
    Expired,
}

/// What the public page needs: the question, the business's name, the state.
#[derive(Clone, Debug)]
pub struct Opened {
    pub invitation: survey_invitation::Model,
    pub kind: SurveyKind,
    pub business: String,
    pub state: LinkState,
}

/// The invitation a link's token opens: `NOT_FOUND` for a token that is not one (guessed, cut
/// short, never sent).
///
/// # Errors
/// `NOT_FOUND`; database failures.
pub async fn open(conn: &impl ConnectionTrait, token: &str, now: DateTime<Utc>) -> Result<Opened, AppError> {
    opened(conn, &Link::Token(token), now).await
}

/// How an answer finds its invitation: by a link's token, or (the member's own app) by its id
/// among the member's own.
#[derive(Clone, Copy, Debug)]
pub enum Link<'a> {
    Token(&'a str),
    Member { workspace_id: Uuid, customer_id: Uuid, invitation_id: Uuid },
}

async fn opened(
    conn: &impl ConnectionTrait,
    link: &Link<'_>,
    now: DateTime<Utc>,
) -> Result<Opened, AppError> {
    let wanted = match *link {
        Link::Token(token) => {
            let token = token.trim();
            if token.is_empty() || token.len() > 100 {
                return Err(AppError::NotFound { entity: "survey link" });
            }
            Condition::all().add(survey_invitation::Column::TokenHash.eq(tokens::hash(token)))
        }
        Link::Member { workspace_id, customer_id, invitation_id } => Condition::all()
            .add(survey_invitation::Column::Id.eq(invitation_id))
            .add(survey_invitation::Column::WorkspaceId.eq(workspace_id))
            .add(survey_invitation::Column::CustomerId.eq(customer_id))
            .add(survey_invitation::Column::TokenHash.is_not_null()),
    };
    let invitation = survey_invitation::Entity::find()
        .filter(wanted)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound { entity: "survey link" })?;
    let kind = SurveyKind::parse(&invitation.kind).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("stored survey kind `{}` is unknown", invitation.kind))
    })?;
    let business = workspace::Entity::find_by_id(invitation.workspace_id)
        .one(conn)
        .await?
        .map(|w| w.name)
        .unwrap_or_default();
    let state = if invitation.status == InvitationStatus::Answered.as_str() {
        LinkState::Answered
    } else if invitation.expires_at.is_none_or(|e| e <= now) {
        LinkState::Expired
    } else {
        LinkState::Open
    };
    Ok(Opened { invitation, kind, business, state })
}

/// Answers through a link: once, before it expires. The answer moves the customer's stars and
/// an unhappy one opens a complaint, as any answer does.
///
/// # Errors
/// `NOT_FOUND` for a token that is not one; `CONFLICT` for a link answered already or expired;
/// `BAD_USER_INPUT` on `score`, `comment` or `language`.
pub async fn answer(
    db: &DatabaseConnection,
    link: Link<'_>,
    score: i32,
    comment: Option<&str>,
    language: Option<&str>,
) -> Result<survey_response::Model, AppError> {
    let now = Utc::now();
    let opened = opened(db, &link, now).await?;
    let given = responses::checked_score(opened.kind, score)?;
    let comment = responses::checked_comment(comment)?;
    let language = responses::checked_language(language)?;
    let txn = crate::db::begin_write(db).await?;
    // Read again inside the write turn: of two answers at once, one wins.
    let opened = self::opened(&*txn, &link, now).await?;
    match opened.state {
        LinkState::Answered => return Err(AppError::conflict("this survey was answered already; thank you")),
        LinkState::Expired => return Err(AppError::conflict("this survey link has expired")),
        LinkState::Open => {}
    }
    let inv = opened.invitation;
    let system = Scope::system(inv.workspace_id);
    let customer = crate::customers::service::find(&*txn, &system, inv.customer_id).await?;
    let mut row = survey_response::Model {
        id: Uuid::now_v7(),
        workspace_id: inv.workspace_id,
        customer_id: customer.id,
        kind: inv.kind.clone(),
        score: given,
        comment,
        language,
        channel: None,
        store: inv.store.clone(),
        agent_id: None,
        ticket_id: None,
        transaction_id: None,
        source: ResponseSource::Link.as_str().to_owned(),
        external_ref: None,
        loop_ticket_id: None,
        recorded_by: None,
        answered_at: now,
        created_at: now,
    };
    responses::attribute(&*txn, &system, &mut row, (inv.ticket_id, inv.transaction_id, None)).await?;
    // The agent of the ticket when it was solved, not whoever holds it now.
    row.agent_id = inv.agent_id.or(row.agent_id);
    let (response, _) = responses::store_answer(&txn, &system, &customer, row).await?;
    let marked = survey_invitation::Entity::update_many()
        .col_expr(survey_invitation::Column::Status, Expr::value(status(InvitationStatus::Answered)))
        .col_expr(survey_invitation::Column::AnsweredAt, Expr::value(now))
        .col_expr(survey_invitation::Column::ResponseId, Expr::value(response.id))
        .filter(survey_invitation::Column::Id.eq(inv.id))
        .filter(survey_invitation::Column::Status.eq(InvitationStatus::Sent.as_str()))
        .exec(&*txn)
        .await?;
    if marked.rows_affected != 1 {
        return Err(AppError::conflict("this survey was answered already; thank you"));
    }
    txn.commit().await?;
    responses::close_loop(db, response).await
}

/// A member's invitations still open (sent, not answered, not expired), newest first.
///
/// # Errors
/// Database failures.
pub async fn open_for(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    customer_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<survey_invitation::Model>, AppError> {
    Ok(survey_invitation::Entity::find()
        .filter(survey_invitation::Column::WorkspaceId.eq(workspace_id))
        .filter(survey_invitation::Column::CustomerId.eq(customer_id))
        .filter(survey_invitation::Column::Status.eq(InvitationStatus::Sent.as_str()))
        .filter(survey_invitation::Column::ExpiresAt.gt(now))
        .order_by_desc(survey_invitation::Column::CreatedAt)
        .limit(10)
        .all(conn)
        .await?)
}

/// A page of the workspace's invitations, newest first: of one definition, in one state. Needs
/// `surveys:read`.
///
/// # Errors
/// `FORBIDDEN`; database failures.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    definition_id: Option<Uuid>,
    state: Option<InvitationStatus>,
    customer_id: Option<Uuid>,
    first: u64,
) -> Result<Vec<survey_invitation::Model>, AppError> {
    scope.require(Permission::SurveysRead)?;
    let mut wanted = Condition::all().add(survey_invitation::Column::WorkspaceId.eq(scope.workspace_id));
    if let Some(id) = definition_id {
        wanted = wanted.add(survey_invitation::Column::DefinitionId.eq(id));
    }
    if let Some(s) = state {
        wanted = wanted.add(survey_invitation::Column::Status.eq(s.as_str()));
    }
    if let Some(id) = customer_id {
        wanted = wanted.add(survey_invitation::Column::CustomerId.eq(id));
    }
    Ok(survey_invitation::Entity::find()
        .filter(wanted)
        .order_by_desc(survey_invitation::Column::CreatedAt)
        .order_by_desc(survey_invitation::Column::Id)
        .limit(first)
        .all(conn)
        .await?)
}
