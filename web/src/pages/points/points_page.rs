//! The Points page: outstanding points by month of expiry as bars with their numbers, what
//! members owe after refunds, the share of points that history says will expire unspent, and
//! the earn rule in words (with a link to change it for those who may).

use leptos::prelude::*;
use leptos_router::components::A;
use starcrm_shared::Permission;
use starcrm_shared::customer::format_money;
use starcrm_shared::loyalty::{EarnRule, ExpiryKind};

use crate::api;
use crate::api::loyalty::{Liability, RuleView};
use crate::components::error_view::ErrorView;
use crate::i18n::{I18n, Key, use_i18n, use_page_title};
use crate::pages::customers::points::grouped;
use crate::state::loaded::load;
use crate::state::session::use_session;

/// The earn rule in one sentence.
pub(crate) fn rule_text(i18n: I18n, rule: &EarnRule, currency: &str) -> String {
    if !rule.active {
        return i18n.t(Key::PointsOff).to_owned();
    }
    let per = format_money(i64::from(rule.per_minor), currency);
    let earn = if rule.points == 1 { Key::PointsRuleEarnOne } else { Key::PointsRuleEarn };
    let mut parts = vec![i18n.t(earn).replace("{p}", &rule.points.to_string()).replace("{a}", &per)];
    if rule.pending_days > 0 {
        parts.push(i18n.t(Key::PointsRulePending).replace("{d}", &rule.pending_days.to_string()));
    }
    let n = rule.expiry.count.to_string();
    parts.push(match rule.expiry.kind {
        ExpiryKind::Never => i18n.t(Key::PointsNeverExpire).to_owned(),
        ExpiryKind::AfterDays => i18n.t(Key::PointsRuleAfterDays).replace("{n}", &n),
        ExpiryKind::MonthEnd if rule.expiry.count == 0 => i18n.t(Key::PointsRuleSameMonthEnd).to_owned(),
        ExpiryKind::MonthEnd => i18n.t(Key::PointsRuleMonthEnd).replace("{n}", &n),
        ExpiryKind::YearEnd if rule.expiry.count == 0 => i18n.t(Key::PointsRuleSameYearEnd).to_owned(),
        ExpiryKind::YearEnd if rule.expiry.count == 1 => i18n.t(Key::PointsRuleNextYearEnd).to_owned(),
        ExpiryKind::YearEnd => i18n.t(Key::PointsRuleYearEnd).replace("{n}", &n),
    });
    if let Some(cap) = rule.cap_per_purchase {
        parts.push(i18n.t(Key::PointsRuleCap).replace("{n}", &grouped(i64::from(cap))));
    }
    for b in &rule.category_bonuses {
        parts.push(format!("{} ×{}", b.category, b.multiplier));
    }
    parts.join(" · ")
}

#[component]
pub fn PointsPage() -> impl IntoView {
    use_page_title(Key::NavPoints);
    let i18n = use_i18n();
    let liability = load(api::loyalty::liability);
    let rule = load(api::loyalty::rule);
    let (reload, reload_rule) = (liability.reload, rule.reload);
    reload.run(());
    reload_rule.run(());
    view! {
        <header class="page-header">
            <div>
                <h1 class="page-title">{move || i18n.t(Key::NavPoints)}</h1>
                <p class="page-subtitle muted">{move || i18n.t(Key::PointsPageSubtitle)}</p>
            </div>
        </header>
        {move || rule.value.get().map(|r| view! { <RuleSummary rule=r /> })}
        {move || match (liability.error.get(), liability.value.get()) {
            (Some(e), _) => view! { <ErrorView error=e on_retry=reload /> }.into_any(),
            (None, None) => view! { <p class="muted">"…"</p> }.into_any(),
            (None, Some(l)) => view! { <LiabilityView liability=l /> }.into_any(),
        }}
    }
}

