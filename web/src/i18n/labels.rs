//! Translated names for the domain's codes (roles, permissions, audit actions, validation
//! reasons) and locale-aware formatting.

use starcrm_shared::customer::{
    Channel, ConsentChannel, CustomerSort, Direction, DuplicateReason, Gender, InteractionKind,
    LifecycleStage, PaymentMethod, TransactionKind, TransactionStatus,
};
use starcrm_shared::marketing::RfmGroup;
use starcrm_shared::rating::{Cadence, Criterion, JobStatus, NormalisationKind, Trigger};
use starcrm_shared::service_desk::{MessageKind, TicketKind, TicketPriority, TicketStatus};
use starcrm_shared::tiers::BenefitKind;
use starcrm_shared::validate::Invalid;
use starcrm_shared::{Permission, Role};

use super::{I18n, Key, Locale};
use crate::api::{ApiError, ErrorKind};

pub const fn role(role: Role) -> Key {
    match role {
        Role::Owner => Key::RoleOwner,
        Role::Admin => Key::RoleAdmin,
        Role::Manager => Key::RoleManager,
        Role::Agent => Key::RoleAgent,
        Role::Marketer => Key::RoleMarketer,
        Role::Analyst => Key::RoleAnalyst,
    }
}

pub const fn criterion(c: Criterion) -> Key {
    match c {
        Criterion::Monetary => Key::CritMonetary,
        Criterion::Frequency => Key::CritFrequency,
        Criterion::Recency => Key::CritRecency,
        Criterion::Tenure => Key::CritTenure,
        Criterion::Breadth => Key::CritBreadth,
        Criterion::Satisfaction => Key::CritSatisfaction,
        Criterion::Complaints => Key::CritComplaints,
    }
}

pub const fn normalisation(kind: NormalisationKind) -> Key {
    match kind {
        NormalisationKind::Linear => Key::NormLinear,
        NormalisationKind::Steps => Key::NormSteps,
        NormalisationKind::Percentile => Key::NormPercentile,
    }
}

pub const fn cadence(c: Cadence) -> Key {
    match c {
        Cadence::Manual => Key::CadenceManual,
        Cadence::Monthly => Key::CadenceMonthly,
        Cadence::Quarterly => Key::CadenceQuarterly,
    }
}

pub const fn trigger(t: Trigger) -> Key {
    match t {
        Trigger::Transaction => Key::TriggerTransaction,
        Trigger::Schedule => Key::TriggerSchedule,
        Trigger::Manual => Key::TriggerManual,
        Trigger::PolicyChange => Key::TriggerPolicyChange,
        Trigger::Override => Key::TriggerOverride,
        Trigger::OverrideEnded => Key::TriggerOverrideEnded,
        Trigger::Merge => Key::TriggerMerge,
        Trigger::Initial => Key::TriggerInitial,
        Trigger::Complaint => Key::TriggerComplaint,
        Trigger::Survey => Key::TriggerSurvey,
        Trigger::Welcome => Key::TriggerWelcome,
        Trigger::WelcomeEnded => Key::TriggerWelcomeEnded,
    }
}

pub const fn job_status(s: JobStatus) -> Key {
    match s {
        JobStatus::Queued => Key::JobQueued,
        JobStatus::Running => Key::JobRunning,
        JobStatus::Succeeded => Key::JobSucceeded,
        JobStatus::Failed => Key::JobFailed,
    }
}

pub const fn benefit(kind: BenefitKind) -> Key {
    match kind {
        BenefitKind::PriorityService => Key::BenefitPriorityService,
        BenefitKind::DedicatedOwner => Key::BenefitDedicatedOwner,
        BenefitKind::Discount => Key::BenefitDiscount,
        BenefitKind::FreeShipping => Key::BenefitFreeShipping,
        BenefitKind::PointsMultiplier => Key::BenefitPointsMultiplier,
        BenefitKind::BirthdayGift => Key::BenefitBirthdayGift,
        BenefitKind::Custom => Key::BenefitCustom,
    }
}

/// A benefit in words: "Discount 10%", "Points multiplier ×2", "Birthday gift: tea".
pub fn benefit_text(i18n: I18n, b: &starcrm_shared::tiers::Benefit) -> String {
    let name = i18n.t(benefit(b.kind));
    match (b.kind, b.value, b.text.as_deref()) {
        (BenefitKind::Custom, _, Some(text)) => text.to_owned(),
        (BenefitKind::Discount, Some(v), _) => format!("{name} {v}%"),
        (BenefitKind::PointsMultiplier, Some(v), _) => format!("{name} ×{v}"),
        (_, _, Some(text)) => format!("{name}: {text}"),
        _ => name.to_owned(),
    }
}

