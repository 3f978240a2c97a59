//! The customer data hub over HTTP: profiles with validation and optimistic concurrency,
//! custom fields, soft delete and restore, erasure, and PII masking. Runs on SQLite and PostgreSQL.

mod common;

use common::TestApp;
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    id code name version birthday idNumber lifecycleStage tags
    phones { value label primary } emails { value primary }
    consents { channel granted source }
    identities { channel externalId }
    customFields { key kind value }
  }
}";

const UPDATE: &str = "mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { id name company version tags phones { value } }
}";

const GET: &str = "query($id: ID!) {
  customer(id: $id) { id code name company version deleted erased notes tags
    phones { value(reveal: true) } emails { value(reveal: true) } identities { channel externalId }
    birthday(reveal: true) idNumber(reveal: true)
    totalSpend { amountMinor currency } orderCount }
}";

async fn owner(app: &TestApp) -> anyhow::Result<String> {
    let account = app.workspace("Hub").await?;
    app.token(&account).await
}

async fn create(app: &TestApp, token: &str, input: Value) -> anyhow::Result<Value> {
    let response = app.as_token(token).execute(CREATE, json!({ "input": input })).await?;
    Ok(response.data()["createCustomer"].clone())
}

async fn count(app: &TestApp, token: &str) -> anyhow::Result<u64> {
    let response = app.as_token(token).execute("{ customers(first: 1) { totalCount } }", json!({})).await?;
    Ok(response.data()["customers"]["totalCount"].as_u64().unwrap_or(u64::MAX))
}

#[tokio::test]
async fn a_customer_is_created_with_a_code_normalised_contacts_and_masked_personal_data() -> anyhow::Result<()>
{
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let created = create(
        &app,
        &token,
        json!({
            "name": "  王小明 ",
            "birthday": "1990-03-07",
            "idNumber": "110101199003077777",
            "phones": [{ "value": "138 1234 5678", "label": "mobile" }, { "value": "+44 20 7946 0958" }],
            "emails": [{ "value": "Xiaoming.Wang@Example.COM" }],
            "tags": ["VIP", "vip", "VIP"],
            "consents": [{ "channel": "SMS", "granted": true, "source": "store counter" }],
            "identities": [{ "channel": "WECHAT", "externalId": "oWx_123" }],
        }),
    )
    .await?;
    assert_eq!(created["code"], "C000001");
    assert_eq!(created["name"], "王小明");
    assert_eq!(created["version"], 1);
    assert_eq!(created["birthday"], "****-03-07", "birthdays are masked unless revealed");
    assert_eq!(created["idNumber"], "1101**********7777");
    assert_eq!(created["phones"][0], json!({ "value": "138****5678", "label": "mobile", "primary": true }));
    assert_eq!(created["phones"][1]["primary"], false);
    assert_eq!(created["emails"][0]["value"], "x*****@example.com");
    assert_eq!(created["tags"], json!(["VIP", "vip"]));
    assert_eq!(created["consents"][0]["source"], "store counter");
    assert_eq!(created["identities"][0], json!({ "channel": "WECHAT", "externalId": "oWx_123" }));
    assert_eq!(created["lifecycleStage"], "LEAD");

    let second = create(&app, &token, json!({ "name": "Li Lei" })).await?;
    assert_eq!(second["code"], "C000002", "codes count up per workspace");

    let full = app.as_token(&token).execute(GET, json!({ "id": created["id"] })).await?;
    let full = &full.data()["customer"];
    assert_eq!(full["phones"][0]["value"], "+8613812345678");
    assert_eq!(full["emails"][0]["value"], "xiaoming.wang@example.com");
    assert_eq!(full["birthday"], "1990-03-07");
    let audit = app
        .as_token(&token)
        .execute("{ auditLog(first: 20, filter: { action: \"pii.reveal\" }) { totalCount } }", json!({}))
        .await?;
    assert!(audit.data()["auditLog"]["totalCount"].as_u64() >= Some(4), "every reveal is audited");
    Ok(())
}

