//! Recommendations (issue 22): item-to-item co-purchase associations, the products a customer is
//! likely to want next with the reason, and the offline check that says whether they beat plain
//! popularity.
//!
//! A basket is one purchase's distinct products. For products `a` and `b` over `N` baskets:
//! support(a, b) = baskets with both / N, confidence(a -> b) = baskets with both / baskets with
//! `a`, lift(a -> b) = confidence(a -> b) / (baskets with `b` / N). An association counts when at
//! least [`MIN_PAIR_BASKETS`] baskets hold both and its lift is above 1 (bought together more
//! often than chance); each product keeps its [`PER_PRODUCT`] strongest.
//!
//! A customer's candidates are the products associated with anything they bought, scored by the
//! best confidence, each with the product it is "often bought with"; the list is filled up by
//! popularity. Products they bought recently are left out: the list is what to offer next, not
//! what they have at home. Products are whatever key the caller uses (the API: SKU, else name);
//! ties go to the smaller key, so every caller gets the same order.

#![allow(
    clippy::cast_precision_loss,
    reason = "basket counts are far below 2^52; metrics are ratios of them"
)]
#![allow(clippy::implicit_hasher, reason = "the sets are built here and by the API with the default hasher")]

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use serde::{Deserialize, Serialize};

/// Fewest baskets holding both products for an association to count.
pub const MIN_PAIR_BASKETS: u64 = 3;
/// Associations kept per product: the strongest by confidence.
pub const PER_PRODUCT: usize = 20;
/// Products bought this many days before are "recent" and not recommended.
pub const RECENT_DAYS: i64 = 90;
/// Recommendations per customer.
pub const TOP: usize = 10;

/// Baskets counted: how many hold each product and each pair of products.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counts<P: Ord + Hash + Clone> {
    pub baskets: u64,
    /// Product -> baskets holding it.
    pub products: HashMap<P, u64>,
    /// `(a, b)` with `a < b` -> baskets holding both.
    pub pairs: HashMap<(P, P), u64>,
}

impl<P: Ord + Hash + Clone> Default for Counts<P> {
    fn default() -> Self {
        Self { baskets: 0, products: HashMap::new(), pairs: HashMap::new() }
    }
}

/// A basket's distinct products, in order.
fn distinct<P: Ord + Clone>(products: &[P]) -> Vec<P> {
    let mut distinct = products.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    distinct
}

impl<P: Ord + Hash + Clone> Counts<P> {
    /// Counts one basket (its products in any order, repeats counted once).
    pub fn add_basket(&mut self, products: &[P]) {
        let distinct = distinct(products);
        if distinct.is_empty() {
            return;
        }
        self.baskets += 1;
        for (i, a) in distinct.iter().enumerate() {
            *self.products.entry(a.clone()).or_default() += 1;
            for b in &distinct[i + 1..] {
                *self.pairs.entry((a.clone(), b.clone())).or_default() += 1;
            }
        }
    }

    /// Takes a counted basket out again (a held-out purchase). Pairs not in the counts (the
    /// caller counted only pairs that can count) stay out.
    pub fn remove_basket(&mut self, products: &[P]) {
        let distinct = distinct(products);
        if distinct.is_empty() {
            return;
        }
        self.baskets = self.baskets.saturating_sub(1);
        for (i, a) in distinct.iter().enumerate() {
            if let Some(n) = self.products.get_mut(a) {
                *n = n.saturating_sub(1);
            }
            for b in &distinct[i + 1..] {
                if let Some(n) = self.pairs.get_mut(&(a.clone(), b.clone())) {
                    *n = n.saturating_sub(1);
                }
            }
        }
    }
}

/// "Customers who bought `from` also bought `to`".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Association<P> {
    pub from: P,
    pub to: P,
    /// Baskets holding both.
    pub baskets: u64,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
}

/// The metrics of `from -> to` from the counts: all baskets, baskets with `from`, with `to`, and
/// with both. `None` when a count is zero.
pub fn association<P>(total: u64, from: (P, u64), to: (P, u64), both: u64) -> Option<Association<P>> {
    if total == 0 || from.1 == 0 || to.1 == 0 {
        return None;
    }
    let support = both as f64 / total as f64;
    let confidence = both as f64 / from.1 as f64;
    let lift = confidence / (to.1 as f64 / total as f64);
    Some(Association { from: from.0, to: to.0, baskets: both, support, confidence, lift })
}

