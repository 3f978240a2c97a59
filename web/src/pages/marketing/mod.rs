//! Marketing: the segments page (saved segments, the builder with its live count, the RFM grid),
//! the customer page's segments card, and campaigns (list with presets, wizard, report).

pub mod builder;
pub mod campaign_page;
pub mod campaigns_page;
pub mod conditions;
pub mod customer_card;
pub mod report;
pub mod rfm_grid;
pub mod segments_page;
pub mod wizard;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{Key, use_i18n};

/// Segments | Campaigns, above both marketing pages.
#[component]
pub fn MarketingTabs() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="tabs tabs--nav" aria-label=move || i18n.t(Key::NavCampaigns)>
            <A href="/segments" attr:class="tabs__tab" attr:data-testid="tab-segments">{move || i18n.t(Key::SegmentsTitle)}</A>
            <A href="/campaigns" attr:class="tabs__tab" attr:data-testid="tab-campaigns">{move || i18n.t(Key::CampaignsTitle)}</A>
        </nav>
    }
}
