//! One customer: the header with their stars and actions, the profile cards (spending, profile,
//! contact details, consent, channel identities, custom fields), the history tabs, possible
//! duplicates and merges.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use starcrm_shared::Permission;
use starcrm_shared::customer::{
    Channel, ConsentChannel, CustomFieldKind, CustomerDetail, FieldDefinition, FieldValueView, format_money,
};

use super::customer_form::EditCustomerDialog;
use super::duplicates::{DuplicatesCard, MergesCard};
use super::history::{HistoryPanel, RecordInteractionDialog, RecordPurchaseDialog};
use super::insight_card::InsightCard;
use super::points::PointsCard;
use super::rating::RatingCard;
use super::star_text;
use super::survey_answers::{SendSurveyDialog, SurveyAnswersCard};
use crate::api::{self, ApiError};
use crate::components::confirm::ConfirmDialog;
use crate::components::dialog::Dialog;
use crate::components::error_view::ErrorView;
use crate::components::field::{FormError, TextField};
use crate::i18n::{I18n, Key, labels, use_i18n};
use crate::pages::marketing::customer_card::SegmentsCard;
use crate::pages::service::open_ticket::OpenTicketDialog;
use crate::state::session::use_session;

/// The dialog open over the page, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Edit,
    Purchase,
    Interaction,
    Ticket,
    Delete,
    Erase,
    Survey,
}

/// The loaded customer and what a change asks the page to do next.
#[derive(Clone, Copy)]
pub(super) struct PageState {
    pub customer: RwSignal<Option<CustomerDetail>>,
    pub fields: RwSignal<Vec<FieldDefinition>>,
    pub notice: RwSignal<Option<String>>,
    reload_round: RwSignal<u32>,
}

impl PageState {
    /// Fetches the customer again (after a change). The customer's view is then built anew, so
    /// its history and duplicates load again with it.
    pub fn reload(self) {
        self.reload_round.update(|n| *n += 1);
    }

    pub fn say(self, message: String) {
        self.notice.set(Some(message));
    }
}

const CUSTOMER_CHANGED: &str = include_str!("../../../graphql/customer_changed.graphql");

/// Whether a dialog is open (its form would be lost if the page were rebuilt now).
fn dialog_open() -> bool {
    document().query_selector("[role=dialog]").ok().flatten().is_some()
}

/// Fetches the customer again in a moment and shows it, but never under an open dialog: the
/// check and the update happen together, after the fetch, so a dialog opened while the fetch
/// was under way is not thrown away either. Then clears `pending`.
fn refresh_when_idle(id: String, pending: std::rc::Rc<std::cell::Cell<bool>>, state: PageState) {
    set_timeout(
        move || {
            if dialog_open() {
                refresh_when_idle(id, pending, state);
                return;
            }
            leptos::task::spawn_local(async move {
                let fetched = api::customers::get(&id).await;
                if dialog_open() {
                    refresh_when_idle(id, pending, state);
                    return;
                }
                pending.set(false);
                if let Ok(Some((customer, fields))) = fetched {
                    state.fields.set(fields);
                    state.customer.set(Some(customer));
                }
            });
        },
        std::time::Duration::from_millis(300),
    );
}

