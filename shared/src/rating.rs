//! The star rating: a workspace's policy (criteria with weights and normalisations, thresholds,
//! downgrade protection) and the one pure function that turns a customer's aggregates into a
//! score from 0 to 100, 1 to 5 stars and a breakdown per criterion. The server evaluates with it;
//! the SPA previews drafts with it, so both always agree.

use crate::stored_enum;
use crate::validate::Invalid;

stored_enum! {
    /// What made a customer's stars change.
    pub enum Trigger {
        /// A purchase or refund was recorded.
        Transaction => "transaction",
        /// The workspace's scheduled re-evaluation.
        Schedule => "schedule",
        /// Someone asked for a re-evaluation (`recalculateStars`, `starcrm rerate`).
        Manual => "manual",
        /// A new policy was activated.
        PolicyChange => "policy_change",
        /// Stars set by hand.
        Override => "override",
        /// A manual override ended (expired or lifted) and the computed stars apply again.
        OverrideEnded => "override_ended",
        /// A new customer was given the policy's welcome level.
        Welcome => "welcome",
        /// A new customer's welcome period ended and the computed stars apply again.
        WelcomeEnded => "welcome_ended",
        /// Two customers were merged or a merge undone.
        Merge => "merge",
        /// The first rating of customers loaded in bulk (`starcrm seed`, an import).
        Initial => "initial",
        /// A complaint was opened (complaints count against the score).
        Complaint => "complaint",
        /// The customer answered a survey (satisfaction counts in the score).
        Survey => "survey",
    }
}

stored_enum! {
    /// Where a background job stands.
    pub enum JobStatus {
        Queued => "queued",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
    }
}

stored_enum! {
    /// Where a rating policy version stands: edited as a draft, then active, then archived.
    pub enum PolicyStatus {
        Draft => "draft",
        Active => "active",
        Archived => "archived",
    }
}

stored_enum! {
    /// What a policy can weigh.
    pub enum Criterion {
        /// Spend in the window (purchases minus refunds), minor units.
        Monetary => "monetary",
        /// Orders in the window.
        Frequency => "frequency",
        /// Days since the last purchase (fewer is better).
        Recency => "recency",
        /// Days since the first purchase.
        Tenure => "tenure",
        /// Distinct product categories bought in the window.
        Breadth => "breadth",
        /// Satisfaction from surveys, 0 to 1 (neutral until surveys exist).
        Satisfaction => "satisfaction",
        /// Complaints in the window (a penalty; neutral until tickets exist).
        Complaints => "complaints",
    }
}

impl Criterion {
    /// Whether a bigger raw value earns more (recency and complaints earn less).
    pub const fn higher_is_better(self) -> bool {
        !matches!(self, Self::Recency | Self::Complaints)
    }

    /// What the criterion's raw values count.
    pub const fn unit(self) -> Unit {
        match self {
            Self::Monetary => Unit::Money,
            Self::Frequency => Unit::Orders,
            Self::Recency | Self::Tenure => Unit::Days,
            Self::Breadth => Unit::Categories,
            Self::Satisfaction => Unit::Percent,
            Self::Complaints => Unit::Complaints,
        }
    }
}

/// What a criterion's caps and step thresholds are counted in, as an editor shows them: money
/// in whole currency units (stored in minor units), satisfaction in percent (stored 0 to 1),
/// the rest as counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Money,
    Orders,
    Days,
    Categories,
    Percent,
    Complaints,
}

impl Unit {
    /// Raw units per shown unit.
    const fn scale(self) -> f64 {
        match self {
            Self::Money => 100.0,
            Self::Percent => 0.01,
            _ => 1.0,
        }
    }

    /// A raw value (a cap, a threshold) as shown; rounded to two decimals so that a stored
    /// value read back and saved unchanged stays what it was.
    pub fn shown(self, raw: f64) -> f64 {
        (raw / self.scale() * 100.0).round() / 100.0
    }

    /// A shown value as stored.
    pub fn stored(self, shown: f64) -> f64 {
        let raw = shown * self.scale();
        // Money is whole minor units; percentages may keep their fraction.
        if self == Self::Money { raw.round() } else { raw }
    }
}

stored_enum! {
    /// How a raw value becomes a normalised value from 0 to 1.
    pub enum NormalisationKind {
        /// Straight line from 0 up to `cap` (at or beyond the cap: full marks). For lower-is-better
        /// criteria: full marks at 0, none at the cap.
        Linear => "linear",
        /// A table of (threshold, value): the value of the last threshold reached (higher-is-better:
        /// raw >= threshold; lower-is-better: raw <= threshold); 0 when none is.
        Steps => "steps",
        /// Rank within the workspace's customers: the share of them with a worse raw value.
        Percentile => "percentile",
    }
}

/// How a raw value becomes a normalised value from 0 to 1: `cap` serves `LINEAR`, `steps` serve
/// `STEPS` (flat rather than a tagged union so GraphQL can take it as input).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "NormalisationInput"))]
pub struct Normalisation {
    pub kind: NormalisationKind,
    #[serde(default)]
    pub cap: f64,
    #[serde(default)]
    pub steps: Vec<Step>,
}

impl Normalisation {
    pub const fn linear(cap: f64) -> Self {
        Self { kind: NormalisationKind::Linear, cap, steps: Vec::new() }
    }

    pub fn step_table(pairs: &[(f64, f64)]) -> Self {
        let steps = pairs.iter().map(|&(threshold, value)| Step { threshold, value }).collect();
        Self { kind: NormalisationKind::Steps, cap: 0.0, steps }
    }

    pub const fn percentile() -> Self {
        Self { kind: NormalisationKind::Percentile, cap: 0.0, steps: Vec::new() }
    }
}

