//! Marketing (ARCHITECTURE.md section 12): RFM scoring and its named groups, and what the
//! segments' conditions are called. Pure, so the server's SQL, its tests' brute-force reference
//! and the SPA's grid all read the same table.
//!
//! **RFM.** Among a workspace's customers who have bought (at least one order and a last
//! purchase), each gets three scores from 1 to 5: recency (the last purchase: more recent is
//! higher), frequency (orders) and monetary (total spend). A score is the customer's quintile by
//! rank: `1 + floor(5 * (rank - 1) / n)`, where `rank` is 1 + the number of customers with a
//! strictly smaller value. Ties share a score, so two customers with the same number of orders
//! never land in different groups (a plain `NTILE(5)` would split them arbitrarily).
//!
//! The named group comes from recency and the mean of frequency and monetary (`fm`, rounded half
//! up): the usual 5 x 5 grid, in [`GRID`].

crate::stored_enum! {
    /// The standard RFM groups.
    pub enum RfmGroup {
        /// Bought recently, buy often and spend the most.
        Champions => "champions",
        /// Buy often and spend well, not in the last weeks.
        Loyal => "loyal",
        /// Recent customers with average frequency and spend.
        Potential => "potential",
        /// Bought recently, for the first times.
        New => "new",
        /// Average on every count, and slipping.
        NeedsAttention => "needs_attention",
        /// Used to buy often and spend well; not for a long time.
        AtRisk => "at_risk",
        /// The best customers of the past, gone quiet.
        CantLose => "cant_lose",
        /// Low frequency and spend, long ago.
        Hibernating => "hibernating",
        /// The lowest scores on every count.
        Lost => "lost",
    }
}

/// The group of each cell: `GRID[r - 1][fm - 1]`, recency down (1 = longest ago), frequency and
/// monetary across (1 = least).
pub const GRID: [[RfmGroup; 5]; 5] = {
    use RfmGroup::{AtRisk, CantLose, Champions, Hibernating, Lost, Loyal, NeedsAttention, New, Potential};
    [
        [Lost, Lost, AtRisk, AtRisk, CantLose],
        [Hibernating, Hibernating, AtRisk, AtRisk, CantLose],
        [NeedsAttention, NeedsAttention, NeedsAttention, Loyal, Loyal],
        [New, Potential, Potential, Loyal, Loyal],
        [New, Potential, Potential, Champions, Champions],
    ]
};

/// The quintile score (1 to 5) of the value ranked `rank` (1-based, ties sharing the lowest rank)
/// among `n`.
pub fn quintile(rank: u64, n: u64) -> u8 {
    if n == 0 || rank == 0 {
        return 1;
    }
    let score = 1 + 5 * (rank - 1) / n;
    u8::try_from(score.min(5)).unwrap_or(5)
}

/// Frequency and monetary as one score: their mean, rounded half up.
pub const fn fm(frequency: u8, monetary: u8) -> u8 {
    (frequency + monetary).div_ceil(2)
}

/// The named group of a customer's scores (each 1 to 5; out-of-range scores are clamped).
pub fn group(recency: u8, frequency: u8, monetary: u8) -> RfmGroup {
    let r = usize::from(recency.clamp(1, 5)) - 1;
    let c = usize::from(fm(frequency.clamp(1, 5), monetary.clamp(1, 5))) - 1;
    GRID[r][c]
}

/// Scores of one measure for every value: each value's quintile by rank, ties sharing one.
pub fn scores<T: PartialOrd>(values: &[T]) -> Vec<u8> {
    let n = values.len() as u64;
    values
        .iter()
        .map(|v| {
            let smaller = values.iter().filter(|o| *o < v).count() as u64;
            quintile(smaller + 1, n)
        })
        .collect()
}

