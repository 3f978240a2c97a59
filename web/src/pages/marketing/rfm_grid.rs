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
        <div class="rfm">
            <table class="rfm-grid" data-testid="rfm-grid">
                <caption class="sr-only">{move || i18n.t(Key::RfmTitle)}</caption>
                <thead>
                    <tr>
                        <th scope="col" class="rfm-grid__axis">{move || i18n.t(Key::RfmRecency)}" ↓ · "{move || i18n.t(Key::RfmFm)}" →"</th>
                        {(1..=5).map(|fm| view! { <th scope="col">{format!("FM{fm}")}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|(r, cells)| view! {
                        <tr>
                            <th scope="row">{format!("R{r}")}</th>
                            {cells.into_iter().map(|c| {
                                let group = c.group;
                                let spend = format_money(c.spend.amount_minor, &c.spend.currency);
                                view! {
                                    <td class=format!("rfm-cell rfm--{}", group.as_str())>
                                        <button
                                            type="button"
                                            class="rfm-cell__button"
                                            title=move || i18n.t(labels::rfm_group(group))
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
