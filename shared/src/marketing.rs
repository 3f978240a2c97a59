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