#[tokio::test]
async fn bad_input_names_the_field_and_creates_nothing() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let cases = [
        (json!({ "name": "" }), "name", "REQUIRED"),
        (json!({ "name": "A", "phones": [{ "value": "12345" }] }), "phones[0]", "PHONE"),
        (
            json!({ "name": "A", "phones": [{ "value": "13812345678" }, { "value": "+8613812345678" }] }),
            "phones[1]",
            "DUPLICATE",
        ),
        (json!({ "name": "A", "emails": [{ "value": "not-an-email" }] }), "emails[0]", "EMAIL"),
        (json!({ "name": "A", "birthday": "1990-02-30" }), "birthday", "DATE"),
        (json!({ "name": "A", "birthday": "2999-01-01" }), "birthday", "DATE_RANGE"),
        (json!({ "name": "A", "tags": ["a,b"] }), "tags[0]", "CHARACTERS"),
        (
            json!({ "name": "A", "identities": [{ "channel": "WEB", "externalId": "has space" }] }),
            "identities[0].externalId",
            "CHARACTERS",
        ),
        (json!({ "name": "A", "customFields": [{ "key": "nope", "value": 1 }] }), "customFields.nope", ""),
    ];
    for (input, field, reason) in cases {
        let response = app.as_token(&token).execute(CREATE, json!({ "input": input })).await?;
        assert_eq!(response.error_code(), Some("BAD_USER_INPUT"), "{input}");
        assert_eq!(response.error_extension("field"), field, "{input}");
        if !reason.is_empty() {
            assert_eq!(response.error_extension("reason"), reason, "{input}");
        }
    }
    assert_eq!(count(&app, &token).await?, 0, "nothing was created");
    let first = create(&app, &token, json!({ "name": "After the errors" })).await?;
    assert_eq!(first["code"], "C000001", "refused creates do not use up codes");
    Ok(())
}

#[tokio::test]
async fn an_update_names_its_version_and_a_stale_one_conflicts() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let created =
        create(&app, &token, json!({ "name": "Zhang San", "company": "Old Co", "tags": ["a"] })).await?;
    let id = created["id"].clone();

    let updated = app
        .as_token(&token)
        .execute(
            UPDATE,
            json!({ "input": { "id": id, "version": 1, "company": "New Co", "tags": ["b", "c"] } }),
        )
        .await?;
    let updated = &updated.data()["updateCustomer"];
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["company"], "New Co");
    assert_eq!(updated["name"], "Zhang San", "fields left out stay");
    assert_eq!(updated["tags"], json!(["b", "c"]));

    let stale = app
        .as_token(&token)
        .execute(UPDATE, json!({ "input": { "id": id, "version": 1, "company": "Lost Update Co" } }))
        .await?;
    assert_eq!(stale.error_code(), Some("CONFLICT"));
    assert_eq!(stale.error_extension("field"), "version");

    let cleared = app
        .as_token(&token)
        .execute(UPDATE, json!({ "input": { "id": id, "version": 2, "company": null } }))
        .await?;
    assert_eq!(cleared.data()["updateCustomer"]["company"], Value::Null, "null clears");
    let after = app.as_token(&token).execute(GET, json!({ "id": id })).await?;
    assert_eq!(after.data()["customer"]["version"], 3);
    Ok(())
}

#[tokio::test]
async fn custom_fields_are_typed_validated_and_filterable() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let define = "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { id key kind options } }";
    for input in [
        json!({ "key": "favourite_sport", "label": "爱好运动", "kind": "SINGLE_SELECT", "options": ["羽毛球", "游泳"] }),
        json!({ "key": "hobbies", "label": "Hobbies", "kind": "MULTI_SELECT", "options": ["reading", "golf", "tea"] }),
        json!({ "key": "household_size", "label": "Household", "kind": "NUMBER" }),
        json!({ "key": "smoker", "label": "Smoker", "kind": "BOOLEAN" }),
        json!({ "key": "motto", "label": "Motto", "kind": "TEXT" }),
    ] {
        app.as_token(&token).execute(define, json!({ "input": input })).await?.data();
    }
    let duplicate = app
        .as_token(&token)
        .execute(define, json!({ "input": { "key": "motto", "label": "Again", "kind": "TEXT" } }))
        .await?;
    assert_eq!(duplicate.error_code(), Some("CONFLICT"));

    let swimmer = create(
        &app,
        &token,
        json!({ "name": "Swimmer", "customFields": [
            { "key": "favourite_sport", "value": "游泳" },
            { "key": "hobbies", "value": ["tea", "reading"] },
            { "key": "household_size", "value": 4 },
            { "key": "smoker", "value": false },
        ] }),
    )
    .await?;
    assert_eq!(
        swimmer["customFields"],
        json!([
            { "key": "favourite_sport", "kind": "SINGLE_SELECT", "value": "游泳" },
            { "key": "hobbies", "kind": "MULTI_SELECT", "value": ["tea", "reading"] },
            { "key": "household_size", "kind": "NUMBER", "value": 4.0 },
            { "key": "smoker", "kind": "BOOLEAN", "value": false },
        ])
    );
    create(
        &app,
        &token,
        json!({ "name": "Golfer", "customFields": [{ "key": "hobbies", "value": ["golf"] }] }),
    )
    .await?;

    let wrong = app
        .as_token(&token)
        .execute(CREATE, json!({ "input": { "name": "X", "customFields": [{ "key": "favourite_sport", "value": "高尔夫" }] } }))
        .await?;
    assert_eq!(wrong.error_extension("field"), "customFields.favourite_sport");
    assert_eq!(wrong.error_extension("reason"), "NOT_AN_OPTION");
    let wrong_type = app
        .as_token(&token)
        .execute(CREATE, json!({ "input": { "name": "X", "customFields": [{ "key": "household_size", "value": "four" }] } }))
        .await?;
    assert_eq!(wrong_type.error_extension("reason"), "WRONG_TYPE");

    let names = |filter: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            let response = app
                .as_token(&token)
                .execute(
                    "query($filter: CustomerFilter) { customers(first: 50, filter: $filter, orderBy: { field: NAME, descending: false }) { edges { node { name } } } }",
                    json!({ "filter": filter }),
                )
                .await?;
            let names: Vec<String> = response.data()["customers"]["edges"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["node"]["name"].as_str().map(str::to_owned))
                .collect();
            anyhow::Ok(names)
        }
    };
    assert_eq!(
        names(json!({ "customFields": [{ "key": "hobbies", "anyOf": ["tea"] }] })).await?,
        ["Swimmer"]
    );
    assert_eq!(
        names(json!({ "customFields": [{ "key": "household_size", "number": { "min": 3 } }] })).await?,
        ["Swimmer"]
    );
    assert_eq!(names(json!({ "customFields": [{ "key": "smoker", "isSet": false }] })).await?, ["Golfer"]);
    assert_eq!(
        names(json!({ "or": [
            { "customFields": [{ "key": "hobbies", "anyOf": ["golf"] }] },
            { "customFields": [{ "key": "smoker", "boolean": false }] },
        ] }))
        .await?,
        ["Golfer", "Swimmer"]
    );
    assert_eq!(
        names(json!({ "not": { "customFields": [{ "key": "hobbies", "anyOf": ["golf"] }] } })).await?,
        ["Swimmer"]
    );
    Ok(())
}