pub const fn ticket_kind(kind: TicketKind) -> Key {
    match kind {
        TicketKind::Inquiry => Key::TicketInquiry,
        TicketKind::Complaint => Key::TicketComplaint,
        TicketKind::Suggestion => Key::TicketSuggestion,
        TicketKind::AfterSales => Key::TicketAfterSales,
    }
}

pub const fn ticket_status(status: TicketStatus) -> Key {
    match status {
        TicketStatus::New => Key::TicketNew,
        TicketStatus::Open => Key::TicketOpen,
        TicketStatus::Pending => Key::TicketPending,
        TicketStatus::OnHold => Key::TicketOnHold,
        TicketStatus::Solved => Key::TicketSolved,
        TicketStatus::Closed => Key::TicketClosed,
    }
}

pub const fn priority(priority: TicketPriority) -> Key {
    match priority {
        TicketPriority::Low => Key::PriorityLow,
        TicketPriority::Normal => Key::PriorityNormal,
        TicketPriority::High => Key::PriorityHigh,
        TicketPriority::Urgent => Key::PriorityUrgent,
    }
}

pub const fn message_kind(kind: MessageKind) -> Key {
    match kind {
        MessageKind::Inbound => Key::MessageInbound,
        MessageKind::Reply => Key::MessageReply,
        MessageKind::Note => Key::MessageNote,
    }
}

/// The names of the built-in service-level policy's rules, translated (a saved policy's names
/// are the workspace's own words).
pub fn builtin_sla_rule(name: &str) -> Option<Key> {
    Some(match name {
        "5 stars" => Key::RuleFiveStars,
        "4 stars" => Key::RuleFourStars,
        "3 stars" => Key::RuleThreeStars,
        "Everyone else" => Key::RuleEveryoneElse,
        _ => return None,
    })
}

/// "1 h 05 min", "3 d 4 h", "12 min": a span of minutes, short.
pub fn minutes_span(i18n: I18n, minutes: i64) -> String {
    let m = minutes.unsigned_abs();
    let (d, h, min) = (m / 1440, (m % 1440) / 60, m % 60);
    if d > 0 {
        i18n.t(Key::SpanDaysHours).replace("{d}", &d.to_string()).replace("{h}", &h.to_string())
    } else if h > 0 {
        i18n.t(Key::SpanHoursMinutes).replace("{h}", &h.to_string()).replace("{m}", &format!("{min:02}"))
    } else {
        i18n.t(Key::SpanMinutes).replace("{m}", &min.to_string())
    }
}

/// Minutes from now to `iso` (negative: past), by the browser's clock.
pub fn minutes_until(iso: &str) -> Option<i64> {
    let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso)).get_time();
    if at.is_nan() {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    Some(((at - js_sys::Date::now()) / 60_000.0).floor() as i64)
}

pub const fn rfm_group(group: RfmGroup) -> Key {
    match group {
        RfmGroup::Champions => Key::RfmChampions,
        RfmGroup::Loyal => Key::RfmLoyal,
        RfmGroup::Potential => Key::RfmPotential,
        RfmGroup::New => Key::RfmNew,
        RfmGroup::NeedsAttention => Key::RfmNeedsAttention,
        RfmGroup::AtRisk => Key::RfmAtRisk,
        RfmGroup::CantLose => Key::RfmCantLose,
        RfmGroup::Hibernating => Key::RfmHibernating,
        RfmGroup::Lost => Key::RfmLost,
    }
}

pub const fn stage(stage: LifecycleStage) -> Key {
    match stage {
        LifecycleStage::Lead => Key::StageLead,
        LifecycleStage::Prospect => Key::StageProspect,
        LifecycleStage::New => Key::StageNew,
        LifecycleStage::Active => Key::StageActive,
        LifecycleStage::Loyal => Key::StageLoyal,
        LifecycleStage::AtRisk => Key::StageAtRisk,
        LifecycleStage::Churned => Key::StageChurned,
        LifecycleStage::WonBack => Key::StageWonBack,
    }
}

