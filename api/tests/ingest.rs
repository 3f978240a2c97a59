//! Transactions, refunds and interactions as integrators push them: identity resolution,
//! idempotent pushes (also when they race), aggregates, the timeline, the customer list's
//! filters, sorts and keyset pages, and merge / unmerge. Runs on SQLite and PostgreSQL.

mod common;

use common::TestApp;
use serde_json::{Value, json};

const PUSH: &str = "mutation($input: RecordTransactionInput!) {
  recordTransaction(input: $input) { created customerCreated customerId transaction { id status amount { amountMinor } } }
}";
const REFUND: &str = "mutation($input: RecordRefundInput!) {
  recordRefund(input: $input) { created transaction { id kind amount { amountMinor } refundOf } }
}";
const INTERACT: &str = "mutation($input: RecordInteractionInput!) {
  recordInteraction(input: $input) { created customerId interaction { id kind agent { name } } }
}";
const AGGREGATES: &str = "query($id: ID!) {
  customer(id: $id) { id code name lifecycleStage totalSpend { amountMinor currency } orderCount categoryCount
    firstPurchaseAt lastPurchaseAt lastActivityAt identities { channel externalId } phones { value(reveal: true) } }
}";

async fn owner(app: &TestApp) -> anyhow::Result<String> {
    let account = app.workspace("Shop").await?;
    app.token(&account).await
}

async fn push(app: &TestApp, token: &str, input: Value) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(PUSH, json!({ "input": input })).await?.data()["recordTransaction"]
        .clone())
}

async fn customer(app: &TestApp, token: &str, id: &Value) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(AGGREGATES, json!({ "id": id })).await?.data()["customer"].clone())
}

fn wechat(openid: &str) -> Value {
    json!({ "identity": { "channel": "WECHAT", "externalId": openid } })
}

