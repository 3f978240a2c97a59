//! The customer hub's GraphQL output types. Personal data (phones, emails, ID numbers,
//! birthdays) is masked unless the field is asked with `reveal: true`, which needs `pii:read` and
//! is written to the audit log.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ErrorExtensions, ID, Json, Object, SimpleObject, Union};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use starcrm_shared::customer::{
    Channel, ConsentChannel, CustomFieldKind, Direction, Gender, InteractionKind, LifecycleStage,
    PaymentMethod, TransactionKind, TransactionStatus, customer_code,
};
use starcrm_shared::explain::Language;
use starcrm_shared::tiers::Benefit;
use starcrm_shared::{Permission, mask};

use crate::audit::{self, Entry};
use crate::auth::{ContextExt, Scope};
use crate::customers::loaders::{
    ChildLoader, CurrencyLoader, DefinitionLoader, ItemLoader, NumberLoader, UserLoader,
};
use crate::customers::merge::Reason;
use crate::customers::{profile, timeline};
use crate::entities::{
    channel_identity, custom_field, customer, customer_consent, customer_email, customer_field_value,
    customer_merge, customer_phone, customer_tag, interaction, transaction,
};
use crate::error::AppError;
use crate::graphql::pagination::{ConnectionFields, PageRequest};
use crate::ratings::graphql::fields as rating_fields;
use crate::ratings::graphql::{AtRiskInfo, StarChange, StarExplanation, StarOverride, StarWelcome};
use crate::users::graphql::{StaffMember, page_complexity};

fn internal(err: impl std::fmt::Display) -> async_graphql::Error {
    AppError::internal(anyhow::anyhow!("{err}")).extend()
}

/// Checks `pii:read` and audits a reveal of `field` of customer `id`.
async fn audit_reveal(ctx: &Context<'_>, id: uuid::Uuid, field: &str) -> async_graphql::Result<()> {
    let scope: &Scope = ctx.scope()?;
    scope.require(Permission::PiiRead).map_err(|e| e.extend())?;
    let entry = Entry::new("pii.reveal", "customer", id).changes(json!({ "field": field }));
    audit::record(ctx.db()?, scope, entry).await.map_err(|e| e.extend())
}

async fn children<E>(ctx: &Context<'_>, id: uuid::Uuid) -> async_graphql::Result<Vec<E::Model>>
where
    E: crate::customers::loaders::ChildOf + Send + Sync + 'static,
    E::Model: Send + Sync + Clone + 'static,
{
    let loader = ctx.data::<ChildLoader<E>>().map_err(|_| internal("loader missing"))?;
    Ok(loader.load_one(id).await.map_err(internal)?.unwrap_or_default())
}

/// An amount of money: integer minor units (fen, cents) and the ISO currency.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: String,
}

/// A phone number or email address of a customer.
pub struct ContactPoint {
    customer_id: uuid::Uuid,
    value: String,
    label: Option<String>,
    primary: bool,
    phone: bool,
}

#[Object]
impl ContactPoint {
    /// Masked (`138****5678`, `l*****@example.com`) unless `reveal: true` (needs `pii:read`;
    /// audited).
    async fn value(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] reveal: bool,
    ) -> async_graphql::Result<String> {
        if reveal {
            audit_reveal(ctx, self.customer_id, if self.phone { "phone" } else { "email" }).await?;
            return Ok(self.value.clone());
        }
        Ok(if self.phone { mask::phone(&self.value) } else { mask::email(&self.value) })
    }

    async fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    async fn primary(&self) -> bool {
        self.primary
    }
}

/// Whether a customer may be contacted on a channel.
#[derive(SimpleObject)]
pub struct Consent {
    pub channel: ConsentChannel,
    pub granted: bool,
    pub source: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// A `(channel, external id)` pair pointing at the customer.
#[derive(SimpleObject)]
pub struct ChannelIdentity {
    pub id: ID,
    pub channel: Channel,
    pub external_id: String,
    pub created_at: DateTime<Utc>,
}

impl From<channel_identity::Model> for ChannelIdentity {
    fn from(row: channel_identity::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            channel: Channel::parse(&row.channel).unwrap_or(Channel::Other),
            external_id: row.external_id,
            created_at: row.created_at,
        }
    }
}

