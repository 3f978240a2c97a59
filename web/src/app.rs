use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;
use starcrm_shared::Permission;

use crate::components::protected::Private;
use crate::i18n;
use crate::pages::customers::{CustomerPage, CustomersPage, ImportPage};
use crate::pages::dashboard::DashboardPage;
use crate::pages::feedback::FeedbackPage;
use crate::pages::insight::at_risk_page::AtRiskPage;
use crate::pages::insight::dashboards_page::DashboardsPage;
use crate::pages::insight::model_page::ModelPage;
use crate::pages::login_page::LoginPage;
use crate::pages::marketing::campaign_page::{CampaignPage, NewCampaignPage};
use crate::pages::marketing::campaigns_page::CampaignsPage;
use crate::pages::marketing::segments_page::SegmentsPage;
use crate::pages::member_page::MemberPage;
use crate::pages::not_found_page::NotFoundPage;
use crate::pages::points::PointsPage;
use crate::pages::ratings::{BenefitsPage, RatingsPage};
use crate::pages::search_page::SearchPage;
use crate::pages::service::analysis_page::AnalysisPage;
use crate::pages::service::follow_ups_page::FollowUpsPage;
use crate::pages::service::inbox_page::InboxPage;
use crate::pages::service::ticket_page::TicketPage;
use crate::pages::settings::{
    AccountPage, AuditPage, LoyaltySettingsPage, ServiceSettingsPage, SurveysSettingsPage, TokensPage,
    UsersPage, WebhooksPage,
};
use crate::pages::survey_page::SurveyPage;
use crate::pages::unsubscribe_page::UnsubscribePage;
use crate::state::session;

#[component]
#[allow(clippy::too_many_lines, reason = "the route table: one entry per page")]
pub fn App() -> impl IntoView {
    i18n::provide_i18n();
    session::provide_session();
    view! {
        <Router>
            <Routes fallback=|| view! { <Private require=None><NotFoundPage /></Private> }>
                <Route path=path!("/login") view=LoginPage />
                // The customer's survey link: no sign-in.
                <Route path=path!("/s/:token") view=SurveyPage />
                // A campaign message's unsubscribe link: no sign-in.
                <Route path=path!("/u/:token") view=UnsubscribePage />
                <Route path=path!("/member") view=MemberPage />
                <Route path=path!("/") view=|| view! { <Private require=None><DashboardPage /></Private> } />
                <Route
                    path=path!("/customers")
                    view=|| view! { <Private require=Some(Permission::CustomersRead)><CustomersPage /></Private> }
                />
                <Route
                    path=path!("/imports")
                    view=|| view! { <Private require=Some(Permission::DataImport)><ImportPage /></Private> }
                />
                <Route
                    path=path!("/customers/:id")
                    view=|| view! { <Private require=Some(Permission::CustomersRead)><CustomerPage /></Private> }
                />
                <Route
                    path=path!("/search")
                    view=|| view! { <Private require=Some(Permission::CustomersRead)><SearchPage /></Private> }
                />
                <Route
                    path=path!("/service")
                    view=|| view! { <Private require=Some(Permission::ServiceManage)><InboxPage /></Private> }
                />
                <Route
                    path=path!("/service/analysis")
                    view=|| view! { <Private require=Some(Permission::ServiceConfigure)><AnalysisPage /></Private> }
                />
                <Route
                    path=path!("/service/follow-ups")
                    view=|| view! { <Private require=Some(Permission::ServiceManage)><FollowUpsPage /></Private> }
                />
                <Route
                    path=path!("/service/tickets/:id")
                    view=|| view! { <Private require=Some(Permission::ServiceManage)><TicketPage /></Private> }
                />
                <Route
                    path=path!("/ratings")
                    view=|| view! { <Private require=Some(Permission::RatingsRead)><RatingsPage /></Private> }
                />
                <Route
                    path=path!("/feedback")
                    view=|| view! { <Private require=Some(Permission::SurveysRead)><FeedbackPage /></Private> }
                />
                <Route
                    path=path!("/settings/benefits")
                    view=|| view! { <Private require=Some(Permission::RatingsRead)><BenefitsPage /></Private> }
                />
                <Route path=path!("/settings") view=|| view! { <Redirect path="/settings/account" /> } />
                <Route path=path!("/settings/account") view=|| view! { <Private require=None><AccountPage /></Private> } />
                <Route
                    path=path!("/settings/users")
                    view=|| view! { <Private require=Some(Permission::UsersRead)><UsersPage /></Private> }
                />
                <Route
                    path=path!("/settings/service")
                    view=|| view! { <Private require=Some(Permission::ServiceConfigure)><ServiceSettingsPage /></Private> }
                />
                <Route
                    path=path!("/insight")
                    view=|| view! { <Private require=Some(Permission::CustomersRead)><AtRiskPage /></Private> }
                />
                <Route
                    path=path!("/insight/models")
                    view=|| view! { <Private require=Some(Permission::CustomersRead)><ModelPage /></Private> }
                />
                <Route
                    path=path!("/insight/dashboards")
                    view=|| view! { <Private require=Some(Permission::RatingsRead)><DashboardsPage /></Private> }
                />
                <Route
                    path=path!("/segments")
                    view=|| view! { <Private require=Some(Permission::CustomersRead)><SegmentsPage /></Private> }
                />
                <Route
                    path=path!("/campaigns")
                    view=|| view! { <Private require=Some(Permission::CampaignsManage)><CampaignsPage /></Private> }
                />
                <Route
                    path=path!("/campaigns/new")
                    view=|| view! { <Private require=Some(Permission::CampaignsManage)><NewCampaignPage /></Private> }
                />
                <Route
                    path=path!("/campaigns/:id")
                    view=|| view! { <Private require=Some(Permission::CampaignsManage)><CampaignPage /></Private> }
                />
                <Route
                    path=path!("/points")
                    view=|| view! { <Private require=Some(Permission::LoyaltyRead)><PointsPage /></Private> }
                />
                <Route
                    path=path!("/settings/points")
                    view=|| view! { <Private require=Some(Permission::LoyaltyManage)><LoyaltySettingsPage /></Private> }
                />
                <Route
                    path=path!("/settings/surveys")
                    view=|| view! { <Private require=Some(Permission::SurveysManage)><SurveysSettingsPage /></Private> }
                />
                <Route
                    path=path!("/settings/tokens")
                    view=|| view! { <Private require=Some(Permission::TokensManage)><TokensPage /></Private> }
                />
                <Route
                    path=path!("/settings/webhooks")
                    view=|| view! { <Private require=Some(Permission::WebhooksManage)><WebhooksPage /></Private> }
                />
                <Route
                    path=path!("/settings/audit")
                    view=|| view! { <Private require=Some(Permission::AuditRead)><AuditPage /></Private> }
                />
            </Routes>
        </Router>
    }
}
