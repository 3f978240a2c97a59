//! Insight: what a manager opens the dashboard for (customers, activity, revenue by stars,
//! recent star changes, customers close to dropping a star), read with set-based queries.

pub mod dashboard;
pub mod graphql;
