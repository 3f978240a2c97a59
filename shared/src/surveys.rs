//! Survey arithmetic the server and the SPA agree on: NPS and CSAT with their margins of error,
//! and the satisfaction a customer's own answers give the star engine.
//!
//! A score is never shown without `n` and its margin: a business deciding on "NPS 40" from nine
//! answers should see that it could as well be 0 or 80.

use serde::{Deserialize, Serialize};

use crate::stored_enum;

stored_enum! {
    /// What a survey asks.
    pub enum SurveyKind {
        /// "How likely are you to recommend us?" 0 to 10, and why.
        Nps => "nps",
        /// "How satisfied were you?" 1 to 5, and a comment.
        Csat => "csat",
    }
}

impl SurveyKind {
    /// The lowest and highest score an answer may give.
    pub const fn range(self) -> (u8, u8) {
        match self {
            Self::Nps => (0, 10),
            Self::Csat => (1, 5),
        }
    }

    /// Whether `score` is an answer to this kind of survey.
    pub const fn accepts(self, score: u8) -> bool {
        let (low, high) = self.range();
        score >= low && score <= high
    }

    /// `score` on a 0-to-1 scale (0 the worst answer, 1 the best), as the star engine's
    /// satisfaction criterion counts it. `None` for a score out of range.
    pub fn normalised(self, score: u8) -> Option<f64> {
        let (low, high) = self.range();
        self.accepts(score).then(|| f64::from(score - low) / f64::from(high - low))
    }

    /// The highest unhappy score: NPS 6, CSAT 2.
    pub const fn unhappy_max(self) -> u8 {
        match self {
            Self::Nps => 6,
            Self::Csat => 2,
        }
    }

    /// Whether an answer is unhappy enough to close the loop (a complaint or a call back): NPS 0
    /// to 6, CSAT 1 or 2.
    pub const fn is_unhappy(self, score: u8) -> bool {
        score <= self.unhappy_max()
    }

    /// Whether an answer is happy: an NPS promoter (9, 10) or a satisfied CSAT (4, 5), the
    /// answers the scores count for.
    pub const fn is_happy(self, score: u8) -> bool {
        match self {
            Self::Nps => score >= 9,
            Self::Csat => score >= 4,
        }
    }
}

stored_enum! {
    /// When a survey asks.
    pub enum SurveyTrigger {
        /// A ticket was solved (CSAT about it, attributed to its agent).
        TicketSolved => "ticket_solved",
        /// Days after a purchase (attributed to its channel and store).
        AfterPurchase => "after_purchase",
        /// Sent by hand to a list of customers.
        Manual => "manual",
        /// Every `period_days` days to the customers of some star levels: the relationship NPS.
        Periodic => "periodic",
    }
}

stored_enum! {
    /// How an invitation reaches the customer: email over the business's SMTP server, or handed
    /// to the business's own sender (SMS, WeChat template message, app push) as a signed webhook.
    pub enum MessageChannel {
        Email => "email",
        Sms => "sms",
        Wechat => "wechat",
        Push => "push",
    }
}

impl MessageChannel {
    /// The consent channel a message on this channel needs.
    pub const fn consent(self) -> crate::customer::ConsentChannel {
        use crate::customer::ConsentChannel as C;
        match self {
            Self::Email => C::Email,
            Self::Sms => C::Sms,
            Self::Wechat => C::Wechat,
            Self::Push => C::AppPush,
        }
    }
}

stored_enum! {
    /// Where a message of the outbox stands (survey invitations have their own states).
    pub enum MessageStatus {
        /// Waiting to go out (its time, quiet hours, a retry).
        Queued => "queued",
        Sent => "sent",
        /// Not sent, with the reason (no consent, no address).
        Skipped => "skipped",
        /// Sending failed for good, or after its retries.
        Failed => "failed",
        /// Withdrawn before it went (a cancelled campaign).
        Cancelled => "cancelled",
    }
}

stored_enum! {
    /// What an outbox message is for.
    pub enum MessagePurpose {
        /// Points about to expire (the loyalty programme's warning).
        PointsExpiring => "points_expiring",
        /// A campaign's message (counted by the contact budget).
        Campaign => "campaign",
    }
}

