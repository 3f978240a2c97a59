//! Imports and exports over real HTTP: files uploaded to `POST /api/imports` (GBK, UTF-8 with a
//! BOM, semicolons, quoted newlines), mapped from their Chinese and English headers, dry-run
//! (counts and per-row errors, nothing written), run by the import worker, resumed after a run
//! that stopped mid-file, and reverted; exports masked without `pii:read`. The worker is driven
//! with `run_once`. Runs on SQLite and PostgreSQL.

mod common;

use chrono::Utc;
use common::TestApp;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use starcrm_api::imports::run::RunOptions;
use std::fmt::Write as _;

const IMPORT: &str = "query($id: ID!) { import(id: $id) {
  id status encoding delimiter checked totalRows processedRows created updated skipped rejected revertRefused
  error preview revertibleUntil
  columns { index header target suggested sample }
  errors(phase: CHECK) { row column code message cells }
  runErrors: errors(phase: RUN) { row column message }
  revertErrors: errors(phase: REVERT) { row message customerId }
} }";
const CHECK: &str = "mutation($input: ImportSettingsInput!) { checkImport(input: $input) { id status } }";
const START: &str = "mutation($input: ImportSettingsInput!) { startImport(input: $input) { id status } }";
const REVERT: &str = "mutation($id: ID!) { revertImport(id: $id) { id status } }";
const CUSTOMERS: &str = "{ customers(first: 100) { totalCount edges { node {
  id name company version tags phones { value(reveal: true) } identities { channel externalId } } } } }";

/// Uploads `bytes` as a CSV file; the import id.
async fn upload(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> anyhow::Result<String> {
    app.upload_import(token, name, bytes).await
}

async fn import(app: &TestApp, token: &str, id: &str) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(IMPORT, json!({ "id": id })).await?.data()["import"].clone())
}

/// Runs every queued import phase to its end.
async fn work(app: &TestApp) -> anyhow::Result<()> {
    app.state.imports.run_once(&app.state.db, &RunOptions::default()).await?;
    Ok(())
}

async fn customers(app: &TestApp, token: &str) -> anyhow::Result<Vec<Value>> {
    let data = app.as_token(token).execute(CUSTOMERS, json!({})).await?.data()["customers"].clone();
    Ok(data["edges"].as_array().cloned().unwrap_or_default().into_iter().map(|e| e["node"].clone()).collect())
}

fn by_name<'a>(list: &'a [Value], name: &str) -> Option<&'a Value> {
    list.iter().find(|c| c["name"] == name)
}

async fn owner(app: &TestApp) -> anyhow::Result<String> {
    let account = app.workspace("Import Shop").await?;
    app.token(&account).await
}

const GBK_TEXT: &str = "姓名,手机号码,邮箱,生日,会员号,性别,消费金额\n\
王小明,13800138000,wxm@example.com,1990/5/17,M001,男,120\n\
李四,12345,ls@example.com,1985-01-02,M002,女,80\n\
张三,13900139000,,1988-13-40,M003,男,0\n\
\"赵 \"\"六\"\"\",13700137000,zl@example.com,19920304,M004,女,5\n";

#[tokio::test]
async fn a_gbk_file_is_read_mapped_from_chinese_headers_and_its_dry_run_writes_nothing() -> anyhow::Result<()>
{
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let (gbk, _, _) = encoding_rs::GBK.encode(GBK_TEXT);
    let id = upload(&app, &token, "会员.csv", gbk.to_vec()).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!(found["status"], "UPLOADED");
    assert_eq!(found["encoding"], "gb18030");
    let targets: Vec<Value> =
        found["columns"].as_array().unwrap_or(&Vec::new()).iter().map(|c| c["target"].clone()).collect();
    assert_eq!(
        targets,
        vec![
            json!("name"),
            json!("phone"),
            json!("email"),
            json!("birthday"),
            json!("memberNo"),
            json!("gender"),
            Value::Null
        ],
        "{found}"
    );
    assert_eq!(found["columns"][0]["sample"][0], "王小明");

    let checked = app
        .as_token(&token)
        .execute(CHECK, json!({ "input": { "importId": id, "channel": "STORE" } }))
        .await?;
    assert_eq!(checked.data()["checkImport"]["status"], "CHECKING");
    work(&app).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!(found["status"], "CHECKED", "{found}");
    assert_eq!(
        (found["totalRows"].as_i64(), found["created"].as_i64(), found["rejected"].as_i64()),
        (Some(4), Some(2), Some(2))
    );
    let errors = found["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 2);
    assert_eq!(
        (errors[0]["row"].as_i64(), errors[0]["column"].as_str()),
        (Some(3), Some("手机号码")),
        "{errors:?}"
    );
    assert_eq!(
        (errors[1]["row"].as_i64(), errors[1]["column"].as_str()),
        (Some(4), Some("生日")),
        "{errors:?}"
    );
    assert_eq!(errors[0]["cells"][0], "李四");
    assert_eq!(found["preview"][0]["action"], "create");
    assert_eq!(found["preview"][0]["phones"][0], "+8613800138000");
    assert_eq!(found["preview"][0]["birthday"], "1990-05-17");
    assert_eq!(found["preview"][3]["name"], "赵 \"六\"");
    // Nothing written.
    assert!(customers(&app, &token).await?.is_empty());

    // The refused rows as CSV, behind a link that needs no credential but works only as given.
    let link = app
        .as_token(&token)
        .execute(
            "mutation($id: ID!) { importErrorsDownload(id: $id, phase: CHECK) { url expiresAt } }",
            json!({ "id": id }),
        )
        .await?;
    let url = link.data()["importErrorsDownload"]["url"].as_str().unwrap_or_default().to_owned();
    let response = app.http.get(app.url(&url)).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"].to_str()?.starts_with("attachment"));
    let bytes = response.bytes().await?;
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec())?;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("姓名,手机号码") && lines[0].ends_with("错误 Error"), "{text}");
    assert!(lines[1].starts_with("李四,12345,") && lines[1].contains(",3,手机号码,"), "{text}");
    let guessed = app.http.get(app.url(&format!("{url}x"))).send().await?;
    assert_eq!(guessed.status(), StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn an_import_runs_and_its_revert_undoes_it_except_for_customers_changed_since() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    // UTF-8 with a BOM, semicolons, a quoted newline in a note, English headers.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(
        "Full Name;Mobile;E-mail;Tags;Notes\nAnn Lee;13800000001;ann@example.com;VIP, 北京;\"line one\nline two\"\nBo Chen;13800000002;;;\nCy Wu;13800000003;;;\n"
            .as_bytes(),
    );
    let id = upload(&app, &token, "people.csv", bytes).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!((found["encoding"].as_str(), found["delimiter"].as_str()), (Some("utf-8"), Some(";")));
    let started = app.as_token(&token).execute(START, json!({ "input": { "importId": id } })).await?;
    assert_eq!(started.data()["startImport"]["status"], "QUEUED");
    work(&app).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!(found["status"], "SUCCEEDED", "{found}");
    assert_eq!(found["created"], 3);
    assert!(found["revertibleUntil"].is_string());
    let list = customers(&app, &token).await?;
    let ann = by_name(&list, "Ann Lee").ok_or_else(|| anyhow::anyhow!("Ann missing: {list:?}"))?.clone();
    assert_eq!(ann["tags"], json!(["VIP", "北京"]));
    assert_eq!(ann["phones"][0]["value"], "+8613800000001");
    // The feed says it finished, with its counts.
    let feed = app
        .as_token(&token)
        .execute("{ changes(first: 50, kinds: [\"importFinished\"]) { events { kind payload } } }", json!({}))
        .await?;
    assert_eq!(feed.data()["changes"]["events"][0]["payload"]["created"], 3, "{}", feed.body);

    // Someone edits Bo after the import: the revert must leave Bo alone and say so.
    let bo = by_name(&list, "Bo Chen").ok_or_else(|| anyhow::anyhow!("Bo missing"))?.clone();
    app.as_token(&token)
        .execute(
            "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
            json!({ "input": { "id": bo["id"], "version": bo["version"], "company": "Chen & Co" } }),
        )
        .await?
        .data();
    // Cy buys something: the customer now has history of its own and must stay too.
    let cy = by_name(&list, "Cy Wu").ok_or_else(|| anyhow::anyhow!("Cy missing"))?.clone();
    app.as_token(&token)
        .execute(
            "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { created } }",
            json!({ "input": { "customer": { "id": cy["id"] }, "channel": "STORE", "amountMinor": 5_000 } }),
        )
        .await?
        .data();
    let reverted = app.as_token(&token).execute(REVERT, json!({ "id": id })).await?;
    assert_eq!(reverted.data()["revertImport"]["status"], "REVERTING");
    work(&app).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!(
        (found["status"].as_str(), found["revertRefused"].as_i64()),
        (Some("REVERTED"), Some(2)),
        "{found}"
    );
    let refused: Vec<(Value, String)> = found["revertErrors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["customerId"].clone(), e["message"].as_str().unwrap_or_default().to_owned()))
        .collect();
    let why = |id: &Value| refused.iter().find(|(c, _)| c == id).map(|(_, m)| m.clone()).unwrap_or_default();
    assert!(why(&bo["id"]).contains("changed since the import"), "{refused:?}");
    assert!(why(&cy["id"]).contains("has purchases or interactions recorded since"), "{refused:?}");
    let mut names: Vec<Value> =
        customers(&app, &token).await?.into_iter().map(|c| c["name"].clone()).collect();
    names.sort_by_key(ToString::to_string);
    assert_eq!(names, vec![json!("Bo Chen"), json!("Cy Wu")]);
    // Ann's deletion is in the feed, naming the import.
    let ann_id = by_name(&list, "Ann Lee").map(|a| a["id"].clone()).unwrap_or_default();
    let feed = app
        .as_token(&token)
        .execute(
            "{ changes(first: 50, kinds: [\"customerDeleted\"]) { events { customerId payload } } }",
            json!({}),
        )
        .await?;
    let deleted = &feed.data()["changes"]["events"];
    assert_eq!(deleted.as_array().map(Vec::len), Some(1), "{deleted}");
    assert_eq!((&deleted[0]["customerId"], &deleted[0]["payload"]["importId"]), (&ann_id, &json!(id)));
    // Reverted once is enough.
    let again = app.as_token(&token).execute(REVERT, json!({ "id": id })).await?;
    assert_eq!(again.error_code(), Some("CONFLICT"));
    Ok(())
}

