//! Exports (issue 17, ARCHITECTURE.md section 11): the customers of any filter, with chosen
//! columns, and purchases (`transactions`), as CSV in UTF-8 with a BOM (so Excel opens Chinese
//! text right), streamed a page at a time. Phones, emails, ID numbers and birthdays are masked unless the asker holds `pii:read`.
//! Asking is audited (`export.customers`, with the filter and columns); the file comes from a
//! download link that expires.

pub mod transactions;
pub mod xlsx;

use std::collections::HashMap;

use async_graphql::{Context, ErrorExtensions, ID, InputType, Object, SimpleObject};
use axum::body::Body;
use axum::response::Response;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use starcrm_shared::customer::customer_code;
use starcrm_shared::{Permission, mask};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::auth::{ContextExt, Scope};
use crate::customers::graphql::CustomerFilter;
use crate::customers::query::{self, Cursor, ListRequest, Sort};
use crate::downloads::{self, Kind};
use crate::entities::{customer, customer_email, customer_phone, customer_tag, download_link};
use crate::error::AppError;
use crate::imports::http::{csv_line, csv_response};
use crate::state::AppState;
pub use xlsx::ExportFormat;

/// The columns a customer export can have, in their default order.
pub const CUSTOMER_COLUMNS: [&str; 16] = [
    "code",
    "name",
    "stars",
    "phone",
    "email",
    "gender",
    "birthday",
    "lifecycleStage",
    "sourceChannel",
    "tags",
    "totalSpend",
    "orderCount",
    "lastPurchaseAt",
    "company",
    "address",
    "createdAt",
];

/// Customers per page read from the database.
const PAGE: u32 = 1_000;

fn header(column: &str) -> &'static str {
    match column {
        "code" => "编号 Code",
        "name" => "姓名 Name",
        "stars" => "星级 Stars",
        "phone" => "手机 Phone",
        "email" => "邮箱 Email",
        "gender" => "性别 Gender",
        "birthday" => "生日 Birthday",
        "lifecycleStage" => "生命周期 Stage",
        "sourceChannel" => "来源渠道 Channel",
        "tags" => "标签 Tags",
        "totalSpend" => "累计消费 Total spend",
        "orderCount" => "订单数 Orders",
        "lastPurchaseAt" => "最近购买 Last purchase",
        "company" => "公司 Company",
        "address" => "地址 Address",
        _ => "创建时间 Created",
    }
}

/// Checks chosen columns against those an export has (`None`: all of them, in order).
///
/// # Errors
/// `BAD_USER_INPUT` on `columns` (none chosen) or `columns[i]` (not a column, or twice).
pub(crate) fn check_columns(chosen: Option<Vec<String>>, all: &[&str]) -> Result<Vec<String>, AppError> {
    let Some(chosen) = chosen else { return Ok(all.iter().map(|c| (*c).to_owned()).collect()) };
    if chosen.is_empty() {
        return Err(AppError::bad_input("columns", "choose at least one column"));
    }
    for (i, c) in chosen.iter().enumerate() {
        if !all.contains(&c.as_str()) {
            return Err(AppError::bad_input(
                format!("columns[{i}]"),
                format!("is not a column; use one of {}", all.join(", ")),
            ));
        }
        if chosen[..i].contains(c) {
            return Err(AppError::bad_input(format!("columns[{i}]"), "is chosen twice"));
        }
    }
    Ok(chosen)
}

/// Whether a column carries personal data masked without `pii:read`.
fn personal(column: &str) -> bool {
    matches!(column, "phone" | "email" | "birthday" | "address")
}

/// Minor units as a decimal amount: `123456` -> `1234.56`.
pub(crate) fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", (minor / 100).unsigned_abs(), (minor % 100).unsigned_abs())
}

