//! The star engine on the server: policy versions, rating customers in real time and in
//! whole-workspace jobs, manual overrides, new customers' welcome level, explanations, simulations and tier benefits. The
//! scoring itself is `shared::rating`, the same function the SPA previews with.

pub mod engine;
pub mod explain;
pub mod graphql;
pub mod jobs;
pub mod overrides;
pub mod policy;
pub mod scheduler;
pub mod simulate;
pub mod tiers;
pub mod welcome;
