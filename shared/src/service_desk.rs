//! The service desk's rules that the server enforces and the SPA shows: what a ticket is, how it
//! moves through its statuses, the priority a customer's stars give it, and which service-level
//! targets apply to it.

use serde::{Deserialize, Serialize};

use crate::customer::Channel;
use crate::stored_enum;

/// The longest ticket subject, in characters.
pub const SUBJECT_MAX: usize = 200;

/// `T000042`: how staff and customers quote ticket 42 of a workspace.
#[must_use]
pub fn ticket_code(number: i64) -> String {
    format!("T{number:06}")
}

/// The ticket number in what someone typed: `T000042`, `t42`, `#42` or `42` (spaces around
/// ignored). `None` for anything else.
#[must_use]
pub fn parse_ticket_code(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = text.strip_prefix(['T', 't', '#']).unwrap_or(text).trim_start();
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

stored_enum! {
    /// What a customer came about.
    pub enum TicketKind {
        Inquiry => "inquiry",
        Complaint => "complaint",
        Suggestion => "suggestion",
        /// About something bought: a return, a repair, a delivery (linked to its purchase).
        AfterSales => "after_sales",
    }
}

stored_enum! {
    /// Where a ticket stands.
    pub enum TicketStatus {
        /// Nobody has looked at it yet.
        New => "new",
        /// Being worked on.
        Open => "open",
        /// Waiting on the customer: the service-level clock stops.
        Pending => "pending",
        /// Waiting on someone else (a supplier, another team): the clock keeps running.
        OnHold => "on_hold",
        /// Answered; the customer may still reopen it for a while.
        Solved => "solved",
        /// Done for good.
        Closed => "closed",
    }
}

impl TicketStatus {
    /// Whether a person may move a ticket from this status to `to`. A solved ticket reopens
    /// (to open); a closed one stays closed (the customer opens a new ticket).
    pub const fn can_move_to(self, to: Self) -> bool {
        use TicketStatus::{Closed, New, OnHold, Open, Pending, Solved};
        matches!(
            (self, to),
            (New, Open | Pending | OnHold | Solved)
                | (Open, Pending | OnHold | Solved)
                | (Pending, Open | OnHold | Solved)
                | (OnHold, Open | Pending | Solved)
                | (Solved, Open | Closed)
        )
    }

    /// Still needs the team (counts in queues and backlogs).
    pub const fn is_active(self) -> bool {
        !matches!(self, Self::Solved | Self::Closed)
    }

    /// The service-level clock does not run.
    pub const fn pauses_clock(self) -> bool {
        matches!(self, Self::Pending)
    }
}

stored_enum! {
    /// How urgent a ticket is.
    pub enum TicketPriority {
        Low => "low",
        Normal => "normal",
        High => "high",
        Urgent => "urgent",
    }
}

impl TicketPriority {
    /// Higher is more urgent.
    pub const fn rank(self) -> u8 {
        match self {
            Self::Low => 0,
            Self::Normal => 1,
            Self::High => 2,
            Self::Urgent => 3,
        }
    }

    const fn from_rank(rank: i8) -> Self {
        match rank {
            i8::MIN..=0 => Self::Low,
            1 => Self::Normal,
            2 => Self::High,
            _ => Self::Urgent,
        }
    }

    /// The priority a ticket gets from what it is about and the customer's stars: complaints
    /// start high, suggestions low, the rest normal; five stars raise it one step, one star lowers
    /// it one. A 5-star complaint is urgent, a 1-star suggestion low.
    pub const fn derived(kind: TicketKind, stars: Option<u8>) -> Self {
        let base: i8 = match kind {
            TicketKind::Complaint => 2,
            TicketKind::Inquiry | TicketKind::AfterSales => 1,
            TicketKind::Suggestion => 0,
        };
        let step: i8 = match stars {
            Some(5) => 1,
            Some(1) => -1,
            _ => 0,
        };
        Self::from_rank(base + step)
    }

    /// One step more urgent (an escalation), urgent staying urgent.
    #[must_use]
    pub const fn raised(self) -> Self {
        Self::from_rank(self.rank().cast_signed() + 1)
    }
}

stored_enum! {
    /// A message in a ticket's thread.
    pub enum MessageKind {
        /// From the customer (through the channel the ticket came in on).
        Inbound => "inbound",
        /// A reply the customer sees.
        Reply => "reply",
        /// A note for the team only.
        Note => "note",
    }
}

stored_enum! {
    /// A promise a service-level policy makes.
    pub enum SlaTarget {
        /// The first public reply.
        FirstResponse => "first_response",
        /// A reply to each later message of the customer.
        NextResponse => "next_response",
        /// Solving the ticket.
        Resolution => "resolution",
    }
}

stored_enum! {
    /// Where a ticket stands against its promises.
    pub enum SlaState {
        /// No rule covers it, or it is solved or closed.
        None => "none",
        /// The next deadline is more than an hour away.
        OnTrack => "on_track",
        /// The next deadline is within the hour.
        DueSoon => "due_soon",
        /// A deadline that still runs has passed.
        Breached => "breached",
        /// Waiting on the customer: the clock stands.
        Paused => "paused",
    }
}

/// Longest target a rule may set, in business minutes (sixty 24-hour days).
pub const MAX_TARGET_MINUTES: u32 = 60 * 24 * 60;
/// Most rules a policy may hold.
pub const MAX_RULES: usize = 50;

/// One rule of a service-level policy: which tickets it covers (an empty list matches any) and
/// its targets in business minutes (none: no promise).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaRule {
    pub name: String,
    #[serde(default)]
    pub stars: Vec<u8>,
    #[serde(default)]
    pub kinds: Vec<TicketKind>,
    #[serde(default)]
    pub channels: Vec<Channel>,
    #[serde(default)]
    pub priorities: Vec<TicketPriority>,
    pub first_response_minutes: Option<u32>,
    pub next_response_minutes: Option<u32>,
    pub resolution_minutes: Option<u32>,
}

