//! sea-orm models, one file per table. Plain data: no business rules and no GraphQL derives
//! (features map them to their own API types).

pub mod api_token;
pub mod audit_log;
pub mod refresh_token;
pub mod server_secret;
pub mod session;
pub mod user;
pub mod workspace;
