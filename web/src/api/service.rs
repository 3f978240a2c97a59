//! The service desk: queues, a ticket with its thread, replies, status and assignment; follow-ups;
//! the analysis; the desk's settings (service-level policy, cadence, teams, root causes).

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::follow_ups::{CadenceView, FollowUpRow};
use starcrm_shared::service_desk::{
    BusinessHoursView, MessageKind, ParetoRowView, PersonRef, ServiceKpisView, SlaPolicyView, SlaRuleView,
    TeamInfo, TicketCategoryInfo, TicketCountsInfo, TicketDetail, TicketRow, TicketStatus,
};

use super::{ApiError, execute};

const TICKETS: &str = include_str!("../../graphql/tickets.graphql");
const TICKET: &str = include_str!("../../graphql/ticket.graphql");
const ADD_MESSAGE: &str = include_str!("../../graphql/add_ticket_message.graphql");
const SET_STATUS: &str = include_str!("../../graphql/set_ticket_status.graphql");
const ASSIGN: &str = include_str!("../../graphql/assign_ticket.graphql");
const SET_TAGS: &str = include_str!("../../graphql/set_ticket_tags.graphql");

/// A queue of the inbox (the server's `TicketView`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Mine,
    MyTeam,
    Unassigned,
    Open,
    BreachingSoon,
    Breached,
}

impl View {
    pub const ALL: [Self; 6] =
        [Self::Mine, Self::MyTeam, Self::Unassigned, Self::Open, Self::BreachingSoon, Self::Breached];

    pub const fn wire(self) -> &'static str {
        match self {
            Self::Mine => "MINE",
            Self::MyTeam => "MY_TEAM",
            Self::Unassigned => "UNASSIGNED",
            Self::Open => "OPEN",
            Self::BreachingSoon => "BREACHING_SOON",
            Self::Breached => "BREACHED",
        }
    }

    pub const fn count(self, counts: &TicketCountsInfo) -> u64 {
        match self {
            Self::Mine => counts.mine,
            Self::MyTeam => counts.my_team,
            Self::Unassigned => counts.unassigned,
            Self::Open => counts.open,
            Self::BreachingSoon => counts.breaching_soon,
            Self::Breached => counts.breached,
        }
    }
}

/// A page of a queue, with the counts of every queue.
#[derive(Clone, Debug, Default)]
pub struct Queue {
    pub rows: Vec<TicketRow>,
    pub total: u64,
    pub next: Option<String>,
    pub counts: TicketCountsInfo,
}

/// A page of a GraphQL connection with `edges { node }`, its total and next cursor.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connection<T> {
    total_count: u64,
    page_info: PageInfo,
    edges: Vec<Edge<T>>,
}

#[derive(Deserialize)]
struct Edge<T> {
    node: T,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

impl<T> Connection<T> {
    /// The rows, the total and the cursor of the next page (none on the last).
    fn into_parts(self) -> (Vec<T>, u64, Option<String>) {
        let next = self.page_info.end_cursor.filter(|_| self.page_info.has_next_page);
        (self.edges.into_iter().map(|e| e.node).collect(), self.total_count, next)
    }
}

pub async fn queue(view: View, after: Option<String>) -> Result<Queue, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        tickets: Connection<TicketRow>,
        ticket_counts: TicketCountsInfo,
    }
    let variables = json!({ "view": view.wire(), "first": 50, "after": after });
    let data = execute::<_, Data>(TICKETS, &variables).await?;
    let (rows, total, next) = data.tickets.into_parts();
    Ok(Queue { rows, total, next, counts: data.ticket_counts })
}

