//! Business-hours arithmetic for service-level targets: when does "4 working hours after this
//! ticket came in" fall, in the workspace's time zone, with lunch breaks, weekends and holidays
//! skipped and the time a ticket waited on the customer not counted?
//!
//! Pure: the server computes every deadline with it from a ticket's status history, so a deadline
//! can always be recomputed (after an edit, a policy change or a change of stars) and never depends
//! on when a job happened to run.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Minutes in a day: an interval may end at 24:00.
pub const DAY_MINUTES: u16 = 24 * 60;

/// How far ahead a deadline is looked for (three years of days). A calendar with a few opening
/// minutes a year still finds one; a calendar that is never open gives none.
const HORIZON_DAYS: i64 = 3 * 366;

/// An opening interval within one local day, in minutes since midnight: `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Interval {
    pub from: u16,
    pub to: u16,
}

impl Interval {
    /// `"09:00"` -> minutes since midnight; `"24:00"` is the end of the day.
    pub fn parse_time(text: &str) -> Option<u16> {
        let (h, m) = text.trim().split_once(':')?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        let minutes = h.checked_mul(60)? + m;
        (m < 60 && minutes <= DAY_MINUTES).then_some(minutes)
    }

    /// `"09:00"` for 540.
    pub fn format_time(minutes: u16) -> String {
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// When a workspace's team works, as written in its settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hours {
    /// IANA time zone the hours are in (the workspace's, e.g. `Asia/Shanghai`).
    pub timezone: String,
    /// Round the clock, every day, holidays included: the week and holidays are ignored.
    pub always_open: bool,
    /// Opening intervals per weekday, Monday first (seven entries).
    pub week: Vec<Vec<Interval>>,
    /// Local dates the team does not work.
    pub holidays: Vec<NaiveDate>,
}

/// Why hours were refused, with the part of the input it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoursError {
    /// Not an IANA time zone.
    Timezone,
    /// The week does not have seven days.
    Week,
    /// An interval on the given weekday (0 = Monday) ends before it starts, leaves the day or
    /// overlaps the one before it.
    Interval { weekday: usize },
    /// Neither round the clock nor open at any time of the week: no deadline could ever fall.
    NeverOpen,
}

impl Hours {
    /// Monday to Friday, 09:00-12:00 and 13:00-18:00 (a lunch break), no holidays.
    pub fn office(timezone: &str) -> Self {
        let day = vec![Interval { from: 9 * 60, to: 12 * 60 }, Interval { from: 13 * 60, to: 18 * 60 }];
        let mut week = vec![day; 5];
        week.extend([Vec::new(), Vec::new()]);
        Self { timezone: timezone.to_owned(), always_open: false, week, holidays: Vec::new() }
    }

    /// Round the clock.
    pub fn always(timezone: &str) -> Self {
        Self {
            timezone: timezone.to_owned(),
            always_open: true,
            week: vec![Vec::new(); 7],
            holidays: Vec::new(),
        }
    }

    /// Checks the hours and prepares them for arithmetic.
    pub fn calendar(&self) -> Result<Calendar, HoursError> {
        let tz: Tz = self.timezone.parse().map_err(|_| HoursError::Timezone)?;
        let week: [Vec<Interval>; 7] = self.week.clone().try_into().map_err(|_| HoursError::Week)?;
        for (weekday, day) in week.iter().enumerate() {
            let mut end = 0;
            for interval in day {
                if interval.from >= interval.to || interval.to > DAY_MINUTES || interval.from < end {
                    return Err(HoursError::Interval { weekday });
                }
                end = interval.to;
            }
        }
        if !self.always_open && week.iter().all(Vec::is_empty) {
            return Err(HoursError::NeverOpen);
        }
        Ok(Calendar {
            tz,
            always_open: self.always_open,
            week,
            holidays: self.holidays.iter().copied().collect(),
        })
    }
}