/// Strongest first: confidence, then lift, then the product (a stable order).
fn stronger<P: Ord>(a: &Association<P>, b: &Association<P>) -> Ordering {
    b.confidence.total_cmp(&a.confidence).then(b.lift.total_cmp(&a.lift)).then_with(|| a.to.cmp(&b.to))
}

/// Keeps the associations that count (at least `min_pair` baskets, lift above 1), the
/// `per_product` strongest of each product, ordered by product then strength.
pub fn keep<P: Ord + Clone>(
    mut all: Vec<Association<P>>,
    min_pair: u64,
    per_product: usize,
) -> Vec<Association<P>> {
    all.retain(|a| a.baskets >= min_pair && a.lift > 1.0);
    all.sort_by(|a, b| a.from.cmp(&b.from).then_with(|| stronger(a, b)));
    let mut kept = Vec::with_capacity(all.len());
    let mut run: Option<(P, usize)> = None;
    for a in all {
        let n = match &mut run {
            Some((from, n)) if *from == a.from => {
                *n += 1;
                *n
            }
            _ => {
                run = Some((a.from.clone(), 1));
                1
            }
        };
        if n <= per_product {
            kept.push(a);
        }
    }
    kept
}

/// Every association of the counts in both directions, as [`keep`] leaves them.
pub fn associations<P: Ord + Hash + Clone>(
    counts: &Counts<P>,
    min_pair: u64,
    per_product: usize,
) -> Vec<Association<P>> {
    let mut all = Vec::with_capacity(counts.pairs.len() * 2);
    for ((a, b), &both) in &counts.pairs {
        let (Some(&na), Some(&nb)) = (counts.products.get(a), counts.products.get(b)) else { continue };
        all.extend(association(counts.baskets, (a.clone(), na), (b.clone(), nb), both));
        all.extend(association(counts.baskets, (b.clone(), nb), (a.clone(), na), both));
    }
    keep(all, min_pair, per_product)
}

/// Why a product is recommended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason<P> {
    /// Often bought with this product, which the customer bought.
    OftenBoughtWith(P),
    /// Among the workspace's best sellers (nothing they bought points elsewhere).
    Popular,
}

/// One recommended product.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation<P> {
    pub product: P,
    /// The association's confidence, or the product's share of baskets when popular.
    pub score: f64,
    pub reason: Reason<P>,
}

/// The associations by product, and the products by popularity: what [`recommend`] reads.
#[derive(Clone, Debug)]
pub struct Index<P: Ord + Hash + Clone> {
    by_from: HashMap<P, Vec<Association<P>>>,
    /// Most bought first: (product, baskets).
    popular: Vec<(P, u64)>,
    baskets: u64,
}

impl<P: Ord + Hash + Clone> Index<P> {
    /// From kept associations, products with their basket counts (at least the best sellers a
    /// list may need), and the number of baskets.
    pub fn new(
        associations: impl IntoIterator<Item = Association<P>>,
        products: impl IntoIterator<Item = (P, u64)>,
        baskets: u64,
    ) -> Self {
        let mut by_from: HashMap<P, Vec<Association<P>>> = HashMap::new();
        for a in associations {
            by_from.entry(a.from.clone()).or_default().push(a);
        }
        let mut popular: Vec<(P, u64)> = products.into_iter().collect();
        popular.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Self { by_from, popular, baskets }
    }

    /// From the counts, with the default thresholds.
    pub fn of(counts: &Counts<P>) -> Self {
        Self::new(
            associations(counts, MIN_PAIR_BASKETS, PER_PRODUCT),
            counts.products.iter().map(|(p, n)| (p.clone(), *n)),
            counts.baskets,
        )
    }

    /// The `k` best sellers not in `recent` (the baseline).
    pub fn popular(&self, recent: &HashSet<P>, k: usize) -> Vec<P> {
        self.popular.iter().map(|(p, _)| p).filter(|p| !recent.contains(*p)).take(k).cloned().collect()
    }
}