/// What a rule is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlaSubject {
    pub stars: Option<u8>,
    pub kind: TicketKind,
    pub channel: Channel,
    pub priority: TicketPriority,
}

impl SlaRule {
    pub fn matches(&self, t: &SlaSubject) -> bool {
        (self.stars.is_empty() || t.stars.is_some_and(|s| self.stars.contains(&s)))
            && (self.kinds.is_empty() || self.kinds.contains(&t.kind))
            && (self.channels.is_empty() || self.channels.contains(&t.channel))
            && (self.priorities.is_empty() || self.priorities.contains(&t.priority))
    }

    pub const fn minutes(&self, target: SlaTarget) -> Option<u32> {
        match target {
            SlaTarget::FirstResponse => self.first_response_minutes,
            SlaTarget::NextResponse => self.next_response_minutes,
            SlaTarget::Resolution => self.resolution_minutes,
        }
    }
}

/// Why a rule was refused: its position, the field and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    pub rule: usize,
    pub field: &'static str,
    pub reason: crate::validate::Invalid,
}

/// The first rule that covers the ticket (rules are ordered: the most specific first).
pub fn matching_rule<'a>(rules: &'a [SlaRule], subject: &SlaSubject) -> Option<(usize, &'a SlaRule)> {
    rules.iter().enumerate().find(|(_, rule)| rule.matches(subject))
}

/// Checks a policy's rules: a name each, stars 1..=5, targets from 1 minute to sixty days, no
/// value listed twice, at most fifty rules.
pub fn check_rules(rules: &[SlaRule]) -> Result<(), RuleError> {
    use crate::validate::Invalid;
    let fail = |rule, field, reason| Err(RuleError { rule, field, reason });
    if rules.len() > MAX_RULES {
        return fail(MAX_RULES, "rules", Invalid::TooLarge);
    }
    for (i, rule) in rules.iter().enumerate() {
        let name = rule.name.trim();
        if name.is_empty() {
            return fail(i, "name", Invalid::Required);
        }
        if name.chars().count() > 80 {
            return fail(i, "name", Invalid::TooLong { max: 80 });
        }
        if rule.stars.iter().any(|s| !(1..=5).contains(s)) {
            return fail(i, "stars", Invalid::NotAnOption);
        }
        if has_repeat(&rule.stars) {
            return fail(i, "stars", Invalid::Duplicate);
        }
        if has_repeat(&rule.kinds) {
            return fail(i, "kinds", Invalid::Duplicate);
        }
        if has_repeat(&rule.channels) {
            return fail(i, "channels", Invalid::Duplicate);
        }
        if has_repeat(&rule.priorities) {
            return fail(i, "priorities", Invalid::Duplicate);
        }
        for (field, minutes) in [
            ("firstResponseMinutes", rule.first_response_minutes),
            ("nextResponseMinutes", rule.next_response_minutes),
            ("resolutionMinutes", rule.resolution_minutes),
        ] {
            match minutes {
                Some(0) => return fail(i, field, Invalid::TooShort { min: 1 }),
                Some(m) if m > MAX_TARGET_MINUTES => return fail(i, field, Invalid::TooLarge),
                _ => {}
            }
        }
    }
    Ok(())
}