/// One row of a step table.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "StepInput"))]
pub struct Step {
    pub threshold: f64,
    pub value: f64,
}

/// A weighed criterion of a policy.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "RuleInput"))]
pub struct Rule {
    pub criterion: Criterion,
    /// Points out of 100; the weights of a policy sum to 100.
    pub weight: u32,
    pub normalisation: Normalisation,
}

/// The lowest score of each star level above one.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "ThresholdsInput"))]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    pub two: f64,
    pub three: f64,
    pub four: f64,
    pub five: f64,
}

impl Thresholds {
    pub const fn as_array(self) -> [f64; 4] {
        [self.two, self.three, self.four, self.five]
    }

    /// The stars a score earns.
    pub fn stars(self, score: f64) -> u8 {
        let reached = self.as_array().iter().filter(|t| score >= **t).count();
        1 + u8::try_from(reached).unwrap_or(4)
    }

    /// The lowest score that earns `stars` (1 to 5).
    pub fn floor_of(self, stars: u8) -> f64 {
        match stars {
            0 | 1 => 0.0,
            n => self.as_array()[usize::from(n.min(5)) - 2],
        }
    }
}

stored_enum! {
    /// How often the whole workspace is re-evaluated.
    pub enum Cadence {
        /// Only when someone asks (and when a policy is activated).
        Manual => "manual",
        /// Every month on the schedule's day.
        Monthly => "monthly",
        /// On the schedule's day of January, April, July and October.
        Quarterly => "quarterly",
    }
}

/// When the workspace is re-evaluated: on `day` (1 to 28) of the month or quarter, at 02:00 in the
/// workspace's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "ScheduleInput"))]
pub struct Schedule {
    pub cadence: Cadence,
    pub day: u8,
}

impl Default for Schedule {
    fn default() -> Self {
        Self { cadence: Cadence::Monthly, day: 1 }
    }
}

impl Schedule {
    /// The months (1 to 12) a run falls in; empty for manual.
    pub fn months(self) -> &'static [u32] {
        match self.cadence {
            Cadence::Manual => &[],
            Cadence::Monthly => &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
            Cadence::Quarterly => &[1, 4, 7, 10],
        }
    }
}

/// A rating policy: the window, the criteria, the thresholds, downgrade protection and the
/// schedule of whole-workspace re-evaluations.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "PolicyInput"))]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// Days of history that count for windowed criteria (spend, orders, breadth, complaints).
    pub window_days: u32,
    pub rules: Vec<Rule>,
    pub thresholds: Thresholds,
    /// Days a customer keeps their stars after falling below them (0: none).
    pub grace_days: u32,
    /// Whether one evaluation lowers stars by one at most.
    pub one_step_down: bool,
    #[serde(default)]
    pub schedule: Schedule,
    /// New customers' welcome level, if the workspace gives one.
    #[serde(default)]
    pub welcome: Option<Welcome>,
}

/// A welcome for new customers (the seeds' 新客户注册送星级): for `days` after they join, they are
/// shown at least `stars`. Given when the customer is created (by staff, an integration or a first
/// purchase; not to customers loaded in bulk by an import), kept if the policy changes later, and
/// marked in the explanation. The score is unchanged: the welcome lifts the stars shown only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject, async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(input_name = "WelcomeInput"))]
#[serde(rename_all = "camelCase")]
pub struct Welcome {
    /// 2 to 5.
    pub stars: u8,
    /// 1 to 366.
    pub days: u32,
}

/// The stars shown: a manual override's, else the stars the engine holds the customer at, lifted
/// to a welcome level in force.
pub fn shown_stars(computed: u8, welcome: Option<u8>, manual: Option<u8>) -> u8 {
    manual.unwrap_or_else(|| welcome.map_or(computed, |w| w.max(computed)))
}

impl Policy {
    /// The policy every new workspace starts with.
    pub fn standard() -> Self {
        let rule = |criterion, weight, normalisation| Rule { criterion, weight, normalisation };
        Self {
            window_days: 365,
            rules: vec![
                rule(Criterion::Monetary, 30, Normalisation::percentile()),
                rule(Criterion::Frequency, 25, Normalisation::percentile()),
                rule(
                    Criterion::Recency,
                    20,
                    Normalisation::step_table(&[(30.0, 1.0), (90.0, 0.75), (180.0, 0.5), (365.0, 0.25)]),
                ),
                rule(Criterion::Tenure, 10, Normalisation::linear(730.0)),
                rule(Criterion::Breadth, 5, Normalisation::linear(5.0)),
                rule(Criterion::Satisfaction, 5, Normalisation::linear(1.0)),
                rule(Criterion::Complaints, 5, Normalisation::linear(3.0)),
            ],
            thresholds: Thresholds { two: 20.0, three: 40.0, four: 60.0, five: 80.0 },
            grace_days: 30,
            one_step_down: true,
            schedule: Schedule::default(),
            welcome: None,
        }
    }