stored_enum! {
    /// Where an invitation stands.
    pub enum InvitationStatus {
        /// Waiting to go out (its time, quiet hours, a retry).
        Queued => "queued",
        Sent => "sent",
        /// Not sent, with the reason (no consent, no address, the contact budget).
        Skipped => "skipped",
        /// Sending failed for good, or after its retries.
        Failed => "failed",
        /// The customer answered through the link.
        Answered => "answered",
    }
}

/// A message in one language: `{name}`, `{stars}`, `{points}` and `{link}` are filled in when it
/// is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub language: String,
    /// The email's subject (other channels have none).
    pub subject: String,
    pub body: String,
}

/// The variables a template may use.
pub const TEMPLATE_VARIABLES: [&str; 4] = ["name", "stars", "points", "link"];
/// The longest subject and body, in characters.
pub const SUBJECT_MAX: usize = 200;
pub const BODY_MAX: usize = 2_000;

/// Checks a message text: only `variables` in braces, every brace closed, at most [`BODY_MAX`]
/// characters.
///
/// # Errors
/// Why, in a sentence naming the variables allowed.
pub fn check_text(text: &str, variables: &[&str]) -> Result<(), String> {
    if text.chars().count() > BODY_MAX {
        return Err(format!("at most {BODY_MAX} characters"));
    }
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err("a `{` is not closed".to_owned());
        };
        let name = &rest[open + 1..open + close];
        if !variables.contains(&name) {
            let allowed: Vec<String> = variables.iter().map(|v| format!("{{{v}}}")).collect();
            return Err(format!("`{{{name}}}` is not one of {}", allowed.join(", ")));
        }
        rest = &rest[open + close + 1..];
    }
    Ok(())
}

/// A template refused, with the field (`subject`, `body`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    pub field: &'static str,
    pub message: String,
}

impl Template {
    /// Checks a template: a body with `{link}`, only known variables, braces closed, lengths.
    ///
    /// # Errors
    /// The first field that is wrong.
    pub fn check(&self, needs_subject: bool) -> Result<(), TemplateError> {
        let wrong = |field, message: String| Err(TemplateError { field, message });
        if needs_subject && self.subject.trim().is_empty() {
            return wrong("subject", "an email needs a subject".to_owned());
        }
        if self.subject.chars().count() > SUBJECT_MAX {
            return wrong("subject", format!("at most {SUBJECT_MAX} characters"));
        }
        if self.body.chars().count() > BODY_MAX {
            return wrong("body", format!("at most {BODY_MAX} characters"));
        }
        for (field, text) in [("subject", &self.subject), ("body", &self.body)] {
            check_text(text, &TEMPLATE_VARIABLES).map_err(|message| TemplateError { field, message })?;
        }
        if !self.body.contains("{link}") {
            return wrong("body", "the body must carry the answer link: {link}".to_owned());
        }
        Ok(())
    }

    /// Whether the template shows the customer's points (the sender then reads them).
    pub fn uses_points(&self) -> bool {
        self.subject.contains("{points}") || self.body.contains("{points}")
    }

    /// The template with its variables filled in (`points`: the customer's balance).
    pub fn render(&self, name: &str, stars: Option<u8>, points: i64, link: &str) -> (String, String) {
        let stars = stars.map_or_else(String::new, |s| "★".repeat(usize::from(s)));
        let points = points.to_string();
        let fill = |text: &str| {
            text.replace("{name}", name)
                .replace("{stars}", &stars)
                .replace("{points}", &points)
                .replace("{link}", link)
        };
        (fill(&self.subject), fill(&self.body))
    }
}

/// The template for `language` among `templates`: the exact tag, then the same language
/// (`zh-TW` -> `zh-CN`), then the first.
pub fn template_for<'a>(templates: &'a [Template], language: &str) -> Option<&'a Template> {
    let base = |tag: &str| tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
    templates
        .iter()
        .find(|t| t.language.eq_ignore_ascii_case(language))
        .or_else(|| templates.iter().find(|t| base(&t.language) == base(language)))
        .or_else(|| templates.first())
}

