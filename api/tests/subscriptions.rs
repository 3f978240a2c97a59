//! GraphQL subscriptions through a real graphql-transport-ws client over a WebSocket: a change
//! reaches the subscriber as it is recorded, a reconnect resumes from a position without gaps,
//! credentials are checked in `connection_init`, and nothing crosses workspaces. Runs on SQLite
//! and PostgreSQL.

mod common;

use std::fmt::Write as _;
use std::time::Duration;

use common::TestApp;
use serde_json::{Value, json};
use starcrm_e2e::ws::{Refused, Subscriptions};

const WAIT: Duration = Duration::from_secs(10);
const CUSTOMER_CHANGED: &str = "subscription($id: ID!, $after: Int) { customerChanged(id: $id, after: $after) { position kind customerId payload } }";
const CREATE: &str = "mutation($name: String!) { createCustomer(input: { name: $name }) { id version } }";
const PUSH: &str = "mutation($id: ID!, $ref: String) {
  recordTransaction(input: { customer: { id: $id }, channel: STORE, amountMinor: 120000, externalRef: $ref }) { customerId }
}";

async fn owner(app: &TestApp, name: &str) -> anyhow::Result<String> {
    let account = app.workspace(name).await?;
    app.token(&account).await
}

async fn connect(app: &TestApp, token: &str) -> anyhow::Result<Subscriptions> {
    Subscriptions::connect(&app.base_url, json!({ "authorization": format!("Bearer {token}") }))
        .await?
        .map_err(|refused| anyhow::anyhow!("refused: {refused:?}"))
}

async fn create(app: &TestApp, token: &str, name: &str) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(CREATE, json!({ "name": name })).await?.data()["createCustomer"].clone())
}

/// The `next` payload of subscription `id`, skipping nothing.
async fn next_event(client: &mut Subscriptions, id: &str) -> anyhow::Result<Value> {
    let message = client.next(WAIT).await?;
    anyhow::ensure!(message["type"] == "next" && message["id"] == id, "{message}");
    Ok(message["payload"].clone())
}

/// The error code subscription `id` ended with (a resolver's error comes as a `next` carrying
/// `errors`, then `complete`).
async fn error_code(client: &mut Subscriptions, id: &str) -> anyhow::Result<String> {
    let message = client.next(WAIT).await?;
    anyhow::ensure!(message["id"] == id && message["payload"]["data"].is_null(), "{message}");
    let code = message["payload"]["errors"][0]["extensions"]["code"].as_str().unwrap_or_default().to_owned();
    let done = client.next(WAIT).await?;
    anyhow::ensure!(done["type"] == "complete" && done["id"] == id, "{done}");
    Ok(code)
}

/// Every event of subscription `id` until nothing comes for a moment.
async fn drain(client: &mut Subscriptions, id: &str, field: &str) -> anyhow::Result<Vec<Value>> {
    let mut events = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_millis(800), client.next(WAIT)).await {
            Err(_) => return Ok(events),
            Ok(message) => {
                let message = message?;
                anyhow::ensure!(message["type"] == "next" && message["id"] == id, "{message}");
                events.push(message["payload"]["data"][field].clone());
            }
        }
    }
}

