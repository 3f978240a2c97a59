//! Loyalty points the server and the SPA agree on: how a purchase earns points (the earn rule and
//! the star level's multiplier), when they expire, and the ledger's arithmetic (which lots a
//! redemption burns, what a refund takes back, how debt is repaid).
//!
//! Points are money-like: every figure is an integer, every movement is planned here by a pure
//! function and written by the server exactly as planned, and the property tests in
//! [`ledger`] run random sequences of earn / redeem / refund / expire / adjust against the
//! invariants the server's own tests check on both databases.

#[cfg(feature = "calendar")]
pub mod birthday;
pub mod earn;
#[cfg(feature = "calendar")]
pub mod expiry;
pub mod ledger;
pub mod rewards;
pub mod warning;

pub use earn::{CategoryBonus, EarnRule, Earned, ExpiryKind, ExpiryRule, Line};
pub use ledger::{EntryKind, LotSource, LotState, OperationKind};
pub use rewards::{Redeemable, RewardCodes, RewardKind, RewardSpec, VoucherStatus};
