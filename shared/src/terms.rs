//! Which words set one group of comments apart from another (detractors from promoters): the
//! weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and Quinn,
//! "Fightin' Words", Political Analysis 2008). Unlike raw frequencies it does not crown the most
//! common words, and unlike a plain log-odds ratio it does not crown words seen once; every score
//! comes with its z, so "distinguishing" means more than noise.
//!
//! Pure arithmetic on term counts: segmenting the texts (Chinese words, English stems) happens
//! before, on the server.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Term counts of one group of texts.
pub type Counts = BTreeMap<String, u64>;

/// How strongly the prior (the whole corpus's word shares) pulls every group toward the
/// corpus, in pseudo-words. Larger: only well-attested differences stand out.
pub const DEFAULT_PRIOR_WORDS: f64 = 500.0;

/// |z| at least this: the difference is unlikely to be chance (two-sided 95%).
pub const SIGNIFICANT_Z: f64 = 1.96;

/// A term and how much more (z > 0) or less (z < 0) group `a` uses it than group `b`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TermScore {
    pub term: String,
    /// The log-odds ratio of the term in `a` against `b`, with the prior.
    pub delta: f64,
    /// `delta` over its standard deviation.
    pub z: f64,
    pub count_a: u64,
    pub count_b: u64,
}

impl TermScore {
    pub fn is_significant(&self) -> bool {
        self.z.abs() >= SIGNIFICANT_Z
    }
}

/// Scores every term used at least `min_count` times in `a` and `b` together, `background`
/// (usually every group's counts added, passives included) giving the prior, strongest for `a`
/// first and strongest for `b` last.
#[allow(clippy::cast_precision_loss, reason = "word counts far below 2^52")]
pub fn distinguishing(
    a: &Counts,
    b: &Counts,
    background: &Counts,
    prior_words: f64,
    min_count: u64,
) -> Vec<TermScore> {
    let total = |c: &Counts| c.values().sum::<u64>() as f64;
    let (n_a, n_b, n_bg) = (total(a), total(b), total(background));
    if n_bg <= 0.0 || prior_words <= 0.0 {
        return Vec::new();
    }
    let alpha_0 = prior_words;
    let mut scores: Vec<TermScore> = background
        .iter()
        .filter_map(|(term, &in_bg)| {
            let (y_a, y_b) = (a.get(term).copied().unwrap_or(0), b.get(term).copied().unwrap_or(0));
            if y_a + y_b < min_count.max(1) || in_bg == 0 {
                return None;
            }
            let alpha = alpha_0 * in_bg as f64 / n_bg;
            let (ya, yb) = (y_a as f64 + alpha, y_b as f64 + alpha);
            // The rest of each group (other words, and the prior's other words): nothing when
            // this term is all there is, and then it sets nothing apart.
            let (rest_a, rest_b) = (n_a + alpha_0 - ya, n_b + alpha_0 - yb);
            if rest_a <= 0.0 || rest_b <= 0.0 {
                return None;
            }
            let delta = (ya / rest_a).ln() - (yb / rest_b).ln();
            let variance = 1.0 / ya + 1.0 / yb;
            Some(TermScore {
                term: term.clone(),
                delta,
                z: delta / variance.sqrt(),
                count_a: y_a,
                count_b: y_b,
            })
        })
        .collect();
    scores.sort_by(|x, y| y.z.total_cmp(&x.z).then_with(|| x.term.cmp(&y.term)));
    scores
}

/// Adds `more` into `into`.
pub fn add(into: &mut Counts, more: &Counts) {
    for (term, n) in more {
        *into.entry(term.clone()).or_insert(0) += n;
    }
}

