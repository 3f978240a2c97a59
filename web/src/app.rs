use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::app_shell::AppShell;
use crate::i18n;
use crate::pages::dashboard::DashboardPage;
use crate::pages::not_found_page::NotFoundPage;

#[component]
pub fn App() -> impl IntoView {
    i18n::provide_i18n();
    view! {
        <Router>
            <AppShell>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=DashboardPage />
                </Routes>
            </AppShell>
        </Router>
    }
}