pub const fn sort(sort: CustomerSort) -> Key {
    match sort {
        CustomerSort::Created => Key::SortNewest,
        CustomerSort::Name => Key::SortName,
        CustomerSort::LastPurchase => Key::SortLastPurchase,
        CustomerSort::TotalSpend => Key::SortTotalSpend,
        CustomerSort::Stars => Key::SortStars,
    }
}

pub const fn import_status(status: starcrm_shared::imports::ImportStatus) -> Key {
    use starcrm_shared::imports::ImportStatus as S;
    match status {
        S::Uploaded => Key::ImportStatusUploaded,
        S::Checking => Key::ImportStatusChecking,
        S::Checked => Key::ImportStatusChecked,
        S::Queued => Key::ImportStatusQueued,
        S::Running => Key::ImportStatusRunning,
        S::Succeeded => Key::ImportStatusSucceeded,
        S::Failed => Key::ImportStatusFailed,
        S::Reverting => Key::ImportStatusReverting,
        S::Reverted => Key::ImportStatusReverted,
    }
}

/// A built-in import target's name (`name`, `phone`, ...).
pub fn import_target(target: &str) -> Option<Key> {
    Some(match target {
        "name" => Key::Name,
        "phone" => Key::Phone,
        "email" => Key::Email,
        "memberNo" => Key::TargetMemberNo,
        "gender" => Key::Gender,
        "birthday" => Key::Birthday,
        "address" => Key::Address,
        "company" => Key::Company,
        "jobTitle" => Key::JobTitle,
        "tags" => Key::Tags,
        "notes" => Key::Notes,
        "orderNo" => Key::TargetOrderNo,
        "purchasedAt" => Key::TargetPurchasedAt,
        "amount" => Key::TargetAmount,
        "currency" => Key::TargetCurrency,
        "paymentMethod" => Key::TargetPaymentMethod,
        "store" => Key::TargetStore,
        "itemName" => Key::TargetItemName,
        "itemSku" => Key::TargetItemSku,
        "itemCategory" => Key::TargetItemCategory,
        "quantity" => Key::TargetQuantity,
        "unitPrice" => Key::TargetUnitPrice,
        "refunded" => Key::TargetRefunded,
        "refundedAt" => Key::TargetRefundedAt,
        "interactionType" => Key::TargetInteractionType,
        "direction" => Key::TargetDirection,
        "occurredAt" => Key::TargetOccurredAt,
        "subject" => Key::TargetSubject,
        "reference" => Key::TargetReference,
        _ => return None,
    })
}

pub const fn gender(gender: Gender) -> Key {
    match gender {
        Gender::Female => Key::GenderFemale,
        Gender::Male => Key::GenderMale,
        Gender::Other => Key::GenderOther,
        Gender::Unknown => Key::GenderUnknown,
    }
}

pub const fn channel(channel: Channel) -> Key {
    match channel {
        Channel::Web => Key::ChannelWeb,
        Channel::App => Key::ChannelApp,
        Channel::Wechat => Key::ChannelWechat,
        Channel::Social => Key::ChannelSocial,
        Channel::Phone => Key::ChannelPhone,
        Channel::Email => Key::ChannelEmail,
        Channel::Store => Key::ChannelStore,
        Channel::Marketplace => Key::ChannelMarketplace,
        Channel::Chat => Key::ChannelChat,
        Channel::Other => Key::ChannelOther,
    }
}

pub const fn consent_channel(channel: ConsentChannel) -> Key {
    match channel {
        ConsentChannel::Sms => Key::ConsentSms,
        ConsentChannel::Email => Key::ConsentEmail,
        ConsentChannel::Phone => Key::ConsentPhone,
        ConsentChannel::Wechat => Key::ConsentWechat,
        ConsentChannel::AppPush => Key::ConsentAppPush,
    }
}

pub const fn payment(method: PaymentMethod) -> Key {
    match method {
        PaymentMethod::Cash => Key::PayCash,
        PaymentMethod::Card => Key::PayCard,
        PaymentMethod::Alipay => Key::PayAlipay,
        PaymentMethod::WechatPay => Key::PayWechat,
        PaymentMethod::UnionPay => Key::PayUnionPay,
        PaymentMethod::BankTransfer => Key::PayBankTransfer,
        PaymentMethod::Points => Key::PayPoints,
        PaymentMethod::Other => Key::PayOther,
    }
}

