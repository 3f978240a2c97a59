//! Customers > Import: upload a CSV of customers or of purchases, check the suggested mapping,
//! dry-run it (counts, rows with errors, a preview), run it with live progress, and revert it;
//! the history of imports.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use starcrm_shared::customer::Channel;
use starcrm_shared::customer::InteractionKind;
use starcrm_shared::imports::{ImportInfo, ImportKind, ImportMode, ImportRowErrorInfo, ImportStatus};
use wasm_bindgen::JsCast;

use crate::api::imports::{ImportTarget, Settings};
use crate::api::live::Live;
use crate::api::{self, ApiError};
use crate::components::confirm::ConfirmDialog;
use crate::i18n::{I18n, Key, labels, use_i18n, use_page_title};

/// A column's target and whether existing values win.
type ColumnChoice = (Option<String>, bool);

const MODES: [(ImportMode, Key); 3] = [
    (ImportMode::Upsert, Key::ImportModeUpsert),
    (ImportMode::CreateOnly, Key::ImportModeCreateOnly),
    (ImportMode::UpdateOnly, Key::ImportModeUpdateOnly),
];

/// A purchases file creates customers or not; it never only creates.
const PURCHASE_MODES: [(ImportMode, Key); 2] = [
    (ImportMode::Upsert, Key::ImportModePurchasesUpsert),
    (ImportMode::UpdateOnly, Key::ImportModePurchasesUpdateOnly),
];

fn modes(kind: ImportKind) -> &'static [(ImportMode, Key)] {
    match kind {
        ImportKind::Customers => &MODES,
        ImportKind::Transactions | ImportKind::Interactions => &PURCHASE_MODES,
    }
}

/// What the upload card offers: the server's guess, or a kind given.
const KINDS: [(Option<&str>, Key); 4] = [
    (None, Key::ImportKindAuto),
    (Some("customers"), Key::ImportKindCustomers),
    (Some("transactions"), Key::ImportKindTransactions),
    (Some("interactions"), Key::ImportKindInteractions),
];

const fn kind_name(kind: ImportKind) -> Key {
    match kind {
        ImportKind::Customers => Key::ImportKindCustomersShort,
        ImportKind::Transactions => Key::ImportKindTransactionsShort,
        ImportKind::Interactions => Key::ImportKindInteractionsShort,
    }
}

/// The wire form of an enum value (`CREATE_ONLY`).
fn wire<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn target_name(i18n: I18n, targets: &[ImportTarget], value: &str) -> String {
    labels::import_target(value).map_or_else(
        || {
            targets
                .iter()
                .find(|t| t.value == value)
                .and_then(|t| t.label.clone())
                .unwrap_or_else(|| value.to_owned())
        },
        |k| i18n.t(k).to_owned(),
    )
}

/// Takes the settings of an import just opened as the page's choices.
fn adopt(
    found: &ImportInfo,
    (mapping, mode, channel): (RwSignal<Vec<ColumnChoice>>, RwSignal<ImportMode>, RwSignal<Channel>),
) {
    mapping.set(found.columns.iter().map(|c| (c.target.clone(), c.keep)).collect());
    mode.set(found.mode);
    // "Other" is what an import holds until someone chooses: the page's choice stays.
    if let Some(stored) = found.channel.filter(|c| *c != Channel::Other) {
        channel.set(stored);
    }
}

/// Saves the open import's mapping, mode and channel as a named preset, and says so.
fn preset_saver(
    current: RwSignal<Option<ImportInfo>>,
    (mapping, mode, channel): (RwSignal<Vec<ColumnChoice>>, RwSignal<ImportMode>, RwSignal<Channel>),
    failure: RwSignal<Option<ApiError>>,
    notice: RwSignal<Option<String>>,
) -> Callback<String> {
    let i18n = use_i18n();
    Callback::new(move |name: String| {
        let Some(id) = current.with_untracked(|c| c.as_ref().map(|c| c.id.clone())) else { return };
        failure.set(None);
        leptos::task::spawn_local(async move {
            let map = mapping.get_untracked();
            let settings = Settings {
                mapping: &map,
                mode: &wire(mode.get_untracked()),
                channel: &wire(channel.get_untracked()),
            };
            match api::imports::save_preset(&id, &settings, &name).await {
                Ok(()) => notice.set(Some(i18n.t(Key::ImportPresetSaved).replace("{name}", name.trim()))),
                Err(error) => failure.set(Some(error)),
            }
        });
    })
}

