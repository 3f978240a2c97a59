//! The SPA's one chart module: small charts drawn with plain HTML and SVG (no chart crate, so
//! the bundle stays small), used by the dashboard, the ratings page and the dashboards page.
//!
//! - [`StarBars`]: columns per star level for one or two series;
//! - [`StackedColumns`]: one column per period, stacked by star level;
//! - [`LineChart`]: lines over periods, a forecast drawn dashed;
//! - [`BarRows`]: labelled horizontal bars;
//! - [`HeatTable`] (and [`MigrationMatrix`] on it): a table shaded by value;
//! - [`ChartCard`]: a card around any of them with its numbers one click away (a table in a
//!   disclosure) and a CSV download of the same numbers.

use std::fmt::Write as _;

use leptos::prelude::*;
use starcrm_shared::customer::StarFilter;
use starcrm_shared::insight::analytics::csv;
use starcrm_shared::rating_views::SampleView;

use crate::i18n::{Key, use_i18n};
use crate::pages::customers::customers_href;

/// The numbers behind a chart: shown as a table on demand, exported as CSV.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Numbers {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// `data:` URL of a CSV file, percent-encoded.
fn csv_href(numbers: &Numbers) -> String {
    let text = csv(&numbers.header, &numbers.rows);
    let mut out = String::from("data:text/csv;charset=utf-8,");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A card with a title, the chart (children), its numbers in a disclosure and a CSV download.
#[component]
pub fn ChartCard(
    title: Signal<String>,
    /// The numbers, in the current language.
    numbers: Signal<Numbers>,
    /// The download's file name, without `.csv`.
    file: &'static str,
    test_id: &'static str,
    #[prop(optional)] hint: Option<Signal<String>>,
    #[prop(optional)] wide: bool,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card chart-card" class:chart-card--wide=wide data-testid=test_id>
            <div class="card__header">
                <h2 class="card__title">{move || title.get()}</h2>
                <a class="button button--small" data-testid="csv" download=format!("{file}.csv")
                    href=move || numbers.with(csv_href)>{move || i18n.t(Key::ChartCsv)}</a>
            </div>
            {hint.map(|h| view! { <p class="muted small">{move || h.get()}</p> })}
            {children()}
            <details class="chart-card__numbers" data-testid="numbers">
                <summary>{move || i18n.t(Key::ChartNumbers)}</summary>
                <div class="table-scroll">
                    <table class="table table--compact">
                        <thead><tr>{move || numbers.with(|n| n.header.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view())}</tr></thead>
                        <tbody>
                            {move || numbers.with(|n| n.rows.iter().map(|row| view! {
                                <tr>{row.iter().map(|cell| view! { <td class="mono">{cell.clone()}</td> }).collect_view()}</tr>
                            }).collect_view())}
                        </tbody>
                    </table>
                </div>
            </details>
        </section>
    }
}

