use std::sync::Arc;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;
use starcrm_shared::ServerInfo;

use super::limits::{self, ShapeLimits};
use crate::api_tokens::graphql::{ApiTokensMutation, ApiTokensQuery};
use crate::audit::graphql::AuditQuery;
use crate::auth::Auth;
use crate::auth::graphql::{AuthMutation, AuthQuery};
use crate::changes::graphql::ChangesQuery;
use crate::changes::subscription::ChangesSubscription;
use crate::customers::graphql::{CustomersMutation, CustomersQuery};
use crate::exports::{ExportsMutation, ExportsQuery};
use crate::imports::graphql::{ImportsMutation, ImportsQuery, ImportsSubscription};
use crate::insight::graphql::{AnalyticsQuery, InsightQuery};
use crate::insight::models_graphql::{PurchaseModelMutation, PurchaseModelQuery};
use crate::loyalty::graphql::{LoyaltyMutation, LoyaltyQuery};
use crate::loyalty::member_graphql::{MemberMutation, MemberQuery};
use crate::loyalty::rewards_graphql::{RewardsMutation, RewardsQuery};
use crate::marketing::campaigns_graphql::{CampaignMutation, CampaignQuery};
use crate::marketing::graphql::{MarketingMutation, MarketingQuery};
use crate::ratings::graphql::{RatingsMutation, RatingsQuery};
use crate::search::graphql::SearchQueryRoot;
use crate::search::sync::Search;
use crate::service_desk::follow_up_graphql::{FollowUpMutation, FollowUpQuery};
use crate::service_desk::graphql::{ServiceDeskMutation, ServiceDeskQuery};
use crate::service_desk::notification_graphql::{NotificationMutation, NotificationQuery};
use crate::service_desk::team_graphql::{TeamMutation, TeamQuery};
use crate::surveys::graphql::{SurveysMutation, SurveysQuery};
use crate::surveys::setup_graphql::{SurveySetupMutation, SurveySetupQuery};
use crate::system::SystemQuery;
use crate::users::graphql::{UsersMutation, UsersQuery};
use crate::webhooks::Webhooks;
use crate::webhooks::graphql::{WebhooksMutation, WebhooksQuery};

/// Everything a client can read.
#[derive(MergedObject, Default)]
pub struct Query(
    SystemQuery,
    AuthQuery,
    UsersQuery,
    ApiTokensQuery,
    AuditQuery,
    CustomersQuery,
    SearchQueryRoot,
    RatingsQuery,
    InsightQuery,
    AnalyticsQuery,
    PurchaseModelQuery,
    ChangesQuery,
    WebhooksQuery,
    ImportsQuery,
    ExportsQuery,
    ServiceDeskQuery,
    TeamQuery,
    FollowUpQuery,
    NotificationQuery,
    SurveysQuery,
    SurveySetupQuery,
    LoyaltyQuery,
    MemberQuery,
    RewardsQuery,
    MarketingQuery,
    CampaignQuery,
);

/// Everything a client can change.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    UsersMutation,
    ApiTokensMutation,
    CustomersMutation,
    RatingsMutation,
    WebhooksMutation,
    ImportsMutation,
    ExportsMutation,
    ServiceDeskMutation,
    TeamMutation,
    FollowUpMutation,
    NotificationMutation,
    SurveysMutation,
    SurveySetupMutation,
    LoyaltyMutation,
    MemberMutation,
    RewardsMutation,
    MarketingMutation,
    CampaignMutation,
    PurchaseModelMutation,
);

/// Everything a client can follow live (over the WebSocket at `/graphql/ws`).
#[derive(MergedSubscription, Default)]
pub struct Subscription(ChangesSubscription, ImportsSubscription);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The schema's shape and limits, without runtime data (enough for the SDL).
pub fn schema_builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .limit_depth(limits::MAX_DEPTH)
        .limit_complexity(limits::MAX_COMPLEXITY)
        .extension(ShapeLimits)
}

/// The schema the server executes, with the data resolvers read from the context. `hardened`
/// turns off "did you mean" suggestions (for anyone but signed-in staff in production, who also
/// get no introspection: see the GraphQL handler).
pub fn build_schema(
    db: DatabaseConnection,
    info: ServerInfo,
    auth: Arc<Auth>,
    search: Arc<Search>,
    webhooks: Arc<Webhooks>,
    hardened: bool,
) -> AppSchema {
    let builder = crate::customers::loaders::register(schema_builder(), &db)
        .data(db)
        .data(info)
        .data(auth)
        .data(search)
        .data(webhooks);
    if hardened { builder.disable_suggestions().finish() } else { builder.finish() }
}

/// The schema in SDL, as checked in at `api/schema.graphql`.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}
