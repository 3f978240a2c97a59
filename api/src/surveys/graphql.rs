//! Surveys over GraphQL: answers (recorded by integrations, read on the customer page).

use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::Permission;
use starcrm_shared::customer::Channel;
use starcrm_shared::surveys::{NpsGroup, ResponseSource, SurveyKind};

use super::responses::{self, NewResponse};
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