/// What columns can fill depends on what the open file holds: read again when that changes.
fn load_targets(current: RwSignal<Option<ImportInfo>>, targets: RwSignal<Vec<ImportTarget>>) {
    let kind = Memo::new(move |_| current.with(|c| c.as_ref().map(|c| c.kind)));
    Effect::new(move |_| {
        let Some(kind) = kind.get() else { return };
        leptos::task::spawn_local(async move {
            if let Ok(list) = api::imports::targets(&wire(kind)).await {
                targets.set(list);
            }
        });
    });
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::ImportCustomers);
    let navigate = use_navigate();
    let query = use_query_map();
    let current = RwSignal::new(None::<ImportInfo>);
    let history = RwSignal::new(Vec::<ImportInfo>::new());
    let targets = RwSignal::new(Vec::<ImportTarget>::new());
    let mapping = RwSignal::new(Vec::<(Option<String>, bool)>::new());
    let mode = RwSignal::new(ImportMode::Upsert);
    let channel = RwSignal::new(Channel::Store);
    let failure = RwSignal::new(None::<ApiError>);
    // What the page last did (a preset saved); cleared when another import opens.
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let live = StoredValue::new_local(None::<Live>);
    // Bumped by the live subscription: the import is read again.
    let refresh = RwSignal::new(0_u32);

    let load_history = move || {
        leptos::task::spawn_local(async move {
            if let Ok(list) = api::imports::list().await {
                history.set(list);
            }
        });
    };
    // Reads the import again; follows it live while a pass runs.
    let reload = Callback::new(move |id: String| {
        leptos::task::spawn_local(async move {
            match api::imports::get(&id).await {
                Ok(Some(found)) => {
                    let running = found.status.in_progress();
                    if current.with_untracked(|c| c.as_ref().map(|c| c.id.clone())) != Some(found.id.clone())
                    {
                        adopt(&found, (mapping, mode, channel));
                        notice.set(None);
                    }
                    current.set(Some(found));
                    if running && live.with_value(Option::is_none) {
                        live.set_value(Some(api::live::follow(
                            api::imports::PROGRESS,
                            serde_json::json!({ "id": id }),
                            move || refresh.update(|n| *n += 1),
                        )));
                    } else if !running {
                        live.set_value(None);
                        load_history();
                    }
                }
                Ok(None) => current.set(None),
                Err(error) => failure.set(Some(error)),
            }
        });
    });
    Effect::new(move |_| {
        refresh.track();
        if let Some(id) = query.with(|q| q.get("id")) {
            reload.run(id);
        } else {
            current.set(None);
            live.set_value(None);
        }
    });
    load_history();
    load_targets(current, targets);

    let open = {
        let navigate = navigate.clone();
        Callback::new(move |id: String| navigate(&format!("/imports?id={id}"), NavigateOptions::default()))
    };
    let queue = move |check: bool| {
        let Some(id) = current.with_untracked(|c| c.as_ref().map(|c| c.id.clone())) else { return };
        busy.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let map = mapping.get_untracked();
            let settings = Settings {
                mapping: &map,
                mode: &wire(mode.get_untracked()),
                channel: &wire(channel.get_untracked()),
            };
            match api::imports::queue(&id, &settings, check).await {
                Ok(()) => reload.run(id),
                Err(error) => failure.set(Some(error)),
            }
            busy.set(false);
        });
    };

    let save_preset = preset_saver(current, (mapping, mode, channel), failure, notice);

    view! {
        <header class="page-header">
            <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::ImportCustomers)}</h1>
            <p class="page-subtitle page-subtitle--muted">{move || i18n.t(Key::ImportSubtitle)}</p>
        </header>
        {move || failure.get().map(|error| view! { <p class="notice notice--warn notice--spaced" role="alert" data-testid="import-error">{labels::form_error(i18n, &error)}</p> })}
        {move || notice.get().map(|text| view! { <p class="notice notice--ok notice--spaced" role="status" data-testid="import-notice">{text}</p> })}
        {move || match current.get() {
            None => view! { <UploadCard open failure /> }
            .into_any(),
            Some(found) => view! { <ImportView found mapping mode channel targets busy queue=Callback::new(queue) reload save_preset /> }.into_any(),
        }}
        <History history open />
    }
}

