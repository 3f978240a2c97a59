//! StarCRM's database migrations, one file per step, applied in order by `starcrm migrate` and at
//! server start-up. Every migration runs on PostgreSQL and on SQLite, inside a transaction on both
//! (SQLite has transactional DDL), so a failed step leaves the database as it was.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261123_000001_create_workspaces;
mod m20261123_000002_create_accounts;
mod m20261123_000003_create_customers;
mod m20261123_000004_create_ratings;
mod m20261123_000005_hot_rating_writes;
mod m20261123_000006_search_outbox;
mod m20261203_000007_harden_accounts_and_audit;
mod m20261203_000008_change_feed;
mod m20261203_000009_idempotency_keys;
mod m20261203_000010_webhooks;
mod m20261203_000011_imports;
mod m20261203_000012_transaction_imports;
mod m20261204_000013_interaction_imports;
mod m20261204_000014_import_presets;
mod m20261204_000015_service_desk;
mod m20261204_000016_open_ticket_indexes;
mod m20261204_000017_root_causes;
mod m20261204_000018_teams_and_follow_ups;
mod m20261204_000019_breach_warnings;
mod m20261204_000020_ticket_tags;
mod m20261204_000021_notifications;
mod m20261205_000022_survey_responses;
mod m20261205_000023_survey_invitations;
mod m20261205_000024_survey_score_index;
mod m20261205_000025_periodic_surveys;
mod m20261205_000026_points_ledger;
mod m20261205_000027_rewards;
mod m20261205_000028_birthday_set_at;
mod m20261205_000029_referrals;
mod m20261205_000030_welcome;
mod m20261205_000031_messages;
mod m20261205_000032_segments;
mod m20261205_000033_campaigns;
mod m20261206_000034_insight;
mod m20261206_000035_campaign_coupon_pool;
mod m20261206_000036_recommendations;

/// The ordered list of StarCRM migrations.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_workspaces::Migration),
            Box::new(m20261123_000002_create_accounts::Migration),
            Box::new(m20261123_000003_create_customers::Migration),
            Box::new(m20261123_000004_create_ratings::Migration),
            Box::new(m20261123_000005_hot_rating_writes::Migration),
            Box::new(m20261123_000006_search_outbox::Migration),
            Box::new(m20261203_000007_harden_accounts_and_audit::Migration),
            Box::new(m20261203_000008_change_feed::Migration),
            Box::new(m20261203_000009_idempotency_keys::Migration),
            Box::new(m20261203_000010_webhooks::Migration),
            Box::new(m20261203_000011_imports::Migration),
            Box::new(m20261203_000012_transaction_imports::Migration),
            Box::new(m20261204_000013_interaction_imports::Migration),
            Box::new(m20261204_000014_import_presets::Migration),
            Box::new(m20261204_000015_service_desk::Migration),
            Box::new(m20261204_000016_open_ticket_indexes::Migration),
            Box::new(m20261204_000017_root_causes::Migration),
            Box::new(m20261204_000018_teams_and_follow_ups::Migration),
            Box::new(m20261204_000019_breach_warnings::Migration),
            Box::new(m20261204_000020_ticket_tags::Migration),
            Box::new(m20261204_000021_notifications::Migration),
            Box::new(m20261205_000022_survey_responses::Migration),
            Box::new(m20261205_000023_survey_invitations::Migration),
            Box::new(m20261205_000024_survey_score_index::Migration),
            Box::new(m20261205_000025_periodic_surveys::Migration),
            Box::new(m20261205_000026_points_ledger::Migration),
            Box::new(m20261205_000027_rewards::Migration),
            Box::new(m20261205_000028_birthday_set_at::Migration),
            Box::new(m20261205_000029_referrals::Migration),
            Box::new(m20261205_000030_welcome::Migration),
            Box::new(m20261205_000031_messages::Migration),
            Box::new(m20261205_000032_segments::Migration),
            Box::new(m20261205_000033_campaigns::Migration),
            Box::new(m20261206_000034_insight::Migration),
            Box::new(m20261206_000035_campaign_coupon_pool::Migration),
            Box::new(m20261206_000036_recommendations::Migration),
        ]
    }
}