#[tokio::test]
async fn modes_decide_between_creating_and_updating_and_keep_columns_protect_values() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let created = app
        .as_token(&token)
        .execute(
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
            json!({ "input": { "name": "Old Name", "phones": [{ "value": "13800000009" }] } }),
        )
        .await?;
    let existing = created.data()["createCustomer"]["id"].clone();
    let file = "name,phone,company\nNew Name,13800000009,ACME\nFresh,13800000010,Beta\n".as_bytes().to_vec();
    let mapping = json!([{ "target": "name", "keep": true }, { "target": "phone" }, { "target": "company" }]);

    // Create only: the existing customer is skipped.
    let first = upload(&app, &token, "a.csv", file.clone()).await?;
    app.as_token(&token)
        .execute(START, json!({ "input": { "importId": first, "mapping": mapping, "mode": "CREATE_ONLY" } }))
        .await?
        .data();
    work(&app).await?;
    let found = import(&app, &token, &first).await?;
    assert_eq!(
        (found["created"].as_i64(), found["skipped"].as_i64(), found["updated"].as_i64()),
        (Some(1), Some(1), Some(0)),
        "{found}"
    );

    // Update only: both now exist; the kept name stays, the company is filled; the second row
    // brings nothing new.
    let second = upload(&app, &token, "b.csv", file).await?;
    app.as_token(&token)
        .execute(START, json!({ "input": { "importId": second, "mapping": mapping, "mode": "UPDATE_ONLY" } }))
        .await?
        .data();
    work(&app).await?;
    let found = import(&app, &token, &second).await?;
    assert_eq!(
        (found["created"].as_i64(), found["updated"].as_i64(), found["skipped"].as_i64()),
        (Some(0), Some(1), Some(1)),
        "{found}"
    );
    let list = customers(&app, &token).await?;
    let old = list.iter().find(|c| c["id"] == existing).cloned().unwrap_or_default();
    assert_eq!((old["name"].as_str(), old["company"].as_str()), (Some("Old Name"), Some("ACME")));

    // Reverting the update puts the company back; the customer itself stays.
    app.as_token(&token).execute(REVERT, json!({ "id": second })).await?.data();
    work(&app).await?;
    let list = customers(&app, &token).await?;
    let old = list.iter().find(|c| c["id"] == existing).cloned().unwrap_or_default();
    assert_eq!((old["name"].as_str(), old["company"].as_str()), (Some("Old Name"), None), "{old}");
    assert_eq!(list.len(), 2);

    // A mapping that cannot work is refused up front, naming the field.
    let third = upload(&app, &token, "c.csv", b"company\nACME\n".to_vec()).await?;
    let refused = app
        .as_token(&token)
        .execute(START, json!({ "input": { "importId": third, "mapping": [{ "target": "company" }] } }))
        .await?;
    assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(refused.body["errors"][0]["extensions"]["field"], "mapping", "{}", refused.body);
    let wrong = app
        .as_token(&token)
        .execute(START, json!({ "input": { "importId": third, "mapping": [{ "target": "salary" }] } }))
        .await?;
    assert_eq!(wrong.body["errors"][0]["extensions"]["field"], "mapping[0].target", "{}", wrong.body);
    Ok(())
}

#[tokio::test]
async fn a_run_stopped_mid_file_resumes_after_its_last_committed_row_without_doubles() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let mut file = String::from("会员号,姓名,手机\n");
    for i in 0..1_000 {
        let _ = writeln!(file, "M{i:05},客户{i},139{i:08}");
    }
    let id = upload(&app, &token, "big.csv", file.into_bytes()).await?;
    app.as_token(&token)
        .execute(START, json!({ "input": { "importId": id, "channel": "STORE" } }))
        .await?
        .data();
    // The runner dies after three batches of 100: its lease is left to lapse.
    let dying = RunOptions { batch_size: 100, stop_after_batches: Some(3), now: None };
    assert_eq!(app.state.imports.run_once(&app.state.db, &dying).await?, 1);
    let found = import(&app, &token, &id).await?;
    assert_eq!((found["status"].as_str(), found["created"].as_i64()), (Some("RUNNING"), Some(300)));
    // Another runner, after the lease ran out, takes it over from row 302 on.
    let later = RunOptions {
        batch_size: 100,
        stop_after_batches: None,
        now: Some(Utc::now() + chrono::Duration::minutes(2)),
    };
    assert_eq!(app.state.imports.run_once(&app.state.db, &later).await?, 1);
    let found = import(&app, &token, &id).await?;
    assert_eq!(
        (found["status"].as_str(), found["created"].as_i64(), found["rejected"].as_i64()),
        (Some("SUCCEEDED"), Some(1_000), Some(0))
    );
    let count = app.as_token(&token).execute("{ customers(first: 1) { totalCount } }", json!({})).await?;
    assert_eq!(count.data()["customers"]["totalCount"], 1_000);
    // And nothing left to run.
    assert_eq!(app.state.imports.run_once(&app.state.db, &RunOptions::default()).await?, 0);
    Ok(())
}