#[tokio::test]
async fn deleted_customers_leave_the_list_and_come_back_on_restore() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let created = create(&app, &token, json!({ "name": "Binned" })).await?;
    let id = created["id"].clone();
    let deleted = app
        .as_token(&token)
        .execute("mutation($id: ID!) { deleteCustomer(id: $id) { deleted } }", json!({ "id": id }))
        .await?;
    assert_eq!(deleted.data()["deleteCustomer"]["deleted"], true);
    assert_eq!(count(&app, &token).await?, 0);
    let with_deleted = app
        .as_token(&token)
        .execute("{ customers(first: 5, includeDeleted: true) { totalCount } }", json!({}))
        .await?;
    assert_eq!(with_deleted.data()["customers"]["totalCount"], 1);
    let restored = app
        .as_token(&token)
        .execute("mutation($id: ID!) { restoreCustomer(id: $id) { deleted } }", json!({ "id": id }))
        .await?;
    assert_eq!(restored.data()["restoreCustomer"]["deleted"], false);
    assert_eq!(count(&app, &token).await?, 1);
    Ok(())
}

#[tokio::test]
async fn erasure_removes_personal_data_for_good_and_keeps_the_history() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let account = app.workspace("Erasure").await?;
    let token = app.token(&account).await?;
    let created = create(
        &app,
        &token,
        json!({ "name": "Forget Me", "birthday": "1985-01-02", "idNumber": "110101198501021234", "notes": "likes tea",
                "phones": [{ "value": "13900001111" }], "emails": [{ "value": "forget@me.cn" }], "tags": ["x"],
                "identities": [{ "channel": "APP", "externalId": "u-1" }] }),
    )
    .await?;
    let id = created["id"].clone();
    app.as_token(&token)
        .execute(
            "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { created } }",
            json!({ "input": { "customer": { "id": id }, "channel": "APP", "amountMinor": 12_345 } }),
        )
        .await?
        .data();

    let agent = app.add_user(&token, "AGENT").await?;
    let agent_token = app.token(&agent).await?;
    let erase = "mutation($id: ID!, $reason: String!) { eraseCustomer(id: $id, reason: $reason) { name erased deleted } }";
    let refused = app.as_token(&agent_token).execute(erase, json!({ "id": id, "reason": "asked" })).await?;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"));
    let no_reason = app.as_token(&token).execute(erase, json!({ "id": id, "reason": " " })).await?;
    assert_eq!(no_reason.error_extension("field"), "reason");

    let erased = app
        .as_token(&token)
        .execute(erase, json!({ "id": id, "reason": "customer request 2026-11-23" }))
        .await?;
    assert_eq!(
        erased.data()["eraseCustomer"],
        json!({ "name": "C000001 (erased)", "erased": true, "deleted": true })
    );
    let after = app.as_token(&token).execute(GET, json!({ "id": id })).await?;
    let after = &after.data()["customer"];
    for field in ["birthday", "idNumber", "notes", "company"] {
        assert_eq!(after[field], Value::Null, "{field}");
    }
    for list in ["phones", "emails", "identities", "tags"] {
        assert_eq!(after[list], json!([]), "{list}");
    }
    assert_eq!(after["totalSpend"]["amountMinor"], 12_345, "anonymous aggregates stay");
    assert_eq!(after["orderCount"], 1);
    let update = app
        .as_token(&token)
        .execute(UPDATE, json!({ "input": { "id": id, "version": after["version"], "name": "Back" } }))
        .await?;
    assert_eq!(update.error_code(), Some("CONFLICT"), "an erased customer cannot be refilled");
    let audit = app
        .as_token(&token)
        .execute(
            "{ auditLog(first: 5, filter: { action: \"customer.erase\" }) { edges { node { changes } } } }",
            json!({}),
        )
        .await?;
    let changes = audit.data()["auditLog"]["edges"][0]["node"]["changes"].to_string();
    assert!(changes.contains("customer request"), "{changes}");
    // The identity is free again: a new push with it makes a new customer.
    let push = app
        .as_token(&token)
        .execute(
            "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerCreated customer { code } } }",
            json!({ "input": { "customer": { "identity": { "channel": "APP", "externalId": "u-1" } }, "channel": "APP", "amountMinor": 100 } }),
        )
        .await?;
    assert_eq!(push.data()["recordTransaction"]["customerCreated"], true);
    Ok(())
}

