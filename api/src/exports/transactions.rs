//! The export of purchases: one row per line of each purchase in a period (and of one customer,
//! if asked), oldest first, as CSV in UTF-8 with a BOM. Its bilingual headers are the ones a
//! purchases import suggests its targets from, so an exported file imports into another
//! workspace as the same purchases. The phone is masked unless the asker holds `pii:read`.
//! Asking is audited (`export.transactions`); the file comes from a download link that expires.

use std::collections::{HashMap, HashSet};

use axum::body::Body;
use axum::response::Response;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use starcrm_shared::customer::{TransactionKind, customer_code};
use starcrm_shared::mask;
use uuid::Uuid;

use super::money;
use crate::entities::{
    channel_identity, customer, customer_phone, download_link, transaction, transaction_item, workspace,
};
use crate::error::AppError;
use crate::imports::http::csv_response;

/// The file's columns, by key, with their headers: Chinese and English, as a purchases import
/// reads them back.
pub const COLUMNS: [(&str, &str); 19] = [
    ("orderNo", "订单号 Order no"),
    ("purchasedAt", "消费时间 Purchased at"),
    ("name", "姓名 Name"),
    ("memberNo", "会员号 Member no"),
    ("phone", "手机 Phone"),
    ("code", "StarCRM 编号 Code"),
    ("amount", "金额 Amount"),
    ("currency", "币种 Currency"),
    ("refunded", "已退款 Refunded"),
    ("refundedAt", "退款时间 Refunded at"),
    ("paymentMethod", "支付方式 Payment method"),
    ("store", "门店 Store"),
    ("channel", "渠道 Channel"),
    ("item", "商品名称 Item"),
    ("sku", "商品编码 SKU"),
    ("category", "商品类别 Category"),
    ("quantity", "数量 Qty"),
    ("unitPrice", "单价 Unit price"),
    ("note", "备注 Note"),
];

/// The keys `exportTransactions` accepts as `columns`.
pub fn keys() -> Vec<&'static str> {
    COLUMNS.iter().map(|(key, _)| *key).collect()
}

/// Purchases per page read from the database.
const PAGE: u64 = 500;

/// What an export covers.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub customer_id: Option<Uuid>,
    /// The chosen columns' keys, in order (absent from links made before: all of them).
    #[serde(default = "all_columns")]
    pub columns: Vec<String>,
}

fn all_columns() -> Vec<String> {
    keys().into_iter().map(str::to_owned).collect()
}

/// Where a page ends: the next page starts after this purchase.
type After = (DateTime<Utc>, Uuid);

/// Free text Excel would run as a formula is written as text.
fn text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() }
}

/// What a page's rows show besides the purchases: their lines, customers, phones and member
/// numbers (four queries, then lookups).
struct Related {
    items: HashMap<Uuid, Vec<transaction_item::Model>>,
    customers: HashMap<Uuid, customer::Model>,
    phones: HashMap<Uuid, String>,
    /// By customer and channel: the member number of the purchase's channel.
    member_nos: HashMap<(Uuid, String), String>,
    /// When each refunded purchase was last refunded.
    refunded_at: HashMap<Uuid, DateTime<Utc>>,
}