/// Step one: choosing the file, which uploads it at once.
#[component]
fn UploadCard(open: Callback<String>, failure: RwSignal<Option<ApiError>>) -> impl IntoView {
    let i18n = use_i18n();
    let uploading = RwSignal::new(false);
    let kind = RwSignal::new(None::<&'static str>);
    let on_file = move |event: leptos::ev::Event| {
        let Some(input) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        uploading.set(true);
        failure.set(None);
        let kind = kind.get_untracked();
        leptos::task::spawn_local(async move {
            match api::imports::upload(file, kind).await {
                Ok(id) => open.run(id),
                Err(error) => failure.set(Some(error)),
            }
            uploading.set(false);
        });
    };
    view! {
        <section class="card import-upload">
                    <h2 class="card__title">{move || i18n.t(Key::ImportChooseFile)}</h2>
                    <p class="muted">{move || i18n.t(Key::ImportFileHint)}</p>
                    <fieldset class="import-kind" data-testid="import-kind">
                        <legend class="field__label">{move || i18n.t(Key::ImportKindLabel)}</legend>
                        {KINDS.into_iter().map(|(value, key)| view! {
                            <label class="import-kind__option">
                                <input type="radio" name="import-kind" value=value.unwrap_or("auto")
                                    prop:checked=move || kind.get() == value
                                    on:change=move |_| kind.set(value) />
                                <span>{move || i18n.t(key)}</span>
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <label class="button button--primary import-upload__button">
                        {move || if uploading.get() { i18n.t(Key::ImportUploading) } else { i18n.t(Key::ImportChooseFile) }}
                        <input type="file" accept=".csv,.txt,text/csv" class="sr-only" data-testid="import-file" on:change=on_file disabled=move || uploading.get() />
                    </label>
                    <Presets />
                </section>
    }
}

#[component]
fn History(history: RwSignal<Vec<ImportInfo>>, open: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card import-history">
            <h2 class="card__title">{move || i18n.t(Key::ImportHistory)}</h2>
            <Show
                when=move || !history.with(Vec::is_empty)
                fallback=move || view! { <p class="muted" data-testid="no-imports">{move || i18n.t(Key::ImportNoHistory)}</p> }
            >
                <div class="table-wrap">
                    <table class="table table--dense table--stack" data-testid="import-history">
                        <thead><tr>
                            <th>{move || i18n.t(Key::ImportFile)}</th>
                            <th>{move || i18n.t(Key::ImportStatusLabel)}</th>
                            <th class="table__number">{move || i18n.t(Key::ImportCreated)}</th>
                            <th class="table__number">{move || i18n.t(Key::ImportUpdated)}</th>
                            <th class="table__number">{move || i18n.t(Key::ImportRejected)}</th>
                            <th></th>
                        </tr></thead>
                        <tbody>
                            <For each=move || history.get() key=|i| (i.id.clone(), i.status) let:item>
                                <tr>
                                    <td data-label=move || i18n.t(Key::ImportFile)>
                                        <div class="cell-title">{item.file_name.clone()}</div>
                                        <div class="cell-sub">{
                                            let at = item.created_at.clone();
                                            let kind = kind_name(item.kind);
                                            move || format!("{} · {}", i18n.t(kind), labels::time(i18n.locale(), &at))
                                        }</div>
                                    </td>
                                    <td data-label=move || i18n.t(Key::ImportStatusLabel)><StatusPill status=item.status /></td>
                                    <td class="table__number" data-label=move || i18n.t(Key::ImportCreated)>{item.created}</td>
                                    <td class="table__number" data-label=move || i18n.t(Key::ImportUpdated)>{item.updated}</td>
                                    <td class="table__number" data-label=move || i18n.t(Key::ImportRejected)>{item.rejected}</td>
                                    <td class="table__actions">
                                        <button type="button" class="button button--small" on:click={
                                            let id = item.id.clone();
                                            move |_| open.run(id.clone())
                                        }>{move || i18n.t(Key::ImportOpen)}</button>
                                    </td>
                                </tr>
                            </For>
                        </tbody>
                    </table>
                </div>
            </Show>
        </section>
    }
}

#[component]
fn StatusPill(status: ImportStatus) -> impl IntoView {
    let i18n = use_i18n();
    let class = match status {
        ImportStatus::Succeeded | ImportStatus::Checked => "pill pill--ok",
        ImportStatus::Failed => "pill pill--warn",
        ImportStatus::Reverted => "pill pill--muted",
        _ => "pill pill--active",
    };
    view! { <span class=class data-testid="import-status" data-value=wire(status)>{move || i18n.t(labels::import_status(status))}</span> }
}

#[component]
#[allow(clippy::too_many_arguments, reason = "the page's state, shared with its one view")]
fn ImportView(
    found: ImportInfo,
    mapping: RwSignal<Vec<ColumnChoice>>,
    mode: RwSignal<ImportMode>,
    channel: RwSignal<Channel>,
    targets: RwSignal<Vec<ImportTarget>>,
    busy: RwSignal<bool>,
    queue: Callback<bool>,
    reload: Callback<String>,
    save_preset: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let status = found.status;
    let editable = matches!(status, ImportStatus::Uploaded | ImportStatus::Checked);
    let id = StoredValue::new(found.id.clone());
    let confirming = RwSignal::new(false);
    let navigate = use_navigate();
    let download = move |phase: &'static str| {
        leptos::task::spawn_local(async move {
            if let Ok(url) = api::imports::errors_link(&id.get_value(), phase).await
                && let Some(window) = web_sys::window()
            {
                let _ = window.location().set_href(&url);
            }
        });
    };
    let revert = move || {
        confirming.set(false);
        leptos::task::spawn_local(async move {
            let _ = api::imports::revert(&id.get_value()).await;
            reload.run(id.get_value());
        });
    };
    let total = found.total_rows.max(1);
    let (done, total_rows, refused) = (found.processed_rows, found.total_rows, found.revert_refused);
    let speed = found.rows_per_second.zip(found.eta_seconds);
    #[allow(clippy::cast_precision_loss, reason = "a share for a progress bar")]
    let share = (found.processed_rows as f64 / total as f64 * 100.0).clamp(0.0, 100.0);
    let purchases = found.kind != ImportKind::Customers;
    let created = match found.kind {
        ImportKind::Customers => Key::ImportCreated,
        ImportKind::Transactions => Key::ImportRecorded,
        ImportKind::Interactions => Key::ImportInteractionsRecorded,
    };
    let counts = [
        (created, found.created, "import-created"),
        (if purchases { Key::ImportLinesAdded } else { Key::ImportUpdated }, found.updated, "import-updated"),
        (Key::ImportSkipped, found.skipped, "import-skipped"),
        (Key::ImportRejected, found.rejected, "import-rejected"),
    ];
    let (errors, phase) = match status {
        ImportStatus::Checked | ImportStatus::Uploaded | ImportStatus::Checking => {
            (found.errors.clone(), "CHECK")
        }
        _ => (found.run_errors.clone(), "RUN"),
    };
    let preview = found.preview.clone().and_then(|p| p.as_array().cloned()).unwrap_or_default();
    view! {
        <section class="card import-file" data-testid="import" data-status=wire(status)>
            <div class="card__header">
                <h2 class="card__title">
                    {found.file_name.clone()}
                    <span class="muted small" data-testid="import-kind-name">" · "{move || i18n.t(kind_name(found.kind))}" · "{found.encoding.to_uppercase()}</span>
                </h2>
                <StatusPill status />
            </div>
            {status.in_progress().then(|| view! {
                <div class="progress" data-testid="import-progress"><span class="progress__fill" style=format!("width: {share:.0}%")></span></div>
                <p class="muted small">
                    {move || i18n.t(Key::ImportProgress).replace("{done}", &done.to_string()).replace("{total}", &total_rows.to_string())}
                    {move || speed.map(|(rate, eta)| format!(" · {}", i18n.t(Key::ImportSpeed).replace("{rate}", &format!("{rate:.0}")).replace("{eta}", &eta.to_string())))}
                </p>
            })}
            {(status != ImportStatus::Uploaded).then(|| view! {
                <p class="section-subtitle">{move || i18n.t(if matches!(status, ImportStatus::Checked | ImportStatus::Checking) { Key::ImportCheckResult } else { Key::ImportResult })}</p>
                <dl class="stats stats--four import-counts">
                    {counts.into_iter().map(|(key, n, test)| {
                        let warn = key == Key::ImportRejected && n > 0;
                        view! {
                        <div class="stat" class:stat--warn=warn>
                            <dt>{move || i18n.t(key)}</dt>
                            <dd data-testid=test>{n}</dd>
                        </div>
                        }
                    }).collect_view()}
                </dl>
            })}
            {found.error.clone().filter(|_| status == ImportStatus::Failed).map(|e| view! {
                <p class="notice notice--warn" role="alert">{move || i18n.t(Key::ImportFailed).replace("{error}", &e)}</p>
            })}
            {(!errors.is_empty()).then(|| view! {
                <div class="section-header">
                    <h3 class="section-title">{move || i18n.t(Key::ImportErrorsTitle)}</h3>
                    <button type="button" class="link-button" data-testid="download-errors" on:click=move |_| download(phase)>{move || i18n.t(Key::ImportDownloadErrors)}</button>
                </div>
                <ErrorRows rows=errors />
            })}
            {(status == ImportStatus::Checked && !preview.is_empty()).then(|| view! {
                <h3 class="section-title">{move || i18n.t(Key::ImportPreview)}</h3>
                {if purchases {
                    view! { <RecordPreview rows=preview kind=found.kind /> }.into_any()
                } else {
                    view! { <PreviewTable rows=preview /> }.into_any()
                }}
            })}
            {found.preset_name.clone().filter(|_| editable).map(|name| view! {
                <p class="notice notice--ok" data-testid="import-preset-applied">{move || i18n.t(Key::ImportPresetApplied).replace("{name}", &name)}</p>
            })}
            {editable.then(|| view! {
                <MappingTable found=found.clone() mapping mode channel targets />
                <SavePreset save=save_preset />
                <div class="form__actions form__actions--start">
                    <button type="button" class="button" data-testid="check-import" disabled=move || busy.get() on:click=move |_| queue.run(true)>
                        {move || i18n.t(Key::ImportCheck)}
                    </button>
                    <button type="button" class="button button--primary" data-testid="start-import" disabled=move || busy.get() on:click=move |_| queue.run(false)>
                        {move || i18n.t(Key::ImportRun)}
                    </button>
                </div>
            })}
            {(status == ImportStatus::Reverted && found.revert_refused > 0).then(|| view! {
                <p class="notice notice--warn" data-testid="revert-refused">{move || i18n.t(Key::ImportRevertRefused).replace("{n}", &refused.to_string())}</p>
                <ul class="plain-list">
                    {found.revert_errors.iter().map(|e| {
                        let href = e.customer_id.clone().map(|c| format!("/customers/{c}")).unwrap_or_default();
                        view! { <li><a href=href>{e.message.clone()}</a></li> }
                    }).collect_view()}
                </ul>
            })}
            {(!editable && !status.in_progress()).then(|| {
                let navigate = navigate.clone();
                let revertible = matches!(status, ImportStatus::Succeeded | ImportStatus::Failed);
                let until = found.revertible_until.clone();
                view! {
                    <div class="form__actions form__actions--start import-actions">
                        {revertible.then(|| view! {
                            <button type="button" class="button button--danger-outline" data-testid="revert-import" on:click=move |_| confirming.set(true)>
                                {move || i18n.t(Key::ImportRevert)}
                            </button>
                        })}
                        <button type="button" class="button" data-testid="import-another" on:click=move |_| navigate("/imports", NavigateOptions::default())>{move || i18n.t(Key::ImportAnother)}</button>
                        {until.filter(|_| revertible).map(|until| view! { <span class="muted small">{move || i18n.t(Key::ImportRevertibleUntil).replace("{date}", &labels::date(i18n.locale(), &until))}</span> })}
                    </div>
                }
            })}
        </section>
        <Show when=move || confirming.get()>
            <ConfirmDialog
                title=Key::ImportRevert
                body=i18n.t(match found.kind {
                    ImportKind::Customers => Key::ImportRevertBody,
                    ImportKind::Transactions => Key::ImportRevertPurchasesBody,
                    ImportKind::Interactions => Key::ImportRevertInteractionsBody,
                }).replace("{created}", &found.created.to_string()).replace("{updated}", &found.updated.to_string())
                action=Key::ImportRevert
                danger=true
                on_confirm=Callback::new(move |()| revert())
                on_close=Callback::new(move |()| confirming.set(false))
            />
        </Show>
    }
}

#[component]
fn MappingTable(
    found: ImportInfo,
    mapping: RwSignal<Vec<ColumnChoice>>,
    mode: RwSignal<ImportMode>,
    channel: RwSignal<Channel>,
    targets: RwSignal<Vec<ImportTarget>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let set = move |i: usize, change: &dyn Fn(&mut ColumnChoice)| {
        mapping.update(|m| {
            if let Some(slot) = m.get_mut(i) {
                change(slot);
            }
        });
    };
    let has_member_no = move || mapping.with(|m| m.iter().any(|(t, _)| t.as_deref() == Some("memberNo")));
    let kind = found.kind;
    let purchases = kind != ImportKind::Customers;
    view! {
        <h3 class="section-title">{move || i18n.t(Key::ImportMapping)}</h3>
        <p class="muted small">{move || i18n.t(if purchases { Key::ImportPurchasesHint } else { Key::ImportMappingHint })}</p>
        <div class="table-wrap">
            <table class="table table--dense table--stack" data-testid="import-mapping">
                <thead><tr>
                    <th>{move || i18n.t(Key::ImportColumn)}</th>
                    <th>{move || i18n.t(Key::ImportSample)}</th>
                    <th>{move || i18n.t(Key::ImportTargetLabel)}</th>
                    {(!purchases).then(|| view! { <th>{move || i18n.t(Key::ImportKeep)}</th> })}
                </tr></thead>
                <tbody>
                    {found.columns.into_iter().enumerate().map(|(i, column)| {
                        let sample = column.sample.iter().filter(|s| !s.is_empty()).take(2).cloned().collect::<Vec<_>>().join(" · ");
                        let chosen = move || mapping.with(|m| m.get(i).and_then(|(t, _)| t.clone()).unwrap_or_default());
                        view! {
                            <tr>
                                <td data-label=move || i18n.t(Key::ImportColumn)><span class="cell-title">{column.header.clone()}</span></td>
                                <td data-label=move || i18n.t(Key::ImportSample) class="muted">{sample}</td>
                                <td data-label=move || i18n.t(Key::ImportTargetLabel)>
                                    <select class="inline-select" data-testid=format!("target-{i}") prop:value=chosen
                                        on:change=move |ev| {
                                            let value = event_target_value(&ev);
                                            set(i, &|slot| slot.0 = (!value.is_empty()).then(|| value.clone()));
                                        }>
                                        <option value="">{move || i18n.t(Key::ImportSkipColumn)}</option>
                                        {move || targets.get().into_iter().map(|t| {
                                            let name = target_name(i18n, &targets.get_untracked(), &t.value);
                                            let selected = chosen() == t.value;
                                            view! { <option value=t.value.clone() selected=selected>{name}</option> }
                                        }).collect_view()}
                                    </select>
                                </td>
                                {(!purchases).then(|| view! {
                                <td data-label=move || i18n.t(Key::ImportKeep)>
                                    <label class="import-keep">
                                        <input type="checkbox"
                                            prop:checked=move || mapping.with(|m| m.get(i).is_some_and(|(_, k)| *k))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                set(i, &|slot| slot.1 = on);
                                            } />
                                        <span>{move || i18n.t(Key::ImportKeep)}</span>
                                    </label>
                                </td>
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <div class="form__grid import-settings">
            <label class="field">
                <span class="field__label">{move || i18n.t(Key::ImportModeLabel)}</span>
                <select class="field__input" data-testid="import-mode" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if let Some((m, _)) = modes(kind).iter().find(|(m, _)| wire(*m) == value) {
                        mode.set(*m);
                    }
                }>
                    {modes(kind).iter().map(|(m, key)| {
                        let key = *key;
                        let m = *m;
                        view! { <option value=wire(m) selected=move || mode.get() == m>{move || i18n.t(key)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <Show when=has_member_no>
                <label class="field">
                    <span class="field__label">{move || i18n.t(Key::ImportChannelLabel)}</span>
                    <select class="field__input" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(c) = Channel::ALL.iter().find(|c| wire(**c) == value) {
                            channel.set(*c);
                        }
                    }>
                        {Channel::ALL.iter().map(|c| {
                            let c = *c;
                            view! { <option value=wire(c) selected=move || channel.get() == c>{move || i18n.t(labels::channel(c))}</option> }
                        }).collect_view()}
                    </select>
                </label>
            </Show>
        </div>
    }
}

#[component]
fn ErrorRows(rows: Vec<ImportRowErrorInfo>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-wrap">
            <table class="table table--dense table--stack" data-testid="import-errors">
                <thead><tr>
                    <th class="table__number">{move || i18n.t(Key::ImportRowNumber)}</th>
                    <th>{move || i18n.t(Key::ImportColumn)}</th>
                    <th>{move || i18n.t(Key::ImportReason)}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|e| view! {
                        <tr>
                            <td class="table__number" data-label=move || i18n.t(Key::ImportRowNumber)>{e.row}</td>
                            <td data-label=move || i18n.t(Key::ImportColumn)>{e.column.unwrap_or_else(|| "—".to_owned())}</td>
                            <td data-label=move || i18n.t(Key::ImportReason)>{move || e.reason.map_or_else(|| e.message.clone(), |r| labels::invalid(i18n, r))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// A preview line's action (`update` named as the kind of file words it).
fn preview_action(action: &str, update: Key) -> Key {
    match action {
        "create" => Key::ImportActionCreate,
        "update" => update,
        "skip" => Key::ImportActionSkip,
        _ => Key::ImportActionReject,
    }
}

/// A preview cell as text: a string, or a list joined with commas.
fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Array(items) => {
            items.iter().filter_map(|i| i.as_str()).collect::<Vec<_>>().join(", ")
        }
        serde_json::Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// Why a preview line was skipped or refused: a rule the value broke is worded in the reader's
/// language; the column says where.
fn preview_reason(i18n: I18n, line: &serde_json::Value) -> impl Fn() -> String + use<> {
    let rule: Option<starcrm_shared::validate::Invalid> = serde_json::from_value(line["rule"].clone()).ok();
    let column = line["column"].as_str().map(|c| format!("{c}: ")).unwrap_or_default();
    let message = text(&line["reason"]);
    move || match rule {
        Some(invalid) => format!("{column}{}", labels::invalid(i18n, invalid)),
        None if message.is_empty() => String::new(),
        None => format!("{column}{message}"),
    }
}

#[component]
fn PreviewTable(rows: Vec<serde_json::Value>) -> impl IntoView {
    let i18n = use_i18n();
    let action = |a: &str| preview_action(a, Key::ImportActionUpdate);
    let reason = move |r: &serde_json::Value| preview_reason(i18n, r);
    view! {
        <div class="table-wrap">
            <table class="table table--dense table--stack" data-testid="import-preview">
                <thead><tr>
                    <th class="table__number">{move || i18n.t(Key::ImportRowNumber)}</th>
                    <th>{move || i18n.t(Key::ImportAction)}</th>
                    <th>{move || i18n.t(Key::Name)}</th>
                    <th>{move || i18n.t(Key::Phone)}</th>
                    <th>{move || i18n.t(Key::Email)}</th>
                    <th>{move || i18n.t(Key::ImportReason)}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let key = action(r["action"].as_str().unwrap_or_default());
                        view! {
                            <tr class:table__row--muted=key == Key::ImportActionSkip>
                                <td class="table__number" data-label=move || i18n.t(Key::ImportRowNumber)>{r["row"].as_i64().unwrap_or_default()}</td>
                                <td data-label=move || i18n.t(Key::ImportAction)><span class="pill" class:pill--warn=key == Key::ImportActionReject>{move || i18n.t(key)}</span></td>
                                <td data-label=move || i18n.t(Key::Name)>{text(&r["name"])}</td>
                                <td data-label=move || i18n.t(Key::Phone)>{text(&r["phones"])}</td>
                                <td data-label=move || i18n.t(Key::Email)>{text(&r["emails"])}</td>
                                <td data-label=move || i18n.t(Key::ImportReason) class="muted">{reason(&r)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The dry run's first rows of a purchases or interactions file as they would be stored.
#[component]
fn RecordPreview(rows: Vec<serde_json::Value>, kind: ImportKind) -> impl IntoView {
    let i18n = use_i18n();
    let action = |a: &str| preview_action(a, Key::ImportLinesAdded);
    let reason = move |r: &serde_json::Value| preview_reason(i18n, r);
    // What the middle columns show, and the preview's field for each.
    let columns: [(Key, &str); 5] = if kind == ImportKind::Interactions {
        [
            (Key::ImportReference, "reference"),
            (Key::ImportCustomer, "who"),
            (Key::ImportOccurredAt, "occurredAt"),
            (Key::ImportInteractionType, "kind"),
            (Key::ImportSubject, "subject"),
        ]
    } else {
        [
            (Key::ImportOrderNo, "orderNo"),
            (Key::ImportCustomer, "who"),
            (Key::ImportPurchasedAt, "purchasedAt"),
            (Key::ImportAmount, "amount"),
            (Key::ImportItem, "item"),
        ]
    };
    let headers = [Key::ImportRowNumber, Key::ImportAction]
        .into_iter()
        .chain(columns.iter().map(|(key, _)| *key))
        .chain([Key::ImportReason]);
    view! {
        <div class="table-wrap">
            <table class="table table--dense table--stack" data-testid="import-preview">
                <thead><tr>
                    {headers.into_iter().map(|key| view! { <th>{move || i18n.t(key)}</th> }).collect_view()}
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let key = action(r["action"].as_str().unwrap_or_default());
                        let who = [text(&r["name"]), text(&r["customer"])].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                        view! {
                            <tr class:table__row--muted=key == Key::ImportActionSkip>
                                <td class="table__number" data-label=move || i18n.t(Key::ImportRowNumber)>{r["row"].as_i64().unwrap_or_default()}</td>
                                <td data-label=move || i18n.t(Key::ImportAction)><span class="pill" class:pill--warn=key == Key::ImportActionReject>{move || i18n.t(key)}</span></td>
                                {columns.iter().map(|(key, field)| {
                                    let key = *key;
                                    let value = match *field {
                                        "who" => who.clone(),
                                        field => text(&r[field]),
                                    };
                                    let refunded = if *field == "amount" { text(&r["refunded"]) } else { String::new() };
                                    let shown = move || match InteractionKind::parse(&value) {
                                        Some(k) if key == Key::ImportInteractionType => i18n.t(labels::interaction(k)).to_owned(),
                                        _ if !refunded.is_empty() => format!("{value} ({} {refunded})", i18n.t(Key::ImportRefundedShort)),
                                        _ => value.clone(),
                                    };
                                    view! { <td class:table__number=key == Key::ImportAmount data-label=move || i18n.t(key)>{shown}</td> }
                                }).collect_view()}
                                <td data-label=move || i18n.t(Key::ImportReason) class="muted">{reason(&r)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Saves the mapping under a name, for the next file with the same headers.
#[component]
fn SavePreset(save: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    view! {
        <form class="import-preset" on:submit=move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let text = name.get_untracked();
            if !text.trim().is_empty() {
                save.run(text);
            }
        }>
            <label class="field import-preset__name">
                <span class="field__label">{move || i18n.t(Key::ImportPresetName)}</span>
                <input class="field__input" data-testid="preset-name" maxlength="60"
                    placeholder=move || i18n.t(Key::ImportPresetPlaceholder)
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <button type="submit" class="button" data-testid="save-preset">{move || i18n.t(Key::ImportPresetSave)}</button>
        </form>
    }
}

/// The saved presets, each deletable.
#[component]
fn Presets() -> impl IntoView {
    let i18n = use_i18n();
    let presets = RwSignal::new(Vec::<starcrm_shared::imports::ImportPresetInfo>::new());
    let load = move || {
        leptos::task::spawn_local(async move {
            if let Ok(list) = api::imports::presets().await {
                presets.set(list);
            }
        });
    };
    load();
    view! {
        <Show when=move || !presets.with(Vec::is_empty)>
            <div class="import-presets" data-testid="import-presets">
                <span class="field__label">{move || i18n.t(Key::ImportPresets)}</span>
                <ul class="plain-list">
                    <For each=move || presets.get() key=|p| p.id.clone() let:preset>
                        <li>
                            {preset.name.clone()}
                            <span class="muted small">" · "{move || i18n.t(kind_name(preset.kind))}</span>
                            <button type="button" class="link-button" on:click={
                                let id = preset.id.clone();
                                move |_| {
                                    let id = id.clone();
                                    leptos::task::spawn_local(async move {
                                        if api::imports::delete_preset(&id).await.is_ok() {
                                            load();
                                        }
                                    });
                                }
                            }>{move || i18n.t(Key::Delete)}</button>
                        </li>
                    </For>
                </ul>
            </div>
        </Show>
    }
}
