//! `starcrm bench ...`: performance checks that compare the API with a baseline measured in the
//! same run on the same machine and database, and print the ratio (never a timed assertion).
//!
//! `bench list`: the customers page (50 rows, a filter and a sort) through the real server over
//! HTTP, and the bare SQL of the same page through the same connection pool, each at 1 and 32
//! concurrent clients; p50 / p95 / p99 and API p95 / SQL p95.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;
use starcrm_shared::Role;
use starcrm_shared::customer::{CustomerSort, LifecycleStage};
use tokio::net::TcpListener;

use crate::auth::{RequestMeta, Scope, sessions};
use crate::config::{RerateBench, Settings};
use crate::customers::query::{self, Filter, ListRequest, Range, Sort};
use crate::entities::{customer, star_history, user, workspace};
use crate::seed::generator::Rng;
use crate::state::AppState;
use crate::{http, seed, server};

mod import;
mod ingest;
mod insight;
mod points;
mod segments;
mod surveys;
mod tickets;

/// A new workspace of a benchmark's own, with a throwaway owner.
///
/// # Errors
/// The database failing.
pub async fn scratch_workspace(state: &AppState, name: &str) -> anyhow::Result<workspace::Model> {
    let (workspace, _) = crate::workspaces::service::create(
        &state.db,
        &RequestMeta::default(),
        crate::workspaces::service::NewWorkspace {
            name: name.to_owned(),
            timezone: None,
            currency: None,
            owner_email: format!("bench-{}@bench.invalid", uuid::Uuid::now_v7().simple()),
            owner_name: "Bench".to_owned(),
            owner_password: format!(
                "bench-{}-{}",
                uuid::Uuid::now_v7().simple(),
                uuid::Uuid::now_v7().simple()
            ),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(workspace)
}

/// Generates `plan`'s customers and purchases into `workspace_id` and prints what was written
/// and in how long.
///
/// # Errors
/// The database failing.
pub async fn generate_printed(
    db: &sea_orm::DatabaseConnection,
    workspace_id: uuid::Uuid,
    plan: seed::generator::Plan,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let written = seed::generator::generate(db, workspace_id, plan, |_| {})
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "  generated {} customers, {} purchases ({} rows) in {:.1} s",
        written.customers,
        written.transactions,
        written.rows(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub use import::import;
pub use ingest::ingest;
pub use insight::{InsightSize, insight};
pub use points::points;
pub use segments::segments;
pub use surveys::surveys;
pub use tickets::tickets;

/// Knobs of `bench list`.
#[derive(Clone, Debug)]
pub struct ListOptions {
    /// Workspace by id or name (default: the demo workspace).
    pub workspace: Option<String>,
    /// Timed requests per concurrency level and side.
    pub requests: usize,
    pub concurrency: Vec<usize>,
}

const PAGE_QUERY: &str = "query($min: Int!) {
  customers(first: 50, filter: { lifecycleStages: [ACTIVE, LOYAL], orderCount: { min: $min } },
            orderBy: { field: TOTAL_SPEND }) {
    pageInfo { hasNextPage endCursor }
    edges { node { id code name stars lifecycleStage totalSpend { amountMinor currency } orderCount lastPurchaseAt } }
  }
}";

/// The page both sides read: active or loyal customers with at least `min` orders, biggest
/// spenders first, 50 rows.
fn request(min: i32) -> ListRequest {
    ListRequest {
        filter: Filter {
            lifecycle_stages: Some(vec![LifecycleStage::Active, LifecycleStage::Loyal]),
            order_count: Some(Range { min: Some(min), max: None }),
            ..Filter::default()
        },
        sort: Sort { key: CustomerSort::TotalSpend, descending: true },
        first: 50,
        after: None,
        include_deleted: false,
    }
}

/// Latencies of one run, sorted.
struct Sample {
    latencies: Vec<Duration>,
    wall: Duration,
}

impl Sample {
    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "an index"
        )]
        let rank = ((p / 100.0) * (self.latencies.len() as f64 - 1.0)).round() as usize;
        self.latencies[rank.min(self.latencies.len() - 1)]
    }

    #[allow(clippy::cast_precision_loss, reason = "a rate")]
    fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `requests` calls of `call` spread over `concurrency` workers.
async fn measure<F, Fut>(requests: usize, concurrency: usize, call: F) -> anyhow::Result<Sample>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let call = Arc::new(call);
    let started = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let call = Arc::clone(&call);
        let count = requests / concurrency + usize::from(worker < requests % concurrency);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(count);
            for i in 0..count {
                let t = Instant::now();
                call(worker * 1_000_003 + i).await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    for worker in workers {
        latencies.extend(worker.await.context("bench worker panicked")??);
    }
    latencies.sort_unstable();
    Ok(Sample { latencies, wall: started.elapsed() })
}

/// The real router served on a free local port for the duration of a benchmark.
struct Served {
    /// `http://127.0.0.1:PORT/graphql`.
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    serving: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Served {
    async fn start(state: AppState) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/graphql", listener.local_addr()?);
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(server::serve(
            listener,
            http::router(state),
            async move {
                let _ = stop_rx.await;
            },
            Duration::from_secs(5),
        ));
        Ok(Self { url, stop, serving })
    }

    async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.serving.await.context("server task")?
    }
}

