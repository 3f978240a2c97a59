//! NPS and CSAT over a period, overall and by star level, channel, agent, store or month: one
//! grouped count per (group, score) in SQL, the arithmetic (value, standard error, margin) in
//! `starcrm_shared::surveys`. Months are the workspace's calendar months, cut in SQL at their
//! first instant in its time zone, and a month without answers is still a point of the trend.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait as _, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, TryGetable};
use starcrm_shared::Permission;
use starcrm_shared::surveys::{NpsCounts, NpsGroup, Score, SurveyKind, csat};
use uuid::Uuid;

use crate::auth::Scope;
use crate::entities::{customer, survey_response, user};
use crate::error::AppError;

/// The longest period a month-by-month trend covers.
pub const MAX_MONTHS: usize = 36;
/// A period's default length, ending now.
pub const DEFAULT_DAYS: i64 = 365;

/// What answers are grouped by.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "SurveyDimension")]
pub enum Dimension {
    /// The customer's current stars (null: not rated).
    StarLevel,
    /// What the answer is about: where the purchase was made or the ticket came in.
    Channel,
    /// The agent a CSAT answer rates.
    Agent,
    Store,
    /// Calendar months in the workspace's time zone, every month of the period listed.
    Month,
}

/// Answers counted: by NPS group, or satisfied (CSAT 4 or 5) of all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub nps: NpsCounts,
    pub satisfied: u64,
    pub n: u64,
}

impl Tally {
    fn add(&mut self, kind: SurveyKind, score: i16, count: u64) {
        let Ok(score) = u8::try_from(score) else { return };
        if !kind.accepts(score) {
            return;
        }
        self.n += count;
        match kind {
            SurveyKind::Nps => match NpsGroup::of(score) {
                NpsGroup::Promoter => self.nps.promoters += count,
                NpsGroup::Passive => self.nps.passives += count,
                NpsGroup::Detractor => self.nps.detractors += count,
            },
            SurveyKind::Csat => {
                if kind.is_happy(score) {
                    self.satisfied += count;
                }
            }
        }
    }

    fn merge(&mut self, other: &Self) {
        self.nps.promoters += other.nps.promoters;
        self.nps.passives += other.nps.passives;
        self.nps.detractors += other.nps.detractors;
        self.satisfied += other.satisfied;
        self.n += other.n;
    }

    /// The score of the kind, `None` without answers.
    pub fn score(&self, kind: SurveyKind) -> Option<Score> {
        match kind {
            SurveyKind::Nps => self.nps.score(),
            SurveyKind::Csat => csat(self.satisfied, self.n),
        }
    }
}

/// One group's answers: its key as text (`5`, `store`, an agent's id, `2026-11`; `None` for
/// answers without one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub key: Option<String>,
    pub tally: Tally,
}

/// A period's scores.
#[derive(Clone, Debug)]
pub struct Scores {
    pub kind: SurveyKind,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub overall: Tally,
    pub groups: Vec<Group>,
}

/// The period `[from, to)`: the last [`DEFAULT_DAYS`] days by default.
///
/// # Errors
/// `BAD_USER_INPUT` on `to` when it is not after `from`.
pub fn period(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let to = to.unwrap_or(now);
    let from = from.unwrap_or(to - Duration::days(DEFAULT_DAYS));
    if from >= to {
        return Err(AppError::bad_input("to", "must be after from"));
    }
    Ok((from, to))
}

/// The first instants of the workspace's calendar months from the one `from` falls in to the one
/// after `to`'s: month `i` is `[starts[i], starts[i + 1])`.
///
/// # Errors
/// `BAD_USER_INPUT` on `from` for a period of more than [`MAX_MONTHS`] months.
pub fn month_starts(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> Result<Vec<DateTime<Utc>>, AppError> {
    let first_of = |d: NaiveDate| NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d);
    let start_of = |d: NaiveDate| -> DateTime<Utc> {
        // Midnight, or the first instant of the day where a zone skips midnight.
        let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        tz.from_local_datetime(&local)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(local + Duration::hours(1))).earliest())
            .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
    };
    let next_month = |d: NaiveDate| d.checked_add_months(chrono::Months::new(1)).unwrap_or(d);
    let mut month = first_of(from.with_timezone(&tz).date_naive());
    let mut starts = vec![start_of(month)];
    while starts.last().is_some_and(|s| *s < to) {
        month = next_month(month);
        starts.push(start_of(month));
        if starts.len() > MAX_MONTHS + 1 {
            return Err(AppError::bad_input(
                "from",
                format!("a month-by-month trend covers at most {MAX_MONTHS} months"),
            ));
        }
    }
    Ok(starts)
}

