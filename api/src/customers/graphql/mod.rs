//! The customer hub's GraphQL API: queries, mutations and their input types. Resolvers check
//! the permission first and hand over to the services, which check it again with the workspace.

#![allow(clippy::option_option, reason = "patches: None leaves a field, Some(None) clears it")]

pub mod types;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Json, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use starcrm_shared::Permission;
use starcrm_shared::customer::{
    Channel, ConsentChannel, CustomFieldKind, CustomerSort, Direction, Gender, InteractionKind,
    LifecycleStage, PaymentMethod,
};
use starcrm_shared::marketing::RfmGroup;
use starcrm_shared::surveys::SurveyKind;

use self::types::{CustomField, Customer, CustomerMerge, DuplicateCandidate, Interaction, Transaction};
use super::identities::{CustomerRef, IdentityInput};
use super::ingest::{ItemInput, NewInteraction, NewRefund, NewTransaction, Recorded};
use super::profile::{ConsentInput, ContactInput as ContactValue, CustomerInput};
use super::query::{Cursor, FieldCondition, Filter, Range, Satisfaction, Sort};
use super::service::NewCustomer;
use super::{custom_fields, identities, ingest, merge, query, service};
use crate::auth::{ContextExt, Scope};
use crate::error::AppError;
use crate::graphql::pagination::{ConnectionFields, PageRequest};
use crate::users::graphql::{page_complexity, parse_id};

#[allow(clippy::needless_pass_by_value, reason = "used as `map_err(ext)`")]
fn ext(err: AppError) -> async_graphql::Error {
    err.extend()
}

/// A phone number or email address to store.
#[derive(InputObject, Clone)]
pub struct ContactInput {
    /// A Chinese mobile number or `+country` number; or an email address.
    pub value: String,
    pub label: Option<String>,
    /// One entry may be primary; the first is when none is.
    #[graphql(default)]
    pub primary: bool,
}

/// A consent answer.
#[derive(InputObject, Clone)]
pub struct ConsentValue {
    pub channel: ConsentChannel,
    pub granted: bool,
    pub source: Option<String>,
}

/// A custom field value by key; `null` removes it.
#[derive(InputObject, Clone)]
pub struct CustomFieldInput {
    pub key: String,
    pub value: Json<serde_json::Value>,
}

/// A `(channel, external id)` pair.
#[derive(InputObject, Clone)]
pub struct IdentityValue {
    pub channel: Channel,
    pub external_id: String,
}

impl From<IdentityValue> for IdentityInput {
    fn from(v: IdentityValue) -> Self {
        Self { channel: v.channel, external_id: v.external_id }
    }
}

fn contacts(list: Vec<ContactInput>) -> Vec<ContactValue> {
    list.into_iter().map(|c| ContactValue { value: c.value, label: c.label, primary: c.primary }).collect()
}

fn consents(list: Vec<ConsentValue>) -> Vec<ConsentInput> {
    list.into_iter()
        .map(|c| ConsentInput { channel: c.channel, granted: c.granted, source: c.source })
        .collect()
}

fn custom(list: Vec<CustomFieldInput>) -> Vec<(String, serde_json::Value)> {
    list.into_iter().map(|c| (c.key, c.value.0)).collect()
}

/// A new customer.
#[derive(InputObject)]
pub struct CreateCustomerInput {
    pub name: String,
    pub gender: Option<Gender>,
    /// `YYYY-MM-DD`.
    pub birthday: Option<String>,
    pub id_number: Option<String>,
    pub address: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub education: Option<String>,
    pub native_place: Option<String>,
    pub owner_id: Option<ID>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub source_channel: Option<Channel>,
    pub notes: Option<String>,
    #[graphql(default)]
    pub phones: Vec<ContactInput>,
    #[graphql(default)]
    pub emails: Vec<ContactInput>,
    #[graphql(default)]
    pub tags: Vec<String>,
    #[graphql(default)]
    pub consents: Vec<ConsentValue>,
    #[graphql(default)]
    pub custom_fields: Vec<CustomFieldInput>,
    #[graphql(default)]
    pub identities: Vec<IdentityValue>,
}