pub const fn interaction(kind: InteractionKind) -> Key {
    match kind {
        InteractionKind::Consultation => Key::KindConsultation,
        InteractionKind::Call => Key::KindCall,
        InteractionKind::Email => Key::KindEmail,
        InteractionKind::Chat => Key::KindChat,
        InteractionKind::Visit => Key::KindVisit,
        InteractionKind::Social => Key::KindSocial,
    }
}

pub const fn direction(direction: Direction) -> Key {
    match direction {
        Direction::Inbound => Key::Inbound,
        Direction::Outbound => Key::Outbound,
    }
}

pub const fn transaction(kind: TransactionKind, status: TransactionStatus) -> Key {
    match (kind, status) {
        (TransactionKind::Refund, _) => Key::Refund,
        (_, TransactionStatus::Completed) => Key::TxCompleted,
        (_, TransactionStatus::Refunded) => Key::TxRefunded,
        (_, TransactionStatus::PartiallyRefunded) => Key::TxPartiallyRefunded,
    }
}

pub const fn duplicate(reason: DuplicateReason) -> Key {
    match reason {
        DuplicateReason::SamePhone => Key::SamePhone,
        DuplicateReason::SameEmail => Key::SameEmail,
        DuplicateReason::SameNameAndBirthday => Key::SameNameAndBirthday,
    }
}

pub const fn permission(permission: Permission) -> Key {
    match permission {
        Permission::CustomersRead => Key::PermCustomersRead,
        Permission::CustomersWrite => Key::PermCustomersWrite,
        Permission::CustomersErase => Key::PermCustomersErase,
        Permission::PiiRead => Key::PermPiiRead,
        Permission::TransactionsWrite => Key::PermTransactionsWrite,
        Permission::RatingsRead => Key::PermRatingsRead,
        Permission::RatingsManage => Key::PermRatingsManage,
        Permission::RatingsOverride => Key::PermRatingsOverride,
        Permission::ServiceManage => Key::PermServiceManage,
        Permission::ServiceConfigure => Key::PermServiceConfigure,
        Permission::CampaignsManage => Key::PermCampaignsManage,
        Permission::CampaignsApprove => Key::PermCampaignsApprove,
        Permission::SurveysRead => Key::PermSurveysRead,
        Permission::SurveysRecord => Key::PermSurveysRecord,
        Permission::LoyaltyRead => Key::PermLoyaltyRead,
        Permission::PointsRedeem => Key::PermPointsRedeem,
        Permission::PointsAdjust => Key::PermPointsAdjust,
        Permission::LoyaltyManage => Key::PermLoyaltyManage,
        Permission::MembersIssue => Key::PermMembersIssue,
        Permission::SurveysManage => Key::PermSurveysManage,
        Permission::UsersRead => Key::PermUsersRead,
        Permission::UsersManage => Key::PermUsersManage,
        Permission::TokensManage => Key::PermTokensManage,
        Permission::WebhooksManage => Key::PermWebhooksManage,
        Permission::DataImport => Key::PermDataImport,
        Permission::DataExport => Key::PermDataExport,
        Permission::AuditRead => Key::PermAuditRead,
        Permission::SettingsManage => Key::PermSettingsManage,
    }
}