/// A workspace-defined profile field.
pub struct CustomField(pub custom_field::Model);

#[Object]
impl CustomField {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Stable key used in inputs and filters, e.g. `favourite_sport`.
    async fn key(&self) -> &str {
        &self.0.key
    }

    async fn label(&self) -> &str {
        &self.0.label
    }

    async fn kind(&self) -> CustomFieldKind {
        CustomFieldKind::parse(&self.0.kind).unwrap_or(CustomFieldKind::Text)
    }

    /// The choices of select fields.
    async fn options(&self) -> Vec<String> {
        profile::options_of(&self.0)
    }

    async fn position(&self) -> i32 {
        self.0.position
    }

    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A customer's value of a custom field.
#[derive(SimpleObject)]
pub struct CustomFieldValue {
    pub key: String,
    pub label: String,
    pub kind: CustomFieldKind,
    /// A string, number, `YYYY-MM-DD` string, boolean, or list of strings (multi-select).
    pub value: Json<serde_json::Value>,
}

/// One line of a transaction.
#[derive(SimpleObject)]
pub struct TransactionItem {
    pub sku: Option<String>,
    pub name: String,
    pub category: Option<String>,
    pub quantity: i32,
    pub unit_price: Money,
}

/// A purchase or refund (消费记录).
pub struct Transaction(pub transaction::Model);

#[Object]
impl Transaction {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn customer_id(&self) -> ID {
        ID(self.0.customer_id.to_string())
    }

    async fn kind(&self) -> TransactionKind {
        TransactionKind::parse(&self.0.kind).unwrap_or(TransactionKind::Purchase)
    }

    async fn status(&self) -> TransactionStatus {
        TransactionStatus::parse(&self.0.status).unwrap_or(TransactionStatus::Completed)
    }

    async fn channel(&self) -> Channel {
        Channel::parse(&self.0.channel).unwrap_or(Channel::Other)
    }

    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    async fn amount(&self) -> Money {
        Money { amount_minor: self.0.amount_minor, currency: self.0.currency.clone() }
    }

    /// On purchases: how much was refunded so far.
    async fn refunded(&self) -> Money {
        Money { amount_minor: self.0.refunded_minor, currency: self.0.currency.clone() }
    }

    /// On refunds: the purchase refunded.
    async fn refund_of(&self) -> Option<ID> {
        self.0.refund_of.map(|id| ID(id.to_string()))
    }

    async fn payment_method(&self) -> Option<PaymentMethod> {
        self.0.payment_method.as_deref().and_then(PaymentMethod::parse)
    }

    async fn store(&self) -> Option<&str> {
        self.0.store.as_deref()
    }

    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }

    async fn external_ref(&self) -> Option<&str> {
        self.0.external_ref.as_deref()
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TransactionItem>> {
        let loader = ctx.data::<ItemLoader>().map_err(|_| internal("loader missing"))?;
        let rows = loader.load_one(self.0.id).await.map_err(internal)?.unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|r| TransactionItem {
                sku: r.sku,
                name: r.name,
                category: r.category,
                quantity: r.quantity,
                unit_price: Money { amount_minor: r.unit_price_minor, currency: self.0.currency.clone() },
            })
            .collect())
    }
}

/// A consultation, call, email, chat, visit or social contact.
pub struct Interaction(pub interaction::Model);

#[Object]
impl Interaction {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn customer_id(&self) -> ID {
        ID(self.0.customer_id.to_string())
    }

    async fn kind(&self) -> InteractionKind {
        InteractionKind::parse(&self.0.kind).unwrap_or(InteractionKind::Consultation)
    }

    async fn direction(&self) -> Direction {
        Direction::parse(&self.0.direction).unwrap_or(Direction::Inbound)
    }

