//! When a lot expires, in the workspace's time zone: "the end of next year" is midnight of the
//! first of January in Shanghai, not in UTC.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::earn::{ExpiryKind, ExpiryRule};

/// The first instant of `date` in `zone` (a midnight that a clock change skips starts at the
/// first time that exists).
fn start_of(date: NaiveDate, zone: Tz) -> Option<DateTime<Utc>> {
    let midnight = date.and_hms_opt(0, 0, 0)?;
    (0..4).find_map(|hours| match zone.from_local_datetime(&(midnight + Duration::hours(hours))) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => None,
    })
}

/// When points earned at `earned_at` expire under `rule` (the first instant they no longer
/// count), or `None` when they never do.
pub fn expires_at(rule: ExpiryRule, earned_at: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
    let local = earned_at.with_timezone(&zone).date_naive();
    match rule.kind {
        ExpiryKind::Never => None,
        ExpiryKind::AfterDays => earned_at.checked_add_signed(Duration::days(i64::from(rule.count))),
        ExpiryKind::MonthEnd => {
            // The first day of the month after the one `count` months on.
            let months = i64::from(local.month0()) + i64::from(rule.count) + 1;
            let year = i64::from(local.year()) + months.div_euclid(12);
            let month = u32::try_from(months.rem_euclid(12)).ok()? + 1;
            start_of(NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, 1)?, zone)
        }
        ExpiryKind::YearEnd => {
            let year = local.year().checked_add(i32::try_from(rule.count).ok()?)?.checked_add(1)?;
            start_of(NaiveDate::from_ymd_opt(year, 1, 1)?, zone)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("a time").with_timezone(&Utc)
    }

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn year_end_is_midnight_in_the_workspace_zone() {
        let rule = ExpiryRule { kind: ExpiryKind::YearEnd, count: 1 };
        // 20:00 UTC on 31 December 2026 is already 1 January 2027 in Shanghai: points earned
        // then last until the end of 2028 there.
        assert_eq!(expires_at(rule, at("2026-12-31T20:00:00Z"), SHANGHAI), Some(at("2028-12-31T16:00:00Z")));
        assert_eq!(expires_at(rule, at("2026-12-31T15:59:59Z"), SHANGHAI), Some(at("2027-12-31T16:00:00Z")));
    }

    #[test]
    fn month_end_counts_months_across_years() {
        let rule = ExpiryRule { kind: ExpiryKind::MonthEnd, count: 0 };
        assert_eq!(expires_at(rule, at("2026-12-05T00:00:00Z"), SHANGHAI), Some(at("2026-12-31T16:00:00Z")));
        let rule = ExpiryRule { kind: ExpiryKind::MonthEnd, count: 13 };
        assert_eq!(expires_at(rule, at("2026-12-05T00:00:00Z"), SHANGHAI), Some(at("2028-01-31T16:00:00Z")));
    }

    #[test]
    fn after_days_and_never() {
        let rule = ExpiryRule { kind: ExpiryKind::AfterDays, count: 30 };
        assert_eq!(expires_at(rule, at("2026-12-05T10:00:00Z"), SHANGHAI), Some(at("2027-01-04T10:00:00Z")));
        let rule = ExpiryRule { kind: ExpiryKind::Never, count: 5 };
        assert_eq!(expires_at(rule, at("2026-12-05T10:00:00Z"), SHANGHAI), None);
    }

    #[test]
    fn a_midnight_skipped_by_a_clock_change_starts_at_the_first_time_that_exists() {
        // Chile moved its clocks from 00:00 to 01:00 on 3 September 2023 (-04:00 to -03:00).
        let zone: Tz = chrono_tz::America::Santiago;
        let day = NaiveDate::from_ymd_opt(2023, 9, 3).expect("a date");
        assert_eq!(start_of(day, zone), Some(at("2023-09-03T04:00:00Z")));
        let rule = ExpiryRule { kind: ExpiryKind::MonthEnd, count: 0 };
        assert_eq!(expires_at(rule, at("2023-08-10T12:00:00Z"), zone), Some(at("2023-09-01T04:00:00Z")));
    }
}
