//! Customers.

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::ErrorCode;
use starcrm_shared::account::Page;
use starcrm_shared::customer::{
    Channel, ContactValue, CustomerDetail, CustomerRow, CustomerSort, DuplicateView, FieldDefinition,
    LifecycleStage, StarFilter, TimelineItem,
};

use super::{ApiError, execute};

const CUSTOMERS: &str = include_str!("../../graphql/customers.graphql");
const EXPORT: &str = include_str!("../../graphql/export_customers.graphql");
const EXPORT_PURCHASES: &str = include_str!("../../graphql/export_transactions.graphql");
const CREATE_CUSTOMER: &str = include_str!("../../graphql/create_customer.graphql");

/// What the customer list asks for: a search (name, code, phone or email), filters, a sort, and
/// whether to include the bin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    pub search: String,
    pub stars: Option<StarFilter>,
    pub stage: Option<LifecycleStage>,
    pub channel: Option<Channel>,
    pub tag: String,
    pub min_spend_minor: Option<i64>,
    pub include_deleted: bool,
    pub sort: CustomerSort,
    /// Members of this segment only (the segments page links here with `?segment=`).
    pub segment: Option<String>,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            search: String::new(),
            stars: None,
            stage: None,
            channel: None,
            tag: String::new(),
            min_spend_minor: None,
            include_deleted: false,
            sort: CustomerSort::Created,
            segment: None,
        }
    }
}

/// The list's filter as the API takes it (the list and its export share it).
fn filter(query: &ListQuery) -> serde_json::Value {
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    json!({
        "search": text(&query.search),
        "stars": match query.stars {
            Some(StarFilter::Level(n)) => json!({ "min": n, "max": n }),
            _ => serde_json::Value::Null,
        },
        "unrated": (query.stars == Some(StarFilter::Unrated)).then_some(true),
        "lifecycleStages": query.stage.map(|s| vec![s]),
        "channels": query.channel.map(|c| vec![c]),
        "tagsAny": text(&query.tag).map(|t| vec![t]),
        "totalSpend": query.min_spend_minor.map(|min| json!({ "min": min })),
        "segmentIds": query.segment.as_ref().map(|s| vec![s]),
    })
}

/// The wire name of an export format: an Excel workbook, or CSV.
fn format(excel: bool) -> &'static str {
    if excel { "XLSX" } else { "CSV" }
}

/// A download link to the customers the list shows, as CSV or an Excel workbook.
pub async fn export(query: &ListQuery, excel: bool) -> Result<String, ApiError> {
    let variables = json!({ "filter": filter(query), "format": format(excel) });
    let data = execute::<_, serde_json::Value>(EXPORT, &variables).await?;
    Ok(data["exportCustomers"]["url"].as_str().unwrap_or_default().to_owned())
}

/// A download link to the workspace's purchases, one row per line, as CSV or an Excel workbook.
pub async fn export_purchases(excel: bool) -> Result<String, ApiError> {
    let variables = json!({ "customerId": null, "format": format(excel) });
    let data = execute::<_, serde_json::Value>(EXPORT_PURCHASES, &variables).await?;
    Ok(data["exportTransactions"]["url"].as_str().unwrap_or_default().to_owned())
}

/// One page of customers for `query`.
pub async fn list(
    first: u32,
    after: Option<String>,
    query: &ListQuery,
) -> Result<Page<CustomerRow>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        customers: Page<CustomerRow>,
    }
    // Names read best A to Z; everything else biggest or newest first.
    let descending = query.sort != CustomerSort::Name;
    let variables = json!({
        "first": first,
        "after": after,
        "filter": filter(query),
        "orderBy": { "field": query.sort, "descending": descending },
        "includeDeleted": query.include_deleted,
    });
    execute::<_, Data>(CUSTOMERS, &variables).await.map(|d| d.customers)
}