/// Changes to a customer: fields left out stay as they are, `null` clears; lists given replace
/// the stored list; custom fields are set per key.
#[derive(InputObject)]
pub struct UpdateCustomerInput {
    pub id: ID,
    /// The version the change is based on.
    pub version: i32,
    pub name: Option<String>,
    pub gender: Option<Gender>,
    pub birthday: MaybeUndefined<String>,
    pub id_number: MaybeUndefined<String>,
    pub address: MaybeUndefined<String>,
    pub company: MaybeUndefined<String>,
    pub job_title: MaybeUndefined<String>,
    pub education: MaybeUndefined<String>,
    pub native_place: MaybeUndefined<String>,
    pub owner_id: MaybeUndefined<ID>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub source_channel: MaybeUndefined<Channel>,
    pub notes: MaybeUndefined<String>,
    pub phones: Option<Vec<ContactInput>>,
    pub emails: Option<Vec<ContactInput>>,
    pub tags: Option<Vec<String>>,
    pub consents: Option<Vec<ConsentValue>>,
    pub custom_fields: Option<Vec<CustomFieldInput>>,
}

/// Left out (`None`), cleared (`Some(None)`) or given, as the services' patch inputs take them.
pub(crate) fn patch<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

fn owner(id: Option<&ID>) -> async_graphql::Result<Option<uuid::Uuid>> {
    id.map(|id| parse_id(id, "ownerId")).transpose()
}

/// An inclusive range of integers.
#[derive(InputObject, Clone, Copy, Default)]
pub struct IntRange {
    pub min: Option<i32>,
    pub max: Option<i32>,
}

