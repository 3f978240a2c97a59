//! Insight (issue 22): purchase-behaviour models, lifecycle stages, churn warning and
//! recommendations, dashboards and demand.

pub mod analytics;
#[cfg(feature = "models")]
pub mod fit;
pub mod lifecycle;
pub mod models;
pub mod recommend;
pub mod report;
