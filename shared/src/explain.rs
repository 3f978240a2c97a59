//! A rating in plain language, in English or Chinese: the score and what each criterion gave,
//! what would raise the rating, what downgrade protection keeps, and a manual override. The
//! server answers `customer.starExplanation` with it and the SPA shows the same sentences.

use crate::customer::format_money;
use crate::rating::{AtRisk, Criterion, Evaluation, Policy, Suggestion};

/// The language of an explanation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Language {
    #[default]
    En,
    ZhCn,
}

/// A manual override in force.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    pub stars: u8,
    pub reason: String,
    /// `YYYY-MM-DD`, or open-ended.
    pub until: Option<String>,
}

/// What an explanation is made of.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub evaluation: &'a Evaluation,
    pub policy: &'a Policy,
    pub currency: &'a str,
    /// The stars the engine holds them at (after protection, before an override).
    pub computed_stars: u8,
    pub at_risk: Option<AtRisk>,
    /// `YYYY-MM-DD` of `at_risk.on_day`.
    pub at_risk_date: Option<String>,
    pub manual: Option<Override>,
    /// Ways to the next level (empty at five stars or when none alone would do).
    pub to_next: &'a [Suggestion],
}

fn criterion_name(c: Criterion, lang: Language, window: u32) -> String {
    match (lang, c) {
        (Language::En, Criterion::Monetary) => format!("Spend in the last {window} days"),
        (Language::En, Criterion::Frequency) => format!("Orders in the last {window} days"),
        (Language::En, Criterion::Recency) => "Last purchase".to_owned(),
        (Language::En, Criterion::Tenure) => "Customer since".to_owned(),
        (Language::En, Criterion::Breadth) => format!("Categories bought in the last {window} days"),
        (Language::En, Criterion::Satisfaction) => "Satisfaction".to_owned(),
        (Language::En, Criterion::Complaints) => format!("Complaints in the last {window} days"),
        (Language::ZhCn, Criterion::Monetary) => format!("近{window}天消费"),
        (Language::ZhCn, Criterion::Frequency) => format!("近{window}天订单"),
        (Language::ZhCn, Criterion::Recency) => "最近一次购买".to_owned(),
        (Language::ZhCn, Criterion::Tenure) => "成为客户".to_owned(),
        (Language::ZhCn, Criterion::Breadth) => format!("近{window}天购买品类"),
        (Language::ZhCn, Criterion::Satisfaction) => "满意度".to_owned(),
        (Language::ZhCn, Criterion::Complaints) => format!("近{window}天投诉"),
    }
}

#[allow(clippy::cast_possible_truncation)]
fn raw_text(c: Criterion, raw: Option<f64>, lang: Language, currency: &str) -> String {
    let zh = lang == Language::ZhCn;
    let Some(raw) = raw else {
        return match (c, zh) {
            (Criterion::Recency, false) => "never bought".to_owned(),
            (Criterion::Recency, true) => "从未购买".to_owned(),
            (_, false) => "no data".to_owned(),
            (_, true) => "暂无数据".to_owned(),
        };
    };
    let n = raw.round() as i64;
    match (c, zh) {
        (Criterion::Monetary, _) => format_money(n, currency),
        (Criterion::Frequency, false) => plural(n, "order"),
        (Criterion::Frequency, true) => format!("{n} 笔"),
        (Criterion::Recency, false) => format!("{} ago", plural(n, "day")),
        (Criterion::Recency, true) => format!("{n} 天前"),
        (Criterion::Tenure, false) => plural(n, "day"),
        (Criterion::Tenure, true) => format!("{n} 天"),
        (Criterion::Breadth, false) => plural(n, "category"),
        (Criterion::Breadth, true) => format!("{n} 个品类"),
        (Criterion::Satisfaction, _) => format!("{:.0}%", raw * 100.0),
        (Criterion::Complaints, false) => plural(n, "complaint"),
        (Criterion::Complaints, true) => format!("{n} 次"),
    }
}