/// An inclusive range of money in minor units.
#[derive(InputObject, Clone, Copy, Default)]
pub struct MoneyRange {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// An inclusive range of times.
#[derive(InputObject, Clone, Copy, Default)]
pub struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// An inclusive range of numbers.
#[derive(InputObject, Clone, Copy, Default)]
pub struct FloatRange {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// An inclusive range of dates (`YYYY-MM-DD`).
#[derive(InputObject, Clone, Default)]
pub struct DateRange {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A condition on a custom field.
#[derive(InputObject, Clone)]
pub struct CustomFieldCondition {
    pub key: String,
    /// Text, date and select fields: one of these values (for multi-select: any chosen one).
    pub any_of: Option<Vec<String>>,
    pub number: Option<FloatRange>,
    pub date: Option<DateRange>,
    pub boolean: Option<bool>,
    /// `true`: has a value; `false`: has none.
    pub is_set: Option<bool>,
}

/// Which customers to list. Every condition given must hold; `and`, `or` and `not` combine
/// nested filters. At most 50 conditions in all.
#[derive(InputObject, Clone, Default)]
pub struct CustomerFilter {
    pub and: Option<Vec<CustomerFilter>>,
    pub or: Option<Vec<CustomerFilter>>,
    pub not: Option<Box<CustomerFilter>>,
    /// Name contains, or code / phone / email equals.
    pub search: Option<String>,
    /// Has this phone (any written form: `138 0013 8000`, `+86…`), exactly. Finds who already
    /// has a number before a new customer is created with it.
    pub phone: Option<String>,
    /// Has this email, exactly (case aside).
    pub email: Option<String>,
    pub stars: Option<IntRange>,
    /// Not rated by the star engine yet.
    pub unrated: Option<bool>,
    pub lifecycle_stages: Option<Vec<LifecycleStage>>,
    /// Has an identity on, or came from, any of these channels.
    pub channels: Option<Vec<Channel>>,
    /// Has any of these tags.
    pub tags_any: Option<Vec<String>>,
    /// Has all of these tags.
    pub tags_all: Option<Vec<String>>,
    pub owner_ids: Option<Vec<ID>>,
    pub unowned: Option<bool>,
    pub created_at: Option<TimeRange>,
    pub last_purchase_at: Option<TimeRange>,
    /// In minor units of the workspace currency.
    pub total_spend: Option<MoneyRange>,
    pub order_count: Option<IntRange>,
    pub custom_fields: Option<Vec<CustomFieldCondition>>,
    /// Whole days since the last purchase (customers who never bought never match).
    pub days_since_last_purchase: Option<IntRange>,
    /// Whole days since the last contact of any kind (purchase, interaction, ticket, follow-up).
    pub days_since_last_contact: Option<IntRange>,
    /// Spendable points (customers without points hold 0).
    pub points: Option<MoneyRange>,
    /// The latest survey answer of a kind.
    pub satisfaction: Option<SatisfactionCondition>,
    /// In any of these RFM groups (customers who never bought are in none).
    pub rfm_groups: Option<Vec<RfmGroup>>,
    /// A member of any of these segments (not inside a segment's own filter).
    pub segment_ids: Option<Vec<ID>>,
}

/// The customer's latest answer to a survey of this kind scored in the range (NPS 0 to 10,
/// CSAT 1 to 5; an open end is the scale's end).
#[derive(InputObject, Clone, Copy)]
pub struct SatisfactionCondition {
    pub kind: SurveyKind,
    pub score: IntRange,
}

impl CustomerFilter {
    pub(crate) fn into_filter(self) -> async_graphql::Result<Filter> {
        let convert = |list: Option<Vec<Self>>| -> async_graphql::Result<Vec<Filter>> {
            list.unwrap_or_default().into_iter().map(Self::into_filter).collect()
        };
        let small = |r: IntRange, field: &str| -> async_graphql::Result<Range<i16>> {
            let conv = |v: Option<i32>| {
                v.map(|v| {
                    i16::try_from(v).map_err(|_| AppError::bad_input(field, "is out of range").extend())
                })
                .transpose()
            };
            Ok(Range { min: conv(r.min)?, max: conv(r.max)? })
        };
        Ok(Filter {
            and: convert(self.and)?,
            or: convert(self.or)?,
            not: self.not.map(|n| n.into_filter().map(Box::new)).transpose()?,
            search: self.search,
            phone: self.phone,
            email: self.email,
            stars: self.stars.map(|r| small(r, "filter.stars")).transpose()?,
            unrated: self.unrated,
            lifecycle_stages: self.lifecycle_stages,
            channels: self.channels,
            tags_any: self.tags_any,
            tags_all: self.tags_all,
            owner_ids: self
                .owner_ids
                .map(|ids| {
                    ids.iter().map(|id| parse_id(id, "filter.ownerIds")).collect::<Result<Vec<_>, _>>()
                })
                .transpose()?,
            unowned: self.unowned,
            created_at: self.created_at.map(|r| Range { min: r.from, max: r.to }),
            last_purchase_at: self.last_purchase_at.map(|r| Range { min: r.from, max: r.to }),
            total_spend_minor: self.total_spend.map(|r| Range { min: r.min, max: r.max }),
            order_count: self.order_count.map(|r| Range { min: r.min, max: r.max }),
            custom_fields: self
                .custom_fields
                .unwrap_or_default()
                .into_iter()
                .map(|c| FieldCondition {
                    key: c.key,
                    any_of: c.any_of,
                    number: c.number.map(|r| Range { min: r.min, max: r.max }),
                    date: c.date.map(|r| Range { min: r.from, max: r.to }),
                    boolean: c.boolean,
                    is_set: c.is_set,
                })
                .collect(),
            days_since_last_purchase: self.days_since_last_purchase.map(|r| Range { min: r.min, max: r.max }),
            days_since_last_contact: self.days_since_last_contact.map(|r| Range { min: r.min, max: r.max }),
            points: self.points.map(|r| Range { min: r.min, max: r.max }),
            satisfaction: self
                .satisfaction
                .map(|c| -> async_graphql::Result<Satisfaction> {
                    Ok(Satisfaction { kind: c.kind, score: small(c.score, "filter.satisfaction.score")? })
                })
                .transpose()?,
            rfm_groups: self.rfm_groups,
            segment_ids: self
                .segment_ids
                .map(|ids| {
                    ids.iter().map(|id| parse_id(id, "filter.segmentIds")).collect::<Result<Vec<_>, _>>()
                })
                .transpose()?,
        })
    }
}

/// How to sort the customer list.
#[derive(InputObject, Clone, Copy)]
pub struct CustomerOrder {
    pub field: CustomerSort,
    #[graphql(default = true)]
    pub descending: bool,
}

/// Who a pushed record is about. Give any of these; they are tried in this order, and a
/// customer is created when nobody matches (except for `id`).
#[derive(InputObject, Clone, Default)]
pub struct CustomerRefInput {
    pub id: Option<ID>,
    pub identity: Option<IdentityValue>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Name for a customer created on the fly.
    pub name: Option<String>,
}

impl CustomerRefInput {
    pub(crate) fn into_ref(self) -> async_graphql::Result<CustomerRef> {
        Ok(CustomerRef {
            id: self.id.as_ref().map(|id| parse_id(id, "customer.id")).transpose()?,
            identity: self.identity.map(Into::into),
            phone: self.phone,
            email: self.email,
            name: self.name,
        })
    }
}

/// One line of a transaction.
#[derive(InputObject, Clone)]
pub struct TransactionItemInput {
    pub sku: Option<String>,
    pub name: String,
    pub category: Option<String>,
    #[graphql(default = 1)]
    pub quantity: i32,
    pub unit_price_minor: i64,
}

/// A purchase.
#[derive(InputObject)]
pub struct RecordTransactionInput {
    pub customer: CustomerRefInput,
    pub channel: Channel,
    /// Now when left out.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Minor units (fen, cents). Give this or `amount`.
    pub amount_minor: Option<i64>,
    /// The amount as people write it (`1234.5`, `¥1,234.50`), at most two decimals; instead of
    /// `amountMinor`, so that a till or form need not convert (and `12.345` is refused with
    /// `BAD_USER_INPUT` on `amount`, reason `DECIMALS`).
    pub amount: Option<String>,
    /// The workspace currency when left out.
    pub currency: Option<String>,
    #[graphql(default)]
    pub items: Vec<TransactionItemInput>,
    pub payment_method: Option<PaymentMethod>,
    pub store: Option<String>,
    pub location: Option<String>,
    /// Your id for the purchase: pushing it again returns the first result.
    pub external_ref: Option<String>,
    pub note: Option<String>,
}

/// A refund of (part of) a purchase.
#[derive(InputObject)]
pub struct RecordRefundInput {
    pub transaction_id: Option<ID>,
    /// The purchase's `externalRef`, instead of its id.
    pub original_external_ref: Option<String>,
    /// What is left to refund when left out.
    pub amount_minor: Option<i64>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub external_ref: Option<String>,
    pub note: Option<String>,
}

/// An interaction.
#[derive(InputObject)]
pub struct RecordInteractionInput {
    pub customer: CustomerRefInput,
    pub kind: InteractionKind,
    pub direction: Direction,
    pub channel: Option<Channel>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub external_ref: Option<String>,
}

/// What a transaction push did.
#[derive(SimpleObject)]
pub struct RecordTransactionPayload {
    pub transaction: Transaction,
    pub customer_id: ID,
    /// The customer, for callers with `customers:read` (null for push-only tokens).
    pub customer: Option<Customer>,
    /// False when `externalRef` was seen before: this is the first result again.
    pub created: bool,
    pub customer_created: bool,
}

impl RecordTransactionPayload {
    fn new(r: Recorded<crate::entities::transaction::Model>, scope: &Scope) -> Self {
        Self {
            transaction: Transaction(r.record),
            customer_id: ID(r.customer.id.to_string()),
            customer: scope.can(Permission::CustomersRead).then_some(Customer(r.customer)),
            created: r.created,
            customer_created: r.customer_created,
        }
    }
}

/// What an interaction push did.
#[derive(SimpleObject)]
pub struct RecordInteractionPayload {
    pub interaction: Interaction,
    pub customer_id: ID,
    /// The customer, for callers with `customers:read`.
    pub customer: Option<Customer>,
    pub created: bool,
    pub customer_created: bool,
}

/// Two customers to merge.
#[derive(InputObject)]
pub struct MergeCustomersInput {
    /// The customer that stays.
    pub survivor_id: ID,
    /// The customer merged away (its id keeps resolving to the survivor).
    pub merged_id: ID,
    /// The survivor's version the merge is based on.
    pub survivor_version: i32,
}

#[derive(SimpleObject)]
pub struct MergeCustomersPayload {
    pub customer: Customer,
    pub merge: CustomerMerge,
}

#[derive(SimpleObject)]
pub struct UnmergeCustomersPayload {
    pub survivor: Customer,
    pub restored: Customer,
}

/// A custom field definition.
#[derive(InputObject)]
pub struct CreateCustomFieldInput {
    /// Lower-case letters, digits and `_`, e.g. `favourite_sport`.
    pub key: String,
    pub label: String,
    pub kind: CustomFieldKind,
    /// Choices of select fields.
    #[graphql(default)]
    pub options: Vec<String>,
    pub position: Option<i32>,
}

#[derive(InputObject)]
pub struct UpdateCustomFieldInput {
    pub id: ID,
    pub version: i32,
    pub label: Option<String>,
    pub options: Option<Vec<String>>,
    pub position: Option<i32>,
}

#[derive(Default)]
pub struct CustomersQuery;

#[Object]
impl CustomersQuery {
    /// The workspace's customers. Needs `customers:read`. Sorted newest first unless `orderBy`
    /// says otherwise; deleted ones only with `includeDeleted`.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CustomerFilter>,
        order_by: Option<CustomerOrder>,
        #[graphql(default)] include_deleted: bool,
    ) -> async_graphql::Result<Connection<String, Customer, ConnectionFields>> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let page = PageRequest::new(first, None)?;
        let request = query::ListRequest {
            filter: filter.unwrap_or_default().into_filter()?,
            sort: order_by.map_or_else(Sort::default, |o| Sort { key: o.field, descending: o.descending }),
            first: page.first,
            after: after.as_deref().map(Cursor::decode).transpose().map_err(ext)?,
            include_deleted,
        };
        let sort = request.sort;
        let with_total = ctx.look_ahead().field("totalCount").exists();
        let result = query::list(ctx.db()?, scope, &request, with_total).await.map_err(ext)?;
        let mut connection = Connection::with_additional_fields(
            false,
            result.has_next,
            ConnectionFields { total_count: result.total.unwrap_or(0) },
        );
        connection.edges.extend(
            result.rows.into_iter().map(|row| Edge::new(Cursor::after(&row, sort).encode(), Customer(row))),
        );
        Ok(connection)
    }