/// A ticket's page: the ticket, the workspace's complaint root causes (to solve a complaint
/// with), and the agents in the desk's teams it can be handed to (available ones first).
pub async fn ticket(id: &str) -> Result<(TicketDetail, Vec<TicketCategoryInfo>, Vec<PersonRef>), ApiError> {
    #[derive(Deserialize)]
    struct Member {
        available: bool,
        user: Option<PersonRef>,
    }
    #[derive(Deserialize)]
    struct Team {
        archived: bool,
        members: Vec<Member>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        ticket: TicketDetail,
        ticket_categories: Vec<TicketCategoryInfo>,
        teams: Vec<Team>,
    }
    let data = execute::<_, Data>(TICKET, &json!({ "id": id })).await?;
    let mut members: Vec<(bool, PersonRef)> = data
        .teams
        .into_iter()
        .filter(|t| !t.archived)
        .flat_map(|t| t.members)
        .filter_map(|m| m.user.map(|u| (m.available, u)))
        .collect();
    members.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.cmp(&b.1.name)));
    let mut agents: Vec<PersonRef> = Vec::new();
    for (_, person) in members {
        if !agents.iter().any(|a| a.id == person.id) {
            agents.push(person);
        }
    }
    Ok((data.ticket, data.ticket_categories, agents))
}

pub async fn add_message(id: &str, kind: MessageKind, body: &str) -> Result<(), ApiError> {
    let input = json!({ "input": { "ticketId": id, "kind": kind, "body": body } });
    execute::<_, serde_json::Value>(ADD_MESSAGE, &input).await.map(|_| ())
}

/// Moves a ticket; solving a complaint may name its root cause and say it was not upheld.
pub async fn set_status(
    id: &str,
    status: TicketStatus,
    root_cause: Option<&str>,
    upheld: Option<bool>,
) -> Result<(), ApiError> {
    let variables = json!({ "id": id, "status": status, "rootCauseId": root_cause, "upheld": upheld });
    execute::<_, serde_json::Value>(SET_STATUS, &variables).await.map(|_| ())
}

/// `assignee: None` puts the ticket back in the unassigned queue.
pub async fn assign(id: &str, assignee: Option<&str>) -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(ASSIGN, &json!({ "id": id, "assigneeId": assignee })).await.map(|_| ())
}

/// A node's id, as several answers give it.
#[derive(Deserialize)]
struct Id {
    id: String,
}

const OPEN_TICKET: &str = include_str!("../../graphql/open_ticket.graphql");

/// Opens a ticket (an `OpenTicketInput`); returns its id.
pub async fn open_ticket(input: serde_json::Value) -> Result<String, ApiError> {
    #[derive(Deserialize)]
    struct Opened {
        ticket: Id,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        open_ticket: Opened,
    }
    execute::<_, Data>(OPEN_TICKET, &json!({ "input": input })).await.map(|d| d.open_ticket.ticket.id)
}

const TICKET_BY_CODE: &str = include_str!("../../graphql/ticket_by_code.graphql");

/// The id of the ticket quoted as `code` (`T000042`, `#42`, `42`).
pub async fn ticket_by_code(code: &str) -> Result<String, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        ticket_by_code: Id,
    }
    execute::<_, Data>(TICKET_BY_CODE, &json!({ "code": code })).await.map(|d| d.ticket_by_code.id)
}

const FOLLOW_UPS: &str = include_str!("../../graphql/follow_ups.graphql");
const COMPLETE_FOLLOW_UP: &str = include_str!("../../graphql/complete_follow_up.graphql");
const SNOOZE_FOLLOW_UP: &str = include_str!("../../graphql/snooze_follow_up.graphql");

/// A list of follow-ups (the server's `FollowUpView`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowUpView {
    Due,
    Upcoming,
    Mine,
    Done,
}

impl FollowUpView {
    pub const ALL: [Self; 4] = [Self::Due, Self::Upcoming, Self::Mine, Self::Done];

    pub const fn wire(self) -> &'static str {
        match self {
            Self::Due => "DUE",
            Self::Upcoming => "UPCOMING",
            Self::Mine => "MINE",
            Self::Done => "DONE",
        }
    }
}

/// A page of follow-ups.
#[derive(Clone, Debug, Default)]
pub struct FollowUps {
    pub rows: Vec<FollowUpRow>,
    pub total: u64,
    pub next: Option<String>,
}

pub async fn follow_ups(view: FollowUpView, after: Option<String>) -> Result<FollowUps, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        follow_ups: Connection<FollowUpRow>,
    }
    let variables = json!({ "view": view.wire(), "first": 50, "after": after });
    let data = execute::<_, Data>(FOLLOW_UPS, &variables).await?;
    let (rows, total, next) = data.follow_ups.into_parts();
    Ok(FollowUps { rows, total, next })
}

