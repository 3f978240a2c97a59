//! Recommendations (issue 22): what the insight pass learns from baskets, and each customer's
//! top products.
//!
//! A basket is a purchase's distinct products (not refunded; a product is its SKU, else its
//! name). The pass counts, with set-based SQL, the baskets, each product's baskets and every pair
//! of products bought together in at least [`MIN_PAIR_BASKETS`] baskets (a self-join of the
//! baskets on the purchase), turns them into associations (`shared::insight::recommend`: support,
//! confidence, lift; the strongest per product) and rewrites `product_stats` and
//! `product_associations`. It then checks itself offline on a sample of customers: each one's
//! last purchase held out, the associations learnt from the counts without those purchases, the
//! hit rate of their top 10 against the 10 best sellers.
//!
//! A customer's recommendations are worked out when asked, from their own purchases (what they
//! bought, and what within the last 90 days) and the stored associations of those products.

#![allow(clippy::implicit_hasher, reason = "the maps and sets are built here with the default hasher")]

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use futures_util::TryStreamExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    Statement, StreamTrait,
};
use starcrm_shared::customer::{TransactionKind, TransactionStatus};
use starcrm_shared::insight::recommend::{
    Association, Basket, Counts, Index, MIN_PAIR_BASKETS, PER_PRODUCT, RECENT_DAYS, Reason, Recommendation,
    TOP, associations, recommend, score_held_out,
};
use starcrm_shared::insight::report::RecommendationReport;
use uuid::Uuid;

use crate::entities::{product_association, product_stat};
use crate::error::AppError;

/// Customers the offline check looks at, at most (an even sample across the workspace).
pub const EVALUATION_SAMPLE: u64 = 20_000;
/// Customers whose purchases are read per query in the offline check.
const EVALUATION_CHUNK: usize = 500;
/// Rows written per statement.
const WRITE_CHUNK: usize = 500;

/// A product's key in SQL: its SKU, else its name.
const PRODUCT: &str = "COALESCE(NULLIF(i.sku, ''), i.name)";

/// `FROM` and `WHERE` of a workspace's purchase lines (`t` the purchase, `i` the line); `$1`
/// the workspace.
fn lines_sql() -> String {
    format!(
        "FROM transaction_items i JOIN transactions t ON t.id = i.transaction_id \
         WHERE i.workspace_id = $1 AND t.workspace_id = $1 AND t.kind = '{purchase}' AND t.status <> '{refunded}'",
        purchase = TransactionKind::Purchase.as_str(),
        refunded = TransactionStatus::Refunded.as_str(),
    )
}

/// Pairs of products bought together in at least [`MIN_PAIR_BASKETS`] baskets, with their
/// basket counts: the baskets joined to themselves on the purchase. `$1` the workspace.
pub fn pairs_sql() -> String {
    format!(
        "WITH b AS (SELECT DISTINCT i.transaction_id AS tx, {PRODUCT} AS p {lines}) \
         SELECT x.p, y.p, COUNT(*) FROM b x JOIN b y ON x.tx = y.tx AND x.p < y.p \
         GROUP BY x.p, y.p HAVING COUNT(*) >= {MIN_PAIR_BASKETS}",
        lines = lines_sql()
    )
}

/// A product as the pass read it.
struct Product {
    name: String,
    category: Option<String>,
    baskets: u64,
}

/// Counts the workspace's baskets, products and pairs (pairs in fewer than
/// [`MIN_PAIR_BASKETS`] baskets left out: they never count).
async fn count(
    db: &DatabaseConnection,
    workspace_id: Uuid,
) -> Result<(Counts<String>, HashMap<String, Product>), AppError> {
    let backend = db.get_database_backend();
    let lines = lines_sql();
    let baskets: i64 = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!("SELECT COUNT(DISTINCT i.transaction_id) {lines}"),
            [workspace_id.into()],
        ))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    let mut counts = Counts { baskets: baskets.unsigned_abs(), ..Counts::default() };
    let mut products = HashMap::new();
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT {PRODUCT} AS p, COUNT(DISTINCT i.transaction_id), MAX(i.name), MAX(i.category) {lines} \
                 GROUP BY {PRODUCT}"
            ),
            [workspace_id.into()],
        ))
        .await?;
    for row in rows {
        let key: String = row.try_get_by_index(0)?;
        let n = row.try_get_by_index::<i64>(1)?.unsigned_abs();
        counts.products.insert(key.clone(), n);
        products.insert(
            key,
            Product { name: row.try_get_by_index(2)?, category: row.try_get_by_index(3)?, baskets: n },
        );
    }
    // The pair's order in SQL follows the database's collation; the counts keep it in Rust's.
    let mut stream =
        db.stream_raw(Statement::from_sql_and_values(backend, pairs_sql(), [workspace_id.into()])).await?;
    while let Some(row) = stream.try_next().await? {
        let (a, b): (String, String) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        let n = row.try_get_by_index::<i64>(2)?.unsigned_abs();
        let key = if a < b { (a, b) } else { (b, a) };
        *counts.pairs.entry(key).or_default() += n;
    }
    Ok((counts, products))
}

