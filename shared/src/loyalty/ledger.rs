//! The ledger's arithmetic: which lots a redemption burns (the soonest to expire first), what a
//! refund takes back (in proportion to what was refunded, from the purchase's own lot first, and
//! as a visible debt when the points were already spent), how a new lot repays debt, and what
//! has expired. The server plans every movement with these functions and writes the plan as it
//! is; [`Model`] is the reference the property tests (here, and the server's on both databases)
//! hold the ledger to.
//!
//! Times are milliseconds since the epoch, so the SPA and the server read them alike.

use serde::{Deserialize, Serialize};

use crate::stored_enum;

stored_enum! {
    /// Where a lot of points came from.
    pub enum LotSource {
        /// Earned by a purchase (the lot keeps the earn snapshot).
        Purchase => "purchase",
        /// Given by hand, with a reason.
        Adjustment => "adjustment",
        /// A welcome reward for a new member.
        Welcome => "welcome",
        /// A referral reward, on either side.
        Referral => "referral",
        /// A birthday reward.
        Birthday => "birthday",
        /// A campaign's bonus points.
        Campaign => "campaign",
    }
}

stored_enum! {
    /// One movement in the ledger.
    pub enum EntryKind {
        /// A lot credited (the lot row itself is the credit: no entry is written for it).
        Earn => "earn",
        /// Part of a new lot went to pay off debt.
        Repay => "repay",
        /// Spent on a reward or at the till.
        Redeem => "redeem",
        /// Taken back by a refund of the purchase that earned them.
        Reverse => "reverse",
        /// A refund took back more than the member still had: the rest is owed.
        Debt => "debt",
        /// Expired unspent.
        Expire => "expire",
        /// Taken away by hand, with a reason (a gift by hand is an `Earn` of an adjustment lot).
        Adjust => "adjust",
    }
}

stored_enum! {
    /// What happened to a member's points, as their history lists it.
    pub enum OperationKind {
        /// A purchase earned points.
        Earn => "earn",
        /// A refund took back what its purchase earned.
        Reverse => "reverse",
        /// Points spent.
        Redeem => "redeem",
        /// Points expired unspent.
        Expire => "expire",
        /// Points given or taken away by hand, with a reason.
        Adjust => "adjust",
        /// Points a programme gave: a birthday, a welcome, a referral.
        Gift => "gift",
    }
}

/// A lot as the planner sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LotState<L> {
    pub id: L,
    /// Points still in the lot.
    pub remaining: i64,
    /// When its points can be spent (the end of the pending period).
    pub available_at: i64,
    /// When what is left expires; `None` never.
    pub expires_at: Option<i64>,
}

impl<L> LotState<L> {
    /// Whether the lot has expired at `now` (its points are gone, whether or not the expiry pass
    /// has written that yet).
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// Whether its points can be spent at `now`.
    pub fn spendable(&self, now: i64) -> bool {
        self.remaining > 0 && self.available_at <= now && !self.expired(now)
    }

    /// Whether it holds points still in their pending period at `now`.
    pub fn pending(&self, now: i64) -> bool {
        self.remaining > 0 && self.available_at > now && !self.expired(now)
    }
}

/// Points taken from one lot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Take<L> {
    pub lot: L,
    pub points: i64,
}

/// Lots in the order they are spent: the soonest to expire first, the never-expiring last, and
/// among equals the first to become spendable, then the order given (the server gives them by
/// id, which is time-ordered).
fn fifo<L>(lots: &[LotState<L>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lots.len()).collect();
    order.sort_by_key(|&i| (lots[i].expires_at.is_none(), lots[i].expires_at, lots[i].available_at, i));
    order
}

/// Points that can be spent at `now`.
pub fn spendable<L>(lots: &[LotState<L>], now: i64) -> i64 {
    lots.iter().filter(|l| l.spendable(now)).map(|l| l.remaining).sum()
}

/// Points still in their pending period at `now`.
pub fn pending<L>(lots: &[LotState<L>], now: i64) -> i64 {
    lots.iter().filter(|l| l.pending(now)).map(|l| l.remaining).sum()
}

/// Plans spending `points` at `now`, soonest-expiring lots first. `None` when fewer can be
/// spent (nothing is taken then).
pub fn redeem<L: Copy>(lots: &[LotState<L>], points: i64, now: i64) -> Option<Vec<Take<L>>> {
    if points <= 0 || spendable(lots, now) < points {
        return None;
    }
    let mut left = points;
    let mut takes = Vec::new();
    for i in fifo(lots) {
        let lot = &lots[i];
        if left == 0 {
            break;
        }
        if lot.spendable(now) {
            let take = lot.remaining.min(left);
            takes.push(Take { lot: lot.id, points: take });
            left -= take;
        }
    }
    Some(takes)
}

