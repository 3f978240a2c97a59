//! The segment builder: the conditions a business segments by, the live count of who matches as
//! they are edited (by stars, with their spend), and saving (new, or a new version of the one
//! being edited).

use leptos::prelude::*;
use starcrm_shared::customer::{format_money, group_thousands};
use starcrm_shared::marketing::{RfmGroup, SegmentDraft};

use crate::api::marketing::Preview;
use crate::api::{self, ApiError};
use crate::i18n::{I18n, Key, labels, use_i18n};

/// Waits this long after the last keystroke before counting.
const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(300);

/// What the builder edits: the draft, and which saved segment (id, version) it came from.
#[derive(Clone, Copy)]
pub struct Editing {
    pub draft: RwSignal<SegmentDraft>,
    pub segment: RwSignal<Option<(String, i32)>>,
}

impl Editing {
    pub fn new() -> Self {
        Self { draft: RwSignal::new(SegmentDraft::default()), segment: RwSignal::new(None) }
    }

    /// Starts a new segment.
    pub fn clear(self) {
        self.draft.set(SegmentDraft::default());
        self.segment.set(None);
    }
}

type Getter = fn(&SegmentDraft) -> &String;
type Setter = fn(&mut SegmentDraft, String);

/// A number field of the draft, with its error when it does not read.
fn number(
    i18n: I18n,
    draft: RwSignal<SegmentDraft>,
    bad: Signal<Option<&'static str>>,
    (field, label, get, set): (&'static str, Key, Getter, Setter),
) -> impl IntoView {
    let invalid = move || bad.get() == Some(field);
    view! {
        <label class="field">
            <span class="field__label">{move || i18n.t(label)}</span>
            <input
                class="field__input"
                inputmode=if field == "tags" { "text" } else { "numeric" }
                aria-invalid=move || invalid().to_string()
                data-testid=format!("seg-{field}")
                prop:value=move || draft.with(|d| get(d).clone())
                on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
            />
            <Show when=invalid>
                <span class="field__error" role="alert">{move || i18n.t(Key::SegBadNumber)}</span>
            </Show>
        </label>
    }
}

/// A star-level select (empty: any).
fn stars_select(i18n: I18n, draft: RwSignal<SegmentDraft>, max: bool) -> impl IntoView {
    let get = move || draft.with(|d| if max { d.stars_max } else { d.stars_min });
    view! {
        <label class="field">
            <span class="field__label">{move || i18n.t(if max { Key::SegStarsTo } else { Key::SegStarsFrom })}</span>
            <select
                class="field__input"
                data-testid=if max { "seg-stars-max" } else { "seg-stars-min" }
                on:change=move |ev| {
                    let v = event_target_value(&ev).parse::<u8>().ok();
                    draft.update(|d| if max { d.stars_max = v } else { d.stars_min = v });
                }
            >
                <option value="" selected=move || get().is_none()>{move || i18n.t(Key::SegAny)}</option>
                {(1..=5_u8).map(|n| view! {
                    <option value=n.to_string() selected=move || get() == Some(n)>{format!("{n}★")}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// The live count of the draft's filter: counted after a quiet moment, only the latest kept.
fn live_preview(draft: RwSignal<SegmentDraft>) -> RwSignal<Option<Result<Preview, ApiError>>> {
    let preview = RwSignal::new(None::<Result<Preview, ApiError>>);
    let latest = StoredValue::new(0_u64);
    Effect::new(move |_| {
        let filter = draft.with(SegmentDraft::filter);
        let n = latest.get_value() + 1;
        latest.set_value(n);
        let Ok(filter) = filter else { return };
        set_timeout(
            move || {
                if latest.get_value() != n {
                    return;
                }
                leptos::task::spawn_local(async move {
                    let answer = api::marketing::preview(&filter).await;
                    if latest.get_value() == n {
                        preview.set(Some(answer));
                    }
                });
            },
            DEBOUNCE,
        );
    });
    preview
}

/// The RFM groups as chips to tick (any of them).
#[component]
fn RfmPicks(draft: RwSignal<SegmentDraft>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <fieldset class="field field--wide rfm-picks">
            <legend class="field__label">{move || i18n.t(Key::SegRfmGroups)}</legend>
            {RfmGroup::ALL.iter().map(|g| {
                let g = *g;
                let on = move || draft.with(|d| d.rfm_groups.contains(&g));
                view! {
                    <label
                        class=move || format!("chip rfm-chip rfm--{}{}", g.as_str(), if on() { " chip--on" } else { "" })
                        data-testid=format!("seg-rfm-{}", g.as_str())
                        data-on=move || on().to_string()
                    >
                        <input
                            type="checkbox"
                            class="sr-only"
                            prop:checked=on
                            on:change=move |_| draft.update(|d| {
                                if let Some(i) = d.rfm_groups.iter().position(|x| *x == g) {
                                    d.rfm_groups.remove(i);
                                } else {
                                    d.rfm_groups.push(g);
                                }
                            })
                        />
                        {move || i18n.t(labels::rfm_group(g))}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

#[component]
pub fn SegmentBuilder(editing: Editing, on_saved: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    let draft = editing.draft;
    let preview = live_preview(draft);
    let bad = Signal::derive(move || draft.with(|d| d.filter().err().map(|e| e.field)));
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let save = move || {
        error.set(None);
        let d = draft.get_untracked();
        let Ok(filter) = d.filter() else { return };
        if filter.as_object().is_none_or(serde_json::Map::is_empty) {
            error.set(Some(i18n.t(Key::SegNeedCondition).to_owned()));
            return;
        }
        let edit = editing.segment.get_untracked();
        saving.set(true);
        leptos::task::spawn_local(async move {
            let result =
                api::marketing::save(edit.as_ref().map(|(id, v)| (id.as_str(), *v)), &d.name, &filter).await;
            saving.set(false);
            match result {
                Ok(members) => {
                    on_saved.run(
                        i18n.t(Key::SegSaved)
                            .replace("{name}", d.name.trim())
                            .replace("{n}", &group_thousands(members.unsigned_abs())),
                    );
                    editing.clear();
                }
                Err(e) => error.set(Some(
                    labels::field_error(i18n, &e, "name").unwrap_or_else(|| labels::form_error(i18n, &e)),
                )),
            }
        });
    };
    let fields: [(&'static str, Key, Getter, Setter); 8] = [
        ("bought_days_min", Key::SegBoughtDaysMin, |d| &d.bought_days_min, |d, v| d.bought_days_min = v),
        ("bought_days_max", Key::SegBoughtDaysMax, |d| &d.bought_days_max, |d, v| d.bought_days_max = v),
        ("contact_days_min", Key::SegContactDaysMin, |d| &d.contact_days_min, |d, v| d.contact_days_min = v),
        ("spend_min", Key::SegSpendMin, |d| &d.spend_min, |d, v| d.spend_min = v),
        ("orders_min", Key::SegOrdersMin, |d| &d.orders_min, |d, v| d.orders_min = v),
        ("points_min", Key::SegPointsMin, |d| &d.points_min, |d, v| d.points_min = v),
        ("nps_max", Key::SegNpsMax, |d| &d.nps_max, |d, v| d.nps_max = v),
        ("tags", Key::SegTags, |d| &d.tags, |d, v| d.tags = v),
    ];
    view! {
        <section class="card segment-builder" data-testid="segment-builder">
            <div class="analysis-card__head">
                <h2 class="card__title">
                    {move || i18n.t(if editing.segment.with(Option::is_some) { Key::SegmentEditing } else { Key::SegmentBuilder })}
                </h2>
                <Show when=move || editing.segment.with(Option::is_some)>
                    <button type="button" class="button button--small" on:click=move |_| editing.clear()>{move || i18n.t(Key::SegNew)}</button>
                </Show>
            </div>
            <div class="segment-builder__body">
                <div class="segment-builder__fields">
                    <label class="field field--wide">
                        <span class="field__label">{move || i18n.t(Key::SegmentName)}</span>
                        <input
                            class="field__input"
                            data-testid="seg-name"
                            prop:value=move || draft.with(|d| d.name.clone())
                            on:input=move |ev| draft.update(|d| d.name = event_target_value(&ev))
                        />
                    </label>
                    {stars_select(i18n, draft, false)}
                    {stars_select(i18n, draft, true)}
                    {fields.into_iter().map(|f| number(i18n, draft, bad, f)).collect_view()}
                    <RfmPicks draft />
                </div>
                <aside class="segment-preview" aria-live="polite" data-testid="segment-preview">
                    <span class="segment-preview__label muted">{move || i18n.t(Key::SegLiveCount)}</span>
                    {move || match preview.get() {
                        None => view! { <p class="segment-preview__count">"…"</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="form-error">{labels::form_error(i18n, &e)}</p> }.into_any(),
                        Some(Ok(p)) => view! { <PreviewFigures preview=p /> }.into_any(),
                    }}
                </aside>
            </div>
            {move || error.get().map(|m| view! { <p class="form-error" role="alert" data-testid="form-error">{m}</p> })}
            <div class="form__actions">
                <button
                    type="button"
                    class="button button--primary"
                    data-testid="save-segment"
                    disabled=move || saving.get() || bad.get().is_some()
                    on:click=move |_| save()
                >
                    {move || i18n.t(Key::SegSave)}
                </button>
            </div>
        </section>
    }
}

/// The count, a bar per star level, and the spend.
#[component]
fn PreviewFigures(preview: Preview) -> impl IntoView {
    let i18n = use_i18n();
    let top = preview.by_stars.iter().copied().max().unwrap_or(0).max(1);
    let spend = format_money(preview.spend.amount_minor, &preview.spend.currency);
    let levels: Vec<(usize, u64)> = preview.by_stars.iter().copied().enumerate().rev().collect();
    view! {
        <p class="segment-preview__count" data-testid="segment-count">{group_thousands(preview.customers)}</p>
        <ul class="segment-preview__levels">
            {levels.into_iter().map(|(stars, n)| {
                #[allow(clippy::cast_precision_loss, reason = "a share for a bar's width")]
                let width = n as f64 / top as f64 * 100.0;
                view! {
                    <li class="segment-preview__level">
                        <span class="segment-preview__stars">
                            {move || if stars == 0 { i18n.t(Key::SegUnrated).to_owned() } else { format!("{stars}★") }}
                        </span>
                        <span class="segment-preview__bar"><span style=format!("width: {width:.1}%")></span></span>
                        <span class="segment-preview__n">{group_thousands(n)}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
        <p class="muted">{move || i18n.t(Key::SegSpendTotal).replace("{a}", &spend)}</p>
    }
}