    /// One customer by id (a merged-away id gives the survivor); `null` if there is none in the
    /// workspace. Needs `customers:read`.
    async fn customer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Customer>> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let id = parse_id(&id, "id")?;
        match service::get(ctx.db()?, scope, id).await {
            Ok(found) => Ok(Some(Customer(found))),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err.extend()),
        }
    }

    /// Live customers that look like duplicates of `customerId`. Needs `customers:read`.
    async fn duplicate_candidates(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
    ) -> async_graphql::Result<Vec<DuplicateCandidate>> {
        let scope = ctx.require(Permission::CustomersRead)?;
        let id = parse_id(&customer_id, "customerId")?;
        let found = merge::candidates(ctx.db()?, scope, id).await.map_err(ext)?;
        Ok(found
            .into_iter()
            .map(|c| DuplicateCandidate {
                customer: Customer(c.customer),
                reasons: c.reasons.into_iter().map(Into::into).collect(),
            })
            .collect())
    }

    /// The workspace's custom profile fields, in display order. Needs `customers:read`.
    async fn custom_fields(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CustomField>> {
        ctx.require(Permission::CustomersRead)?;
        Ok(types::definitions(ctx).await?.into_iter().map(CustomField).collect())
    }
}

#[derive(Default)]
pub struct CustomersMutation;

