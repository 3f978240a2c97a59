//! The workspace's contact budget: how often one customer may be contacted unasked (surveys now,
//! campaigns later), with quiet hours in the workspace's time zone and star levels allowed their
//! own limits. Pure: the sender asks [`ContactBudget::decide`] at send time with the customer's
//! recent contacts, and records the reason of every skip.
//!
//! Service messages (a reply to the customer's own ticket) are not unasked and never count.
//!
//! The types are plain data everywhere (the SPA edits them); the rules need the `calendar`
//! feature (time zones), which only the api enables.

#[cfg(feature = "calendar")]
use chrono::{DateTime, Duration, LocalResult, NaiveTime, TimeZone, Timelike, Utc};
#[cfg(feature = "calendar")]
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::stored_enum;

stored_enum! {
    /// An unasked contact the budget counts.
    pub enum ContactKind {
        /// A survey invitation: counts for the survey limit and the message limit.
        Survey => "survey",
        /// A campaign message: counts for the message limit.
        Campaign => "campaign",
    }
}

stored_enum! {
    /// Why a contact was not made.
    pub enum SkipReason {
        /// The customer had their surveys for the period.
        SurveyBudget => "survey_budget",
        /// The customer had their messages (of every kind) for the period.
        MessageBudget => "message_budget",
        /// No consent for the channel.
        NoConsent => "no_consent",
        /// No address for the channel (no email, no phone).
        NoAddress => "no_address",
    }
}

/// At most `max` contacts in any `days` days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Limit {
    pub max: u32,
    pub days: u32,
}

/// Local times no message goes out, minutes since midnight: `[from, to)`, across midnight when
/// `from > to` (21:00 to 09:00).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuietHours {
    pub from: u16,
    pub to: u16,
}

impl QuietHours {
    /// Whether `minute` (since local midnight) is quiet.
    pub const fn contains(self, minute: u16) -> bool {
        if self.from <= self.to {
            minute >= self.from && minute < self.to
        } else {
            minute >= self.from || minute < self.to
        }
    }
}

/// Star levels with limits of their own (the best customers hear from the business less often,
/// or more).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StarLimits {
    pub stars: Vec<u8>,
    pub surveys: Option<Limit>,
    pub messages: Option<Limit>,
}

/// The workspace's rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactBudget {
    /// IANA time zone of the quiet hours (the workspace's).
    pub timezone: String,
    pub surveys: Limit,
    /// Every unasked contact, surveys included.
    pub messages: Limit,
    pub quiet_hours: Option<QuietHours>,
    pub by_stars: Vec<StarLimits>,
}

/// What the budget says about a contact now.
#[cfg(feature = "calendar")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Send,
    /// Quiet hours: send at this time.
    Later(DateTime<Utc>),
    Skip(SkipReason),
}

/// A budget refused, with the field it concerns (`messages.max`, `byStars[1].stars`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetError {
    pub field: String,
    pub message: &'static str,
}

/// The most contacts a limit may allow.
pub const MAX_CONTACTS: u32 = 100;
/// The longest period a limit may span, in days.
pub const MAX_DAYS: u32 = 366;

#[cfg(feature = "calendar")]
impl ContactBudget {
    /// The default: one survey a month, four messages a month, nothing between 21:00 and 09:00.
    pub fn standard(timezone: &str) -> Self {
        Self {
            timezone: timezone.to_owned(),
            surveys: Limit { max: 1, days: 30 },
            messages: Limit { max: 4, days: 30 },
            quiet_hours: Some(QuietHours { from: 21 * 60, to: 9 * 60 }),
            by_stars: Vec::new(),
        }
    }

