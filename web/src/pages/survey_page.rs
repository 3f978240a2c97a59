//! The customer's survey page (`/s/:token`): no sign-in, phone first. One tap gives the score,
//! then an optional comment and send; the link works once, and says so when answered or expired.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use starcrm_shared::ErrorCode;
use starcrm_shared::surveys::SurveyKind;

use crate::api::ApiError;
use crate::api::surveys::{self, LinkState, PublicSurvey};
use crate::components::language_switcher::LanguageSwitcher;
use crate::i18n::{Key, use_i18n, use_page_title};

/// What the page shows.
#[derive(Clone, Debug, PartialEq)]
enum View {
    Loading,
    Invalid,
    Failed,
    Ready(PublicSurvey),
    Thanks,
}

#[component]
pub fn SurveyPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::SurveyTitle);
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let view_state = RwSignal::new(View::Loading);
    let score = RwSignal::new(None::<u8>);
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Key>);

    Effect::new(move |_| {
        let token = token();
        leptos::task::spawn_local(async move {
            view_state.set(match surveys::open(&token).await {
                Ok(survey) => View::Ready(survey),
                Err(e) if e.is(ErrorCode::NotFound) => View::Invalid,
                Err(_) => View::Failed,
            });
        });
    });

    let send = Action::new_local(move |(score, comment): &(u8, String)| {
        let (score, comment) = (*score, comment.trim().to_owned());
        let language = i18n.locale().tag();
        async move {
            let comment = (!comment.is_empty()).then_some(comment);
            surveys::answer(&token(), score, comment.as_deref(), language).await
        }
    });
    Effect::new(move |_| match send.value().get() {
        Some(Ok(())) => view_state.set(View::Thanks),
        Some(Err(e)) if e.is(ErrorCode::Conflict) => {
            // Answered (another tab) or expired meanwhile: ask the link again for which.
            leptos::task::spawn_local(async move {
                if let Ok(survey) = surveys::open(&token()).await {
                    view_state.set(View::Ready(survey));
                }
            });
        }
        Some(Err(e)) if e.concerns("comment") => error.set(Some(Key::SurveyCommentTooLong)),
        Some(Err(_)) => error.set(Some(Key::SurveySendFailed)),
        None => {}
    });
    let body = move || match view_state.get() {
        View::Loading => {
            view! { <p class="survey__status" aria-busy="true">{move || i18n.t(Key::Loading)}</p> }.into_any()
        }
        View::Invalid => {
            message(Key::SurveyInvalidTitle, Key::SurveyInvalidBody, "survey-invalid").into_any()
        }
        View::Failed => message(Key::SurveyFailedTitle, Key::SurveyFailedBody, "survey-failed").into_any(),
        View::Thanks => message(Key::SurveyThanksTitle, Key::SurveyThanksBody, "survey-thanks").into_any(),
        View::Ready(survey) => match survey.state {
            LinkState::Answered => {
                message(Key::SurveyAnsweredTitle, Key::SurveyThanksBody, "survey-answered").into_any()
            }
            LinkState::Expired => {
                message(Key::SurveyExpiredTitle, Key::SurveyExpiredBody, "survey-expired").into_any()
            }
            LinkState::Open => view! { <SurveyForm survey score comment error send /> }.into_any(),
        },
    };

    view! {
        <div class="auth-page survey-page">
            <div class="auth-page__top">
                <LanguageSwitcher />
            </div>
            <main class="auth-card survey-card" data-testid="survey-page">{body}</main>
            <p class="auth-page__foot">{move || i18n.t(Key::SurveyFoot)}</p>
        </div>
    }
}

/// The question, the score buttons, then the comment and send.
#[component]
fn SurveyForm(
    survey: PublicSurvey,
    score: RwSignal<Option<u8>>,
    comment: RwSignal<String>,
    error: RwSignal<Option<Key>>,
    send: Action<(u8, String), Result<(), ApiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        error.set(None);
        if let Some(s) = score.get_untracked() {
            send.dispatch((s, comment.get_untracked()));
        }
    };

    let question = match survey.kind {
        SurveyKind::Nps => Key::SurveyNpsQuestion,
        SurveyKind::Csat => Key::SurveyCsatQuestion,
    };
    let (low_label, high_label) = match survey.kind {
        SurveyKind::Nps => (Key::SurveyNpsLow, Key::SurveyNpsHigh),
        SurveyKind::Csat => (Key::SurveyCsatLow, Key::SurveyCsatHigh),
    };
    let business = survey.business.clone();
    let scores: Vec<u8> = (survey.low..=survey.high).collect();
    let class =
        if survey.kind == SurveyKind::Nps { "survey-scale survey-scale--nps" } else { "survey-scale" };
    view! {
        <form class="form survey" on:submit=submit novalidate=true data-testid="survey-form">
            <h1 class="survey__question">{move || i18n.t(question).replace("{business}", &business)}</h1>
            <div class=class role="radiogroup" aria-label=move || i18n.t(question).replace("{business}", "")>
                {scores.into_iter().map(|s| view! {
                    <button
                        type="button"
                        role="radio"
                        class="survey-scale__button"
                        class:survey-scale__button--chosen=move || score.get() == Some(s)
                        aria-checked=move || if score.get() == Some(s) { "true" } else { "false" }
                        data-testid=format!("survey-score-{s}")
                        on:click=move |_| score.set(Some(s))
                    >
                        {s.to_string()}
                    </button>
                }).collect_view()}
            </div>
            <div class="survey-scale__ends" aria-hidden="true">
                <span>{move || i18n.t(low_label)}</span>
                <span>{move || i18n.t(high_label)}</span>
            </div>
            <Show when=move || score.get().is_some()>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Key::SurveyCommentLabel)}</span>
                    <textarea
                        class="field__input survey__comment"
                        name="survey-comment"
                        rows="4"
                        maxlength="2000"
                        placeholder=move || i18n.t(Key::SurveyCommentHint)
                        prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev))
                    ></textarea>
                </label>
                {move || error.get().map(|k| view! { <p class="field__error" role="alert">{i18n.t(k)}</p> })}
                <button
                    type="submit"
                    class="button button--primary button--block"
                    data-testid="survey-submit"
                    disabled=move || send.pending().get()
                >
                    {move || i18n.t(if send.pending().get() { Key::SurveySending } else { Key::SurveySend })}
                </button>
            </Show>
        </form>
    }
}

fn message(title: Key, body: Key, test_id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="survey__message" data-testid=test_id>
            <h1 class="auth-card__title">{move || i18n.t(title)}</h1>
            <p class="auth-card__subtitle">{move || i18n.t(body)}</p>
        </div>
    }
}
