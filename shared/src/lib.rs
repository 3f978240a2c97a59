//! Domain types and pure logic that the StarCRM server (`api`) and the SPA (`web`) must agree on.
//!
//! Rules of this crate: no I/O, no async runtime, no database. It compiles to native code and to
//! `wasm32-unknown-unknown`. GraphQL derives sit behind the `graphql` feature, which only the api
//! enables, so the SPA bundle does not carry async-graphql.

pub mod account;
pub mod audit;
#[cfg(feature = "calendar")]
pub mod business_hours;
pub mod campaigns;
pub mod contact_budget;
pub mod customer;
pub mod dashboard;
pub mod enums;
pub mod error;
pub mod explain;
pub mod follow_ups;
pub mod imports;
pub mod insight;
pub mod loyalty;
pub mod marketing;
pub mod mask;
pub mod permissions;
pub mod rating;
pub mod rating_views;
pub mod search;
pub mod service_desk;
pub mod surveys;
pub mod system;
pub mod terms;
pub mod tiers;
pub mod validate;
pub mod webhooks;

pub use error::ErrorCode;
pub use permissions::{Permission, Role};
pub use system::{DatabaseKind, RunMode, ServerInfo, ServerInfoData};
