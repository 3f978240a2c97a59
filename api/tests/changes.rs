//! The change feed: every domain change recorded once, with gapless per-workspace positions, in
//! the transaction of the change; read with `changes(after:)`. Runs on SQLite and PostgreSQL.

mod common;

use common::TestApp;
use serde_json::{Value, json};

const FEED: &str = "query($after: Int, $first: Int, $kinds: [String!]) {
  changes(after: $after, first: $first, kinds: $kinds) {
    events { id position kind customerId payload occurredAt } endPosition hasMore
  }
}";
const CREATE: &str =
    "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id version } }";
const UPDATE: &str =
    "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id version } }";
const PUSH: &str = "mutation($input: RecordTransactionInput!) {
  recordTransaction(input: $input) { customerId transaction { id } }
}";

async fn owner(app: &TestApp) -> anyhow::Result<String> {
    let account = app.workspace("Shop").await?;
    app.token(&account).await
}

async fn feed(app: &TestApp, token: &str, after: i64, first: i64) -> anyhow::Result<Value> {
    let response = app.as_token(token).execute(FEED, json!({ "after": after, "first": first })).await?;
    Ok(response.data()["changes"].clone())
}

fn kinds(page: &Value) -> Vec<String> {
    page["events"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["kind"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn positions(page: &Value) -> Vec<i64> {
    page["events"].as_array().into_iter().flatten().filter_map(|e| e["position"].as_i64()).collect()
}

async fn create(app: &TestApp, token: &str, input: Value) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(CREATE, json!({ "input": input })).await?.data()["createCustomer"].clone())
}

#[tokio::test]
async fn a_customer_created_with_a_channel_identity_is_one_change() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let input = json!({ "name": "林秀英", "identities": [{ "channel": "APP", "externalId": "app-7" }] });
    create(&app, &token, input).await?;
    let page = feed(&app, &token, 0, 50).await?;
    assert_eq!(kinds(&page), ["customerCreated"], "its creation, not an update besides: {page}");
    Ok(())
}

#[tokio::test]
async fn every_change_is_in_the_feed_once_in_order_without_personal_data() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let gql = app.as_token(&token);

    let created =
        create(&app, &token, json!({ "name": "林秀英", "phones": [{ "value": "13912345678" }] })).await?;
    let id = created["id"].clone();
    let updated = gql
        .execute(
            UPDATE,
            json!({ "input": { "id": id, "version": created["version"], "company": "秀英花店" } }),
        )
        .await?;
    updated.data();
    let pushed = gql
        .execute(PUSH, json!({ "input": { "customer": { "id": id }, "channel": "STORE", "amountMinor": 88_800, "externalRef": "pos-1" } }))
        .await?;
    let transaction = pushed.data()["recordTransaction"]["transaction"]["id"].clone();
    gql.execute(
        "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { transaction { id } } }",
        json!({ "input": { "transactionId": transaction, "amountMinor": 800 } }),
    )
    .await?
    .data();
    gql.execute(
        "mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { interaction { id } } }",
        json!({ "input": { "customer": { "id": id }, "kind": "CALL", "direction": "INBOUND", "subject": "想换货", "body": "秘密的内容" } }),
    )
    .await?
    .data();
    let twin = create(&app, &token, json!({ "name": "林秀英(旧)" })).await?;
    let version =
        gql.execute("query($id: ID!) { customer(id: $id) { version } }", json!({ "id": id })).await?;
    let merge = gql
        .execute(
            "mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { merge { id } } }",
            json!({ "input": { "survivorId": id, "mergedId": twin["id"], "survivorVersion": version.data()["customer"]["version"] } }),
        )
        .await?;
    let merge_id = merge.data()["mergeCustomers"]["merge"]["id"].clone();
    gql.execute(
        "mutation($id: ID!) { unmergeCustomers(mergeId: $id) { restored { id } } }",
        json!({ "id": merge_id }),
    )
    .await?
    .data();
    gql.execute("mutation($id: ID!) { deleteCustomer(id: $id) { id } }", json!({ "id": twin["id"] }))
        .await?
        .data();
    gql.execute("mutation($id: ID!) { restoreCustomer(id: $id) { id } }", json!({ "id": twin["id"] }))
        .await?
        .data();

    let page = feed(&app, &token, 0, 200).await?;
    let all = kinds(&page);
    let n = i64::try_from(all.len())?;
    assert_eq!(positions(&page), (1..=n).collect::<Vec<_>>(), "positions 1..n without gaps: {page}");
    assert_eq!(page["endPosition"], n);
    assert_eq!(page["hasMore"], false);
    // The order the changes were made in (stars and stage changes come with the purchase).
    let expected = [
        "customerCreated",
        "customerUpdated",
        "transactionRecorded",
        "refundRecorded",
        "interactionRecorded",
        "customerCreated",
        "customerMerged",
        "customerUnmerged",
        "customerDeleted",
        "customerRestored",
    ];
    let main: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|k| !matches!(*k, "starsChanged" | "lifecycleChanged"))
        .collect();
    assert_eq!(main, expected, "{page}");
    assert!(all.iter().any(|k| k == "lifecycleChanged"), "the first purchase made the lead active: {all:?}");
    let events = page["events"].as_array().cloned().unwrap_or_default();
    let purchase = events.iter().find(|e| e["kind"] == "transactionRecorded").cloned().unwrap_or_default();
    assert_eq!(purchase["customerId"], id);
    assert_eq!(purchase["payload"]["amountMinor"], 88_800);
    assert_eq!(purchase["payload"]["externalRef"], "pos-1");
    let update = events.iter().find(|e| e["kind"] == "customerUpdated").cloned().unwrap_or_default();
    assert_eq!(update["payload"]["fields"], json!(["company"]), "{update}");
    let merged = events.iter().find(|e| e["kind"] == "customerMerged").cloned().unwrap_or_default();
    assert_eq!(merged["payload"]["mergedId"], twin["id"]);

    let text = page.to_string();
    for secret in ["林秀英", "13912345678", "秀英花店", "想换货", "秘密"] {
        assert!(!text.contains(secret), "the feed holds no personal data ({secret}): {text}");
    }

    // Erasure is recorded too, and nothing about the person was there to scrub.
    gql.execute(
        "mutation($id: ID!, $reason: String!) { eraseCustomer(id: $id, reason: $reason) { id } }",
        json!({ "id": id, "reason": "客户要求删除" }),
    )
    .await?
    .data();
    let after = feed(&app, &token, n, 100).await?;
    assert_eq!(kinds(&after), ["customerErased"], "{after}");
    assert_eq!(after["events"][0]["position"], n + 1);
    assert!(!after.to_string().contains("客户要求删除"));
    Ok(())
}