/// The audit actions the log shows, and their names: every action the server records.
pub const ACTIONS: [(&str, Key); 47] = [
    ("session.login", Key::ActionLogin),
    ("session.login_failed", Key::ActionLoginFailed),
    ("session.logout", Key::ActionLogout),
    ("session.reuse_detected", Key::ActionReuseDetected),
    ("user.create", Key::ActionUserCreate),
    ("user.role_change", Key::ActionUserRoleChange),
    ("user.deactivate", Key::ActionUserDeactivate),
    ("user.reactivate", Key::ActionUserReactivate),
    ("user.password_change", Key::ActionPasswordChange),
    ("user.password_reset", Key::ActionPasswordReset),
    ("api_token.create", Key::ActionTokenCreate),
    ("api_token.revoke", Key::ActionTokenRevoke),
    ("webhook.create", Key::ActionWebhookCreate),
    ("webhook.update", Key::ActionWebhookUpdate),
    ("webhook.delete", Key::ActionWebhookDelete),
    ("webhook.rotate_secret", Key::ActionWebhookRotate),
    ("webhook.replay", Key::ActionWebhookReplay),
    ("webhook.recover", Key::ActionWebhookRecover),
    ("webhook.disabled", Key::ActionWebhookDisabled),
    ("import.upload", Key::ActionImportUpload),
    ("import.start", Key::ActionImportStart),
    ("import.finish", Key::ActionImportFinish),
    ("import.revert", Key::ActionImportRevert),
    ("export.customers", Key::ActionExportCustomers),
    ("pii.reveal", Key::ActionPiiReveal),
    ("workspace.create", Key::ActionWorkspaceCreate),
    ("customer.create", Key::ActionCustomerCreate),
    ("customer.update", Key::ActionCustomerUpdate),
    ("customer.delete", Key::ActionCustomerDelete),
    ("customer.restore", Key::ActionCustomerRestore),
    ("customer.erase", Key::ActionCustomerErase),
    ("customer.merge", Key::ActionCustomerMerge),
    ("customer.unmerge", Key::ActionCustomerUnmerge),
    ("customer.identity_add", Key::ActionIdentityAdd),
    ("customer.identity_remove", Key::ActionIdentityRemove),
    ("customer.stars_overridden", Key::ActionStarsOverridden),
    ("customer.stars_override_lifted", Key::ActionStarsOverrideLifted),
    ("customer.stars_override_ended", Key::ActionStarsOverrideEnded),
    ("rating_policy.draft_saved", Key::ActionPolicyDraftSaved),
    ("rating_policy.draft_discarded", Key::ActionPolicyDraftDiscarded),
    ("rating_policy.activated", Key::ActionPolicyActivated),
    ("rating_tiers.saved", Key::ActionTiersSaved),
    ("custom_field.create", Key::ActionCustomFieldCreate),
    ("custom_field.update", Key::ActionCustomFieldUpdate),
    ("custom_field.archive", Key::ActionCustomFieldArchive),
    ("points.adjusted", Key::ActionPointsAdjusted),
    ("loyalty.rule_saved", Key::ActionLoyaltyRuleSaved),
];

/// The name of a field an audit entry's details mention (its stored key), when it has one.
pub fn audit_field(key: &str) -> Option<Key> {
    Some(match key {
        "name" => Key::Name,
        "email" => Key::Email,
        "emails" => Key::Emails,
        "phones" => Key::Phones,
        "role" => Key::Role,
        "scopes" => Key::Scopes,
        "expiresAt" => Key::ExpiresAt,
        "sessionsEnded" => Key::AuditSessionsEnded,
        "field" => Key::AuditField,
        "channel" => Key::Channel,
        "source" | "sourceChannel" => Key::SourceChannel,
        "version" => Key::AuditVersion,
        "previousVersion" => Key::AuditPreviousVersion,
        "benefits" => Key::AuditBenefits,
        "key" => Key::AuditFieldId,
        "kind" => Key::AuditKind,
        "until" => Key::AuditUntil,
        "reason" => Key::AuditReason,
        "stars" => Key::Stars,
        "gender" => Key::Gender,
        "birthday" => Key::Birthday,
        "idNumber" => Key::AuditIdNumber,
        "address" => Key::Address,
        "company" => Key::Company,
        "jobTitle" => Key::JobTitle,
        "education" => Key::Education,
        "nativePlace" => Key::NativePlace,
        "notes" => Key::Notes,
        "lifecycleStage" => Key::LifecycleStage,
        "tags" => Key::Tags,
        "consents" => Key::Consents,
        "customFields" => Key::CustomFields,
        "ingest" => Key::Source,
        "moved.identities" => Key::AuditMovedIdentities,
        "moved.transactions" => Key::AuditMovedTransactions,
        "moved.interactions" => Key::AuditMovedInteractions,
        _ => return None,
    })
}

/// A value an audit entry records, in words when it is a code the UI knows (a role, a channel,
/// a stage, a failed sign-in's cause, a time); otherwise as recorded.
pub fn audit_value(i18n: I18n, field: &str, value: &str) -> String {
    let known = match field {
        "role" => Role::parse(value).map(role),
        "channel" | "source" | "sourceChannel" => Channel::parse(value).map(channel),
        "lifecycleStage" => LifecycleStage::parse(value).map(stage),
        "gender" => Gender::parse(value).map(gender),
        "reason" if value == "wrong password" => Some(Key::AuditWrongPassword),
        "reason" if value == "deactivated" => Some(Key::AuditDeactivated),
        "ingest" => Some(Key::AuditViaIngest),
        _ => None,
    };
    if let Some(key) = known {
        return i18n.t(key).to_owned();
    }
    if matches!(field, "until" | "expiresAt") && value.contains('T') {
        return time(i18n.locale(), value);
    }
    if field == "stars" {
        return format!("{value}★");
    }
    value.to_owned()
}