/// The label of month `i` of `starts` in the workspace's calendar: `2026-11`.
fn month_label(starts: &[DateTime<Utc>], i: usize, tz: Tz) -> Option<String> {
    starts.get(i).map(|s| s.with_timezone(&tz).format("%Y-%m").to_string())
}

/// `CASE WHEN answered_at < starts[1] THEN 0 WHEN ... END`: the month index of an answer.
fn month_case(starts: &[DateTime<Utc>]) -> SimpleExpr {
    let mut case = CaseStatement::new();
    for (i, end) in starts.iter().enumerate().skip(1) {
        let index = i32::try_from(i - 1).unwrap_or(i32::MAX);
        case = case
            .case(Expr::col((survey_response::Entity, survey_response::Column::AnsweredAt)).lt(*end), index);
    }
    case.finally(-1).into()
}

/// Scores of `kind` over `[from, to)`, overall and grouped `by`. Needs `surveys:read`.
///
/// # Errors
/// `FORBIDDEN`; `BAD_USER_INPUT` for a period that ends before it starts or a trend over more
/// than [`MAX_MONTHS`] months.
pub async fn scores(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    kind: SurveyKind,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    by: Option<Dimension>,
) -> Result<Scores, AppError> {
    scope.require(Permission::SurveysRead)?;
    let groups = match by {
        None => tally::<i32>(conn, scope, kind, (from, to), None, false).await?,
        Some(Dimension::StarLevel) => {
            let stars = Expr::col((customer::Entity, customer::Column::Stars));
            tally::<i16>(conn, scope, kind, (from, to), Some(stars), true).await?
        }
        Some(Dimension::Channel) => {
            let channel = Expr::col((survey_response::Entity, survey_response::Column::Channel));
            tally::<String>(conn, scope, kind, (from, to), Some(channel), false).await?
        }
        Some(Dimension::Store) => {
            let store = Expr::col((survey_response::Entity, survey_response::Column::Store));
            tally::<String>(conn, scope, kind, (from, to), Some(store), false).await?
        }
        Some(Dimension::Agent) => {
            let agent = Expr::col((survey_response::Entity, survey_response::Column::AgentId));
            tally::<Uuid>(conn, scope, kind, (from, to), Some(agent), false).await?
        }
        Some(Dimension::Month) => {
            // The workspace's zone, as the star engine's (cached) context reads it.
            let tz = crate::ratings::engine::Context::cached(conn, scope.workspace_id).await?.tz;
            let starts = month_starts(from, to, tz)?;
            let counted =
                tally::<i32>(conn, scope, kind, (from, to), Some(month_case(&starts)), false).await?;
            let mut by_month: BTreeMap<i32, Tally> = BTreeMap::new();
            for (key, t) in counted {
                by_month.entry(key.and_then(|k| k.parse().ok()).unwrap_or(-1)).or_default().merge(&t);
            }
            let months = (0..starts.len().saturating_sub(1)).map(|i| Group {
                key: month_label(&starts, i, tz),
                tally: by_month.get(&i32::try_from(i).unwrap_or(i32::MAX)).copied().unwrap_or_default(),
            });
            let groups: Vec<Group> = months.collect();
            let overall = groups.iter().fold(Tally::default(), |mut all, g| {
                all.merge(&g.tally);
                all
            });
            return Ok(Scores { kind, from, to, overall, groups });
        }
    };
    let mut overall = Tally::default();
    let mut out: Vec<Group> = Vec::with_capacity(groups.len());
    for (key, t) in groups {
        overall.merge(&t);
        out.push(Group { key, tally: t });
    }
    if by.is_none() {
        out.clear();
    }
    // Star levels from 5 down, other groups biggest first; answers without a key last.
    out.sort_by(|a, b| {
        let order = if by == Some(Dimension::StarLevel) {
            b.key.cmp(&a.key)
        } else {
            b.tally.n.cmp(&a.tally.n).then(a.key.cmp(&b.key))
        };
        a.key.is_none().cmp(&b.key.is_none()).then(order)
    });
    Ok(Scores { kind, from, to, overall, groups: out })
}

/// Text keys for what SQL grouped by.
trait KeyText {
    fn text(&self) -> String;
}

