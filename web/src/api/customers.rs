//! Customers.

use serde::Deserialize;
use serde_json::json;
use starcrm_shared::account::Page;
use starcrm_shared::customer::{CustomerRow, CustomerSort, LifecycleStage};

use super::{ApiError, execute};

const CUSTOMERS: &str = include_str!("../../graphql/customers.graphql");
const CREATE_CUSTOMER: &str = include_str!("../../graphql/create_customer.graphql");

/// One page of customers: `search` (name, code, phone or email), one lifecycle stage or all,
/// sorted by `sort` (descending).
pub async fn list(
    first: u32,
    after: Option<String>,
    search: &str,
    stage: Option<LifecycleStage>,
    sort: CustomerSort,
) -> Result<Page<CustomerRow>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        customers: Page<CustomerRow>,
    }
    let search = (!search.trim().is_empty()).then_some(search.trim());
    // Names read best A to Z; everything else biggest or newest first.
    let descending = sort != CustomerSort::Name;
    let variables = json!({
        "first": first,
        "after": after,
        "filter": { "search": search, "lifecycleStages": stage.map(|s| vec![s]) },
        "orderBy": { "field": sort, "descending": descending },
    });
    execute::<_, Data>(CUSTOMERS, &variables).await.map(|d| d.customers)
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