#[tokio::test]
async fn a_push_finds_the_customer_by_identity_then_phone_then_email_or_creates_one() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let first = push(&app, &token, json!({ "customer": { "identity": { "channel": "WECHAT", "externalId": "o-1" }, "phone": "13800000001", "name": "微信用户" }, "channel": "WECHAT", "amountMinor": 100 })).await?;
    assert_eq!(first["customerCreated"], true);
    let id = first["customerId"].clone();

    let by_identity =
        push(&app, &token, json!({ "customer": wechat("o-1"), "channel": "WECHAT", "amountMinor": 200 }))
            .await?;
    assert_eq!(
        (by_identity["customerId"].clone(), by_identity["customerCreated"].clone()),
        (id.clone(), json!(false))
    );

    let by_phone = push(&app, &token, json!({ "customer": { "phone": "+86 138-0000-0001", "identity": { "channel": "STORE", "externalId": "card-9" } }, "channel": "STORE", "amountMinor": 300 })).await?;
    assert_eq!(by_phone["customerId"], id, "the normalised phone matches");
    let found = customer(&app, &token, &id).await?;
    assert_eq!(found["identities"].as_array().map(Vec::len), Some(2), "the store card was linked: {found}");
    assert_eq!(found["name"], "微信用户");
    assert_eq!(found["lifecycleStage"], "NEW", "a lead who buys becomes a new customer");

    let by_email = push(
        &app,
        &token,
        json!({ "customer": { "email": "New@Shop.cn" }, "channel": "WEB", "amountMinor": 1 }),
    )
    .await?;
    assert_eq!(by_email["customerCreated"], true);
    let again = push(
        &app,
        &token,
        json!({ "customer": { "email": "new@shop.cn" }, "channel": "WEB", "amountMinor": 1 }),
    )
    .await?;
    assert_eq!(again["customerId"], by_email["customerId"]);

    let nobody = app
        .as_token(&token)
        .execute(PUSH, json!({ "input": { "customer": {}, "channel": "WEB", "amountMinor": 1 } }))
        .await?;
    assert_eq!(nobody.error_extension("field"), "customer");
    let unknown = app
        .as_token(&token)
        .execute(PUSH, json!({ "input": { "customer": { "id": uuid::Uuid::now_v7().to_string() }, "channel": "WEB", "amountMinor": 1 } }))
        .await?;
    assert_eq!(unknown.error_code(), Some("NOT_FOUND"), "an unknown id never creates a customer");

    // An amount as written: at most two decimals, said as such (not "wrong type").
    let written = push(
        &app,
        &token,
        json!({ "customer": { "id": by_email["customerId"] }, "channel": "WEB", "amount": "¥1,234.5" }),
    )
    .await?;
    assert_eq!(written["transaction"]["amount"]["amountMinor"], 123_450, "{written}");
    for (input, field, reason) in [
        (json!({ "amount": "12.345" }), "amount", "DECIMALS"),
        (json!({ "amount": "12,3a" }), "amount", "WRONG_TYPE"),
        (json!({ "amount": "12.34", "amountMinor": 1234 }), "amountMinor", ""),
        (json!({}), "amountMinor", ""),
    ] {
        let mut full = json!({ "customer": { "id": by_email["customerId"] }, "channel": "WEB" });
        full.as_object_mut()
            .into_iter()
            .for_each(|o| o.extend(input.as_object().cloned().unwrap_or_default()));
        let refused = app.as_token(&token).execute(PUSH, json!({ "input": full })).await?;
        assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{input}");
        assert_eq!(refused.error_extension("field"), field, "{input}");
        if !reason.is_empty() {
            assert_eq!(refused.error_extension("reason"), reason, "{input}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn concurrent_identical_pushes_leave_one_transaction_and_one_customer() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let input = json!({
        "customer": { "identity": { "channel": "MARKETPLACE", "externalId": "buyer-77" }, "name": "Buyer" },
        "channel": "MARKETPLACE",
        "amountMinor": 25_800,
        "externalRef": "order-2026-0001",
        "items": [{ "sku": "T-1", "name": "Tea", "category": "drinks", "quantity": 2, "unitPriceMinor": 12_900 }],
    });
    let pushes = (0..8).map(|_| {
        let client = app.as_token(&token);
        let input = input.clone();
        async move { client.execute(PUSH, json!({ "input": input })).await }
    });
    let results = futures_util::future::join_all(pushes).await;
    let mut ids = Vec::new();
    let mut created = 0;
    for result in results {
        let response = result?;
        let payload = &response.data()["recordTransaction"];
        ids.push(payload["transaction"]["id"].clone());
        if payload["created"] == true {
            created += 1;
        }
    }
    assert_eq!(created, 1, "exactly one push created the transaction");
    assert!(ids.iter().all(|id| *id == ids[0]), "every retry got the first result: {ids:?}");
    let list = app.as_token(&token).execute("{ customers(first: 10) { totalCount edges { node { id orderCount totalSpend { amountMinor } transactions(first: 10) { edges { node { id } } } } } } }", json!({})).await?;
    let data = list.data();
    assert_eq!(data["customers"]["totalCount"], 1, "one customer");
    let node = &data["customers"]["edges"][0]["node"];
    assert_eq!(node["orderCount"], 1);
    assert_eq!(node["totalSpend"]["amountMinor"], 25_800);
    assert_eq!(node["transactions"]["edges"].as_array().map(Vec::len), Some(1));
    Ok(())
}