stored_enum! {
    /// How an answer reached us.
    pub enum ResponseSource {
        /// The customer's own invitation link.
        Link => "link",
        /// Gathered on the business's own channels (a POS tablet, a call centre) and recorded over
        /// the API.
        Integration => "integration",
    }
}

stored_enum! {
    /// Where an NPS answer falls.
    pub enum NpsGroup {
        /// 0 to 6.
        Detractor => "detractor",
        /// 7 or 8.
        Passive => "passive",
        /// 9 or 10.
        Promoter => "promoter",
    }
}

impl NpsGroup {
    /// The group of an NPS answer (scores above 10 count as promoters; callers check the range).
    pub const fn of(score: u8) -> Self {
        match score {
            0..=6 => Self::Detractor,
            7 | 8 => Self::Passive,
            _ => Self::Promoter,
        }
    }
}

/// The normal quantile of a two-sided 95% interval.
pub const Z95: f64 = 1.96;

/// A score with what it rests on: `value` in points (NPS -100 to 100, CSAT 0 to 100), its
/// standard error and the half-width of the 95% interval, both in points.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Score {
    pub n: u64,
    pub value: f64,
    pub standard_error: f64,
    pub margin: f64,
}

impl Score {
    /// The interval's ends, clamped to the scale (`low`, `high`).
    pub fn interval(&self, low: f64, high: f64) -> (f64, f64) {
        ((self.value - self.margin).max(low), (self.value + self.margin).min(high))
    }
}

/// Answers counted by NPS group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NpsCounts {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
}

impl NpsCounts {
    /// Counts the answers `scores` (0 to 10; others are not NPS answers and are left out).
    pub fn of(scores: impl IntoIterator<Item = u8>) -> Self {
        let mut counts = Self::default();
        for score in scores.into_iter().filter(|s| SurveyKind::Nps.accepts(*s)) {
            match NpsGroup::of(score) {
                NpsGroup::Promoter => counts.promoters += 1,
                NpsGroup::Passive => counts.passives += 1,
                NpsGroup::Detractor => counts.detractors += 1,
            }
        }
        counts
    }

    pub const fn n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// NPS = % promoters - % detractors, with the standard error
    /// `100 * sqrt((pP + pD - (pP - pD)^2) / n)`. `None` without answers.
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub fn score(&self) -> Option<Score> {
        let n = self.n();
        if n == 0 {
            return None;
        }
        let total = n as f64;
        let (p, d) = (self.promoters as f64 / total, self.detractors as f64 / total);
        let variance = (p + d - (p - d).powi(2)).max(0.0);
        let standard_error = 100.0 * (variance / total).sqrt();
        Some(Score { n, value: 100.0 * (p - d), standard_error, margin: Z95 * standard_error })
    }
}

/// CSAT = % of answers that are 4 or 5, with the standard error of a proportion
/// `100 * sqrt(p (1 - p) / n)`. `None` without answers.
#[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
pub fn csat(satisfied: u64, n: u64) -> Option<Score> {
    if n == 0 || satisfied > n {
        return None;
    }
    let total = n as f64;
    let p = satisfied as f64 / total;
    let standard_error = 100.0 * (p * (1.0 - p) / total).sqrt();
    Some(Score { n, value: 100.0 * p, standard_error, margin: Z95 * standard_error })
}

/// Whether a CSAT answer counts as satisfied (4 or 5).
pub const fn csat_satisfied(score: u8) -> bool {
    score >= 4
}

/// How fast an answer's weight fades in a customer's satisfaction: it halves every this many
/// days (a year-old answer counts a quarter as much as today's).
pub const SATISFACTION_HALF_LIFE_DAYS: f64 = 180.0;

/// Answers older than this do not count at all.
pub const SATISFACTION_WINDOW_DAYS: f64 = 730.0;

/// One answer as the satisfaction criterion sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Answer {
    pub kind: SurveyKind,
    pub score: u8,
    /// Days since it was given (0 today).
    pub age_days: f64,
}

