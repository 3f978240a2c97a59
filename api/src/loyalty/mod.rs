//! Loyalty (issue 20): the points ledger. Purchases earn points by the workspace's earn rule
//! times the customer's star-level multiplier, refunds take back exactly what their purchase
//! earned, members spend the soonest-expiring points first, and what a refund takes back after
//! the points were spent is kept as a debt the next points repay. The arithmetic is planned in
//! `shared::loyalty`; this module reads the lots, writes the plan, and keeps the caches (what a
//! lot has left, what a member holds and owes) in step with the append-only journal.

pub mod birthdays;
pub mod expiry;
pub mod graphql;
pub mod ledger;
pub mod member_graphql;
pub mod members;
pub mod referrals;
pub mod rewards;
pub mod rewards_graphql;
pub mod rules;
pub mod views;
pub mod warnings;