    async fn channel(&self) -> Option<Channel> {
        self.0.channel.as_deref().and_then(Channel::parse)
    }

    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }

    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }

    /// The staff member who handled it.
    async fn agent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffMember>> {
        let Some(agent) = self.0.agent_id else { return Ok(None) };
        user_in_workspace(ctx, agent).await
    }

    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    async fn external_ref(&self) -> Option<&str> {
        self.0.external_ref.as_deref()
    }
}

/// A staff account of the caller's workspace, batched across the page.
pub(crate) async fn user_in_workspace(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> async_graphql::Result<Option<StaffMember>> {
    let scope = ctx.scope()?;
    let loader = ctx.data::<UserLoader>().map_err(|_| internal("loader missing"))?;
    let found = loader.load_one(id).await.map_err(internal)?;
    Ok(found.filter(|u| u.workspace_id == scope.workspace_id).map(StaffMember))
}

/// The workspace's active custom field definitions, batched across the page.
pub async fn definitions(ctx: &Context<'_>) -> async_graphql::Result<Vec<custom_field::Model>> {
    let scope = ctx.scope()?;
    let loader = ctx.data::<DefinitionLoader>().map_err(|_| internal("loader missing"))?;
    Ok(loader.load_one(scope.workspace_id).await.map_err(internal)?.unwrap_or_default())
}

/// An entry of a customer's timeline.
#[derive(Union)]
pub enum TimelineEntry {
    Transaction(Transaction),
    Interaction(Interaction),
    /// A ticket, at its opening (for callers on the service desk, the tickets they may see).
    Ticket(crate::service_desk::graphql::Ticket),
}

pub use starcrm_shared::customer::DuplicateReason;

impl From<Reason> for DuplicateReason {
    fn from(reason: Reason) -> Self {
        match reason {
            Reason::Phone => Self::SamePhone,
            Reason::Email => Self::SameEmail,
            Reason::NameAndBirthday => Self::SameNameAndBirthday,
        }
    }
}

/// A possible duplicate and why.
#[derive(SimpleObject)]
pub struct DuplicateCandidate {
    pub customer: Customer,
    pub reasons: Vec<DuplicateReason>,
}

/// A merge into a customer (undo it with `unmergeCustomers` within 30 days).
pub struct CustomerMerge {
    pub model: customer_merge::Model,
}

#[Object]
impl CustomerMerge {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn survivor_id(&self) -> ID {
        ID(self.model.survivor_id.to_string())
    }

    async fn merged_id(&self) -> ID {
        ID(self.model.merged_id.to_string())
    }

    /// The merged-away customer's code (`C000123`), which now leads to the survivor.
    async fn merged_code(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let scope = ctx.scope()?;
        let loader = ctx.data::<NumberLoader>().map_err(|_| internal("loader missing"))?;
        let found = loader.load_one(self.model.merged_id).await.map_err(internal)?;
        found
            .filter(|(workspace, _)| *workspace == scope.workspace_id)
            .map(|(_, number)| customer_code(number))
            .ok_or_else(|| internal("merged customer missing"))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    async fn undone_at(&self) -> Option<DateTime<Utc>> {
        self.model.undone_at
    }
}

/// A customer: profile, contact points, consents, identities, custom fields, aggregates over
/// their history, and the history itself.
pub struct Customer(pub customer::Model);

#[Object]
impl Customer {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Human-readable number, `C000123`.
    async fn code(&self) -> String {
        customer_code(self.0.number)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn gender(&self) -> Gender {
        Gender::parse(&self.0.gender).unwrap_or(Gender::Unknown)
    }

    /// `YYYY-MM-DD`; masked (`****-03-07`) unless `reveal: true` (needs `pii:read`; audited).
    async fn birthday(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] reveal: bool,
    ) -> async_graphql::Result<Option<String>> {
        let Some(birthday) = self.0.birthday.map(|b: NaiveDate| b.format("%Y-%m-%d").to_string()) else {
            return Ok(None);
        };
        if reveal {
            audit_reveal(ctx, self.0.id, "birthday").await?;
            return Ok(Some(birthday));
        }
        Ok(Some(mask::birthday(&birthday)))
    }

    /// Identity document number; masked unless `reveal: true` (needs `pii:read`; audited).
    async fn id_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] reveal: bool,
    ) -> async_graphql::Result<Option<String>> {
        let Some(number) = &self.0.id_number else { return Ok(None) };
        if reveal {
            audit_reveal(ctx, self.0.id, "idNumber").await?;
            return Ok(Some(number.clone()));
        }
        Ok(Some(mask::id_number(number)))
    }

    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }

    async fn company(&self) -> Option<&str> {
        self.0.company.as_deref()
    }

    async fn job_title(&self) -> Option<&str> {
        self.0.job_title.as_deref()
    }

    async fn education(&self) -> Option<&str> {
        self.0.education.as_deref()
    }

    async fn native_place(&self) -> Option<&str> {
        self.0.native_place.as_deref()
    }

    /// The dedicated rep.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StaffMember>> {
        let Some(owner) = self.0.owner_id else { return Ok(None) };
        user_in_workspace(ctx, owner).await
    }

    async fn lifecycle_stage(&self) -> LifecycleStage {
        LifecycleStage::parse(&self.0.lifecycle_stage).unwrap_or(LifecycleStage::Lead)
    }

    async fn source_channel(&self) -> Option<Channel> {
        self.0.source_channel.as_deref().and_then(Channel::parse)
    }

    async fn first_seen_at(&self) -> DateTime<Utc> {
        self.0.first_seen_at
    }

    async fn last_activity_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_activity_at
    }

    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// 1 to 5, set by the star engine (or by hand: see `starOverride`); null until the first
    /// evaluation.
    async fn stars(&self) -> Option<i16> {
        self.0.stars
    }

    /// The last evaluation's score, 0 to 100. Needs `ratings:read`.
    async fn star_score(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<f64>> {
        ctx.require(Permission::RatingsRead)?;
        Ok(self.0.star_score)
    }

    /// The stars the engine holds the customer at (after downgrade protection, before a manual
    /// override). Needs `ratings:read`.
    async fn computed_stars(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i16>> {
        ctx.require(Permission::RatingsRead)?;
        Ok(self.0.computed_stars)
    }

    /// Under downgrade protection: the stars the customer drops to, and when, unless the score
    /// recovers. Needs `ratings:read`.
    async fn stars_at_risk(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AtRiskInfo>> {
        ctx.require(Permission::RatingsRead)?;
        Ok(rating_fields::at_risk_of(&self.0))
    }

    /// Stars set by hand, while in force. Needs `ratings:read`.
    async fn star_override(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StarOverride>> {
        ctx.require(Permission::RatingsRead)?;
        Ok(rating_fields::override_of(&self.0))
    }

    /// A new customer's welcome level (新客户注册送星级) while it lasts: they are shown at least
    /// these stars until then. Needs `ratings:read`.
    async fn star_welcome(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StarWelcome>> {
        ctx.require(Permission::RatingsRead)?;
        Ok(rating_fields::welcome_of(&self.0))
    }

    /// The policy version of the last change. Needs `ratings:read`.
    async fn star_policy_version(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i32>> {
        ctx.require(Permission::RatingsRead)?;
        Ok(self.0.star_policy_version)
    }

    /// Why the customer holds their stars, in plain language, and what would raise them.
    /// Needs `ratings:read`.
    #[graphql(complexity = 20)]
    async fn star_explanation(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] language: Language,
    ) -> async_graphql::Result<StarExplanation> {
        rating_fields::explanation(ctx, &self.0, language).await
    }

    /// Every change of the customer's stars, newest first. Needs `ratings:read`.
    #[graphql(complexity = "5 + first as usize")]
    async fn star_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: u64,
    ) -> async_graphql::Result<Vec<StarChange>> {
        rating_fields::history(ctx, &self.0, first).await
    }

    /// What the purchase-behaviour models say of the customer (P(alive), expected purchases,
    /// lifetime value, the next expected purchase) beside their own rhythm, and why they are at
    /// their lifecycle stage. `None` before their first purchase or the first insight pass.
    /// Needs `customers:read`.
    async fn insight(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] language: Language,
    ) -> async_graphql::Result<Option<crate::insight::models_graphql::CustomerInsight>> {
        crate::insight::models_graphql::customer_insight(ctx, &self.0, language).await
    }

    /// Products to offer the customer next: those often bought with what they bought (the
    /// strongest first, with the reason), then best sellers, leaving out what they bought in the
    /// last 90 days. Needs `customers:read`.
    #[graphql(complexity = "5 + first as usize")]
    async fn recommendations(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10)] first: u64,
        #[graphql(default)] language: Language,
    ) -> async_graphql::Result<Vec<crate::insight::models_graphql::ProductRecommendation>> {
        crate::insight::models_graphql::customer_recommendations(ctx, &self.0, first, language).await
    }

    /// Lifecycle stage changes, newest first, with their reasons. Needs `customers:read`.
    #[graphql(complexity = "5 + first as usize")]
    async fn lifecycle_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: u64,
        #[graphql(default)] language: Language,
    ) -> async_graphql::Result<Vec<crate::insight::models_graphql::LifecycleTransition>> {
        crate::insight::models_graphql::lifecycle_history(ctx, &self.0, first, language).await
    }

    /// What the customer's stars earn under the workspace's tier benefits.
    async fn benefits(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Benefit>> {
        rating_fields::benefits(ctx, &self.0).await
    }

    /// Purchases minus refunds in the workspace currency.
    async fn total_spend(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(Money { amount_minor: self.0.total_spend_minor, currency: workspace_currency(ctx).await? })
    }

    /// Purchases not refunded in full.
    async fn order_count(&self) -> i32 {
        self.0.order_count
    }

    async fn first_purchase_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_purchase_at
    }

    async fn last_purchase_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_purchase_at
    }

    /// Distinct product categories bought.
    async fn category_count(&self) -> i32 {
        self.0.category_count
    }

    async fn phones(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ContactPoint>> {
        let mut rows = children::<customer_phone::Entity>(ctx, self.0.id).await?;
        rows.sort_by_key(|r| (!r.is_primary, r.id));
        Ok(rows
            .into_iter()
            .map(|r| ContactPoint {
                customer_id: self.0.id,
                value: r.phone,
                label: r.label,
                primary: r.is_primary,
                phone: true,
            })
            .collect())
    }

    async fn emails(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ContactPoint>> {
        let mut rows = children::<customer_email::Entity>(ctx, self.0.id).await?;
        rows.sort_by_key(|r| (!r.is_primary, r.id));
        Ok(rows
            .into_iter()
            .map(|r| ContactPoint {
                customer_id: self.0.id,
                value: r.email,
                label: r.label,
                primary: r.is_primary,
                phone: false,
            })
            .collect())
    }

    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let mut tags: Vec<String> =
            children::<customer_tag::Entity>(ctx, self.0.id).await?.into_iter().map(|t| t.tag).collect();
        tags.sort();
        Ok(tags)
    }

    async fn consents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Consent>> {
        let rows = children::<customer_consent::Entity>(ctx, self.0.id).await?;
        let mut out: Vec<Consent> = rows
            .into_iter()
            .filter_map(|r| {
                Some(Consent {
                    channel: ConsentChannel::parse(&r.channel)?,
                    granted: r.granted,
                    source: r.source,
                    changed_at: r.changed_at,
                })
            })
            .collect();
        out.sort_by_key(|c| ConsentChannel::ALL.iter().position(|x| *x == c.channel));
        Ok(out)
    }

    async fn identities(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ChannelIdentity>> {
        let mut rows = children::<channel_identity::Entity>(ctx, self.0.id).await?;
        rows.sort_by_key(|r| r.id);
        Ok(rows.into_iter().map(ChannelIdentity::from).collect())
    }

    /// Values of the workspace's custom fields, in the fields' order; unset fields are left out.
    async fn custom_fields(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CustomFieldValue>> {
        let defs = definitions(ctx).await?;
        let rows = children::<customer_field_value::Entity>(ctx, self.0.id).await?;
        Ok(defs
            .iter()
            .filter_map(|def| {
                let mine: Vec<&customer_field_value::Model> =
                    rows.iter().filter(|r| r.field_id == def.id).collect();
                let value = profile::value_of(def, &mine)?;
                let json = serde_json::to_value(&value).ok()?.get("value").cloned()?;
                Some(CustomFieldValue {
                    key: def.key.clone(),
                    label: def.label.clone(),
                    kind: CustomFieldKind::parse(&def.kind)?,
                    value: Json(json),
                })
            })
            .collect())
    }

    /// Purchases and refunds, newest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Transaction, ConnectionFields>> {
        let entries = self.timeline_page(ctx, first, after, true).await?;
        Ok(entries.map_entries(|e| match e {
            timeline::Entry::Transaction(t) => Some(Transaction(t)),
            timeline::Entry::Interaction(_) | timeline::Entry::Ticket(_) => None,
        }))
    }

    /// Interactions, newest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn interactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Interaction, ConnectionFields>> {
        let entries = self.timeline_page(ctx, first, after, false).await?;
        Ok(entries.map_entries(|e| match e {
            timeline::Entry::Interaction(i) => Some(Interaction(i)),
            timeline::Entry::Transaction(_) | timeline::Entry::Ticket(_) => None,
        }))
    }

    /// Everything that happened with the customer, newest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, TimelineEntry, ConnectionFields>> {
        let page = PageRequest::new(first, None)?;
        let after = after.as_deref().map(timeline::decode_cursor).transpose().map_err(|e| e.extend())?;
        let db = ctx.db()?;
        let scope = ctx.scope()?;
        let reach = if scope.can(Permission::ServiceManage) {
            Some(crate::service_desk::teams::reach(db, scope).await.map_err(|e| e.extend())?)
        } else {
            None
        };
        let (entries, has_next) =
            timeline::page(db, self.0.id, page.first, after, reach.as_ref()).await.map_err(|e| e.extend())?;
        let total_count = if ctx.look_ahead().field("totalCount").exists() {
            let tickets = match &reach {
                Some(reach) => {
                    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
                    crate::entities::ticket::Entity::find()
                        .filter(crate::entities::ticket::Column::CustomerId.eq(self.0.id))
                        .filter(reach.condition())
                        .count(db)
                        .await
                        .map_err(internal)?
                }
                None => 0,
            };
            self.count::<transaction::Entity>(ctx).await?
                + self.count::<interaction::Entity>(ctx).await?
                + tickets
        } else {
            0
        };
        let mut connection =
            Connection::with_additional_fields(false, has_next, ConnectionFields { total_count });
        connection.edges.extend(entries.into_iter().map(|e| {
            let cursor = e.cursor();
            let node = match e {
                timeline::Entry::Transaction(t) => TimelineEntry::Transaction(Transaction(t)),
                timeline::Entry::Interaction(i) => TimelineEntry::Interaction(Interaction(i)),
                timeline::Entry::Ticket(t) => TimelineEntry::Ticket(crate::service_desk::graphql::Ticket(t)),
            };
            Edge::new(cursor, node)
        }));
        Ok(connection)
    }

    /// The customer's survey answers, newest first (at most `first`: 50 by default, 100 at
    /// most). Needs `surveys:read`.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn survey_responses(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<crate::surveys::graphql::SurveyResponse>> {
        let page = PageRequest::new(first, None)?;
        let rows =
            crate::surveys::responses::of_customer(ctx.db()?, ctx.scope()?, self.0.id, u64::from(page.first))
                .await
                .map_err(|e| e.extend())?;
        Ok(rows.into_iter().map(crate::surveys::graphql::SurveyResponse).collect())
    }

    /// The workspace's name for the customer's star level (钻石, 金卡...), if it gave one. Read
    /// per customer: ask for it on one customer, not in lists.
    async fn tier_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let Some(stars) = self.0.stars.and_then(|s| u8::try_from(s).ok()) else { return Ok(None) };
        let all = crate::ratings::tiers::load(ctx.db()?, ctx.scope()?).await.map_err(|e| e.extend())?;
        Ok(starcrm_shared::tiers::name_of(&all, stars).map(str::to_owned))
    }

    /// The customer's loyalty points: balance, what can be spent now, what is pending, owed and
    /// expiring soon, with the lots and the history. Needs `loyalty:read`.
    async fn points(&self, ctx: &Context<'_>) -> async_graphql::Result<crate::loyalty::graphql::Points> {
        let summary = crate::loyalty::views::summary(ctx.db()?, ctx.scope()?, self.0.id)
            .await
            .map_err(|e| e.extend())?;
        Ok(crate::loyalty::graphql::Points { customer_id: self.0.id, summary })
    }

    /// Merges into this customer, newest first.
    async fn merges(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CustomerMerge>> {
        let mut rows = children::<customer_merge::Entity>(ctx, self.0.id).await?;
        rows.sort_by_key(|m| std::cmp::Reverse(m.id));
        Ok(rows.into_iter().map(|model| CustomerMerge { model }).collect())
    }

    async fn deleted(&self) -> bool {
        self.0.deleted_at.is_some()
    }

    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }

    /// Personal data erased for good.
    async fn erased(&self) -> bool {
        self.0.erased_at.is_some()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Name this in updates; a stale one gets `CONFLICT`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A page of one timeline source.
struct SourcePage {
    entries: Vec<timeline::Entry>,
    has_next: bool,
    total_count: u64,
}

impl SourcePage {
    fn map_entries<N: async_graphql::OutputType>(
        self,
        map: impl Fn(timeline::Entry) -> Option<N>,
    ) -> Connection<String, N, ConnectionFields> {
        let mut connection = Connection::with_additional_fields(
            false,
            self.has_next,
            ConnectionFields { total_count: self.total_count },
        );
        connection.edges.extend(self.entries.into_iter().filter_map(|e| {
            let cursor = e.cursor();
            map(e).map(|n| Edge::new(cursor, n))
        }));
        connection
    }
}

impl Customer {
    async fn timeline_page(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        transactions: bool,
    ) -> async_graphql::Result<SourcePage> {
        let page = PageRequest::new(first, None)?;
        let after = after.as_deref().map(timeline::decode_cursor).transpose().map_err(|e| e.extend())?;
        let limit = u64::from(page.first) + 1;
        let db = ctx.db()?;
        let mut entries: Vec<timeline::Entry> = if transactions {
            timeline::transactions(db, self.0.id, limit, after)
                .await
                .map_err(|e| e.extend())?
                .into_iter()
                .map(timeline::Entry::Transaction)
                .collect()
        } else {
            timeline::interactions(db, self.0.id, limit, after)
                .await
                .map_err(|e| e.extend())?
                .into_iter()
                .map(timeline::Entry::Interaction)
                .collect()
        };
        let has_next = entries.len() > page.first as usize;
        entries.truncate(page.first as usize);
        let total_count = match (ctx.look_ahead().field("totalCount").exists(), transactions) {
            (false, _) => 0,
            (true, true) => self.count::<transaction::Entity>(ctx).await?,
            (true, false) => self.count::<interaction::Entity>(ctx).await?,
        };
        Ok(SourcePage { entries, has_next, total_count })
    }

    /// How many rows of `E` the customer has (for `totalCount`, only when it is selected).
    async fn count<E>(&self, ctx: &Context<'_>) -> async_graphql::Result<u64>
    where
        E: crate::customers::loaders::ChildOf,
        E::Model: Sync,
    {
        use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
        E::find().filter(E::customer_column().eq(self.0.id)).count(ctx.db()?).await.map_err(internal)
    }
}

async fn workspace_currency(ctx: &Context<'_>) -> async_graphql::Result<String> {
    let scope = ctx.scope()?;
    let loader = ctx.data::<CurrencyLoader>().map_err(|_| internal("loader missing"))?;
    Ok(loader.load_one(scope.workspace_id).await.map_err(internal)?.unwrap_or_else(|| "CNY".to_owned()))
}
