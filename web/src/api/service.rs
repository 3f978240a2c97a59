//! The service desk: queues, a ticket with its thread, replies, status and assignment.

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::service_desk::{
    MessageKind, TicketCategoryInfo, TicketCountsInfo, TicketDetail, TicketRow, TicketStatus,
};

use super::{ApiError, execute};

const TICKETS: &str = include_str!("../../graphql/tickets.graphql");
const TICKET: &str = include_str!("../../graphql/ticket.graphql");
const ADD_MESSAGE: &str = include_str!("../../graphql/add_ticket_message.graphql");
const SET_STATUS: &str = include_str!("../../graphql/set_ticket_status.graphql");
const ASSIGN: &str = include_str!("../../graphql/assign_ticket.graphql");

/// A queue of the inbox (the server's `TicketView`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Mine,
    Unassigned,
    Open,
    BreachingSoon,
    Breached,
}

impl View {
    pub const ALL: [Self; 5] =
        [Self::Mine, Self::Unassigned, Self::Open, Self::BreachingSoon, Self::Breached];

    pub const fn wire(self) -> &'static str {
        match self {
            Self::Mine => "MINE",
            Self::Unassigned => "UNASSIGNED",
            Self::Open => "OPEN",
            Self::BreachingSoon => "BREACHING_SOON",
            Self::Breached => "BREACHED",
        }
    }

    pub const fn count(self, counts: &TicketCountsInfo) -> u64 {
        match self {
            Self::Mine => counts.mine,
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

pub async fn queue(view: View, after: Option<String>) -> Result<Queue, ApiError> {
    #[derive(Deserialize)]
    struct Edge {
        node: TicketRow,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct PageInfo {
        has_next_page: bool,
        end_cursor: Option<String>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Found {
        total_count: u64,
        page_info: PageInfo,
        edges: Vec<Edge>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        tickets: Found,
        ticket_counts: TicketCountsInfo,
    }
    let variables = json!({ "view": view.wire(), "first": 50, "after": after });
    let data = execute::<_, Data>(TICKETS, &variables).await?;
    Ok(Queue {
        rows: data.tickets.edges.into_iter().map(|e| e.node).collect(),
        total: data.tickets.total_count,
        next: data.tickets.page_info.end_cursor.filter(|_| data.tickets.page_info.has_next_page),
        counts: data.ticket_counts,
    })
}

/// A ticket with the workspace's complaint root causes (to solve a complaint with).
pub async fn ticket(id: &str) -> Result<(TicketDetail, Vec<TicketCategoryInfo>), ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        ticket: TicketDetail,
        ticket_categories: Vec<TicketCategoryInfo>,
    }
    execute::<_, Data>(TICKET, &json!({ "id": id })).await.map(|d| (d.ticket, d.ticket_categories))
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