#[tokio::test]
async fn refunds_update_the_purchase_and_the_aggregates() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let at = |day: u32| format!("2026-0{}-1{day}T10:00:00Z", 3);
    let first = push(&app, &token, json!({ "customer": wechat("r-1"), "channel": "APP", "amountMinor": 10_000, "externalRef": "A", "occurredAt": at(1),
        "items": [{ "name": "Shoes", "category": "shoes", "unitPriceMinor": 10_000 }] })).await?;
    let id = first["customerId"].clone();
    push(&app, &token, json!({ "customer": wechat("r-1"), "channel": "APP", "amountMinor": 5_000, "externalRef": "B", "occurredAt": at(2),
        "items": [{ "name": "Hat", "category": "hats", "unitPriceMinor": 5_000 }] })).await?;
    let agg = customer(&app, &token, &id).await?;
    assert_eq!(
        (agg["totalSpend"]["amountMinor"].clone(), agg["orderCount"].clone(), agg["categoryCount"].clone()),
        (json!(15_000), json!(2), json!(2))
    );

    let partial = app
        .as_token(&token)
        .execute(
            REFUND,
            json!({ "input": { "originalExternalRef": "A", "amountMinor": 4_000, "externalRef": "RA-1" } }),
        )
        .await?;
    let partial = &partial.data()["recordRefund"]["transaction"];
    assert_eq!(partial["kind"], "REFUND");
    assert_eq!(partial["refundOf"], first["transaction"]["id"]);
    let agg = customer(&app, &token, &id).await?;
    assert_eq!(agg["totalSpend"]["amountMinor"], 11_000);
    assert_eq!(agg["orderCount"], 2, "a partly refunded order still counts");

    let too_much = app
        .as_token(&token)
        .execute(REFUND, json!({ "input": { "originalExternalRef": "A", "amountMinor": 6_001 } }))
        .await?;
    assert_eq!(too_much.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(too_much.error_extension("field"), "amountMinor");

    let rest = app
        .as_token(&token)
        .execute(REFUND, json!({ "input": { "transactionId": first["transaction"]["id"] } }))
        .await?;
    assert_eq!(
        rest.data()["recordRefund"]["transaction"]["amount"]["amountMinor"],
        6_000,
        "the remainder by default"
    );
    let agg = customer(&app, &token, &id).await?;
    assert_eq!(agg["totalSpend"]["amountMinor"], 5_000);
    assert_eq!(agg["orderCount"], 1, "a fully refunded order no longer counts");
    assert_eq!(agg["categoryCount"], 1);
    assert_eq!(agg["firstPurchaseAt"], agg["lastPurchaseAt"]);
    assert_eq!(
        agg["firstPurchaseAt"], "2026-03-12T10:00:00+00:00",
        "the refunded purchase no longer opens it"
    );

    // A purchase in another currency is an order but is not added to the workspace-currency spend.
    push(
        &app,
        &token,
        json!({ "customer": wechat("r-1"), "channel": "APP", "amountMinor": 7_000, "currency": "USD",
        "externalRef": "C", "occurredAt": at(3) }),
    )
    .await?;
    let agg = customer(&app, &token, &id).await?;
    assert_eq!(
        (agg["totalSpend"]["amountMinor"].clone(), agg["orderCount"].clone()),
        (json!(5_000), json!(2))
    );
    assert_eq!(agg["lastPurchaseAt"], "2026-03-13T10:00:00+00:00");

    let retried = app
        .as_token(&token)
        .execute(
            REFUND,
            json!({ "input": { "originalExternalRef": "A", "amountMinor": 4_000, "externalRef": "RA-1" } }),
        )
        .await?;
    assert_eq!(retried.data()["recordRefund"]["created"], false, "a retried refund is not refunded twice");
    for bad in [
        json!({ "amountMinor": -1 }),
        json!({ "amountMinor": 1, "currency": "yuan" }),
        json!({ "amountMinor": 1, "items": [{ "name": "x", "quantity": 0, "unitPriceMinor": 1 }] }),
    ] {
        let mut input = json!({ "customer": wechat("r-1"), "channel": "APP" });
        if let (Some(input), Some(bad)) = (input.as_object_mut(), bad.as_object()) {
            input.extend(bad.clone());
        }
        let response = app.as_token(&token).execute(PUSH, json!({ "input": input })).await?;
        assert_eq!(response.error_code(), Some("BAD_USER_INPUT"), "{bad}");
    }
    let agg = customer(&app, &token, &id).await?;
    assert_eq!(agg["totalSpend"]["amountMinor"], 5_000, "refused pushes changed nothing");
    Ok(())
}

#[tokio::test]
async fn the_timeline_merges_transactions_and_interactions_newest_first_across_pages() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let first = push(&app, &token, json!({ "customer": wechat("t-1"), "channel": "WECHAT", "amountMinor": 1, "occurredAt": "2026-01-01T00:00:00Z" })).await?;
    let id = first["customerId"].clone();
    let interaction = app
        .as_token(&token)
        .execute(INTERACT, json!({ "input": { "customer": { "id": id }, "kind": "CALL", "direction": "OUTBOUND", "subject": "回访", "occurredAt": "2026-02-01T00:00:00Z", "externalRef": "call-1" } }))
        .await?;
    assert_eq!(
        interaction.data()["recordInteraction"]["interaction"]["agent"]["name"],
        "Shop Owner",
        "staff are the agent"
    );
    push(&app, &token, json!({ "customer": { "id": id }, "channel": "WEB", "amountMinor": 2, "occurredAt": "2026-03-01T00:00:00Z" })).await?;
    app.as_token(&token)
        .execute(INTERACT, json!({ "input": { "customer": { "id": id }, "kind": "CHAT", "direction": "INBOUND", "occurredAt": "2026-04-01T00:00:00Z" } }))
        .await?
        .data();
    let timeline = "query($id: ID!, $after: String) { customer(id: $id) { transactions(first: 1) { totalCount } timeline(first: 3, after: $after) {
        totalCount pageInfo { hasNextPage } edges { cursor node { __typename ... on Transaction { occurredAt } ... on Interaction { occurredAt } } } } } }";
    let page = app.as_token(&token).execute(timeline, json!({ "id": id })).await?;
    let data = &page.data()["customer"]["timeline"];
    let kinds: Vec<&str> = data["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["node"]["__typename"].as_str())
        .collect();
    assert_eq!(kinds, ["Interaction", "Transaction", "Interaction"]);
    assert_eq!(data["pageInfo"]["hasNextPage"], true);
    assert_eq!(data["totalCount"], 4, "counts every entry, not the page");
    assert_eq!(page.data()["customer"]["transactions"]["totalCount"], 2);
    let cursor = data["edges"][2]["cursor"].clone();
    let rest = app.as_token(&token).execute(timeline, json!({ "id": id, "after": cursor })).await?;
    let rest = &rest.data()["customer"]["timeline"];
    assert_eq!(rest["edges"][0]["node"]["occurredAt"], "2026-01-01T00:00:00+00:00");
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    let agg = customer(&app, &token, &id).await?;
    assert_eq!(agg["lastActivityAt"], "2026-04-01T00:00:00+00:00");
    Ok(())
}