fn has_repeat<T: PartialEq>(values: &[T]) -> bool {
    values.iter().enumerate().any(|(i, v)| values[..i].contains(v))
}

/// The policy a new workspace starts with: the more stars, the faster the promise.
pub fn default_rules() -> Vec<SlaRule> {
    let rule = |name: &str, stars: Vec<u8>, first: u32, next: u32, resolution: u32| SlaRule {
        name: name.to_owned(),
        stars,
        kinds: Vec::new(),
        channels: Vec::new(),
        priorities: Vec::new(),
        first_response_minutes: Some(first),
        next_response_minutes: Some(next),
        resolution_minutes: Some(resolution),
    };
    vec![
        rule("5 stars", vec![5], 60, 120, 8 * 60),
        rule("4 stars", vec![4], 2 * 60, 4 * 60, 16 * 60),
        rule("3 stars", vec![3], 4 * 60, 8 * 60, 24 * 60),
        rule("Everyone else", Vec::new(), 8 * 60, 16 * 60, 40 * 60),
    ]
}

/// Someone a ticket names: its customer, assignee, a message's author.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonRef {
    pub id: String,
    pub name: String,
}

/// A ticket's customer as the desk shows it beside the ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketCustomer {
    pub id: String,
    pub name: String,
    pub stars: Option<i16>,
    pub code: String,
}

/// A ticket as a queue lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketRow {
    pub id: String,
    pub code: String,
    pub subject: String,
    pub kind: TicketKind,
    pub channel: Option<Channel>,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub stars: Option<i16>,
    pub sla_state: SlaState,
    pub next_due: Option<String>,
    pub created_at: String,
    pub customer: Option<TicketCustomer>,
    pub assignee: Option<PersonRef>,
}

/// A message of a ticket's thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketMessageInfo {
    pub id: String,
    pub kind: MessageKind,
    pub body: String,
    pub author: Option<PersonRef>,
    pub created_at: String,
}

/// One change on a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketHistoryInfo {
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: Option<String>,
    pub actor: Option<PersonRef>,
    pub at: String,
}

/// What an agent sees of the customer beside a ticket: what their stars earn and how they buy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerProfile {
    pub benefits: Vec<crate::tiers::Benefit>,
    pub order_count: i32,
    pub total_spend: crate::customer::MoneyValue,
    pub last_purchase_at: Option<String>,
    pub lifecycle_stage: crate::customer::LifecycleStage,
}

/// A ticket with its thread, as its page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketDetail {
    #[serde(flatten)]
    pub row: TicketRow,
    pub description: Option<String>,
    pub priority_reason: Option<String>,
    pub sla_rule: Option<String>,
    pub first_response_due: Option<String>,
    pub next_response_due: Option<String>,
    pub resolution_due: Option<String>,
    pub first_responded_at: Option<String>,
    pub waiting_since: Option<String>,
    pub solved_at: Option<String>,
    /// The team it was routed to.
    #[serde(default)]
    pub team: Option<PersonRef>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The root cause a complaint was solved with.
    pub root_cause: Option<PersonRef>,
    pub upheld: Option<bool>,
    pub messages: Vec<TicketMessageInfo>,
    pub history: Vec<TicketHistoryInfo>,
    /// Null for callers who may not read customers.
    #[serde(default)]
    pub profile: Option<CustomerProfile>,
}

/// A complaint root cause (a cause, or a subcause with its cause's id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketCategoryInfo {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub archived: bool,
}