#[tokio::test]
async fn rows_that_repeat_a_customer_within_a_batch_update_the_one_created_and_dry_run_counts_match()
-> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let existing = app
        .as_token(&token)
        .execute(
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
            json!({ "input": { "name": "Eve Old", "phones": [{ "value": "13800000050" }] } }),
        )
        .await?;
    let eve = existing.data()["createCustomer"]["id"].clone();
    // New customers are created together per batch; a row that repeats one of them (same phone,
    // same member number) must find it and update it, as rows read one by one would.
    let file = "会员号,姓名,手机,邮箱
        M1,Ann,13800000001,
        ,Bob,13800000002,
        ,Ann,13800000001,ann@example.com
        M1,Ann,13800000003,
        ,Dee,13800000004,
        ,Eve,13800000050,eve@example.com
        ,Bad,12345,
"
    .as_bytes()
    .to_vec();
    let id = upload(&app, &token, "repeats.csv", file).await?;
    let mut counts = Vec::new();
    for mutation in [CHECK, START] {
        app.as_token(&token)
            .execute(mutation, json!({ "input": { "importId": id, "channel": "STORE" } }))
            .await?
            .data();
        work(&app).await?;
        let found = import(&app, &token, &id).await?;
        counts.push((
            found["created"].as_i64(),
            found["updated"].as_i64(),
            found["skipped"].as_i64(),
            found["rejected"].as_i64(),
        ));
    }
    assert_eq!(counts[0], (Some(3), Some(3), Some(0), Some(1)), "dry run");
    assert_eq!(counts[1], counts[0], "the run does what its dry run said");
    let list = customers(&app, &token).await?;
    assert_eq!(list.len(), 4, "{list:?}");
    let ann = by_name(&list, "Ann").ok_or_else(|| anyhow::anyhow!("Ann missing: {list:?}"))?;
    let phones: Vec<&Value> = ann["phones"].as_array().into_iter().flatten().map(|p| &p["value"]).collect();
    assert_eq!(phones, [&json!("+8613800000001"), &json!("+8613800000003")]);
    assert_eq!(ann["identities"], json!([{ "channel": "STORE", "externalId": "M1" }]));
    let old = list.iter().find(|c| c["id"] == eve).ok_or_else(|| anyhow::anyhow!("Eve missing"))?;
    assert_eq!(old["name"], "Eve", "an update of an existing customer");
    // Every created customer is in the feed once, with its own number.
    let feed = app
        .as_token(&token)
        .execute("{ changes(first: 50, kinds: [\"customerCreated\"]) { events { customerId } } }", json!({}))
        .await?;
    assert_eq!(feed.data()["changes"]["events"].as_array().map(Vec::len), Some(4), "{}", feed.body);
    let numbers = app
        .as_token(&token)
        .execute("{ customers(first: 10) { edges { node { code } } } }", json!({}))
        .await?;
    let mut codes: Vec<String> = numbers.data()["customers"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["node"]["code"].as_str().unwrap_or_default().to_owned())
        .collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 4, "customer codes are unique: {codes:?}");
    Ok(())
}

#[tokio::test]
async fn new_customers_get_numbers_in_file_order_when_one_of_them_matches_a_deleted_customer()
-> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let gone = app
        .as_token(&token)
        .execute(
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
            json!({ "input": { "name": "Gone", "phones": [{ "value": "13800000002" }] } }),
        )
        .await?;
    let gone = gone.data()["createCustomer"]["id"].clone();
    app.as_token(&token)
        .execute("mutation($id: ID!) { deleteCustomer(id: $id) { deleted } }", json!({ "id": gone }))
        .await?
        .data();
    // Bob's phone belongs to a deleted customer: Bob is checked on his own, and is still new.
    let file = "姓名,手机\nAnn,13800000001\nBob,13800000002\nCat,13800000003\n".as_bytes().to_vec();
    let id = upload(&app, &token, "order.csv", file).await?;
    app.as_token(&token).execute(START, json!({ "input": { "importId": id } })).await?.data();
    work(&app).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!(found["created"], 3, "{found}");
    let list = app
        .as_token(&token)
        .execute("{ customers(first: 10) { edges { node { name code } } } }", json!({}))
        .await?;
    let mut coded: Vec<(String, String)> = list.data()["customers"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let text = |f: &str| e["node"][f].as_str().unwrap_or_default().to_owned();
            (text("code"), text("name"))
        })
        .collect();
    coded.sort();
    let names: Vec<&str> = coded.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(names, ["Ann", "Bob", "Cat"], "numbers follow the file: {coded:?}");
    Ok(())
}

#[tokio::test]
async fn an_export_is_masked_without_pii_read_audited_and_its_link_expires_unused() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let account = app.workspace("Export Shop").await?;
    let token = app.token(&account).await?;
    let analyst = app.add_user(&token, "ANALYST").await?;
    let analyst = app.token(&analyst).await?;
    for (name, phone, tag) in [("王小明", "13800138000", "VIP"), ("=cmd()", "13900139000", "new")] {
        app.as_token(&token)
            .execute(
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
                json!({ "input": { "name": name, "phones": [{ "value": phone }], "tags": [tag] } }),
            )
            .await?
            .data();
    }
    let export = "mutation($filter: CustomerFilter, $columns: [String!]) { exportCustomers(filter: $filter, columns: $columns) { url expiresAt } }";
    let fetch = |url: String| {
        let http = app.http.clone();
        let full = app.url(&url);
        async move {
            let body = http.get(full).send().await?.bytes().await?;
            anyhow::ensure!(body.starts_with(b"\xEF\xBB\xBF"), "no BOM");
            Ok::<String, anyhow::Error>(String::from_utf8(body[3..].to_vec())?)
        }
    };
    let vip = json!({ "filter": { "tagsAny": ["VIP"] }, "columns": ["name", "phone", "tags"] });
    let owner_link = app.as_token(&token).execute(export, vip.clone()).await?;
    let text =
        fetch(owner_link.data()["exportCustomers"]["url"].as_str().unwrap_or_default().to_owned()).await?;
    assert_eq!(text, "姓名 Name,手机 Phone,标签 Tags\n王小明,+8613800138000,VIP\n");
    let analyst_link = app.as_token(&analyst).execute(export, vip).await?;
    let text =
        fetch(analyst_link.data()["exportCustomers"]["url"].as_str().unwrap_or_default().to_owned()).await?;
    assert_eq!(text, "姓名 Name,手机 Phone,标签 Tags\n王小明,138****8000,VIP\n");
    // A name that Excel would run as a formula goes out as text.
    // Each customer's own contacts and tags on its own line.
    let all = app.as_token(&token).execute(export, json!({ "columns": ["name", "phone", "tags"] })).await?;
    let text = fetch(all.data()["exportCustomers"]["url"].as_str().unwrap_or_default().to_owned()).await?;
    assert!(text.contains("\n'=cmd(),+8613900139000,new\n"), "{text}");
    assert!(text.contains("\n王小明,+8613800138000,VIP\n"), "{text}");
    // Audited, with what was asked.
    let audit = app
        .as_token(&token)
        .execute(
            "{ auditLog(first: 20, filter: { action: \"export.customers\" }) { edges { node { action } } } }",
            json!({}),
        )
        .await?;
    assert_eq!(audit.data()["auditLog"]["edges"].as_array().map(Vec::len), Some(3), "{}", audit.body);
    // Once expired, a link gives nothing.
    let url = all.data()["exportCustomers"]["url"].as_str().unwrap_or_default().to_owned();
    app.state
        .db
        .execute_unprepared("UPDATE download_links SET expires_at = '2000-01-01 00:00:00+00:00'")
        .await?;
    assert_eq!(app.http.get(app.url(&url)).send().await?.status(), StatusCode::NOT_FOUND);
    let bad = app.as_token(&token).execute(export, json!({ "columns": ["salary"] })).await?;
    assert_eq!(bad.body["errors"][0]["extensions"]["field"], "columns[0]");
    Ok(())
}

