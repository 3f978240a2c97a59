//! Surveys over GraphQL: answers (recorded by integrations, read on the customer page), scores
//! with their margins of error, and what customers talk about.

use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::Permission;
use starcrm_shared::customer::Channel;
use starcrm_shared::surveys::{NpsGroup, ResponseSource, SurveyKind};

use super::responses::{self, NewResponse};
use super::scores::{self, Dimension, Tally};
use super::terms;
use crate::auth::ContextExt;
use crate::customers::graphql::CustomerRefInput;
use crate::customers::graphql::types::{Customer, user_in_workspace};
use crate::entities::survey_response;
use crate::error::AppError;
use crate::service_desk::graphql::Ticket;
use crate::service_desk::tickets;
use crate::users::graphql::{StaffMember, parse_id};

#[allow(clippy::needless_pass_by_value, reason = "used as `map_err(ext)`")]
fn ext(err: AppError) -> async_graphql::Error {
    err.extend()
}

/// A customer's answer to a survey.
pub struct SurveyResponse(pub survey_response::Model);

#[Object]
impl SurveyResponse {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn customer_id(&self) -> ID {
        ID(self.0.customer_id.to_string())
    }

    /// The customer, for callers with `customers:read` (null for the others).
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        crate::service_desk::graphql::customer_for_desk(ctx, self.0.customer_id).await
    }

    async fn kind(&self) -> async_graphql::Result<SurveyKind> {
        responses::kind_of(&self.0).map_err(ext)
    }

    /// NPS 0 to 10, CSAT 1 to 5.
    async fn score(&self) -> i32 {
        i32::from(self.0.score)
    }

    /// Where an NPS answer falls (null for CSAT).
    async fn nps_group(&self) -> Option<NpsGroup> {
        (self.0.kind == SurveyKind::Nps.as_str())
            .then(|| NpsGroup::of(u8::try_from(self.0.score).unwrap_or(0)))
    }

    /// NPS 0 to 6 or CSAT 1 to 2: the loop is closed with a complaint ticket.
    async fn unhappy(&self) -> async_graphql::Result<bool> {
        let kind = responses::kind_of(&self.0).map_err(ext)?;
        Ok(kind.is_unhappy(u8::try_from(self.0.score).unwrap_or(0)))
    }

    /// What the customer wrote (null after a privacy erasure).
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }

    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }

    /// What the answer is about: where the purchase was made or the ticket came in.
    async fn channel(&self) -> Option<Channel> {
        self.0.channel.as_deref().and_then(Channel::parse)
    }

    async fn store(&self) -> Option<&str> {
        self.0.store.as_deref()
    }

    /// The agent a CSAT answer rates.
    async fn agent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffMember>> {
        match self.0.agent_id {
            Some(id) => user_in_workspace(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The solved ticket a CSAT answer rates.
    async fn ticket_id(&self) -> Option<ID> {
        self.0.ticket_id.map(|id| ID(id.to_string()))
    }

    /// The purchase an NPS answer follows.
    async fn transaction_id(&self) -> Option<ID> {
        self.0.transaction_id.map(|id| ID(id.to_string()))
    }

    async fn source(&self) -> async_graphql::Result<ResponseSource> {
        ResponseSource::parse(&self.0.source).ok_or_else(|| {
            ext(AppError::internal(anyhow::anyhow!("stored response source `{}` is unknown", self.0.source)))
        })
    }

    async fn external_ref(&self) -> Option<&str> {
        self.0.external_ref.as_deref()
    }

    /// The complaint ticket an unhappy answer opened, for callers on the service desk who may
    /// see it.
    async fn loop_ticket(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Ticket>> {
        let scope = ctx.scope()?;
        let Some(id) = self.0.loop_ticket_id else { return Ok(None) };
        if !scope.can(Permission::ServiceManage) {
            return Ok(None);
        }
        match tickets::find(ctx.db()?, scope, id).await {
            Ok(t) => Ok(Some(Ticket(t))),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(err) => Err(ext(err)),
        }
    }

    async fn answered_at(&self) -> DateTime<Utc> {
        self.0.answered_at
    }
}

/// An answer gathered on your own channels (a POS tablet, a call centre, your app).
#[derive(InputObject)]
pub struct RecordSurveyResponseInput {
    /// Who answered: an existing customer (an answer never creates one).
    pub customer: CustomerRefInput,
    pub kind: SurveyKind,
    /// NPS 0 to 10, CSAT 1 to 5.
    pub score: i32,
    pub comment: Option<String>,
    /// The language the customer answered in (`zh-CN`, `en`).
    pub language: Option<String>,
    /// What the answer is about (defaults to the ticket's or the purchase's channel).
    pub channel: Option<Channel>,
    pub store: Option<String>,
    /// The agent a CSAT answer rates (defaults to the ticket's assignee).
    pub agent_id: Option<ID>,
    /// The customer's ticket a CSAT answer rates.
    pub ticket_id: Option<ID>,
    /// The customer's purchase an NPS answer follows.
    pub transaction_id: Option<ID>,
    /// Now when left out.
    pub answered_at: Option<DateTime<Utc>>,
    /// Your id for the answer: recording it again returns the first result.
    pub external_ref: Option<String>,
}

/// What recording an answer did.
#[derive(SimpleObject)]
pub struct RecordSurveyResponsePayload {
    pub response: SurveyResponse,
    pub customer_id: ID,
    /// The customer with the answer counted, for callers with `customers:read`.
    pub customer: Option<Customer>,
    /// False when `externalRef` was seen before: this is the first result again.
    pub created: bool,
}

/// A score with what it rests on. NPS runs from -100 to 100, CSAT from 0 to 100 (the share of
/// 4 and 5); `margin` is the half-width of its 95% interval, `low` and `high` its ends on the
/// scale. All null without answers.
#[derive(SimpleObject)]
pub struct SurveyScore {
    pub n: i64,
    pub value: Option<f64>,
    pub standard_error: Option<f64>,
    pub margin: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// NPS answers 9 and 10, 7 and 8, 0 to 6.
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
    /// CSAT answers 4 and 5.
    pub satisfied: i64,
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl SurveyScore {
    fn of(kind: SurveyKind, t: &Tally) -> Self {
        let score = t.score(kind);
        let (low, high) = match kind {
            SurveyKind::Nps => (-100.0, 100.0),
            SurveyKind::Csat => (0.0, 100.0),
        };
        let interval = score.map(|s| s.interval(low, high));
        Self {
            n: count(t.n),
            value: score.map(|s| s.value),
            standard_error: score.map(|s| s.standard_error),
            margin: score.map(|s| s.margin),
            low: interval.map(|i| i.0),
            high: interval.map(|i| i.1),
            promoters: count(t.nps.promoters),
            passives: count(t.nps.passives),
            detractors: count(t.nps.detractors),
            satisfied: count(t.satisfied),
        }
    }
}

/// One group of answers.
#[derive(SimpleObject)]
pub struct SurveyScoreGroup {
    /// The star level (`5`), channel (`STORE`), store, agent id or month (`2026-11`); null for
    /// answers without one (a customer not rated, an answer about no store).
    pub key: Option<String>,
    /// The agent, when grouped by agent.
    pub agent: Option<StaffMember>,
    pub score: SurveyScore,
}

/// Scores over a period.
#[derive(SimpleObject)]
pub struct SurveyScores {
    pub kind: SurveyKind,
    pub by: Option<Dimension>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub overall: SurveyScore,
    pub groups: Vec<SurveyScoreGroup>,
}

/// A term of the comments and how strongly it sets its group apart.
#[derive(SimpleObject)]
pub struct SurveyTerm {
    /// As segmented: a Chinese word, or an English stem (`deliveri`). The drill-down takes it.
    pub term: String,
    /// How the customers wrote it most often (`delivery`): what to show.
    pub word: String,
    /// The weighted log-odds ratio's z: above 1.96, unlikely to be chance.
    pub z: f64,
    pub significant: bool,
    /// Uses in this group's comments, and in the other group's.
    pub count: i64,
    pub other_count: i64,
}

impl SurveyTerm {
    fn of(t: &starcrm_shared::terms::TermScore, word: &str) -> Self {
        Self {
            term: t.term.clone(),
            word: word.to_owned(),
            z: t.z,
            significant: t.is_significant(),
            count: count(t.count_a),
            other_count: count(t.count_b),
        }
    }
}

/// What customers talk about over a period: terms unhappy answers (NPS 0 to 6, CSAT 1 and 2)
/// use more than happy ones (NPS 9 and 10, CSAT 4 and 5), and the other way round.
#[derive(SimpleObject)]
pub struct SurveyTerms {
    pub comments: i64,
    pub unhappy_comments: i64,
    pub happy_comments: i64,
    pub unhappy: Vec<SurveyTerm>,
    pub happy: Vec<SurveyTerm>,
}

#[derive(Default)]
pub struct SurveysQuery;

#[Object]
impl SurveysQuery {
    /// NPS or CSAT over `[from, to)` (the last 365 days by default), overall and grouped `by`
    /// star level (the customer's current stars), channel, agent, store or month (every month of
    /// the period, in the workspace's time zone, at most 36). Needs `surveys:read`.
    async fn survey_scores(
        &self,
        ctx: &Context<'_>,
        kind: SurveyKind,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        by: Option<Dimension>,
    ) -> async_graphql::Result<SurveyScores> {
        let scope = ctx.require(Permission::SurveysRead)?;
        let db = ctx.db()?;
        let period = scores::period(from, to, Utc::now()).map_err(ext)?;
        let found = scores::scores(db, scope, kind, period, by).await.map_err(ext)?;
        let agents = if by == Some(Dimension::Agent) {
            scores::agents(db, scope, &found.groups).await.map_err(ext)?
        } else {
            Vec::new()
        };
        let groups = found
            .groups
            .iter()
            .map(|g| SurveyScoreGroup {
                key: g.key.clone(),
                agent: agents
                    .iter()
                    .find(|a| g.key.as_deref() == Some(a.id.to_string().as_str()))
                    .cloned()
                    .map(StaffMember),
                score: SurveyScore::of(kind, &g.tally),
            })
            .collect();
        Ok(SurveyScores {
            kind,
            by,
            from: found.from,
            to: found.to,
            overall: SurveyScore::of(kind, &found.overall),
            groups,
        })
    }

    /// The terms that set unhappy answers' comments apart from happy ones' over `[from, to)`
    /// (the last 365 days by default; the newest 100 000 comments), at most `limit` each way.
    /// Needs `surveys:read`.
    async fn survey_terms(
        &self,
        ctx: &Context<'_>,
        kind: SurveyKind,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        #[graphql(default = 20)] limit: i32,
    ) -> async_graphql::Result<SurveyTerms> {
        let scope = ctx.require(Permission::SurveysRead)?;
        let period = scores::period(from, to, Utc::now()).map_err(ext)?;
        let a = terms::distinguishing(ctx.db()?, scope, kind, period, limit).await.map_err(ext)?;
        Ok(SurveyTerms {
            comments: count(a.comments),
            unhappy_comments: count(a.unhappy_comments),
            happy_comments: count(a.happy_comments),
            unhappy: a.unhappy.iter().map(|t| SurveyTerm::of(t, a.word(&t.term))).collect(),
            happy: a.happy.iter().map(|t| SurveyTerm::of(t, a.word(&t.term))).collect(),
        })
    }

    /// The newest answers over `[from, to)`, at most `first` (50 by default, 100 at most): all,
    /// only unhappy ones, or those whose comment uses `term` (the drill-down from a term).
    /// Needs `surveys:read`.
    #[graphql(complexity = "crate::users::graphql::page_complexity(first, child_complexity)")]
    #[allow(clippy::too_many_arguments, reason = "the arguments of one query")]
    async fn survey_responses(
        &self,
        ctx: &Context<'_>,
        kind: SurveyKind,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        term: Option<String>,
        unhappy: Option<bool>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<SurveyResponse>> {
        let scope = ctx.require(Permission::SurveysRead)?;
        let page = crate::graphql::pagination::PageRequest::new(first, None)?;
        let period = scores::period(from, to, Utc::now()).map_err(ext)?;
        let first = usize::try_from(page.first).unwrap_or(usize::MAX);
        let db = ctx.db()?;
        let rows = match term.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(term) => terms::using_term(db, scope, kind, period, term, first).await.map_err(ext)?,
            None => responses::in_period(db, scope, kind, period, unhappy, first).await.map_err(ext)?,
        };
        let rows = rows.into_iter().filter(|r| {
            let given = u8::try_from(r.score).unwrap_or(0);
            unhappy.is_none_or(|u| kind.is_unhappy(given) == u)
        });
        Ok(rows.map(SurveyResponse).collect())
    }
}

#[derive(Default)]
pub struct SurveysMutation;

#[Object]
impl SurveysMutation {
    /// Records an answer gathered on your own channels; idempotent on `externalRef`. The
    /// customer is re-rated at once (satisfaction is a star criterion), and an unhappy answer
    /// (NPS 0 to 6, CSAT 1 or 2) opens a complaint ticket. Needs `surveys:record`.
    async fn record_survey_response(
        &self,
        ctx: &Context<'_>,
        input: RecordSurveyResponseInput,
    ) -> async_graphql::Result<RecordSurveyResponsePayload> {
        let scope = ctx.require(Permission::SurveysRecord)?;
        let id = |value: Option<ID>, field: &str| value.as_ref().map(|v| parse_id(v, field)).transpose();
        let new = NewResponse {
            customer: input.customer.into_ref()?,
            kind: input.kind,
            score: input.score,
            comment: input.comment,
            language: input.language,
            channel: input.channel,
            store: input.store,
            agent_id: id(input.agent_id, "agentId")?,
            ticket_id: id(input.ticket_id, "ticketId")?,
            transaction_id: id(input.transaction_id, "transactionId")?,
            answered_at: input.answered_at,
            external_ref: input.external_ref,
        };
        let r = responses::record(ctx.db()?, scope, new).await.map_err(ext)?;
        Ok(RecordSurveyResponsePayload {
            customer_id: ID(r.customer.id.to_string()),
            customer: scope.can(Permission::CustomersRead).then_some(Customer(r.customer)),
            response: SurveyResponse(r.response),
            created: r.created,
        })
    }
}