fn plural(n: i64, word: &str) -> String {
    match (n, word) {
        (1, _) => format!("1 {word}"),
        (_, "category") => format!("{n} categories"),
        _ => format!("{n} {word}s"),
    }
}

fn stars_text(n: u8, lang: Language) -> String {
    match (lang, n) {
        (Language::En, 1) => "1 star".to_owned(),
        (Language::En, n) => format!("{n} stars"),
        (Language::ZhCn, n) => format!("{n} 星"),
    }
}

fn suggestion_text(s: Suggestion, lang: Language, currency: &str) -> String {
    let zh = lang == Language::ZhCn;
    // Money rounded up to whole units: people do not aim for cents.
    let money = format_money(s.more.saturating_add(99) / 100 * 100, currency);
    let more = |one: &str, many: &str| format!("{} more {}", s.more, if s.more == 1 { one } else { many });
    match (s.criterion, zh) {
        (Criterion::Monetary, false) => format!("spend {money} more"),
        (Criterion::Monetary, true) => format!("再消费 {money}"),
        (Criterion::Frequency, false) => more("order", "orders"),
        (Criterion::Frequency, true) => format!("再下 {} 笔订单", s.more),
        (Criterion::Breadth, false) => format!("buy from {}", more("category", "categories")),
        (Criterion::Breadth, true) => format!("再购买 {} 个品类", s.more),
        (_, false) => format!("{} more", s.more),
        (_, true) => format!("再增加 {}", s.more),
    }
}