/// The fields of the customer filter a segment condition can be about (the GraphQL names).
/// Which of them a recorded change can alter is [`touched_by`].
pub const PURCHASE_FIELDS: &[&str] = &[
    "totalSpend",
    "orderCount",
    "lastPurchaseAt",
    "daysSinceLastPurchase",
    "daysSinceLastContact",
    "lifecycleStages",
    "channels",
];

/// The filter fields a change of this kind (the change feed's name) can alter; empty when it may
/// alter anything about the customer (a profile edit, a merge).
pub fn touched_by(kind: &str) -> &'static [&'static str] {
    match kind {
        "transactionRecorded" | "transactionDeleted" | "refundRecorded" => PURCHASE_FIELDS,
        "starsChanged" => &["stars", "unrated"],
        "lifecycleChanged" => &["lifecycleStages"],
        "interactionRecorded" | "interactionDeleted" => &["daysSinceLastContact", "channels"],
        "ticketOpened" | "followUpDone" => &["daysSinceLastContact"],
        "surveyAnswered" => &["satisfaction"],
        "pointsChanged" => &["points"],
        "schedule" => SCHEDULED_FIELDS,
        _ => &[],
    }
}

/// The filter fields that change with the calendar or the RFM scoring rather than with a
/// recorded change: what a scheduled refresh names as the reason.
pub const SCHEDULED_FIELDS: &[&str] = &["daysSinceLastPurchase", "daysSinceLastContact", "rfmGroups"];

/// The filter field a segment condition key is about: `customFields.vip` -> `customFields`,
/// `and[0]` -> `and`.
pub fn field_of(key: &str) -> &str {
    key.split(['.', '[']).next().unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quintiles_split_ranks_evenly_and_ties_share_a_score() {
        let ten: Vec<u8> = (1..=10).map(|r| quintile(r, 10)).collect();
        assert_eq!(ten, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        // Seven values with ties: 1 1 2 3 3 3 9
        assert_eq!(scores(&[1, 1, 2, 3, 3, 3, 9]), [1, 1, 2, 3, 3, 3, 5]);
        // Everybody equal: everybody 1.
        assert_eq!(scores(&[4, 4, 4]), [1, 1, 1]);
        assert_eq!(quintile(1, 1), 1);
        assert_eq!(quintile(0, 0), 1);
    }

    #[test]
    fn the_grid_names_the_standard_groups() {
        assert_eq!(group(5, 5, 5), RfmGroup::Champions);
        assert_eq!(group(5, 4, 3), RfmGroup::Champions);
        assert_eq!(group(1, 1, 1), RfmGroup::Lost);
        assert_eq!(group(1, 5, 5), RfmGroup::CantLose);
        assert_eq!(group(2, 4, 3), RfmGroup::AtRisk);
        assert_eq!(group(2, 1, 2), RfmGroup::Hibernating);
        assert_eq!(group(3, 2, 3), RfmGroup::NeedsAttention);
        assert_eq!(group(4, 4, 4), RfmGroup::Loyal);
        assert_eq!(group(5, 1, 1), RfmGroup::New);
        assert_eq!(group(4, 2, 3), RfmGroup::Potential);
        // fm rounds half up: (4 + 3) / 2 -> 4.
        assert_eq!(fm(4, 3), 4);
        assert_eq!(fm(1, 2), 2);
        // Every group has at least one cell.
        for g in RfmGroup::ALL {
            assert!(GRID.iter().flatten().any(|c| c == g), "{g} has no cell");
        }
    }

    #[test]
    fn changes_name_the_fields_they_touch() {
        assert!(touched_by("starsChanged").contains(&"stars"));
        assert!(touched_by("transactionRecorded").contains(&"daysSinceLastPurchase"));
        assert!(touched_by("customerUpdated").is_empty());
        assert_eq!(field_of("customFields.vip"), "customFields");
        assert_eq!(field_of("and[2]"), "and");
        assert_eq!(field_of("stars"), "stars");
    }
}

/// The segment builder's form: the conditions a business usually segments by, each optional, all
/// of which must hold. Turns into the API's `CustomerFilter` ([`SegmentDraft::filter`]) and back
/// ([`SegmentDraft::from_filter`]: `None` for a filter the form cannot show, such as one made
/// with `or` over the API). Numbers are kept as typed; a bad one is reported by field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SegmentDraft {
    pub name: String,
    pub stars_min: Option<u8>,
    pub stars_max: Option<u8>,
    /// Days since the last purchase, at least.
    pub bought_days_min: String,
    /// Days since the last purchase, at most.
    pub bought_days_max: String,
    /// Days since the last contact, at least.
    pub contact_days_min: String,
    /// Total spend in whole currency units, at least.
    pub spend_min: String,
    pub orders_min: String,
    /// Has any of these tags (comma separated).
    pub tags: String,
    pub points_min: String,
    /// The latest NPS answer at most this (6: detractors).
    pub nps_max: String,
    pub rfm_groups: Vec<RfmGroup>,
}