/// Posts a GraphQL request and checks the answer is `field`'s data without errors. The answer is
/// read whole but not parsed into a document: what is timed is the server's work, not the
/// benchmark's JSON parsing.
async fn post(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &serde_json::Value,
    field: &[u8],
) -> anyhow::Result<()> {
    let response = client.post(url).bearer_auth(token).json(body).send().await?.bytes().await?;
    let expected = [br#"{"data":{""#.as_slice(), field, b"\""].concat();
    if !response.starts_with(&expected) || response.windows(9).any(|w| w == br#""errors""#) {
        bail!("the API answered with errors: {}", String::from_utf8_lossy(&response));
    }
    Ok(())
}

/// The workspace to read, its customer count, and an access token of its owner.
async fn prepare(
    state: &AppState,
    workspace: Option<&str>,
) -> anyhow::Result<(workspace::Model, u64, String)> {
    let db = &state.db;
    let workspace = seed::find_workspace(db, workspace)
        .await
        .map_err(|e| anyhow::anyhow!("{e}: give --workspace, or run `starcrm seed --customers N` first"))?;
    let customers =
        customer::Entity::find().filter(customer::Column::WorkspaceId.eq(workspace.id)).count(db).await?;
    if customers == 0 {
        bail!("workspace {} has no customers: run `starcrm seed --customers 1000000` first", workspace.name);
    }
    let token = owner_token(state, workspace.id).await?;
    Ok((workspace, customers, token))
}

/// An access token of a new session of the workspace's owner (it lasts minutes: a benchmark that
/// first spends long building takes a new one).
async fn owner_token(state: &AppState, workspace_id: uuid::Uuid) -> anyhow::Result<String> {
    let db = &state.db;
    let owner = user::Entity::find()
        .filter(user::Column::WorkspaceId.eq(workspace_id))
        .filter(user::Column::Role.eq(Role::Owner.as_str()))
        .order_by_asc(user::Column::Id)
        .one(db)
        .await?
        .context("the workspace has no owner")?;
    Ok(sessions::start(db, &state.auth, &RequestMeta::default(), &owner)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .access_token)
}

/// `starcrm bench list`.
///
/// # Errors
/// No such workspace or no customers in it, the database or the server failing.
pub async fn list(settings: &Settings, options: ListOptions) -> anyhow::Result<()> {
    let mut settings = settings.clone();
    // The bench drives one session far harder than people do.
    settings.session_rate = u32::MAX;
    let state = AppState::init(&settings).await?;
    let db = state.db.clone();
    let (workspace, customers, token) = prepare(&state, options.workspace.as_deref()).await?;
    let scope = Scope::system(workspace.id);

    let served = Served::start(state.clone()).await?;
    let url = served.url.clone();
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;

    println!(
        "bench list: workspace {} ({customers} customers, {:?}), {} requests per run, pool of {} connections",
        workspace.name, state.info.database, options.requests, settings.db_max_connections
    );
    println!("page: 50 rows, lifecycle ACTIVE or LOYAL, orderCount >= 1..5, sorted by total spend (desc)");

    let api = {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        move |i: usize| {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            async move {
                let min = i32::try_from(1 + Rng::new(i as u64).below(5)).unwrap_or(1);
                post(
                    &client,
                    &url,
                    &token,
                    &json!({ "query": PAGE_QUERY, "variables": { "min": min } }),
                    b"customers",
                )
                .await
            }
        }
    };
    let sql = {
        let (db, scope) = (db.clone(), scope.clone());
        move |i: usize| {
            let (db, scope) = (db.clone(), scope.clone());
            async move {
                let min = i32::try_from(1 + Rng::new(i as u64).below(5)).unwrap_or(1);
                let (statement, _) = query::page_query(&db, &scope, &request(min))
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                statement.all(&db).await?;
                Ok(())
            }
        }
    };

    // Warm caches and connections on both sides.
    measure(50, 4, api.clone()).await?;
    measure(50, 4, sql.clone()).await?;

    let verdicts = side_by_side(&options, "bare SQL", sql, api)
        .await?
        .into_iter()
        .map(|c| (c.concurrency, c.api_p95 / c.base_p95.max(1e-6), c.api_p95))
        .collect::<Vec<_>>();
    print_verdicts(&verdicts);
    served.stop().await?;
    Ok(())
}

/// One line per concurrency: the ratio and the latency against their targets.
fn print_verdicts(verdicts: &[(usize, f64, f64)]) {
    for &(concurrency, ratio, p95) in verdicts {
        println!(
            "concurrency {concurrency:>2}: API p95 / SQL p95 = {ratio:.2} (target <= 2.00: {}); API p95 {p95:.1} ms{}",
            if ratio <= 2.0 { "met" } else { "NOT met" },
            if concurrency >= 32 {
                format!(" (target < 100 ms: {})", if p95 < 100.0 { "met" } else { "NOT met" })
            } else {
                String::new()
            }
        );
    }
}

/// `starcrm bench rerate`.
///
/// # Errors
/// No such workspace or no customers in it, the database or the server failing.
pub async fn rerate(
    settings: &Settings,
    workspace: Option<String>,
    requests: usize,
    only: Option<RerateBench>,
) -> anyhow::Result<()> {
    let mut settings = settings.clone();
    settings.session_rate = u32::MAX;
    let state = AppState::init(&settings).await?;
    let (workspace, customers, token) = prepare(&state, workspace.as_deref()).await?;
    println!("bench rerate: workspace {} ({customers} customers, {:?})", workspace.name, state.info.database);
    let runs = if only == Some(RerateBench::Realtime) {
        Vec::new()
    } else {
        rerate_runs(&state, &workspace).await?
    };
    let realtime = if only == Some(RerateBench::Runs) {
        None
    } else {
        Some(rerate_realtime(&state, &workspace, &token, requests).await?)
    };
    println!();
    for (round, ratio, changed) in runs {
        println!(
            "full re-evaluation #{round} ({changed} changed) / bare aggregate = {ratio:.2} (target <= 2.00: {})",
            if ratio <= 2.0 { "met" } else { "NOT met" }
        );
    }
    if let Some(ratio) = realtime {
        println!(
            "recordTransaction p95 with / without re-rating = {ratio:.2} (target <= 1.50: {})",
            if ratio <= 1.5 { "met" } else { "NOT met" }
        );
    }
    Ok(())
}

/// Two rounds of the bare aggregate then a full re-evaluation: (round, ratio, changed) each.
async fn rerate_runs(
    state: &AppState,
    workspace: &workspace::Model,
) -> anyhow::Result<Vec<(usize, f64, i64)>> {
    use futures_util::TryStreamExt;
    use sea_orm::StreamTrait;

    use crate::ratings::{engine, jobs, scheduler};

    let db = state.db.clone();
    let scope = Scope::system(workspace.id);
    let err = |e: crate::error::AppError| anyhow::anyhow!("{e}");

    // The bare aggregate: the run's own set-based query, streamed and counted, nothing else.
    let bare = || {
        let db = db.clone();
        async move {
            let ctx = engine::Context::load(&db, workspace.id).await.map_err(err)?;
            let started = Instant::now();
            let stmt = jobs::rows_statement(
                db.get_database_backend(),
                workspace.id,
                &ctx.currency,
                ctx.window_start(chrono::Utc::now()),
                None,
                None,
            );
            let mut stream = db.stream_raw(stmt).await?;
            let mut rows = 0_u64;
            while stream.try_next().await?.is_some() {
                rows += 1;
            }
            anyhow::Ok((started.elapsed(), rows))
        }
    };
    let full = || {
        let db = db.clone();
        let scope = scope.clone();
        async move {
            let started = Instant::now();
            let txn = crate::db::begin_write(&db).await?;
            let job =
                jobs::enqueue(&txn, &scope, starcrm_shared::rating::Trigger::Manual).await.map_err(err)?;
            txn.commit().await?;
            jobs::run(&db, job.id, &scheduler::worker_name(), &jobs::RunOptions::default())
                .await
                .map_err(err)?;
            let done = jobs::find(&db, &scope, job.id).await.map_err(err)?;
            anyhow::Ok((started.elapsed(), done.processed, done.changed))
        }
    };
    println!();
    println!("{:>28} {:>10} {:>12} {:>10}", "run", "wall s", "customers", "changed");
    let mut verdicts = Vec::new();
    for round in 1..=2 {
        let (sql_time, rows) = bare().await?;
        println!(
            "{:>28} {:>10.2} {rows:>12} {:>10}",
            format!("bare aggregate SQL #{round}"),
            sql_time.as_secs_f64(),
            "-"
        );
        let (run_time, processed, changed) = full().await?;
        println!(
            "{:>28} {:>10.2} {processed:>12} {changed:>10}",
            format!("full re-evaluation #{round}"),
            run_time.as_secs_f64()
        );
        verdicts.push((round, run_time.as_secs_f64() / sql_time.as_secs_f64().max(1e-9), changed));
    }
    Ok(verdicts)
}

/// Purchases over HTTP with and without real-time re-rating: the ratio of their p95.
async fn rerate_realtime(
    state: &AppState,
    workspace: &workspace::Model,
    token: &str,
    requests: usize,
) -> anyhow::Result<f64> {
    use sea_orm::QuerySelect;

    use crate::ratings::engine;

    let db = state.db.clone();
    // Real time: purchases over HTTP for random customers, with and without re-rating.
    let ids: Vec<uuid::Uuid> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .filter(customer::Column::WorkspaceId.eq(workspace.id))
        .filter(customer::Column::DeletedAt.is_null())
        .filter(customer::Column::MergedInto.is_null())
        .limit(5_000)
        .into_tuple()
        .all(&db)
        .await?;
    let ids = Arc::new(ids);
    let served = Served::start(state.clone()).await?;
    let url = served.url.clone();
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let push = {
        let (client, url, token, ids) = (client.clone(), url.clone(), token.to_owned(), Arc::clone(&ids));
        move |i: usize| {
            let (client, url, token, ids) = (client.clone(), url.clone(), token.clone(), Arc::clone(&ids));
            async move {
                let mut rng = Rng::new(i as u64 ^ 0x5eed);
                let id = ids[usize::try_from(rng.below(ids.len() as u64)).unwrap_or(0)];
                let amount = 1_000 + i64::try_from(rng.below(50_000)).unwrap_or(0);
                let input = json!({
                    "customer": { "id": id }, "channel": "STORE", "amountMinor": amount,
                    "items": [{ "name": "Bench item", "category": "bench", "quantity": 1, "unitPriceMinor": amount }]
                });
                post(
                    &client,
                    &url,
                    &token,
                    &json!({ "query": PUSH_QUERY, "variables": { "input": input } }),
                    b"recordTransaction",
                )
                .await
            }
        }
    };
    // Warm-up over the very customers timed below (their rows, purchases and index pages), without
    // re-rating so their stars still move as a purchase would move them.
    engine::set_realtime(false);
    for k in 0..requests {
        push(k).await?;
    }
    println!();
    println!(
        "{:>28} {:>10} {:>10} {:>10} {:>10}",
        "recordTransaction", "p50 ms", "p95 ms", "p99 ms", "req/s"
    );
    // Pairs: each customer gets one purchase with and one without re-rating, the side going first
    // (and so meeting colder caches) alternating, so drift and warm-up hit both sides alike.
    let timed_from = chrono::Utc::now();
    let mut with = Vec::with_capacity(requests);
    let mut without = Vec::with_capacity(requests);
    for k in 0..requests {
        for on in [k % 2 == 0, k % 2 != 0] {
            engine::set_realtime(on);
            let started = Instant::now();
            push(k).await?;
            if on { with.push(started.elapsed()) } else { without.push(started.elapsed()) }
        }
    }
    engine::set_realtime(true);
    let mut sides = Vec::new();
    for (name, mut latencies) in [("without re-rating", without), ("with re-rating", with)] {
        latencies.sort_unstable();
        let sample = Sample { wall: latencies.iter().sum(), latencies };
        println!(
            "{name:>28} {:>10.2} {:>10.2} {:>10.2} {:>10.0}",
            ms(sample.percentile(50.0)),
            ms(sample.percentile(95.0)),
            ms(sample.percentile(99.0)),
            sample.throughput()
        );
        sides.push(ms(sample.percentile(95.0)));
    }
    served.stop().await?;
    let moved = star_history::Entity::find()
        .filter(star_history::Column::WorkspaceId.eq(workspace.id))
        .filter(star_history::Column::Trigger.eq(starcrm_shared::rating::Trigger::Transaction.as_str()))
        .filter(star_history::Column::CreatedAt.gte(timed_from))
        .count(&db)
        .await?;
    println!("{:>28} the stars moved on {moved} of the {requests} purchases with re-rating", "");
    Ok(sides[1] / sides[0].max(1e-6))
}

const PUSH_QUERY: &str = "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId customer { stars } } }";

const SEARCH_QUERY: &str = "query($q: String!) { searchCustomers(query: $q, first: 20) { total
  hits { customer { id code name stars lifecycleStage } highlights { field parts { text matched } } }
  byStars { stars count } byStage { stage count } } }";

