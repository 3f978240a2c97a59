//! The service desk (issue 18, ARCHITECTURE.md section 12): tickets whose priority and
//! service-level targets follow the customer's stars, a thread per ticket, queues sorted by due
//! time then stars, and the pass that records missed targets.
//!
//! Deadlines are computed by the pure business-hours arithmetic in `starcrm_shared` from the
//! ticket's opening, its status history and the policy version it runs under, so they can always
//! be recomputed (a status change, a change of the customer's stars).

pub mod breaches;
pub mod follow_up_graphql;
pub mod follow_ups;
pub mod graphql;
pub mod kpis;
pub mod notification_graphql;
pub mod notifications;
pub mod policy;
pub mod queue;
pub mod root_causes;
pub mod team_graphql;
pub mod teams;
pub mod tickets;