/// The root causes a complaint can be solved with: live subcauses, and live causes without
/// any, as `(id, "Cause / Subcause")`, in the workspace's order.
pub fn root_cause_choices(all: &[TicketCategoryInfo]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for cause in all.iter().filter(|c| c.parent_id.is_none() && !c.archived) {
        let subs: Vec<&TicketCategoryInfo> =
            all.iter().filter(|c| c.parent_id.as_deref() == Some(cause.id.as_str()) && !c.archived).collect();
        if subs.is_empty() {
            out.push((cause.id.clone(), cause.name.clone()));
        }
        for sub in subs {
            out.push((sub.id.clone(), format!("{} / {}", cause.name, sub.name)));
        }
    }
    out
}

/// A cause of the standard taxonomy: its name in English and in Chinese, and its subcauses.
#[derive(Clone, Copy, Debug)]
pub struct StandardCause {
    pub en: &'static str,
    pub zh: &'static str,
    pub subcauses: &'static [(&'static str, &'static str)],
}

/// The complaint root causes most shops start from (what went wrong with the goods, the
/// delivery, the service, the bill or a policy), so that a complaint can be solved with a cause
/// from day one and the Pareto means something; a workspace adds, renames and archives from there.
pub const STANDARD_ROOT_CAUSES: [StandardCause; 6] = [
    StandardCause {
        en: "Product",
        zh: "产品",
        subcauses: &[
            ("Defective or damaged", "质量缺陷或损坏"),
            ("Not as described", "与描述不符"),
            ("Wrong or missing item", "错发或漏发"),
        ],
    },
    StandardCause {
        en: "Delivery",
        zh: "物流配送",
        subcauses: &[
            ("Late", "配送延迟"),
            ("Damaged in transit", "运输途中损坏"),
            ("Lost parcel", "包裹丢失"),
        ],
    },
    StandardCause {
        en: "Service",
        zh: "服务",
        subcauses: &[
            ("Slow response", "响应慢"),
            ("Staff attitude", "服务态度"),
            ("Wrong information given", "信息有误"),
        ],
    },
    StandardCause {
        en: "Billing",
        zh: "账单与支付",
        subcauses: &[
            ("Charged wrongly", "扣费有误"),
            ("Refund delayed", "退款延迟"),
            ("Promotion not applied", "优惠未生效"),
        ],
    },
    StandardCause {
        en: "Policy",
        zh: "政策",
        subcauses: &[
            ("Returns and exchanges", "退换货政策"),
            ("Warranty", "保修"),
            ("Membership benefits", "会员权益"),
        ],
    },
    StandardCause { en: "Other", zh: "其他", subcauses: &[] },
];

/// The standard taxonomy in one language: `(cause, subcauses)`.
pub fn standard_root_causes(language: crate::explain::Language) -> Vec<(&'static str, Vec<&'static str>)> {
    let zh = language == crate::explain::Language::ZhCn;
    let pick = |en: &'static str, cn: &'static str| if zh { cn } else { en };
    STANDARD_ROOT_CAUSES
        .iter()
        .map(|c| (pick(c.en, c.zh), c.subcauses.iter().map(|(en, cn)| pick(en, cn)).collect()))
        .collect()
}

/// A member of a team, as the settings show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamMemberInfo {
    pub user_id: String,
    pub available: bool,
    pub open_tickets: i64,
}

/// A team of agents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamInfo {
    pub id: String,
    pub name: String,
    pub kinds: Vec<TicketKind>,
    pub capacity: i32,
    pub archived: bool,
    pub members: Vec<TeamMemberInfo>,
}

/// A rule of a service-level policy as the settings edit it (what `slaPolicy` returns and
/// `saveSlaPolicy` takes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaRuleView {
    pub name: String,
    pub stars: Vec<i32>,
    pub kinds: Vec<TicketKind>,
    pub channels: Vec<Channel>,
    pub priorities: Vec<TicketPriority>,
    pub first_response_minutes: Option<i32>,
    pub next_response_minutes: Option<i32>,
    pub resolution_minutes: Option<i32>,
}

/// Opening hours of part of a day, `09:00` to `12:00`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntervalView {
    pub from: String,
    pub to: String,
}

