//! Insight: what a manager opens the dashboard for (customers, activity, revenue by stars,
//! recent star changes, customers close to dropping a star), read with set-based queries; and
//! (issue 22) purchase-behaviour models, lifecycle stages, the churn warning and
//! recommendations.

pub mod analytics;
pub mod dashboard;
pub mod graphql;
pub mod lifecycle;
pub mod models_graphql;
pub mod pass;
pub mod recommend;
pub mod settings;
pub mod worker;