/// Marks a follow-up done with its outcome.
pub async fn complete_follow_up(id: &str, outcome: &str) -> Result<(), ApiError> {
    let variables = json!({ "id": id, "outcome": outcome });
    execute::<_, serde_json::Value>(COMPLETE_FOLLOW_UP, &variables).await.map(|_| ())
}

/// Puts a follow-up off by `days` from now.
pub async fn snooze_follow_up(id: &str, days: u32) -> Result<(), ApiError> {
    let until_ms = js_sys::Date::now() + f64::from(days) * 86_400_000.0;
    let until = String::from(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(until_ms)).to_iso_string());
    execute::<_, serde_json::Value>(SNOOZE_FOLLOW_UP, &json!({ "id": id, "until": until })).await.map(|_| ())
}

const ANALYSIS: &str = include_str!("../../graphql/service_analysis.graphql");

/// What the complaint Pareto groups by (the server's `ComplaintDimension`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    RootCause,
    ProductCategory,
    Channel,
    StarLevel,
    Agent,
}

impl Dimension {
    pub const ALL: [Self; 5] =
        [Self::RootCause, Self::ProductCategory, Self::Channel, Self::StarLevel, Self::Agent];

    pub const fn wire(self) -> &'static str {
        match self {
            Self::RootCause => "ROOT_CAUSE",
            Self::ProductCategory => "PRODUCT_CATEGORY",
            Self::Channel => "CHANNEL",
            Self::StarLevel => "STAR_LEVEL",
            Self::Agent => "AGENT",
        }
    }
}

/// The desk's figures and the complaint Pareto for the last `days` days.
pub async fn analysis(days: u32, by: Dimension) -> Result<(ServiceKpisView, Vec<ParetoRowView>), ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        service_kpis: ServiceKpisView,
        complaint_analysis: Vec<ParetoRowView>,
    }
    let now = js_sys::Date::now();
    let iso = |ms: f64| String::from(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms)).to_iso_string());
    let variables = json!({
        "from": iso(now - f64::from(days) * 86_400_000.0),
        "to": iso(now + 60_000.0),
        "by": by.wire(),
    });
    let data = execute::<_, Data>(ANALYSIS, &variables).await?;
    Ok((data.service_kpis, data.complaint_analysis))
}

const SERVICE_SETTINGS: &str = include_str!("../../graphql/service_settings.graphql");
const SAVE_CADENCE: &str = include_str!("../../graphql/save_follow_up_cadence.graphql");
const SAVE_TEAM: &str = include_str!("../../graphql/save_team.graphql");
const SAVE_CATEGORY: &str = include_str!("../../graphql/save_ticket_category.graphql");

/// Someone who may work in a team.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StaffOption {
    pub id: String,
    pub name: String,
    pub role: starcrm_shared::Role,
}

/// What the service desk settings edit.
#[derive(Clone, Debug, Default)]
pub struct ServiceSettings {
    pub cadence: CadenceView,
    pub teams: Vec<TeamInfo>,
    pub categories: Vec<TicketCategoryInfo>,
    /// Active staff who serve customers.
    pub staff: Vec<StaffOption>,
}

pub async fn service_settings() -> Result<ServiceSettings, ApiError> {
    #[derive(Deserialize)]
    struct Users {
        nodes: Vec<StaffOption>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        follow_up_cadence: CadenceView,
        teams: Vec<TeamInfo>,
        ticket_categories: Vec<TicketCategoryInfo>,
        users: Users,
    }
    let data = execute::<_, Data>(SERVICE_SETTINGS, &json!({})).await?;
    Ok(ServiceSettings {
        cadence: data.follow_up_cadence,
        teams: data.teams,
        categories: data.ticket_categories,
        staff: data
            .users
            .nodes
            .into_iter()
            .filter(|u| u.role.has(starcrm_shared::Permission::ServiceManage))
            .collect(),
    })
}

pub async fn save_cadence(cadence: &CadenceView) -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(SAVE_CADENCE, &json!({ "input": cadence })).await.map(|_| ())
}

