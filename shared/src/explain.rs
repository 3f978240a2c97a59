//! A rating in plain language, in English or Chinese: the score and what each criterion gave,
//! what would raise the rating, what downgrade protection keeps, and a manual override. The
//! server answers `customer.starExplanation` with it and the SPA shows the same sentences.

use crate::customer::format_money;
use crate::rating::{AtRisk, Criterion, Evaluation, Policy};

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

/// A welcome level in force (new customers are shown at least these stars for a while).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WelcomeLevel {
    pub stars: u8,
    /// `YYYY-MM-DD`, the last day of the welcome in the workspace's calendar.
    pub until: String,
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
    pub welcome: Option<WelcomeLevel>,
    /// The smallest purchase today that would earn the level above the stars shown
    /// ([`next_level`]), from [`crate::rating::purchase_to_reach`]; `None` when none would.
    pub next_purchase: Option<i64>,
}

/// The level above the stars the customer is shown: a manual override's, else the stars the
/// engine holds them at (never below what the score earns) lifted to a welcome level in force.
/// `None` at five stars.
pub fn next_level(
    computed_stars: u8,
    score_stars: u8,
    welcome: Option<u8>,
    manual: Option<u8>,
) -> Option<u8> {
    let shown = crate::rating::shown_stars(computed_stars.max(score_stars), welcome, manual);
    (shown < 5).then(|| shown + 1)
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

/// Money rounded up to whole units: people do not aim for cents, and rounding up keeps
/// "this much or more" true.
fn whole_money(minor: i64, currency: &str) -> String {
    format_money(minor.saturating_add(99) / 100 * 100, currency)
}

/// What one purchase would do for the stars shown: the level it earns and how much it takes;
/// under a manual override, what it would do for the score while the stars stay set.
fn purchase_line(facts: &Facts<'_>, next: u8, amount: i64, lang: Language) -> String {
    let zh = lang == Language::ZhCn;
    let level = stars_text(next, lang);
    let money = whole_money(amount, facts.currency);
    let any = amount <= 1;
    match (facts.manual.is_some(), zh, any) {
        (false, false, true) => {
            format!(
                "Any purchase today would earn {level}: it adds to spend and orders and makes the last purchase today."
            )
        }
        (false, false, false) => format!(
            "A purchase of {money} or more today would earn {level}: it adds to spend and orders and makes the last purchase today."
        ),
        (false, true, true) => {
            format!("今天任意一笔消费即可达到 {level}（消费额、订单数和最近购买时间会一起变化）。")
        }
        (false, true, false) => {
            format!(
                "今天一笔 {money} 及以上的消费即可达到 {level}（消费额、订单数和最近购买时间会一起变化）。"
            )
        }
        (true, false, _) => format!(
            "While set by hand, purchases change the score but not the stars; by the score, a purchase of {money} or more today would earn {level}."
        ),
        (true, true, _) => format!(
            "人工设定期间，消费只影响评分、不改变星级；按评分，今天一笔 {money} 及以上的消费可达到 {level}。"
        ),
    }
}

/// The welcome level new customers are shown, when it lifts their stars.
fn welcome_line(facts: &Facts<'_>, lang: Language) -> Option<String> {
    let welcome = facts.welcome.as_ref().filter(|w| w.stars > facts.computed_stars)?;
    let (level, own, until) =
        (stars_text(welcome.stars, lang), stars_text(facts.computed_stars, lang), &welcome.until);
    Some(match (lang == Language::ZhCn, facts.manual.is_some()) {
        (false, false) => {
            format!("New-customer welcome: shown as {level} until {until}; the score alone gives {own}.")
        }
        (false, true) => {
            format!("New-customer welcome: {level} until {until}, while the stars set by hand apply.")
        }
        (true, false) => format!("新客户注册送星级：{until} 前按 {level}对待；按评分为 {own}。"),
        (true, true) => format!("新客户注册送星级：{until} 前为 {level}，目前以人工设定的星级为准。"),
    })
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
    lines.extend(welcome_line(facts, lang));
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
    let next = next_level(
        facts.computed_stars,
        ev.stars,
        facts.welcome.as_ref().map(|w| w.stars),
        facts.manual.as_ref().map(|m| m.stars),
    );
    if let (Some(next), Some(amount)) = (next, facts.next_purchase) {
        lines.push(purchase_line(facts, next, amount, lang));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::{Aggregates, PopulationStats, evaluate, purchase_to_reach};

    fn stats() -> PopulationStats {
        let spend = (0..=100).map(|i| f64::from(i) * 10_000.0).collect();
        let orders = (0..=100).map(|i| f64::from(i) / 10.0).collect();
        PopulationStats { quantiles: vec![(Criterion::Monetary, spend), (Criterion::Frequency, orders)] }
    }

    /// A customer of 400 days with three orders, the last `days_ago`.
    fn bought(days_ago: u32) -> Aggregates {
        Aggregates {
            spend_minor: 120_000,
            orders: 3,
            days_since_last_purchase: Some(days_ago),
            days_since_first_purchase: Some(400),
            categories: 2,
            satisfaction: None,
            complaints: None,
        }
    }

    fn facts<'a>(
        ev: &'a Evaluation,
        policy: &'a Policy,
        manual: Option<Override>,
        next: Option<i64>,
    ) -> Facts<'a> {
        Facts {
            evaluation: ev,
            policy,
            currency: "CNY",
            computed_stars: ev.stars,
            at_risk: None,
            at_risk_date: None,
            manual,
            welcome: None,
            next_purchase: next,
        }
    }

    /// The hint is the pure scoring function run on one more purchase: recording the purchase
    /// it names gives at least the stars it names.
    #[test]
    fn the_hint_names_a_purchase_that_earns_the_next_level() {
        let policy = Policy::standard();
        let stats = stats();
        // Bought last week: recency is full already, so the purchase needs some money.
        let agg = bought(5);
        let ev = evaluate(&agg, &policy, &stats);
        let next = next_level(ev.stars, ev.stars, None, None).expect("below five");
        let amount = purchase_to_reach(&agg, &policy, &stats, next).expect("reachable");
        let en = explain(&facts(&ev, &policy, None, Some(amount)), Language::En);
        assert!(en[0].starts_with(&format!("Score {:.1} of 100", ev.score)), "{en:?}");
        assert!(en.iter().any(|l| l.starts_with("Last purchase: 5 days ago")), "{en:?}");
        assert!(amount > 100, "more than a token purchase: {amount}");
        assert!(en.iter().any(|l| l.starts_with("Satisfaction: no data yet")), "{en:?}");
        let last = en.last().cloned().unwrap_or_default();
        let money = whole_money(amount, "CNY");
        assert_eq!(
            last,
            format!(
                "A purchase of {money} or more today would earn {next} stars: it adds to spend and orders and makes the last purchase today."
            )
        );
        // What the sentence promises, recorded: the rounded-up amount earns the level.
        let rounded = (amount + 99) / 100 * 100;
        assert!(evaluate(&agg.with_purchase(rounded), &policy, &stats).stars >= next);
        let zh = explain(&facts(&ev, &policy, None, Some(amount)), Language::ZhCn);
        assert!(
            zh.last()
                .is_some_and(|l| l.starts_with(&format!("今天一笔 {money} 及以上的消费即可达到 {next} 星"))),
            "{zh:?}"
        );
    }

    /// Long since the last purchase: the fresh recency alone lifts them.
    #[test]
    fn any_purchase_when_recency_alone_gets_there() {
        let policy = Policy::standard();
        let stats = stats();
        let agg = bought(200);
        let ev = evaluate(&agg, &policy, &stats);
        let next = next_level(ev.stars, ev.stars, None, None).expect("below five");
        let amount = purchase_to_reach(&agg, &policy, &stats, next);
        assert_eq!(amount, Some(1));
        let en = explain(&facts(&ev, &policy, None, amount), Language::En);
        assert!(
            en.last().is_some_and(|l| l.starts_with(&format!("Any purchase today would earn {next} stars"))),
            "{en:?}"
        );
        let zh = explain(&facts(&ev, &policy, None, amount), Language::ZhCn);
        assert!(
            zh.last().is_some_and(|l| l.starts_with(&format!("今天任意一笔消费即可达到 {next} 星"))),
            "{zh:?}"
        );
    }

    #[test]
    fn under_an_override_the_hint_starts_from_the_stars_set_by_hand() {
        let policy = Policy::standard();
        let ev = evaluate(&Aggregates::default(), &policy, &PopulationStats::default());
        let manual = Override { stars: 4, reason: "VIP event".to_owned(), until: None };
        assert_eq!(
            next_level(ev.stars, ev.stars, None, Some(4)),
            Some(5),
            "from 4, not from the score's stars"
        );
        assert_eq!(next_level(3, 2, None, None), Some(4), "protection holds 3: the next is 4");
        assert_eq!(next_level(2, 2, None, Some(5)), None);
        let en = explain(&facts(&ev, &policy, Some(manual.clone()), Some(900_000)), Language::En);
        assert!(en.iter().any(|l| l.starts_with("Set by hand to 4 stars (VIP event)")), "{en:?}");
        let last = en.last().cloned().unwrap_or_default();
        assert!(
            last.starts_with("While set by hand, purchases change the score but not the stars"),
            "{last}"
        );
        assert!(last.ends_with("would earn 5 stars."), "{last}");
        assert!(
            !en.iter().any(|l| l.contains("earn 4 stars")),
            "never 'to reach' the stars they have: {en:?}"
        );
        let five = Override { stars: 5, ..manual };
        let top = explain(&facts(&ev, &policy, Some(five), None), Language::ZhCn);
        assert!(!top.iter().any(|l| l.contains("消费即可")), "{top:?}");
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
            welcome: None,
            next_purchase: None,
        };
        let en = explain(&facts, Language::En);
        assert!(en.iter().any(|l| l.starts_with("Set by hand to 5 stars (VIP event)")), "{en:?}");
        assert!(
            en.iter().any(|l| l.contains("at risk of dropping to") && l.contains("2024-10-04")),
            "{en:?}"
        );
    }

    /// A new customer held at the welcome level: the explanation says so in both languages and
    /// the next level counts from the stars shown.
    #[test]
    fn marks_the_welcome_level_and_counts_the_next_star_from_it() {
        let policy = Policy::standard();
        let ev = evaluate(&Aggregates::default(), &policy, &PopulationStats::default());
        assert_eq!(ev.stars, 2, "a customer who never bought, every other criterion neutral");
        let welcome = WelcomeLevel { stars: 4, until: "2026-12-31".to_owned() };
        let facts = Facts { welcome: Some(welcome.clone()), ..facts(&ev, &policy, None, Some(50_000)) };
        let en = explain(&facts, Language::En);
        assert!(
            en.contains(
                &"New-customer welcome: shown as 4 stars until 2026-12-31; the score alone gives 2 stars."
                    .to_owned()
            ),
            "{en:?}"
        );
        assert!(
            en.last().is_some_and(|l| l.contains("would earn 5 stars")),
            "from the welcome level: {en:?}"
        );
        let zh = explain(&facts, Language::ZhCn);
        assert!(
            zh.iter().any(|l| l.starts_with("新客户注册送星级：2026-12-31 前按 4 星对待；按评分为 2 星。")),
            "{zh:?}"
        );
        assert_eq!(next_level(1, 1, Some(3), None), Some(4));
        assert_eq!(next_level(4, 4, Some(3), None), Some(5), "a welcome never lowers the stars");
        assert_eq!(next_level(1, 1, Some(3), Some(2)), Some(3), "stars set by hand win");
        // Earned stars at or above the welcome level: nothing to mark.
        let above = Facts { computed_stars: 4, ..facts.clone() };
        assert!(!explain(&above, Language::En).iter().any(|l| l.contains("welcome")));
    }
}