/// Queries as staff type them, made from customers of the workspace picked at random.
async fn search_queries(
    db: &sea_orm::DatabaseConnection,
    workspace_id: uuid::Uuid,
) -> anyhow::Result<Vec<String>> {
    use sea_orm::QuerySelect;

    use crate::entities::{customer_email, customer_phone};
    let total =
        customer::Entity::find().filter(customer::Column::WorkspaceId.eq(workspace_id)).count(db).await?;
    let mut rng = Rng::new(20_261_123);
    let mut out = Vec::new();
    for k in 0..200_u64 {
        let offset = rng.below(total.max(1));
        let Some(c) = customer::Entity::find()
            .filter(customer::Column::WorkspaceId.eq(workspace_id))
            .order_by_asc(customer::Column::Number)
            .offset(offset)
            .one(db)
            .await?
        else {
            continue;
        };
        let phone = customer_phone::Entity::find()
            .filter(customer_phone::Column::CustomerId.eq(c.id))
            .one(db)
            .await?
            .map(|p| starcrm_shared::search::phone_digits(&p.phone));
        let email = customer_email::Entity::find()
            .filter(customer_email::Column::CustomerId.eq(c.id))
            .one(db)
            .await?;
        let chinese: Vec<char> = c.name.chars().filter(|ch| starcrm_shared::search::is_cjk(*ch)).collect();
        let query = match k % 8 {
            0 if chinese.len() >= 2 => chinese[chinese.len() - 2..].iter().collect(),
            1 => crate::search::document::pinyin_terms(&c.name)
                .into_iter()
                .max_by_key(String::len)
                .unwrap_or(c.name.clone()),
            2 if chinese.len() >= 2 => crate::search::document::pinyin_terms(&c.name)
                .into_iter()
                .rfind(|t| t.len() == chinese.len())
                .unwrap_or(c.name.clone()),
            3 => phone.as_ref().map_or(c.name.clone(), |p| p[p.len().saturating_sub(4)..].to_owned()),
            4 => phone.clone().unwrap_or(c.name.clone()),
            5 => email.map_or(c.name.clone(), |e| e.email),
            6 if chinese.is_empty() && c.name.len() > 5 => {
                // One letter dropped: a typo.
                let mut typo = c.name.clone();
                typo.remove(typo.len() / 2);
                typo
            }
            _ => starcrm_shared::customer::customer_code(c.number),
        };
        out.push(query);
    }
    if out.is_empty() {
        bail!("no customers to build queries from");
    }
    Ok(out)
}