#[tokio::test]
async fn uploads_are_refused_without_permission_in_the_wrong_type_or_empty() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let account = app.workspace("Upload Shop").await?;
    let token = app.token(&account).await?;
    let agent = app.add_user(&token, "AGENT").await?;
    let agent = app.token(&agent).await?;
    let post = |token: Option<String>, content_type: &'static str, body: &'static [u8]| {
        let mut request =
            app.http.post(app.url("/api/imports")).header("content-type", content_type).body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(post(None, "text/csv", b"name\nA\n").await?.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(post(Some(agent.clone()), "text/csv", b"name\nA\n").await?.status(), StatusCode::FORBIDDEN);
    // A form could post text/plain cross-site without asking: never accepted.
    assert_eq!(
        post(Some(token.clone()), "text/plain", b"name\nA\n").await?.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let empty = post(Some(token.clone()), "text/csv", b"").await?;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    let body: Value = empty.json().await?;
    assert_eq!(body["errors"][0]["extensions"]["field"], "file");
    // Nothing was registered by any of them.
    let list = app.as_token(&token).execute("{ imports { id } }", json!({})).await?;
    assert_eq!(list.data()["imports"], json!([]));
    let refused = app.as_token(&agent).execute("{ imports { id } }", json!({})).await?;
    assert_eq!(refused.error_code(), Some("FORBIDDEN"));
    Ok(())
}

const PURCHASES: &str = "\u{feff}订单号,下单时间,会员卡号,手机号码,姓名,商品名称,数量,单价,支付方式,门店\n\
A1001,2024-03-05 14:30,,13800138000,,咖啡豆,2,88.00,微信支付,静安店\n\
A1001,2024-03-05 14:30,,13800138000,,马克杯,1,45.5,微信支付,静安店\n\
A1002,2024/3/6 10:00,M900,,李雷,茶叶,1,\"¥1,200.00\",支付宝,徐汇店\n\
A1003,2024-03-07 09:00,,,,蛋糕,1,30,现金,静安店\n\
A1004,明天,,13800138000,,蛋糕,1,30,现金,静安店\n\
A1005,2024-03-08 12:00,,13800138000,,蛋糕,1,30,比特币,静安店\n";

const PURCHASE_VIEW: &str = "query($id: ID!) { customer(id: $id) {
  name stars lifecycleStage totalSpend { amountMinor } orderCount lastPurchaseAt identities { channel externalId }
  transactions(first: 10) { edges { node { externalRef occurredAt amount { amountMinor currency }
    paymentMethod store items { name quantity unitPrice { amountMinor } } } } } } }";

async fn customer_view(app: &TestApp, token: &str, id: &Value) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(PURCHASE_VIEW, json!({ "id": id })).await?.data()["customer"].clone())
}

fn counts(found: &Value) -> [i64; 4] {
    ["created", "updated", "skipped", "rejected"].map(|k| found[k].as_i64().unwrap_or(-1))
}

