//! Customer search over HTTP: `searchCustomers` through the real server and its embedded index,
//! kept in sync by the outbox worker; workspace confinement, highlights with masked contacts
//! (also when a phone was typed in another form), paging, facets and filters, deletes/erasures/merges/updates reaching the index, bad input, permissions,
//! and an index that was down (the server stopped) catching up when it returns. The same finding
//! and syncing runs through Meilisearch when `MEILI_URL` is set (else it says it was skipped); a
//! Meilisearch that does not answer leaves writes working and search saying `UNAVAILABLE`. Runs
//! on SQLite and PostgreSQL.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use common::{Options, TestApp};
use serde_json::{Value, json};
use starcrm_api::auth::Scope;
use starcrm_api::config::Settings;
use starcrm_api::customers::profile::{ContactInput, CustomerInput};
use starcrm_api::customers::service::{self, NewCustomer};
use starcrm_api::search::meili::{MeiliConfig, MeiliIndex};

const SEARCH: &str = "query($q: String!, $filter: CustomerSearchFilter, $first: Int) {
  searchCustomers(query: $q, filter: $filter, first: $first) {
    total
    hits { customer { id name } highlights { field parts { text matched } } }
    byStars { stars count }
    byStage { stage count }
  }
}";

const CREATE: &str =
    "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id version } }";

async fn create(app: &TestApp, token: &str, input: Value) -> anyhow::Result<(String, i64)> {
    let response = app.as_token(token).execute(CREATE, json!({ "input": input })).await?;
    let created = &response.data()["createCustomer"];
    let id = created["id"].as_str().ok_or_else(|| anyhow::anyhow!("no id: {response:?}"))?.to_owned();
    Ok((id, created["version"].as_i64().unwrap_or(0)))
}

async fn search(app: &TestApp, token: &str, query: &str, filter: Value) -> anyhow::Result<Value> {
    let response =
        app.as_token(token).execute(SEARCH, json!({ "q": query, "filter": filter, "first": 10 })).await?;
    anyhow::ensure!(response.error_code().is_none(), "search failed: {response:?}");
    Ok(response.data()["searchCustomers"].clone())
}

