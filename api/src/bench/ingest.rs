//! `starcrm bench ingest`: writes through the API (createCustomer, recordTransaction over HTTP,
//! with validation, audit, search outbox and real-time re-rating) against the bare inserts of the
//! same rows through the same pool, at 1 and 8 concurrent clients; p50/p95/p99, writes/s and the
//! ratio of p95s. Targets on SQLite at 8 clients: >= 500 writes/s and p95 <= 50 ms through the API.
//!
//! It works in a new workspace of its own (`Bench ingest <time>`) in the database the settings
//! name: run it on a scratch data dir or database.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;
use starcrm_shared::customer::LifecycleStage;
use uuid::Uuid;

use super::{ListOptions, Served, measure, owner_token, post, side_by_side};
use crate::config::Settings;
use crate::entities::{customer, customer_phone, transaction};
use crate::state::AppState;
use crate::{customers, db};

const CREATE: &str = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }";
const PURCHASE: &str =
    "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { transaction { id } } }";

/// A phone number unique to request `i` of run `run` (valid mainland mobile format).
fn phone(run: u64, i: usize) -> String {
    format!("139{:08}", (run * 10_000_000 + i as u64) % 100_000_000)
}

/// `starcrm bench ingest`.
///
/// # Errors
/// The database or the server failing, or an API answer with errors.
#[allow(clippy::too_many_lines, reason = "two scenarios, each a baseline and an API side")]
pub async fn ingest(settings: &Settings, options: ListOptions) -> anyhow::Result<()> {
    let mut settings = settings.clone();
    settings.session_rate = u32::MAX;
    let state = AppState::init(&settings).await?;
    let name = format!("Bench ingest {}", Utc::now().format("%Y-%m-%d %H:%M:%S"));
    let workspace = super::scratch_workspace(&state, &name).await?;
    let token = owner_token(&state, workspace.id).await?;
    let served = Served::start(state.clone()).await?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    println!(
        "bench ingest: workspace {name} ({:?}), {} writes per run, pool of {} connections",
        state.info.database, options.requests, settings.db_max_connections
    );

    // Every request writes rows of its own: a run number keeps phones and refs apart.
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(1));
    let next_run = {
        let runs = std::sync::Arc::clone(&runs);
        move || runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    };

    // createCustomer: a name, a phone, a tag.
    let bare_customer = {
        let (db, ws, next_run) = (state.db.clone(), workspace.id, next_run.clone());
        let run = next_run();
        move |i: usize| {
            let db = db.clone();
            async move {
                let txn = db::begin_write(&db).await?;
                let number = customers::service::allocate_numbers(&txn, ws, 1)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let now = Utc::now();
                let id = Uuid::now_v7();
                customer::ActiveModel {
                    id: Set(id),
                    workspace_id: Set(ws),
                    number: Set(number),
                    name: Set(format!("Bare {i}")),
                    gender: Set("unknown".to_owned()),
                    lifecycle_stage: Set(LifecycleStage::Lead.as_str().to_owned()),
                    first_seen_at: Set(now),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                customer_phone::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    workspace_id: Set(ws),
                    customer_id: Set(id),
                    phone: Set(phone(run * 2, i)),
                    is_primary: Set(true),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                txn.commit().await?;
                Ok(())
            }
        }
    };
    let api_customer = {
        let (client, url, token) = (client.clone(), served.url.clone(), token.clone());
        let run = next_run();
        move |i: usize| {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            async move {
                let input = json!({ "name": format!("Api {i}"), "phones": [{ "value": phone(run * 2 + 1, i) }], "tags": ["bench"] });
                post(
                    &client,
                    &url,
                    &token,
                    &json!({ "query": CREATE, "variables": { "input": input } }),
                    b"createCustomer",
                )
                .await
            }
        }
    };
    measure(20, 2, bare_customer.clone()).await?;
    measure(20, 2, api_customer.clone()).await?;
    println!("\ncreateCustomer (name, phone, tag) vs bare insert of the customer and phone rows:");
    let customers = side_by_side(&options, "bare insert", bare_customer, api_customer).await?;

    // recordTransaction: a purchase of a customer named by phone, re-rated in real time.
    let buyers: Vec<String> = (0..50).map(|i| phone(9_999, i)).collect();
    for (i, buyer) in buyers.iter().enumerate() {
        let input = json!({ "name": format!("Buyer {i}"), "phones": [{ "value": buyer }] });
        post(
            &client,
            &served.url,
            &token,
            &json!({ "query": CREATE, "variables": { "input": input } }),
            b"createCustomer",
        )
        .await?;
    }
    let buyer_ids: Vec<Uuid> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        customer::Entity::find()
            .filter(customer::Column::WorkspaceId.eq(workspace.id))
            .filter(customer::Column::Name.starts_with("Buyer "))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect()
    };
    let bare_purchase = {
        let (db, ws, ids) = (state.db.clone(), workspace.id, std::sync::Arc::new(buyer_ids));
        move |i: usize| {
            let (db, ids) = (db.clone(), std::sync::Arc::clone(&ids));
            async move {
                let txn = db::begin_write(&db).await?;
                transaction::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    workspace_id: Set(ws),
                    customer_id: Set(ids[i % ids.len()]),
                    kind: Set("purchase".to_owned()),
                    status: Set("completed".to_owned()),
                    channel: Set("store".to_owned()),
                    occurred_at: Set(Utc::now()),
                    amount_minor: Set(12_800),
                    currency: Set("CNY".to_owned()),
                    refunded_minor: Set(0),
                    refund_of: Set(None),
                    payment_method: Set(None),
                    store: Set(None),
                    location: Set(None),
                    external_ref: Set(Some(format!("bare-{}", Uuid::now_v7().simple()))),
                    note: Set(None),
                    import_id: Set(None),
                    import_row: Set(None),
                    created_at: Set(Utc::now()),
                }
                .insert(&txn)
                .await?;
                txn.commit().await?;
                Ok(())
            }
        }
    };
    let api_purchase = {
        let (client, url, token, buyers) =
            (client.clone(), served.url.clone(), token.clone(), std::sync::Arc::new(buyers));
        move |i: usize| {
            let (client, url, token, buyers) =
                (client.clone(), url.clone(), token.clone(), std::sync::Arc::clone(&buyers));
            async move {
                let input = json!({
                    "customer": { "phone": buyers[i % buyers.len()] },
                    "channel": "STORE",
                    "amountMinor": 12_800,
                    "externalRef": format!("api-{}", Uuid::now_v7().simple()),
                });
                post(
                    &client,
                    &url,
                    &token,
                    &json!({ "query": PURCHASE, "variables": { "input": input } }),
                    b"recordTransaction",
                )
                .await
            }
        }
    };
    measure(20, 2, bare_purchase.clone()).await?;
    measure(20, 2, api_purchase.clone()).await?;
    println!("recordTransaction (by phone, with real-time re-rating) vs bare insert of the transaction row:");
    let purchases = side_by_side(&options, "bare insert", bare_purchase, api_purchase).await?;
    served.stop().await?;

    for (what, rows) in [("createCustomer", customers), ("recordTransaction", purchases)] {
        for super::Compared { concurrency, api_p95, base_p95: bare_p95, api_rate } in rows {
            let target = if concurrency >= 8 && state.info.database == starcrm_shared::DatabaseKind::Sqlite {
                format!(
                    "; target at 8 clients on SQLite: >= 500 writes/s ({}) and p95 <= 50 ms ({})",
                    if api_rate >= 500.0 { "met" } else { "NOT met" },
                    if api_p95 <= 50.0 { "met" } else { "NOT met" }
                )
            } else {
                String::new()
            };
            println!(
                "{what} concurrency {concurrency}: API p95 / bare p95 = {:.2}; API {api_rate:.0} writes/s, p95 {api_p95:.1} ms{target}",
                api_p95 / bare_p95.max(1e-6)
            );
        }
    }
    Ok(())
}