/// The revert of the purchases import above, after A1002 was partly refunded.
async fn a_revert_leaves_the_refunded_purchase_and_its_customer(
    app: &TestApp,
    token: &str,
    id: &str,
    known: &Value,
) -> anyhow::Result<()> {
    // A refund since the import: that purchase (and 李雷, who has it) stay; the rest goes.
    app.as_token(token)
        .execute(
            "mutation($input: RecordRefundInput!) { recordRefund(input: $input) { transaction { id } } }",
            json!({ "input": { "originalExternalRef": "A1002", "amountMinor": 10_000 } }),
        )
        .await?;
    app.as_token(token).execute(REVERT, json!({ "id": id })).await?;
    work(app).await?;
    let found = import(app, token, id).await?;
    assert_eq!(found["status"], "REVERTED", "{found}");
    assert_eq!(found["revertRefused"], 1, "{found}");
    assert_eq!(found["revertErrors"][0]["row"], 4, "{found}");
    assert!(found["revertErrors"][0]["message"].as_str().unwrap_or_default().contains("A1002"), "{found}");
    let wang = customer_view(app, token, known).await?;
    assert_eq!(wang["lastPurchaseAt"], Value::Null, "{wang}");
    let activity = app
        .as_token(token)
        .execute("query($id: ID!) { customer(id: $id) { lastActivityAt } }", json!({ "id": known }))
        .await?;
    assert_eq!(
        activity.data()["customer"]["lastActivityAt"],
        Value::Null,
        "the imported purchase's activity went with it"
    );
    assert_eq!((wang["orderCount"].as_i64(), wang["totalSpend"]["amountMinor"].as_i64()), (Some(0), Some(0)));
    assert_eq!(wang["lifecycleStage"], "LEAD", "the imported purchase had made a lead active: {wang}");
    assert!(wang["transactions"]["edges"].as_array().is_some_and(Vec::is_empty), "{wang}");
    let list = customers(app, token).await?;
    assert!(by_name(&list, "李雷").is_some(), "kept with its refunded purchase: {list:?}");
    let feed = app
        .as_token(token)
        .execute("{ changes(kinds: [\"transactionDeleted\"]) { events { payload } } }", json!({}))
        .await?;
    let deleted = feed.data()["changes"]["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!(deleted[0]["payload"]["externalRef"], "A1001");
    Ok(())
}

/// A shop's order-line export (the kind guessed from its header): lines of one order become one
/// purchase with its items, customers are found by phone or created from a member number, bad
/// cells are refused naming their column, the customer's spend and stars move; importing the
/// file again records nothing twice; a revert deletes the purchases and the customers it created,
/// except a purchase refunded since (and its customer), which it lists.
#[tokio::test]
async fn a_purchases_file_records_orders_with_lines_moves_stars_is_idempotent_and_reverts()
-> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    // Someone else's customer with the same phone must never receive the purchases.
    let other = app.workspace("Other Shop").await?;
    let other_token = app.token(&other).await?;
    let create = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }";
    let stranger = app
        .as_token(&other_token)
        .execute(create, json!({ "input": { "name": "Stranger", "phones": [{ "value": "13800138000" }] } }))
        .await?
        .data()["createCustomer"]["id"]
        .clone();
    let known = app
        .as_token(&token)
        .execute(create, json!({ "input": { "name": "王小明", "phones": [{ "value": "13800138000" }] } }))
        .await?
        .data()["createCustomer"]["id"]
        .clone();

    let id = upload(&app, &token, "orders.csv", PURCHASES.as_bytes().to_vec()).await?;
    let kind = app
        .as_token(&token)
        .execute("query($id: ID!) { import(id: $id) { kind } }", json!({ "id": id }))
        .await?;
    assert_eq!(kind.data()["import"]["kind"], "TRANSACTIONS");
    let found = import(&app, &token, &id).await?;
    let targets: Vec<&str> = found["columns"]
        .as_array()
        .iter()
        .flat_map(|c| c.iter())
        .map(|c| c["target"].as_str().unwrap_or("-"))
        .collect();
    let expected = "orderNo purchasedAt memberNo phone name itemName quantity unitPrice paymentMethod store";
    assert_eq!(targets.join(" "), expected, "{found}");

    // The dry run: two purchases, one line added, three refusals naming their column; nothing written.
    app.as_token(&token).execute(CHECK, json!({ "input": { "importId": id, "channel": "STORE" } })).await?;
    work(&app).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!(found["status"], "CHECKED", "{found}");
    assert_eq!(counts(&found), [2, 1, 0, 3], "{found}");
    let refused: Vec<(i64, String)> = found["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| (e["row"].as_i64().unwrap_or(0), e["column"].as_str().unwrap_or("-").to_owned()))
        .collect();
    assert_eq!(
        refused,
        [(5, "会员卡号".to_owned()), (6, "下单时间".to_owned()), (7, "支付方式".to_owned())],
        "{found}"
    );
    assert_eq!(found["preview"][0]["amount"], "¥176.00", "{found}");
    assert_eq!(found["preview"][2]["item"], "茶叶 × 1", "{found}");
    assert_eq!(customer_view(&app, &token, &known).await?["orderCount"], 0);
    assert_eq!(customers(&app, &token).await?.len(), 1);

    app.as_token(&token).execute(START, json!({ "input": { "importId": id, "channel": "STORE" } })).await?;
    work(&app).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!(found["status"], "SUCCEEDED", "{found}");
    assert_eq!(counts(&found), [2, 1, 0, 3], "{found}");

    let wang = customer_view(&app, &token, &known).await?;
    assert_eq!(wang["totalSpend"]["amountMinor"], 2 * 8_800 + 4_550, "{wang}");
    assert_eq!(wang["orderCount"], 1);
    assert_eq!(wang["lifecycleStage"], "NEW", "a first purchase makes a lead a new customer: {wang}");
    assert!(wang["stars"].as_i64().is_some(), "stars are computed: {wang}");
    let order = &wang["transactions"]["edges"][0]["node"];
    assert_eq!(order["externalRef"], "A1001");
    assert_eq!(order["occurredAt"], "2024-03-05T06:30:00+00:00", "14:30 in Asia/Shanghai: {order}");
    assert_eq!(
        (order["paymentMethod"].as_str(), order["store"].as_str()),
        (Some("WECHAT_PAY"), Some("静安店"))
    );
    let items: Vec<(String, i64)> = order["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| (i["name"].as_str().unwrap_or_default().to_owned(), i["quantity"].as_i64().unwrap_or(0)))
        .collect();
    assert_eq!(items, [("咖啡豆".to_owned(), 2), ("马克杯".to_owned(), 1)]);
    let list = customers(&app, &token).await?;
    let lei = by_name(&list, "李雷").cloned().unwrap_or_default();
    assert_eq!(lei["identities"][0]["externalId"], "M900", "{list:?}");
    let lei_view = customer_view(&app, &token, &lei["id"]).await?;
    assert_eq!(lei_view["totalSpend"]["amountMinor"], 120_000, "{lei_view}");
    assert_eq!(customer_view(&app, &other_token, &stranger).await?["orderCount"], 0);

    // The same file again: every order is recorded already.
    let again = upload(&app, &token, "orders.csv", PURCHASES.as_bytes().to_vec()).await?;
    app.as_token(&token)
        .execute(START, json!({ "input": { "importId": again, "channel": "STORE" } }))
        .await?;
    work(&app).await?;
    assert_eq!(counts(&import(&app, &token, &again).await?), [0, 0, 3, 3]);
    assert_eq!(customer_view(&app, &token, &known).await?["orderCount"], 1);

    a_revert_leaves_the_refunded_purchase_and_its_customer(&app, &token, &id, &known).await
}

/// A purchases mapping is checked before anything runs: it needs a way to find the customer,
/// when, and what was paid; it fills no customer field and creates customers only by upsert.
#[tokio::test]
async fn a_purchases_mapping_that_cannot_work_is_refused_naming_the_field() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let file = "order,date,phone,total,birthday\nB1,2024-01-02,13800138000,10,1990-01-01\n";
    let id = upload(&app, &token, "o.csv", file.as_bytes().to_vec()).await?;
    let mapping = |targets: &[&str]| -> Value {
        targets
            .iter()
            .map(|t| json!({ "target": if t.is_empty() { Value::Null } else { json!(t) } }))
            .collect()
    };
    for (targets, mode, field) in [
        (["orderNo", "purchasedAt", "phone", "amount", "birthday"], "UPSERT", "mapping[4].target"),
        (["orderNo", "purchasedAt", "", "amount", ""], "UPSERT", "mapping"),
        (["orderNo", "", "phone", "amount", ""], "UPSERT", "mapping"),
        (["orderNo", "purchasedAt", "phone", "", ""], "UPSERT", "mapping"),
        (["orderNo", "purchasedAt", "phone", "amount", ""], "CREATE_ONLY", "mode"),
    ] {
        let answer = app
            .as_token(&token)
            .execute(
                START,
                json!({ "input": { "importId": id, "mapping": mapping(&targets), "mode": mode } }),
            )
            .await?;
        assert_eq!(answer.error_code(), Some("BAD_USER_INPUT"), "{targets:?} {mode}: {}", answer.body);
        assert_eq!(answer.error_extension("field"), field, "{targets:?} {mode}: {}", answer.body);
    }
    // Nothing was queued: the import still waits for a mapping that works.
    assert_eq!(import(&app, &token, &id).await?["status"], "UPLOADED");
    // A purchases file chosen as customers is mapped again for customers.
    let as_customers = app
        .as_token(&token)
        .execute(
            "mutation($input: ImportSettingsInput!) { checkImport(input: $input) { kind columns { target } } }",
            json!({ "input": { "importId": id, "kind": "CUSTOMERS", "mode": "UPDATE_ONLY" } }),
        )
        .await?;
    let targets = as_customers.data()["checkImport"]["columns"].clone();
    assert_eq!(as_customers.data()["checkImport"]["kind"], "CUSTOMERS", "{as_customers:?}");
    assert_eq!(targets[4]["target"], "birthday", "{targets}");
    assert_eq!(targets[0]["target"], Value::Null, "{targets}");
    Ok(())
}

/// A purchases run that dies mid-order resumes after its last committed row: the order's later
/// lines join the purchase already recorded (its total the sum of all lines), nothing is recorded
/// twice, and the dry run counts the same.
#[tokio::test]
async fn a_purchases_run_stopped_mid_order_resumes_and_the_order_keeps_all_its_lines() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let mut file = String::from("订单号,消费时间,手机,商品,数量,单价\n");
    for order in 0..10 {
        for line in 0..3 {
            let _ = writeln!(
                file,
                "R{order:03},2024-02-0{} 12:00,1390000{order:04},商品{line},1,1{line}.00",
                1 + order % 5
            );
        }
    }
    let id = upload(&app, &token, "lines.csv", file.into_bytes()).await?;
    app.as_token(&token).execute(CHECK, json!({ "input": { "importId": id } })).await?.data();
    let small = RunOptions { batch_size: 4, stop_after_batches: None, now: None };
    app.state.imports.run_once(&app.state.db, &small).await?;
    assert_eq!(
        counts(&import(&app, &token, &id).await?),
        [10, 20, 0, 0],
        "the dry run sees orders across batches"
    );
    app.as_token(&token).execute(START, json!({ "input": { "importId": id } })).await?.data();
    // Batches of 4 rows cut orders in two; the runner dies after two of them.
    let dying = RunOptions { batch_size: 4, stop_after_batches: Some(2), now: None };
    app.state.imports.run_once(&app.state.db, &dying).await?;
    assert_eq!(counts(&import(&app, &token, &id).await?), [3, 5, 0, 0]);
    let later = RunOptions {
        batch_size: 4,
        stop_after_batches: None,
        now: Some(Utc::now() + chrono::Duration::minutes(2)),
    };
    app.state.imports.run_once(&app.state.db, &later).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!((found["status"].as_str(), counts(&found)), (Some("SUCCEEDED"), [10, 20, 0, 0]), "{found}");
    let list = app
        .as_token(&token)
        .execute("{ customers(first: 20) { totalCount edges { node { orderCount totalSpend { amountMinor } } } } }", json!({}))
        .await?;
    let data = &list.data()["customers"];
    assert_eq!(data["totalCount"], 10);
    for edge in data["edges"].as_array().cloned().unwrap_or_default() {
        assert_eq!(edge["node"]["orderCount"], 1, "{edge}");
        assert_eq!(edge["node"]["totalSpend"]["amountMinor"], 1_000 + 1_100 + 1_200, "{edge}");
    }
    Ok(())
}