#[tokio::test]
async fn a_purchase_reaches_the_customers_subscriber_as_it_happens_and_a_reconnect_misses_nothing()
-> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app, "Live shop").await?;
    let lin = create(&app, &token, "Lin").await?;
    let other = create(&app, &token, "Other").await?;

    let mut client = connect(&app, &token).await?;
    client.subscribe("1", CUSTOMER_CHANGED, json!({ "id": lin["id"] })).await?;
    // Subscribed "from now": nothing of the past arrives.
    assert!(client.is_quiet(Duration::from_millis(700)).await?);

    app.as_token(&token).execute(PUSH, json!({ "id": other["id"] })).await?;
    app.as_token(&token).execute(PUSH, json!({ "id": lin["id"], "ref": "pos-1" })).await?;
    let first = next_event(&mut client, "1").await?;
    let event = &first["data"]["customerChanged"];
    assert_eq!(event["kind"], "transactionRecorded", "{first}");
    assert_eq!(event["customerId"], lin["id"], "only Lin's changes: {first}");
    assert_eq!(event["payload"]["amountMinor"], 120_000);
    // The purchase rates Lin and makes them active: those follow, in feed order, all Lin's.
    let rest = drain(&mut client, "1", "customerChanged").await?;
    let kinds: Vec<&str> = rest.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert!(kinds.contains(&"starsChanged"), "{kinds:?}");
    assert!(rest.iter().all(|e| e["customerId"] == lin["id"]));
    let mut positions = vec![event["position"].as_i64().unwrap_or_default()];
    positions.extend(rest.iter().filter_map(|e| e["position"].as_i64()));
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    let seen = positions.last().copied().unwrap_or_default();
    client.complete("1").await?;
    drop(client);

    // While nobody listens, Lin changes; a client that comes back with the last position it
    // saw gets exactly what it missed, then what comes next.
    app.as_token(&token)
        .execute(
            "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
            json!({ "input": { "id": lin["id"], "version": lin["version"], "company": "Acme" } }),
        )
        .await?;
    let mut client = connect(&app, &token).await?;
    client.subscribe("2", CUSTOMER_CHANGED, json!({ "id": lin["id"], "after": seen })).await?;
    let missed = next_event(&mut client, "2").await?;
    assert_eq!(missed["data"]["customerChanged"]["kind"], "customerUpdated", "{missed}");
    assert_eq!(missed["data"]["customerChanged"]["payload"]["fields"], json!(["company"]), "{missed}");
    app.as_token(&token).execute(PUSH, json!({ "id": lin["id"], "ref": "pos-2" })).await?;
    let live = next_event(&mut client, "2").await?;
    assert_eq!(live["data"]["customerChanged"]["kind"], "transactionRecorded");
    Ok(())
}

#[tokio::test]
async fn the_connection_needs_a_valid_credential_and_subscriptions_need_customers_read() -> anyhow::Result<()>
{
    let app = TestApp::start().await?;
    let token = owner(&app, "Guarded").await?;
    for payload in
        [json!({}), json!({ "authorization": "Bearer not-a-token" }), json!({ "token": "scrm_made_up" })]
    {
        let refused = Subscriptions::connect(&app.base_url, payload.clone()).await?;
        // Closed before any subscription, saying why.
        match refused {
            Err(Refused::Closed { reason, .. }) => {
                assert!(reason.contains("authentication"), "{payload}: {reason}");
            }
            other => panic!("{payload}: {:?}", other.err()),
        }
    }
    // A token that may not read customers connects but cannot subscribe.
    let pos = app.api_token(&token, &["transactions:write"]).await?;
    let mut client = Subscriptions::connect(&app.base_url, json!({ "token": pos }))
        .await?
        .map_err(|r| anyhow::anyhow!("{r:?}"))?;
    client.subscribe("1", "subscription { changes { position } }", json!({})).await?;
    assert_eq!(error_code(&mut client, "1").await?, "FORBIDDEN");
    // An API token with customers:read may, and its changes feed starts from now.
    let reader = app.api_token(&token, &["customers:read"]).await?;
    let mut client = connect(&app, &reader).await?;
    client
        .subscribe(
            "1",
            "subscription { changes(kinds: [\"customerCreated\"]) { kind customerId } }",
            json!({}),
        )
        .await?;
    let created = create(&app, &token, "Fresh").await?;
    let event = next_event(&mut client, "1").await?;
    assert_eq!(event["data"]["changes"], json!({ "kind": "customerCreated", "customerId": created["id"] }));
    Ok(())
}

#[tokio::test]
async fn a_subscriber_never_sees_another_workspace() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let a = owner(&app, "Tenant A").await?;
    let b = owner(&app, "Tenant B").await?;
    let b_customer = create(&app, &b, "B's customer").await?;
    let mut client = connect(&app, &a).await?;
    // B's customer by id: not found, as over HTTP.
    client.subscribe("1", CUSTOMER_CHANGED, json!({ "id": b_customer["id"] })).await?;
    assert_eq!(error_code(&mut client, "1").await?, "NOT_FOUND");
    client.subscribe("2", "subscription { starsChanged { customerId } }", json!({})).await?;
    client.subscribe("3", "subscription { changes(after: 0) { customerId kind } }", json!({})).await?;
    // B's purchase moves B's stars; A hears nothing of it, from now or from the start.
    app.as_token(&b).execute(PUSH, json!({ "id": b_customer["id"] })).await?;
    assert!(client.is_quiet(Duration::from_secs(2)).await?);
    Ok(())
}

