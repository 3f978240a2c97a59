//! The StarCRM server: GraphQL API, SPA hosting, health and metrics, and the command-line tools of
//! the `starcrm` binary. Organised by feature (`system/`, later `customers/`, `ratings/`, ...);
//! `http/` and `graphql/` hold the wiring that every feature shares.

// The merged GraphQL roots (one per feature) nest deeper than the compiler's default layout limit.
#![recursion_limit = "256"]

pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod bench;
pub mod changes;
pub mod cli;
pub mod config;
pub mod customers;
pub mod db;
pub mod downloads;
pub mod entities;
pub mod error;
pub mod exports;
pub mod graphql;
pub mod http;
pub mod imports;
pub mod insight;
pub mod jobs;
pub mod loyalty;
pub mod marketing;
pub mod messaging;
pub mod ratings;
pub mod search;
pub mod seed;
pub mod server;
pub mod service_desk;
pub mod state;
pub mod surveys;
pub mod system;
pub mod telemetry;
pub mod users;
pub mod wake;
pub mod webhooks;
pub mod workspaces;

pub use config::Settings;
pub use error::AppError;
pub use state::AppState;
