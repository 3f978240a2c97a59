//! Small charts drawn with plain HTML and SVG: star distributions side by side and the
//! old-by-new migration matrix as a heat table.

use leptos::prelude::*;
use starcrm_shared::customer::StarFilter;
use starcrm_shared::rating_views::SampleView;

use crate::i18n::{Key, use_i18n};
use crate::pages::customers::customers_href;

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
                            <span class="star-bars__label">
                                {move || if level == 0 { i18n.t(Key::Unrated).to_owned() } else { format!("{level}★") }}
                            </span>
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

/// `matrix[old][new]` as a table shaded by count, with a few names per cell on hover.
#[component]
#[allow(clippy::needless_pass_by_value, reason = "component props are owned")]
pub fn MigrationMatrix(matrix: Vec<Vec<i64>>, samples: Vec<SampleView>) -> impl IntoView {
    let i18n = use_i18n();
    let most = matrix.iter().flatten().copied().max().unwrap_or(0).max(1);
    let rows: Vec<usize> =
        (0..matrix.len().min(6)).filter(|&r| r > 0 || matrix[r].iter().any(|n| *n > 0)).collect();
    view! {
        <div class="table-wrap">
            <table class="matrix" data-testid="migration-matrix">
                <thead>
                    <tr>
                        <th></th>
                        {(1..=5).map(|s| view! { <th scope="col">{format!("{s}★")}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let cells: Vec<i64> = (1..=5).map(|c| matrix[r].get(c).copied().unwrap_or(0)).collect();
                        let samples = samples.clone();
                        view! {
                            <tr>
                                <th scope="row">{move || if r == 0 { i18n.t(Key::Unrated).to_owned() } else { format!("{r}★") }}</th>
                                {cells.into_iter().enumerate().map(|(k, n)| {
                                    let to = k + 1;
                                    #[allow(clippy::cast_precision_loss, reason = "a shade")]
                                    let alpha = if n == 0 { 0.0 } else { 0.12 + 0.7 * n as f64 / most as f64 };
                                    let names: Vec<String> = samples.iter()
                                        .filter(|s| usize::try_from(s.from).ok() == Some(r) && usize::try_from(s.to).ok() == Some(to))
                                        .map(|s| format!("{} {}", s.code, s.name)).collect();
                                    let moved = r != to;
                                    view! {
                                        <td class="matrix__cell" class:matrix__cell--moved=moved
                                            style=format!("background: rgba(217, 119, 6, {alpha:.2})") title=names.join("\n")>
                                            {n}
                                        </td>
                                    }
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