/// Counts the terms of already segmented texts.
pub fn count<'a>(terms: impl IntoIterator<Item = &'a str>) -> Counts {
    let mut counts = Counts::new();
    for term in terms {
        *counts.entry(term.to_owned()).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn corpus(texts: &[&str]) -> Counts {
        count(texts.iter().flat_map(|t| t.split_whitespace()))
    }

    #[test]
    fn the_words_unhappy_customers_use_stand_out_and_common_words_do_not() {
        // Segmented Chinese comments: detractors write about delivery, promoters about quality;
        // both say 茶 (tea) a lot.
        let detractors = corpus(
            &[
                "茶 快递 太 慢",
                "快递 慢 包装 破损",
                "茶 不错 但是 快递 慢",
                "客服 不 回复 快递",
                "快递 三天 没 到 茶",
                "包装 破损 茶 洒",
                "快递 慢",
            ]
            .repeat(3),
        );
        let promoters = corpus(
            &[
                "茶 好喝 品质 好",
                "品质 稳定 茶 香",
                "茶 好喝",
                "客服 热情 茶 好喝",
                "品质 好 茶 香 回购",
                "茶 香 好喝",
            ]
            .repeat(3),
        );
        let mut all = detractors.clone();
        add(&mut all, &promoters);
        let scores = distinguishing(&detractors, &promoters, &all, 50.0, 2);
        let top = &scores[0];
        assert_eq!(top.term, "快递", "{scores:#?}");
        assert!(top.is_significant(), "{top:?}");
        assert_eq!((top.count_a, top.count_b), (18, 0));
        let bottom = scores.last().expect("terms");
        assert_eq!(bottom.term, "好喝", "promoters' word last: {scores:#?}");
        let tea = scores.iter().find(|s| s.term == "茶").expect("茶");
        assert!(!tea.is_significant(), "a word everyone uses does not distinguish: {tea:?}");
        assert!(scores.iter().all(|s| s.count_a + s.count_b >= 2), "rare words left out");
        // With a third of the comments, 6 to 0 could be chance: no word is called distinguishing.
        let small = corpus(&["快递 慢", "快递 破损"]);
        let few = distinguishing(&small, &corpus(&["茶 好喝"]), &small, 50.0, 1);
        assert!(few.iter().all(|s| !s.is_significant()), "{few:#?}");
    }

    #[test]
    fn english_stems_work_the_same_way() {
        let detractors =
            corpus(&["late deliveri again", "deliveri late box broken", "refund slow", "late late"]);
        let promoters = corpus(&["great tast", "love the tast", "great servic", "tast great fresh"]);
        let mut all = detractors.clone();
        add(&mut all, &promoters);
        let scores = distinguishing(&detractors, &promoters, &all, 20.0, 1);
        assert_eq!(scores[0].term, "late");
        assert!(scores.last().is_some_and(|s| ["great", "tast"].contains(&s.term.as_str())), "{scores:#?}");
    }

    #[test]
    fn nothing_to_compare_gives_nothing() {
        assert!(distinguishing(&Counts::new(), &Counts::new(), &Counts::new(), 100.0, 1).is_empty());
        let one = corpus(&["a b"]);
        assert!(distinguishing(&one, &one, &one, 0.0, 1).is_empty(), "no prior, no scores");
    }

    proptest! {
        #[test]
        fn swapping_the_groups_flips_every_score(
            a in proptest::collection::btree_map("[a-e]", 0_u64..30, 0..5),
            b in proptest::collection::btree_map("[a-e]", 0_u64..30, 0..5),
        ) {
            let mut all = a.clone();
            add(&mut all, &b);
            let forward = distinguishing(&a, &b, &all, 100.0, 1);
            let backward = distinguishing(&b, &a, &all, 100.0, 1);
            prop_assert_eq!(forward.len(), backward.len());
            for f in &forward {
                let back = backward.iter().find(|x| x.term == f.term);
                prop_assert!(back.is_some_and(|x| (x.z + f.z).abs() < 1e-9 && x.count_a == f.count_b));
                prop_assert!(f.z.is_finite());
            }
        }
    }
}