/// A customer's satisfaction from 0 to 1: their answers on one scale, recent ones weighing more
/// (half the weight every [`SATISFACTION_HALF_LIFE_DAYS`]); `None` (neutral for the star engine)
/// without any answer in the window.
pub fn satisfaction(answers: &[Answer]) -> Option<f64> {
    let (mut weighted, mut weights) = (0.0, 0.0);
    for answer in answers {
        let age = answer.age_days.max(0.0);
        if age > SATISFACTION_WINDOW_DAYS {
            continue;
        }
        let Some(value) = answer.kind.normalised(answer.score) else { continue };
        let weight = (-age * std::f64::consts::LN_2 / SATISFACTION_HALF_LIFE_DAYS).exp();
        weighted += weight * value;
        weights += weight;
    }
    (weights > 0.0).then(|| (weighted / weights).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn templates_need_the_link_and_only_known_variables() {
        let t = |subject: &str, body: &str| Template {
            language: "zh-CN".to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
        };
        assert!(t("{name}，请评价", "您好 {name}（{stars}），请点击 {link}").check(true).is_ok());
        assert_eq!(t("", "{link}").check(true).map_err(|e| e.field), Err("subject"));
        assert!(t("", "{link}").check(false).is_ok(), "SMS and WeChat have no subject");
        assert_eq!(t("x", "no link here").check(true).map_err(|e| e.field), Err("body"));
        assert!(t("x", "{points} {link}").check(true).is_ok());
        assert_eq!(t("x", "{coupon} {link}").check(true).map_err(|e| e.field), Err("body"));
        assert_eq!(t("x {name", "{link}").check(true).map_err(|e| e.field), Err("subject"));
        let (subject, body) = t("{name}，请评价", "{stars} {points} 积分 {link}").render(
            "林秀英",
            Some(4),
            1280,
            "https://x/s/abc",
        );
        assert_eq!((subject.as_str(), body.as_str()), ("林秀英，请评价", "★★★★ 1280 积分 https://x/s/abc"));
        let list = [t("zh", "{link}"), Template { language: "en".to_owned(), ..t("en", "{link}") }];
        assert_eq!(template_for(&list, "en-GB").map(|t| t.subject.as_str()), Some("en"));
        assert_eq!(template_for(&list, "zh-TW").map(|t| t.subject.as_str()), Some("zh"));
        assert_eq!(template_for(&list, "fr").map(|t| t.subject.as_str()), Some("zh"));
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn nps_is_promoters_minus_detractors_with_its_standard_error() {
        // 50 promoters, 30 passives, 20 detractors: NPS 30.
        let counts = NpsCounts { promoters: 50, passives: 30, detractors: 20 };
        let score = counts.score().expect("answers");
        assert_eq!(score.n, 100);
        assert!(close(score.value, 30.0), "{score:?}");
        // 100 * sqrt((0.5 + 0.2 - 0.3^2) / 100) = 100 * sqrt(0.0061)
        assert!(close(score.standard_error, 100.0 * 0.0061_f64.sqrt()), "{score:?}");
        assert!(close(score.margin, 1.96 * score.standard_error));
        assert!((score.margin - 15.31).abs() < 0.01, "about ±15 points on 100 answers: {score:?}");
        // Everyone a promoter: 100, and no spread.
        let all = NpsCounts { promoters: 7, ..NpsCounts::default() }.score().expect("answers");
        assert!(close(all.value, 100.0) && close(all.standard_error, 0.0), "{all:?}");
        assert_eq!(NpsCounts::default().score(), None);
    }

    #[test]
    fn nps_groups_follow_the_published_cut_offs() {
        let counts = NpsCounts::of([0, 6, 7, 8, 9, 10, 11]);
        assert_eq!(counts, NpsCounts { promoters: 2, passives: 2, detractors: 2 }, "11 is no answer");
        assert_eq!(NpsGroup::of(6), NpsGroup::Detractor);
        assert_eq!(NpsGroup::of(9), NpsGroup::Promoter);
        assert!(SurveyKind::Nps.is_unhappy(6) && !SurveyKind::Nps.is_unhappy(7));
        assert!(SurveyKind::Nps.is_happy(9) && !SurveyKind::Nps.is_happy(8));
        assert!(SurveyKind::Csat.is_happy(4) && !SurveyKind::Csat.is_happy(3));
        assert!(SurveyKind::Csat.is_unhappy(2) && !SurveyKind::Csat.is_unhappy(3));
    }

    #[test]
    fn csat_is_the_share_of_fours_and_fives_with_a_proportions_margin() {
        let score = csat(80, 100).expect("answers");
        assert!(close(score.value, 80.0));
        assert!(close(score.standard_error, 4.0), "100 * sqrt(0.8 * 0.2 / 100) = 4: {score:?}");
        assert!(close(score.margin, 7.84));
        assert_eq!(score.interval(0.0, 100.0), (80.0 - 7.84, 80.0 + 7.84));
        assert_eq!(csat(0, 0), None);
        assert_eq!(csat(3, 2), None, "more satisfied than answers is no score");
        assert!(csat_satisfied(4) && !csat_satisfied(3));
    }

    #[test]
    fn satisfaction_is_neutral_without_answers_and_leans_to_the_recent_ones() {
        assert_eq!(satisfaction(&[]), None);
        let old = Answer { kind: SurveyKind::Nps, score: 0, age_days: 360.0 };
        let recent = Answer { kind: SurveyKind::Csat, score: 5, age_days: 0.0 };
        let both = satisfaction(&[old, recent]).expect("answers");
        // Weights 1 and 1/4: (0.25 * 0 + 1 * 1) / 1.25 = 0.8.
        assert!(close(both, 0.8), "{both}");
        let stale = Answer { age_days: SATISFACTION_WINDOW_DAYS + 1.0, ..recent };
        assert_eq!(satisfaction(&[stale]), None, "too old to count");
        let bad = Answer { kind: SurveyKind::Csat, score: 9, age_days: 0.0 };
        assert_eq!(satisfaction(&[bad]), None, "9 is no CSAT answer");
        assert_eq!(SurveyKind::Csat.normalised(3), Some(0.5));
        assert_eq!(SurveyKind::Nps.normalised(10), Some(1.0));
    }

    proptest! {
        #[test]
        fn scores_stay_on_their_scales(p in 0_u64..500, q in 0_u64..500, d in 0_u64..500) {
            let counts = NpsCounts { promoters: p, passives: q, detractors: d };
            if let Some(s) = counts.score() {
                prop_assert!((-100.0..=100.0).contains(&s.value));
                prop_assert!(s.standard_error >= 0.0 && s.standard_error <= 100.0);
                let (low, high) = s.interval(-100.0, 100.0);
                prop_assert!(low <= s.value && s.value <= high);
            } else {
                prop_assert_eq!(counts.n(), 0);
            }
            if let Some(c) = csat(p.min(q + p), q + p) {
                prop_assert!((0.0..=100.0).contains(&c.value));
                let n = f64::from(u32::try_from(q + p).unwrap_or(u32::MAX));
                prop_assert!(c.standard_error <= 50.0 / n.sqrt() + 1e-9, "largest at p = 1/2");
            }
        }

        #[test]
        fn satisfaction_stays_between_the_worst_and_best_answer_given(
            answers in proptest::collection::vec((any::<bool>(), 0_u8..=10, 0.0_f64..800.0), 0..20)
        ) {
            let answers: Vec<Answer> = answers
                .into_iter()
                .map(|(nps, score, age_days)| {
                    let kind = if nps { SurveyKind::Nps } else { SurveyKind::Csat };
                    Answer { kind, score, age_days }
                })
                .collect();
            let counted: Vec<f64> = answers
                .iter()
                .filter(|a| a.age_days <= SATISFACTION_WINDOW_DAYS)
                .filter_map(|a| a.kind.normalised(a.score))
                .collect();
            match satisfaction(&answers) {
                None => prop_assert!(counted.is_empty()),
                Some(s) => {
                    let low = counted.iter().copied().fold(f64::INFINITY, f64::min);
                    let high = counted.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    prop_assert!(s >= low - 1e-9 && s <= high + 1e-9, "{s} outside {low}..{high}");
                }
            }
        }
    }
}