/// Bars per star level (index 0 = unrated, shown first when not zero) for one or two series.
/// With `linked`, each level opens the customer list filtered to it.
#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
pub fn StarBars(
    series: Vec<(Key, Vec<i64>)>,
    #[prop(optional)] test_id: Option<&'static str>,
    #[prop(optional)] linked: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let most = series.iter().flat_map(|(_, v)| v.iter().copied()).max().unwrap_or(0).max(1);
    let with_unrated = series.iter().any(|(_, v)| v.first().copied().unwrap_or(0) > 0);
    let levels: Vec<usize> = if with_unrated { vec![0, 1, 2, 3, 4, 5] } else { vec![1, 2, 3, 4, 5] };
    let two = series.len() > 1;
    #[allow(clippy::cast_precision_loss, reason = "a bar height")]
    let height = move |n: i64| format!("height: {:.1}%", n as f64 / most as f64 * 100.0);
    view! {
        <div class="star-bars" data-testid=test_id>
            <div class="star-bars__plot">
                {levels.iter().map(|&level| {
                    let values: Vec<(usize, i64)> = series.iter().enumerate().map(|(k, (_, v))| (k, v.get(level).copied().unwrap_or(0))).collect();
                    let href = linked.then(|| StarFilter::of_bar(level).map(|f| customers_href(Some(f)))).flatten();
                    let group = view! {
                            <div class="star-bars__columns">
                                {values.into_iter().map(|(k, n)| view! {
                                    <div class="star-bars__column">
                                        <span class="star-bars__count">{n}</span>
                                        <span class=format!("star-bars__bar star-bars__bar--{k}") style=height(n)></span>
                                    </div>
                                }).collect_view()}
                            </div>
                            <span class="star-bars__label">{move || level_label(i18n, level)}</span>
                    };
                    match href {
                        Some(href) => view! {
                            <a class="star-bars__group star-bars__group--link" href=href data-testid="star-bar" data-level=level.to_string()
                                title=move || i18n.t(Key::OpenFilteredList)>{group}</a>
                        }.into_any(),
                        None => view! { <div class="star-bars__group">{group}</div> }.into_any(),
                    }
                }).collect_view()}
            </div>
            {two.then(|| view! {
                <div class="legend">
                    {series.iter().enumerate().map(|(k, (key, _))| {
                        let key = *key;
                        view! { <span class="legend__item"><span class=format!("legend__swatch star-bars__bar--{k}")></span>{move || i18n.t(key)}</span> }
                    }).collect_view()}
                </div>
            })}
        </div>
    }
}

/// "未评级" or "3★".
pub fn level_label(i18n: crate::i18n::I18n, level: usize) -> String {
    if level == 0 { i18n.t(Key::Unrated).to_owned() } else { format!("{level}★") }
}

/// One column per period (`labels`), stacked by star level: `counts[period][level]`, level 0
/// (unrated) at the bottom in grey, 5 stars on top.
#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
pub fn StackedColumns(labels: Vec<String>, counts: Vec<Vec<i64>>, test_id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let most = counts.iter().map(|c| c.iter().sum::<i64>()).max().unwrap_or(0).max(1);
    let step = labels.len().div_ceil(8).max(1);
    let last = labels.len().saturating_sub(1);
    view! {
        <div class="stacked" role="img" data-testid=test_id>
            <div class="stacked__plot">
                {labels.iter().zip(&counts).enumerate().map(|(k, (label, c))| {
                    let total: i64 = c.iter().sum();
                    #[allow(clippy::cast_precision_loss, reason = "a bar height")]
                    let share = |n: i64| n as f64 / most as f64 * 100.0;
                    let title = format!("{label}: {total}");
                    // Counted from the last month, so that it is always labelled and never crowded.
                    let shown = (last - k).is_multiple_of(step);
                    view! {
                        <div class="stacked__column" title=title data-testid="stacked-column">
                            <div class="stacked__bar">
                                {c.iter().enumerate().rev().filter(|(_, n)| **n > 0).map(|(level, n)| view! {
                                    <span class=format!("stacked__part chart-level--{level}") style=format!("height: {:.2}%", share(*n))
                                        title=format!("{label} · {}: {n}", level_label(i18n, level))></span>
                                }).collect_view()}
                            </div>
                            <span class="stacked__label">{shown.then(|| short_month(label))}</span>
                        </div>
                    }
                }).collect_view()}
            </div>
            <div class="legend">
                {(0..=5_usize).rev().map(|level| view! {
                    <span class="legend__item"><span class=format!("legend__swatch chart-level--{level}")></span>{move || level_label(i18n, level)}</span>
                }).collect_view()}
            </div>
        </div>
    }
}

/// `2026-03` -> `26-03`, short enough for a phone's axis.
fn short_month(label: &str) -> String {
    label.get(2..).unwrap_or(label).to_owned()
}

