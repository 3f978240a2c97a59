//! Insight (issue 22): the churn warning (customers at risk by the value their leaving would
//! cost, with the reasons and one-click actions) and the purchase-behaviour models (the fit, its
//! calibration check, the lifecycle rules) and the dashboards.

pub mod at_risk_page;
pub mod dashboards_page;
pub mod model_page;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{Key, use_i18n};

/// Churn warning | Models, above both insight pages.
#[component]
pub fn InsightTabs() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="tabs tabs--nav" aria-label=move || i18n.t(Key::NavInsight)>
            <A href="/insight" exact=true attr:class="tabs__tab" attr:data-testid="tab-at-risk">{move || i18n.t(Key::AtRiskTitle)}</A>
            <A href="/insight/models" attr:class="tabs__tab" attr:data-testid="tab-models">{move || i18n.t(Key::ModelsTitle)}</A>
            <A href="/insight/dashboards" attr:class="tabs__tab" attr:data-testid="tab-dashboards">{move || i18n.t(Key::DashboardsTitle)}</A>
        </nav>
    }
}
