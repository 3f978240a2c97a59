//! The dashboards: what leadership reads at a glance. The star distribution month by month,
//! who moved between levels from one date to another, revenue, orders, NPS, CSAT, churn and SLA
//! hits by star level, retention by first-purchase month, the lifecycle funnel, the campaigns'
//! ROI, and demand by category and star level with its forecast. Every chart keeps its numbers
//! one click away and exports them to CSV (`components::chart::ChartCard`).

use leptos::prelude::*;
use starcrm_shared::Permission;
use starcrm_shared::customer::{StarFilter, format_money, group_thousands};
use starcrm_shared::insight::analytics::{
    CampaignRoi, Cohort, Demand, DemandSeries, ForecastMethod, LevelFigures, StageCount, StarMigration,
    StarTrendPoint,
};

use super::InsightTabs;
use crate::api;
use crate::api::analytics::AnalyticsView;
use crate::components::chart::{
    BarRow, BarRows, ChartCard, HeatCell, HeatTable, Line, LineChart, MigrationMatrix, Numbers,
    StackedColumns, level_label,
};
use crate::components::error_view::ErrorView;
use crate::i18n::{I18n, Key, labels, use_i18n, use_page_title};
use crate::pages::customers::customers_href;
use crate::state::session::use_session;

#[component]
pub fn DashboardsPage() -> impl IntoView {
    use_page_title(Key::DashboardsTitle);
    let i18n = use_i18n();
    let session = use_session();
    let days = RwSignal::new(30_u32);
    let from = RwSignal::new(None::<String>);
    let to = RwSignal::new(None::<String>);
    let data = LocalResource::new(move || api::analytics::analytics(days.get(), from.get(), to.get()));
    view! {
        <header class="page-header">
            <h1 class="page-title" data-testid="page-title">{move || i18n.t(Key::DashboardsTitle)}</h1>
            <p class="page-subtitle muted">{move || i18n.t(Key::DashboardsSubtitle)}</p>
        </header>
        <InsightTabs />
        {move || match data.get() {
            None => view! { <div class="grid" aria-busy="true"><div class="skeleton"></div><div class="skeleton"></div></div> }.into_any(),
            Some(Err(error)) => view! { <ErrorView error on_retry=Callback::new(move |()| data.refetch()) /> }.into_any(),
            Some(Ok(a)) => view! {
                <div class="grid grid--charts" data-testid="dashboards">
                    <TrendCard points=a.star_trend.clone() />
                    <MigrationCard m=a.star_migration.clone() from to today=a.today.clone() />
                    <LevelsCard levels=a.by_star_level.clone() currency=a.currency.clone() days />
                    <CohortsCard cohorts=a.cohorts.clone() />
                    <FunnelCard stages=a.lifecycle_funnel.clone() currency=a.currency.clone() />
                    {session.can(Permission::CampaignsManage).then(|| view! { <RoiCard currency=a.currency.clone() /> })}
                    <DemandCard demand=a.demand.clone() currency=a.currency.clone() />
                </div>
            }.into_any(),
        }}
        {move || data.get().and_then(Result::ok).map(|a: AnalyticsView| view! {
            <p class="muted small">{move || labels::date(i18n.locale(), &a.today)}</p>
        })}
    }
}

fn text(i18n: I18n, key: Key) -> Signal<String> {
    Signal::derive(move || i18n.t(key).to_owned())
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}%"))
}

/// Minor units as a plain decimal for a spreadsheet: `-1234.05`.
fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.unsigned_abs() / 100, minor.unsigned_abs() % 100)
}

/// Whole currency units with thousands grouped: an axis value.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "an axis label, rounded")]
fn units(minor: f64) -> String {
    group_thousands((minor / 100.0).round().max(0.0) as u64)
}

