//! Follow-ups (回访): calling a customer back. How often each star level is called, and the
//! automatic follow-ups after a solved complaint and after a customer loses a star. The server
//! generates them from these rules; the SPA edits and shows them.

use serde::{Deserialize, Serialize};

use crate::stored_enum;
use crate::validate::Invalid;

stored_enum! {
    /// Why a follow-up exists.
    pub enum FollowUpReason {
        /// The customer's star level is called every so many days.
        Cadence => "cadence",
        /// A complaint of theirs was solved: was it really?
        Complaint => "complaint",
        /// They just lost a star: find out why before they go.
        StarDrop => "star_drop",
        /// Someone planned it by hand.
        Manual => "manual",
    }
}

stored_enum! {
    /// Where a follow-up stands.
    pub enum FollowUpStatus {
        Open => "open",
        /// Called, with an outcome on the customer's timeline.
        Done => "done",
        /// No longer needed (the customer was erased or merged, or someone cancelled it).
        Cancelled => "cancelled",
    }
}

/// The longest interval a cadence may set, in days.
pub const MAX_DAYS: u16 = 730;

/// How often customers are called back, by star level, and after what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cadence {
    /// Days between follow-ups for 1 to 5 stars (index 0 is one star); none: not called on a
    /// schedule.
    pub every_days: [Option<u16>; 5],
    /// Days after a complaint is solved that the customer is called; none: not called.
    pub after_complaint_days: Option<u16>,
    /// Days after a customer loses a star that they are called; none: not called.
    pub after_star_drop_days: Option<u16>,
}

impl Default for Cadence {
    /// Five stars every 30 days, four every 60, three every 90, fewer never; three days after a
    /// solved complaint; the day after a star is lost.
    fn default() -> Self {
        Self {
            every_days: [None, None, Some(90), Some(60), Some(30)],
            after_complaint_days: Some(3),
            after_star_drop_days: Some(1),
        }
    }
}

impl Cadence {
    /// Days between scheduled follow-ups for a customer with `stars`.
    pub fn days_for(&self, stars: Option<u8>) -> Option<u16> {
        let stars = stars.filter(|s| (1..=5).contains(s))?;
        self.every_days[usize::from(stars - 1)]
    }

    /// Each interval is 1 to [`MAX_DAYS`] days. Returns the field at fault.
    ///
    /// # Errors
    /// The camelCase path of the first bad value (`everyDays.4` is five stars) and why.
    pub fn validate(&self) -> Result<(), (String, Invalid)> {
        let check = |field: String, days: Option<u16>| match days {
            Some(0) => Err((field, Invalid::TooShort { min: 1 })),
            Some(d) if d > MAX_DAYS => Err((field, Invalid::TooLarge)),
            _ => Ok(()),
        };
        for (i, days) in self.every_days.iter().enumerate() {
            check(format!("everyDays.{i}"), *days)?;
        }
        check("afterComplaintDays".into(), self.after_complaint_days)?;
        check("afterStarDropDays".into(), self.after_star_drop_days)
    }
}

/// A follow-up as the desk's list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpRow {
    pub id: String,
    pub reason: FollowUpReason,
    pub status: FollowUpStatus,
    pub due_at: String,
    pub overdue: bool,
    pub note: Option<String>,
    pub outcome: Option<String>,
    pub snoozes: i32,
    pub done_at: Option<String>,
    pub customer: Option<crate::service_desk::TicketCustomer>,
    pub owner: Option<crate::service_desk::PersonRef>,
    pub ticket: Option<FollowUpTicket>,
}

/// The solved complaint a follow-up is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpTicket {
    pub id: String,
    pub code: String,
}

/// The cadence as the settings page edits it (what `followUpCadence` returns).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CadenceView {
    pub every_days: Vec<Option<u16>>,
    pub after_complaint_days: Option<u16>,
    pub after_star_drop_days: Option<u16>,
}

/// Whether going from `old` to `new` stars is a drop that calls for a follow-up: a rated
/// customer who now has fewer stars (not a first rating, not losing a rating altogether).
pub const fn is_star_drop(old: Option<u8>, new: Option<u8>) -> bool {
    matches!((old, new), (Some(o), Some(n)) if n < o)
}

#[cfg(test)]
mod tests {
    use super::{Cadence, is_star_drop};
    use crate::validate::Invalid;

    #[test]
    fn the_best_customers_are_called_most_often() {
        let c = Cadence::default();
        assert_eq!(c.days_for(Some(5)), Some(30));
        assert_eq!(c.days_for(Some(3)), Some(90));
        assert_eq!(c.days_for(Some(1)), None);
        assert_eq!(c.days_for(None), None);
        assert_eq!(c.days_for(Some(6)), None);
        assert_eq!(c.days_for(Some(0)), None);
    }

    #[test]
    fn intervals_are_checked_with_their_field() {
        let mut c = Cadence::default();
        c.every_days[4] = Some(0);
        assert_eq!(c.validate(), Err(("everyDays.4".into(), Invalid::TooShort { min: 1 })));
        c.every_days[4] = Some(30);
        c.after_complaint_days = Some(10_000);
        assert_eq!(c.validate(), Err(("afterComplaintDays".into(), Invalid::TooLarge)));
        c.after_complaint_days = None;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn only_losing_a_star_is_a_drop() {
        assert!(is_star_drop(Some(5), Some(4)));
        assert!(!is_star_drop(Some(4), Some(5)));
        assert!(!is_star_drop(None, Some(1)));
        assert!(!is_star_drop(Some(3), None));
        assert!(!is_star_drop(Some(3), Some(3)));
    }

    #[test]
    fn the_cadence_round_trips_as_json() {
        let c = Cadence::default();
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains("everyDays"), "{text}");
        assert_eq!(serde_json::from_str::<Cadence>(&text).unwrap(), c);
    }
}