/// When the team works.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BusinessHoursView {
    pub timezone: String,
    pub always_open: bool,
    /// Monday first.
    pub week: Vec<Vec<IntervalView>>,
    /// `YYYY-MM-DD`.
    pub holidays: Vec<String>,
}

/// A version of the service-level policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaPolicyView {
    pub version: i64,
    pub rules: Vec<SlaRuleView>,
    pub hours: BusinessHoursView,
}

/// A day's opening hours as typed, `09:00-12:00, 13:00-18:00` (empty: closed). None when a part
/// is not `HH:MM-HH:MM` with the end after the start.
pub fn parse_day(text: &str) -> Option<Vec<IntervalView>> {
    let valid = |t: &str| {
        let (h, m) = t.split_once(':')?;
        let (h, m): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && (h < 24 || m == 0) && t.len() == 5).then_some(u16::from(h) * 60 + u16::from(m))
    };
    text.split([',', '，', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let (from, to) = part.split_once('-')?;
            let (from, to) = (from.trim(), to.trim());
            (valid(from)? < valid(to)?).then(|| IntervalView { from: from.to_owned(), to: to.to_owned() })
        })
        .collect()
}

/// A day's opening hours as the settings show them.
pub fn format_day(day: &[IntervalView]) -> String {
    day.iter().map(|i| format!("{}-{}", i.from, i.to)).collect::<Vec<_>>().join(", ")
}

/// Hours as typed (`1.5`) in whole minutes; empty is none.
///
/// # Errors
/// `WrongType` for what is not a number, `Negative` for less than a minute, `TooLarge` beyond
/// [`MAX_TARGET_MINUTES`].
pub fn parse_hours(text: &str) -> Result<Option<i32>, crate::validate::Invalid> {
    use crate::validate::Invalid;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let hours: f64 = text.parse().map_err(|_| Invalid::WrongType)?;
    let minutes = (hours * 60.0).round();
    if !hours.is_finite() || minutes < 1.0 {
        return Err(Invalid::Negative);
    }
    if minutes > f64::from(MAX_TARGET_MINUTES) {
        return Err(Invalid::TooLarge);
    }
    #[allow(clippy::cast_possible_truncation, reason = "checked to fit just before")]
    Ok(Some(minutes as i32))
}

/// Minutes as hours for the settings (`90` is `1.5`).
pub fn format_hours(minutes: Option<i32>) -> String {
    minutes.map_or_else(String::new, |m| {
        let text = format!("{:.2}", f64::from(m) / 60.0);
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    })
}

/// Most tags a ticket carries.
pub const MAX_TAGS: usize = 20;
/// The longest tag, in characters.
pub const TAG_MAX_CHARS: usize = 30;

/// A ticket's tags as given: trimmed, each 1 to [`TAG_MAX_CHARS`] characters without control
/// characters, the same tag twice (ignoring case) kept once as first written, at most
/// [`MAX_TAGS`].
///
/// # Errors
/// The place of the first bad tag (or [`MAX_TAGS`] when there are too many) and why.
pub fn normalize_tags(tags: &[String]) -> Result<Vec<String>, (usize, crate::validate::Invalid)> {
    use crate::validate::Invalid;
    let mut out: Vec<String> = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        let tag = tag.trim();
        if tag.is_empty() {
            return Err((i, Invalid::Required));
        }
        if tag.chars().count() > TAG_MAX_CHARS {
            return Err((i, Invalid::TooLong { max: TAG_MAX_CHARS }));
        }
        if tag.chars().any(char::is_control) {
            return Err((i, Invalid::Characters));
        }
        if !out.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            out.push(tag.to_owned());
        }
    }
    if out.len() > MAX_TAGS {
        return Err((MAX_TAGS, Invalid::TooLarge));
    }
    Ok(out)
}

/// A ticket on its customer's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketEntryView {
    pub id: String,
    pub code: String,
    pub subject: String,
    pub kind: TicketKind,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub created_at: String,
}

/// Met and missed service-level targets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HitCountView {
    pub met: u64,
    pub missed: u64,
    pub rate: Option<f64>,
}

/// The promises kept for one star level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StarLevelSlaView {
    pub stars: Option<i16>,
    pub tickets: u64,
    pub first_response: HitCountView,
    pub resolution: HitCountView,
}