/// Imports the shop's order lines above (channel store) and runs the import.
async fn import_purchases(app: &TestApp, token: &str) -> anyhow::Result<String> {
    let id = upload(app, token, "orders.csv", PURCHASES.as_bytes().to_vec()).await?;
    app.as_token(token)
        .execute(START, json!({ "input": { "importId": id, "channel": "STORE" } }))
        .await?
        .data();
    work(app).await?;
    Ok(id)
}

const EXPORT_PURCHASES: &str = "mutation($from: DateTime, $to: DateTime, $customerId: ID) {
  exportTransactions(from: $from, to: $to, customerId: $customerId) { url expiresAt } }";

async fn export_purchases(app: &TestApp, token: &str, variables: Value) -> anyhow::Result<String> {
    let link = app.as_token(token).execute(EXPORT_PURCHASES, variables).await?;
    let url = link.data()["exportTransactions"]["url"].as_str().unwrap_or_default().to_owned();
    Ok(app.http.get(app.url(&url)).send().await?.text().await?)
}

/// Purchases export as one row per line with the headers a purchases import reads: phones
/// masked without `pii:read`, one customer's or a period's purchases on request, and the file
/// imports into another workspace as the same purchases.
#[tokio::test]
async fn exported_purchases_are_masked_without_pii_read_and_import_elsewhere_as_the_same()
-> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    import_purchases(&app, &token).await?;

    let text = export_purchases(&app, &token, json!({})).await?;
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    assert_eq!(lines.len(), 4, "a header and one row per line: {text}");
    assert!(lines[0].starts_with("订单号 Order no,消费时间 Purchased at,姓名 Name"), "{text}");
    // The customer the import created for a phone is named after it, masked.
    assert!(lines[1].starts_with("A1001,2024-03-05 14:30:00+08:00,138****8000,,+8613800138000,"), "{text}");
    assert!(lines[1].contains("221.50,CNY,0.00,,wechat_pay,静安店,store,咖啡豆,,,2,88.00"), "{text}");
    assert!(lines[3].starts_with("A1002,2024-03-06 10:00:00+08:00,李雷,M900,,"), "{text}");

    let marketer = app.add_user(&token, "MARKETER").await?;
    let marketer_token = app.token(&marketer).await?;
    let masked = export_purchases(&app, &marketer_token, json!({})).await?;
    assert!(!masked.contains("8613800138000") && masked.lines().count() == 4, "{masked}");
    let later = export_purchases(&app, &token, json!({ "from": "2024-03-06T00:00:00Z" })).await?;
    assert_eq!(later.lines().count(), 2, "{later}");
    let refused = app
        .as_token(&token)
        .execute(EXPORT_PURCHASES, json!({ "from": "2024-03-06T00:00:00Z", "to": "2024-03-01T00:00:00Z" }))
        .await?;
    assert_eq!(
        (refused.error_code(), refused.error_extension("field").as_str()),
        (Some("BAD_USER_INPUT"), Some("to"))
    );

    // Into another workspace: the same purchases, lines and customers.
    let other = app.workspace("Second Shop").await?;
    let other_token = app.token(&other).await?;
    let again = upload(&app, &other_token, "purchases.csv", text.into_bytes()).await?;
    app.as_token(&other_token)
        .execute(START, json!({ "input": { "importId": again, "channel": "STORE" } }))
        .await?
        .data();
    work(&app).await?;
    let found = import(&app, &other_token, &again).await?;
    assert_eq!(counts(&found), [2, 1, 0, 0], "{found}");
    let list = customers(&app, &other_token).await?;
    let buyer = by_name(&list, "138****8000").cloned().unwrap_or_default();
    let view = customer_view(&app, &other_token, &buyer["id"]).await?;
    assert_eq!(view["totalSpend"]["amountMinor"], 22_150, "{view}");
    assert_eq!(view["transactions"]["edges"][0]["node"]["items"].as_array().map(Vec::len), Some(2), "{view}");
    let lei = by_name(&list, "李雷").cloned().unwrap_or_default();
    assert_eq!(lei["identities"][0]["externalId"], "M900", "{list:?}");
    Ok(())
}

const CONTACTS: &str = "工单号,联系时间,手机,姓名,类型,方向,主题,沟通内容\n\
T1,2024-04-01 09:30,13800138001,韩梅梅,电话,呼入,咨询会员积分,询问积分到期时间\n\
T2,2024-04-02 15:00,13800138001,,到店,,试衣,\n\
T3,2024-04-03 10:00,,,电话,,,\n\
T4,2024-04-04 10:00,13800138002,,传真,,,\n";

/// A call centre's export of interactions: told from its header, each row finds or creates its
/// customer, bad rows are named, a second import skips what it recorded, and a revert deletes the
/// interactions and the customer it created.
#[tokio::test]
async fn an_interactions_file_records_contacts_skips_them_the_second_time_and_reverts() -> anyhow::Result<()>
{
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let id = upload(&app, &token, "calls.csv", CONTACTS.as_bytes().to_vec()).await?;
    let kind = app
        .as_token(&token)
        .execute("query($id: ID!) { import(id: $id) { kind } }", json!({ "id": id }))
        .await?;
    assert_eq!(kind.data()["import"]["kind"], "INTERACTIONS");
    app.as_token(&token).execute(START, json!({ "input": { "importId": id } })).await?.data();
    work(&app).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!(counts(&found), [2, 0, 0, 2], "{found}");
    assert_eq!(found["runErrors"][1]["column"], "类型", "{found}");

    let list = customers(&app, &token).await?;
    let han = by_name(&list, "韩梅梅").cloned().unwrap_or_default();
    let contacts = app
        .as_token(&token)
        .execute(
            "query($id: ID!) { customer(id: $id) { lastActivityAt interactions(first: 10) { edges { node {
               kind direction subject body occurredAt externalRef } } } } }",
            json!({ "id": han["id"] }),
        )
        .await?;
    let customer = &contacts.data()["customer"];
    let nodes: Vec<Value> = customer["interactions"]["edges"].as_array().cloned().unwrap_or_default();
    assert_eq!(nodes.len(), 2, "{customer}");
    let call = nodes.iter().find(|n| n["node"]["externalRef"] == "T1").cloned().unwrap_or_default();
    assert_eq!(
        (call["node"]["kind"].as_str(), call["node"]["direction"].as_str()),
        (Some("CALL"), Some("INBOUND"))
    );
    assert_eq!(call["node"]["body"], "询问积分到期时间");
    assert_eq!(customer["lastActivityAt"], "2024-04-02T07:00:00+00:00", "{customer}");

    let again = upload(&app, &token, "calls.csv", CONTACTS.as_bytes().to_vec()).await?;
    app.as_token(&token).execute(START, json!({ "input": { "importId": again } })).await?.data();
    work(&app).await?;
    assert_eq!(counts(&import(&app, &token, &again).await?), [0, 0, 2, 2]);

    app.as_token(&token).execute(REVERT, json!({ "id": id })).await?.data();
    work(&app).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!(
        (found["status"].as_str(), found["revertRefused"].as_i64()),
        (Some("REVERTED"), Some(0)),
        "{found}"
    );
    assert!(by_name(&customers(&app, &token).await?, "韩梅梅").is_none(), "the customer it created is gone");
    let feed = app
        .as_token(&token)
        .execute("{ changes(kinds: [\"interactionDeleted\"]) { events { id } } }", json!({}))
        .await?;
    assert_eq!(feed.data()["changes"]["events"].as_array().map(Vec::len), Some(2));
    Ok(())
}