#[component]
pub fn CustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let state = PageState {
        customer: RwSignal::new(None),
        fields: RwSignal::new(Vec::new()),
        notice: RwSignal::new(None),
        reload_round: RwSignal::new(0),
    };
    let error = RwSignal::new(None::<ApiError>);
    let missing = RwSignal::new(false);
    let navigate = use_navigate();

    Effect::new(move |_| {
        let id = id.get();
        state.reload_round.track();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::customers::get(&id).await {
                Ok(Some((customer, fields))) => {
                    // A merged-away id answers with the survivor: show it under its own address.
                    if customer.id != id {
                        navigate(
                            &format!("/customers/{}", customer.id),
                            leptos_router::NavigateOptions { replace: true, ..Default::default() },
                        );
                    }
                    error.set(None);
                    missing.set(false);
                    state.fields.set(fields);
                    state.customer.set(Some(customer));
                }
                Ok(None) => missing.set(true),
                Err(failure) => error.set(Some(failure)),
            }
        });
    });
    // Live: a change made elsewhere (a purchase pushed by the POS, a colleague's edit, a
    // re-rating) reloads the page; a burst of changes reloads it once, and never under an open
    // dialog (the reload would throw away what is being typed): it waits until the dialog closes.
    let live = StoredValue::new_local(None::<api::live::Live>);
    Effect::new(move |_| {
        let id = id.get();
        let pending = std::rc::Rc::new(std::cell::Cell::new(false));
        let follow =
            api::live::follow(CUSTOMER_CHANGED, serde_json::json!({ "id": id.clone() }), move || {
                if !pending.replace(true) {
                    refresh_when_idle(id.clone(), std::rc::Rc::clone(&pending), state);
                }
            });
        live.set_value(Some(follow));
    });
    on_cleanup(move || live.set_value(None));
    Effect::new(move |_| {
        let title = state.customer.with(|c| c.as_ref().map(|c| c.name.clone()));
        let suffix = i18n.t(Key::NavCustomers);
        if let Some(name) = title {
            document().set_title(&format!("{name} · {suffix} · StarCRM"));
        }
    });

    view! {
        <a class="back-link" href="/customers" data-testid="back-to-customers">"← "{move || i18n.t(Key::AllCustomers)}</a>
        {move || {
            if let Some(failure) = error.get() {
                return view! { <ErrorView error=failure on_retry=Callback::new(move |()| state.reload()) /> }.into_any();
            }
            if missing.get() {
                return view! {
                    <div class="empty" data-testid="customer-missing">
                        <p class="empty__title">{i18n.t(Key::ErrorNotFoundTitle)}</p>
                        <p class="muted">{i18n.t(Key::CustomerNotFound)}</p>
                    </div>
                }
                .into_any();
            }
            match state.customer.get() {
                None => view! { <div class="skeleton" aria-label=i18n.t(Key::Loading)></div> }.into_any(),
                Some(customer) => view! { <CustomerView customer state /> }.into_any(),
            }
        }}
    }
}