/// One line of a [`LineChart`].
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub name: String,
    /// Aligned with the chart's labels; `None` leaves a gap.
    pub values: Vec<Option<f64>>,
    /// From this index on the values are a forecast, drawn dashed.
    pub forecast_from: Option<usize>,
}

const W: f64 = 600.0;
const H: f64 = 180.0;

/// Lines over periods in SVG, the y axis from 0 to the largest value, each line its colour
/// (`chart-series--k`), a forecast dashed. `format` writes an axis value.
#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
pub fn LineChart(
    labels: Vec<String>,
    lines: Vec<Line>,
    format: fn(f64) -> String,
    test_id: &'static str,
) -> impl IntoView {
    let top = lines.iter().flat_map(|l| l.values.iter().flatten().copied()).fold(0.0_f64, f64::max).max(1.0);
    let n = labels.len().max(2);
    #[allow(clippy::cast_precision_loss, reason = "a point's position")]
    let x = move |i: usize| i as f64 / (n - 1) as f64 * W;
    let y = move |v: f64| H - v / top * H;
    let path = move |points: &[(usize, f64)]| {
        points.iter().enumerate().fold(String::new(), |mut d, (k, (i, v))| {
            let _ = write!(d, "{}{:.1},{:.1}", if k == 0 { 'M' } else { 'L' }, x(*i), y(*v));
            d
        })
    };
    let drawn: Vec<(usize, String, String)> = lines
        .iter()
        .enumerate()
        .map(|(k, line)| {
            let split = line.forecast_from.unwrap_or(line.values.len());
            let points: Vec<(usize, f64)> =
                line.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
            let actual: Vec<(usize, f64)> = points.iter().copied().filter(|(i, _)| *i < split).collect();
            // The forecast starts from the last actual point, so the two join.
            let forecast: Vec<(usize, f64)> =
                points.iter().copied().filter(|(i, _)| *i + 1 >= split).collect();
            let forecast = if line.forecast_from.is_some() { path(&forecast) } else { String::new() };
            (k, path(&actual), forecast)
        })
        .collect();
    let step = labels.len().div_ceil(8).max(1);
    let last = labels.len().saturating_sub(1);
    view! {
        <div class="line-chart" data-testid=test_id>
            <div class="line-chart__frame">
                <div class="line-chart__axis" aria-hidden="true">
                    <span>{format(top)}</span><span>{format(top / 2.0)}</span><span>{format(0.0)}</span>
                </div>
                <svg class="line-chart__plot" viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img">
                    {[0.0, 0.5, 1.0].map(|g| {
                        let gy = format!("{:.1}", g * H);
                        view! { <line class="line-chart__grid" x1="0" x2=W.to_string() y1=gy.clone() y2=gy /> }
                    }).collect_view()}
                    {drawn.into_iter().map(|(k, actual, forecast)| view! {
                        <path class=format!("line-chart__line chart-series--{k}") d=actual />
                        <path class=format!("line-chart__line line-chart__line--forecast chart-series--{k}") d=forecast />
                    }).collect_view()}
                </svg>
            </div>
            <div class="line-chart__labels">
                {labels.iter().enumerate().map(|(i, l)| view! {
                    <span>{(last - i).is_multiple_of(step).then(|| short_month(l))}</span>
                }).collect_view()}
            </div>
            <div class="legend legend--wrap">
                {lines.iter().enumerate().map(|(k, l)| view! {
                    <span class="legend__item"><span class=format!("legend__swatch chart-series--{k}")></span>{l.name.clone()}</span>
                }).collect_view()}
            </div>
        </div>
    }
}

/// One row of [`BarRows`].
#[derive(Clone, Debug, PartialEq)]
pub struct BarRow {
    pub label: String,
    pub href: Option<String>,
    pub value: f64,
    /// The value as shown beside the bar.
    pub text: String,
    /// Extra text after the value (muted).
    pub note: Option<String>,
}