/// The order a walk of the customer list in `field` order came back in is that order.
fn assert_sorted(
    field: &str,
    descending: bool,
    names: &[String],
    spends: &[(i64, Value)],
    stars: &[Option<i64>],
) {
    match field {
        "NAME" => assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}"),
        "TOTAL_SPEND" => assert!(spends.windows(2).all(|w| w[0].0 >= w[1].0), "{spends:?}"),
        "LAST_PURCHASE" => {
            let nulls_at = spends.iter().position(|s| s.1.is_null()).unwrap_or(12);
            assert!(
                spends[nulls_at..].iter().all(|s| s.1.is_null()),
                "never-bought customers come last: {spends:?}"
            );
        }
        "STARS" => {
            let rated: Vec<i64> = stars.iter().map_while(|s| *s).collect();
            let in_order = if descending {
                rated.windows(2).all(|w| w[0] >= w[1])
            } else {
                rated.windows(2).all(|w| w[0] <= w[1])
            };
            assert!(in_order, "{stars:?}");
            assert!(stars[rated.len()..].iter().all(Option::is_none), "unrated come last: {stars:?}");
        }
        _ => assert_eq!(names.first().map(String::as_str), Some("Customer 11"), "newest first"),
    }
}

#[tokio::test]
async fn the_list_filters_sorts_and_pages_without_gaps_or_repeats() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let create = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }";
    for i in 0..12 {
        let tags = if i % 3 == 0 {
            json!(["vip", "north"])
        } else if i % 3 == 1 {
            json!(["vip"])
        } else {
            json!([])
        };
        let created = app
            .as_token(&token)
            .execute(create, json!({ "input": { "name": format!("Customer {i:02}"), "tags": tags, "identities": [{ "channel": if i % 2 == 0 { "APP" } else { "STORE" }, "externalId": format!("x-{i}") }] } }))
            .await?;
        let id = created.data()["createCustomer"]["id"].clone();
        if i % 4 != 3 {
            push(&app, &token, json!({ "customer": { "id": id }, "channel": "APP", "amountMinor": 1_000 * (i % 5), "occurredAt": format!("2026-05-{:02}T08:00:00Z", i + 1) })).await?;
        }
    }
    let list = "query($first: Int, $after: String, $filter: CustomerFilter, $order: CustomerOrder) {
        customers(first: $first, after: $after, filter: $filter, orderBy: $order) {
          totalCount pageInfo { hasNextPage } edges { cursor node { name stars totalSpend { amountMinor } lastPurchaseAt } } } }";
    // Walk every sort order in pages of 5 and check the order and completeness.
    for (field, descending) in [
        ("CREATED", true),
        ("NAME", false),
        ("TOTAL_SPEND", true),
        ("LAST_PURCHASE", false),
        ("LAST_PURCHASE", true),
        ("STARS", true),
        ("STARS", false),
    ] {
        let mut names = Vec::new();
        let mut spends = Vec::new();
        let mut stars = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = app.as_token(&token).execute(list, json!({ "first": 5, "after": after, "order": { "field": field, "descending": descending } })).await?;
            let data = &page.data()["customers"];
            for edge in data["edges"].as_array().into_iter().flatten() {
                names.push(edge["node"]["name"].as_str().unwrap_or_default().to_owned());
                spends.push((
                    edge["node"]["totalSpend"]["amountMinor"].as_i64().unwrap_or(-1),
                    edge["node"]["lastPurchaseAt"].clone(),
                ));
                stars.push(edge["node"]["stars"].as_i64());
                after = edge["cursor"].clone();
            }
            if data["pageInfo"]["hasNextPage"] != true {
                break;
            }
        }
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 12, "{field}: every customer once: {names:?}");
        assert_sorted(field, descending, &names, &spends, &stars);
    }
    let total = |filter: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            let response =
                app.as_token(&token).execute(list, json!({ "first": 1, "filter": filter })).await?;
            anyhow::Ok(response.data()["customers"]["totalCount"].as_u64().unwrap_or(u64::MAX))
        }
    };
    assert_eq!(total(json!({ "tagsAny": ["vip"] })).await?, 8);
    assert_eq!(total(json!({ "tagsAll": ["vip", "north"] })).await?, 4);
    assert_eq!(total(json!({ "channels": ["STORE"] })).await?, 6);
    assert_eq!(total(json!({ "totalSpend": { "min": 3000 } })).await?, 3, "spends 4000, 3000 and 4000");
    assert_eq!(total(json!({ "orderCount": { "min": 1 } })).await?, 9);
    assert_eq!(total(json!({ "lastPurchaseAt": { "from": "2026-05-10T00:00:00Z" } })).await?, 2);
    assert_eq!(
        total(json!({ "and": [{ "tagsAny": ["vip"] }, { "not": { "channels": ["APP"] } }] })).await?,
        4
    );
    assert_eq!(total(json!({ "or": [{ "tagsAll": ["north"] }, { "search": "Customer 02" }] })).await?, 5);
    assert_eq!(total(json!({ "search": "C000003" })).await?, 1, "codes are searchable");
    assert_eq!(
        total(json!({ "unrated": true })).await?,
        3,
        "a purchase rates at once: only the never-bought are unrated"
    );
    let too_big = app
        .as_token(&token)
        .execute(list, json!({ "first": 1, "filter": { "or": (0..60).map(|_| json!({ "search": "x" })).collect::<Vec<_>>() } }))
        .await?;
    assert_eq!(too_big.error_extension("field"), "filter");
    let bad_cursor =
        app.as_token(&token).execute(list, json!({ "first": 1, "after": "bm90LWEtY3Vyc29y" })).await?;
    assert_eq!(bad_cursor.error_extension("field"), "after");
    Ok(())
}