/// The top `k` products for a customer who bought `bought` (any time, repeats allowed), leaving
/// out `recent`: associated products first (best confidence, the product it came from as the
/// reason), then best sellers.
pub fn recommend<P: Ord + Hash + Clone>(
    index: &Index<P>,
    bought: &[P],
    recent: &HashSet<P>,
    k: usize,
) -> Vec<Recommendation<P>> {
    let mut best: HashMap<P, Recommendation<P>> = HashMap::new();
    for p in distinct(bought) {
        for a in index.by_from.get(&p).map_or(&[][..], Vec::as_slice) {
            if recent.contains(&a.to) {
                continue;
            }
            match best.get_mut(&a.to) {
                // `bought` runs in ascending order: on a tie the smaller product stays.
                Some(r) if a.confidence <= r.score => {}
                Some(r) => {
                    r.score = a.confidence;
                    r.reason = Reason::OftenBoughtWith(a.from.clone());
                }
                None => {
                    best.insert(
                        a.to.clone(),
                        Recommendation {
                            product: a.to.clone(),
                            score: a.confidence,
                            reason: Reason::OftenBoughtWith(a.from.clone()),
                        },
                    );
                }
            }
        }
    }
    let mut list: Vec<Recommendation<P>> = best.into_values().collect();
    list.sort_unstable_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.product.cmp(&b.product)));
    list.truncate(k);
    if list.len() < k {
        let chosen: HashSet<P> = list.iter().map(|r| r.product.clone()).collect();
        let total = index.baskets.max(1) as f64;
        for (p, n) in &index.popular {
            if list.len() >= k {
                break;
            }
            if !recent.contains(p) && !chosen.contains(p) {
                list.push(Recommendation {
                    product: p.clone(),
                    score: *n as f64 / total,
                    reason: Reason::Popular,
                });
            }
        }
    }
    list
}

/// One purchase of a customer: its day number and products.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Basket<P> {
    pub day: i64,
    pub products: Vec<P>,
}

/// How the recommendations did against popularity with each customer's last purchase held out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject), graphql(complex))]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// Customers with a purchase held out (two purchases or more).
    pub customers: u64,
    /// Of them, those whose held-out purchase holds one of their top `k`.
    pub hits: u64,
    /// The same for the `k` best sellers (the baseline).
    pub popular_hits: u64,
    /// Customers only the recommendations hit, and only the best sellers hit (what McNemar's
    /// test compares).
    #[serde(default)]
    pub only_ours: u64,
    #[serde(default)]
    pub only_popular: u64,
    pub k: u32,
}

impl Evaluation {
    pub fn hit_rate(&self) -> f64 {
        if self.customers == 0 { 0.0 } else { self.hits as f64 / self.customers as f64 }
    }

    pub fn popular_hit_rate(&self) -> f64 {
        if self.customers == 0 { 0.0 } else { self.popular_hits as f64 / self.customers as f64 }
    }

    /// Two-sided p-value of McNemar's test (with the continuity correction) that the two hit
    /// rates are equal on these customers; 1 when no customer tells them apart.
    pub fn p_value(&self) -> f64 {
        let (b, c) = (self.only_ours as f64, self.only_popular as f64);
        if b + c == 0.0 {
            return 1.0;
        }
        let z = ((b - c).abs() - 1.0).max(0.0) / (b + c).sqrt();
        (2.0 * crate::campaigns::normal_tail(z)).min(1.0)
    }

    /// Whether the recommendations hit significantly more often than the best sellers (5%).
    pub fn better(&self) -> bool {
        self.only_ours > self.only_popular && self.p_value() < 0.05
    }

    /// Whether they hit significantly less often.
    pub fn worse(&self) -> bool {
        self.only_popular > self.only_ours && self.p_value() < 0.05
    }
}

/// The rates and the test, worked out from the counts whenever they are read.
#[cfg(feature = "graphql")]
#[async_graphql::ComplexObject]
impl Evaluation {
    /// Share of the customers whose held-out purchase held one of their top `k`.
    #[graphql(name = "hitRate")]
    async fn graphql_hit_rate(&self) -> f64 {
        self.hit_rate()
    }

    /// The same for the `k` best sellers.
    #[graphql(name = "popularHitRate")]
    async fn graphql_popular_hit_rate(&self) -> f64 {
        self.popular_hit_rate()
    }

    /// McNemar's test of the two on the same customers.
    #[graphql(name = "pValue")]
    async fn graphql_p_value(&self) -> f64 {
        self.p_value()
    }

    /// Significantly better than the best sellers at 5%.
    #[graphql(name = "better")]
    async fn graphql_better(&self) -> bool {
        self.better()
    }

    /// Significantly worse.
    #[graphql(name = "worse")]
    async fn graphql_worse(&self) -> bool {
        self.worse()
    }
}