/// A team as saved: `id` none for a new one; `members` is the whole membership; an archived
/// team gets no new tickets.
pub struct TeamDraft<'a> {
    pub id: Option<&'a str>,
    pub name: &'a str,
    pub kinds: &'a [starcrm_shared::service_desk::TicketKind],
    pub capacity: i32,
    pub members: &'a [String],
    pub archived: bool,
}

pub async fn save_team(team: &TeamDraft<'_>) -> Result<(), ApiError> {
    let TeamDraft { id, name, kinds, capacity, members, archived } = team;
    let input = json!({ "input": { "id": id, "name": name, "kinds": kinds, "capacity": capacity,
        "members": members, "archived": archived } });
    execute::<_, serde_json::Value>(SAVE_TEAM, &input).await.map(|_| ())
}

/// Adds a root cause (`id` none; `parent`: the cause of a subcause), or archives or restores one.
pub async fn save_category(
    id: Option<&str>,
    name: &str,
    parent: Option<&str>,
    archived: bool,
) -> Result<(), ApiError> {
    let input = json!({ "input": { "id": id, "name": name, "parentId": parent, "archived": archived } });
    execute::<_, serde_json::Value>(SAVE_CATEGORY, &input).await.map(|_| ())
}

const ADD_STANDARD_CATEGORIES: &str = include_str!("../../graphql/add_standard_ticket_categories.graphql");

/// Adds the standard root causes the workspace lacks, named in `language` (`EN` or `ZH_CN`).
pub async fn add_standard_categories(language: &str) -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(ADD_STANDARD_CATEGORIES, &json!({ "language": language }))
        .await
        .map(|_| ())
}

const SLA_POLICY: &str = include_str!("../../graphql/sla_policy.graphql");
const SAVE_SLA_POLICY: &str = include_str!("../../graphql/save_sla_policy.graphql");

pub async fn sla_policy() -> Result<SlaPolicyView, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        sla_policy: SlaPolicyView,
    }
    execute::<_, Data>(SLA_POLICY, &json!({})).await.map(|d| d.sla_policy)
}

/// Saves the rules and hours as the new active version; returns its number.
pub async fn save_sla_policy(rules: &[SlaRuleView], hours: &BusinessHoursView) -> Result<i64, ApiError> {
    #[derive(Deserialize)]
    struct Saved {
        version: i64,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        save_sla_policy: Saved,
    }
    let input = json!({ "input": { "rules": rules, "hours": hours } });
    execute::<_, Data>(SAVE_SLA_POLICY, &input).await.map(|d| d.save_sla_policy.version)
}

/// Replaces a ticket's tags.
pub async fn set_tags(id: &str, tags: &[String]) -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(SET_TAGS, &json!({ "id": id, "tags": tags })).await.map(|_| ())
}

const MY_AVAILABILITY: &str = include_str!("../../graphql/my_availability.graphql");
const SET_AVAILABILITY: &str = include_str!("../../graphql/set_availability.graphql");

/// Whether the signed-in staff member takes new tickets; none when they are in no team.
pub async fn my_availability() -> Result<Option<bool>, ApiError> {
    #[derive(Deserialize)]
    struct Viewer {
        user: Option<Id>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Member {
        user_id: String,
        available: bool,
    }
    #[derive(Deserialize)]
    struct Team {
        members: Vec<Member>,
    }
    #[derive(Deserialize)]
    struct Data {
        viewer: Viewer,
        teams: Vec<Team>,
    }
    let data = execute::<_, Data>(MY_AVAILABILITY, &json!({})).await?;
    let Some(me) = data.viewer.user.map(|u| u.id) else { return Ok(None) };
    let mine: Vec<bool> =
        data.teams.iter().flat_map(|t| &t.members).filter(|m| m.user_id == me).map(|m| m.available).collect();
    Ok((!mine.is_empty()).then(|| mine.contains(&true)))
}

/// Takes new tickets again, or marks oneself away (`user: None`); a desk manager marks a team
/// member (`user`) away or back.
pub async fn set_availability(available: bool, user: Option<&str>) -> Result<(), ApiError> {
    let variables = json!({ "available": available, "userId": user });
    execute::<_, serde_json::Value>(SET_AVAILABILITY, &variables).await.map(|_| ())
}