/// Plans taking back `points` for a refund at `now`: from the purchase's own lot (`own`) first,
/// then from spendable lots, then from pending ones (each soonest-expiring first); whatever no
/// lot holds any more becomes debt (the second value), which later points repay.
pub fn take_back<L: Copy + PartialEq>(
    lots: &[LotState<L>],
    own: Option<L>,
    points: i64,
    now: i64,
) -> (Vec<Take<L>>, i64) {
    let mut left = points.max(0);
    let mut takes: Vec<Take<L>> = Vec::new();
    let order = fifo(lots);
    let own_first = order.iter().filter(|&&i| Some(lots[i].id) == own);
    let spendable = order.iter().filter(|&&i| Some(lots[i].id) != own && lots[i].spendable(now));
    let pending = order.iter().filter(|&&i| Some(lots[i].id) != own && lots[i].pending(now));
    for &i in own_first.chain(spendable).chain(pending) {
        let lot = &lots[i];
        if left == 0 {
            break;
        }
        if lot.remaining > 0 && !lot.expired(now) {
            let take = lot.remaining.min(left);
            takes.push(Take { lot: lot.id, points: take });
            left -= take;
        }
    }
    (takes, left)
}

/// The points a refund takes back from a purchase that earned `earned` on `amount`, when the
/// refunds so far grow from `refunded_before` to `refunded_after`: each refund takes its share,
/// rounded so that all of them together take back exactly what was earned.
pub fn reversal(earned: i64, amount: i64, refunded_before: i64, refunded_after: i64) -> i64 {
    if amount <= 0 || earned <= 0 {
        return 0;
    }
    let share = |refunded: i64| {
        let refunded = i128::from(refunded.clamp(0, amount));
        i64::try_from(i128::from(earned) * refunded / i128::from(amount)).unwrap_or(earned)
    };
    (share(refunded_after) - share(refunded_before)).max(0)
}

/// Of a new lot of `points`, the part that pays off `debt`.
pub fn repayment(points: i64, debt: i64) -> i64 {
    points.min(debt).max(0)
}

/// What has expired at `now` and still holds points.
pub fn expired<L: Copy>(lots: &[LotState<L>], now: i64) -> Vec<Take<L>> {
    lots.iter()
        .filter(|l| l.remaining > 0 && l.expired(now))
        .map(|l| Take { lot: l.id, points: l.remaining })
        .collect()
}

/// A lot in the reference model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelLot {
    pub state: LotState<usize>,
    /// What it was credited with.
    pub points: i64,
}

/// One journal line of the reference model: the change to the lots' points and to the debt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelEntry {
    pub kind: EntryKind,
    pub lot: Option<usize>,
    pub points: i64,
    pub debt: i64,
}

/// The reference ledger: one member's lots, debt and journal, changed only through the planning
/// functions above, the way the server changes its tables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Model {
    pub lots: Vec<ModelLot>,
    pub debt: i64,
    pub journal: Vec<ModelEntry>,
}

impl Model {
    fn states(&self) -> Vec<LotState<usize>> {
        self.lots.iter().map(|l| l.state).collect()
    }

    fn take(&mut self, kind: EntryKind, takes: &[Take<usize>]) {
        for t in takes {
            self.lots[t.lot].state.remaining -= t.points;
            self.journal.push(ModelEntry { kind, lot: Some(t.lot), points: -t.points, debt: 0 });
        }
    }

    /// Credits a lot (a purchase, a gift by hand); it repays debt first. Returns its index.
    pub fn credit(&mut self, points: i64, available_at: i64, expires_at: Option<i64>) -> usize {
        let id = self.lots.len();
        let points = points.max(0);
        self.lots
            .push(ModelLot { state: LotState { id, remaining: points, available_at, expires_at }, points });
        // The lot is the credit; entries record only what leaves it, as the server writes them.
        let repay = repayment(points, self.debt);
        if repay > 0 {
            self.lots[id].state.remaining -= repay;
            self.debt -= repay;
            self.journal.push(ModelEntry {
                kind: EntryKind::Repay,
                lot: Some(id),
                points: -repay,
                debt: -repay,
            });
        }
        id
    }