/// Products of `history` bought within [`RECENT_DAYS`] before `day`.
pub fn recent<P: Ord + Hash + Clone>(history: &[Basket<P>], day: i64) -> HashSet<P> {
    history
        .iter()
        .filter(|b| b.day <= day && day - b.day < RECENT_DAYS)
        .flat_map(|b| b.products.iter().cloned())
        .collect()
}

/// Scores each customer's held-out last purchase (customers with two or more) against their top
/// `k` from `index` (recommended from what they bought before it, recent products left out) and
/// against the `k` best sellers with the same products left out. `index` must be learnt without
/// the held-out purchases.
pub fn score_held_out<P: Ord + Hash + Clone>(
    index: &Index<P>,
    customers: &[Vec<Basket<P>>],
    k: usize,
) -> Evaluation {
    let mut e = Evaluation { k: u32::try_from(k).unwrap_or(u32::MAX), ..Evaluation::default() };
    for baskets in customers {
        let Some((last, before)) = baskets.split_last().filter(|(_, before)| !before.is_empty()) else {
            continue;
        };
        let bought: Vec<P> = before.iter().flat_map(|b| b.products.iter().cloned()).collect();
        let recent = recent(before, last.day);
        let wanted: HashSet<&P> = last.products.iter().collect();
        e.customers += 1;
        let ours = recommend(index, &bought, &recent, k).iter().any(|r| wanted.contains(&r.product));
        let popular = index.popular(&recent, k).iter().any(|p| wanted.contains(p));
        e.hits += u64::from(ours);
        e.popular_hits += u64::from(popular);
        e.only_ours += u64::from(ours && !popular);
        e.only_popular += u64::from(popular && !ours);
    }
    e
}