/// `starcrm bench search`.
///
/// # Errors
/// No such workspace or no customers in it, the database, the index or the server failing.
pub async fn search(settings: &Settings, options: ListOptions) -> anyhow::Result<()> {
    use crate::search::embedded::EmbeddedIndex;
    use crate::search::meili::{MeiliConfig, MeiliIndex};
    use crate::search::sync::Search;

    let mut settings = settings.clone();
    settings.session_rate = u32::MAX;
    let (conn, kind, _) = crate::db::open(&settings).await?;
    crate::db::migrate(&conn).await?;
    // A fresh index of its own, so the build is timed from nothing and the server's index is
    // left alone: a directory in the data dir, or with MEILI_URL an index deleted at the end.
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create the data dir {}", settings.data_dir.display()))?;
    let dir = tempfile::Builder::new().prefix("starcrm-bench-search-").tempdir_in(&settings.data_dir)?;
    let meili = match MeiliConfig::from_settings(&settings) {
        Some(config) => Some(MeiliIndex::new(&MeiliConfig {
            index: format!("starcrm_bench_{}", uuid::Uuid::now_v7().simple()),
            ..config
        })?),
        None => None,
    };
    let index: Arc<dyn crate::search::SearchIndex> = match &meili {
        Some(meili) => Arc::new(meili.clone()),
        None => Arc::new(EmbeddedIndex::open(dir.path())?),
    };
    let search = Search::new(index);
    let outcome = search_with(&settings, conn, kind, &search, &options).await;
    if let Some(meili) = meili {
        meili.delete_index().await?;
    }
    outcome
}