pub fn action(code: &str) -> Option<Key> {
    ACTIONS.iter().find(|(c, _)| *c == code).map(|(_, k)| *k)
}

/// Why a value was refused, in words.
pub fn invalid(i18n: I18n, reason: Invalid) -> String {
    match reason {
        Invalid::Required => i18n.t(Key::InvalidRequired).to_owned(),
        Invalid::TooShort { min } => i18n.t(Key::InvalidTooShort).replace("{n}", &min.to_string()),
        Invalid::TooLong { max } => i18n.t(Key::InvalidTooLong).replace("{n}", &max.to_string()),
        Invalid::Email => i18n.t(Key::InvalidEmail).to_owned(),
        Invalid::Phone => i18n.t(Key::InvalidPhone).to_owned(),
        Invalid::CommonPassword => i18n.t(Key::InvalidCommonPassword).to_owned(),
        Invalid::PasswordContainsEmail => i18n.t(Key::InvalidPasswordContainsEmail).to_owned(),
        Invalid::Characters => i18n.t(Key::InvalidCharacters).to_owned(),
        Invalid::Date => i18n.t(Key::InvalidDate).to_owned(),
        Invalid::DateRange => i18n.t(Key::InvalidDateRange).to_owned(),
        Invalid::Currency => i18n.t(Key::InvalidCurrency).to_owned(),
        Invalid::Negative => i18n.t(Key::InvalidNegative).to_owned(),
        Invalid::TooLarge => i18n.t(Key::InvalidTooLarge).to_owned(),
        Invalid::NotAnOption => i18n.t(Key::InvalidNotAnOption).to_owned(),
        Invalid::WrongType => i18n.t(Key::InvalidWrongType).to_owned(),
        Invalid::Duplicate => i18n.t(Key::InvalidDuplicate).to_owned(),
        Invalid::Decimals { max } => i18n.t(Key::InvalidDecimals).replace("{n}", &max.to_string()),
        Invalid::TooSmall { min } => i18n.t(Key::InvalidTooSmall).replace("{n}", &min.to_string()),
    }
}

/// What to show next to `field` for `error`, if the error is about that field.
pub fn field_error(i18n: I18n, error: &ApiError, field: &str) -> Option<String> {
    if !error.concerns(field) {
        return None;
    }
    Some(match error.invalid() {
        Some(reason) => invalid(i18n, reason),
        None => match error.kind {
            ErrorKind::Server(starcrm_shared::ErrorCode::Conflict) if field == "email" => {
                i18n.t(Key::EmailTaken).to_owned()
            }
            ErrorKind::Server(starcrm_shared::ErrorCode::Conflict) if field == "version" => {
                i18n.t(Key::ErrorConflictBody).to_owned()
            }
            _ => error.message.clone(),
        },
    })
}

/// A message for a form-level failure (one that no field shows).
pub fn form_error(i18n: I18n, error: &ApiError) -> String {
    use starcrm_shared::ErrorCode as C;
    match error.kind {
        ErrorKind::Server(C::RateLimited) => i18n
            .t(Key::ErrorRateLimitedWait)
            .replace("{n}", &error.retry_after_seconds.unwrap_or(60).to_string()),
        ErrorKind::Server(C::Forbidden) => i18n.t(Key::ErrorForbiddenBody).to_owned(),
        ErrorKind::Server(C::NotFound) => i18n.t(Key::ErrorNotFoundBody).to_owned(),
        ErrorKind::Server(C::Conflict) => i18n.t(Key::ErrorConflictBody).to_owned(),
        ErrorKind::Server(C::BadUserInput) => i18n.t(Key::ErrorBadUserInputBody).to_owned(),
        ErrorKind::Server(C::Unauthenticated) => i18n.t(Key::ErrorUnauthenticatedBody).to_owned(),
        ErrorKind::Server(C::Unavailable) => i18n.t(Key::ErrorUnavailableBody).to_owned(),
        ErrorKind::Server(C::Internal | C::BadRequest) | ErrorKind::InvalidResponse => {
            i18n.t(Key::ErrorInternalBody).to_owned()
        }
        ErrorKind::Network => i18n.t(Key::ErrorNetworkBody).to_owned(),
    }
}

