//! The customer page's survey answers: every NPS and CSAT answer the customer gave, what it was
//! about, and the complaint an unhappy one opened; and sending the customer a survey by hand.

use leptos::prelude::*;
use starcrm_shared::surveys::SurveyKind;

use crate::api;
use crate::components::dialog::Dialog;
use crate::components::error_view::ErrorView;
use crate::components::field::FormError;
use crate::i18n::{Key, labels, use_i18n};
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

/// Sends the customer one of the workspace's active surveys now (managers). Consent, an address
/// and the contact budget are checked when it goes out, as for every invitation.
#[component]
pub fn SendSurveyDialog(
    customer_id: String,
    on_close: Callback<()>,
    on_sent: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let choices = LocalResource::new(api::surveys::choices);
    let chosen = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let customer = StoredValue::new(customer_id);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(definition) = chosen.get_untracked() else {
            error.set(Some(i18n.t(Key::SendSurveyChoose).to_owned()));
            return;
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::surveys::send_now(&definition, &customer.get_value()).await;
            pending.set(false);
            match result {
                Ok(true) => on_sent.run(i18n.t(Key::SendSurveyQueued).to_owned()),
                Ok(false) => on_sent.run(i18n.t(Key::SendSurveyAlready).to_owned()),
                Err(e) => error.set(Some(labels::form_error(i18n, &e))),
            }
        });
    };
    view! {
        <Dialog title=Key::SendSurvey on_close test_id="send-survey-dialog">
            <form class="form" on:submit=send novalidate=true>
                <p class="muted">{move || i18n.t(Key::SendSurveyHelp)}</p>
                <Suspense fallback=|| view! { <p class="muted">"…"</p> }>
                    {move || choices.get().map(|found| match found {
                        Err(e) => view! { <ErrorView error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="no-active-surveys">{move || i18n.t(Key::SendSurveyNone)}</p> }.into_any(),
                        Ok(list) => {
                            if chosen.get_untracked().is_none() {
                                chosen.set(list.first().map(|d| d.id.clone()));
                            }
                            view! {
                                <div class="choice-list" role="radiogroup">
                                    {list.into_iter().map(|d| {
                                        let (id, value) = (d.id.clone(), d.id.clone());
                                        let kind = match d.kind { SurveyKind::Nps => "NPS", SurveyKind::Csat => "CSAT" };
                                        view! {
                                            <label class="checkbox checkbox--card">
                                                <input type="radio" name="survey" data-testid="survey-choice" value=value
                                                    prop:checked=move || chosen.get().as_deref() == Some(id.as_str())
                                                    on:change=move |ev| chosen.set(Some(event_target_value(&ev))) />
                                                <span><strong>{d.name.clone()}</strong><span class="muted">{format!(" · {kind}")}</span></span>
                                            </label>
                                        }
                                    }).collect_view()}
                                </div>
                            }
                            .into_any()
                        }
                    })}
                </Suspense>
                <FormError message=error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--primary" data-testid="confirm-send-survey" disabled=move || pending.get()>
                        {move || i18n.t(Key::SendSurvey)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