impl Related {
    async fn load(db: &DatabaseConnection, purchases: &[transaction::Model]) -> Result<Self, AppError> {
        let ids: Vec<Uuid> = purchases.iter().map(|t| t.id).collect();
        let customer_ids: Vec<Uuid> =
            purchases.iter().map(|t| t.customer_id).collect::<HashSet<_>>().into_iter().collect();
        let mut items: HashMap<Uuid, Vec<transaction_item::Model>> = HashMap::new();
        let refunded: Vec<Uuid> = purchases.iter().filter(|t| t.refunded_minor > 0).map(|t| t.id).collect();
        let refunded_at = if refunded.is_empty() {
            HashMap::new()
        } else {
            transaction::Entity::find()
                .select_only()
                .column(transaction::Column::RefundOf)
                .column_as(transaction::Column::OccurredAt.max(), "latest")
                .filter(transaction::Column::RefundOf.is_in(refunded))
                .group_by(transaction::Column::RefundOf)
                .into_tuple::<(Option<Uuid>, Option<DateTime<Utc>>)>()
                .all(db)
                .await?
                .into_iter()
                .filter_map(|(of, at)| Some((of?, at?)))
                .collect()
        };
        for item in transaction_item::Entity::find()
            .filter(transaction_item::Column::TransactionId.is_in(ids))
            .order_by_asc(transaction_item::Column::Position)
            .all(db)
            .await?
        {
            items.entry(item.transaction_id).or_default().push(item);
        }
        let customers = customer::Entity::find()
            .filter(customer::Column::Id.is_in(customer_ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut phones = HashMap::new();
        // Primary first: the first one seen of a customer is kept.
        for p in customer_phone::Entity::find()
            .filter(customer_phone::Column::CustomerId.is_in(customer_ids.clone()))
            .order_by_desc(customer_phone::Column::IsPrimary)
            .all(db)
            .await?
        {
            phones.entry(p.customer_id).or_insert(p.phone);
        }
        let mut member_nos = HashMap::new();
        for i in channel_identity::Entity::find()
            .filter(channel_identity::Column::CustomerId.is_in(customer_ids))
            .order_by_asc(channel_identity::Column::CreatedAt)
            .all(db)
            .await?
        {
            member_nos.entry((i.customer_id, i.channel)).or_insert(i.external_id);
        }
        Ok(Self { items, customers, phones, member_nos, refunded_at })
    }
}

/// One page of the export's rows, and where the next starts (`None`: the last page).
async fn page(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    period: &Period,
    after: Option<After>,
    tz: Tz,
    unmasked: bool,
) -> Result<(Vec<Vec<String>>, Option<After>), AppError> {
    let mut query = transaction::Entity::find()
        .filter(transaction::Column::WorkspaceId.eq(workspace_id))
        .filter(transaction::Column::Kind.eq(TransactionKind::Purchase.as_str()));
    if let Some(from) = period.from {
        query = query.filter(transaction::Column::OccurredAt.gte(from));
    }
    if let Some(to) = period.to {
        query = query.filter(transaction::Column::OccurredAt.lt(to));
    }
    if let Some(id) = period.customer_id {
        query = query.filter(transaction::Column::CustomerId.eq(id));
    }
    if let Some((at, id)) = after {
        query = query.filter(Condition::any().add(transaction::Column::OccurredAt.gt(at)).add(
            Condition::all().add(transaction::Column::OccurredAt.eq(at)).add(transaction::Column::Id.gt(id)),
        ));
    }
    let purchases = query
        .order_by_asc(transaction::Column::OccurredAt)
        .order_by_asc(transaction::Column::Id)
        .limit(PAGE)
        .all(db)
        .await?;
    let next =
        (purchases.len() as u64 == PAGE).then(|| purchases.last().map(|t| (t.occurred_at, t.id))).flatten();
    if purchases.is_empty() {
        return Ok((Vec::new(), None));
    }
    let Related { items, customers, phones, member_nos, refunded_at } = Related::load(db, &purchases).await?;
    // Where each chosen column sits in a full row.
    let picked: Vec<usize> =
        period.columns.iter().filter_map(|key| COLUMNS.iter().position(|(k, _)| k == key)).collect();
    let mut out = Vec::new();
    for purchase in &purchases {
        // Deleted customers' purchases are not exported, as the customer list leaves them out.
        let Some(buyer) = customers.get(&purchase.customer_id).filter(|c| c.deleted_at.is_none()) else {
            continue;
        };
        let phone = phones
            .get(&buyer.id)
            .map_or_else(String::new, |p| if unmasked { p.clone() } else { mask::phone(p) });
        let member_no = member_nos.get(&(buyer.id, purchase.channel.clone())).cloned().unwrap_or_default();
        let head = [
            // A purchase pushed without an order number gets a stable one, so its lines stay one
            // purchase when the file is imported.
            purchase.external_ref.as_deref().map_or_else(|| format!("SC-{}", purchase.id.simple()), text),
            // With its offset: a workspace in another time zone imports the same moment.
            purchase.occurred_at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S%:z").to_string(),
            text(&buyer.name),
            text(&member_no),
            phone,
            customer_code(buyer.number),
            money(purchase.amount_minor),
            purchase.currency.clone(),
            money(purchase.refunded_minor),
            refunded_at
                .get(&purchase.id)
                .map(|at| at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S%:z").to_string())
                .unwrap_or_default(),
            purchase.payment_method.clone().unwrap_or_default(),
            text(purchase.store.as_deref().unwrap_or_default()),
            purchase.channel.clone(),
        ];
        let note = text(purchase.note.as_deref().unwrap_or_default());
        let lines = items.get(&purchase.id).map_or(&[][..], Vec::as_slice);
        if lines.is_empty() {
            let mut row: Vec<String> = head.to_vec();
            row.extend([
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                note.clone(),
            ]);
            out.push(pick(&row, &picked));
        }
        for item in lines {
            let mut row: Vec<String> = head.to_vec();
            row.extend([
                text(&item.name),
                text(item.sku.as_deref().unwrap_or_default()),
                text(item.category.as_deref().unwrap_or_default()),
                item.quantity.to_string(),
                money(item.unit_price_minor),
                note.clone(),
            ]);
            out.push(pick(&row, &picked));
        }
    }
    Ok((out, next))
}

/// The chosen cells of a full row.
fn pick(row: &[String], picked: &[usize]) -> Vec<String> {
    picked.iter().map(|i| row.get(*i).cloned().unwrap_or_default()).collect()
}

/// Checks the chosen columns (`None`: all of them).
///
/// # Errors
/// `BAD_USER_INPUT` on `columns` (none chosen) or `columns[i]` (not a column, or twice).
pub fn chosen(columns: Option<Vec<String>>) -> Result<Vec<String>, AppError> {
    super::check_columns(columns, &keys())
}

/// Streams the purchases export a link stands for (as CSV, or an XLSX workbook).
///
/// # Errors
/// Database failures before the first byte.
pub async fn download(db: &DatabaseConnection, link: &download_link::Model) -> Result<Response, AppError> {
    let params: Value = serde_json::from_str(&link.params).map_err(AppError::internal)?;
    let period: Period = serde_json::from_value(params["period"].clone()).map_err(AppError::internal)?;
    let format = super::ExportFormat::of(&params);
    let tz: Tz = workspace::Entity::find_by_id(link.workspace_id)
        .one(db)
        .await?
        .and_then(|w| w.timezone.parse().ok())
        .unwrap_or(Tz::UTC);
    let chosen: Vec<&(&str, &str)> =
        period.columns.iter().filter_map(|key| COLUMNS.iter().find(|(k, _)| k == key)).collect();
    let headers: Vec<String> = chosen.iter().map(|(_, h)| (*h).to_owned()).collect();
    let numeric: Vec<bool> =
        chosen.iter().map(|(k, _)| matches!(*k, "amount" | "refunded" | "quantity" | "unitPrice")).collect();
    let (db, workspace_id, unmasked) = (db.clone(), link.workspace_id, link.unmasked);
    let pages = futures_util::stream::unfold(Some(None), move |state: Option<Option<After>>| {
        let db = db.clone();
        let period = period.clone();
        async move {
            let after = state?;
            match page(&db, workspace_id, &period, after, tz, unmasked).await {
                Ok((rows, next)) => Some((Ok(rows), next.map(Some))),
                Err(err) => Some((Err(err), None)),
            }
        }
    });
    let name = format!("purchases-{}.{}", Utc::now().format("%Y%m%d-%H%M"), format.as_str());
    match format {
        super::ExportFormat::Xlsx => super::xlsx::response(&name, &headers, &numeric, pages).await,
        super::ExportFormat::Csv => {
            Ok(csv_response(&name, Body::from_stream(super::csv_stream(&headers, pages))))
        }
    }
}

/// The parameters a link keeps.
pub fn params(period: &Period, format: super::ExportFormat) -> Value {
    json!({ "period": period, "format": format.as_str() })
}