async fn search_with(
    settings: &Settings,
    conn: sea_orm::DatabaseConnection,
    kind: starcrm_shared::DatabaseKind,
    search: &Arc<crate::search::sync::Search>,
    options: &ListOptions,
) -> anyhow::Result<()> {
    use crate::search::SearchQuery;

    let state = AppState::with_search(conn, kind, settings, Arc::clone(search)).await?;
    let (workspace, customers, _) = prepare(&state, options.workspace.as_deref()).await?;
    let backend = search.index.kind();
    println!(
        "bench search: workspace {} ({customers} customers, {:?}), {backend} index, {} queries per run",
        workspace.name, state.info.database, options.requests
    );
    let started = Instant::now();
    let indexed = search.rebuild(&state.db, workspace.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss, reason = "a rate")]
    let rate = indexed as f64 / seconds.max(1e-9);
    println!(
        "indexing: {indexed} customers in {seconds:.1} s = {rate:.0} docs/s (read from the database and written)"
    );

    // Indexing a large workspace can outlast an access token.
    let token = owner_token(&state, workspace.id).await?;
    let queries = Arc::new(search_queries(&state.db, workspace.id).await?);
    let served = Served::start(state.clone()).await?;
    let url = served.url.clone();
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let api = {
        let (client, url, token, queries) =
            (client.clone(), url.clone(), token.clone(), Arc::clone(&queries));
        move |i: usize| {
            let (client, url, token, queries) =
                (client.clone(), url.clone(), token.clone(), Arc::clone(&queries));
            async move {
                let q = &queries[i % queries.len()];
                post(
                    &client,
                    &url,
                    &token,
                    &json!({ "query": SEARCH_QUERY, "variables": { "q": q } }),
                    b"searchCustomers",
                )
                .await
            }
        }
    };
    let direct = {
        let (index, queries, ws) = (Arc::clone(&search.index), Arc::clone(&queries), workspace.id);
        move |i: usize| {
            let (index, queries) = (Arc::clone(&index), Arc::clone(&queries));
            async move {
                let text = queries[i % queries.len()].clone();
                index
                    .search(&SearchQuery { workspace_id: ws, text, limit: 20, ..SearchQuery::default() })
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(())
            }
        }
    };
    measure(100, 2, api.clone()).await?;
    measure(100, 2, direct.clone()).await?;
    println!(
        "queries: {} kinds over {} picked customers (Chinese name part, pinyin, initials, last 4 digits, phone, email, typo, code)",
        8,
        queries.len()
    );
    let verdicts: Vec<(usize, f64, f64)> = side_by_side(options, "index direct", direct, api)
        .await?
        .into_iter()
        .map(|c| (c.concurrency, c.api_p95, c.base_p95))
        .collect();
    print_search_verdicts(&verdicts, customers, backend);
    served.stop().await?;
    Ok(())
}