/// A time span `[from, to)`; `to: None` is still going on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
}

/// Checked business hours, ready for arithmetic.
#[derive(Clone, Debug)]
pub struct Calendar {
    tz: Tz,
    always_open: bool,
    week: [Vec<Interval>; 7],
    holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// The instant at which `minutes` of business time have passed since `start`, not counting
    /// the `paused` spans (the ticket waiting on the customer). `None` when that never happens:
    /// a pause that has not ended, or no opening time within three years.
    pub fn due(&self, start: DateTime<Utc>, minutes: u32, paused: &[Span]) -> Option<DateTime<Utc>> {
        let mut left = Duration::minutes(i64::from(minutes));
        if left.is_zero() {
            return Some(start);
        }
        let paused = merged(paused);
        for (from, to) in self.running(start, &paused) {
            let length = to - from;
            if left <= length {
                return Some(from + left);
            }
            left -= length;
        }
        None
    }

    /// Business time in `[from, to)`, not counting the `paused` spans, in whole seconds.
    pub fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>, paused: &[Span]) -> i64 {
        let paused = merged(paused);
        let mut total = 0;
        for (a, b) in self.running(from, &paused) {
            if a >= to {
                break;
            }
            total += (b.min(to) - a).num_seconds();
        }
        total
    }

    /// Whether the clock runs at `at` (open, and not a holiday).
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.windows(at).next().is_some_and(|(from, _)| from == at)
    }

    /// Windows during which the clock runs from `start` on: open hours minus pauses, in order.
    fn running<'a>(
        &'a self,
        start: DateTime<Utc>,
        paused: &'a [(DateTime<Utc>, DateTime<Utc>)],
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + 'a {
        let mut next_pause = 0;
        self.windows(start).flat_map(move |(mut from, to)| {
            let mut pieces = Vec::new();
            while from < to {
                // Skip pauses that ended before this piece.
                while next_pause < paused.len() && paused[next_pause].1 <= from {
                    next_pause += 1;
                }
                match paused.get(next_pause) {
                    Some(&(p_from, p_to)) if p_from < to => {
                        if p_from > from {
                            pieces.push((from, p_from));
                        }
                        from = p_to;
                    }
                    _ => {
                        pieces.push((from, to));
                        from = to;
                    }
                }
            }
            pieces
        })
    }

    /// Opening windows in UTC from `start` on, in order, the first clipped to start at `start`.
    fn windows(&self, start: DateTime<Utc>) -> Box<dyn Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_> {
        if self.always_open {
            return Box::new(std::iter::once((start, DateTime::<Utc>::MAX_UTC)));
        }
        let first_day = start.with_timezone(&self.tz).date_naive() - Duration::days(1);
        Box::new(
            (0..HORIZON_DAYS)
                .filter_map(move |n| first_day.checked_add_signed(Duration::days(n)))
                .filter(|day| !self.holidays.contains(day))
                .flat_map(move |day| {
                    let weekday = day.weekday().num_days_from_monday() as usize;
                    self.week[weekday]
                        .iter()
                        .map(move |i| (self.instant(day, i.from), self.instant(day, i.to)))
                })
                .filter(move |&(_, to)| to > start)
                .map(move |(from, to)| (from.max(start), to))
                .filter(|(from, to)| from < to),
        )
    }

    /// The UTC instant of a local wall-clock time. In the hour a DST change repeats, the first;
    /// in the hour it skips, the first minute that exists after it.
    fn instant(&self, day: NaiveDate, minutes: u16) -> DateTime<Utc> {
        let midnight: NaiveDateTime = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        let mut local = midnight + Duration::minutes(i64::from(minutes));
        for _ in 0..=24 * 60 {
            match self.tz.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
                LocalResult::None => local += Duration::minutes(1),
            }
        }
        Utc.from_utc_datetime(&local)
    }
}