#[component]
fn TrendCard(points: Vec<StarTrendPoint>) -> impl IntoView {
    let i18n = use_i18n();
    // Months before the first rating are left out, and said to be.
    let asked = points.len();
    let points: Vec<StarTrendPoint> =
        points.into_iter().skip_while(|p| p.counts.iter().all(|n| *n == 0)).collect();
    let starts = (points.len() < asked).then(|| points.first().map(|p| p.month.clone())).flatten();
    let labels: Vec<String> = points.iter().map(|p| p.month.clone()).collect();
    let counts: Vec<Vec<i64>> = points.iter().map(|p| p.counts.clone()).collect();
    let numbers = Signal::derive(move || Numbers {
        header: std::iter::once(i18n.t(Key::ColMonth).to_owned())
            .chain((0..=5).map(|l| level_label(i18n, l)))
            .chain(std::iter::once(i18n.t(Key::ColTotal).to_owned()))
            .collect(),
        rows: points
            .iter()
            .map(|p| {
                std::iter::once(p.month.clone())
                    .chain(p.counts.iter().map(ToString::to_string))
                    .chain(std::iter::once(p.counts.iter().sum::<i64>().to_string()))
                    .collect()
            })
            .collect(),
    });
    view! {
        <ChartCard title=text(i18n, Key::StarTrendTitle) hint=text(i18n, Key::StarTrendHint) numbers file="star-trend" test_id="star-trend">
            {starts.map(|month| view! {
                <p class="muted small" data-testid="trend-starts">{move || i18n.t(Key::StarTrendStarts).replace("{month}", &month)}</p>
            })}
            <StackedColumns labels counts test_id="star-trend-chart" />
        </ChartCard>
    }
}

#[component]
fn MigrationCard(
    m: StarMigration,
    from: RwSignal<Option<String>>,
    to: RwSignal<Option<String>>,
    today: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let (start, end) = (m.from.clone(), m.to.clone());
    let summary = {
        let m = m.clone();
        move || {
            i18n.t(Key::StarMoveSummary)
                .replace("{up}", &m.moved_up.to_string())
                .replace("{down}", &m.moved_down.to_string())
                .replace("{same}", &m.stayed.to_string())
                .replace("{new}", &m.newly_rated.to_string())
        }
    };
    let matrix = m.matrix.clone();
    let numbers = Signal::derive(move || Numbers {
        header: std::iter::once(format!("{} \\ {}", i18n.t(Key::StarMoveBefore), i18n.t(Key::StarMoveAfter)))
            .chain((0..=5).map(|l| level_label(i18n, l)))
            .collect(),
        rows: m
            .matrix
            .iter()
            .enumerate()
            .map(|(r, row)| {
                std::iter::once(level_label(i18n, r)).chain(row.iter().map(ToString::to_string)).collect()
            })
            .collect(),
    });
    let pick = move |target: RwSignal<Option<String>>| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            if !v.is_empty() {
                target.set(Some(v));
            }
        }
    };
    view! {
        <ChartCard title=text(i18n, Key::StarMoveTitle) hint=text(i18n, Key::StarMoveHint) numbers file="star-migration" test_id="star-migration">
            <div class="toolbar">
                <label class="toolbar__date">
                    <span>{move || i18n.t(Key::StarMoveFrom)}</span>
                    <input type="date" data-testid="migration-from" value=start max=today.clone() on:change=pick(from) />
                </label>
                <label class="toolbar__date">
                    <span>{move || i18n.t(Key::StarMoveTo)}</span>
                    <input type="date" data-testid="migration-to" value=end max=today on:change=pick(to) />
                </label>
            </div>
            <p class="small" data-testid="migration-summary">{summary}</p>
            <MigrationMatrix matrix samples=Vec::new() test_id="history-matrix" />
        </ChartCard>
    }
}

