//! `campaign_recipients`: one customer of a prepared campaign's audience.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_recipients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: Uuid,
    pub workspace_id: Uuid,
    /// The customer's stars when the campaign was prepared.
    pub stars: Option<i16>,
    /// `shared::campaigns::RecipientStatus`.
    pub status: String,
    /// `shared::campaigns::Exclusion`, for `excluded` and `skipped`.
    pub exclusion: Option<String>,
    /// The outbox message (`messages`), for those sent one.
    pub message_id: Option<Uuid>,
    pub coupon_code: Option<String>,
    /// SHA-256 of the unsubscribe link's token.
    pub unsubscribe_hash: Option<String>,
    /// When the message was planned to go (for the holdout: when it would have gone); the
    /// attribution window of those not sent starts here.
    pub send_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// Purchases up to this time count as conversions.
    pub window_ends_at: DateTimeUtc,
    /// 1 once the offer's bonus points are credited.
    pub points_credited: i16,
    pub redeemed_at: Option<DateTimeUtc>,
    pub redeemed_ref: Option<String>,
    pub unsubscribed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