#[tokio::test]
async fn roles_decide_who_reads_writes_and_sees_contact_details() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let created =
        create(&app, &token, json!({ "name": "Guarded", "phones": [{ "value": "13700001111" }] })).await?;
    let analyst = app.add_user(&token, "ANALYST").await?;
    let analyst = app.token(&analyst).await?;
    let read = app
        .as_token(&analyst)
        .execute(
            "query($id: ID!) { customer(id: $id) { name phones { value } } }",
            json!({ "id": created["id"] }),
        )
        .await?;
    assert_eq!(read.data()["customer"]["phones"][0]["value"], "137****1111");
    let reveal = app
        .as_token(&analyst)
        .execute(
            "query($id: ID!) { customer(id: $id) { phones { value(reveal: true) } } }",
            json!({ "id": created["id"] }),
        )
        .await?;
    assert_eq!(reveal.error_code(), Some("FORBIDDEN"));
    assert_eq!(reveal.error_extension("permission"), "pii:read");
    let write = app.as_token(&analyst).execute(CREATE, json!({ "input": { "name": "Nope" } })).await?;
    assert_eq!(write.error_code(), Some("FORBIDDEN"));

    let pos = app.api_token(&token, &["transactions:write"]).await?;
    let pushed = app
        .as_token(&pos)
        .execute(
            "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { created transaction { amount { amountMinor currency } } } }",
            json!({ "input": { "customer": { "phone": "13700001111" }, "channel": "STORE", "amountMinor": 999 } }),
        )
        .await?;
    assert_eq!(
        pushed.data()["recordTransaction"]["transaction"]["amount"],
        json!({ "amountMinor": 999, "currency": "CNY" })
    );
    let list = app.as_token(&pos).execute("{ customers(first: 5) { totalCount } }", json!({})).await?;
    assert_eq!(list.error_code(), Some("FORBIDDEN"), "a push-only token cannot read the customer base");
    assert_eq!(count(&app, &token).await?, 1, "the push found the customer by phone");
    Ok(())
}

/// The new-customer form asks who already has a phone or email before creating another: the
/// exact filters find them in any written form, masked without `pii:read`, and nobody else.
#[tokio::test]
async fn exact_phone_and_email_filters_find_who_already_has_them() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let zhang = create(&app, &token, json!({ "name": "张三", "phones": [{ "value": "13800138000" }], "emails": [{ "value": "zhang@shop.cn" }] })).await?;
    // A name made of the digits: found by a search, never by the exact filter.
    create(&app, &token, json!({ "name": "13800138000" })).await?;
    let lookup = "query($filter: CustomerFilter!) { customers(first: 5, filter: $filter) { totalCount nodes { id phones { value } } } }";
    for filter in [
        json!({ "phone": "+86 138 0013 8000" }),
        json!({ "email": "ZHANG@shop.cn" }),
        json!({ "or": [{ "phone": "13900000000" }, { "email": "zhang@shop.cn" }] }),
    ] {
        let found = app.as_token(&token).execute(lookup, json!({ "filter": filter })).await?;
        let data = &found.data()["customers"];
        assert_eq!(data["totalCount"], 1, "{filter}: {}", found.body);
        assert_eq!(data["nodes"][0]["id"], zhang["id"]);
    }
    let bad = app.as_token(&token).execute(lookup, json!({ "filter": { "phone": "12" } })).await?;
    assert_eq!(bad.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(bad.error_extension("field"), "filter.phone");
    Ok(())
}