fn ids(result: &Value) -> Vec<String> {
    result["hits"]
        .as_array()
        .map(|hits| hits.iter().filter_map(|h| h["customer"]["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Searches until `check` holds (the worker pushes within milliseconds; this allows for a slow
/// machine), failing with the last result after 10 s.
async fn eventually(
    app: &TestApp,
    token: &str,
    query: &str,
    check: impl Fn(&[String]) -> bool,
) -> anyhow::Result<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let result = search(app, token, query, Value::Null).await?;
        if check(&ids(&result)) {
            return Ok(result);
        }
        anyhow::ensure!(std::time::Instant::now() < deadline, "search {query:?} never converged: {result}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn staff_find_a_customer_by_name_part_and_phone_digits_within_their_workspace() -> anyhow::Result<()> {
    find_within_the_workspace(&TestApp::start().await?).await
}

async fn find_within_the_workspace(app: &TestApp) -> anyhow::Result<()> {
    let token = app.token(&app.workspace("Tea House").await?).await?;
    let other = app.token(&app.workspace("Rival").await?).await?;
    let (wang, _) = create(
        app,
        &token,
        json!({ "name": "王小明", "phones": [{ "value": "138 1234 5678" }], "company": "星辰茶业",
                "emails": [{ "value": "xiaoming@example.com" }], "tags": ["VIP"],
                "identities": [{ "channel": "MARKETPLACE", "externalId": "TM-88231" }] }),
    )
    .await?;
    create(app, &token, json!({ "name": "Catherine Lee", "phones": [{ "value": "13987654321" }] })).await?;
    // The same person in another workspace must never show up.
    let (twin, _) =
        create(app, &other, json!({ "name": "王小明", "phones": [{ "value": "13812345678" }] })).await?;

    let by_name = eventually(app, &token, "小明", |ids| ids.contains(&wang)).await?;
    assert_eq!(ids(&by_name), std::slice::from_ref(&wang), "one match, and not the other workspace's twin");
    assert_eq!(
        by_name["hits"][0]["highlights"][0],
        json!({ "field": "NAME", "parts": [{ "text": "王", "matched": false }, { "text": "小明", "matched": true }] })
    );
    let by_digits = search(app, &token, "5678", Value::Null).await?;
    assert_eq!(ids(&by_digits), std::slice::from_ref(&wang));
    let phone = by_digits["hits"][0]["highlights"]
        .as_array()
        .and_then(|h| h.iter().find(|h| h["field"] == "PHONE"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(
        phone["parts"],
        json!([{ "text": "138****", "matched": false }, { "text": "5678", "matched": true }]),
        "the phone stays masked, the digits typed are marked"
    );
    let by_initials = search(app, &token, "xm", Value::Null).await?;
    assert_eq!(
        by_initials["hits"][0]["highlights"][0],
        json!({ "field": "NAME", "parts": [{ "text": "王", "matched": false }, { "text": "小明", "matched": true }] }),
        "pinyin marks the characters it spells"
    );
    for query in ["wangxiaoming", "wxm", "TM-88231", "xiaoming@example.com", "星辰", "Catherne"] {
        // Catherine may reach the index a moment after 王小明 on a busy machine.
        let found = ids(&eventually(app, &token, query, |ids| !ids.is_empty()).await?);
        assert!(!found.is_empty(), "{query:?} finds someone");
        assert!(!found.contains(&twin), "{query:?} never finds another workspace's customer");
    }
    let twin_side = eventually(app, &other, "5678", |ids| !ids.is_empty()).await?;
    assert_eq!(ids(&twin_side), [twin], "the other workspace sees its own customer only");

    // Facets and filters.
    let all = search(app, &token, "", Value::Null).await?;
    assert_eq!(all["total"], 2);
    assert_eq!(all["byStage"], json!([{ "stage": "LEAD", "count": 2 }]));
    let vip = search(app, &token, "", json!({ "tags": ["VIP"] })).await?;
    assert_eq!(ids(&vip), std::slice::from_ref(&wang));
    let none = search(app, &token, "", json!({ "stages": ["CHURNED"] })).await?;
    assert_eq!(none["total"], 0);
    Ok(())
}

const PAGE: &str = "query($q: String!, $first: Int, $offset: Int) {
  searchCustomers(query: $q, first: $first, offset: $offset) {
    total
    hits { customer { id name } highlights { field parts { text matched } } }
  }
}";

/// The highlight of `field` in the first hit, `Null` when there is none.
fn first_highlight(result: &Value, field: &str) -> Value {
    result["hits"][0]["highlights"]
        .as_array()
        .and_then(|h| h.iter().find(|h| h["field"] == field))
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn staff_page_through_results_and_see_which_masked_field_matched() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = app.token(&app.workspace("Tea House").await?).await?;
    let mut everyone = Vec::new();
    for n in 1..=5 {
        let (id, _) =
            create(&app, &token, json!({ "name": format!("Paging Person{n}"), "company": "星辰茶业" }))
                .await?;
        everyone.push(id);
    }
    eventually(&app, &token, "星辰茶业", |ids| ids.len() == 5).await?;
    let page = |first: i64, offset: i64| {
        let app = &app;
        let token = &token;
        async move {
            app.as_token(token)
                .execute(PAGE, json!({ "q": "星辰茶业", "first": first, "offset": offset }))
                .await
        }
    };
    let mut seen = Vec::new();
    for offset in [0, 2, 4] {
        let response = page(2, offset).await?;
        assert!(response.error_code().is_none(), "{response:?}");
        let result = &response.data()["searchCustomers"];
        assert_eq!(result["total"], 5, "the total counts every match on every page");
        seen.extend(ids(result));
    }
    assert_eq!(seen.len(), 5, "three pages of 2, 2 and 1: {seen:?}");
    seen.sort();
    everyone.sort();
    assert_eq!(seen, everyone, "every match once, none twice");
    for (first, offset) in [(2, -1), (50, 951), (1, 1000)] {
        let response = page(first, offset).await?;
        assert_eq!(response.error_code(), Some("BAD_USER_INPUT"), "first {first} offset {offset}");
        assert_eq!(response.error_extension("field"), "offset");
    }

    // A hit found by a masked value says which value it was, still masked.
    let (wang, _) = create(
        &app,
        &token,
        json!({ "name": "王小明", "phones": [{ "value": "+86 138 1234 5678" }, { "value": "+44 20 7946 0958" }],
                "emails": [{ "value": "xiaoming@example.com" }] }),
    )
    .await?;
    eventually(&app, &token, "王小明", |ids| ids.contains(&wang)).await?;
    let whole = |text: &str| json!({ "field": "PHONE", "parts": [{ "text": text, "matched": true }] });
    for typed in
        ["8613812345678", "+86 138 1234 5678", "0086 138-1234-5678", "(138) 1234 5678", "王小明，13812345678"]
    {
        let found = search(&app, &token, typed, Value::Null).await?;
        assert_eq!(ids(&found), std::slice::from_ref(&wang), "{typed:?}");
        assert_eq!(first_highlight(&found, "PHONE"), whole("138****5678"), "{typed:?}");
    }
    let found = search(&app, &token, "+44 20 7946 0958", Value::Null).await?;
    assert_eq!(ids(&found), std::slice::from_ref(&wang));
    assert_eq!(
        first_highlight(&found, "PHONE"),
        whole("+442*****0958"),
        "a masked form that moves the digits is marked whole"
    );
    let found = search(&app, &token, "XiaoMing@Example.com", Value::Null).await?;
    assert_eq!(ids(&found), std::slice::from_ref(&wang));
    let email = first_highlight(&found, "EMAIL");
    assert_eq!(email["parts"][0]["text"], "x*****@", "{email}");
    Ok(())
}

#[tokio::test]
async fn updates_deletes_erasures_and_merges_reach_the_index() -> anyhow::Result<()> {
    changes_reach_the_index(&TestApp::start().await?).await
}

async fn changes_reach_the_index(app: &TestApp) -> anyhow::Result<()> {
    let token = app.token(&app.workspace("Shop").await?).await?;
    let (id, version) =
        create(app, &token, json!({ "name": "张伟", "phones": [{ "value": "13800001111" }] })).await?;
    eventually(app, &token, "1111", |ids| ids.contains(&id)).await?;

    let update = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }";
    let response = app
        .as_token(&token)
        .execute(
            update,
            json!({ "input": { "id": id, "version": version, "phones": [{ "value": "13922223333" }] } }),
        )
        .await?;
    assert!(response.error_code().is_none(), "{response:?}");
    eventually(app, &token, "13922223333", |ids| ids.contains(&id)).await?;
    eventually(app, &token, "1111", |ids| !ids.contains(&id)).await?;

    let delete = "mutation($id: ID!) { deleteCustomer(id: $id) { id } }";
    app.as_token(&token).execute(delete, json!({ "id": id })).await?;
    eventually(app, &token, "张伟", |ids| !ids.contains(&id)).await?;
    let restore = "mutation($id: ID!) { restoreCustomer(id: $id) { id } }";
    app.as_token(&token).execute(restore, json!({ "id": id })).await?;
    eventually(app, &token, "张伟", |ids| ids.contains(&id)).await?;

    let erase = "mutation($id: ID!) { eraseCustomer(id: $id, reason: \"customer asked\") { id } }";
    let response = app.as_token(&token).execute(erase, json!({ "id": id })).await?;
    assert!(response.error_code().is_none(), "{response:?}");
    eventually(app, &token, "3333", |ids| !ids.contains(&id)).await?;

    let (survivor, survivor_version) = create(app, &token, json!({ "name": "Anna Smith" })).await?;
    let (merged, _) =
        create(app, &token, json!({ "name": "Anna Smyth", "phones": [{ "value": "13755556666" }] })).await?;
    eventually(app, &token, "6666", |ids| ids.contains(&merged)).await?;
    let merge =
        "mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { customer { id } } }";
    let response = app
        .as_token(&token)
        .execute(merge, json!({ "input": { "survivorId": survivor, "mergedId": merged, "survivorVersion": survivor_version } }))
        .await?;
    assert!(response.error_code().is_none(), "{response:?}");
    let after = eventually(app, &token, "6666", |ids| ids.contains(&survivor)).await?;
    assert_eq!(ids(&after), [survivor], "the merged phone finds the survivor, the merged-away id is gone");
    Ok(())
}

#[tokio::test]
async fn bad_search_input_is_refused_with_the_field_and_callers_need_customers_read() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let owner = app.workspace("Shop").await?;
    let token = app.token(&owner).await?;
    for (variables, field) in [
        (json!({ "q": "x", "first": 0 }), "first"),
        (json!({ "q": "x", "first": 51 }), "first"),
        (json!({ "q": "x".repeat(201) }), "query"),
        (json!({ "q": "x", "filter": { "stars": [6] } }), "filter.stars"),
        (json!({ "q": "x", "filter": { "ownerId": "nope" } }), "filter.ownerId"),
        (json!({ "q": "x", "filter": { "tags": [" "] } }), "filter.tags"),
    ] {
        let response = app.as_token(&token).execute(SEARCH, variables.clone()).await?;
        assert_eq!(response.error_code(), Some("BAD_USER_INPUT"), "{variables}");
        assert_eq!(response.error_extension("field"), field, "{variables}");
    }
    let integrator = app.api_token(&token, &["transactions:write"]).await?;
    let response = app.as_token(&integrator).execute(SEARCH, json!({ "q": "x" })).await?;
    assert_eq!(response.error_code(), Some("FORBIDDEN"));
    let response = app.graphql().execute(SEARCH, json!({ "q": "x" })).await?;
    assert_eq!(response.error_code(), Some("UNAUTHENTICATED"));
    Ok(())
}

#[tokio::test]
async fn readyz_reports_the_search_index() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let ready: Value = app.http.get(app.url("/readyz")).send().await?.json().await?;
    assert_eq!(ready["checks"]["search"]["backend"], "embedded");
    assert_eq!(ready["checks"]["search"]["status"], "ok");
    assert!(ready["checks"]["search"]["pending"].is_u64());
    Ok(())
}

/// A customer written straight through the service layer, as another process on the same
/// database would (an import, a replica, `starcrm seed`) while this server and its index are down.
async fn write_offline(
    db: &sea_orm::DatabaseConnection,
    workspace_id: uuid::Uuid,
    name: &str,
    phone: &str,
) -> anyhow::Result<String> {
    let scope = Scope::system(workspace_id);
    let profile = CustomerInput {
        name: Some(name.to_owned()),
        phones: Some(vec![ContactInput { value: phone.to_owned(), label: None, primary: true }]),
        ..CustomerInput::default()
    };
    let created = service::create(db, &scope, NewCustomer { profile, identities: Vec::new() })
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(created.id.to_string())
}

#[tokio::test]
async fn an_index_that_was_down_catches_up_with_every_write_when_it_returns() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let account = app.workspace("Shop").await?;
    let token = app.token(&account).await?;
    let workspace_id: uuid::Uuid = account.workspace_id.parse()?;
    let (kept, kept_version) =
        create(&app, &token, json!({ "name": "陈静", "phones": [{ "value": "13600007777" }] })).await?;
    let (dropped, _) = create(&app, &token, json!({ "name": "Dropped Person" })).await?;
    eventually(&app, &token, "7777", |ids| ids.contains(&kept)).await?;
    eventually(&app, &token, "Dropped", |ids| ids.contains(&dropped)).await?;

    // Round 1: the index goes down with its server; only a phone changes meanwhile, so the index
    // holds as many customers as the database and only the outbox can bring the change in.
    let stopped = app.stop().await?;
    let db = starcrm_api::db::connect(stopped.db.url(), 2).await?;
    let scope = Scope::system(workspace_id);
    let phone = CustomerInput {
        phones: Some(vec![ContactInput { value: "13600008888".to_owned(), label: None, primary: true }]),
        ..CustomerInput::default()
    };
    service::update(&db, &scope, kept.parse()?, i32::try_from(kept_version)?, phone)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let back = TestApp::start_on(stopped, Options::default()).await?;
    eventually(&back, &token, "8888", |ids| ids.contains(&kept)).await?;
    eventually(&back, &token, "7777", |ids| !ids.contains(&kept)).await?;

    // Round 2: down again; forty customers arrive and one is deleted.
    let stopped = back.stop().await?;
    let mut written = Vec::new();
    for i in 0..40 {
        written.push(
            write_offline(&db, workspace_id, &format!("离线客户{i}"), &format!("1350000{}", 1000 + i))
                .await?,
        );
    }
    service::set_deleted(&db, &scope, dropped.parse()?, true).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let back = TestApp::start_on(stopped, Options::default()).await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let total = search(&back, &token, "离线客户", Value::Null).await?["total"].as_u64().unwrap_or(0);
        if total == 40 {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "only {total} of 40 customers reached the index"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (i, id) in written.iter().enumerate() {
        let digits = format!("{}", 1000 + i);
        let found = ids(&search(&back, &token, &digits, Value::Null).await?);
        assert!(found.contains(id), "customer {i} is found by the last digits of their phone");
    }
    eventually(&back, &token, "Dropped", |ids| !ids.contains(&dropped)).await?;
    eventually(&back, &token, "8888", |ids| ids.contains(&kept)).await?;
    let ready: Value = back.http.get(back.url("/readyz")).send().await?.json().await?;
    assert_eq!(ready["checks"]["search"]["pending"], 0, "the outbox is empty once the index caught up");
    Ok(())
}

/// The Meilisearch index each Meilisearch test uses (one of its own, deleted at the end).
static MEILI_INDEX: OnceLock<String> = OnceLock::new();
static RELAYED_INDEX: OnceLock<String> = OnceLock::new();
/// Where the relay of the catch-up test listens.
static RELAY_URL: OnceLock<String> = OnceLock::new();

fn meili_config(index: &'static OnceLock<String>) -> Option<MeiliConfig> {
    let url = std::env::var("MEILI_URL").ok().filter(|u| !u.is_empty())?;
    Some(MeiliConfig {
        url,
        key: std::env::var("MEILI_KEY").ok().filter(|k| !k.is_empty()),
        index: index.get_or_init(|| format!("starcrm_api_test_{}", uuid::Uuid::now_v7().simple())).clone(),
    })
}

fn use_meili(settings: &mut Settings, config: MeiliConfig) {
    settings.meili_url = Some(config.url);
    settings.meili_key = config.key;
    settings.meili_index = config.index;
}

fn on_meilisearch(settings: &mut Settings) {
    if let Some(config) = meili_config(&MEILI_INDEX) {
        use_meili(settings, config);
    }
}

fn through_the_relay(settings: &mut Settings) {
    if let (Some(config), Some(relay)) = (meili_config(&RELAYED_INDEX), RELAY_URL.get()) {
        use_meili(settings, MeiliConfig { url: relay.clone(), ..config });
    }
}

/// Deletes the test's index, then passes on the test's outcome (or its panic).
async fn clean_up(
    config: &MeiliConfig,
    outcome: Result<anyhow::Result<()>, tokio::task::JoinError>,
) -> anyhow::Result<()> {
    MeiliIndex::new(config)?.delete_index().await?;
    match outcome {
        Err(panicked) if panicked.is_panic() => std::panic::resume_unwind(panicked.into_panic()),
        outcome => outcome?,
    }
}

/// A TCP relay in front of Meilisearch that can be cut (open connections dropped, new ones
/// closed at once) and restored: Meilisearch going away and coming back, as the server sees it.
struct Relay {
    url: String,
    up: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
}

impl Relay {
    async fn start(target: &str) -> anyhow::Result<Self> {
        let target = url::Url::parse(target)?;
        let target = format!(
            "{}:{}",
            target.host_str().unwrap_or("127.0.0.1"),
            target.port_or_known_default().unwrap_or(7700)
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let up = std::sync::Arc::new(tokio::sync::watch::channel(true).0);
        let switch = std::sync::Arc::clone(&up);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut state = switch.subscribe();
                if !*state.borrow() {
                    continue;
                }
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = state.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Ok(Self { url, up })
    }

    fn set(&self, up: bool) {
        self.up.send_replace(up);
    }
}

#[tokio::test]
async fn the_server_finds_and_syncs_through_meilisearch_when_meili_url_is_set() -> anyhow::Result<()> {
    let Some(config) = meili_config(&MEILI_INDEX) else {
        println!("skipped: MEILI_URL not set (the server was tested with the embedded index only)");
        return Ok(());
    };
    let app = TestApp::start_with(Options { configure: Some(on_meilisearch), ..Options::default() }).await?;
    // On its own task, so that a failed assertion still lets the index be deleted.
    let outcome = tokio::spawn(async move {
        let ready: Value = app.http.get(app.url("/readyz")).send().await?.json().await?;
        anyhow::ensure!(ready["checks"]["search"]["backend"] == "meilisearch", "{ready}");
        find_within_the_workspace(&app).await?;
        changes_reach_the_index(&app).await
    })
    .await;
    clean_up(&config, outcome).await
}

/// Waits until `/readyz` reports the search index as `status` with `pending` outbox rows at
/// least (or, for `Some(0)`, none left).
async fn search_status(app: &TestApp, status: &str, pending: Option<u64>) -> anyhow::Result<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let response = app.http.get(app.url("/readyz")).send().await?;
        anyhow::ensure!(response.status() == 200, "a search index that is down leaves the replica ready");
        let ready: Value = response.json().await?;
        let search = &ready["checks"]["search"];
        let rows = search["pending"].as_u64();
        let pending_ok = match pending {
            Some(0) => rows == Some(0),
            Some(n) => rows >= Some(n),
            None => true,
        };
        if search["status"] == status && pending_ok {
            return Ok(ready);
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "readyz never said {status} with {pending:?} pending: {ready}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn meilisearch_that_was_down_catches_up_with_every_write_when_meili_url_is_set() -> anyhow::Result<()> {
    let Some(config) = meili_config(&RELAYED_INDEX) else {
        println!(
            "skipped: MEILI_URL not set (an index that was down catching up was tested with the embedded index only)"
        );
        return Ok(());
    };
    let relay = Relay::start(&config.url).await?;
    RELAY_URL.get_or_init(|| relay.url.clone());
    let app =
        TestApp::start_with(Options { configure: Some(through_the_relay), ..Options::default() }).await?;
    let outcome = tokio::spawn(async move {
        let token = app.token(&app.workspace("Shop").await?).await?;
        let (kept, version) =
            create(&app, &token, json!({ "name": "陈静", "phones": [{ "value": "13600007777" }] })).await?;
        eventually(&app, &token, "7777", |ids| ids.contains(&kept)).await?;

        // Meilisearch goes away: writes still succeed and wait in the outbox.
        relay.set(false);
        let (arrived, _) =
            create(&app, &token, json!({ "name": "离线客户", "phones": [{ "value": "13500001234" }] }))
                .await?;
        let update = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }";
        let input = json!({ "id": kept, "version": version, "phones": [{ "value": "13600008888" }] });
        let response = app.as_token(&token).execute(update, json!({ "input": input })).await?;
        anyhow::ensure!(response.error_code().is_none(), "{response:?}");
        search_status(&app, "unavailable", Some(2)).await?;
        let response = app.as_token(&token).execute(SEARCH, json!({ "q": "离线" })).await?;
        anyhow::ensure!(response.error_code() == Some("UNAVAILABLE"), "{response:?}");

        // It comes back: both changes arrive, nothing is lost, the outbox empties.
        relay.set(true);
        eventually(&app, &token, "1234", |ids| ids.contains(&arrived)).await?;
        eventually(&app, &token, "8888", |ids| ids.contains(&kept)).await?;
        eventually(&app, &token, "7777", |ids| !ids.contains(&kept)).await?;
        search_status(&app, "ok", Some(0)).await?;
        Ok(())
    })
    .await;
    clean_up(&config, outcome).await
}

#[tokio::test]
async fn writes_go_on_while_meilisearch_is_down_and_search_says_unavailable() -> anyhow::Result<()> {
    fn nobody_listening(settings: &mut Settings) {
        // Port 9 (discard) has no listener here: connections are refused at once.
        settings.meili_url = Some("http://127.0.0.1:9".to_owned());
    }
    let app =
        TestApp::start_with(Options { configure: Some(nobody_listening), ..Options::default() }).await?;
    let token = app.token(&app.workspace("Shop").await?).await?;
    let (id, _) =
        create(&app, &token, json!({ "name": "李娜", "phones": [{ "value": "13700001234" }] })).await?;
    assert!(!id.is_empty(), "the customer is saved although the index is down");

    let response = app.as_token(&token).execute(SEARCH, json!({ "q": "李娜" })).await?;
    assert_eq!(response.error_code(), Some("UNAVAILABLE"), "{response:?}");

    // The change waits in the outbox.
    let ready = search_status(&app, "unavailable", Some(1)).await?;
    let search = &ready["checks"]["search"];
    assert_eq!(ready["status"], "degraded");
    assert_eq!(search["backend"], "meilisearch");
    assert!(search["lastError"].is_string(), "{ready}");
    Ok(())
}