/// A number field of the draft that does not read as a whole number of 0 or more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftError {
    /// The draft's field name (`bought_days_min`...).
    pub field: &'static str,
}

impl SegmentDraft {
    /// The number fields, by name.
    fn numbers(&self) -> [(&'static str, &String); 7] {
        [
            ("bought_days_min", &self.bought_days_min),
            ("bought_days_max", &self.bought_days_max),
            ("contact_days_min", &self.contact_days_min),
            ("spend_min", &self.spend_min),
            ("orders_min", &self.orders_min),
            ("points_min", &self.points_min),
            ("nps_max", &self.nps_max),
        ]
    }

    /// The `CustomerFilter` the form stands for.
    ///
    /// # Errors
    /// The first number field that is not a whole number of 0 or more.
    pub fn filter(&self) -> Result<serde_json::Value, DraftError> {
        use serde_json::{Map, Value, json};
        let mut values = std::collections::BTreeMap::new();
        for (field, text) in self.numbers() {
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let n: i64 = text.replace([',', '，'], "").parse().map_err(|_| DraftError { field })?;
            if n < 0 {
                return Err(DraftError { field });
            }
            values.insert(field, n);
        }
        let range = |min: Option<i64>, max: Option<i64>| {
            let mut r = Map::new();
            if let Some(v) = min {
                r.insert("min".into(), json!(v));
            }
            if let Some(v) = max {
                r.insert("max".into(), json!(v));
            }
            (!r.is_empty()).then_some(Value::Object(r))
        };
        let get = |f: &str| values.get(f).copied();
        let mut f = Map::new();
        if let Some(r) = range(self.stars_min.map(i64::from), self.stars_max.map(i64::from)) {
            f.insert("stars".into(), r);
        }
        if let Some(r) = range(get("bought_days_min"), get("bought_days_max")) {
            f.insert("daysSinceLastPurchase".into(), r);
        }
        if let Some(r) = range(get("contact_days_min"), None) {
            f.insert("daysSinceLastContact".into(), r);
        }
        if let Some(r) = range(get("spend_min").map(|y| y * 100), None) {
            f.insert("totalSpend".into(), r);
        }
        if let Some(r) = range(get("orders_min"), None) {
            f.insert("orderCount".into(), r);
        }
        let tags: Vec<&str> = self.tags.split([',', '，']).map(str::trim).filter(|t| !t.is_empty()).collect();
        if !tags.is_empty() {
            f.insert("tagsAny".into(), json!(tags));
        }
        if let Some(r) = range(get("points_min"), None) {
            f.insert("points".into(), r);
        }
        if let Some(r) = range(None, get("nps_max")) {
            f.insert("satisfaction".into(), json!({ "kind": "NPS", "score": r }));
        }
        if !self.rfm_groups.is_empty() {
            f.insert("rfmGroups".into(), json!(self.rfm_groups));
        }
        Ok(Value::Object(f))
    }

    /// The form for a saved filter, or `None` when it uses conditions the form does not offer.
    pub fn from_filter(name: &str, filter: &serde_json::Value) -> Option<Self> {
        let obj = filter.as_object()?;
        let known = [
            "stars",
            "daysSinceLastPurchase",
            "daysSinceLastContact",
            "totalSpend",
            "orderCount",
            "tagsAny",
            "points",
            "satisfaction",
            "rfmGroups",
        ];
        if obj.iter().any(|(k, v)| !v.is_null() && !known.contains(&k.as_str())) {
            return None;
        }
        let num = |v: &serde_json::Value| v.as_i64().map(|n| n.to_string()).unwrap_or_default();
        let small = |v: &serde_json::Value| v.as_u64().and_then(|n| u8::try_from(n).ok());
        let mut d = SegmentDraft { name: name.to_owned(), ..SegmentDraft::default() };
        d.stars_min = small(&filter["stars"]["min"]);
        d.stars_max = small(&filter["stars"]["max"]);
        d.bought_days_min = num(&filter["daysSinceLastPurchase"]["min"]);
        d.bought_days_max = num(&filter["daysSinceLastPurchase"]["max"]);
        d.contact_days_min = num(&filter["daysSinceLastContact"]["min"]);
        d.spend_min = filter["totalSpend"]["min"].as_i64().map(|m| (m / 100).to_string()).unwrap_or_default();
        d.orders_min = num(&filter["orderCount"]["min"]);
        d.tags = filter["tagsAny"]
            .as_array()
            .map(|t| t.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        d.points_min = num(&filter["points"]["min"]);
        if !filter["satisfaction"].is_null() {
            if filter["satisfaction"]["kind"] != "NPS" {
                return None;
            }
            d.nps_max = num(&filter["satisfaction"]["score"]["max"]);
        }
        d.rfm_groups = serde_json::from_value(filter["rfmGroups"].clone()).unwrap_or_default();
        Some(d)
    }
}

#[cfg(test)]
mod draft_tests {
    use super::{DraftError, RfmGroup, SegmentDraft};
    use serde_json::json;

    #[test]
    fn a_draft_becomes_the_filter_and_back() {
        let d = SegmentDraft {
            name: "高星久未购买".into(),
            stars_min: Some(4),
            bought_days_min: "60".into(),
            spend_min: "1,000".into(),
            tags: "VIP， 茶友".into(),
            nps_max: "6".into(),
            rfm_groups: vec![RfmGroup::AtRisk, RfmGroup::CantLose],
            ..SegmentDraft::default()
        };
        let f = d.filter().expect("numbers");
        assert_eq!(
            f,
            json!({ "stars": { "min": 4 }, "daysSinceLastPurchase": { "min": 60 }, "totalSpend": { "min": 100_000 },
                "tagsAny": ["VIP", "茶友"], "satisfaction": { "kind": "NPS", "score": { "max": 6 } },
                "rfmGroups": ["AT_RISK", "CANT_LOSE"] })
        );
        let back = SegmentDraft::from_filter("高星久未购买", &f).expect("the form shows it");
        assert_eq!(back, SegmentDraft { spend_min: "1000".into(), tags: "VIP, 茶友".into(), ..d });
        assert_eq!(SegmentDraft::default().filter().expect("empty"), json!({}));
    }

    #[test]
    fn bad_numbers_name_their_field_and_foreign_filters_are_not_shown() {
        let d = SegmentDraft { bought_days_min: "sixty".into(), ..SegmentDraft::default() };
        assert_eq!(d.filter(), Err(DraftError { field: "bought_days_min" }));
        let d = SegmentDraft { orders_min: "-1".into(), ..SegmentDraft::default() };
        assert_eq!(d.filter(), Err(DraftError { field: "orders_min" }));
        assert!(SegmentDraft::from_filter("x", &json!({ "or": [{ "stars": { "min": 5 } }] })).is_none());
        assert!(SegmentDraft::from_filter("x", &json!({ "stars": { "min": 5 }, "or": null })).is_some());
    }
}
