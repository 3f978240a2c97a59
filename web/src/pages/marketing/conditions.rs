//! A segment condition in words, from its name (`Segment.conditions`) and the saved filter.

use serde_json::Value;
use starcrm_shared::customer::format_money;
use starcrm_shared::marketing::RfmGroup;

use crate::i18n::{I18n, Key, labels};

/// `stars` -> "星级 4–5", `daysSinceLastPurchase` -> "≥ 60 天未购买", ...; anything the form does
/// not offer by its name.
pub fn describe(i18n: I18n, key: &str, filter: &Value, currency: &str) -> String {
    let n = |v: &Value| v.as_i64().map(|n| n.to_string());
    let parts = |pairs: Vec<(Key, Option<String>, &str)>| {
        pairs
            .into_iter()
            .filter_map(|(k, v, var)| v.map(|v| i18n.t(k).replace(var, &v)))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let text = match key {
        "stars" => {
            let (min, max) = (filter["stars"]["min"].as_i64(), filter["stars"]["max"].as_i64());
            let range = match (min, max) {
                (Some(a), Some(b)) if a == b => format!("{a}★"),
                (Some(a), Some(b)) => format!("{a}–{b}★"),
                (Some(a), None) => format!("≥ {a}★"),
                (None, Some(b)) => format!("≤ {b}★"),
                (None, None) => String::new(),
            };
            i18n.t(Key::CondStars).replace("{a}", &range)
        }
        "daysSinceLastPurchase" => parts(vec![
            (Key::CondBoughtMin, n(&filter[key]["min"]), "{n}"),
            (Key::CondBoughtMax, n(&filter[key]["max"]), "{n}"),
        ]),
        "daysSinceLastContact" => parts(vec![(Key::CondContactMin, n(&filter[key]["min"]), "{n}")]),
        "totalSpend" => parts(vec![(
            Key::CondSpendMin,
            filter[key]["min"].as_i64().map(|m| format_money(m, currency)),
            "{a}",
        )]),
        "orderCount" => parts(vec![(Key::CondOrdersMin, n(&filter[key]["min"]), "{n}")]),
        "tagsAny" => {
            let tags: Vec<&str> =
                filter[key].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            i18n.t(Key::CondTags).replace("{t}", &tags.join("、"))
        }
        "points" => parts(vec![(Key::CondPointsMin, n(&filter[key]["min"]), "{n}")]),
        "satisfaction" => parts(vec![(Key::CondNpsMax, n(&filter[key]["score"]["max"]), "{n}")]),
        "rfmGroups" => {
            let groups: Vec<RfmGroup> = serde_json::from_value(filter[key].clone()).unwrap_or_default();
            let names: Vec<&str> = groups.iter().map(|g| i18n.t(labels::rfm_group(*g))).collect();
            i18n.t(Key::CondRfm).replace("{g}", &names.join("、"))
        }
        _ => String::new(),
    };
    if text.is_empty() { i18n.t(Key::CondOther).replace("{k}", key) } else { text }
}