/// One agent's figures for a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentKpiView {
    pub agent_id: String,
    pub name: String,
    pub tickets: u64,
    pub solved: u64,
    pub median_first_response_minutes: Option<i64>,
    pub median_resolution_minutes: Option<i64>,
    pub first_response: HitCountView,
    pub resolution: HitCountView,
    pub reopen_rate: Option<f64>,
    pub backlog: u64,
}

/// The desk's figures for a period.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceKpisView {
    pub tickets: u64,
    pub first_response: HitCountView,
    pub resolution: HitCountView,
    pub by_stars: Vec<StarLevelSlaView>,
    pub agents: Vec<AgentKpiView>,
}

/// A bar of the complaint Pareto.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParetoRowView {
    pub key: String,
    pub label: String,
    pub count: u64,
    pub previous_count: u64,
    pub share: f64,
    pub cumulative_share: f64,
}

/// Open tickets per queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketCountsInfo {
    pub mine: u64,
    #[serde(default)]
    pub my_team: u64,
    pub unassigned: u64,
    pub open: u64,
    pub breaching_soon: u64,
    pub breached: u64,
}

#[cfg(feature = "calendar")]
pub use deadlines::*;

#[cfg(feature = "calendar")]
mod deadlines {
    use chrono::{DateTime, Utc};

    use super::{SlaRule, SlaTarget, TicketStatus};
    use crate::business_hours::{Calendar, Span};

    /// The spans a ticket waited on the customer, from its status history (oldest first).
    pub fn pauses(history: &[(DateTime<Utc>, TicketStatus)]) -> Vec<Span> {
        let mut out = Vec::new();
        let mut since: Option<DateTime<Utc>> = None;
        for &(at, status) in history {
            match (status.pauses_clock(), since) {
                (true, None) => since = Some(at),
                (false, Some(from)) => {
                    out.push(Span { from, to: Some(at) });
                    since = None;
                }
                _ => {}
            }
        }
        if let Some(from) = since {
            out.push(Span { from, to: None });
        }
        out
    }

