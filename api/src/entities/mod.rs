//! sea-orm models, one file per table. Plain data: no business rules and no GraphQL derives
//! (features map them to their own API types).

pub mod api_token;
pub mod audit_log;
pub mod channel_identity;
pub mod custom_field;
pub mod customer;
pub mod customer_consent;
pub mod customer_email;
pub mod customer_field_value;
pub mod customer_merge;
pub mod customer_phone;
pub mod customer_tag;
pub mod download_link;
pub mod event;
pub mod idempotency_key;
pub mod import;
pub mod import_change;
pub mod import_error;
pub mod import_preset;
pub mod interaction;
pub mod job;
pub mod login_failure;
pub mod rating_policy;
pub mod rating_tiers;
pub mod refresh_token;
pub mod search_outbox;
pub mod server_secret;
pub mod session;
pub mod star_history;
pub mod transaction;
pub mod transaction_item;
pub mod user;
pub mod webhook_attempt;
pub mod webhook_endpoint;
pub mod webhook_message;
pub mod workspace;