/// The explanation, one sentence per line.
pub fn explain(facts: &Facts<'_>, lang: Language) -> Vec<String> {
    let zh = lang == Language::ZhCn;
    let ev = facts.evaluation;
    let window = facts.policy.window_days;
    let mut lines = Vec::new();
    lines.push(if zh {
        format!("评分 {:.1}/100，对应 {}。", ev.score, stars_text(ev.stars, lang))
    } else {
        format!("Score {:.1} of 100, which earns {}.", ev.score, stars_text(ev.stars, lang))
    });
    for c in &ev.breakdown {
        let name = criterion_name(c.criterion, lang, window);
        let raw = raw_text(c.criterion, c.raw, lang, facts.currency);
        lines.push(match (c.counted, zh) {
            (true, false) => format!("{name}: {raw}, {:.1} of {:.1} points.", c.points, c.max_points),
            (true, true) => format!("{name}：{raw}，得 {:.1} 分（满分 {:.1}）。", c.points, c.max_points),
            (false, false) => {
                format!(
                    "{name}: no data yet, so its {} points are shared among the other criteria.",
                    c.weight
                )
            }
            (false, true) => format!("{name}：暂无数据，其 {} 分按比例计入其他指标。", c.weight),
        });
    }
    if let Some(manual) = &facts.manual {
        let until = manual.until.as_deref();
        lines.push(match (zh, until) {
            (false, Some(u)) => format!(
                "Set by hand to {} until {u} ({}); the score alone gives {}.",
                stars_text(manual.stars, lang),
                manual.reason,
                stars_text(facts.computed_stars, lang)
            ),
            (false, None) => format!(
                "Set by hand to {} ({}); the score alone gives {}.",
                stars_text(manual.stars, lang),
                manual.reason,
                stars_text(facts.computed_stars, lang)
            ),
            (true, Some(u)) => format!(
                "已人工设为 {}，有效期至 {u}（{}）；按评分为 {}。",
                stars_text(manual.stars, lang),
                manual.reason,
                stars_text(facts.computed_stars, lang)
            ),
            (true, None) => format!(
                "已人工设为 {}（{}）；按评分为 {}。",
                stars_text(manual.stars, lang),
                manual.reason,
                stars_text(facts.computed_stars, lang)
            ),
        });
    }
    if let (Some(risk), Some(date)) = (facts.at_risk, facts.at_risk_date.as_deref()) {
        lines.push(if zh {
            format!(
                "降级保护：评分对应 {}，但在宽限期内保持 {}；若评分未回升，将于 {date} 降为 {}。",
                stars_text(ev.stars, lang),
                stars_text(facts.computed_stars, lang),
                stars_text(risk.stars, lang)
            )
        } else {
            format!(
                "Downgrade protection: the score gives {}, but the customer keeps {} during the grace period; \
                 at risk of dropping to {} on {date} unless the score recovers.",
                stars_text(ev.stars, lang),
                stars_text(facts.computed_stars, lang),
                stars_text(risk.stars, lang)
            )
        });
    } else if facts.computed_stars > ev.stars {
        lines.push(if zh {
            format!("降级保护：每次评估最多降一星，当前保持 {}。", stars_text(facts.computed_stars, lang))
        } else {
            format!(
                "Downgrade protection: stars fall one at a time, so the customer holds {} for now.",
                stars_text(facts.computed_stars, lang)
            )
        });
    }
    let next = facts.computed_stars.max(ev.stars) + 1;
    if next <= 5 && !facts.to_next.is_empty() {
        let ways: Vec<String> =
            facts.to_next.iter().map(|s| suggestion_text(*s, lang, facts.currency)).collect();
        lines.push(if zh {
            format!("在统计期内{}即可达到 {}。", ways.join("，或"), stars_text(next, lang))
        } else {
            format!("To reach {}: {} in the window.", stars_text(next, lang), ways.join(", or "))
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::{Aggregates, PopulationStats, evaluate, ways_to_reach};

    #[test]
    fn explains_score_points_and_the_way_up() {
        let policy = Policy::standard();
        let agg = Aggregates {
            spend_minor: 120_000,
            orders: 3,
            days_since_last_purchase: Some(20),
            days_since_first_purchase: Some(400),
            categories: 2,
            satisfaction: None,
            complaints: None,
        };
        let spend = (0..=100).map(|i| f64::from(i) * 10_000.0).collect();
        let orders = (0..=100).map(|i| f64::from(i) / 10.0).collect();
        let stats =
            PopulationStats { quantiles: vec![(Criterion::Monetary, spend), (Criterion::Frequency, orders)] };
        let ev = evaluate(&agg, &policy, &stats);
        let ways = ways_to_reach(&agg, &policy, &stats, ev.stars + 1);
        let facts = Facts {
            evaluation: &ev,
            policy: &policy,
            currency: "CNY",
            computed_stars: ev.stars,
            at_risk: None,
            at_risk_date: None,
            manual: None,
            to_next: &ways,
        };
        let en = explain(&facts, Language::En);
        assert!(en[0].starts_with(&format!("Score {:.1} of 100", ev.score)), "{en:?}");
        assert!(en.iter().any(|l| l == "Last purchase: 20 days ago, 22.2 of 22.2 points."), "{en:?}");
        assert!(en.iter().any(|l| l.starts_with("Satisfaction: no data yet")), "{en:?}");
        let last = en.last().unwrap();
        assert!(last.starts_with(&format!("To reach {} stars: spend ¥", ev.stars + 1)), "{last}");
        assert!(last.contains("more orders") && last.ends_with("in the window."), "{last}");
        let zh = explain(&facts, Language::ZhCn);
        assert!(zh.iter().any(|l| l.starts_with("最近一次购买：20 天前")), "{zh:?}");
    }

    #[test]
    fn says_what_protection_and_an_override_keep() {
        let policy = Policy::standard();
        let ev = evaluate(&Aggregates::default(), &policy, &PopulationStats::default());
        let facts = Facts {
            evaluation: &ev,
            policy: &policy,
            currency: "CNY",
            computed_stars: ev.stars + 1,
            at_risk: Some(AtRisk { stars: ev.stars, on_day: 20_000 }),
            at_risk_date: Some("2024-10-04".to_owned()),
            manual: Some(Override { stars: 5, reason: "VIP event".to_owned(), until: None }),
            to_next: &[],
        };
        let en = explain(&facts, Language::En);
        assert!(en.iter().any(|l| l.starts_with("Set by hand to 5 stars (VIP event)")), "{en:?}");
        assert!(
            en.iter().any(|l| l.contains("at risk of dropping to") && l.contains("2024-10-04")),
            "{en:?}"
        );
    }
}