    /// Spends `points` (a redemption, or a deduction by hand); false (nothing changes) when
    /// fewer can be spent.
    pub fn spend(&mut self, kind: EntryKind, points: i64, now: i64) -> bool {
        match redeem(&self.states(), points, now) {
            Some(takes) => {
                self.take(kind, &takes);
                true
            }
            None => false,
        }
    }

    /// Takes back `points` for a refund of the purchase that credited lot `own`.
    pub fn take_back(&mut self, own: usize, points: i64, now: i64) {
        let (takes, debt) = take_back(&self.states(), Some(own), points, now);
        self.take(EntryKind::Reverse, &takes);
        if debt > 0 {
            self.debt += debt;
            self.journal.push(ModelEntry { kind: EntryKind::Debt, lot: None, points: 0, debt });
        }
    }

    /// Writes off what has expired at `now`.
    pub fn expire(&mut self, now: i64) {
        let takes = expired(&self.states(), now);
        self.take(EntryKind::Expire, &takes);
    }

    /// The points in all lots (spendable, pending, and expired but not yet written off).
    pub fn held(&self) -> i64 {
        self.lots.iter().map(|l| l.state.remaining).sum()
    }

    /// The balance a member sees: what the lots hold, less what they owe.
    pub fn balance(&self) -> i64 {
        self.held() - self.debt
    }