    /// Checks a budget as written in the settings.
    ///
    /// # Errors
    /// The first field that is wrong.
    pub fn check(&self) -> Result<(), BudgetError> {
        let wrong = |field: &str, message| Err(BudgetError { field: field.to_owned(), message });
        if self.timezone.parse::<Tz>().is_err() {
            return wrong("timezone", "is not an IANA time zone");
        }
        check_limit(self.surveys, "surveys")?;
        check_limit(self.messages, "messages")?;
        if let Some(q) = self.quiet_hours {
            if q.from >= 24 * 60 || q.to >= 24 * 60 {
                return wrong("quietHours", "times are minutes after midnight, below 24:00");
            }
            if q.from == q.to {
                return wrong("quietHours", "starts and ends at the same time: leave it out instead");
            }
        }
        let mut seen = [false; 6];
        for (i, level) in self.by_stars.iter().enumerate() {
            if level.stars.is_empty() {
                return wrong(&format!("byStars[{i}].stars"), "name at least one star level");
            }
            for &s in &level.stars {
                let slot = seen.get_mut(usize::from(s)).filter(|_| (1..=5).contains(&s));
                match slot {
                    None => return wrong(&format!("byStars[{i}].stars"), "star levels are 1 to 5"),
                    Some(slot) if *slot => {
                        return wrong(&format!("byStars[{i}].stars"), "a star level is listed twice");
                    }
                    Some(slot) => *slot = true,
                }
            }
            if let Some(l) = level.surveys {
                check_limit(l, &format!("byStars[{i}].surveys"))?;
            }
            if let Some(l) = level.messages {
                check_limit(l, &format!("byStars[{i}].messages"))?;
            }
        }
        Ok(())
    }

    /// The limits for a customer with `stars`.
    pub fn limits(&self, stars: Option<u8>) -> (Limit, Limit) {
        let own = stars.and_then(|s| self.by_stars.iter().find(|l| l.stars.contains(&s)));
        (
            own.and_then(|l| l.surveys).unwrap_or(self.surveys),
            own.and_then(|l| l.messages).unwrap_or(self.messages),
        )
    }

    /// Whether a contact of `kind` may go to a customer with `stars` whose earlier unasked
    /// contacts were `history` (when, what), at `now`.
    pub fn decide(
        &self,
        kind: ContactKind,
        stars: Option<u8>,
        history: &[(DateTime<Utc>, ContactKind)],
        now: DateTime<Utc>,
    ) -> Decision {
        let (surveys, messages) = self.limits(stars);
        let within = |limit: Limit, only: Option<ContactKind>| {
            let since = now - Duration::days(i64::from(limit.days));
            history.iter().filter(|(at, k)| *at > since && *at <= now && only.is_none_or(|o| o == *k)).count()
        };
        if kind == ContactKind::Survey && within(surveys, Some(ContactKind::Survey)) >= surveys.max as usize {
            return Decision::Skip(SkipReason::SurveyBudget);
        }
        if within(messages, None) >= messages.max as usize {
            return Decision::Skip(SkipReason::MessageBudget);
        }
        match self.quiet_until(now) {
            Some(at) => Decision::Later(at),
            None => Decision::Send,
        }
    }

    /// When the quiet hours `now` falls in end; `None` when it is not quiet (or the zone is
    /// unknown: the check refuses such budgets before they are saved).
    pub fn quiet_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let quiet = self.quiet_hours?;
        let tz: Tz = self.timezone.parse().ok()?;
        let local = now.with_timezone(&tz);
        let minute = u16::try_from(local.hour() * 60 + local.minute()).ok()?;
        if !quiet.contains(minute) {
            return None;
        }
        let day = if quiet.from > quiet.to && minute >= quiet.from {
            local.date_naive().succ_opt()?
        } else {
            local.date_naive()
        };
        let end = NaiveTime::from_hms_opt(u32::from(quiet.to / 60), u32::from(quiet.to % 60), 0)?;
        let naive = day.and_time(end);
        // A clock change can skip the end (spring forward): the first valid time after it.
        let at = match tz.from_local_datetime(&naive) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t,
            LocalResult::None => tz.from_local_datetime(&(naive + Duration::hours(1))).earliest()?,
        };
        Some(at.with_timezone(&Utc))
    }
}

#[cfg(feature = "calendar")]
fn check_limit(limit: Limit, field: &str) -> Result<(), BudgetError> {
    if limit.max > MAX_CONTACTS {
        return Err(BudgetError { field: format!("{field}.max"), message: "at most 100" });
    }
    if limit.days == 0 || limit.days > MAX_DAYS {
        return Err(BudgetError { field: format!("{field}.days"), message: "between 1 and 366 days" });
    }
    Ok(())
}