/// Each sampled customer's baskets in order (an even sample of up to [`EVALUATION_SAMPLE`]
/// customers with two purchases or more), day numbers at `offset` seconds from UTC.
async fn sample_histories(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    offset: i32,
) -> Result<Vec<Vec<Basket<String>>>, AppError> {
    let backend = db.get_database_backend();
    let live = "workspace_id = $1 AND order_count >= 2 AND merged_into IS NULL AND deleted_at IS NULL \
                AND erased_at IS NULL";
    let total: i64 = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!("SELECT COUNT(*) FROM customers WHERE {live}"),
            [workspace_id.into()],
        ))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    let step = total.unsigned_abs().div_ceil(EVALUATION_SAMPLE).max(1);
    let mut ids = Vec::new();
    let mut stream = db
        .stream_raw(Statement::from_sql_and_values(
            backend,
            format!("SELECT id FROM customers WHERE {live} ORDER BY id"),
            [workspace_id.into()],
        ))
        .await?;
    let mut n = 0_u64;
    while let Some(row) = stream.try_next().await? {
        if n.is_multiple_of(step) {
            ids.push(row.try_get_by_index::<Uuid>(0)?);
        }
        n += 1;
    }
    drop(stream);
    let day = super::pass::day_sql(backend, offset);
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(EVALUATION_CHUNK) {
        let marks = crate::db::placeholders(2, chunk.len());
        let sql = format!(
            "SELECT t.customer_id, t.id, {day}, {PRODUCT} {lines} AND t.customer_id IN ({marks}) \
             ORDER BY t.customer_id, t.occurred_at, t.id",
            lines = lines_sql()
        );
        let mut values: Vec<sea_orm::Value> = vec![workspace_id.into()];
        values.extend(chunk.iter().map(|id| sea_orm::Value::from(*id)));
        let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
        let mut current: Option<(Uuid, Uuid)> = None;
        let mut baskets: Vec<Basket<String>> = Vec::new();
        for row in rows {
            let (customer, tx): (Uuid, Uuid) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
            let (day, product): (i64, String) = (row.try_get_by_index(2)?, row.try_get_by_index(3)?);
            if current.map(|(c, _)| c) != Some(customer) && !baskets.is_empty() {
                out.push(std::mem::take(&mut baskets));
            }
            if current != Some((customer, tx)) {
                baskets.push(Basket { day, products: Vec::new() });
                current = Some((customer, tx));
            }
            if let Some(b) = baskets.last_mut() {
                b.products.push(product);
            }
        }
        if !baskets.is_empty() {
            out.push(baskets);
        }
    }
    Ok(out)
}

/// Learns the workspace's associations, stores them with the products, and checks them offline.
///
/// # Errors
/// Database failures.
pub async fn learn(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    offset: i32,
) -> Result<RecommendationReport, AppError> {
    let (counts, products) = count(db, workspace_id).await?;
    let kept = associations(&counts, MIN_PAIR_BASKETS, PER_PRODUCT);
    store(db, workspace_id, &products, &kept).await?;
    // The offline check: the sample's last purchases taken out of the counts, so the
    // associations it scores were learnt without them.
    let sample = sample_histories(db, workspace_id, offset).await?;
    let mut training = counts.clone();
    for baskets in &sample {
        if baskets.len() >= 2
            && let Some(last) = baskets.last()
        {
            training.remove_basket(&last.products);
        }
    }
    let evaluation = score_held_out(&Index::of(&training), &sample, TOP);
    Ok(RecommendationReport {
        baskets: counts.baskets,
        products: counts.products.len() as u64,
        associations: kept.len() as u64,
        evaluation,
    })
}