/// Live customers who already have `phone` or `email` (exact; either may be absent), so the
/// new-customer form can show them before a duplicate is made. Phones come masked without
/// `pii:read`, as everywhere.
pub async fn with_contact(
    phone: Option<String>,
    email: Option<String>,
) -> Result<Vec<CustomerRow>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        customers: Page<CustomerRow>,
    }
    let mut any = Vec::new();
    if let Some(phone) = phone {
        any.push(json!({ "phone": phone }));
    }
    if let Some(email) = email {
        any.push(json!({ "email": email }));
    }
    if any.is_empty() {
        return Ok(Vec::new());
    }
    // The list's own query, narrowed to an exact phone or email.
    let variables = json!({
        "first": 5,
        "after": null,
        "filter": { "or": any },
        "orderBy": null,
        "includeDeleted": false,
    });
    execute::<_, Data>(CUSTOMERS, &variables).await.map(|d| d.customers.nodes)
}

/// A new customer as the form enters it (empty strings are left out).
#[derive(Clone, Debug, Default)]
pub struct NewCustomer {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub stage: Option<LifecycleStage>,
    pub tags: Vec<String>,
}

pub async fn create(new: &NewCustomer) -> Result<CustomerRow, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        create_customer: CustomerRow,
    }
    let contact = |value: &str| {
        if value.trim().is_empty() { json!([]) } else { json!([{ "value": value.trim(), "primary": true }]) }
    };
    let variables = json!({ "input": {
        "name": new.name,
        "phones": contact(&new.phone),
        "emails": contact(&new.email),
        "lifecycleStage": new.stage,
        "tags": new.tags,
    } });
    execute::<_, Data>(CREATE_CUSTOMER, &variables).await.map(|d| d.create_customer)
}

const CUSTOMER: &str = include_str!("../../graphql/customer.graphql");
const CUSTOMER_FOR_EDIT: &str = include_str!("../../graphql/customer_for_edit.graphql");
const UPDATE_CUSTOMER: &str = include_str!("../../graphql/update_customer.graphql");
const DELETE_CUSTOMER: &str = include_str!("../../graphql/delete_customer.graphql");
const RESTORE_CUSTOMER: &str = include_str!("../../graphql/restore_customer.graphql");
const ERASE_CUSTOMER: &str = include_str!("../../graphql/erase_customer.graphql");
const TIMELINE: &str = include_str!("../../graphql/customer_timeline.graphql");
const TRANSACTIONS: &str = include_str!("../../graphql/customer_transactions.graphql");
const INTERACTIONS: &str = include_str!("../../graphql/customer_interactions.graphql");
const RECORD_TRANSACTION: &str = include_str!("../../graphql/record_transaction.graphql");
const RECORD_INTERACTION: &str = include_str!("../../graphql/record_interaction.graphql");
const DUPLICATES: &str = include_str!("../../graphql/duplicate_candidates.graphql");
const MERGE: &str = include_str!("../../graphql/merge_customers.graphql");
const ADD_IDENTITY: &str = include_str!("../../graphql/add_customer_identity.graphql");
const REMOVE_IDENTITY: &str = include_str!("../../graphql/remove_customer_identity.graphql");
const UNMERGE: &str = include_str!("../../graphql/unmerge_customers.graphql");

/// A customer's page, with the workspace's custom field definitions; `None` when there is no
/// such customer in the workspace.
pub async fn get(id: &str) -> Result<Option<(CustomerDetail, Vec<FieldDefinition>)>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        customer: Option<CustomerDetail>,
        custom_fields: Vec<FieldDefinition>,
    }
    let data: Data = execute(CUSTOMER, &json!({ "id": id })).await?;
    Ok(data.customer.map(|c| (c, data.custom_fields)))
}

/// What the edit form needs in full: phones, emails and birthday unmasked (audited).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revealed {
    pub birthday: Option<String>,
    pub phones: Vec<ContactValue>,
    pub emails: Vec<ContactValue>,
}

pub async fn for_edit(id: &str) -> Result<Revealed, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        customer: Option<Revealed>,
    }
    execute::<_, Data>(CUSTOMER_FOR_EDIT, &json!({ "id": id }))
        .await?
        .customer
        .ok_or_else(|| ApiError::local(ErrorCode::NotFound))
}

/// The answer to a change: the customer changed.
#[derive(Clone, Debug, Deserialize)]
pub struct Changed {
    pub id: String,
}