#[cfg(test)]
#[cfg(feature = "calendar")]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("time").with_timezone(&Utc)
    }

    #[test]
    fn one_survey_a_month_and_four_messages_across_kinds() {
        let budget = ContactBudget::standard("Asia/Shanghai");
        // 14:00 in Shanghai: not quiet.
        let now = at("2026-12-04T06:00:00Z");
        let days_ago = |d: i64| now - Duration::days(d);
        assert_eq!(budget.decide(ContactKind::Survey, Some(3), &[], now), Decision::Send);
        let surveyed = [(days_ago(10), ContactKind::Survey)];
        assert_eq!(
            budget.decide(ContactKind::Survey, Some(3), &surveyed, now),
            Decision::Skip(SkipReason::SurveyBudget)
        );
        assert_eq!(budget.decide(ContactKind::Campaign, Some(3), &surveyed, now), Decision::Send);
        let month_ago = [(days_ago(31), ContactKind::Survey)];
        assert_eq!(
            budget.decide(ContactKind::Survey, Some(3), &month_ago, now),
            Decision::Send,
            "out of the window"
        );
        let busy = [
            (days_ago(2), ContactKind::Campaign),
            (days_ago(5), ContactKind::Campaign),
            (days_ago(9), ContactKind::Campaign),
            (days_ago(20), ContactKind::Campaign),
        ];
        assert_eq!(
            budget.decide(ContactKind::Survey, Some(3), &busy, now),
            Decision::Skip(SkipReason::MessageBudget),
            "surveys count as messages too"
        );
    }

    #[test]
    fn a_star_level_may_have_its_own_limits() {
        let mut budget = ContactBudget::standard("Asia/Shanghai");
        budget.by_stars.push(StarLimits {
            stars: vec![5],
            surveys: Some(Limit { max: 1, days: 90 }),
            messages: Some(Limit { max: 2, days: 30 }),
        });
        let now = at("2026-12-04T06:00:00Z");
        let history = [(now - Duration::days(60), ContactKind::Survey)];
        assert_eq!(
            budget.decide(ContactKind::Survey, Some(5), &history, now),
            Decision::Skip(SkipReason::SurveyBudget)
        );
        assert_eq!(budget.decide(ContactKind::Survey, Some(4), &history, now), Decision::Send);
        assert_eq!(
            budget.decide(ContactKind::Survey, None, &history, now),
            Decision::Send,
            "unrated: the general rule"
        );
        assert_eq!(budget.limits(Some(5)).1, Limit { max: 2, days: 30 });
    }

    #[test]
    fn quiet_hours_defer_to_their_end_in_the_workspaces_zone() {
        let budget = ContactBudget::standard("Asia/Shanghai");
        // 22:30 in Shanghai: wait for 09:00 the next morning.
        let evening = at("2026-12-04T14:30:00Z");
        assert_eq!(
            budget.decide(ContactKind::Survey, None, &[], evening),
            Decision::Later(at("2026-12-05T01:00:00Z"))
        );
        // 03:00 in Shanghai: 09:00 the same morning.
        let night = at("2026-12-04T19:00:00Z");
        assert_eq!(budget.quiet_until(night), Some(at("2026-12-05T01:00:00Z")));
        // 09:00 sharp is not quiet any more; 21:00 sharp is.
        assert_eq!(budget.quiet_until(at("2026-12-05T01:00:00Z")), None);
        assert_eq!(budget.quiet_until(at("2026-12-05T13:00:00Z")), Some(at("2026-12-06T01:00:00Z")));
        // Another zone, same local hours.
        let paris = ContactBudget::standard("Europe/Paris");
        assert_eq!(paris.quiet_until(at("2026-12-04T21:00:00Z")), Some(at("2026-12-05T08:00:00Z")));
        // Quiet hours within a day (12:00 to 14:00).
        let lunch = ContactBudget { quiet_hours: Some(QuietHours { from: 12 * 60, to: 14 * 60 }), ..budget };
        assert_eq!(lunch.quiet_until(at("2026-12-04T04:30:00Z")), Some(at("2026-12-04T06:00:00Z")));
        assert_eq!(lunch.quiet_until(at("2026-12-04T14:30:00Z")), None);
    }

    #[test]
    fn a_quiet_end_skipped_by_a_clock_change_moves_to_the_first_real_time() {
        // Europe/Paris springs forward at 02:00 on 2026-03-29: 02:30 does not exist.
        let budget = ContactBudget {
            quiet_hours: Some(QuietHours { from: 22 * 60, to: 2 * 60 + 30 }),
            ..ContactBudget::standard("Europe/Paris")
        };
        let end = budget.quiet_until(at("2026-03-28T23:00:00Z")).expect("quiet");
        assert_eq!(end, at("2026-03-29T01:30:00Z"), "03:30 summer time");
    }

    #[test]
    fn a_budget_is_checked_field_by_field() {
        let good = ContactBudget::standard("Asia/Shanghai");
        assert_eq!(good.check(), Ok(()));
        let field = |b: ContactBudget| b.check().err().map(|e| e.field);
        assert_eq!(
            field(ContactBudget { timezone: "Mars/Olympus".into(), ..good.clone() }),
            Some("timezone".into())
        );
        assert_eq!(
            field(ContactBudget { surveys: Limit { max: 1, days: 0 }, ..good.clone() }),
            Some("surveys.days".into())
        );
        assert_eq!(
            field(ContactBudget { messages: Limit { max: 101, days: 30 }, ..good.clone() }),
            Some("messages.max".into())
        );
        let same = Some(QuietHours { from: 60, to: 60 });
        assert_eq!(field(ContactBudget { quiet_hours: same, ..good.clone() }), Some("quietHours".into()));
        let twice = vec![
            StarLimits { stars: vec![5], surveys: None, messages: None },
            StarLimits { stars: vec![4, 5], surveys: None, messages: None },
        ];
        assert_eq!(field(ContactBudget { by_stars: twice, ..good.clone() }), Some("byStars[1].stars".into()));
        let six = vec![StarLimits { stars: vec![6], surveys: None, messages: None }];
        assert_eq!(field(ContactBudget { by_stars: six, ..good }), Some("byStars[0].stars".into()));
    }

    proptest! {
        #[test]
        fn never_more_than_the_limit_in_any_window(
            gaps in proptest::collection::vec(0_i64..(20 * 24 * 60), 1..40),
            max in 0_u32..5,
            days in 1_u32..40,
        ) {
            // Contacts tried at growing times; each sent when the budget says so (quiet hours off).
            let budget = ContactBudget {
                quiet_hours: None,
                messages: Limit { max, days },
                ..ContactBudget::standard("UTC")
            };
            let mut now = at("2026-01-01T00:00:00Z");
            let mut sent: Vec<(DateTime<Utc>, ContactKind)> = Vec::new();
            for gap in gaps {
                now += Duration::minutes(gap);
                if budget.decide(ContactKind::Campaign, None, &sent, now) == Decision::Send {
                    sent.push((now, ContactKind::Campaign));
                }
            }
            for (i, (start, _)) in sent.iter().enumerate() {
                let end = *start + Duration::days(i64::from(days));
                let inside = sent[i..].iter().filter(|(t, _)| *t < end).count();
                prop_assert!(inside <= max as usize, "{inside} in {days} days from {start}");
            }
        }

        #[test]
        fn a_deferred_contact_goes_out_after_now_and_not_in_quiet_hours(minutes in 0_i64..(7 * 24 * 60)) {
            let budget = ContactBudget::standard("Asia/Shanghai");
            let now = at("2026-12-01T00:00:00Z") + Duration::minutes(minutes);
            if let Some(later) = budget.quiet_until(now) {
                prop_assert!(later > now);
                prop_assert!(later - now <= Duration::hours(12));
                prop_assert_eq!(budget.quiet_until(later), None);
            }
        }
    }
}
