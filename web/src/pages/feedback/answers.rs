//! A list of survey answers: the score, the customer's words, what it is about, and the
//! complaint an unhappy one opened. Used by the feedback page's drill-down and the customer page.

use leptos::prelude::*;
use starcrm_shared::surveys::{NpsGroup, SurveyKind};

use crate::api::surveys::ResponseView;
use crate::i18n::{I18n, Key, labels, use_i18n};
use crate::pages::customers::star_text;

/// "+40" for NPS, "86%" for CSAT, "—" without answers.
pub fn score_text(kind: SurveyKind, value: Option<f64>) -> String {
    match (kind, value) {
        (_, None) => "—".to_owned(),
        (SurveyKind::Nps, Some(v)) if v > 0.0 => format!("+{v:.0}"),
        (SurveyKind::Nps, Some(v)) => format!("{v:.0}"),
        (SurveyKind::Csat, Some(v)) => format!("{v:.0}%"),
    }
}

/// The colour of an answer's score: unhappy red, happy green, the middle grey.
fn score_class(r: &ResponseView) -> &'static str {
    let happy = match r.kind {
        SurveyKind::Nps => NpsGroup::of(r.score) == NpsGroup::Promoter,
        SurveyKind::Csat => r.score >= 4,
    };
    if r.unhappy {
        "answer__score answer__score--unhappy"
    } else if happy {
        "answer__score answer__score--happy"
    } else {
        "answer__score"
    }
}

/// "NPS 9/10" or "CSAT 2/5".
fn score_label(r: &ResponseView) -> String {
    let (_, high) = r.kind.range();
    format!("{}/{high}", r.score)
}

fn about(i18n: I18n, r: &ResponseView) -> String {
    let mut parts = Vec::new();
    parts.push(match r.kind {
        SurveyKind::Nps => "NPS".to_owned(),
        SurveyKind::Csat => "CSAT".to_owned(),
    });
    if let Some(c) = r.channel {
        parts.push(i18n.t(labels::channel(c)).to_owned());
    }
    if let Some(s) = &r.store {
        parts.push(s.clone());
    }
    if let Some(a) = &r.agent {
        parts.push(i18n.t(Key::FeedbackAgentIs).replace("{name}", &a.name));
    }
    if r.source == starcrm_shared::surveys::ResponseSource::Integration {
        parts.push(i18n.t(Key::FeedbackRecordedByIntegration).to_owned());
    }
    parts.join(" · ")
}

/// Answers, newest first; `with_customer` names the customer on each (not on their own page).
#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
pub fn AnswerList(answers: Vec<ResponseView>, #[prop(optional)] with_customer: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ul class="answers" data-testid="answers">
            {answers.into_iter().map(|r| {
                let when = r.answered_at.clone();
                let comment = r.comment.clone();
                let customer = with_customer.then(|| r.customer.clone()).flatten();
                let ticket = r.loop_ticket.clone();
                let about = about(i18n, &r);
                view! {
                    <li class="answer" data-testid="answer" data-score=r.score.to_string()>
                        <span class=score_class(&r) title=move || i18n.t(Key::FeedbackScore)>{score_label(&r)}</span>
                        <div class="answer__body">
                            {match comment {
                                Some(text) => view! { <p class="answer__comment">{text}</p> }.into_any(),
                                None => view! { <p class="answer__comment answer__comment--none muted">{move || i18n.t(Key::FeedbackNoComment)}</p> }.into_any(),
                            }}
                            <p class="answer__meta muted">
                                {customer.map(|c| view! {
                                    <a href=format!("/customers/{}", c.id) data-testid="answer-customer">{c.name.clone()}</a>
                                    <span class="stars stars--small" class:stars--none=c.stars.is_none()>{star_text(c.stars)}</span>
                                    " · "
                                })}
                                <span>{about}</span>
                                " · "
                                <time>{move || labels::time(i18n.locale(), &when)}</time>
                            </p>
                            {ticket.map(|t| view! {
                                <p class="answer__loop">
                                    <a href=format!("/service/tickets/{}", t.id) data-testid="answer-ticket">
                                        {move || i18n.t(Key::FeedbackLoopTicket).replace("{code}", &t.code)}
                                    </a>
                                    <span class="muted">{move || format!(" · {}", i18n.t(labels::ticket_status(t.status)))}</span>
                                </p>
                            })}
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