const SAVE_PRESET: &str = "mutation($input: ImportSettingsInput!, $name: String!) {
  saveImportPreset(input: $input, name: $name) { id name kind mode channel columns { header target keep } } }";
const PRESETS: &str = "query($kind: ImportKind) { importPresets(kind: $kind) { id name } }";
const PRESET_OF: &str =
    "query($id: ID!) { import(id: $id) { presetName kind mode channel columns { target keep } } }";

/// A shop's monthly file with headers nothing suggests is mapped once and saved as a preset; the
/// next upload with those headers is mapped by it (mode and channel too), others are not; a
/// preset that does not work is refused, saving a name again replaces it, and it can be deleted.
#[tokio::test]
async fn a_saved_preset_maps_the_next_upload_with_the_same_headers() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let file = "客户名,联系电话,VIP卡号,积分\n王五,13800138003,V-1,10\n".as_bytes().to_vec();
    let first = upload(&app, &token, "月报.csv", file.clone()).await?;
    let mapping = json!([{ "target": "name" }, { "target": "phone", "keep": true }, { "target": "memberNo" }, { "target": null }]);
    let input = json!({ "importId": first, "mapping": mapping, "mode": "UPSERT", "channel": "STORE" });
    let gql = app.as_token(&token);
    for (name, field) in [("  ", "name"), (&"长".repeat(61)[..], "name")] {
        let refused = gql.execute(SAVE_PRESET, json!({ "input": input, "name": name })).await?;
        assert_eq!(
            (refused.error_code(), refused.error_extension("field").as_str()),
            (Some("BAD_USER_INPUT"), Some(field))
        );
    }
    let unworkable = json!({ "importId": first, "mapping": [{ "target": "phone" }, { "target": "phone" }, { "target": null }, { "target": null }] });
    let refused = gql.execute(SAVE_PRESET, json!({ "input": unworkable, "name": "x" })).await?;
    assert_eq!(refused.error_code(), Some("BAD_USER_INPUT"), "{}", refused.body);
    let saved = gql.execute(SAVE_PRESET, json!({ "input": input, "name": "门店月报" })).await?;
    let preset = saved.data()["saveImportPreset"].clone();
    assert_eq!((preset["kind"].as_str(), preset["channel"].as_str()), (Some("CUSTOMERS"), Some("STORE")));
    assert_eq!(preset["columns"][0], json!({ "header": "客户名", "target": "name", "keep": false }));
    // Saving the name again replaces the preset.
    gql.execute(SAVE_PRESET, json!({ "input": input, "name": "门店月报" })).await?.data();
    let listed = gql.execute(PRESETS, json!({ "kind": "CUSTOMERS" })).await?;
    assert_eq!(listed.data()["importPresets"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        gql.execute(PRESETS, json!({ "kind": "TRANSACTIONS" })).await?.data()["importPresets"],
        json!([])
    );

    let next = upload(&app, &token, "月报-2.csv", file).await?;
    let found = gql.execute(PRESET_OF, json!({ "id": next })).await?.data()["import"].clone();
    assert_eq!(found["presetName"], "门店月报", "{found}");
    assert_eq!(found["channel"], "STORE");
    let targets: Vec<Value> = found["columns"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| c["target"].clone())
        .collect();
    assert_eq!(targets, [json!("name"), json!("phone"), json!("memberNo"), Value::Null]);
    assert_eq!(found["columns"][1]["keep"], true);
    let other =
        upload(&app, &token, "other.csv", "姓名,手机\n赵六,13800138004\n".as_bytes().to_vec()).await?;
    assert_eq!(
        gql.execute(PRESET_OF, json!({ "id": other })).await?.data()["import"]["presetName"],
        Value::Null
    );

    let id = preset["id"].clone();
    let delete = "mutation($id: ID!) { deleteImportPreset(id: $id) }";
    assert_eq!(gql.execute(delete, json!({ "id": id })).await?.data()["deleteImportPreset"], true);
    assert_eq!(gql.execute(delete, json!({ "id": id })).await?.error_code(), Some("NOT_FOUND"));
    assert_eq!(gql.execute(PRESETS, json!({})).await?.data()["importPresets"], json!([]));
    Ok(())
}

/// A receipt number reused on another day is another purchase, not a line of the first: the
/// row is refused naming the order column, and the first purchase keeps its total.
#[tokio::test]
async fn an_order_number_reused_at_another_time_is_refused_not_merged() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let file = "order,date,phone,item,price\nR1,2024-01-01 10:00,13800138000,a,1\nR1,2024-01-02 10:00,13800138000,b,2\n";
    let id = upload(&app, &token, "receipts.csv", file.as_bytes().to_vec()).await?;
    app.as_token(&token).execute(START, json!({ "input": { "importId": id } })).await?.data();
    work(&app).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!(counts(&found), [1, 0, 0, 1], "{found}");
    assert_eq!(
        (found["runErrors"][0]["row"].as_i64(), found["runErrors"][0]["column"].as_str()),
        (Some(3), Some("order"))
    );
    let list = customers(&app, &token).await?;
    let view = customer_view(&app, &token, &list[0]["id"]).await?;
    assert_eq!(view["totalSpend"]["amountMinor"], 100, "{view}");
    Ok(())
}

const REFUNDS: &str = "订单号,下单时间,手机,实付金额,退款金额,退款时间,商品名称,数量,单价\n\
R1,2024-05-01 10:00,13800138000,300.00,100.00,2024-05-03 09:00,衬衫,1,200.00\n\
R1,2024-05-01 10:00,13800138000,300.00,100.00,2024-05-03 09:00,领带,1,100.00\n\
R1,2024-05-01 10:00,13800138000,300.00,90.00,,袜子,1,10.00\n\
R2,2024-05-02 10:00,13800138000,50.00,80.00,,帽子,1,50.00\n\
R3,2024-05-02 11:00,13800138000,$20.00,,,手套,1,20.00\n\
R4,2024-05-02 12:00,13800138000,\"12,50\",0,,纽扣,1,\"12,50\"\n";

/// The purchases export of the refunds file below: the refund and its time, and chosen columns
/// in the order asked.
async fn the_export_writes_refunds_and_chosen_columns(app: &TestApp, token: &str) -> anyhow::Result<()> {
    // The export writes the refund and its time; chosen columns come in the order asked.
    let text = export_purchases(app, token, json!({})).await?;
    assert!(text.contains("300.00,CNY,100.00,2024-05-03 09:00:00+08:00,"), "{text}");
    let link = app
        .as_token(token)
        .execute(
            "mutation { exportTransactions(columns: [\"orderNo\", \"refunded\", \"amount\"]) { url } }",
            json!({}),
        )
        .await?;
    let url = link.data()["exportTransactions"]["url"].as_str().unwrap_or_default().to_owned();
    let chosen = app.http.get(app.url(&url)).send().await?.text().await?;
    let rows: Vec<&str> = chosen.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(rows[0], "订单号 Order no,已退款 Refunded,金额 Amount", "{chosen}");
    assert_eq!(rows[1], "R1,100.00,300.00", "{chosen}");
    let twice = app
        .as_token(token)
        .execute("mutation { exportTransactions(columns: [\"amount\", \"amount\"]) { url } }", json!({}))
        .await?;
    assert_eq!(
        (twice.error_code(), twice.error_extension("field").as_str()),
        (Some("BAD_USER_INPUT"), Some("columns[1]"))
    );

    Ok(())
}