#[component]
fn CustomerView(customer: CustomerDetail, state: PageState) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let open = RwSignal::new(None::<Open>);
    let can_write = move || session.can(Permission::CustomersWrite);
    let can_record = move || session.can(Permission::TransactionsWrite);
    let (deleted, erased) = (customer.deleted, customer.erased);
    let live = !deleted && !erased;
    let id = StoredValue::new(customer.id.clone());
    let code = StoredValue::new(customer.code.clone());
    let name = StoredValue::new(customer.name.clone());
    let detail = StoredValue::new(customer.clone());

    let set_deleted = move |delete: bool| {
        open.set(None);
        // Read now: a live update may re-render this header (disposing its stored values)
        // before the request below answers.
        let (id, code) = (id.get_value(), code.get_value());
        leptos::task::spawn_local(async move {
            match api::customers::set_deleted(&id, delete).await {
                Ok(()) => {
                    let key = if delete { Key::CustomerDeleted } else { Key::CustomerRestored };
                    state.say(i18n.t(key).replace("{code}", &code));
                    state.reload();
                }
                Err(error) => state.say(labels::form_error(i18n, &error)),
            }
        });
    };
    let stage = customer.lifecycle_stage;
    let initial = customer.name.chars().next().map(String::from).unwrap_or_default();
    let tags = customer.tags.clone();

    view! {
        <header class="customer-header" data-testid="customer-header" data-code=customer.code.clone()>
            <span class="avatar avatar--large" aria-hidden="true">{initial}</span>
            <div class="customer-header__main">
                <h1 class="page-title" data-testid="page-title">{customer.name.clone()}</h1>
                <div class="customer-header__meta" data-testid="header-tags">
                    <span class="mono">{customer.code.clone()}</span>
                    <span class=format!("pill pill--stage pill--{}", stage.as_str())>{move || i18n.t(labels::stage(stage))}</span>
                    <span class="stars" class:stars--none=customer.stars.is_none() title=move || i18n.t(Key::Stars)>{star_text(customer.stars)}</span>
                    {customer.tier_name.clone().map(|n| view! { <span class="customer-tier" data-testid="customer-tier">{n}</span> })}
                    {tags.into_iter().map(|t| view! { <span class="tag">{t}</span> }).collect_view()}
                    <Show when=move || !live>
                        <span class="pill pill--warn">{move || i18n.t(Key::Deleted)}</span>
                    </Show>
                </div>
            </div>
            <div class="customer-header__actions">
                <Show when=move || live && can_record()>
                    <button type="button" class="button button--primary" data-testid="record-purchase" on:click=move |_| open.set(Some(Open::Purchase))>
                        {move || i18n.t(Key::RecordPurchase)}
                    </button>
                    <button type="button" class="button" data-testid="log-interaction" on:click=move |_| open.set(Some(Open::Interaction))>
                        {move || i18n.t(Key::LogInteraction)}
                    </button>
                </Show>
                <Show when=move || live && session.can(Permission::ServiceManage)>
                    <button type="button" class="button" data-testid="new-ticket" on:click=move |_| open.set(Some(Open::Ticket))>
                        {move || i18n.t(Key::NewTicket)}
                    </button>
                </Show>
                <Show when=move || live && session.can(Permission::SurveysManage)>
                    <button type="button" class="button" data-testid="send-survey" on:click=move |_| open.set(Some(Open::Survey))>
                        {move || i18n.t(Key::SendSurvey)}
                    </button>
                </Show>
                <Show when=move || live && can_write()>
                    <button type="button" class="button" data-testid="edit-customer" on:click=move |_| open.set(Some(Open::Edit))>
                        {move || i18n.t(Key::Edit)}
                    </button>
                    <button type="button" class="button button--danger-outline" data-testid="delete-customer" on:click=move |_| open.set(Some(Open::Delete))>
                        {move || i18n.t(Key::Delete)}
                    </button>
                </Show>
                <Show when=move || !erased && session.can(Permission::CustomersErase)>
                    <button type="button" class="button button--danger-outline" data-testid="erase-customer" on:click=move |_| open.set(Some(Open::Erase))>
                        {move || i18n.t(Key::Erase)}
                    </button>
                </Show>
                <Show when=move || deleted && !erased && can_write()>
                    <button type="button" class="button button--primary" data-testid="restore-customer" on:click=move |_| set_deleted(false)>
                        {move || i18n.t(Key::Restore)}
                    </button>
                </Show>
            </div>
        </header>
        <Show when=move || deleted && !erased>
            <p class="notice notice--warn" data-testid="deleted-banner">{move || i18n.t(Key::DeletedBanner)}</p>
        </Show>
        <Show when=move || erased>
            <p class="notice notice--warn">{move || i18n.t(Key::ErasedBanner)}</p>
        </Show>
        {move || state.notice.get().map(|m| view! { <p class="notice notice--ok notice--spaced" role="status" data-testid="notice">{m}</p> })}

        <div class="customer-layout">
            <div class="customer-layout__side">
                <Show when=move || session.can(Permission::RatingsRead)>
                    <RatingCard customer_id=id.get_value() on_changed=Callback::new(move |message: String| { state.say(message); state.reload(); }) />
                </Show>
                <SpendingCard customer=detail.get_value() />
                <InsightCard customer_id=id.get_value() />
                <SegmentsCard customer_id=id.get_value() />
                <ProfileCard customer=detail.get_value() />
                <ContactCard customer=detail.get_value() />
                <ConsentCard customer=detail.get_value() />
                <IdentitiesCard customer=detail.get_value() state editable=live />
                <CustomFieldsCard values=detail.get_value().custom_fields defined=!state.fields.get_untracked().is_empty() />
            </div>
            <div class="customer-layout__main">
                <HistoryPanel customer_id=id.get_value() />
                <Show when=move || session.can(Permission::LoyaltyRead)>
                    <PointsCard customer_id=id.get_value() />
                </Show>
                <Show when=move || session.can(Permission::SurveysRead)>
                    <SurveyAnswersCard customer_id=id.get_value() />
                </Show>
                <Show when=move || live>
                    <DuplicatesCard customer=detail.get_value() state />
                </Show>
                <MergesCard customer=detail.get_value() state />
            </div>
        </div>

        {move || match open.get() {
            None => ().into_any(),
            Some(Open::Edit) => {
                // Read now: the dialog reports after its request, when a live update may have
                // rendered the header (and its stored values) anew.
                let code = code.get_value();
                view! {
                    <EditCustomerDialog
                        customer=detail.get_value()
                        fields=state.fields.get_untracked()
                        on_close=Callback::new(move |()| open.set(None))
                        on_saved=Callback::new(move |()| {
                            open.set(None);
                            state.say(i18n.t(Key::CustomerSaved).replace("{code}", &code));
                            state.reload();
                        })
                    />
                }
                .into_any()
            }
            Some(Open::Purchase) => view! {
                <RecordPurchaseDialog
                    customer_id=id.get_value()
                    currency=detail.with_value(|c| c.total_spend.currency.clone())
                    on_close=Callback::new(move |()| open.set(None))
                    on_recorded=Callback::new(move |amount: String| {
                        open.set(None);
                        state.say(i18n.t(Key::PurchaseRecorded).replace("{amount}", &amount));
                        state.reload();
                    })
                />
            }
            .into_any(),
            Some(Open::Survey) => view! {
                <SendSurveyDialog
                    customer_id=id.get_value()
                    on_close=Callback::new(move |()| open.set(None))
                    on_sent=Callback::new(move |message: String| {
                        open.set(None);
                        state.say(message);
                    })
                />
            }
            .into_any(),
            Some(Open::Ticket) => view! {
                <OpenTicketDialog customer=Some(id.get_value()) on_close=Callback::new(move |()| open.set(None)) />
            }
            .into_any(),
            Some(Open::Interaction) => view! {
                <RecordInteractionDialog
                    customer_id=id.get_value()
                    on_close=Callback::new(move |()| open.set(None))
                    on_recorded=Callback::new(move |()| {
                        open.set(None);
                        state.say(i18n.t(Key::InteractionRecorded).to_owned());
                        state.reload();
                    })
                />
            }
            .into_any(),
            Some(Open::Erase) => {
                let code = code.get_value();
                view! {
                    <EraseDialog
                        id=id.get_value()
                        body=i18n.t(Key::EraseBody).replace("{name}", &name.get_value()).replace("{code}", &code)
                        on_close=Callback::new(move |()| open.set(None))
                        on_erased=Callback::new(move |()| {
                            open.set(None);
                            state.say(i18n.t(Key::CustomerErased).replace("{code}", &code));
                            state.reload();
                        })
                    />
                }
                .into_any()
            }
            Some(Open::Delete) => view! {
                <ConfirmDialog
                    title=Key::DeleteCustomerTitle
                    body=i18n.t(Key::DeleteCustomerBody).replace("{name}", &name.get_value()).replace("{code}", &code.get_value())
                    action=Key::Delete
                    danger=true
                    on_confirm=Callback::new(move |()| set_deleted(true))
                    on_close=Callback::new(move |()| open.set(None))
                />
            }
            .into_any(),
        }}
    }
}