/// One customer as export cells.
fn cells(
    row: &customer::Model,
    columns: &[String],
    phone: Option<&String>,
    email: Option<&String>,
    tags: &[String],
    unmasked: bool,
) -> Vec<String> {
    let masked = |column: &str, value: String| -> String {
        if unmasked || value.is_empty() || !personal(column) {
            return value;
        }
        match column {
            "phone" => mask::phone(&value),
            "email" => mask::email(&value),
            "birthday" => mask::birthday(&value),
            _ => "***".to_owned(),
        }
    };
    let time =
        |t: Option<DateTime<Utc>>| t.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
    columns
        .iter()
        .map(|column| {
            let value = match column.as_str() {
                "code" => customer_code(row.number),
                "name" => row.name.clone(),
                "stars" => row.stars.map(|s| s.to_string()).unwrap_or_default(),
                "phone" => phone.cloned().unwrap_or_default(),
                "email" => email.cloned().unwrap_or_default(),
                "gender" => row.gender.clone(),
                "birthday" => row.birthday.map(|d| d.to_string()).unwrap_or_default(),
                "lifecycleStage" => row.lifecycle_stage.clone(),
                "sourceChannel" => row.source_channel.clone().unwrap_or_default(),
                "tags" => tags.join(", "),
                "totalSpend" => money(row.total_spend_minor),
                "orderCount" => row.order_count.to_string(),
                "lastPurchaseAt" => time(row.last_purchase_at),
                "company" => row.company.clone().unwrap_or_default(),
                "address" => row.address.clone().unwrap_or_default(),
                _ => time(Some(row.created_at)),
            };
            let value = masked(column, value);
            // A cell starting with = + - @ would run as a formula in Excel: quote it as text.
            let free_text = matches!(column.as_str(), "name" | "company" | "address" | "tags");
            if free_text && value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value }
        })
        .collect()
}

/// A page's customers' primary phone, primary email and tags, by customer.
#[derive(Default)]
struct Contacts {
    phones: HashMap<Uuid, String>,
    emails: HashMap<Uuid, String>,
    tags: HashMap<Uuid, Vec<String>>,
}

/// The primary phones, emails and the tags of a page of customers (three queries, then lookups).
async fn contacts(db: &DatabaseConnection, ids: &[Uuid]) -> Result<Contacts, AppError> {
    let mut out = Contacts::default();
    // Primary first: the first one seen of a customer is kept.
    for p in customer_phone::Entity::find()
        .filter(customer_phone::Column::CustomerId.is_in(ids.to_vec()))
        .order_by_desc(customer_phone::Column::IsPrimary)
        .all(db)
        .await?
    {
        out.phones.entry(p.customer_id).or_insert(p.phone);
    }
    for e in customer_email::Entity::find()
        .filter(customer_email::Column::CustomerId.is_in(ids.to_vec()))
        .order_by_desc(customer_email::Column::IsPrimary)
        .all(db)
        .await?
    {
        out.emails.entry(e.customer_id).or_insert(e.email);
    }
    for t in customer_tag::Entity::find()
        .filter(customer_tag::Column::CustomerId.is_in(ids.to_vec()))
        .order_by_asc(customer_tag::Column::Tag)
        .all(db)
        .await?
    {
        out.tags.entry(t.customer_id).or_default().push(t.tag);
    }
    Ok(out)
}

/// One page of the export's rows, and the cursor after it (`None`: the last page).
async fn page(
    db: &DatabaseConnection,
    scope: &Scope,
    request: &ListRequest,
    columns: &[String],
    unmasked: bool,
) -> Result<(Vec<Vec<String>>, Option<Cursor>), AppError> {
    let result = query::list(db, scope, request, false).await?;
    let ids: Vec<Uuid> = result.rows.iter().map(|r| r.id).collect();
    let found = if ids.is_empty() { Contacts::default() } else { contacts(db, &ids).await? };
    let mut out = Vec::new();
    for row in &result.rows {
        let tags = found.tags.get(&row.id).map_or(&[][..], Vec::as_slice);
        let (phone, email) = (found.phones.get(&row.id), found.emails.get(&row.id));
        out.push(cells(row, columns, phone, email, tags, unmasked));
    }
    let next =
        if result.has_next { result.rows.last().map(|r| Cursor::after(r, request.sort)) } else { None };
    Ok((out, next))
}

