//! The customer page's survey answers: every NPS and CSAT answer the customer gave, what it was
//! about, and the complaint an unhappy one opened.

use leptos::prelude::*;

use crate::api;
use crate::components::error_view::ErrorView;
use crate::i18n::{Key, use_i18n};
use crate::pages::feedback::AnswerList;

#[component]
pub fn SurveyAnswersCard(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let answers = LocalResource::new(move || {
        let id = customer_id.clone();
        async move { api::surveys::of_customer(&id).await }
    });
    view! {
        <section class="card" data-testid="survey-answers-card">
            <h2 class="card__title">{move || i18n.t(Key::CustomerFeedbackTitle)}</h2>
            <Suspense fallback=|| view! { <p class="muted">"…"</p> }>
                {move || answers.get().map(|found| match found {
                    Err(e) => view! { <ErrorView error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">{move || i18n.t(Key::CustomerFeedbackEmpty)}</p> }.into_any(),
                    Ok(list) => view! { <AnswerList answers=list /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