/// Privacy erasure: says what goes for good and asks why (the reason is audited).
#[component]
fn EraseDialog(id: String, body: String, on_close: Callback<()>, on_erased: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let reason = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let reason_error = Signal::derive(move || {
        (touched.get() && reason.get().trim().is_empty())
            .then(|| labels::invalid(i18n, starcrm_shared::validate::Invalid::Required))
    });
    let id = StoredValue::new(id);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        touched.set(true);
        let text = reason.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::customers::erase(&id.get_value(), &text).await;
            pending.set(false);
            match result {
                Ok(()) => on_erased.run(()),
                Err(failure) => form_error.set(Some(
                    labels::field_error(i18n, &failure, "reason")
                        .unwrap_or_else(|| labels::form_error(i18n, &failure)),
                )),
            }
        });
    };
    view! {
        <Dialog title=Key::EraseTitle on_close test_id="erase-dialog">
            <form class="form" on:submit=submit novalidate=true>
                <p>{body}</p>
                <TextField label=Key::EraseReason value=reason error=reason_error name="erase-reason" autocomplete="off" />
                <FormError message=form_error />
                <div class="form__actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>{move || i18n.t(Key::Cancel)}</button>
                    <button type="submit" class="button button--danger" disabled=move || pending.get() data-testid="confirm-erase">
                        {move || i18n.t(Key::EraseConfirm)}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// A term and its value in a card's list; "not set" in grey when there is none.
#[component]
fn Item(
    label: Key,
    #[prop(into)] value: Option<String>,
    #[prop(optional)] test_id: Option<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div data-testid=test_id>
            <dt>{move || i18n.t(label)}</dt>
            {match value {
                Some(v) => view! { <dd>{v}</dd> }.into_any(),
                None => view! { <dd class="muted">{move || i18n.t(Key::NotSet)}</dd> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn SpendingCard(customer: CustomerDetail) -> impl IntoView {
    let i18n = use_i18n();
    let first = customer.first_purchase_at.clone();
    let last = customer.last_purchase_at.clone();
    view! {
        <section class="card card--spending" data-testid="spending-card">
            <h2 class="card__title">{move || i18n.t(Key::Spending)}</h2>
            <dl class="figures">
                <div class="figure figure--wide">
                    <dt>{move || i18n.t(Key::TotalSpend)}</dt>
                    <dd data-testid="total-spend">{format_money(customer.total_spend.amount_minor, &customer.total_spend.currency)}</dd>
                </div>
                <div class="figure">
                    <dt>{move || i18n.t(Key::Orders)}</dt>
                    <dd data-testid="order-count">{customer.order_count}</dd>
                </div>
                <div class="figure">
                    <dt>{move || i18n.t(Key::Categories)}</dt>
                    <dd>{customer.category_count}</dd>
                </div>
                <div class="figure">
                    <dt>{move || i18n.t(Key::FirstPurchase)}</dt>
                    <dd class="figure__small">{move || date_or_never(i18n, first.as_deref())}</dd>
                </div>
                <div class="figure">
                    <dt>{move || i18n.t(Key::LastPurchase)}</dt>
                    <dd class="figure__small">{move || date_or_never(i18n, last.as_deref())}</dd>
                </div>
            </dl>
        </section>
    }
}

/// The date part of a time in the reader's locale, or "never".
pub(super) fn date_or_never(i18n: I18n, value: Option<&str>) -> String {
    value.map_or_else(|| i18n.t(Key::Never).to_owned(), |t| labels::date(i18n.locale(), t))
}

#[component]
fn ProfileCard(customer: CustomerDetail) -> impl IntoView {
    let i18n = use_i18n();
    let gender = customer.gender;
    let source = customer.source_channel;
    let first_seen = customer.first_seen_at.clone();
    let last_activity = customer.last_activity_at.clone();
    view! {
        <section class="card" data-testid="profile-card">
            <h2 class="card__title">{move || i18n.t(Key::Profile)}</h2>
            <dl class="details details--compact">
                <div>
                    <dt>{move || i18n.t(Key::Gender)}</dt>
                    <dd>{move || i18n.t(labels::gender(gender))}</dd>
                </div>
                <Item label=Key::Birthday value=customer.birthday.clone() />
                <Item label=Key::Company value=customer.company.clone() test_id="profile-company" />
                <Item label=Key::JobTitle value=customer.job_title.clone() />
                <Item label=Key::Education value=customer.education.clone() />
                <Item label=Key::NativePlace value=customer.native_place.clone() />
                <Item label=Key::Address value=customer.address.clone() />
                <Item label=Key::Owner value=customer.owner.as_ref().map(|o| o.name.clone()) />
                <div>
                    <dt>{move || i18n.t(Key::SourceChannel)}</dt>
                    {match source {
                        Some(c) => view! { <dd>{move || i18n.t(labels::channel(c))}</dd> }.into_any(),
                        None => view! { <dd class="muted">{move || i18n.t(Key::NotSet)}</dd> }.into_any(),
                    }}
                </div>
                <div>
                    <dt>{move || i18n.t(Key::FirstSeen)}</dt>
                    <dd>{move || labels::time(i18n.locale(), &first_seen)}</dd>
                </div>
                <div>
                    <dt>{move || i18n.t(Key::LastActivity)}</dt>
                    <dd>{move || labels::time_or(i18n, last_activity.as_deref(), Key::Never)}</dd>
                </div>
                <Item label=Key::Notes value=customer.notes.clone() />
            </dl>
        </section>
    }
}

#[component]
fn ContactCard(customer: CustomerDetail) -> impl IntoView {
    let i18n = use_i18n();
    let list = |values: Vec<starcrm_shared::customer::ContactValue>| {
        if values.is_empty() {
            return view! { <dd class="muted">{move || i18n.t(Key::NotSet)}</dd> }.into_any();
        }
        view! {
            <dd class="contact-list">
                {values
                    .into_iter()
                    .map(|v| view! {
                        <span class="contact-list__item">
                            <span class="mono">{v.value}</span>
                            <Show when=move || v.primary>
                                <span class="pill pill--muted">{move || i18n.t(Key::Primary)}</span>
                            </Show>
                        </span>
                    })
                    .collect_view()}
            </dd>
        }
        .into_any()
    };
    view! {
        <section class="card" data-testid="contact-card">
            <h2 class="card__title">{move || i18n.t(Key::ContactDetails)}</h2>
            <dl class="details details--compact">
                <div data-testid="customer-phones">
                    <dt>{move || i18n.t(Key::Phones)}</dt>
                    {list(customer.phones)}
                </div>
                <div data-testid="customer-emails">
                    <dt>{move || i18n.t(Key::Emails)}</dt>
                    {list(customer.emails)}
                </div>
            </dl>
        </section>
    }
}

#[component]
fn ConsentCard(customer: CustomerDetail) -> impl IntoView {
    let i18n = use_i18n();
    let rows = ConsentChannel::ALL
        .iter()
        .map(|channel| {
            let channel = *channel;
            let given = customer.consents.iter().find(|c| c.channel == channel).cloned();
            let (class, key) = match &given {
                Some(c) if c.granted => ("pill pill--ok", Key::ConsentGranted),
                Some(_) => ("pill pill--warn", Key::ConsentRefused),
                None => ("pill pill--muted", Key::ConsentUnknown),
            };
            let when = given.as_ref().map(|c| {
                let source = c.source.clone().unwrap_or_default();
                (c.changed_at.clone(), source)
            });
            view! {
                <li class="consent-row" data-testid=format!("consent-{}", channel.as_str())>
                    <span>{move || i18n.t(labels::consent_channel(channel))}</span>
                    <span class="consent-row__state">
                        <span class=class>{move || i18n.t(key)}</span>
                        {when.map(|(at, source)| view! {
                            <span class="cell-sub">{move || labels::date(i18n.locale(), &at)}{(!source.is_empty()).then(|| format!(" · {source}"))}</span>
                        })}
                    </span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-testid="consent-card">
            <h2 class="card__title">{move || i18n.t(Key::Consents)}</h2>
            <ul class="consent-list">{rows}</ul>
        </section>
    }
}

#[component]
fn IdentitiesCard(customer: CustomerDetail, state: PageState, editable: bool) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let can_edit = move || editable && session.can(Permission::CustomersWrite);
    let customer_id = StoredValue::new(customer.id.clone());
    let channel = RwSignal::new(Channel::Wechat);
    let external = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let report = move |failure: ApiError| {
        let taken = failure.is(starcrm_shared::ErrorCode::Conflict);
        error.set(Some(if taken {
            i18n.t(Key::IdentityTaken).to_owned()
        } else {
            labels::field_error(i18n, &failure, "identity.externalId")
                .unwrap_or_else(|| labels::form_error(i18n, &failure))
        }));
    };
    let add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let value = external.get_untracked();
        if let Err(reason) = starcrm_shared::customer::external_id(&value) {
            error.set(Some(labels::invalid(i18n, reason)));
            return;
        }
        let chosen = channel.get_untracked();
        leptos::task::spawn_local(async move {
            match api::customers::add_identity(&customer_id.get_value(), chosen, value.trim()).await {
                Ok(()) => {
                    external.set(String::new());
                    error.set(None);
                    state.reload();
                }
                Err(failure) => report(failure),
            }
        });
    };
    let remove = move |identity_id: String| {
        leptos::task::spawn_local(async move {
            match api::customers::remove_identity(&customer_id.get_value(), &identity_id).await {
                Ok(()) => state.reload(),
                Err(failure) => report(failure),
            }
        });
    };
    let empty = customer.identities.is_empty();
    view! {
        <section class="card" data-testid="identities-card">
            <h2 class="card__title">{move || i18n.t(Key::Identities)}</h2>
            <Show when=move || empty>
                <p class="muted">{move || i18n.t(Key::NoIdentities)}</p>
            </Show>
            <ul class="identity-list">
                {customer
                    .identities
                    .into_iter()
                    .map(|identity| {
                        let channel = identity.channel;
                        let identity_id = identity.id.clone();
                        view! {
                            <li class="identity-list__item" data-testid="identity">
                                <span class="pill pill--scope">{move || i18n.t(labels::channel(channel))}</span>
                                <span class="mono identity-list__id">{identity.external_id}</span>
                                <Show when=can_edit>
                                    <button
                                        type="button"
                                        class="link-button"
                                        on:click={
                                            let identity_id = identity_id.clone();
                                            move |_| remove(identity_id.clone())
                                        }
                                    >
                                        {move || i18n.t(Key::Remove)}
                                    </button>
                                </Show>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <Show when=can_edit>
                <form class="inline-form" on:submit=add novalidate=true>
                    <select
                        class="inline-select"
                        aria-label=move || i18n.t(Key::Channel)
                        on:change=move |ev| channel.set(Channel::parse(&event_target_value(&ev)).unwrap_or(Channel::Other))
                    >
                        {Channel::ALL
                            .iter()
                            .map(|c| view! { <option value=c.as_str() selected=*c == Channel::Wechat>{move || i18n.t(labels::channel(*c))}</option> })
                            .collect_view()}
                    </select>
                    <input
                        class="inline-input"
                        name="identity-external-id"
                        placeholder=move || i18n.t(Key::ExternalId)
                        aria-label=move || i18n.t(Key::ExternalId)
                        autocomplete="off"
                        bind:value=external
                    />
                    <button type="submit" class="button button--small">{move || i18n.t(Key::Add)}</button>
                </form>
                {move || error.get().map(|m| view! { <p class="field__error">{m}</p> })}
            </Show>
        </section>
    }
}

#[component]
fn CustomFieldsCard(values: Vec<FieldValueView>, defined: bool) -> impl IntoView {
    let i18n = use_i18n();
    let empty = values.is_empty();
    view! {
        <section class="card" data-testid="custom-fields-card">
            <h2 class="card__title">{move || i18n.t(Key::CustomFields)}</h2>
            <Show when=move || !defined>
                <p class="muted">{move || i18n.t(Key::NoCustomFields)}</p>
            </Show>
            <Show when=move || defined && empty>
                <p class="muted">{move || i18n.t(Key::NotSet)}</p>
            </Show>
            <dl class="details details--compact">
                {values
                    .into_iter()
                    .map(|field| {
                        let kind = field.kind;
                        let value = field.value.clone();
                        view! {
                            <div data-testid=format!("field-{}", field.key)>
                                <dt>{field.label}</dt>
                                <dd>{move || field_text(i18n, kind, &value)}</dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
        </section>
    }
}

/// A custom field's value as text: yes/no for booleans, choices joined.
fn field_text(i18n: I18n, kind: CustomFieldKind, value: &serde_json::Value) -> String {
    use serde_json::Value;
    match (kind, value) {
        (_, Value::Bool(b)) => i18n.t(if *b { Key::Yes } else { Key::No }).to_owned(),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Number(n)) => n.to_string(),
        (_, Value::Array(items)) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("、"),
        _ => String::new(),
    }
}
