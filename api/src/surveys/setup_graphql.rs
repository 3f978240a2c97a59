//! Survey setup over GraphQL (definitions, messaging settings, invitations, sending by hand) and
//! the public link (the customer's page: no sign-in, the token is the key).

use async_graphql::{Context, ErrorExtensions, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::Permission;
use starcrm_shared::contact_budget::{ContactBudget, SkipReason};
use starcrm_shared::surveys::{InvitationStatus, MessageChannel, SurveyKind, SurveyTrigger, Template};

use super::definitions::{self, DefinitionInput};
use super::invitations::{self, LinkState};
use crate::auth::Caller;
use crate::auth::ContextExt;
use crate::customers::graphql::patch;
use crate::entities::{survey_definition, survey_invitation};
use crate::error::AppError;
use crate::messaging::email::TlsMode;
use crate::messaging::settings::{self as messaging, Messaging, MessagingInput, SmtpInput};
use crate::users::graphql::parse_id;

#[allow(clippy::needless_pass_by_value, reason = "used as `map_err(ext)`")]
fn ext(err: AppError) -> async_graphql::Error {
    err.extend()
}

/// A message template in one language.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "SurveyTemplateInput")]
pub struct SurveyTemplate {
    /// `zh-CN`, `en`.
    pub language: String,
    /// The email's subject (SMS, WeChat and push have none).
    #[graphql(default)]
    pub subject: String,
    /// With `{link}` (required), `{name}`, `{stars}`, `{points}` (the points balance).
    pub body: String,
}

/// What a survey asks, when, on which channel, in which words.
pub struct SurveyDefinition(pub survey_definition::Model);

#[Object]
impl SurveyDefinition {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> async_graphql::Result<SurveyKind> {
        Ok(definitions::parts(&self.0).map_err(ext)?.0)
    }

    async fn trigger(&self) -> async_graphql::Result<SurveyTrigger> {
        Ok(definitions::parts(&self.0).map_err(ext)?.1)
    }

    /// Days after the trigger the invitation goes out.
    async fn delay_days(&self) -> i32 {
        self.0.delay_days
    }

    async fn channel(&self) -> async_graphql::Result<MessageChannel> {
        Ok(definitions::parts(&self.0).map_err(ext)?.2)
    }

    async fn templates(&self) -> async_graphql::Result<Vec<SurveyTemplate>> {
        let templates = definitions::parts(&self.0).map_err(ext)?.3;
        Ok(templates
            .into_iter()
            .map(|t| SurveyTemplate { language: t.language, subject: t.subject, body: t.body })
            .collect())
    }

    /// How long a link stays valid.
    async fn link_days(&self) -> i32 {
        self.0.link_days
    }

    /// For the periodic trigger: days between two asks of one customer.
    async fn period_days(&self) -> Option<i32> {
        self.0.period_days
    }

    /// For the periodic trigger: the star levels asked (empty: every rated customer).
    async fn star_levels(&self) -> Vec<i32> {
        definitions::levels_of(&self.0).into_iter().map(i32::from).collect()
    }

    async fn active(&self) -> bool {
        self.0.active
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A survey definition to create (no `id`) or change.
#[derive(InputObject)]
pub struct SurveyDefinitionInput {
    pub id: Option<ID>,
    pub name: String,
    pub kind: SurveyKind,
    pub trigger: SurveyTrigger,
    #[graphql(default)]
    pub delay_days: i32,
    pub channel: MessageChannel,
    pub templates: Vec<SurveyTemplate>,
    #[graphql(default = 14)]
    pub link_days: i32,
    #[graphql(default = true)]
    pub active: bool,
    /// For the `PERIODIC` trigger (required there): days between two asks of one customer, 30
    /// to 730.
    pub period_days: Option<i32>,
    /// For the `PERIODIC` trigger: the star levels asked (empty: every rated customer).
    #[graphql(default)]
    pub star_levels: Vec<i32>,
}

/// One customer asked once, and what came of it.
pub struct SurveyInvitation(pub survey_invitation::Model);

#[Object]
impl SurveyInvitation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn definition_id(&self) -> ID {
        ID(self.0.definition_id.to_string())
    }

    async fn customer_id(&self) -> ID {
        ID(self.0.customer_id.to_string())
    }

    /// The customer, for callers with `customers:read` (null for the others).
    async fn customer(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::customers::graphql::types::Customer>> {
        crate::service_desk::graphql::customer_for_desk(ctx, self.0.customer_id).await
    }

    async fn channel(&self) -> Option<MessageChannel> {
        MessageChannel::parse(&self.0.channel)
    }

    async fn status(&self) -> async_graphql::Result<InvitationStatus> {
        InvitationStatus::parse(&self.0.status).ok_or_else(|| {
            ext(AppError::internal(anyhow::anyhow!(
                "stored invitation status `{}` is unknown",
                self.0.status
            )))
        })
    }

    /// Why it was not sent: no consent, no address, the contact budget.
    async fn skip_reason(&self) -> Option<SkipReason> {
        self.0.skip_reason.as_deref().and_then(SkipReason::parse)
    }

    /// Why sending failed (the last try).
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }

    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    async fn ticket_id(&self) -> Option<ID> {
        self.0.ticket_id.map(|id| ID(id.to_string()))
    }

    async fn transaction_id(&self) -> Option<ID> {
        self.0.transaction_id.map(|id| ID(id.to_string()))
    }

    /// When it goes out (queued), or went out.
    async fn send_at(&self) -> DateTime<Utc> {
        self.0.send_at
    }

    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }

    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }

    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at
    }

    async fn response_id(&self) -> Option<ID> {
        self.0.response_id.map(|id| ID(id.to_string()))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The SMTP server (the password is never shown).
#[derive(SimpleObject)]
pub struct SmtpServer {
    pub host: String,
    pub port: i32,
    pub tls: TlsMode,
    pub username: Option<String>,
    pub has_password: bool,
    pub from: String,
}

/// How the workspace's messages go out.
#[derive(SimpleObject)]
pub struct MessagingSettings {
    /// The public address of the web app the survey links point at.
    pub link_base: Option<String>,
    pub smtp: Option<SmtpServer>,
    /// Where SMS, WeChat and push messages are handed to the business's own sender, as Standard
    /// Webhooks signed with `deliverySecret`.
    pub delivery_url: Option<String>,
    pub delivery_secret: Option<String>,
    /// How often one customer may be contacted unasked, quiet hours, star levels' own limits.
    pub contact_budget: Json<ContactBudget>,
}

impl From<Messaging> for MessagingSettings {
    fn from(m: Messaging) -> Self {
        Self {
            link_base: m.link_base,
            smtp: m.smtp.map(|s| SmtpServer {
                host: s.host,
                port: i32::from(s.port),
                tls: s.tls,
                username: s.username,
                has_password: s.password.is_some(),
                from: s.from,
            }),
            delivery_url: m.delivery_url,
            delivery_secret: m.delivery_secret,
            contact_budget: Json(m.budget),
        }
    }
}

/// The SMTP server to use.
#[derive(InputObject)]
pub struct SmtpServerInput {
    pub host: String,
    pub port: i32,
    pub tls: TlsMode,
    pub username: Option<String>,
    /// Left out: the stored one is kept.
    pub password: Option<String>,
    pub from: String,
}

/// Messaging settings to save: what is left out stays; `null` clears.
#[derive(InputObject, Default)]
pub struct MessagingSettingsInput {
    pub link_base: async_graphql::MaybeUndefined<String>,
    pub smtp: async_graphql::MaybeUndefined<SmtpServerInput>,
    pub delivery_url: async_graphql::MaybeUndefined<String>,
    pub contact_budget: Option<Json<ContactBudget>>,
}

/// A survey as the customer's link opens it.
#[derive(SimpleObject)]
pub struct PublicSurvey {
    pub kind: SurveyKind,
    /// The lowest and highest score (NPS 0 and 10, CSAT 1 and 5).
    pub low: i32,
    pub high: i32,
    /// Who asks.
    pub business: String,
    pub state: LinkState,
}

#[derive(Default)]
pub struct SurveySetupQuery;

#[Object]
impl SurveySetupQuery {
    /// The workspace's survey definitions. Needs `surveys:read`.
    async fn survey_definitions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SurveyDefinition>> {
        let scope = ctx.require(Permission::SurveysRead)?;
        let rows = definitions::list(ctx.db()?, scope).await.map_err(ext)?;
        Ok(rows.into_iter().map(SurveyDefinition).collect())
    }

    /// Invitations, newest first: of one definition, in one state, to one customer (at most
    /// `first`, 50 by default). Needs `surveys:read`.
    #[graphql(complexity = "crate::users::graphql::page_complexity(first, child_complexity)")]
    async fn survey_invitations(
        &self,
        ctx: &Context<'_>,
        definition_id: Option<ID>,
        status: Option<InvitationStatus>,
        customer_id: Option<ID>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<SurveyInvitation>> {
        let scope = ctx.require(Permission::SurveysRead)?;
        let page = crate::graphql::pagination::PageRequest::new(first, None)?;
        let definition = definition_id.as_ref().map(|id| parse_id(id, "definitionId")).transpose()?;
        let customer = customer_id.as_ref().map(|id| parse_id(id, "customerId")).transpose()?;
        let rows = invitations::list(ctx.db()?, scope, definition, status, customer, u64::from(page.first))
            .await
            .map_err(ext)?;
        Ok(rows.into_iter().map(SurveyInvitation).collect())
    }

    /// How messages go out. Needs `surveys:manage`.
    async fn messaging_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<MessagingSettings> {
        let scope = ctx.require(Permission::SurveysManage)?;
        Ok(messaging::load(ctx.db()?, scope.workspace_id).await.map_err(ext)?.into())
    }

    /// The survey a link opens, for the customer's page: no sign-in needed, the token is the
    /// key. `NOT_FOUND` for a token that is not one.
    async fn survey_invitation(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> async_graphql::Result<PublicSurvey> {
        let opened = invitations::open(ctx.db()?, &token, Utc::now()).await.map_err(ext)?;
        let (low, high) = opened.kind.range();
        Ok(PublicSurvey {
            kind: opened.kind,
            low: i32::from(low),
            high: i32::from(high),
            business: opened.business,
            state: opened.state,
        })
    }
}

#[derive(Default)]
pub struct SurveySetupMutation;

#[Object]
impl SurveySetupMutation {
    /// Creates or changes a survey definition. Needs `surveys:manage`.
    async fn save_survey_definition(
        &self,
        ctx: &Context<'_>,
        input: SurveyDefinitionInput,
    ) -> async_graphql::Result<SurveyDefinition> {
        let scope = ctx.require(Permission::SurveysManage)?;
        let input = DefinitionInput {
            id: input.id.as_ref().map(|id| parse_id(id, "id")).transpose()?,
            name: input.name,
            kind: input.kind,
            trigger: input.trigger,
            delay_days: input.delay_days,
            channel: input.channel,
            templates: input
                .templates
                .into_iter()
                .map(|t| Template { language: t.language, subject: t.subject, body: t.body })
                .collect(),
            link_days: input.link_days,
            active: input.active,
            period_days: input.period_days,
            star_levels: input
                .star_levels
                .iter()
                .map(|s| u8::try_from(*s).ok().filter(|s| (1..=5).contains(s)))
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| AppError::bad_input("starLevels", "are 1 to 5").extend())?,
        };
        Ok(SurveyDefinition(definitions::save(ctx.db()?, scope, input).await.map_err(ext)?))
    }

    /// Saves how messages go out. Needs `surveys:manage`.
    async fn save_messaging_settings(
        &self,
        ctx: &Context<'_>,
        input: MessagingSettingsInput,
    ) -> async_graphql::Result<MessagingSettings> {
        let scope = ctx.require(Permission::SurveysManage)?;
        let smtp = match patch(input.smtp) {
            Some(Some(s)) => Some(Some(SmtpInput {
                host: s.host,
                port: u16::try_from(s.port)
                    .map_err(|_| ext(AppError::bad_input("smtp.port", "must be between 1 and 65535")))?,
                tls: s.tls,
                username: s.username,
                password: s.password,
                from: s.from,
            })),
            Some(None) => Some(None),
            None => None,
        };
        let input = MessagingInput {
            link_base: patch(input.link_base),
            smtp,
            delivery_url: patch(input.delivery_url),
            contact_budget: input.contact_budget.map(|b| b.0),
        };
        Ok(messaging::save(ctx.db()?, scope, input).await.map_err(ext)?.into())
    }

    /// Queues a survey for customers now (each asked once a day at most by one definition; the
    /// consent, the address and the contact budget are checked when it goes out). Returns how
    /// many were queued. Needs `surveys:manage`.
    async fn send_survey(
        &self,
        ctx: &Context<'_>,
        definition_id: ID,
        customer_ids: Vec<ID>,
    ) -> async_graphql::Result<i32> {
        let scope = ctx.require(Permission::SurveysManage)?;
        let definition = parse_id(&definition_id, "definitionId")?;
        let ids = customer_ids.iter().map(|id| parse_id(id, "customerIds")).collect::<Result<Vec<_>, _>>()?;
        let made = invitations::send_by_hand(ctx.db()?, scope, definition, &ids).await.map_err(ext)?;
        Ok(i32::try_from(made).unwrap_or(i32::MAX))
    }

    /// Answers a survey through its link: once, before it expires. No sign-in: the token is the
    /// key, and a signed-in staff member is refused (staff do not answer for customers).
    /// `NOT_FOUND` for a token that is not one; `CONFLICT` when answered already or expired.
    async fn answer_survey(
        &self,
        ctx: &Context<'_>,
        token: String,
        score: i32,
        comment: Option<String>,
        language: Option<String>,
    ) -> async_graphql::Result<bool> {
        if matches!(ctx.data::<Caller>(), Ok(Caller(Some(_)))) {
            return Err(ext(AppError::Forbidden {
                permission: None,
                reason: "staff cannot answer a customer's survey; open the link signed out".to_owned(),
            }));
        }
        invitations::answer(
            ctx.db()?,
            invitations::Link::Token(&token),
            score,
            comment.as_deref(),
            language.as_deref(),
        )
        .await
        .map_err(ext)?;
        Ok(true)
    }
}
