//! Insight (issue 22): purchase-behaviour models, lifecycle stages and churn warning.

#[cfg(feature = "models")]
pub mod fit;
pub mod lifecycle;
pub mod models;
pub mod report;