#[tokio::test]
async fn merge_moves_the_history_and_unmerge_puts_it_back() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let create = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id version } }";
    let a = app
        .as_token(&token)
        .execute(
            create,
            json!({ "input": { "name": "王芳", "phones": [{ "value": "13912345678" }], "emails": [{ "value": "wang@a.example" }], "tags": ["vip"] } }),
        )
        .await?;
    let a = a.data()["createCustomer"].clone();
    let b = app
        .as_token(&token)
        .execute(create, json!({ "input": { "name": "Wang Fang", "company": "Fang Tea", "phones": [{ "value": "+8613912345678" }, { "value": "13700000000" }], "emails": [{ "value": "fang@b.example" }], "tags": ["tea"], "identities": [{ "channel": "WECHAT", "externalId": "wf" }] } }))
        .await?;
    let b = b.data()["createCustomer"].clone();
    push(&app, &token, json!({ "customer": { "id": a["id"] }, "channel": "STORE", "amountMinor": 1_000 }))
        .await?;
    push(&app, &token, json!({ "customer": wechat("wf"), "channel": "WECHAT", "amountMinor": 2_000 }))
        .await?;

    let candidates = app
        .as_token(&token)
        .execute(
            "query($id: ID!) { duplicateCandidates(customerId: $id) { customer { id } reasons } }",
            json!({ "id": a["id"] }),
        )
        .await?;
    assert_eq!(
        candidates.data()["duplicateCandidates"],
        json!([{ "customer": { "id": b["id"] }, "reasons": ["SAME_PHONE"] }])
    );

    let merge = "mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { merge { id } customer { id company tags orderCount totalSpend { amountMinor } identities { externalId } phones { value(reveal: true) } emails { primary } } } }";
    let stale = app
        .as_token(&token)
        .execute(
            merge,
            json!({ "input": { "survivorId": a["id"], "mergedId": b["id"], "survivorVersion": 99 } }),
        )
        .await?;
    assert_eq!(stale.error_code(), Some("CONFLICT"));
    let same = app
        .as_token(&token)
        .execute(
            merge,
            json!({ "input": { "survivorId": a["id"], "mergedId": a["id"], "survivorVersion": 1 } }),
        )
        .await?;
    assert_eq!(same.error_code(), Some("BAD_USER_INPUT"));

    let merged = app.as_token(&token).execute(merge, json!({ "input": { "survivorId": a["id"], "mergedId": b["id"], "survivorVersion": a["version"] } })).await?;
    let merged = merged.data()["mergeCustomers"].clone();
    let survivor = &merged["customer"];
    assert_eq!(survivor["company"], "Fang Tea", "empty fields are filled");
    assert_eq!(survivor["tags"], json!(["tea", "vip"]));
    assert_eq!(survivor["orderCount"], 2);
    assert_eq!(survivor["totalSpend"]["amountMinor"], 3_000);
    assert_eq!(survivor["identities"], json!([{ "externalId": "wf" }]));
    assert_eq!(survivor["phones"].as_array().map(Vec::len), Some(2), "the shared phone is kept once");
    assert_eq!(
        survivor["emails"],
        json!([{ "primary": true }, { "primary": false }]),
        "one primary: the survivor's"
    );

    let via_old_id = customer(&app, &token, &b["id"]).await?;
    assert_eq!(via_old_id["id"], a["id"], "the merged-away id resolves to the survivor");
    let pushed =
        push(&app, &token, json!({ "customer": wechat("wf"), "channel": "WECHAT", "amountMinor": 500 }))
            .await?;
    assert_eq!(pushed["customerId"], a["id"], "the moved identity now finds the survivor");
    let list = app.as_token(&token).execute("{ customers(first: 10) { totalCount } }", json!({})).await?;
    assert_eq!(list.data()["customers"]["totalCount"], 1);

    let unmerge = "mutation($id: ID!) { unmergeCustomers(mergeId: $id) { survivor { company tags orderCount } restored { id name deleted company tags orderCount identities { externalId } emails { value(reveal: true) primary } } } }";
    let undone = app.as_token(&token).execute(unmerge, json!({ "id": merged["merge"]["id"] })).await?;
    let undone = undone.data()["unmergeCustomers"].clone();
    assert_eq!(
        undone["survivor"],
        json!({ "company": null, "tags": ["vip"], "orderCount": 2 }),
        "the later push stays with the survivor"
    );
    assert_eq!(undone["restored"]["id"], b["id"]);
    assert_eq!(undone["restored"]["deleted"], false);
    assert_eq!(undone["restored"]["company"], "Fang Tea");
    assert_eq!(undone["restored"]["tags"], json!(["tea"]));
    assert_eq!(undone["restored"]["orderCount"], 1);
    assert_eq!(undone["restored"]["identities"], json!([{ "externalId": "wf" }]));
    assert_eq!(
        undone["restored"]["emails"],
        json!([{ "value": "fang@b.example", "primary": true }]),
        "the restored customer's email is primary again"
    );
    let twice = app.as_token(&token).execute(unmerge, json!({ "id": merged["merge"]["id"] })).await?;
    assert_eq!(twice.error_code(), Some("CONFLICT"));
    let list = app.as_token(&token).execute("{ customers(first: 10) { totalCount } }", json!({})).await?;
    assert_eq!(list.data()["customers"]["totalCount"], 2);
    Ok(())
}