/// Streams the customer export a link stands for (as CSV, or an XLSX workbook).
///
/// # Errors
/// `NOT_FOUND` for a link whose parameters no longer make sense.
pub async fn download(state: &AppState, link: &download_link::Model) -> Result<Response, AppError> {
    let params: Value = serde_json::from_str(&link.params).map_err(AppError::internal)?;
    let filter_value =
        async_graphql::Value::from_json(params["filter"].clone()).map_err(AppError::internal)?;
    let filter = <CustomerFilter as InputType>::parse(Some(filter_value))
        .map_err(|_| AppError::NotFound { entity: "download" })?;
    let filter = filter.into_filter().map_err(|_| AppError::NotFound { entity: "download" })?;
    let columns: Vec<String> =
        serde_json::from_value(params["columns"].clone()).map_err(AppError::internal)?;
    let headers: Vec<String> = columns.iter().map(|c| header(c).to_owned()).collect();
    let numeric: Vec<bool> =
        columns.iter().map(|c| matches!(c.as_str(), "stars" | "totalSpend" | "orderCount")).collect();
    let format = ExportFormat::of(&params);
    let db = state.db.clone();
    let scope = Scope::system(link.workspace_id);
    let unmasked = link.unmasked;
    let request =
        ListRequest { filter, sort: Sort::default(), first: PAGE, after: None, include_deleted: false };
    // Stop after the first page that fails: the download then ends short rather than hang.
    let stream = futures_util::stream::unfold(Some(request), move |request| {
        let db = db.clone();
        let scope = scope.clone();
        let columns = columns.clone();
        async move {
            let mut request = request?;
            match page(&db, &scope, &request, &columns, unmasked).await {
                Ok((rows, next)) => {
                    let more = next.map(|cursor| {
                        request.after = Some(cursor);
                        request
                    });
                    Some((Ok(rows), more))
                }
                Err(err) => Some((Err(err), None)),
            }
        }
    });
    let name = format!("customers-{}.{}", Utc::now().format("%Y%m%d-%H%M"), format.as_str());
    match format {
        ExportFormat::Xlsx => xlsx::response(&name, &headers, &numeric, stream).await,
        ExportFormat::Csv => Ok(csv_response(&name, Body::from_stream(csv_stream(&headers, stream)))),
    }
}

