//! The RFM grid: recency down, frequency-with-spend across, each cell coloured by its named group
//! with its customers and their spend; the groups' totals beside it.

use leptos::prelude::*;
use starcrm_shared::customer::{format_money, group_thousands};
use starcrm_shared::marketing::RfmGroup;

use crate::api::marketing::RfmGridView;
use crate::i18n::{Key, labels, use_i18n};

/// `on_pick` gets the group of a clicked cell (the builder adds it).
#[component]
pub fn RfmGrid(grid: RfmGridView, on_pick: Callback<RfmGroup>) -> impl IntoView {
    let i18n = use_i18n();
    let RfmGridView { cells, groups, .. } = grid;
    let rows: Vec<(u8, Vec<_>)> = (1..=5_u8)
        .rev()
        .map(|r| (r, cells.iter().filter(|c| c.recency == r).cloned().collect::<Vec<_>>()))
        .collect();
    view! {
        <p class="rfm-axes muted">{move || i18n.t(Key::RfmAxes)}</p>
        <div class="rfm">
            <table class="rfm-grid" data-testid="rfm-grid">
                <caption class="sr-only">{move || i18n.t(Key::RfmTitle)}</caption>
                <thead>
                    <tr>
                        <th scope="col"></th>
                        {(1..=5).map(|fm| view! { <th scope="col">{format!("FM{fm}")}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|(r, cells)| view! {
                        <tr>
                            <th scope="row">{format!("R{r}")}</th>
                            {cells.into_iter().map(|c| {
                                let group = c.group;
                                let (amount, currency) = (c.spend.amount_minor, c.spend.currency.clone());
                                let spend = compact_money(c.spend.amount_minor, &c.spend.currency);
                                view! {
                                    <td class=format!("rfm-cell rfm--{}", group.as_str())>
                                        <button
                                            type="button"
                                            class="rfm-cell__button"
                                            title=move || format!("{} · {}", i18n.t(labels::rfm_group(group)), format_money(amount, &currency))
                                            data-testid=format!("rfm-cell-{r}-{}", c.frequency_monetary)
                                            on:click=move |_| on_pick.run(group)
                                        >
                                            <span class="rfm-cell__count">{group_thousands(c.customers)}</span>
                                            <span class="rfm-cell__spend">{spend}</span>
                                        </button>
                                    </td>
                                }
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <ul class="rfm-legend" data-testid="rfm-groups">
                {groups.into_iter().map(|g| {
                    let group = g.group;
                    view! {
                        <li class="rfm-legend__item">
                            <span class=format!("rfm-swatch rfm--{}", group.as_str()) aria-hidden="true"></span>
                            <span class="rfm-legend__name">{move || i18n.t(labels::rfm_group(group))}</span>
                            <span class="rfm-legend__figures muted">
                                {group_thousands(g.customers)}" · "{format_money(g.spend.amount_minor, &g.spend.currency)}
                            </span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// Money in a cell: whole units, thousands as `k` and millions as `M` (`¥71k`, `¥1.3M`).
fn compact_money(amount_minor: i64, currency: &str) -> String {
    let symbol = if currency == "CNY" { "¥" } else { "" };
    let units = amount_minor / 100;
    #[allow(clippy::cast_precision_loss, reason = "a rounded figure for display")]
    let text = match units.unsigned_abs() {
        0..1_000 => units.to_string(),
        1_000..1_000_000 => format!("{:.0}k", units as f64 / 1_000.0),
        _ => format!("{:.1}M", units as f64 / 1_000_000.0),
    };
    if symbol.is_empty() { format!("{text} {currency}") } else { format!("{symbol}{text}") }
}