    /// What the deadlines of a ticket are computed from.
    #[derive(Clone, Debug)]
    pub struct Clock<'a> {
        pub opened_at: DateTime<Utc>,
        /// Status changes, oldest first (the first is the ticket's opening status).
        pub history: &'a [(DateTime<Utc>, TicketStatus)],
        /// The oldest customer message not answered yet after the first reply, if any.
        pub waiting_since: Option<DateTime<Utc>>,
    }

    /// A ticket's deadline per target (none: no promise, a met target, or the clock stopped on
    /// the customer).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Deadlines {
        pub first_response: Option<DateTime<Utc>>,
        pub next_response: Option<DateTime<Utc>>,
        pub resolution: Option<DateTime<Utc>>,
    }

    impl Deadlines {
        pub const fn get(&self, target: SlaTarget) -> Option<DateTime<Utc>> {
            match target {
                SlaTarget::FirstResponse => self.first_response,
                SlaTarget::NextResponse => self.next_response,
                SlaTarget::Resolution => self.resolution,
            }
        }

        /// The soonest of them.
        pub fn next(&self) -> Option<DateTime<Utc>> {
            [self.first_response, self.next_response, self.resolution].into_iter().flatten().min()
        }
    }

    /// The deadlines of a ticket under a rule, recomputed from its history: first response and
    /// resolution from its opening, next response from the customer's unanswered message; time
    /// waiting on the customer does not count.
    pub fn deadlines(calendar: &Calendar, rule: &SlaRule, clock: &Clock<'_>) -> Deadlines {
        let paused = pauses(clock.history);
        let due = |from, target| rule.minutes(target).and_then(|m| calendar.due(from, m, &paused));
        Deadlines {
            first_response: due(clock.opened_at, SlaTarget::FirstResponse),
            next_response: clock.waiting_since.and_then(|from| due(from, SlaTarget::NextResponse)),
            resolution: due(clock.opened_at, SlaTarget::Resolution),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_code_reads_back_as_its_number() {
        assert_eq!(ticket_code(42), "T000042");
        assert_eq!(ticket_code(1_234_567), "T1234567");
        for typed in ["T000042", "t42", "#42", " 42 ", "T 42"] {
            assert_eq!(parse_ticket_code(typed), Some(42), "{typed}");
        }
        assert_eq!(parse_ticket_code(&ticket_code(1_234_567)), Some(1_234_567));
        for wrong in ["", "T", "T0", "-1", "4 2", "T-4", "42a", "TT42", "x42", "99999999999999999999"] {
            assert_eq!(parse_ticket_code(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn stars_raise_and_lower_the_priority_a_kind_starts_with() {
        use TicketKind::{AfterSales, Complaint, Inquiry, Suggestion};
        use TicketPriority::{High, Low, Normal, Urgent};
        assert_eq!(TicketPriority::derived(Complaint, Some(5)), Urgent);
        assert_eq!(TicketPriority::derived(Complaint, Some(3)), High);
        assert_eq!(TicketPriority::derived(Complaint, None), High);
        assert_eq!(TicketPriority::derived(Complaint, Some(1)), Normal);
        assert_eq!(TicketPriority::derived(Inquiry, Some(5)), High);
        assert_eq!(TicketPriority::derived(AfterSales, Some(4)), Normal);
        assert_eq!(TicketPriority::derived(Inquiry, Some(1)), Low);
        assert_eq!(TicketPriority::derived(Suggestion, Some(1)), Low);
        assert_eq!(TicketPriority::derived(Suggestion, Some(5)), Normal);
        assert_eq!(Urgent.raised(), Urgent);
        assert_eq!(Low.raised(), Normal);
    }

    #[test]
    fn a_closed_ticket_stays_closed_and_a_solved_one_reopens() {
        use TicketStatus::{Closed, New, OnHold, Open, Pending, Solved};
        assert!(Solved.can_move_to(Open));
        assert!(!Closed.can_move_to(Open));
        assert!(!Open.can_move_to(New));
        assert!(!New.can_move_to(Closed));
        assert!(Pending.can_move_to(Solved) && OnHold.can_move_to(Pending));
        assert!(!Open.can_move_to(Open));
    }

    #[test]
    fn the_first_matching_rule_applies_and_bad_rules_name_the_field() {
        let rules = default_rules();
        let subject = |stars| SlaSubject {
            stars,
            kind: TicketKind::Complaint,
            channel: Channel::Phone,
            priority: TicketPriority::High,
        };
        assert_eq!(matching_rule(&rules, &subject(Some(5))).map(|(i, _)| i), Some(0));
        assert_eq!(matching_rule(&rules, &subject(Some(3))).map(|(i, _)| i), Some(2));
        assert_eq!(matching_rule(&rules, &subject(None)).map(|(i, _)| i), Some(3));
        assert_eq!(check_rules(&rules), Ok(()));

        let mut bad = rules;
        bad[1].stars = vec![4, 6];
        assert_eq!(check_rules(&bad).map_err(|e| (e.rule, e.field)), Err((1, "stars")));
        bad[1].stars = vec![4];
        bad[2].resolution_minutes = Some(0);
        assert_eq!(check_rules(&bad).map_err(|e| (e.rule, e.field)), Err((2, "resolutionMinutes")));
        bad[2].resolution_minutes = Some(60);
        bad[3].kinds = vec![TicketKind::Inquiry, TicketKind::Inquiry];
        assert_eq!(check_rules(&bad).map_err(|e| (e.rule, e.field)), Err((3, "kinds")));
    }

    #[cfg(feature = "calendar")]
    #[test]
    fn a_ticket_waiting_on_the_customer_gets_its_deadline_pushed_by_the_wait() {
        use chrono::{DateTime, Utc};

        use crate::business_hours::Hours;
        let at = |t: &str| DateTime::parse_from_rfc3339(t).map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        let cal = Hours::office("Asia/Shanghai").calendar().unwrap_or_else(|e| panic!("{e:?}"));
        let rule = &default_rules()[0]; // 1 h first response, 8 h resolution
        let opened = at("2026-12-03T09:00:00+08:00");
        let history = [
            (opened, TicketStatus::New),
            (at("2026-12-03T09:30:00+08:00"), TicketStatus::Pending),
            (at("2026-12-03T14:00:00+08:00"), TicketStatus::Open),
        ];
        let clock = Clock { opened_at: opened, history: &history, waiting_since: None };
        let due = deadlines(&cal, rule, &clock);
        // 30 min before the wait, 30 min after it.
        assert_eq!(due.first_response, Some(at("2026-12-03T14:30:00+08:00")));
        assert_eq!(due.next_response, None);
        // 8 h: 0.5 before, 4 after today (14-18), 3 tomorrow morning and 0.5 after lunch.
        assert_eq!(due.resolution, Some(at("2026-12-04T13:30:00+08:00")));
        // Still waiting: no deadline while the clock stands.
        let clock = Clock { history: &history[..2], ..clock };
        assert_eq!(deadlines(&cal, rule, &clock), Deadlines::default());
    }
}

#[cfg(test)]
mod settings_tests {
    use super::{
        IntervalView, STANDARD_ROOT_CAUSES, format_day, format_hours, normalize_tags, parse_day, parse_hours,
        standard_root_causes,
    };
    use crate::validate::Invalid;

    #[test]
    fn a_day_is_typed_as_intervals() {
        let day = parse_day("09:00-12:00, 13:00-18:00").unwrap();
        assert_eq!(
            day,
            [
                IntervalView { from: "09:00".into(), to: "12:00".into() },
                IntervalView { from: "13:00".into(), to: "18:00".into() },
            ]
        );
        assert_eq!(format_day(&day), "09:00-12:00, 13:00-18:00");
        assert_eq!(parse_day("  "), Some(vec![]), "closed");
        assert_eq!(parse_day("00:00-24:00").map(|d| d.len()), Some(1));
        for bad in ["9-12", "12:00-09:00", "09:00", "25:00-26:00", "09:60-10:00", "09:00-24:30"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_standard_root_causes_are_a_valid_two_level_taxonomy_in_both_languages() {
        use crate::explain::Language;
        for language in [Language::En, Language::ZhCn] {
            let causes = standard_root_causes(language);
            assert_eq!(causes.len(), STANDARD_ROOT_CAUSES.len());
            let mut names: Vec<String> = causes.iter().map(|(c, _)| c.to_lowercase()).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), causes.len(), "cause names are unique");
            for (cause, subs) in &causes {
                let mut unique: Vec<String> = subs.iter().map(|s| s.to_lowercase()).collect();
                unique.sort_unstable();
                unique.dedup();
                assert_eq!(unique.len(), subs.len(), "subcause names are unique under {cause}");
                assert!(
                    crate::validate::name(cause, 60).is_ok() && subs.iter().all(|s| s.chars().count() <= 60),
                    "{cause}"
                );
            }
        }
        assert_eq!(standard_root_causes(Language::ZhCn)[1].1[0], "配送延迟");
        assert_eq!(standard_root_causes(Language::En)[1].1[0], "Late");
    }

    #[test]
    fn tags_are_trimmed_kept_once_and_checked() {
        let given: Vec<String> = [" Refund ", "VIP", "refund", "退货"].map(String::from).to_vec();
        assert_eq!(
            normalize_tags(&given),
            Ok(vec!["Refund".to_owned(), "VIP".to_owned(), "退货".to_owned()])
        );
        assert_eq!(normalize_tags(&["ok".into(), " ".into()]), Err((1, Invalid::Required)));
        assert_eq!(normalize_tags(&["x".repeat(31)]), Err((0, Invalid::TooLong { max: 30 })));
        assert_eq!(normalize_tags(&["a\u{7}b".into()]), Err((0, Invalid::Characters)));
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert_eq!(normalize_tags(&many), Err((20, Invalid::TooLarge)));
    }

    #[test]
    fn targets_are_typed_in_hours() {
        assert_eq!(parse_hours("1.5"), Ok(Some(90)));
        assert_eq!(parse_hours(""), Ok(None));
        assert_eq!(parse_hours("0"), Err(Invalid::Negative));
        assert_eq!(parse_hours("-2"), Err(Invalid::Negative));
        assert_eq!(parse_hours("abc"), Err(Invalid::WrongType));
        assert_eq!(parse_hours("100000"), Err(Invalid::TooLarge));
        assert_eq!(format_hours(Some(90)), "1.5");
        assert_eq!(format_hours(Some(480)), "8");
        assert_eq!(format_hours(None), "");
        assert_eq!(format_hours(Some(100)), "1.67");
    }
}