/// The CSV body of an export: a BOM (so Excel shows Chinese right), the headers, then each
/// page of rows. It stops after a page that fails: the download then ends short rather than
/// hang.
pub(crate) fn csv_stream<S>(
    headers: &[String],
    pages: S,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static + use<S>
where
    S: futures_util::Stream<Item = Result<Vec<Vec<String>>, AppError>> + Send + 'static,
{
    let mut first = b"\xEF\xBB\xBF".to_vec();
    first.extend(csv_line(headers));
    let rows = futures_util::StreamExt::map(pages, |page| {
        page.map(|rows| rows.iter().flat_map(|cells| csv_line(cells)).collect::<Vec<u8>>())
            .map_err(|err| std::io::Error::other(err.to_string()))
    });
    futures_util::StreamExt::chain(futures_util::stream::once(async move { Ok(first) }), rows)
}

/// A link to a file.
#[derive(SimpleObject)]
pub struct DownloadLink {
    /// Relative to the server: GET it (no credential needed) before `expiresAt`.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

impl From<downloads::Link> for DownloadLink {
    fn from(link: downloads::Link) -> Self {
        Self { url: link.url, expires_at: link.expires_at }
    }
}

#[derive(Default)]
pub struct ExportsMutation;

#[Object]
impl ExportsMutation {
    /// A CSV (or, with `format: XLSX`, an Excel workbook) of the customers `filter` selects
    /// (all live ones without it), with `columns` (default: all of `exportColumns`). Contact
    /// details and birthdays are masked unless the caller holds `pii:read`. Audited. Needs
    /// `data:export`; the link works for 15 minutes.
    async fn export_customers(
        &self,
        ctx: &Context<'_>,
        filter: Option<CustomerFilter>,
        columns: Option<Vec<String>>,
        #[graphql(default)] format: ExportFormat,
    ) -> async_graphql::Result<DownloadLink> {
        let scope = ctx.require(Permission::DataExport)?;
        scope.require(Permission::CustomersRead).map_err(|e| e.extend())?;
        let columns = check_columns(columns, &CUSTOMER_COLUMNS).map_err(|e| e.extend())?;
        let filter = filter.unwrap_or_default();
        // Checked now, so a bad filter is an error here rather than an empty file later.
        filter.clone().into_filter()?;
        let filter_json =
            serde_json::to_value(filter.to_value()).map_err(|e| AppError::internal(e).extend())?;
        let unmasked = scope.can(Permission::PiiRead);
        let params = json!({ "filter": filter_json, "columns": columns, "format": format.as_str() });
        let db = ctx.db()?;
        let txn = crate::db::begin_write(db).await.map_err(|e| AppError::from(e).extend())?;
        let link = downloads::create(&txn, scope, Kind::Customers, &params, unmasked)
            .await
            .map_err(|e| e.extend())?;
        audit::record(
            &txn,
            scope,
            Entry::new("export.customers", "export", Uuid::now_v7()).changes(json!({
                "filter": params["filter"],
                "columns": params["columns"],
                "format": params["format"],
                "unmasked": unmasked,
            })),
        )
        .await
        .map_err(|e| e.extend())?;
        txn.commit().await.map_err(|e| AppError::from(e).extend())?;
        Ok(link.into())
    }

    /// A CSV (or, with `format: XLSX`, an Excel workbook) of the purchases made from `from`
    /// until before `to` (both optional), of one
    /// customer if `customerId` is given: one row per line, oldest first, with the order number,
    /// the customer's name, member number and phone (masked unless the caller holds `pii:read`),
    /// amount, refund and when it was made, payment method, store and the line; `columns` chooses
    /// and orders them (default: all of `exportTransactionColumns`). Its headers are the ones a
    /// purchases import reads, so it imports into another workspace as the same purchases.
    /// Audited. Needs `data:export`; the link works for 15 minutes.
    async fn export_transactions(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        customer_id: Option<ID>,
        columns: Option<Vec<String>>,
        #[graphql(default)] format: ExportFormat,
    ) -> async_graphql::Result<DownloadLink> {
        let scope = ctx.require(Permission::DataExport)?;
        scope.require(Permission::CustomersRead).map_err(|e| e.extend())?;
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            return Err(AppError::bad_input("to", "must be after from").extend());
        }
        let db = ctx.db()?;
        let customer_id = match customer_id {
            Some(id) => {
                let id = crate::users::graphql::parse_id(&id, "customerId")?;
                // Another workspace's customer is not found, as everywhere; a merged-away one is
                // the customer it was merged into.
                Some(crate::customers::service::find(db, scope, id).await.map_err(|e| e.extend())?.id)
            }
            None => None,
        };
        let columns = transactions::chosen(columns).map_err(|e| e.extend())?;
        let period = transactions::Period { from, to, customer_id, columns };
        let params = transactions::params(&period, format);
        let unmasked = scope.can(Permission::PiiRead);
        let txn = crate::db::begin_write(db).await.map_err(|e| AppError::from(e).extend())?;
        let link = downloads::create(&txn, scope, Kind::Transactions, &params, unmasked)
            .await
            .map_err(|e| e.extend())?;
        audit::record(
            &txn,
            scope,
            Entry::new("export.transactions", "export", Uuid::now_v7()).changes(
                json!({ "period": params["period"], "format": params["format"], "unmasked": unmasked }),
            ),
        )
        .await
        .map_err(|e| e.extend())?;
        txn.commit().await.map_err(|e| AppError::from(e).extend())?;
        Ok(link.into())
    }
}

#[derive(Default)]
pub struct ExportsQuery;

#[Object]
impl ExportsQuery {
    /// The columns `exportCustomers` can write.
    async fn export_columns(&self) -> Vec<&'static str> {
        CUSTOMER_COLUMNS.to_vec()
    }

    /// The columns `exportTransactions` can write.
    async fn export_transaction_columns(&self) -> Vec<&'static str> {
        transactions::keys()
    }
}