    /// The ledger's invariants at `now`: no lot below zero or above what it was credited, debt
    /// never negative, debt only while no live lot holds points, every lot's movements adding
    /// up to what it holds, and the journal adding up to the balance.
    ///
    /// # Errors
    /// The first invariant that does not hold, in words.
    pub fn check(&self, now: i64) -> Result<(), String> {
        if self.debt < 0 {
            return Err(format!("debt {} is negative", self.debt));
        }
        for lot in &self.lots {
            let s = lot.state;
            if s.remaining < 0 || s.remaining > lot.points {
                return Err(format!("lot {} holds {} of {}", s.id, s.remaining, lot.points));
            }
            let moved: i64 = self.journal.iter().filter(|e| e.lot == Some(s.id)).map(|e| e.points).sum();
            if lot.points + moved != s.remaining {
                return Err(format!(
                    "lot {}: {} credited, {moved} moved, it holds {}",
                    s.id, lot.points, s.remaining
                ));
            }
        }
        if self.debt > 0 && self.lots.iter().any(|l| l.state.remaining > 0 && !l.state.expired(now)) {
            return Err(format!("owes {} while a live lot holds points", self.debt));
        }
        let credited: i64 = self.lots.iter().map(|l| l.points).sum();
        let points: i64 = credited + self.journal.iter().map(|e| e.points).sum::<i64>();
        let debt: i64 = self.journal.iter().map(|e| e.debt).sum();
        if points - debt != self.balance() || debt != self.debt {
            return Err(format!(
                "the journal adds up to {}, the balance is {}",
                points - debt,
                self.balance()
            ));
        }
        if self.balance() < -self.debt {
            return Err("the balance is below minus the debt".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const DAY: i64 = 86_400_000;

    fn lot(id: usize, remaining: i64, available_at: i64, expires_at: Option<i64>) -> LotState<usize> {
        LotState { id, remaining, available_at, expires_at }
    }

    #[test]
    fn redemption_burns_the_soonest_to_expire_first_and_skips_pending_points() {
        let lots = [
            lot(0, 100, 0, None),
            lot(1, 50, 0, Some(30 * DAY)),
            lot(2, 70, 0, Some(10 * DAY)),
            lot(3, 500, 5 * DAY, Some(5 * DAY + 1)),
        ];
        let takes = redeem(&lots, 150, DAY).expect("220 spendable");
        assert_eq!(
            takes,
            [Take { lot: 2, points: 70 }, Take { lot: 1, points: 50 }, Take { lot: 0, points: 30 }]
        );
        assert_eq!(redeem(&lots, 221, DAY), None, "the pending 500 cannot be spent");
        assert_eq!(spendable(&lots, DAY), 220);
        assert_eq!(pending(&lots, DAY), 500);
        assert_eq!(redeem(&lots, 0, DAY), None);
    }

    #[test]
    fn expired_points_are_neither_spendable_nor_taken_back() {
        let lots = [lot(0, 100, 0, Some(DAY)), lot(1, 10, 0, None)];
        assert_eq!(spendable(&lots, DAY), 10);
        assert_eq!(expired(&lots, DAY), [Take { lot: 0, points: 100 }]);
        assert_eq!(take_back(&lots, Some(0), 30, DAY), (vec![Take { lot: 1, points: 10 }], 20));
    }

    #[test]
    fn a_refund_takes_its_share_and_all_refunds_take_exactly_what_was_earned() {
        // 333 points on 100.00, refunded in three parts of 33.33, 33.33 and 33.34.
        let parts = [0, 3_333, 6_666, 10_000];
        let back: Vec<i64> = parts.windows(2).map(|w| reversal(333, 10_000, w[0], w[1])).collect();
        assert_eq!(back, [110, 111, 112]);
        assert_eq!(back.iter().sum::<i64>(), 333);
        assert_eq!(reversal(333, 10_000, 0, 20_000), 333, "never more than earned");
        assert_eq!(reversal(0, 10_000, 0, 5_000), 0);
    }

    #[test]
    fn a_refund_of_spent_points_becomes_debt_that_the_next_lot_repays() {
        let mut m = Model::default();
        let own = m.credit(100, 0, None);
        assert!(m.spend(EntryKind::Redeem, 80, 0));
        m.take_back(own, 100, DAY);
        assert_eq!((m.held(), m.debt, m.balance()), (0, 80, -80));
        m.check(DAY).expect("consistent");
        let next = m.credit(50, DAY, None);
        assert_eq!((m.lots[next].state.remaining, m.debt), (0, 30));
        m.credit(50, DAY, None);
        assert_eq!((m.held(), m.debt, m.balance()), (20, 0, 20));
        m.check(DAY).expect("consistent");
    }

    #[derive(Clone, Debug)]
    enum Op {
        Earn { points: i64, pending_days: i64, expires_in: Option<i64> },
        Redeem(i64),
        Refund { lot: usize, share_pct: i64 },
        Expire,
        Adjust(i64),
        Wait(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..1_000i64, 0..10i64, proptest::option::of(1..60i64))
                .prop_map(|(points, pending_days, expires_in)| Op::Earn { points, pending_days, expires_in }),
            (1..800i64).prop_map(Op::Redeem),
            (0..40usize, 1..=100i64).prop_map(|(lot, share_pct)| Op::Refund { lot, share_pct }),
            Just(Op::Expire),
            (-500..500i64).prop_map(Op::Adjust),
            (0..20i64).prop_map(Op::Wait),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn random_sequences_keep_every_invariant(ops in proptest::collection::vec(op(), 1..80)) {
            let mut m = Model::default();
            let mut now = 0;
            // Per purchase lot: what it earned and how much of its 100.00 was refunded.
            let mut purchases: Vec<(usize, i64, i64)> = Vec::new();
            for op in ops {
                match op {
                    Op::Earn { points, pending_days, expires_in } => {
                        let lot = m.credit(points, now + pending_days * DAY, expires_in.map(|d| now + d * DAY));
                        purchases.push((lot, points, 0));
                    }
                    Op::Redeem(points) => {
                        let before = m.clone();
                        let could = spendable(&m.states(), now) >= points;
                        prop_assert_eq!(m.spend(EntryKind::Redeem, points, now), could);
                        if !could {
                            prop_assert_eq!(&m, &before, "a refused redemption changes nothing");
                        }
                    }
                    Op::Refund { lot, share_pct } => {
                        if let Some(p) = purchases.get_mut(lot) {
                            let after = (p.2 + share_pct * 100).min(10_000);
                            let back = reversal(p.1, 10_000, p.2, after);
                            let balance = m.balance();
                            m.take_back(p.0, back, now);
                            prop_assert_eq!(m.balance(), balance - back, "a refund takes back exactly its share");
                            p.2 = after;
                        }
                    }
                    Op::Expire => m.expire(now),
                    Op::Adjust(delta) if delta >= 0 => {
                        m.credit(delta, now, None);
                    }
                    Op::Adjust(delta) => {
                        m.spend(EntryKind::Adjust, -delta, now);
                    }
                    Op::Wait(days) => now += days * DAY,
                }
                if let Err(why) = m.check(now) {
                    return Err(TestCaseError::fail(why));
                }
            }
            // Refunding every purchase in full takes back all that purchases earned.
            let earned: i64 = purchases.iter().map(|p| p.1).sum();
            let refunded_before: i64 = purchases.iter().map(|p| reversal(p.1, 10_000, 0, p.2)).sum();
            let balance = m.balance();
            for p in &purchases {
                let back = reversal(p.1, 10_000, p.2, 10_000);
                m.take_back(p.0, back, now);
            }
            prop_assert_eq!(m.balance(), balance - (earned - refunded_before));
            if let Err(why) = m.check(now) {
                return Err(TestCaseError::fail(why));
            }
        }
    }
}