#[tokio::test]
async fn concurrent_pushes_of_one_external_ref_record_one_purchase() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let input = json!({ "input": { "customer": { "phone": "13700002222" }, "channel": "STORE", "amountMinor": 3_300,
        "externalRef": "pos-7-0042" } });
    let attempts = (0..6).map(|_| {
        let gql = app.as_token(&token);
        let input = input.clone();
        async move { gql.execute(PUSH, input).await }
    });
    let mut answers = Vec::new();
    for response in futures_util::future::join_all(attempts).await {
        answers.push(response?.data()["recordTransaction"].clone());
    }
    let ids: Vec<&Value> = answers.iter().map(|a| &a["transaction"]["id"]).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "every answer names the one purchase: {answers:?}");
    assert_eq!(answers.iter().filter(|a| a["created"] == true).count(), 1, "{answers:?}");
    let customers: Vec<&Value> = answers.iter().map(|a| &a["customerId"]).collect();
    assert!(customers.iter().all(|c| *c == customers[0]), "one customer was created: {answers:?}");
    let agg = customer(&app, &token, customers[0]).await?;
    assert_eq!(
        (agg["orderCount"].clone(), agg["totalSpend"]["amountMinor"].clone()),
        (json!(1), json!(3_300))
    );
    Ok(())
}