/// One concurrency level of [`side_by_side`]: p95s in ms and the API's requests per second.
struct Compared {
    concurrency: usize,
    api_p95: f64,
    base_p95: f64,
    api_rate: f64,
}

/// Times the baseline and the API at each concurrency, printing p50/p95/p99 and req/s of both.
async fn side_by_side<B, BF, A, AF>(
    options: &ListOptions,
    baseline: &str,
    base: B,
    api: A,
) -> anyhow::Result<Vec<Compared>>
where
    B: Fn(usize) -> BF + Clone + Send + Sync + 'static,
    BF: Future<Output = anyhow::Result<()>> + Send,
    A: Fn(usize) -> AF + Clone + Send + Sync + 'static,
    AF: Future<Output = anyhow::Result<()>> + Send,
{
    println!();
    println!(
        "{:>14} {:>6} {:>10} {:>10} {:>10} {:>10}",
        "side", "conc", "p50 ms", "p95 ms", "p99 ms", "req/s"
    );
    let mut out = Vec::new();
    for &concurrency in &options.concurrency {
        let before = crate::db::write_turns();
        let reference = measure(options.requests, concurrency, base.clone()).await?;
        let between = crate::db::write_turns();
        let through = measure(options.requests, concurrency, api.clone()).await?;
        let turns = [between.since(before), crate::db::write_turns().since(between)];
        for ((side, sample), turns) in
            [(baseline, &reference), ("API (HTTP)", &through)].into_iter().zip(turns)
        {
            println!(
                "{side:>14} {concurrency:>6} {:>10.2} {:>10.2} {:>10.2} {:>10.0}{}",
                ms(sample.percentile(50.0)),
                ms(sample.percentile(95.0)),
                ms(sample.percentile(99.0)),
                sample.throughput(),
                turn_summary(turns)
            );
        }
        out.push(Compared {
            concurrency,
            api_p95: ms(through.percentile(95.0)),
            base_p95: ms(reference.percentile(95.0)),
            api_rate: through.throughput(),
        });
    }
    println!();
    Ok(out)
}

