//! Birthday gifts: once a year, on the member's birthday as the workspace's calendar has it. A
//! birthday born on 29 February falls on the 28th in other years. A birthday set (or changed)
//! less than 30 days before it comes round waits for the next year, so that nobody earns a gift
//! by typing in today's date.

use chrono::{Datelike, Duration, NaiveDate};

/// Days a birthday must have been known before its gift is given.
pub const KNOWN_DAYS: i64 = 30;

/// The member's birthday in `year`.
pub fn in_year(year: i32, born: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, born.month(), born.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, born.month(), born.day() - 1))
}

/// Whether a member born on `born`, whose birthday was set on `set_on` (none: before records
/// were kept), gets the gift on `today`.
pub fn due(today: NaiveDate, born: NaiveDate, set_on: Option<NaiveDate>) -> bool {
    in_year(today.year(), born) == Some(today)
        && set_on.is_none_or(|set| set + Duration::days(KNOWN_DAYS) <= today)
}

/// The days of the year whose birthdays fall on `today` (the 28th of February also takes the
/// 29th in a year without one), as (month, day).
pub fn born_on(today: NaiveDate) -> Vec<(u32, u32)> {
    let mut days = vec![(today.month(), today.day())];
    let leap = NaiveDate::from_ymd_opt(today.year(), 2, 29).is_some();
    if today.month() == 2 && today.day() == 28 && !leap {
        days.push((2, 29));
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn the_gift_comes_on_the_birthday_and_a_leap_day_falls_on_the_28th() {
        assert!(due(d(2027, 3, 15), d(1990, 3, 15), None));
        assert!(!due(d(2027, 3, 14), d(1990, 3, 15), None));
        assert!(due(d(2027, 2, 28), d(2000, 2, 29), None));
        assert!(due(d(2028, 2, 29), d(2000, 2, 29), None));
        assert!(!due(d(2028, 2, 28), d(2000, 2, 29), None));
        assert_eq!(born_on(d(2027, 2, 28)), [(2, 28), (2, 29)]);
        assert_eq!(born_on(d(2028, 2, 28)), [(2, 28)]);
    }

    #[test]
    fn a_birthday_set_less_than_30_days_ahead_waits_a_year() {
        let born = d(1990, 3, 15);
        assert!(!due(d(2027, 3, 15), born, Some(d(2027, 3, 1))));
        assert!(due(d(2027, 3, 15), born, Some(d(2027, 2, 13))));
        assert!(!due(d(2027, 3, 15), born, Some(d(2027, 2, 14))));
        assert!(due(d(2028, 3, 15), born, Some(d(2027, 3, 1))));
    }
}