/// Pauses sorted and joined where they touch; an open-ended pause runs to the end of time.
fn merged(paused: &[Span]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut spans: Vec<_> = paused
        .iter()
        .map(|s| (s.from, s.to.unwrap_or(DateTime::<Utc>::MAX_UTC)))
        .filter(|(a, b)| a < b)
        .collect();
    spans.sort();
    let mut out: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(spans.len());
    for (from, to) in spans {
        match out.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => out.push((from, to)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
    }

    fn office(tz: &str) -> Calendar {
        Hours::office(tz).calendar().unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn four_working_hours_skip_the_lunch_break_and_the_night() {
        let cal = office("Asia/Shanghai");
        // Thursday 2026-12-03 10:30 in Shanghai (02:30 UTC): 1.5 h to lunch, 5 h in the afternoon.
        let start = at("2026-12-03T10:30:00+08:00");
        assert_eq!(cal.due(start, 60, &[]), Some(at("2026-12-03T11:30:00+08:00")));
        assert_eq!(cal.due(start, 4 * 60, &[]), Some(at("2026-12-03T15:30:00+08:00")));
        // 8 working hours: 1.5 + 5 today, 1.5 tomorrow morning.
        assert_eq!(cal.due(start, 8 * 60, &[]), Some(at("2026-12-04T10:30:00+08:00")));
        // Friday afternoon to Monday morning.
        let friday = at("2026-12-04T17:00:00+08:00");
        assert_eq!(cal.due(friday, 2 * 60, &[]), Some(at("2026-12-07T10:00:00+08:00")));
    }

    #[test]
    fn a_ticket_that_arrives_at_night_starts_counting_at_opening() {
        let cal = office("Asia/Shanghai");
        let night = at("2026-12-03T22:15:00+08:00");
        assert_eq!(cal.due(night, 30, &[]), Some(at("2026-12-04T09:30:00+08:00")));
        assert!(!cal.is_open(night));
        assert!(cal.is_open(at("2026-12-04T09:00:00+08:00")));
        assert!(!cal.is_open(at("2026-12-04T12:30:00+08:00")));
    }

    #[test]
    fn holidays_are_skipped_and_round_the_clock_ignores_them() {
        let mut hours = Hours::office("Asia/Shanghai");
        hours.holidays = vec![NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default()];
        let cal = hours.calendar().unwrap_or_else(|e| panic!("{e:?}"));
        let start = at("2026-12-03T17:00:00+08:00");
        assert_eq!(cal.due(start, 2 * 60, &[]), Some(at("2026-12-07T10:00:00+08:00")));
        hours.always_open = true;
        let cal = hours.calendar().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(cal.due(start, 2 * 60, &[]), Some(at("2026-12-03T19:00:00+08:00")));
    }

    #[test]
    fn waiting_on_the_customer_stops_the_clock_and_an_open_pause_has_no_deadline() {
        let cal = office("Asia/Shanghai");
        let start = at("2026-12-03T09:00:00+08:00");
        let pause = Span { from: at("2026-12-03T10:00:00+08:00"), to: Some(at("2026-12-03T14:00:00+08:00")) };
        // 1 h before the pause; the pause covers 10-12 and 13-14; the other hour runs 14-15.
        assert_eq!(cal.due(start, 2 * 60, &[pause]), Some(at("2026-12-03T15:00:00+08:00")));
        assert_eq!(cal.elapsed(start, at("2026-12-03T15:00:00+08:00"), &[pause]), 2 * 3600);
        let waiting = Span { to: None, ..pause };
        assert_eq!(cal.due(start, 2 * 60, &[waiting]), None);
        assert_eq!(cal.due(start, 60, &[waiting]), Some(at("2026-12-03T10:00:00+08:00")));
    }

    #[test]
    fn daylight_saving_days_count_the_hours_the_clock_shows() {
        // New York moved its clocks forward at 02:00 on 2026-03-08 (a Sunday): open 00:00-24:00
        // that day holds 23 hours.
        let mut hours = Hours::office("America/New_York");
        hours.week = vec![vec![Interval { from: 0, to: DAY_MINUTES }]; 7];
        let cal = hours.calendar().unwrap_or_else(|e| panic!("{e:?}"));
        let day = at("2026-03-08T00:00:00-05:00");
        assert_eq!(cal.elapsed(day, at("2026-03-09T00:00:00-04:00"), &[]), 23 * 3600);
        assert_eq!(cal.due(day, 23 * 60, &[]), Some(at("2026-03-09T00:00:00-04:00")));
    }

    #[test]
    fn hours_that_make_no_sense_are_refused_with_the_day() {
        let mut hours = Hours::office("Mars/Olympus");
        assert_eq!(hours.calendar().err(), Some(HoursError::Timezone));
        hours.timezone = "Europe/Berlin".into();
        hours.week[2] = vec![Interval { from: 600, to: 700 }, Interval { from: 650, to: 800 }];
        assert_eq!(hours.calendar().err(), Some(HoursError::Interval { weekday: 2 }));
        hours.week[2] = vec![Interval { from: 600, to: 1500 }];
        assert_eq!(hours.calendar().err(), Some(HoursError::Interval { weekday: 2 }));
        hours.week = vec![Vec::new(); 7];
        assert_eq!(hours.calendar().err(), Some(HoursError::NeverOpen));
        hours.week.pop();
        assert_eq!(hours.calendar().err(), Some(HoursError::Week));
        assert_eq!(Interval::parse_time("09:30"), Some(570));
        assert_eq!(Interval::parse_time("24:00"), Some(1440));
        assert_eq!(Interval::parse_time("24:01"), None);
        assert_eq!(Interval::parse_time("9:5"), None);
        assert_eq!(Interval::format_time(570), "09:30");
    }

    /// A random week: per day up to three intervals on a quarter-hour grid.
    fn week() -> impl Strategy<Value = Vec<Vec<Interval>>> {
        proptest::collection::vec(proptest::collection::btree_set(0u16..=96, 0..=6), 7).prop_map(|days| {
            days.into_iter()
                .map(|marks| {
                    let marks: Vec<u16> = marks.into_iter().map(|q| q * 15).collect();
                    marks.chunks_exact(2).map(|p| Interval { from: p[0], to: p[1] }).collect()
                })
                .collect()
        })
    }

    fn hours(tz: &'static str) -> impl Strategy<Value = Hours> {
        (week(), proptest::collection::vec(0i64..60, 0..8)).prop_map(move |(mut week, holidays)| {
            if week.iter().all(Vec::is_empty) {
                week[0] = vec![Interval { from: 540, to: 600 }];
            }
            let base = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default();
            let holidays = holidays.into_iter().map(|d| base + Duration::days(d)).collect();
            Hours { timezone: tz.to_owned(), always_open: false, week, holidays }
        })
    }

    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        (0i64..40 * 24 * 60).prop_map(|m| at("2026-11-25T00:00:00Z") + Duration::minutes(m))
    }

    fn pauses() -> impl Strategy<Value = Vec<Span>> {
        proptest::collection::vec((0i64..30 * 24 * 60, 1i64..3 * 24 * 60), 0..4).prop_map(|p| {
            p.into_iter()
                .map(|(from, len)| {
                    let from = at("2026-11-25T00:00:00Z") + Duration::minutes(from);
                    Span { from, to: Some(from + Duration::minutes(len)) }
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn a_deadline_is_never_before_the_start_and_holds_exactly_the_target(
            hours in hours("Asia/Shanghai"), start in instant(), minutes in 0u32..5_000, paused in pauses()
        ) {
            let cal = hours.calendar().unwrap_or_else(|e| panic!("{e:?}"));
            let target = i64::from(minutes) * 60;
            if let Some(due) = cal.due(start, minutes, &paused) {
                prop_assert!(due >= start);
                prop_assert_eq!(cal.elapsed(start, due, &paused), target);
            } else {
                // Only when the horizon holds less business time than the target.
                let horizon = start + Duration::days(HORIZON_DAYS - 2);
                prop_assert!(cal.elapsed(start, horizon, &paused) < target);
            }
        }

        #[test]
        fn a_longer_target_never_falls_earlier_and_pauses_only_push_it_later(
            hours in hours("Europe/Berlin"), start in instant(), a in 0u32..3_000, b in 0u32..3_000,
            paused in pauses()
        ) {
            let cal = hours.calendar().unwrap_or_else(|e| panic!("{e:?}"));
            let (short, long) = (a.min(b), a.max(b));
            // No deadline is later than any.
            let due = |minutes, paused: &[Span]| cal.due(start, minutes, paused).unwrap_or(DateTime::<Utc>::MAX_UTC);
            prop_assert!(due(short, &paused) <= due(long, &paused));
            prop_assert!(due(long, &[]) <= due(long, &paused));
        }

        #[test]
        fn no_business_time_passes_on_a_holiday_or_while_paused(
            hours in hours("America/New_York"), start in instant(), paused in pauses()
        ) {
            let cal = hours.calendar().unwrap_or_else(|e| panic!("{e:?}"));
            let tz: Tz = "America/New_York".parse().unwrap_or(Tz::UTC);
            for day in &hours.holidays {
                let from = cal.instant(*day, 0);
                let to = cal.instant(*day + Duration::days(1), 0);
                prop_assert_eq!(cal.elapsed(from, to, &[]), 0);
                prop_assert_eq!(from.with_timezone(&tz).date_naive(), *day);
            }
            for span in &paused {
                let to = span.to.unwrap_or(span.from);
                prop_assert_eq!(cal.elapsed(span.from.max(start), to.max(start), &paused), 0);
            }
        }

        #[test]
        fn the_same_hours_in_another_zone_give_the_same_local_deadline(
            week in week(), start in instant(), minutes in 0u32..5_000
        ) {
            // Shanghai (UTC+8) and Tokyo (UTC+9) keep no daylight saving: the same wall-clock
            // start an hour apart in UTC must give the same wall-clock deadline.
            let mut week = week;
            if week.iter().all(Vec::is_empty) {
                week[0] = vec![Interval { from: 540, to: 600 }];
            }
            let make = |tz: &str| Hours { timezone: tz.to_owned(), always_open: false, week: week.clone(), holidays: Vec::new() };
            let shanghai = make("Asia/Shanghai").calendar().unwrap_or_else(|e| panic!("{e:?}"));
            let tokyo = make("Asia/Tokyo").calendar().unwrap_or_else(|e| panic!("{e:?}"));
            let in_shanghai = shanghai.due(start, minutes, &[]);
            let in_tokyo = tokyo.due(start - Duration::hours(1), minutes, &[]);
            prop_assert_eq!(in_shanghai.map(|t| t - Duration::hours(1)), in_tokyo);
        }

        #[test]
        fn round_the_clock_is_plain_time_minus_pauses(
            start in instant(), minutes in 0u32..10_000, paused in pauses()
        ) {
            let cal = Hours::always("Asia/Shanghai").calendar().unwrap_or_else(|e| panic!("{e:?}"));
            prop_assert_eq!(cal.due(start, minutes, &[]), Some(start + Duration::minutes(i64::from(minutes))));
            let due = cal.due(start, minutes, &paused).unwrap_or(start);
            let paused_secs: i64 = merged(&paused)
                .iter()
                .map(|&(a, b)| (b.min(due) - a.max(start)).num_seconds().max(0))
                .sum();
            prop_assert_eq!((due - start).num_seconds(), i64::from(minutes) * 60 + paused_secs);
        }
    }
}