/// Saves the edit form: `input` is an `UpdateCustomerInput` (id and version included).
pub async fn update(input: serde_json::Value) -> Result<Changed, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        update_customer: Changed,
    }
    execute::<_, Data>(UPDATE_CUSTOMER, &json!({ "input": input })).await.map(|d| d.update_customer)
}

/// Moves a customer to the bin (`delete: true`) or back.
pub async fn set_deleted(id: &str, delete: bool) -> Result<(), ApiError> {
    let document = if delete { DELETE_CUSTOMER } else { RESTORE_CUSTOMER };
    execute::<_, serde_json::Value>(document, &json!({ "id": id })).await.map(|_| ())
}

/// Erases a customer's personal data for good; `reason` is audited.
pub async fn erase(id: &str, reason: &str) -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(ERASE_CUSTOMER, &json!({ "id": id, "reason": reason })).await.map(|_| ())
}

/// Which of a customer's histories to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum History {
    Timeline,
    Transactions,
    Interactions,
}

/// One page of a customer's history, newest first.
pub async fn history(
    id: &str,
    which: History,
    first: u32,
    after: Option<String>,
) -> Result<Page<TimelineItem>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        customer: Option<Histories>,
    }
    #[derive(Deserialize)]
    struct Histories {
        #[serde(alias = "transactions", alias = "interactions")]
        timeline: Page<TimelineItem>,
    }
    let document = match which {
        History::Timeline => TIMELINE,
        History::Transactions => TRANSACTIONS,
        History::Interactions => INTERACTIONS,
    };
    let data: Data = execute(document, &json!({ "id": id, "first": first, "after": after })).await?;
    data.customer.map(|c| c.timeline).ok_or_else(|| ApiError::local(ErrorCode::NotFound))
}

/// Records a purchase (`input` is a `RecordTransactionInput`).
pub async fn record_transaction(input: serde_json::Value) -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(RECORD_TRANSACTION, &json!({ "input": input })).await.map(|_| ())
}

/// Logs an interaction (`input` is a `RecordInteractionInput`).
pub async fn record_interaction(input: serde_json::Value) -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(RECORD_INTERACTION, &json!({ "input": input })).await.map(|_| ())
}

/// Live customers that look like duplicates of `id`.
pub async fn duplicates(id: &str) -> Result<Vec<DuplicateView>, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        duplicate_candidates: Vec<DuplicateView>,
    }
    execute::<_, Data>(DUPLICATES, &json!({ "id": id })).await.map(|d| d.duplicate_candidates)
}

/// Merges `merged_id` into `survivor_id` (at the survivor's `version`); returns the survivor.
pub async fn merge(survivor_id: &str, merged_id: &str, survivor_version: i32) -> Result<Changed, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        merge_customers: Merged,
    }
    #[derive(Deserialize)]
    struct Merged {
        customer: Changed,
    }
    let input =
        json!({ "survivorId": survivor_id, "mergedId": merged_id, "survivorVersion": survivor_version });
    execute::<_, Data>(MERGE, &json!({ "input": input })).await.map(|d| d.merge_customers.customer)
}

/// Undoes a merge; the merged-away customer comes back.
pub async fn unmerge(merge_id: &str) -> Result<(), ApiError> {
    execute::<_, serde_json::Value>(UNMERGE, &json!({ "mergeId": merge_id })).await.map(|_| ())
}

/// Links a (channel, external id) to a customer.
pub async fn add_identity(customer_id: &str, channel: Channel, external_id: &str) -> Result<(), ApiError> {
    let variables =
        json!({ "customerId": customer_id, "identity": { "channel": channel, "externalId": external_id } });
    execute::<_, serde_json::Value>(ADD_IDENTITY, &variables).await.map(|_| ())
}

/// Unlinks one of a customer's channel identities.
pub async fn remove_identity(customer_id: &str, identity_id: &str) -> Result<(), ApiError> {
    let variables = json!({ "customerId": customer_id, "identityId": identity_id });
    execute::<_, serde_json::Value>(REMOVE_IDENTITY, &variables).await.map(|_| ())
}