#[component]
fn RuleSummary(rule: RuleView) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let (text, currency) = (rule.rule.clone(), rule.currency.clone());
    view! {
        <section class="card points-rule" data-testid="points-rule-summary">
            <div class="analysis-card__head">
                <h2 class="card__title">{move || i18n.t(Key::PointsRuleTitle)}</h2>
                <Show when=move || session.can(Permission::LoyaltyManage)>
                    <A href="/settings/points" attr:class="button button--small" attr:data-testid="edit-points-rule">{move || i18n.t(Key::Edit)}</A>
                </Show>
            </div>
            <p data-testid="points-rule-text">{move || rule_text(i18n, &text, &currency)}</p>
            <p class="muted">{move || i18n.t(Key::PointsMultiplierHint)}</p>
        </section>
    }
}

#[component]
fn LiabilityView(liability: Liability) -> impl IntoView {
    let i18n = use_i18n();
    let l = liability;
    let top = l.months.iter().map(|m| m.points).chain(std::iter::once(l.later)).max().unwrap_or(0).max(1);
    #[allow(clippy::cast_precision_loss, reason = "a share for a bar's height")]
    let height =
        move |points: i64| (points as f64 / top as f64 * 100.0).max(if points > 0 { 2.0 } else { 0.0 });
    let rate = l.breakage_rate;
    let bars: Vec<(String, i64)> = l.months.iter().map(|m| (m.month.clone(), m.points)).collect();
    let rows: Vec<(String, i64)> = bars.iter().filter(|(_, p)| *p > 0).cloned().collect();
    let later = l.later;
    view! {
        <section class="card" data-testid="points-liability">
            <h2 class="card__title">{move || i18n.t(Key::PointsLiability)}</h2>
            <dl class="figures figures--row">
                <div class="figure">
                    <dt>{move || i18n.t(Key::PointsOutstanding)}</dt>
                    <dd data-testid="points-outstanding">{grouped(l.outstanding)}</dd>
                </div>
                <div class="figure">
                    <dt>{move || i18n.t(Key::PointsExpectedBreakage)}</dt>
                    <dd data-testid="points-breakage">
                        {l.expected_breakage.map_or_else(|| "—".to_owned(), grouped)}
                        <span class="figure__small muted">{rate.map(|r| format!(" · {:.0}%", r * 100.0))}</span>
                    </dd>
                </div>
                <div class="figure">
                    <dt>{move || i18n.t(Key::PointsNeverExpiring)}</dt>
                    <dd>{grouped(l.never_expiring)}</dd>
                </div>
                <div class="figure">
                    <dt>{move || i18n.t(Key::PointsOwed)}</dt>
                    <dd data-testid="points-owed">{grouped(l.debt)}</dd>
                </div>
            </dl>
            <p class="muted">{move || if rate.is_some() { i18n.t(Key::PointsBreakageHelp) } else { i18n.t(Key::PointsBreakageUnknown) }}</p>
            <h3 class="card__subtitle">{move || i18n.t(Key::PointsByExpiry)}</h3>
            <div class="columns" role="img" aria-label=move || i18n.t(Key::PointsByExpiry)>
                {bars.into_iter().map(|(month, points)| view! {
                    <div class="columns__col" title=format!("{month}: {}", grouped(points))>
                        <span class="columns__bar" style=format!("height: {:.1}%", height(points))></span>
                        <span class="columns__label">{month.get(5..).unwrap_or_default().to_owned()}</span>
                    </div>
                }).collect_view()}
                <div class="columns__col" title=format!("+: {}", grouped(later))>
                    <span class="columns__bar columns__bar--muted" style=format!("height: {:.1}%", height(later))></span>
                    <span class="columns__label">"…"</span>
                </div>
            </div>
            {if rows.is_empty() && later == 0 {
                view! { <p class="muted" data-testid="points-nothing-expiring">{move || i18n.t(Key::PointsNothingExpiring)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table" data-testid="points-expiry-table">
                            <thead><tr><th>{move || i18n.t(Key::PointsExpiryMonth)}</th><th class="num">{move || i18n.t(Key::PointsTitle)}</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|(month, points)| view! {
                                    <tr><td>{month}</td><td class="num">{grouped(points)}</td></tr>
                                }).collect_view()}
                                {(later > 0).then(|| view! {
                                    <tr><td>{move || i18n.t(Key::PointsLater)}</td><td class="num">{grouped(later)}</td></tr>
                                })}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}