/// Labelled horizontal bars, each as long as its share of the largest.
#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
pub fn BarRows(
    rows: Vec<BarRow>,
    test_id: &'static str,
    #[prop(optional)] row_test_id: Option<&'static str>,
) -> impl IntoView {
    let most = rows.iter().map(|r| r.value).fold(0.0_f64, f64::max).max(f64::MIN_POSITIVE);
    view! {
        <ul class="bars bars--wide" data-testid=test_id>
            {rows.into_iter().map(|r| {
                let share = (r.value.max(0.0) / most * 100.0).clamp(0.0, 100.0);
                let label = match r.href {
                    Some(href) => view! { <a class="bars__label cell-link" href=href>{r.label}</a> }.into_any(),
                    None => view! { <span class="bars__label">{r.label}</span> }.into_any(),
                };
                view! {
                    <li class="bars__row" data-testid=row_test_id>
                        {label}
                        <span class="bars__track"><span class="bars__fill" style=format!("width: {share:.1}%")></span></span>
                        <span class="bars__value mono">{r.text}{r.note.map(|n| view! { <span class="muted">" "{n}</span> })}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// One cell of a [`HeatTable`].
#[derive(Clone, Debug, PartialEq)]
pub struct HeatCell {
    /// What the shade follows.
    pub value: f64,
    pub text: String,
    pub title: Option<String>,
    pub strong: bool,
}

/// A table shaded by value: `cells[row][column]`.
#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
pub fn HeatTable(
    columns: Vec<String>,
    rows: Vec<(String, Vec<HeatCell>)>,
    test_id: &'static str,
    #[prop(optional)] corner: Option<String>,
) -> impl IntoView {
    let most = rows
        .iter()
        .flat_map(|(_, r)| r.iter().map(|c| c.value))
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    view! {
        <div class="table-wrap">
            <table class="matrix" data-testid=test_id>
                <thead>
                    <tr>
                        <th>{corner}</th>
                        {columns.into_iter().map(|c| view! { <th scope="col">{c}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|(label, cells)| view! {
                        <tr>
                            <th scope="row">{label}</th>
                            {cells.into_iter().map(|c| {
                                let alpha = if c.value <= 0.0 { 0.0 } else { 0.12 + 0.7 * c.value / most };
                                view! {
                                    <td class="matrix__cell" class:matrix__cell--moved=c.strong
                                        style=format!("background: rgba(217, 119, 6, {alpha:.2})") title=c.title>
                                        {c.text}
                                    </td>
                                }
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// `matrix[old][new]` as a heat table (rows: before, columns 1 to 5 stars after; the unrated
/// row only when someone is in it), a few names per cell on hover.
#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
pub fn MigrationMatrix(
    matrix: Vec<Vec<i64>>,
    samples: Vec<SampleView>,
    #[prop(optional)] test_id: Option<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    let rows: Vec<(String, Vec<HeatCell>)> = (0..matrix.len().min(6))
        .filter(|&r| r > 0 || matrix[r].iter().any(|n| *n > 0))
        .map(|r| {
            let cells = (1..=5)
                .map(|to| {
                    let n = matrix[r].get(to).copied().unwrap_or(0);
                    let names: Vec<String> = samples
                        .iter()
                        .filter(|s| {
                            usize::try_from(s.from).ok() == Some(r) && usize::try_from(s.to).ok() == Some(to)
                        })
                        .map(|s| format!("{} {}", s.code, s.name))
                        .collect();
                    #[allow(clippy::cast_precision_loss, reason = "a shade")]
                    HeatCell {
                        value: n as f64,
                        text: n.to_string(),
                        title: (!names.is_empty()).then(|| names.join("\n")),
                        strong: r != to,
                    }
                })
                .collect();
            (level_label(i18n, r), cells)
        })
        .collect();
    view! {
        <HeatTable columns=(1..=5).map(|s| format!("{s}★")).collect() rows test_id=test_id.unwrap_or("migration-matrix") />
    }
}