/// Rewrites the workspace's products and associations in one transaction.
async fn store(
    db: &DatabaseConnection,
    workspace_id: Uuid,
    products: &HashMap<String, Product>,
    kept: &[Association<String>],
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    product_association::Entity::delete_many()
        .filter(product_association::Column::WorkspaceId.eq(workspace_id))
        .exec(&txn)
        .await?;
    product_stat::Entity::delete_many()
        .filter(product_stat::Column::WorkspaceId.eq(workspace_id))
        .exec(&txn)
        .await?;
    let rows: Vec<product_stat::ActiveModel> = products
        .iter()
        .map(|(key, p)| product_stat::ActiveModel {
            workspace_id: Set(workspace_id),
            product: Set(key.clone()),
            name: Set(p.name.clone()),
            category: Set(p.category.clone()),
            baskets: Set(i64::try_from(p.baskets).unwrap_or(i64::MAX)),
        })
        .collect();
    for chunk in rows.chunks(WRITE_CHUNK) {
        product_stat::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
    }
    let rows: Vec<product_association::ActiveModel> = kept
        .iter()
        .map(|a| product_association::ActiveModel {
            workspace_id: Set(workspace_id),
            from_product: Set(a.from.clone()),
            to_product: Set(a.to.clone()),
            baskets: Set(i64::try_from(a.baskets).unwrap_or(i64::MAX)),
            support: Set(a.support),
            confidence: Set(a.confidence),
            lift: Set(a.lift),
        })
        .collect();
    for chunk in rows.chunks(WRITE_CHUNK) {
        product_association::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// A product's name and category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductInfo {
    pub product: String,
    pub name: String,
    pub category: Option<String>,
}

/// Names and categories of `keys` (a key the pass has not seen stands for itself).
///
/// # Errors
/// Database failures.
pub async fn products(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    keys: impl IntoIterator<Item = String>,
) -> Result<HashMap<String, ProductInfo>, AppError> {
    let keys: Vec<String> = keys.into_iter().collect::<HashSet<_>>().into_iter().collect();
    let mut out: HashMap<String, ProductInfo> = HashMap::new();
    for chunk in keys.chunks(WRITE_CHUNK) {
        for p in product_stat::Entity::find()
            .filter(product_stat::Column::WorkspaceId.eq(workspace_id))
            .filter(product_stat::Column::Product.is_in(chunk.iter().cloned()))
            .all(conn)
            .await?
        {
            out.insert(
                p.product.clone(),
                ProductInfo { product: p.product, name: p.name, category: p.category },
            );
        }
    }
    for key in keys {
        out.entry(key.clone()).or_insert_with(|| ProductInfo {
            product: key.clone(),
            name: key,
            category: None,
        });
    }
    Ok(out)
}

/// The best sellers a list of `k` may need when `skip` products are left out: every product
/// selling at least as much as the `(k + skip)`th (ties included, so the order is Rust's, not
/// the database collation's), and the workspace's basket count.
async fn best_sellers(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    k: usize,
    skip: usize,
) -> Result<Vec<(String, u64)>, AppError> {
    let nth = u64::try_from(k + skip).unwrap_or(u64::MAX).max(1) - 1;
    let threshold: Option<i64> = product_stat::Entity::find()
        .select_only()
        .column(product_stat::Column::Baskets)
        .filter(product_stat::Column::WorkspaceId.eq(workspace_id))
        .order_by_desc(product_stat::Column::Baskets)
        .offset(nth)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    let rows: Vec<(String, i64)> = product_stat::Entity::find()
        .select_only()
        .column(product_stat::Column::Product)
        .column(product_stat::Column::Baskets)
        .filter(product_stat::Column::WorkspaceId.eq(workspace_id))
        .filter(product_stat::Column::Baskets.gte(threshold.unwrap_or(0)))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(p, n)| (p, n.unsigned_abs())).collect())
}

/// The workspace's basket count from the last pass (0 before one).
async fn baskets(conn: &impl ConnectionTrait, workspace_id: Uuid) -> Result<u64, AppError> {
    let report = super::settings::last(conn, workspace_id).await?;
    let report: Option<starcrm_shared::insight::report::ModelReport> =
        report.and_then(|r| r.report).and_then(|text| serde_json::from_str(&text).ok());
    Ok(report.and_then(|r| r.recommendations).map_or(0, |r| r.baskets))
}

/// What some customers bought: each one's products, and those bought since `since`.
///
/// # Errors
/// Database failures.
pub async fn bought(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    customers: &[Uuid],
    since: DateTime<Utc>,
) -> Result<HashMap<Uuid, (Vec<String>, HashSet<String>)>, AppError> {
    let backend = conn.get_database_backend();
    let mut out: HashMap<Uuid, (Vec<String>, HashSet<String>)> = HashMap::new();
    for chunk in customers.chunks(EVALUATION_CHUNK) {
        let marks = crate::db::placeholders(2, chunk.len());
        let sql = format!(
            "SELECT t.customer_id, {PRODUCT}, MAX(t.occurred_at) {lines} AND t.customer_id IN ({marks}) \
             GROUP BY t.customer_id, {PRODUCT}",
            lines = lines_sql()
        );
        let mut values: Vec<sea_orm::Value> = vec![workspace_id.into()];
        values.extend(chunk.iter().map(|id| sea_orm::Value::from(*id)));
        for row in conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await? {
            let customer: Uuid = row.try_get_by_index(0)?;
            let product: String = row.try_get_by_index(1)?;
            // MIN/MAX of a timestamp reads back on both databases (as `pass::run` relies on).
            let last: DateTime<Utc> = row.try_get_by_index(2)?;
            let entry = out.entry(customer).or_default();
            if last >= since {
                entry.1.insert(product.clone());
            }
            entry.0.push(product);
        }
    }
    Ok(out)
}