    /// Checks the policy; the error names the field (`rules[2].normalisation.cap`, ...).
    ///
    /// # Errors
    /// Weights not summing to 100, a criterion twice, a bad cap or step table, thresholds not
    /// rising within 0 to 100, a window outside 1 to 3650 days or a grace period over a year.
    pub fn check(&self) -> Result<(), (String, Invalid)> {
        if !(1..=3650).contains(&self.window_days) {
            return Err(("windowDays".to_owned(), Invalid::TooLarge));
        }
        if self.grace_days > 366 {
            return Err(("graceDays".to_owned(), Invalid::TooLarge));
        }
        if let Some(w) = self.welcome {
            if !(2..=5).contains(&w.stars) {
                return Err(("welcome.stars".to_owned(), Invalid::NotAnOption));
            }
            if !(1..=366).contains(&w.days) {
                return Err(("welcome.days".to_owned(), Invalid::TooLarge));
            }
        }
        if self.rules.is_empty() {
            return Err(("rules".to_owned(), Invalid::Required));
        }
        if self.schedule.cadence != Cadence::Manual && !(1..=28).contains(&self.schedule.day) {
            return Err(("schedule.day".to_owned(), Invalid::NotAnOption));
        }
        let mut seen = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let at = |f: &str| format!("rules[{i}].{f}");
            if seen.contains(&rule.criterion) {
                return Err((at("criterion"), Invalid::Duplicate));
            }
            seen.push(rule.criterion);
            if rule.weight > 100 {
                return Err((at("weight"), Invalid::TooLarge));
            }
            let n = &rule.normalisation;
            match n.kind {
                NormalisationKind::Linear if !(n.cap.is_finite() && n.cap > 0.0) => {
                    return Err((at("normalisation.cap"), Invalid::Negative));
                }
                NormalisationKind::Steps => check_steps(&n.steps, rule.criterion.higher_is_better())
                    .map_err(|(j, reason)| (at(&format!("normalisation.steps[{j}]")), reason))?,
                _ => {}
            }
        }
        if self.rules.len() > Criterion::ALL.len() {
            return Err(("rules".to_owned(), Invalid::TooLarge));
        }
        if self.rules.iter().map(|r| r.weight).sum::<u32>() != 100 {
            return Err(("rules".to_owned(), Invalid::WrongType));
        }
        let t = self.thresholds.as_array();
        let rising = t.windows(2).all(|w| w[0] < w[1]);
        if !rising || t[0] <= 0.0 || t[3] > 100.0 || t.iter().any(|v| !v.is_finite()) {
            return Err(("thresholds".to_owned(), Invalid::NotAnOption));
        }
        Ok(())
    }
}

/// A step table: thresholds rising, values within 0 to 1 and never worse for a better raw value.
fn check_steps(steps: &[Step], higher_is_better: bool) -> Result<(), (usize, Invalid)> {
    if steps.is_empty() {
        return Err((0, Invalid::Required));
    }
    for (j, step) in steps.iter().enumerate() {
        if !step.threshold.is_finite() || step.threshold < 0.0 {
            return Err((j, Invalid::Negative));
        }
        if !(0.0..=1.0).contains(&step.value) {
            return Err((j, Invalid::TooLarge));
        }
        if let Some(prev) = j.checked_sub(1).map(|p| steps[p]) {
            // Higher-is-better tables reward more as thresholds rise; lower-is-better ones less.
            let ordered = prev.threshold < step.threshold
                && if higher_is_better { prev.value <= step.value } else { prev.value >= step.value };
            if !ordered {
                return Err((j, Invalid::NotAnOption));
            }
        }
    }
    Ok(())
}

/// A customer's history as the criteria read it. `None`: no data for the criterion (never bought,
/// no survey, no ticket system yet): the criterion then counts neither for nor against them.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Aggregates {
    pub spend_minor: i64,
    pub orders: u32,
    pub days_since_last_purchase: Option<u32>,
    pub days_since_first_purchase: Option<u32>,
    pub categories: u32,
    pub satisfaction: Option<f64>,
    pub complaints: Option<u32>,
}

impl Aggregates {
    /// These aggregates with `n` more of `criterion`: minor units of spend, orders or categories
    /// (other criteria are not counted in units one adds).
    #[must_use]
    pub fn with_more(self, criterion: Criterion, n: i64) -> Self {
        let count = |v: u32| v.saturating_add(u32::try_from(n.max(0)).unwrap_or(u32::MAX));
        match criterion {
            Criterion::Monetary => Self { spend_minor: self.spend_minor.saturating_add(n), ..self },
            Criterion::Frequency => Self { orders: count(self.orders), ..self },
            Criterion::Breadth => Self { categories: count(self.categories), ..self },
            _ => self,
        }
    }

    /// These aggregates after one more purchase of `amount_minor` made today: spend, orders and
    /// recency move together (and tenure starts with a first purchase), as they do when the
    /// purchase is recorded. Categories stay: a purchase may or may not add one.
    #[must_use]
    pub fn with_purchase(self, amount_minor: i64) -> Self {
        Self {
            spend_minor: self.spend_minor.saturating_add(amount_minor.max(0)),
            orders: self.orders.saturating_add(1),
            days_since_last_purchase: Some(0),
            days_since_first_purchase: Some(self.days_since_first_purchase.unwrap_or(0)),
            ..self
        }
    }

    /// The raw value of `criterion`; `None` when there is nothing to judge it by.
    #[allow(clippy::cast_precision_loss)]
    pub fn raw(&self, criterion: Criterion) -> Option<f64> {
        match criterion {
            Criterion::Monetary => Some(self.spend_minor.max(0) as f64),
            Criterion::Frequency => Some(f64::from(self.orders)),
            // Never bought: the worst recency there is, rather than no data.
            Criterion::Recency => Some(self.days_since_last_purchase.map_or(f64::INFINITY, f64::from)),
            Criterion::Tenure => Some(self.days_since_first_purchase.map_or(0.0, f64::from)),
            Criterion::Breadth => Some(f64::from(self.categories)),
            Criterion::Satisfaction => self.satisfaction.map(|s| s.clamp(0.0, 1.0)),
            Criterion::Complaints => self.complaints.map(f64::from),
        }
    }
}

/// The workspace's distribution of each percentile-ranked criterion: ascending quantiles (any
/// number of them; 101 cut points from 0 % to 100 % is usual).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PopulationStats {
    pub quantiles: Vec<(Criterion, Vec<f64>)>,
}

