//! Campaign coupons from a pool (issue 21): a campaign can hand out the codes a business loaded
//! into a coupon reward's pool (its own till's codes) instead of generating them.
//!
//! `campaigns.coupon_reward_id` is the reward whose pool the campaign draws from (null: codes are
//! generated with the prefix). `reward_codes.campaign_id` is the campaign a code went to: a code
//! is free while both it and `voucher_id` are null. Both columns are plain: SQLite cannot add a
//! foreign key to an existing table, and the services check the workspace of either side.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::uuid_null;

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Campaigns {
    Table,
    CouponRewardId,
}

#[derive(DeriveIden, Clone, Copy)]
enum RewardCodes {
    Table,
    CampaignId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Campaigns::Table)
                    .add_column(uuid_null(Campaigns::CouponRewardId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RewardCodes::Table)
                    .add_column(uuid_null(RewardCodes::CampaignId))
                    .to_owned(),
            )
            .await?;
        index(manager, "reward_codes_campaign_idx", RewardCodes::Table, &[RewardCodes::CampaignId], false)
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("reward_codes_campaign_idx").table(RewardCodes::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter().table(RewardCodes::Table).drop_column(RewardCodes::CampaignId).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Campaigns::Table).drop_column(Campaigns::CouponRewardId).to_owned(),
            )
            .await
    }
}