/// The index for customers who bought `products` (their stored associations and the best
/// sellers a list of `k` needs when up to `skip` are left out).
///
/// # Errors
/// Database failures.
pub async fn index_for(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    products: &HashSet<String>,
    k: usize,
    skip: usize,
) -> Result<Index<String>, AppError> {
    let keys: Vec<String> = products.iter().cloned().collect();
    let mut found = Vec::new();
    for chunk in keys.chunks(WRITE_CHUNK) {
        found.extend(
            product_association::Entity::find()
                .filter(product_association::Column::WorkspaceId.eq(workspace_id))
                .filter(product_association::Column::FromProduct.is_in(chunk.iter().cloned()))
                .all(conn)
                .await?
                .into_iter()
                .map(|a| Association {
                    from: a.from_product,
                    to: a.to_product,
                    baskets: a.baskets.unsigned_abs(),
                    support: a.support,
                    confidence: a.confidence,
                    lift: a.lift,
                }),
        );
    }
    let popular = best_sellers(conn, workspace_id, k, skip).await?;
    Ok(Index::new(found, popular, baskets(conn, workspace_id).await?))
}

/// A customer's top `k` products not bought within [`RECENT_DAYS`] of `now`.
///
/// # Errors
/// Database failures.
pub async fn for_customer(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    customer_id: Uuid,
    k: usize,
    now: DateTime<Utc>,
) -> Result<Vec<Recommendation<String>>, AppError> {
    let mut mine = bought(conn, workspace_id, &[customer_id], now - Duration::days(RECENT_DAYS)).await?;
    let (products, recent) = mine.remove(&customer_id).unwrap_or_default();
    let distinct: HashSet<String> = products.iter().cloned().collect();
    let index = index_for(conn, workspace_id, &distinct, k, recent.len()).await?;
    Ok(recommend(&index, &products, &recent, k))
}

/// Each customer's first recommendation, by product name (for a campaign's
/// `{recommendation}`): what [`for_customer`] would list first. Customers without one (a
/// workspace with no products) are left out.
///
/// # Errors
/// Database failures.
pub async fn first_for(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    customers: &[Uuid],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, String>, AppError> {
    if customers.is_empty() {
        return Ok(HashMap::new());
    }
    let mut bought = bought(conn, workspace_id, customers, now - Duration::days(RECENT_DAYS)).await?;
    let all: HashSet<String> = bought.values().flat_map(|(products, _)| products.iter().cloned()).collect();
    let skip = bought.values().map(|(_, recent)| recent.len()).max().unwrap_or(0);
    let index = index_for(conn, workspace_id, &all, 1, skip).await?;
    let mut firsts: HashMap<Uuid, String> = HashMap::new();
    for id in customers {
        let (products, recent) = bought.remove(id).unwrap_or_default();
        if let Some(first) = recommend(&index, &products, &recent, 1).into_iter().next() {
            firsts.insert(*id, first.product);
        }
    }
    let names = products(conn, workspace_id, firsts.values().cloned().collect::<Vec<_>>()).await?;
    Ok(firsts
        .into_iter()
        .map(|(id, key)| {
            let name = names.get(&key).map_or(key.clone(), |p| p.name.clone());
            (id, name)
        })
        .collect())
}

/// The strongest associations of the workspace, most baskets first.
///
/// # Errors
/// Database failures.
pub async fn top_associations(
    conn: &impl ConnectionTrait,
    workspace_id: Uuid,
    first: u64,
    offset: u64,
) -> Result<Vec<product_association::Model>, AppError> {
    Ok(product_association::Entity::find()
        .filter(product_association::Column::WorkspaceId.eq(workspace_id))
        .order_by_desc(product_association::Column::Baskets)
        .order_by_desc(product_association::Column::Confidence)
        .order_by_asc(product_association::Column::FromProduct)
        .order_by_asc(product_association::Column::ToProduct)
        .offset(offset)
        .limit(first)
        .all(conn)
        .await?)
}

/// Why a product is recommended, in words (`zh`: Chinese).
pub fn reason_text(reason: &Reason<String>, names: &HashMap<String, ProductInfo>, zh: bool) -> String {
    match (reason, zh) {
        (Reason::OftenBoughtWith(p), true) => {
            format!("常与「{}」一起购买", names.get(p).map_or(p.as_str(), |i| i.name.as_str()))
        }
        (Reason::OftenBoughtWith(p), false) => {
            format!("Often bought with {}", names.get(p).map_or(p.as_str(), |i| i.name.as_str()))
        }
        (Reason::Popular, true) => "本店热销".to_owned(),
        (Reason::Popular, false) => "One of the best sellers".to_owned(),
    }
}
