//! Test harness shared by StarCRM's test suites, and the home of the end-to-end tests
//! (`e2e/tests/`): real `starcrm` binary, real database, GraphQL over HTTP, headless Chromium.
//!
//! - [`TestDb`]: a fresh database per test, SQLite by default, PostgreSQL when
//!   `STARCRM_TEST_POSTGRES_URL` is set (the test command runs the suites both ways).
//! - [`Server`]: the real `starcrm` binary on a free port with a temporary data dir.
//! - [`Browser`]: headless Chromium driven through chromedriver (WebDriver).
//! - [`receiver::Receiver`]: a local webhook receiver.
//! - [`build`]: builds the binary and the SPA when they are missing or older than their sources.

pub mod browser;
pub mod build;
pub mod db;
pub mod flows;
pub mod graphql;
pub mod receiver;
pub mod server;
pub mod smtp;
pub mod ws;

pub use browser::Browser;
pub use db::TestDb;
pub use graphql::GraphqlClient;
pub use server::Server;