#[Object]
impl CustomersMutation {
    /// Creates a customer. Needs `customers:write`.
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomerInput,
    ) -> async_graphql::Result<Customer> {
        let scope = ctx.require(Permission::CustomersWrite)?;
        let new = NewCustomer {
            profile: CustomerInput {
                name: Some(input.name),
                gender: input.gender,
                birthday: input.birthday.map(Some),
                id_number: input.id_number.map(Some),
                address: input.address.map(Some),
                company: input.company.map(Some),
                job_title: input.job_title.map(Some),
                education: input.education.map(Some),
                native_place: input.native_place.map(Some),
                owner_id: owner(input.owner_id.as_ref())?.map(Some),
                lifecycle_stage: input.lifecycle_stage,
                source_channel: input.source_channel.map(Some),
                notes: input.notes.map(Some),
                phones: Some(contacts(input.phones)),
                emails: Some(contacts(input.emails)),
                tags: Some(input.tags),
                consents: Some(consents(input.consents)),
                custom_fields: Some(custom(input.custom_fields)),
            },
            identities: input.identities.into_iter().map(Into::into).collect(),
        };
        Ok(Customer(service::create(ctx.db()?, scope, new).await.map_err(ext)?))
    }

    /// Changes a customer. Needs `customers:write`; a stale `version` gets `CONFLICT`.
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        input: UpdateCustomerInput,
    ) -> async_graphql::Result<Customer> {
        let scope = ctx.require(Permission::CustomersWrite)?;
        let id = parse_id(&input.id, "id")?;
        let owner_id = match patch(input.owner_id) {
            None => None,
            Some(None) => Some(None),
            Some(Some(id)) => Some(Some(parse_id(&id, "ownerId")?)),
        };
        let changes = CustomerInput {
            name: input.name,
            gender: input.gender,
            birthday: patch(input.birthday),
            id_number: patch(input.id_number),
            address: patch(input.address),
            company: patch(input.company),
            job_title: patch(input.job_title),
            education: patch(input.education),
            native_place: patch(input.native_place),
            owner_id,
            lifecycle_stage: input.lifecycle_stage,
            source_channel: patch(input.source_channel),
            notes: patch(input.notes),
            phones: input.phones.map(contacts),
            emails: input.emails.map(contacts),
            tags: input.tags,
            consents: input.consents.map(consents),
            custom_fields: input.custom_fields.map(custom),
        };
        Ok(Customer(service::update(ctx.db()?, scope, id, input.version, changes).await.map_err(ext)?))
    }

    /// Moves a customer to the bin (restorable). Needs `customers:write`.
    async fn delete_customer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Customer> {
        let scope = ctx.require(Permission::CustomersWrite)?;
        let id = parse_id(&id, "id")?;
        Ok(Customer(service::set_deleted(ctx.db()?, scope, id, true).await.map_err(ext)?))
    }

    /// Brings a deleted customer back. Needs `customers:write`.
    async fn restore_customer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Customer> {
        let scope = ctx.require(Permission::CustomersWrite)?;
        let id = parse_id(&id, "id")?;
        Ok(Customer(service::set_deleted(ctx.db()?, scope, id, false).await.map_err(ext)?))
    }

    /// Erases a customer's personal data for good, keeping anonymous history. Needs
    /// `customers:erase`; the reason is audited.
    async fn erase_customer(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> async_graphql::Result<Customer> {
        let scope = ctx.require(Permission::CustomersErase)?;
        let id = parse_id(&id, "id")?;
        Ok(Customer(service::erase(ctx.db()?, scope, id, &reason).await.map_err(ext)?))
    }

    /// Links a channel identity to a customer. Needs `customers:write`.
    async fn add_customer_identity(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        identity: IdentityValue,
    ) -> async_graphql::Result<Customer> {
        let scope = ctx.require(Permission::CustomersWrite)?;
        let id = parse_id(&customer_id, "customerId")?;
        Ok(Customer(identities::add(ctx.db()?, scope, id, &identity.into()).await.map_err(ext)?))
    }

    /// Unlinks a channel identity. Needs `customers:write`.
    async fn remove_customer_identity(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        identity_id: ID,
    ) -> async_graphql::Result<Customer> {
        let scope = ctx.require(Permission::CustomersWrite)?;
        let id = parse_id(&customer_id, "customerId")?;
        let identity = parse_id(&identity_id, "identityId")?;
        Ok(Customer(identities::remove(ctx.db()?, scope, id, identity).await.map_err(ext)?))
    }

    /// Records a purchase; idempotent on `externalRef`. Needs `transactions:write`.
    async fn record_transaction(
        &self,
        ctx: &Context<'_>,
        input: RecordTransactionInput,
    ) -> async_graphql::Result<RecordTransactionPayload> {
        let scope = ctx.require(Permission::TransactionsWrite)?;
        let amount_minor = match (input.amount_minor, input.amount.as_deref()) {
            (Some(minor), None) => minor,
            (None, Some(text)) => starcrm_shared::customer::parse_amount(text)
                .map_err(|r| AppError::invalid("amount", r).extend())?,
            _ => {
                return Err(
                    AppError::bad_input("amountMinor", "give amountMinor or amount (one of them)").extend()
                );
            }
        };
        let new = NewTransaction {
            customer: input.customer.into_ref()?,
            channel: input.channel,
            occurred_at: input.occurred_at,
            amount_minor,
            currency: input.currency,
            items: input
                .items
                .into_iter()
                .map(|i| ItemInput {
                    sku: i.sku,
                    name: i.name,
                    category: i.category,
                    quantity: i.quantity,
                    unit_price_minor: i.unit_price_minor,
                })
                .collect(),
            payment_method: input.payment_method,
            store: input.store,
            location: input.location,
            external_ref: input.external_ref,
            note: input.note,
        };
        Ok(RecordTransactionPayload::new(
            ingest::record_transaction(ctx.db()?, scope, new).await.map_err(ext)?,
            scope,
        ))
    }

    /// Records a refund of a purchase; idempotent on `externalRef`. Needs `transactions:write`.
    async fn record_refund(
        &self,
        ctx: &Context<'_>,
        input: RecordRefundInput,
    ) -> async_graphql::Result<RecordTransactionPayload> {
        let scope = ctx.require(Permission::TransactionsWrite)?;
        let new = NewRefund {
            transaction_id: input
                .transaction_id
                .as_ref()
                .map(|id| parse_id(id, "transactionId"))
                .transpose()?,
            original_external_ref: input.original_external_ref,
            amount_minor: input.amount_minor,
            occurred_at: input.occurred_at,
            external_ref: input.external_ref,
            note: input.note,
        };
        Ok(RecordTransactionPayload::new(
            ingest::record_refund(ctx.db()?, scope, new).await.map_err(ext)?,
            scope,
        ))
    }

    /// Records an interaction; idempotent on `externalRef`. Needs `transactions:write`.
    async fn record_interaction(
        &self,
        ctx: &Context<'_>,
        input: RecordInteractionInput,
    ) -> async_graphql::Result<RecordInteractionPayload> {
        let scope = ctx.require(Permission::TransactionsWrite)?;
        let new = NewInteraction {
            customer: input.customer.into_ref()?,
            kind: input.kind,
            direction: input.direction,
            channel: input.channel,
            subject: input.subject,
            body: input.body,
            occurred_at: input.occurred_at,
            external_ref: input.external_ref,
        };
        let r = ingest::record_interaction(ctx.db()?, scope, new).await.map_err(ext)?;
        Ok(RecordInteractionPayload {
            interaction: Interaction(r.record),
            customer_id: ID(r.customer.id.to_string()),
            customer: scope.can(Permission::CustomersRead).then_some(Customer(r.customer)),
            created: r.created,
            customer_created: r.customer_created,
        })
    }

    /// Merges a duplicate into the survivor. Needs `customers:write`.
    async fn merge_customers(
        &self,
        ctx: &Context<'_>,
        input: MergeCustomersInput,
    ) -> async_graphql::Result<MergeCustomersPayload> {
        let scope = ctx.require(Permission::CustomersWrite)?;
        let survivor = parse_id(&input.survivor_id, "survivorId")?;
        let merged = parse_id(&input.merged_id, "mergedId")?;
        let (customer, model) =
            merge::merge(ctx.db()?, scope, survivor, merged, input.survivor_version).await.map_err(ext)?;
        Ok(MergeCustomersPayload { customer: Customer(customer), merge: CustomerMerge { model } })
    }

    /// Undoes a merge of the last 30 days. Needs `customers:write`.
    async fn unmerge_customers(
        &self,
        ctx: &Context<'_>,
        merge_id: ID,
    ) -> async_graphql::Result<UnmergeCustomersPayload> {
        let scope = ctx.require(Permission::CustomersWrite)?;
        let id = parse_id(&merge_id, "mergeId")?;
        let (survivor, restored) = merge::unmerge(ctx.db()?, scope, id).await.map_err(ext)?;
        Ok(UnmergeCustomersPayload { survivor: Customer(survivor), restored: Customer(restored) })
    }

    /// Defines a custom profile field. Needs `settings:manage`.
    async fn create_custom_field(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomFieldInput,
    ) -> async_graphql::Result<CustomField> {
        let scope = ctx.require(Permission::SettingsManage)?;
        let input = custom_fields::FieldInput {
            key: input.key,
            label: input.label,
            kind: input.kind,
            options: input.options,
            position: input.position,
        };
        Ok(CustomField(custom_fields::create(ctx.db()?, scope, input).await.map_err(ext)?))
    }

    /// Changes a custom field's label, choices or position. Needs `settings:manage`.
    async fn update_custom_field(
        &self,
        ctx: &Context<'_>,
        input: UpdateCustomFieldInput,
    ) -> async_graphql::Result<CustomField> {
        let scope = ctx.require(Permission::SettingsManage)?;
        let id = parse_id(&input.id, "id")?;
        let updated = custom_fields::update(
            ctx.db()?,
            scope,
            id,
            input.version,
            input.label,
            input.options,
            input.position,
        )
        .await
        .map_err(ext)?;
        Ok(CustomField(updated))
    }

    /// Archives a custom field (values kept, hidden from forms). Needs `settings:manage`.
    async fn archive_custom_field(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<CustomField> {
        let scope = ctx.require(Permission::SettingsManage)?;
        let id = parse_id(&id, "id")?;
        Ok(CustomField(custom_fields::archive(ctx.db()?, scope, id).await.map_err(ext)?))
    }
}