impl PopulationStats {
    fn of(&self, criterion: Criterion) -> Option<&[f64]> {
        self.quantiles.iter().find(|(c, _)| *c == criterion).map(|(_, q)| q.as_slice())
    }

    /// The share of the population with a smaller raw value, ties counted half (0 to 1). With no
    /// distribution known, everyone ranks in the middle.
    #[allow(clippy::cast_precision_loss)]
    pub fn rank(&self, criterion: Criterion, raw: f64) -> f64 {
        let Some(cuts) = self.of(criterion).filter(|q| !q.is_empty()) else { return 0.5 };
        let below = cuts.partition_point(|q| *q < raw);
        let at_or_below = cuts.partition_point(|q| *q <= raw);
        (below + at_or_below) as f64 / (2 * cuts.len()) as f64
    }
}

/// How much one criterion gave.
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contribution {
    pub criterion: Criterion,
    /// The value judged (`None`: no data, or never bought for recency).
    pub raw: Option<f64>,
    /// Whether it counted: without data its weight went to the other criteria.
    pub counted: bool,
    /// 0 to 1.
    pub normalised: f64,
    /// The policy's weight.
    pub weight: u32,
    /// Points of the score (0 to 100 in all).
    pub points: f64,
    /// The most it could give: its weight, grown by the share of criteria without data.
    pub max_points: f64,
}

/// A score, its stars and why.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub score: f64,
    pub stars: u8,
    pub breakdown: Vec<Contribution>,
}

/// A raw value normalised to 0..1 by `rule`.
pub fn normalise(rule: &Rule, raw: f64, stats: &PopulationStats) -> f64 {
    let better_up = rule.criterion.higher_is_better();
    let n = &rule.normalisation;
    let value = match n.kind {
        NormalisationKind::Linear => {
            let share = if raw.is_finite() { (raw / n.cap).clamp(0.0, 1.0) } else { 1.0 };
            if better_up { share } else { 1.0 - share }
        }
        NormalisationKind::Steps => {
            let steps = &n.steps;
            let reached = |s: &&Step| if better_up { raw >= s.threshold } else { raw <= s.threshold };
            if better_up {
                steps.iter().rev().find(reached).map_or(0.0, |s| s.value)
            } else {
                steps.iter().find(reached).map_or(0.0, |s| s.value)
            }
        }
        NormalisationKind::Percentile => {
            let rank = stats.rank(rule.criterion, raw);
            if better_up { rank } else { 1.0 - rank }
        }
    };
    value.clamp(0.0, 1.0)
}

/// Scores a customer: each criterion with data gives its normalised value times its weight; the
/// weights of criteria without data are shared out over the others in proportion, so a missing
/// survey or ticket system neither helps nor hurts. Rounded to two decimals.
pub fn evaluate(aggregates: &Aggregates, policy: &Policy, stats: &PopulationStats) -> Evaluation {
    let parts: Vec<(&Rule, Option<f64>, f64)> = policy
        .rules
        .iter()
        .map(|rule| {
            let raw = aggregates.raw(rule.criterion);
            (rule, raw, raw.map_or(0.0, |r| normalise(rule, r, stats)))
        })
        .collect();
    let counted: u32 = parts.iter().filter(|(_, raw, _)| raw.is_some()).map(|(rule, _, _)| rule.weight).sum();
    let scale = if counted == 0 { 0.0 } else { 100.0 / f64::from(counted) };
    let breakdown: Vec<Contribution> = parts
        .into_iter()
        .map(|(rule, raw, normalised)| Contribution {
            criterion: rule.criterion,
            raw: raw.filter(|r| r.is_finite()),
            counted: raw.is_some(),
            normalised,
            weight: rule.weight,
            points: if raw.is_some() { normalised * f64::from(rule.weight) * scale } else { 0.0 },
            max_points: if raw.is_some() { f64::from(rule.weight) * scale } else { 0.0 },
        })
        .collect();
    let total: f64 = breakdown.iter().map(|c| c.points).sum();
    let score = (total.clamp(0.0, 100.0) * 100.0).round() / 100.0;
    Evaluation { score, stars: policy.thresholds.stars(score), breakdown }
}

/// Where a customer stands before an evaluation: their stars and, when the computed stars are
/// below them, the day (days since 1970-01-01) they first fell below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    pub stars: u8,
    pub below_since: Option<i64>,
}

/// A drop the grace period holds back: to `stars` on day `on_day` unless the score recovers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AtRisk {
    pub stars: u8,
    pub on_day: i64,
}

/// The stars an evaluation gives after downgrade protection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub stars: u8,
    pub below_since: Option<i64>,
    pub at_risk: Option<AtRisk>,
}

/// Applies the policy's downgrade protection to freshly `computed` stars on day `today`. Rises
/// take effect at once. A fall waits out the grace period (counted from the day the customer
/// first fell below, and flagged "at risk" meanwhile), then lowers the stars by one at a time
/// when `one_step_down` is set (the next step waits a new grace period), else straight to the
/// computed stars.
pub fn protect(current: Option<Standing>, computed: u8, today: i64, policy: &Policy) -> Decision {
    let Some(current) = current.filter(|c| computed < c.stars) else {
        return Decision { stars: computed, below_since: None, at_risk: None };
    };
    let grace = i64::from(policy.grace_days);
    let step = |from: u8| if policy.one_step_down { from.saturating_sub(1).max(computed) } else { computed };
    let since = current.below_since.unwrap_or(today);
    if grace > 0 && today < since + grace {
        let at_risk = AtRisk { stars: step(current.stars), on_day: since + grace };
        return Decision { stars: current.stars, below_since: Some(since), at_risk: Some(at_risk) };
    }
    let stars = step(current.stars);
    if stars > computed {
        // Still above the computed stars: the next step down waits its own grace period.
        let at_risk = (grace > 0).then(|| AtRisk { stars: step(stars), on_day: today + grace });
        Decision { stars, below_since: Some(today), at_risk }
    } else {
        Decision { stars, below_since: None, at_risk: None }
    }
}