#[tokio::test]
async fn a_reader_pages_on_from_its_position_and_narrows_by_kind() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    for i in 0..5 {
        create(&app, &token, json!({ "name": format!("Reader {i}") })).await?;
    }
    let first = feed(&app, &token, 0, 2).await?;
    assert_eq!(positions(&first), [1, 2]);
    assert_eq!((first["endPosition"].clone(), first["hasMore"].clone()), (json!(2), json!(true)));
    let second = feed(&app, &token, 2, 2).await?;
    assert_eq!(positions(&second), [3, 4]);
    let last = feed(&app, &token, 4, 2).await?;
    assert_eq!((positions(&last), last["hasMore"].clone()), (vec![5], json!(false)));
    let nothing = feed(&app, &token, 5, 2).await?;
    assert_eq!((positions(&nothing), nothing["endPosition"].clone()), (vec![], json!(5)), "caught up");

    let gql = app.as_token(&token);
    let id = gql.execute("{ customers(first: 1) { nodes { id } } }", json!({})).await?.data()["customers"]["nodes"][0]["id"].clone();
    gql.execute(PUSH, json!({ "input": { "customer": { "id": id }, "channel": "WEB", "amountMinor": 100 } }))
        .await?
        .data();
    let purchases = gql.execute(FEED, json!({ "after": 0, "kinds": ["transactionRecorded"] })).await?;
    assert_eq!(kinds(&purchases.data()["changes"]), ["transactionRecorded"]);

    for (variables, field) in [
        (json!({ "after": -1 }), "after"),
        (json!({ "first": 0 }), "first"),
        (json!({ "first": 201 }), "first"),
        (json!({ "kinds": ["customerExploded"] }), "kinds"),
    ] {
        let refused = gql.execute(FEED, variables.clone()).await?;
        assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{variables}: {}", refused.body);
        assert_eq!(refused.error_extension("field"), field, "{}", refused.body);
    }
    Ok(())
}

#[tokio::test]
async fn a_refused_change_records_nothing() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let created = create(&app, &token, json!({ "name": "Stale" })).await?;
    let stale = app
        .as_token(&token)
        .execute(UPDATE, json!({ "input": { "id": created["id"], "version": 99, "company": "X" } }))
        .await?;
    assert_eq!(stale.error_code(), Some("CONFLICT"));
    let bad = app.as_token(&token).execute(CREATE, json!({ "input": { "name": "" } })).await?;
    assert_eq!(bad.error_code(), Some("BAD_USER_INPUT"));
    let page = feed(&app, &token, 0, 100).await?;
    assert_eq!(kinds(&page), ["customerCreated"], "{page}");
    Ok(())
}

#[tokio::test]
async fn concurrent_writers_get_distinct_gapless_positions() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let writers = (0..8).map(|i| {
        let gql = app.as_token(&token);
        async move {
            for j in 0..4 {
                let input = json!({ "customer": { "phone": format!("1370000{i:02}{j:02}") }, "channel": "APP", "amountMinor": 100 + j });
                gql.execute(PUSH, json!({ "input": input })).await?.data();
            }
            anyhow::Ok(())
        }
    });
    for result in futures_util::future::join_all(writers).await {
        result?;
    }
    let page = feed(&app, &token, 0, 200).await?;
    let got = positions(&page);
    let n = i64::try_from(got.len())?;
    assert_eq!(got, (1..=n).collect::<Vec<_>>(), "no gap, no duplicate under 8 concurrent writers");
    assert_eq!(kinds(&page).iter().filter(|k| *k == "transactionRecorded").count(), 32);
    assert_eq!(kinds(&page).iter().filter(|k| *k == "customerCreated").count(), 32);
    Ok(())
}