/// An RFC 3339 time as the reader's locale writes it (`2026年11月23日 14:05`, `Nov 23, 2026, 2:05 PM`).
pub fn time(locale: Locale, iso: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso));
    if date.get_time().is_nan() {
        return iso.to_owned();
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    date.to_locale_string(locale.tag(), &options).into()
}

/// The day of an RFC 3339 time (or a `YYYY-MM-DD` date) as the reader's locale writes it
/// (`2026年11月23日`, `Nov 23, 2026`).
pub fn date(locale: Locale, iso: &str) -> String {
    let input = if iso.len() == 10 { format!("{iso}T00:00:00") } else { iso.to_owned() };
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&input));
    if date.get_time().is_nan() {
        return iso.to_owned();
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    date.to_locale_date_string(locale.tag(), &options).into()
}

/// The last day something is valid that ends at the instant `iso` (points expiring at midnight
/// on 1 January are valid through 31 December), as the reader's locale writes it.
pub fn last_day(locale: Locale, iso: &str) -> String {
    let end = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso));
    if end.get_time().is_nan() {
        return iso.to_owned();
    }
    let before = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(end.get_time() - 1.0));
    before.to_iso_string().as_string().map_or_else(|| iso.to_owned(), |b| date(locale, &b))
}

/// Today in the reader's time zone, `YYYY-MM-DD`.
pub fn today() -> String {
    let now = js_sys::Date::new_0();
    format!("{:04}-{:02}-{:02}", now.get_full_year(), now.get_month() + 1, now.get_date())
}

/// [`time`], or `fallback` when there is none.
pub fn time_or(i18n: I18n, value: Option<&str>, fallback: Key) -> String {
    value.map_or_else(|| i18n.t(fallback).to_owned(), |t| time(i18n.locale(), t))
}

/// Midnight (local time) at the start of `date` (`YYYY-MM-DD`), plus `days`, as RFC 3339.
pub fn local_day_start(date: &str, days: u32) -> Option<String> {
    let parsed = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&format!("{date}T00:00:00")));
    if parsed.get_time().is_nan() {
        return None;
    }
    parsed.set_date(parsed.get_date() + days);
    parsed.to_iso_string().as_string()
}

/// Now plus `days`, as RFC 3339.
pub fn days_from_now(days: u32) -> Option<String> {
    let now = js_sys::Date::new_0();
    now.set_date(now.get_date() + days);
    now.to_iso_string().as_string()
}

/// The name of a change kind (`customerCreated`, ...), or of `webhook.test`.
pub fn change_kind(kind: &str) -> Option<Key> {
    Some(match kind {
        "customerCreated" => Key::KindCustomerCreated,
        "customerUpdated" => Key::KindCustomerUpdated,
        "customerDeleted" => Key::KindCustomerDeleted,
        "customerRestored" => Key::KindCustomerRestored,
        "customerMerged" => Key::KindCustomerMerged,
        "customerUnmerged" => Key::KindCustomerUnmerged,
        "customerErased" => Key::KindCustomerErased,
        "transactionRecorded" => Key::KindTransactionRecorded,
        "transactionDeleted" => Key::KindTransactionDeleted,
        "refundRecorded" => Key::KindRefundRecorded,
        "interactionRecorded" => Key::KindInteractionRecorded,
        "interactionDeleted" => Key::KindInteractionDeleted,
        "starsChanged" => Key::KindStarsChanged,
        "lifecycleChanged" => Key::KindLifecycleChanged,
        "importFinished" => Key::KindImportFinished,
        "ticketOpened" => Key::KindTicketOpened,
        "ticketChanged" => Key::KindTicketChanged,
        "ticketBreached" => Key::KindTicketBreached,
        "ticketDueSoon" => Key::KindTicketDueSoon,
        "followUpPlanned" => Key::KindFollowUpPlanned,
        "followUpDone" => Key::KindFollowUpDone,
        "surveyAnswered" => Key::KindSurveyAnswered,
        "pointsChanged" => Key::KindPointsChanged,
        "pointsExpiring" => Key::KindPointsExpiring,
        "segmentEntered" => Key::KindSegmentEntered,
        "segmentLeft" => Key::KindSegmentLeft,
        "webhook.test" => Key::KindWebhookTest,
        _ => return None,
    })
}