/// One way to reach more stars: `more` of `criterion` (minor units of spend, orders,
/// categories) with everything else unchanged.
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    pub criterion: Criterion,
    pub more: i64,
}

/// The least extra spend, orders or categories (each alone) that would earn `target` stars; the
/// ones that cannot get there alone are left out. Empty when the customer already has them.
pub fn ways_to_reach(
    aggregates: &Aggregates,
    policy: &Policy,
    stats: &PopulationStats,
    target: u8,
) -> Vec<Suggestion> {
    let goal = policy.thresholds.floor_of(target);
    let reaches = |with: &Aggregates| evaluate(with, policy, stats).score >= goal;
    if reaches(aggregates) {
        return Vec::new();
    }
    [(Criterion::Monetary, 1_000_000_000_000), (Criterion::Frequency, 100_000), (Criterion::Breadth, 1_000)]
        .into_iter()
        .filter(|(criterion, _)| policy.rules.iter().any(|r| r.criterion == *criterion && r.weight > 0))
        .filter_map(|(criterion, most)| {
            if !reaches(&aggregates.with_more(criterion, most)) {
                return None;
            }
            // The score never falls as the lever rises: bisect for the least that reaches.
            let (mut low, mut high) = (0, most);
            while high - low > 1 {
                let mid = low + (high - low) / 2;
                if reaches(&aggregates.with_more(criterion, mid)) { high = mid } else { low = mid }
            }
            Some(Suggestion { criterion, more: high })
        })
        .collect()
}

/// Points above a level's threshold within which a customer counts as close to dropping it.
pub const DROP_MARGIN: f64 = 5.0;

/// The scores below which a customer holding `stars` is close to dropping a star: the level's
/// threshold plus [`DROP_MARGIN`] (never past the next level's threshold). Scores already under
/// the threshold count too: downgrade protection is all that holds those. `None` at one star,
/// which cannot drop.
pub fn drop_line(thresholds: Thresholds, stars: u8) -> Option<f64> {
    if !(2..=5).contains(&stars) {
        return None;
    }
    let line = thresholds.floor_of(stars) + DROP_MARGIN;
    Some(if stars < 5 { line.min(thresholds.floor_of(stars + 1)) } else { line })
}

/// Whether a customer with `stars` and `score` is close to dropping a star (see [`drop_line`]).
pub fn close_to_dropping(thresholds: Thresholds, stars: u8, score: f64) -> bool {
    drop_line(thresholds, stars).is_some_and(|line| score < line)
}

/// The smallest single purchase (minor units, made today) after which the score earns
/// `target` stars, by [`evaluate`] on [`Aggregates::with_purchase`]: what recording it would
/// really do, spend, orders and recency together. `None` when no purchase alone gets there
/// (the other criteria hold the score down) or the score already earns `target`.
pub fn purchase_to_reach(
    aggregates: &Aggregates,
    policy: &Policy,
    stats: &PopulationStats,
    target: u8,
) -> Option<i64> {
    const MOST: i64 = 1_000_000_000_000;
    let goal = policy.thresholds.floor_of(target);
    let reaches = |amount: i64| evaluate(&aggregates.with_purchase(amount), policy, stats).score >= goal;
    if target <= 1 || evaluate(aggregates, policy, stats).score >= goal || !reaches(MOST) {
        return None;
    }
    if reaches(1) {
        return Some(1);
    }
    // The score never falls as the amount rises: bisect for the least that reaches.
    let (mut low, mut high) = (1, MOST);
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if reaches(mid) { high = mid } else { low = mid }
    }
    Some(high)
}

/// The weights after moving weight `index` to `value` during a drag that started at `start`:
/// always rebalanced from `start`, never from the last step, so that rounding cannot pile up
/// and moving the slider back where it was gives back exactly the weights it started from.
pub fn rebalanced_from(start: &[u32], index: usize, value: u32) -> Vec<u32> {
    let mut weights = start.to_vec();
    rebalance(&mut weights, index, value);
    weights
}