#[component]
fn LevelsCard(levels: Vec<LevelFigures>, currency: String, days: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let n = days.get_untracked();
    let shown: Vec<LevelFigures> =
        levels.iter().rev().filter(|l| l.stars > 0 || l.customers > 0).cloned().collect();
    let rows: Vec<BarRow> = shown
        .iter()
        .map(|l| {
            let level = usize::try_from(l.stars).unwrap_or(0);
            #[allow(clippy::cast_precision_loss, reason = "a bar length")]
            BarRow {
                label: level_label(i18n, level),
                href: Some(customers_href(StarFilter::of_bar(level))),
                value: l.revenue_minor as f64,
                text: format_money(l.revenue_minor, &currency),
                note: None,
            }
        })
        .collect();
    let header = move || {
        [
            Key::Stars,
            Key::NavCustomers,
            Key::ColBuyers,
            Key::Orders,
            Key::ColRevenue,
            Key::ColNps,
            Key::ColCsat,
            Key::ColChurn,
            Key::ColSla,
        ]
        .map(|k| i18n.t(k).to_owned())
        .to_vec()
    };
    let cells = {
        let currency = currency.clone();
        move |l: &LevelFigures| {
            vec![
                level_label(i18n, usize::try_from(l.stars).unwrap_or(0)),
                l.customers.to_string(),
                l.buyers.to_string(),
                l.orders.to_string(),
                format_money(l.revenue_minor, &currency),
                format!(
                    "{} ({})",
                    l.nps.map_or_else(|| "—".to_owned(), |v| format!("{v:+.0}")),
                    l.nps_answers
                ),
                format!("{} ({})", pct(l.csat), l.csat_answers),
                pct(l.churn_rate),
                format!("{} ({})", pct(l.sla_hit_rate), l.sla_decided),
            ]
        }
    };
    let table_rows: Vec<Vec<String>> = shown.iter().map(&cells).collect();
    let numbers = {
        let rows = table_rows.clone();
        Signal::derive(move || Numbers { header: header(), rows: rows.clone() })
    };
    let title = Signal::derive(move || i18n.t(Key::LevelsTitle).replace("{n}", &n.to_string()));
    view! {
        <ChartCard title hint=text(i18n, Key::LevelsHint) numbers file="by-star-level" test_id="by-star-level" wide=true>
            <div class="toolbar">
                <select class="toolbar__select" data-testid="levels-days" aria-label=move || i18n.t(Key::Period)
                    on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { days.set(v); } }>
                    {[30_u32, 90, 365].map(|d| view! {
                        <option value=d.to_string() selected=d == n>{move || i18n.t(Key::LastDays).replace("{n}", &d.to_string())}</option>
                    }).collect_view()}
                </select>
            </div>
            <BarRows rows test_id="levels-revenue" row_test_id="level-revenue" />
            <div class="table-scroll">
                <table class="table table--compact" data-testid="levels-table">
                    <thead><tr>{move || header().into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {table_rows.into_iter().map(|row| view! {
                            <tr data-testid="level-row">{row.into_iter().map(|c| view! { <td class="mono">{c}</td> }).collect_view()}</tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </ChartCard>
    }
}

#[component]
fn CohortsCard(cohorts: Vec<Cohort>) -> impl IntoView {
    let i18n = use_i18n();
    let width = cohorts.iter().map(|c| c.retained.len()).max().unwrap_or(0);
    // Month 0 is the cohort itself: its size.
    let column = move |k: usize| {
        if k == 0 {
            i18n.t(Key::CohortSize).to_owned()
        } else {
            i18n.t(Key::CohortK).replace("{k}", &k.to_string())
        }
    };
    let columns: Vec<String> = (0..width).map(column).collect();
    let rows: Vec<(String, Vec<HeatCell>)> = cohorts
        .iter()
        .map(|c| {
            let cells = (0..width)
                .map(|k| match (c.rates.get(k), c.retained.get(k)) {
                    (Some(rate), Some(n)) => HeatCell {
                        value: if k == 0 { 0.0 } else { *rate },
                        text: if k == 0 { n.to_string() } else { format!("{rate:.0}%") },
                        title: Some(format!("{} · {n}", c.month)),
                        strong: k == 0,
                    },
                    _ => HeatCell { value: 0.0, text: String::new(), title: None, strong: false },
                })
                .collect();
            (c.month.clone(), cells)
        })
        .collect();
    let numbers = Signal::derive(move || Numbers {
        header: [i18n.t(Key::CohortFirst).to_owned()].into_iter().chain((0..width).map(column)).collect(),
        rows: cohorts
            .iter()
            .map(|c| {
                std::iter::once(c.month.clone()).chain(c.retained.iter().map(ToString::to_string)).collect()
            })
            .collect(),
    });
    view! {
        <ChartCard title=text(i18n, Key::CohortsTitle) hint=text(i18n, Key::CohortsHint) numbers file="cohorts" test_id="cohorts" wide=true>
            <HeatTable columns rows test_id="cohort-table" corner=i18n.t(Key::CohortFirst).to_owned() />
        </ChartCard>
    }
}

#[component]
fn FunnelCard(stages: Vec<StageCount>, currency: String) -> impl IntoView {
    let i18n = use_i18n();
    #[allow(clippy::cast_precision_loss, reason = "a bar length")]
    let rows: Vec<BarRow> = stages
        .iter()
        .map(|s| BarRow {
            label: i18n.t(labels::stage(s.stage)).to_owned(),
            href: (s.stage == starcrm_shared::customer::LifecycleStage::AtRisk)
                .then(|| "/insight".to_owned()),
            value: s.customers as f64,
            text: group_thousands(s.customers.unsigned_abs()),
            note: (s.value_at_risk_minor > 0).then(|| {
                i18n.t(Key::FunnelAtRisk).replace("{v}", &format_money(s.value_at_risk_minor, &currency))
            }),
        })
        .collect();
    let numbers = Signal::derive(move || Numbers {
        header: vec![
            i18n.t(Key::LifecycleStage).to_owned(),
            i18n.t(Key::NavCustomers).to_owned(),
            i18n.t(Key::InsightValueAtRisk).to_owned(),
        ],
        rows: stages
            .iter()
            .map(|s| {
                vec![
                    i18n.t(labels::stage(s.stage)).to_owned(),
                    s.customers.to_string(),
                    format_money(s.value_at_risk_minor, &currency),
                ]
            })
            .collect(),
    });
    view! {
        <ChartCard title=text(i18n, Key::FunnelTitle) numbers file="lifecycle-funnel" test_id="lifecycle-funnel">
            <BarRows rows test_id="funnel-rows" row_test_id="funnel-row" />
        </ChartCard>
    }
}

#[component]
fn RoiCard(currency: String) -> impl IntoView {
    let data = LocalResource::new(api::analytics::campaigns);
    view! {
        {move || {
            let currency = currency.clone();
            match data.get() {
                None => view! { <div class="skeleton"></div> }.into_any(),
                Some(Err(error)) => view! { <ErrorView error on_retry=Callback::new(move |()| data.refetch()) /> }.into_any(),
                Some(Ok(list)) => view! { <RoiTable list currency /> }.into_any(),
            }
        }}
    }
}

#[component]
fn RoiTable(list: Vec<CampaignRoi>, currency: String) -> impl IntoView {
    let i18n = use_i18n();
    let empty = list.is_empty();
    let header = move || {
        [Key::ColCampaign, Key::ColDelivered, Key::ColRevenue, Key::ColCost, Key::ColRoi, Key::ColLift]
            .map(|k| i18n.t(k).to_owned())
            .to_vec()
    };
    let lift = move |c: &CampaignRoi| {
        c.lift_points.map_or_else(
            || "—".to_owned(),
            |l| format!("{l:+.1} pt{}", if c.significant { "" } else { i18n.t(Key::LiftNotSignificant) }),
        )
    };
    let roi = |c: &CampaignRoi| c.roi.map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0));
    let rows: Vec<(String, Vec<String>)> = list
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                vec![
                    c.name.clone(),
                    c.delivered.to_string(),
                    format_money(c.revenue_minor, &currency),
                    format_money(c.cost_minor, &currency),
                    roi(c),
                    lift(c),
                ],
            )
        })
        .collect();
    let numbers = {
        let rows = rows.clone();
        Signal::derive(move || Numbers {
            header: header(),
            rows: rows.iter().map(|(_, r)| r.clone()).collect(),
        })
    };
    view! {
        <ChartCard title=text(i18n, Key::RoiTitle) numbers file="campaign-roi" test_id="campaign-roi">
            {empty.then(|| view! { <p class="muted">{move || i18n.t(Key::RoiNone)}</p> })}
            {(!empty).then(|| view! {
                <div class="table-scroll">
                    <table class="table table--compact">
                        <thead><tr>{move || header().into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {rows.into_iter().map(|(id, cells)| {
                                let mut cells = cells.into_iter();
                                let name = cells.next().unwrap_or_default();
                                view! {
                                    <tr data-testid="roi-row">
                                        <td><a class="cell-link" href=format!("/campaigns/{id}")>{name}</a></td>
                                        {cells.map(|c| view! { <td class="mono">{c}</td> }).collect_view()}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
        </ChartCard>
    }
}

const fn method_key(m: ForecastMethod) -> Key {
    match m {
        ForecastMethod::SeasonalTrend => Key::MethodSeasonalTrend,
        ForecastMethod::SeasonalNaive => Key::MethodSeasonalNaive,
        ForecastMethod::Level => Key::MethodLevel,
    }
}

fn series_name(i18n: I18n, by_stars: bool, key: &str) -> String {
    if by_stars {
        level_label(i18n, key.parse().unwrap_or(0))
    } else if key == "*" {
        i18n.t(Key::OtherCategories).to_owned()
    } else if key.is_empty() {
        i18n.t(Key::NoCategory).to_owned()
    } else {
        key.to_owned()
    }
}

/// Months of history the demand chart draws before the forecast.
const DRAWN: usize = 24;
/// Series the demand chart draws (the table lists them all).
const LINES: usize = 5;

#[component]
fn DemandCard(demand: Demand, currency: String) -> impl IntoView {
    let i18n = use_i18n();
    let by_stars = RwSignal::new(false);
    let demand = StoredValue::new(demand);
    let view_of = move |stars: bool| {
        let d = demand.get_value();
        let series: Vec<DemandSeries> =
            if stars { d.by_stars.iter().rev().cloned().collect() } else { d.by_category.clone() };
        (d, series)
    };
    let numbers = Signal::derive(move || {
        let stars = by_stars.get();
        let (d, series) = view_of(stars);
        Numbers {
            header: std::iter::once(i18n.t(Key::ColSeries).to_owned())
                .chain(d.months.iter().cloned())
                .chain(d.forecast_months.iter().map(|m| format!("{m}*")))
                .collect(),
            rows: series
                .iter()
                .map(|s| {
                    std::iter::once(series_name(i18n, stars, &s.key))
                        .chain(s.sales.iter().map(|v| decimal(*v)))
                        .chain(s.forecast.iter().map(|v| format!("{:.2}", v / 100.0)))
                        .collect()
                })
                .collect(),
        }
    });
    let currency = StoredValue::new(currency);
    view! {
        <ChartCard title=text(i18n, Key::DemandTitle) hint=text(i18n, Key::DemandHint) numbers file="demand" test_id="demand" wide=true>
            <div class="toolbar">
                <div class="segmented segmented--small" role="group">
                    <button type="button" class="segmented__item" class:segmented__item--on=move || !by_stars.get()
                        data-testid="demand-by-category" on:click=move |_| by_stars.set(false)>{move || i18n.t(Key::DemandByCategory)}</button>
                    <button type="button" class="segmented__item" class:segmented__item--on=move || by_stars.get()
                        data-testid="demand-by-stars" on:click=move |_| by_stars.set(true)>{move || i18n.t(Key::DemandByStars)}</button>
                </div>
            </div>
            {move || {
                let stars = by_stars.get();
                let (d, series) = view_of(stars);
                let skip = d.months.len().saturating_sub(DRAWN);
                let labels: Vec<String> = d.months.iter().skip(skip).chain(&d.forecast_months).cloned().collect();
                let lines: Vec<Line> = series.iter().take(LINES).map(|s| {
                    #[allow(clippy::cast_precision_loss, reason = "a point's height")]
                    let values = s.sales.iter().skip(skip).map(|v| Some(*v as f64)).chain(s.forecast.iter().map(|v| Some(*v))).collect();
                    Line { name: series_name(i18n, stars, &s.key), values, forecast_from: Some(d.months.len() - skip) }
                }).collect();
                let cur = currency.get_value();
                view! {
                    <LineChart labels lines format=units test_id="demand-chart" />
                    <div class="table-scroll">
                        <table class="table table--compact" data-testid="demand-table">
                            <thead><tr>
                                {[Key::ColSeries, Key::ColLast12, Key::ColForecast3, Key::ColMethod, Key::ColError, Key::ColNaiveError]
                                    .map(|k| view! { <th scope="col">{move || i18n.t(k)}</th> }).collect_view()}
                            </tr></thead>
                            <tbody>
                                {series.iter().map(|s| {
                                    let last12: i64 = s.sales.iter().rev().take(12).sum();
                                    #[allow(clippy::cast_possible_truncation, reason = "a forecast in minor units, rounded")]
                                    let next: i64 = s.forecast.iter().sum::<f64>().round() as i64;
                                    let verdict = s.held_out.as_ref().and_then(|h| Some((h.error?, h.naive_error?))).map(|(e, n)| {
                                        if e < n { Key::ForecastBetter } else { Key::ForecastWorse }
                                    });
                                    let error = s.held_out.as_ref().map_or_else(|| "—".to_owned(), |h| pct(h.error));
                                    let naive = s.held_out.as_ref().map_or_else(|| "—".to_owned(), |h| pct(h.naive_error));
                                    let method = method_key(s.method);
                                    view! {
                                        <tr data-testid="demand-row">
                                            <td>{series_name(i18n, stars, &s.key)}</td>
                                            <td class="mono">{format_money(last12, &cur)}</td>
                                            <td class="mono">{format_money(next, &cur)}</td>
                                            <td>{move || i18n.t(method)}</td>
                                            <td class="mono">{error}{verdict.map(|k| view! { <span class="muted small">" · "{move || i18n.t(k)}</span> })}</td>
                                            <td class="mono">{naive}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
            }}
        </ChartCard>
    }
}