impl KeyText for i16 {
    fn text(&self) -> String {
        self.to_string()
    }
}

impl KeyText for i32 {
    fn text(&self) -> String {
        self.to_string()
    }
}

impl KeyText for String {
    fn text(&self) -> String {
        self.clone()
    }
}

impl KeyText for Uuid {
    fn text(&self) -> String {
        self.to_string()
    }
}

/// One grouped count: `(key, score, n)` rows, tallied per key (one group without a key). The
/// grouping names the key's alias: PostgreSQL would not see two renderings of an expression with
/// bound values (the month `CASE`) as the same.
async fn tally<K>(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    kind: SurveyKind,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    key: Option<SimpleExpr>,
    join_customer: bool,
) -> Result<Vec<(Option<String>, Tally)>, AppError>
where
    K: TryGetable + KeyText + Ord,
{
    use survey_response::Column as C;
    let grouped = key.is_some();
    let mut query = survey_response::Entity::find()
        .select_only()
        .column_as(key.unwrap_or_else(|| Expr::cust("NULL")), "group_key")
        .column(C::Score)
        .column_as(C::Id.count(), "n")
        .filter(C::WorkspaceId.eq(scope.workspace_id))
        .filter(C::Kind.eq(kind.as_str()))
        .filter(C::AnsweredAt.gte(from))
        .filter(C::AnsweredAt.lt(to));
    if grouped {
        query = query.group_by(Expr::cust("group_key"));
    }
    query = query.group_by(C::Score);
    if join_customer {
        query = query.join(
            JoinType::InnerJoin,
            survey_response::Entity::belongs_to(customer::Entity)
                .from(C::CustomerId)
                .to(customer::Column::Id)
                .into(),
        );
    }
    let rows: Vec<(Option<K>, i16, i64)> = query.into_tuple().all(conn).await?;
    let mut by_key: BTreeMap<Option<K>, Tally> = BTreeMap::new();
    for (key, score, n) in rows {
        by_key.entry(key).or_default().add(kind, score, u64::try_from(n).unwrap_or(0));
    }
    Ok(by_key.into_iter().map(|(k, t)| (k.map(|k| k.text()), t)).collect())
}

/// The names of the agents among `groups`' keys (ids of the workspace's staff).
///
/// # Errors
/// Database failures.
pub async fn agents(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    groups: &[Group],
) -> Result<Vec<user::Model>, AppError> {
    let ids: Vec<Uuid> = groups.iter().filter_map(|g| g.key.as_deref()?.parse().ok()).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(scope.workspace_id))
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
    }

    #[test]
    fn months_are_cut_at_local_midnight_of_the_first() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap_or(Tz::UTC);
        // 2026-10-31 20:00 UTC is already November 1st in Shanghai.
        let starts =
            month_starts(at("2026-10-31T20:00:00Z"), at("2027-01-15T00:00:00Z"), tz).unwrap_or_default();
        assert_eq!(
            starts,
            [
                at("2026-10-31T16:00:00Z"),
                at("2026-11-30T16:00:00Z"),
                at("2026-12-31T16:00:00Z"),
                at("2027-01-31T16:00:00Z")
            ]
        );
        assert_eq!(month_label(&starts, 0, tz).as_deref(), Some("2026-11"));
        assert_eq!(month_label(&starts, 2, tz).as_deref(), Some("2027-01"));
        let long = month_starts(at("2020-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"), tz);
        assert!(long.is_err());
    }

    #[test]
    fn a_tally_counts_groups_and_scores_like_the_shared_arithmetic() {
        let mut t = Tally::default();
        for (score, n) in [(10, 5), (9, 1), (8, 2), (3, 2), (11, 7)] {
            t.add(SurveyKind::Nps, score, n);
        }
        assert_eq!(t.n, 10, "out-of-range scores are not counted");
        assert_eq!(t.nps, NpsCounts { promoters: 6, passives: 2, detractors: 2 });
        let nps = t.score(SurveyKind::Nps).map(|s| s.value.round());
        assert_eq!(nps, Some(40.0));
        let mut c = Tally::default();
        for (score, n) in [(5, 3), (4, 1), (2, 1), (0, 4)] {
            c.add(SurveyKind::Csat, score, n);
        }
        assert_eq!((c.satisfied, c.n), (4, 5));
        assert_eq!(c.score(SurveyKind::Csat).map(|s| s.value.round()), Some(80.0));
    }
}