/// SQLite's write turns of one side, per write transaction: mean time waiting for the turn and
/// holding it (empty when the side took none: reads, PostgreSQL). One writer at a time means
/// the mean hold bounds the rate at 1 / hold writes per second.
fn turn_summary(turns: crate::db::WriteTurns) -> String {
    if turns.writes == 0 {
        return String::new();
    }
    #[allow(clippy::cast_precision_loss, reason = "a count of writes, far below 2^52")]
    let per = |d: Duration| ms(d) / turns.writes as f64;
    format!(
        "   write turn: waited {:.2} ms, held {:.2} ms (at most {:.0}/s)",
        per(turns.waited),
        per(turns.held),
        1_000.0 / per(turns.held).max(1e-6)
    )
}

/// The verdicts of `bench search`: the ratio, and the index's own p95 at 100k.
fn print_search_verdicts(verdicts: &[(usize, f64, f64)], customers: u64, backend: &str) {
    for &(concurrency, api_p95, direct_p95) in verdicts {
        let ratio = api_p95 / direct_p95.max(1e-6);
        println!(
            "concurrency {concurrency:>2}: API p95 / index p95 = {ratio:.2} (target <= 1.50: {}); index p95 {direct_p95:.2} ms{}",
            if ratio <= 1.5 { "met" } else { "NOT met" },
            if customers <= 150_000 && backend == "embedded" {
                format!(
                    " (embedded target <= 10 ms at 100k: {})",
                    if direct_p95 <= 10.0 { "met" } else { "NOT met" }
                )
            } else {
                String::new()
            }
        );
    }
}