const REFUND_VIEW: &str = "query($id: ID!) { customer(id: $id) { totalSpend { amountMinor }
  transactions(first: 10) { edges { node { id kind status externalRef occurredAt refundOf
    amount { amountMinor currency } refunded { amountMinor } } } } } }";

/// A shop's file with refunds: the refunded amount and time become a refund of the purchase
/// (net spend drops), a refund larger than the purchase, a line disagreeing with its order's
/// refund and a dollar amount in a yuan workspace are refused naming the column (the dry run,
/// cut in small batches, says the same), `12,50` reads as 12.50; the export writes the refund
/// and its time back, and a revert deletes the refund with its purchase.
#[tokio::test]
async fn refunds_in_a_purchases_file_are_recorded_exported_and_reverted_with_their_purchase()
-> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    let id = upload(&app, &token, "refunds.csv", REFUNDS.as_bytes().to_vec()).await?;
    let small = RunOptions { batch_size: 2, stop_after_batches: None, now: None };
    app.as_token(&token).execute(CHECK, json!({ "input": { "importId": id } })).await?.data();
    app.state.imports.run_once(&app.state.db, &small).await?;
    let checked = import(&app, &token, &id).await?;
    assert_eq!(
        counts(&checked),
        [2, 1, 0, 3],
        "the dry run refuses a line of an order from an earlier batch: {checked}"
    );
    app.as_token(&token).execute(START, json!({ "input": { "importId": id } })).await?.data();
    app.state.imports.run_once(&app.state.db, &small).await?;
    let found = import(&app, &token, &id).await?;
    assert_eq!((found["status"].as_str(), counts(&found)), (Some("SUCCEEDED"), [2, 1, 0, 3]), "{found}");
    let errors: Vec<(i64, String, String)> = found["runErrors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (e["row"].as_i64().unwrap_or_default(), text("column"), text("message"))
        })
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!((errors[0].0, errors[0].1.as_str()), (4, "退款金额"), "{errors:?}");
    assert!(errors[0].2.contains("refund"), "{errors:?}");
    assert_eq!((errors[1].0, errors[1].1.as_str()), (5, "退款金额"), "{errors:?}");
    assert!(errors[1].2.contains("more than"), "{errors:?}");
    assert_eq!((errors[2].0, errors[2].1.as_str()), (6, "实付金额"), "{errors:?}");
    assert!(errors[2].2.contains("dollars") && errors[2].2.contains("CNY"), "{errors:?}");

    let list = customers(&app, &token).await?;
    let view =
        app.as_token(&token).execute(REFUND_VIEW, json!({ "id": list[0]["id"] })).await?.data()["customer"]
            .clone();
    assert_eq!(view["totalSpend"]["amountMinor"], 30_000 - 10_000 + 1_250, "net of the refund: {view}");
    let records: Vec<Value> = view["transactions"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["node"].clone())
        .collect();
    let r1 = records.iter().find(|t| t["externalRef"] == "R1").cloned().unwrap_or_default();
    assert_eq!(
        (r1["status"].as_str(), r1["refunded"]["amountMinor"].as_i64()),
        (Some("PARTIALLY_REFUNDED"), Some(10_000)),
        "{r1}"
    );
    let refund = records.iter().find(|t| t["kind"] == "REFUND").cloned().unwrap_or_default();
    assert_eq!(
        (refund["refundOf"].clone(), refund["amount"]["amountMinor"].as_i64()),
        (r1["id"].clone(), Some(10_000)),
        "{records:?}"
    );
    assert_eq!(
        refund["occurredAt"], "2024-05-03T01:00:00+00:00",
        "the refund time, in the workspace's zone: {refund}"
    );
    let r4 = records.iter().find(|t| t["externalRef"] == "R4").cloned().unwrap_or_default();
    assert_eq!(r4["amount"]["amountMinor"], 1_250, "a decimal comma: {r4}");

    the_export_writes_refunds_and_chosen_columns(&app, &token).await?;

    // A revert takes the refund with its purchase: nothing of the import is left.
    app.as_token(&token).execute(REVERT, json!({ "id": id })).await?;
    work(&app).await?;
    let reverted = import(&app, &token, &id).await?;
    assert_eq!(
        (reverted["status"].as_str(), reverted["revertRefused"].as_i64()),
        (Some("REVERTED"), Some(0)),
        "{reverted}"
    );
    assert_eq!(customers(&app, &token).await?.len(), 0, "the customer it created is gone too");
    let left = app
        .as_token(&token)
        .execute("{ changes(kinds: [\"transactionDeleted\"]) { events { payload } } }", json!({}))
        .await?;
    let deleted = left.data()["changes"]["events"].as_array().map_or(0, Vec::len);
    assert_eq!(deleted, 3, "two purchases and the refund: {left:?}");
    Ok(())
}

/// The text of an XLSX file's first sheet (its XML, with the shared strings if any).
fn sheet_xml(bytes: &[u8]) -> anyhow::Result<String> {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut out = String::new();
    for name in ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"] {
        if let Ok(mut file) = archive.by_name(name) {
            file.read_to_string(&mut out)?;
        }
    }
    Ok(out)
}

/// Both exports come as Excel workbooks on request: the same headers and rows, amounts as
/// numbers, phones masked without `pii:read`, a name Excel would run kept as plain text.
#[tokio::test]
async fn exports_come_as_excel_workbooks_with_amounts_as_numbers() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let token = owner(&app).await?;
    import_purchases(&app, &token).await?;
    app.as_token(&token)
        .execute(
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
            json!({ "input": { "name": "=cmd()", "phones": [{ "value": "13900139000" }] } }),
        )
        .await?
        .data();
    let marketer = app.add_user(&token, "MARKETER").await?;
    let marketer = app.token(&marketer).await?;
    let fetch = |token: String, query: &'static str| {
        let app = &app;
        async move {
            let link = app.as_token(&token).execute(query, json!({})).await?;
            let url = link
                .data()
                .as_object()
                .and_then(|o| o.values().next())
                .map(|v| v["url"].as_str().unwrap_or_default().to_owned())
                .unwrap_or_default();
            let response = app.http.get(app.url(&url)).send().await?;
            let kind = response.headers().get("content-type").cloned();
            anyhow::ensure!(
                kind.is_some_and(|k| k.as_bytes().starts_with(b"application/vnd.openxmlformats")),
                "not a workbook"
            );
            sheet_xml(&response.bytes().await?)
        }
    };
    let purchases = fetch(
        token.clone(),
        "mutation { exportTransactions(format: XLSX, columns: [\"orderNo\", \"phone\", \"amount\", \"item\"]) { url } }",
    )
    .await?;
    assert!(purchases.contains("订单号 Order no") && purchases.contains("A1001"), "{purchases}");
    assert!(purchases.contains("<v>221.5</v>"), "the amount is a number: {purchases}");
    assert!(purchases.contains("+8613800138000"), "{purchases}");
    let masked = fetch(marketer, "mutation { exportTransactions(format: XLSX) { url } }").await?;
    assert!(!masked.contains("8613800138000") && masked.contains("138****8000"), "{masked}");
    let customers = fetch(
        token,
        "mutation { exportCustomers(format: XLSX, columns: [\"name\", \"totalSpend\"]) { url } }",
    )
    .await?;
    assert!(customers.contains(">=cmd()<") && !customers.contains("'=cmd()"), "text, unquoted: {customers}");
    assert!(customers.contains("<v>221.5</v>"), "{customers}");
    Ok(())
}