/// The offline check on whole histories: learns the associations from every basket but each
/// customer's last (customers with two or more), then [`score_held_out`]. `customers`: each
/// one's baskets, in order.
pub fn evaluate<P: Ord + Hash + Clone>(customers: &[Vec<Basket<P>>], k: usize) -> Evaluation {
    let mut counts = Counts::default();
    for baskets in customers {
        let training = if baskets.len() >= 2 { &baskets[..baskets.len() - 1] } else { &baskets[..] };
        for b in training {
            counts.add_basket(&b.products);
        }
    }
    score_held_out(&Index::of(&counts), customers, k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(baskets: &[&[u32]]) -> Counts<u32> {
        let mut c = Counts::default();
        for b in baskets {
            c.add_basket(b);
        }
        c
    }

    #[test]
    fn metrics_match_a_hand_computed_example() {
        // 10 baskets: tea (1) in 6, cups (2) in 4, both in 3; kettle (3) in 5.
        let c = counts(&[
            &[1, 2],
            &[1, 2, 3],
            &[1, 2, 2],
            &[1, 3],
            &[1],
            &[1, 3],
            &[2, 3],
            &[3],
            &[4],
            &[],
            &[4, 4],
        ]);
        assert_eq!(c.baskets, 10, "an empty basket is not a basket; repeats count once");
        assert_eq!((c.products[&1], c.products[&2], c.products[&3], c.products[&4]), (6, 4, 5, 2));
        assert_eq!(c.pairs[&(1, 2)], 3);
        let a = association(c.baskets, (1, 6), (2, 4), 3).unwrap();
        assert!((a.support - 0.3).abs() < 1e-12);
        assert!((a.confidence - 0.5).abs() < 1e-12);
        assert!((a.lift - 1.25).abs() < 1e-12, "0.5 / 0.4");
        let back = association(c.baskets, (2, 4), (1, 6), 3).unwrap();
        assert!((back.confidence - 0.75).abs() < 1e-12 && (back.lift - 1.25).abs() < 1e-12);
        // tea -> kettle: 3 of 6 with tea, kettle in half the baskets: lift 1, not kept.
        let all = associations(&c, 3, 20);
        assert!(all.iter().any(|a| (a.from, a.to) == (1, 2)) && all.iter().any(|a| (a.from, a.to) == (2, 1)));
        assert!(!all.iter().any(|a| (a.from, a.to) == (1, 3)), "{all:?}");
        assert!(associations(&c, 4, 20).is_empty(), "3 baskets are fewer than 4");
        assert!(association(0, (1, 0), (2, 0), 0).is_none());
        // A held-out basket taken out again leaves the counts as they were.
        let mut d = c.clone();
        d.add_basket(&[2, 1, 9]);
        assert_eq!((d.baskets, d.pairs[&(1, 2)], d.products[&9]), (11, 4, 1));
        d.remove_basket(&[9, 2, 1, 1]);
        assert_eq!((d.baskets, d.pairs[&(1, 2)], d.products[&1], d.products[&9]), (10, 3, 6, 0));
    }

    #[test]
    fn each_product_keeps_its_strongest_associations() {
        let mut all = Vec::new();
        for to in 2..10_u32 {
            all.push(Association {
                from: 1,
                to,
                baskets: 5,
                support: 0.1,
                confidence: f64::from(to) / 10.0,
                lift: 2.0,
            });
        }
        let kept = keep(all, 3, 3);
        assert_eq!(kept.iter().map(|a| a.to).collect::<Vec<_>>(), [9, 8, 7]);
    }

    #[test]
    fn recommendations_come_from_associations_then_popularity_and_skip_recent_products() {
        // Tea (1) goes with cups (2) and with a kettle (3); 5 (a gift box) sells most.
        let mut baskets: Vec<&[u32]> = Vec::new();
        baskets.extend([&[1_u32, 2][..]; 6]);
        baskets.extend([&[1_u32, 3][..]; 3]);
        baskets.extend([&[5_u32][..]; 12]);
        baskets.extend([&[4_u32][..]; 2]);
        let index = Index::of(&counts(&baskets));
        let none: HashSet<u32> = HashSet::new();
        let list = recommend(&index, &[1, 1], &none, 3);
        assert_eq!(list.iter().map(|r| r.product).collect::<Vec<_>>(), [2, 3, 5], "{list:?}");
        assert_eq!(list[0].reason, Reason::OftenBoughtWith(1));
        assert!((list[0].score - 6.0 / 9.0).abs() < 1e-12);
        assert_eq!(list[2].reason, Reason::Popular);
        // Cups bought recently: not offered again; the list fills from the best sellers.
        let recent: HashSet<u32> = [2].into();
        let list = recommend(&index, &[1, 2], &recent, 3);
        assert_eq!(list.iter().map(|r| r.product).collect::<Vec<_>>(), [1, 3, 5], "{list:?}");
        assert_eq!(list[0].reason, Reason::OftenBoughtWith(2), "every cup buyer bought tea");
        assert_eq!(index.popular(&recent, 2), [5, 1]);
        // Someone who bought nothing gets the best sellers.
        assert!(recommend(&index, &[], &none, 2).iter().all(|r| r.reason == Reason::Popular));
    }

    #[test]
    fn the_offline_check_holds_out_each_customers_last_purchase() {
        // Tea buyers (1) come back for cups (2); gift boxes (5) sell most.
        let mut customers = Vec::new();
        for _ in 0..20 {
            customers.push(vec![
                Basket { day: 0, products: vec![1, 2] },
                Basket { day: 100, products: vec![1] },
                Basket { day: 150, products: vec![2] },
            ]);
        }
        for _ in 0..40 {
            customers.push(vec![
                Basket { day: 0, products: vec![5] },
                Basket { day: 200, products: vec![5] },
                Basket { day: 210, products: vec![5] },
            ]);
        }
        customers.push(vec![Basket { day: 3, products: vec![7] }]);
        let e = evaluate(&customers, 1);
        assert_eq!(e.customers, 60, "one-purchase customers are not held out");
        // Tea buyers bought tea 50 days before (recent, left out): cups are recommended, a hit;
        // the baseline offers gift boxes, a miss. Gift-box buyers bought them 10 days before:
        // both leave them out and miss.
        assert_eq!((e.hits, e.popular_hits, e.only_ours, e.only_popular), (20, 0, 20, 0), "{e:?}");
        assert!((e.hit_rate() - 20.0 / 60.0).abs() < 1e-12);
        // McNemar: 20 against 0 discordant customers, z = 19 / sqrt(20).
        assert!((e.p_value() - 2.0 * crate::campaigns::normal_tail(19.0 / 20_f64.sqrt())).abs() < 1e-15);
        assert!(e.better() && !e.worse());
        let even =
            Evaluation { customers: 50, hits: 30, popular_hits: 29, only_ours: 6, only_popular: 5, k: 10 };
        assert!(!even.better() && !even.worse() && even.p_value() > 0.5, "{}", even.p_value());
        assert!((Evaluation::default().p_value() - 1.0).abs() < f64::EPSILON);
        assert_eq!(recent(&customers[0][..2], 150), HashSet::from([1]));
    }
}