/// Sets weight `index` to `value` (at most 100) and shares the rest of the 100 points among the
/// other weights in proportion to what they had (equally when they had none), so the sum stays
/// 100. Integer points; the remainder goes to the largest fractions.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
pub fn rebalance(weights: &mut [u32], index: usize, value: u32) {
    if index >= weights.len() {
        return;
    }
    let value = value.min(100);
    weights[index] = value;
    let others: Vec<usize> = (0..weights.len()).filter(|i| *i != index).collect();
    if others.is_empty() {
        weights[index] = 100;
        return;
    }
    let rest = 100 - value;
    let had: u32 = others.iter().map(|i| weights[*i]).sum();
    let shares: Vec<f64> = others
        .iter()
        .map(|i| {
            if had == 0 {
                f64::from(rest) / others.len() as f64
            } else {
                f64::from(rest) * f64::from(weights[*i]) / f64::from(had)
            }
        })
        .collect();
    let mut given: u32 = 0;
    for (i, share) in others.iter().zip(&shares) {
        weights[*i] = share.floor() as u32;
        given += weights[*i];
    }
    let mut order: Vec<usize> = (0..others.len()).collect();
    order.sort_by(|a, b| (shares[*b] - shares[*b].floor()).total_cmp(&(shares[*a] - shares[*a].floor())));
    for k in order.into_iter().take((rest - given) as usize) {
        weights[others[k]] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats() -> PopulationStats {
        // Spend spread from 0 to 10,000.00 yuan, orders from 0 to 100.
        let spend = (0..=100).map(|i| f64::from(i) * 10_000.0).collect();
        let orders = (0..=100).map(f64::from).collect();
        PopulationStats { quantiles: vec![(Criterion::Monetary, spend), (Criterion::Frequency, orders)] }
    }

    fn customer(spend_minor: i64, orders: u32, last: Option<u32>) -> Aggregates {
        Aggregates {
            spend_minor,
            orders,
            days_since_last_purchase: last,
            days_since_first_purchase: last.map(|d| d + 400),
            categories: orders.min(4),
            satisfaction: None,
            complaints: None,
        }
    }

    #[test]
    fn close_to_dropping_means_just_above_the_threshold_or_held_below_it() {
        let t = Thresholds { two: 20.0, three: 40.0, four: 60.0, five: 80.0 };
        assert!(close_to_dropping(t, 3, 41.0));
        assert!(close_to_dropping(t, 3, 44.99));
        assert!(!close_to_dropping(t, 3, 45.0));
        assert!(close_to_dropping(t, 3, 30.0), "held at 3 by protection");
        assert!(!close_to_dropping(t, 1, 0.5), "one star cannot drop");
        assert!(close_to_dropping(t, 5, 84.0) && !close_to_dropping(t, 5, 85.0));
        // Levels closer together than the margin: never past the next level.
        let tight = Thresholds { two: 20.0, three: 22.0, four: 60.0, five: 80.0 };
        assert_eq!(drop_line(tight, 2), Some(22.0));
    }

    #[test]
    fn the_purchase_hint_is_what_recording_that_purchase_gives() {
        let policy = Policy::standard();
        let stats = stats();
        // Bought a while ago: a new purchase moves recency as much as spend.
        let before = customer(300_000, 2, Some(200));
        let now = evaluate(&before, &policy, &stats);
        let target = now.stars + 1;
        let amount = purchase_to_reach(&before, &policy, &stats, target).expect("a purchase gets there");
        let after = evaluate(&before.with_purchase(amount), &policy, &stats);
        assert!(after.stars >= target, "{amount}: {} -> {}", now.stars, after.stars);
        if amount > 1 {
            let short = evaluate(&before.with_purchase(amount - 1), &policy, &stats);
            assert!(short.stars < target, "the least amount: {amount}");
        }
        // The spend-only lever asks for far more: it ignores the order and the fresh recency.
        let spend_alone = ways_to_reach(&before, &policy, &stats, target)
            .into_iter()
            .find(|w| w.criterion == Criterion::Monetary)
            .map_or(i64::MAX, |w| w.more);
        assert!(amount < spend_alone, "{amount} < {spend_alone}");
        assert_eq!(purchase_to_reach(&before, &policy, &stats, now.stars), None, "already there");
        assert_eq!(purchase_to_reach(&before, &policy, &stats, 1), None);
    }

    #[test]
    fn a_slider_moved_away_and_back_restores_every_weight() {
        let start = [30, 25, 20, 10, 5, 5, 5];
        // A drag passes through many values; each step starts again from `start`.
        let mut last = start.to_vec();
        for value in [31, 45, 80, 100, 0, 12, 29, 30] {
            last = rebalanced_from(&start, 0, value);
            assert_eq!(last.iter().sum::<u32>(), 100, "{last:?}");
            assert_eq!(last[0], value);
        }
        assert_eq!(last, start, "back where it started");
        // Stepping from the last step instead (the old way) drifts: why the drag keeps `start`.
        let mut drifting = start.to_vec();
        for value in [80, 100, 30] {
            rebalance(&mut drifting, 0, value);
        }
        assert_ne!(drifting, start);
    }

    #[test]
    fn units_show_money_in_yuan_and_satisfaction_in_percent() {
        assert_eq!(Criterion::Monetary.unit(), Unit::Money);
        assert!((Unit::Money.shown(500_000.0) - 5_000.0).abs() < f64::EPSILON);
        assert!((Unit::Money.stored(4_999.995) - 500_000.0).abs() < f64::EPSILON, "whole fen");
        assert!((Unit::Percent.shown(0.8) - 80.0).abs() < 1e-9);
        assert!((Unit::Percent.stored(80.0) - 0.8).abs() < 1e-9);
        assert!((Unit::Days.shown(730.0) - 730.0).abs() < f64::EPSILON);
        for c in Criterion::ALL {
            let raw = 1_234.0;
            let back = c.unit().stored(c.unit().shown(raw));
            assert!((back - raw).abs() < 1e-6, "{c:?}: {back}");
        }
    }

    #[test]
    fn rebalancing_keeps_the_sum_at_100() {
        let mut w = [30, 25, 20, 10, 5, 5, 5];
        rebalance(&mut w, 0, 50);
        assert_eq!(w[0], 50);
        assert_eq!(w.iter().sum::<u32>(), 100);
        assert!(w[1] > w[2] && w[2] > w[3], "proportions kept: {w:?}");
        rebalance(&mut w, 0, 100);
        assert_eq!(w, [100, 0, 0, 0, 0, 0, 0]);
        rebalance(&mut w, 0, 40);
        assert_eq!(w, [40, 10, 10, 10, 10, 10, 10], "shared equally when the others had nothing");
        rebalance(&mut w, 3, 250);
        assert_eq!(w, [0, 0, 0, 100, 0, 0, 0]);
    }

    #[test]
    fn the_standard_policy_is_valid() {
        assert_eq!(Policy::standard().check(), Ok(()));
    }

    #[test]
    fn bad_policies_name_the_field() {
        let mut p = Policy::standard();
        p.rules[0].weight = 31;
        assert_eq!(p.check().map_err(|e| e.0), Err("rules".to_owned()));
        let mut p = Policy::standard();
        p.rules[1].criterion = Criterion::Monetary;
        assert_eq!(p.check().map_err(|e| e.0), Err("rules[1].criterion".to_owned()));
        let mut p = Policy::standard();
        p.rules[3].normalisation = Normalisation::linear(0.0);
        assert_eq!(p.check().map_err(|e| e.0), Err("rules[3].normalisation.cap".to_owned()));
        let mut p = Policy::standard();
        p.rules[2].normalisation = Normalisation::step_table(&[(30.0, 0.5), (90.0, 0.9)]);
        assert_eq!(p.check().map_err(|e| e.0), Err("rules[2].normalisation.steps[1]".to_owned()));
        let mut p = Policy::standard();
        p.schedule.day = 31;
        assert_eq!(p.check().map_err(|e| e.0), Err("schedule.day".to_owned()));
        p.schedule.cadence = Cadence::Manual;
        assert_eq!(p.check(), Ok(()));
        let mut p = Policy::standard();
        p.thresholds.four = 30.0;
        assert_eq!(p.check().map_err(|e| e.0), Err("thresholds".to_owned()));
    }

    #[test]
    fn thresholds_give_stars() {
        let t = Policy::standard().thresholds;
        assert_eq!(
            [0.0, 19.99, 20.0, 40.0, 59.9, 60.0, 80.0, 100.0].map(|s| t.stars(s)),
            [1, 1, 2, 3, 3, 4, 5, 5]
        );
        assert_eq!((t.floor_of(1), t.floor_of(4), t.floor_of(5)), (0.0, 60.0, 80.0));
    }

    #[test]
    fn a_regular_big_spender_gets_five_stars_and_a_lapsed_one_time_buyer_one() {
        let (policy, stats) = (Policy::standard(), stats());
        let best = evaluate(&customer(990_000, 99, Some(3)), &policy, &stats);
        assert_eq!(best.stars, 5, "{best:?}");
        let lapsed = evaluate(&customer(5_000, 1, Some(700)), &policy, &stats);
        assert_eq!(lapsed.stars, 1, "{lapsed:?}");
        let never = evaluate(&Aggregates::default(), &policy, &stats);
        assert_eq!(never.stars, 1);
        assert!(never.breakdown.iter().all(|c| c.points < 1.0), "{never:?}");
    }

    #[test]
    fn criteria_without_data_neither_help_nor_hurt() {
        let (policy, stats) = (Policy::standard(), stats());
        let base = customer(500_000, 50, Some(20));
        let without = evaluate(&base, &policy, &stats);
        let satisfaction = without.breakdown.iter().find(|c| c.criterion == Criterion::Satisfaction);
        assert_eq!(satisfaction.map(|c| (c.counted, c.points)), Some((false, 0.0)));
        // Average satisfaction and no complaints score as their share would have.
        let neutral = Aggregates { satisfaction: Some(1.0), complaints: Some(0), ..base };
        let with = evaluate(&neutral, &policy, &stats);
        assert!(with.score > without.score, "full marks on both raise the score");
        let poor = Aggregates { satisfaction: Some(0.0), complaints: Some(5), ..base };
        assert!(evaluate(&poor, &policy, &stats).score < without.score, "bad ones lower it");
    }

    #[test]
    fn the_breakdown_adds_up_to_the_score() {
        let (policy, stats) = (Policy::standard(), stats());
        let e = evaluate(&customer(250_000, 12, Some(45)), &policy, &stats);
        let sum: f64 = e.breakdown.iter().map(|c| c.points).sum();
        assert!((sum - e.score).abs() < 0.01, "{sum} vs {}", e.score);
        let recency = e.breakdown.iter().find(|c| c.criterion == Criterion::Recency);
        assert_eq!(recency.map(|c| (c.raw, c.normalised)), Some((Some(45.0), 0.75)));
    }

    #[test]
    fn percentile_ranks_count_ties_half() {
        let s = PopulationStats { quantiles: vec![(Criterion::Frequency, vec![1.0, 1.0, 1.0, 2.0, 5.0])] };
        assert!((s.rank(Criterion::Frequency, 1.0) - 0.3).abs() < 1e-9);
        assert!((s.rank(Criterion::Frequency, 0.0)).abs() < 1e-9);
        assert!((s.rank(Criterion::Frequency, 9.0) - 1.0).abs() < 1e-9);
        assert!((s.rank(Criterion::Monetary, 9.0) - 0.5).abs() < 1e-9, "unknown distribution: middle");
    }

    #[test]
    fn rises_are_immediate_and_falls_wait_out_the_grace_period() {
        let policy = Policy::standard(); // 30 days' grace, one step down at a time
        let at = |stars, below_since| Some(Standing { stars, below_since });
        assert_eq!(protect(None, 3, 100, &policy), Decision { stars: 3, below_since: None, at_risk: None });
        assert_eq!(protect(at(3, None), 5, 100, &policy).stars, 5);
        // Falls to 2 on day 100: keeps 4 and is at risk of 3 on day 130.
        let first = protect(at(4, None), 2, 100, &policy);
        assert_eq!(
            first,
            Decision { stars: 4, below_since: Some(100), at_risk: Some(AtRisk { stars: 3, on_day: 130 }) }
        );
        // Still below on day 129: unchanged; on day 130: one star down, the next step waits again.
        assert_eq!(protect(at(4, Some(100)), 2, 129, &policy), first);
        let later = protect(at(4, Some(100)), 2, 130, &policy);
        assert_eq!(
            later,
            Decision { stars: 3, below_since: Some(130), at_risk: Some(AtRisk { stars: 2, on_day: 160 }) }
        );
        assert_eq!(
            protect(at(3, Some(130)), 2, 160, &policy),
            Decision { stars: 2, below_since: None, at_risk: None }
        );
        // Recovering in time clears the risk.
        assert_eq!(
            protect(at(4, Some(100)), 4, 120, &policy),
            Decision { stars: 4, below_since: None, at_risk: None }
        );
    }

    #[test]
    fn without_protection_stars_follow_the_score() {
        let policy = Policy { grace_days: 0, one_step_down: false, ..Policy::standard() };
        let now = protect(Some(Standing { stars: 5, below_since: None }), 2, 100, &policy);
        assert_eq!(now, Decision { stars: 2, below_since: None, at_risk: None });
        let stepwise = Policy { grace_days: 0, ..Policy::standard() };
        assert_eq!(protect(Some(Standing { stars: 5, below_since: None }), 2, 100, &stepwise).stars, 4);
    }

    #[test]
    fn the_least_extra_spend_or_orders_that_reach_a_level() {
        let (policy, stats) = (Policy::standard(), stats());
        let someone = customer(200_000, 8, Some(40));
        let now = evaluate(&someone, &policy, &stats);
        let target = now.stars + 1;
        let ways = ways_to_reach(&someone, &policy, &stats, target);
        assert!(!ways.is_empty(), "{now:?}");
        for way in &ways {
            let more = |n: i64| match way.criterion {
                Criterion::Monetary => Aggregates { spend_minor: someone.spend_minor + n, ..someone },
                Criterion::Frequency => {
                    Aggregates { orders: someone.orders + u32::try_from(n).unwrap_or(0), ..someone }
                }
                _ => Aggregates { categories: someone.categories + u32::try_from(n).unwrap_or(0), ..someone },
            };
            assert!(evaluate(&more(way.more), &policy, &stats).stars >= target, "{way:?} reaches");
            assert!(evaluate(&more(way.more - 1), &policy, &stats).stars < target, "{way:?} is the least");
        }
        assert!(ways_to_reach(&someone, &policy, &stats, now.stars).is_empty(), "already there");
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;
        use super::stats;

        fn aggregates() -> impl Strategy<Value = Aggregates> {
            (
                0i64..5_000_000,
                0u32..500,
                proptest::option::of(0u32..2_000),
                0u32..20,
                proptest::option::of(0.0f64..=1.0),
                proptest::option::of(0u32..10),
            )
                .prop_map(|(spend_minor, orders, last, categories, satisfaction, complaints)| {
                    Aggregates {
                        spend_minor,
                        orders,
                        days_since_last_purchase: last,
                        days_since_first_purchase: last.map(|d| d + 30),
                        categories,
                        satisfaction,
                        complaints,
                    }
                })
        }

        /// Weights summing to 100 over the seven criteria.
        fn policy() -> impl Strategy<Value = Policy> {
            proptest::collection::vec(0u32..=40, 7).prop_map(|raw| {
                let total: u32 = raw.iter().sum::<u32>().max(1);
                let mut weights: Vec<u32> = raw.iter().map(|w| w * 100 / total).collect();
                let short = 100 - weights.iter().sum::<u32>();
                weights[0] += short;
                let mut policy = Policy::standard();
                for (rule, weight) in policy.rules.iter_mut().zip(weights) {
                    rule.weight = weight;
                }
                policy
            })
        }

        proptest! {
            #[test]
            fn scores_are_bounded_and_stars_follow_the_thresholds(a in aggregates(), p in policy()) {
                let e = evaluate(&a, &p, &stats());
                prop_assert!((0.0..=100.0).contains(&e.score));
                prop_assert_eq!(e.stars, p.thresholds.stars(e.score));
                prop_assert!(e.breakdown.iter().all(|c| (0.0..=1.0).contains(&c.normalised)));
            }

            #[test]
            fn more_spend_or_more_orders_never_lower_the_score(a in aggregates(), p in policy(), more in 0i64..1_000_000, extra in 0u32..50) {
                let stats = stats();
                let before = evaluate(&a, &p, &stats).score;
                let richer = Aggregates { spend_minor: a.spend_minor + more, ..a };
                prop_assert!(evaluate(&richer, &p, &stats).score >= before);
                let busier = Aggregates { orders: a.orders + extra, ..a };
                prop_assert!(evaluate(&busier, &p, &stats).score >= before);
            }

            #[test]
            fn a_criterion_gives_at_most_its_share(a in aggregates(), p in policy()) {
                let e = evaluate(&a, &p, &stats());
                let counted: u32 = e.breakdown.iter().filter(|c| c.counted).map(|c| c.weight).sum();
                for c in &e.breakdown {
                    let share = if counted == 0 { 0.0 } else { f64::from(c.weight) * 100.0 / f64::from(counted) };
                    prop_assert!(c.points <= share + 1e-9, "{:?} gave {} of at most {}", c.criterion, c.points, share);
                }
            }

            #[test]
            fn zero_weight_criteria_change_nothing(a in aggregates(), b in aggregates()) {
                let mut p = Policy::standard();
                for rule in &mut p.rules {
                    rule.weight = if rule.criterion == Criterion::Monetary { 100 } else { 0 };
                }
                let stats = stats();
                let same_spend = Aggregates { spend_minor: a.spend_minor, ..b };
                let (x, y) = (evaluate(&a, &p, &stats).score, evaluate(&same_spend, &p, &stats).score);
                prop_assert!((x - y).abs() < 1e-9, "{} vs {}", x, y);
            }
        }
    }
}