#[tokio::test]
async fn a_connection_holds_a_bounded_number_of_subscriptions() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app, "Bounded").await?;
    let mut client = connect(&app, &token).await?;
    let max = starcrm_api::changes::subscription::MAX_PER_CONNECTION;
    // One more than allowed, sent at once: exactly one is refused (whichever started last).
    for n in 0..=max {
        client.subscribe(&n.to_string(), "subscription { changes { position } }", json!({})).await?;
    }
    let refusal = client.next(WAIT).await?;
    let refused = refusal["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(refusal["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{refusal}");
    assert_eq!(refusal["payload"]["errors"][0]["extensions"]["field"], "subscription", "{refusal}");
    let done = client.next(WAIT).await?;
    assert_eq!((done["type"].as_str(), done["id"].as_str()), (Some("complete"), Some(refused.as_str())));
    // The others all hear the next change.
    create(&app, &token, "Counted").await?;
    let mut heard = std::collections::BTreeSet::new();
    for _ in 0..max {
        let message = client.next(WAIT).await?;
        assert_eq!(message["type"], "next", "{message}");
        heard.insert(message["id"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(heard.len(), max);
    assert!(!heard.contains(&refused));
    // Ending one frees its place.
    let ended = heard.iter().next().cloned().unwrap_or_default();
    client.complete(&ended).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    client.subscribe("again", "subscription { changes { position } }", json!({})).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    create(&app, &token, "Counted again").await?;
    let mut got_again = false;
    let mut nexts = 0;
    while nexts < max {
        let message = client.next(WAIT).await?;
        if message["type"] == "complete" && message["id"] == ended.as_str() {
            continue; // the server confirms the end
        }
        nexts += 1;
        assert_eq!(message["type"], "next", "{message}");
        assert_ne!(message["id"].as_str(), Some(ended.as_str()));
        got_again |= message["id"] == "again";
    }
    assert!(got_again, "the freed place was taken");
    Ok(())
}

#[tokio::test]
async fn the_customer_pages_subscription_runs_as_the_spa_sends_it() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app, "SPA").await?;
    let lin = create(&app, &token, "Lin").await?;
    let document = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../web/graphql/customer_changed.graphql"
    ))?;
    let mut client = connect(&app, &token).await?;
    client.subscribe("live", &document, json!({ "id": lin["id"] })).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.as_token(&token).execute(PUSH, json!({ "id": lin["id"] })).await?;
    let event = next_event(&mut client, "live").await?;
    assert_eq!(event["data"]["customerChanged"]["kind"], "transactionRecorded", "{event}");
    Ok(())
}

#[tokio::test]
async fn an_imports_progress_arrives_live_until_it_finishes() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app, "Import live").await?;
    let mut file = String::from("name,phone\n");
    for i in 0..250 {
        let _ = writeln!(file, "Person {i},137{i:08}");
    }
    let response = app
        .http
        .post(app.url("/api/imports?fileName=live.csv"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(file)
        .send()
        .await?;
    let id = response.json::<Value>().await?["id"].clone();
    app.as_token(&token)
        .execute("mutation($id: ID!) { startImport(input: { importId: $id }) { id } }", json!({ "id": id }))
        .await?
        .data();
    let mut client = connect(&app, &token).await?;
    client
        .subscribe(
            "p",
            "subscription($id: ID!) { importProgress(id: $id) { status processedRows totalRows created } }",
            json!({ "id": id }),
        )
        .await?;
    let first = next_event(&mut client, "p").await?;
    assert_eq!(first["data"]["importProgress"]["status"], "QUEUED", "{first}");
    // The worker runs it in batches of 100; the subscriber sees it move, then finish, then the
    // subscription completes by itself.
    let opts = starcrm_api::imports::run::RunOptions { batch_size: 100, ..Default::default() };
    app.state.imports.run_once(&app.state.db, &opts).await?;
    let mut seen = Vec::new();
    loop {
        let message = client.next(WAIT).await?;
        if message["type"] == "complete" {
            break;
        }
        anyhow::ensure!(message["type"] == "next", "{message}");
        seen.push(message["payload"]["data"]["importProgress"].clone());
    }
    let last = seen.last().cloned().unwrap_or_default();
    assert_eq!(
        (last["status"].as_str(), last["created"].as_i64(), last["totalRows"].as_i64()),
        (Some("SUCCEEDED"), Some(250), Some(250)),
        "{seen:?}"
    );

    // Another workspace cannot follow it.
    let stranger = owner(&app, "Other live").await?;
    let mut other = connect(&app, &stranger).await?;
    other
        .subscribe("x", "subscription($id: ID!) { importProgress(id: $id) { status } }", json!({ "id": id }))
        .await?;
    assert_eq!(error_code(&mut other, "x").await?, "NOT_FOUND");
    Ok(())
}
