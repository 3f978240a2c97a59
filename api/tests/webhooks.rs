//! Webhooks: changes reach a real local HTTP receiver, signed so that the Standard Webhooks
//! reference library (`standardwebhooks` from `PyPI`, installed by `scripts/test`) accepts them; failures
//! follow the retry schedule, in order per customer, until the endpoint is disabled; private
//! addresses are refused. The worker is driven with `run_once(now)` so hours of retries take no
//! time. Runs on SQLite and PostgreSQL.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::python::verify_webhooks;
use common::{Options, TestApp};
use serde_json::{Value, json};
use starcrm_api::webhooks::delivery::SCHEDULE;
use starcrm_e2e::receiver::{Received, Receiver};

const CREATE_ENDPOINT: &str = "mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { id url secret eventTypes status }
}";
const ENDPOINT: &str = "query($id: ID!) {
  webhookEndpoint(id: $id) {
    id status disabledReason failingSince secret previousSecretExpiresAt
    messages(first: 50) { id webhookId eventType position customerId status attempts lastStatusCode payload }
    attempts(first: 100) { messageId trigger statusCode succeeded responseExcerpt error durationMs }
  }
}";
const CREATE_CUSTOMER: &str =
    "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id version } }";
const UPDATE_CUSTOMER: &str =
    "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id version } }";
const PURCHASE: &str =
    "mutation($input: RecordTransactionInput!) { recordTransaction(input: $input) { customerId } }";

/// The event types of everything the receiver got, in order.
fn types(receiver: &Receiver) -> Vec<String> {
    receiver.got().iter().map(|r| r.json()["type"].as_str().unwrap_or_default().to_owned()).collect()
}

async fn app(allow_private: bool) -> anyhow::Result<TestApp> {
    let options = if allow_private {
        Options { configure: Some(|s| s.webhooks_allow_private = true), ..Options::default() }
    } else {
        Options::default()
    };
    TestApp::start_with(options).await
}

async fn owner(app: &TestApp) -> anyhow::Result<String> {
    let account = app.workspace("Hook Shop").await?;
    app.token(&account).await
}

async fn create_endpoint(app: &TestApp, token: &str, input: Value) -> anyhow::Result<Value> {
    let response = app.as_token(token).execute(CREATE_ENDPOINT, json!({ "input": input })).await?;
    Ok(response.data()["createWebhookEndpoint"].clone())
}

async fn endpoint(app: &TestApp, token: &str, id: &Value) -> anyhow::Result<Value> {
    Ok(app.as_token(token).execute(ENDPOINT, json!({ "id": id })).await?.data()["webhookEndpoint"].clone())
}

async fn customer(app: &TestApp, token: &str, name: &str) -> anyhow::Result<Value> {
    let created = app.as_token(token).execute(CREATE_CUSTOMER, json!({ "input": { "name": name } })).await?;
    Ok(created.data()["createCustomer"].clone())
}

async fn purchase(app: &TestApp, token: &str, customer: &Value, reference: &str) -> anyhow::Result<()> {
    let input = json!({
        "customer": { "id": customer["id"] }, "channel": "STORE", "amountMinor": 19_900, "externalRef": reference
    });
    let response = app.as_token(token).execute(PURCHASE, json!({ "input": input })).await?;
    anyhow::ensure!(response.body["errors"].is_null(), "{}", response.body);
    Ok(())
}

#[tokio::test]
async fn changes_arrive_signed_for_the_reference_library_also_across_a_secret_rotation() -> anyhow::Result<()>
{
    let app = app(true).await?;
    let token = owner(&app).await?;
    // A change before the endpoint exists is not sent: it receives what happens from now on.
    customer(&app, &token, "Before").await?;
    let receiver = Receiver::start().await?;
    let url = receiver.url.clone();
    let all = create_endpoint(&app, &token, json!({ "url": url, "description": "ERP" })).await?;
    assert_eq!(all["status"], "ACTIVE", "{all}");
    let secret = all["secret"].as_str().unwrap_or_default().to_owned();
    assert!(secret.starts_with("whsec_"));
    let stars_only_receiver = Receiver::start().await?;
    let stars_url = stars_only_receiver.url.clone();
    let stars_only =
        create_endpoint(&app, &token, json!({ "url": stars_url, "eventTypes": ["starsChanged"] })).await?;
    assert_eq!(stars_only["eventTypes"], json!(["starsChanged"]));

    let lin = customer(&app, &token, "林秀英").await?;
    purchase(&app, &token, &lin, "order-1").await?;
    let run = app.state.webhooks.run_once(&app.state.db, Utc::now()).await?;
    assert!(run.delivered >= 2, "{run:?}");

    // Everything since the endpoint was made, in feed order, once each.
    let kinds = types(&receiver);
    assert_eq!(kinds.first().map(String::as_str), Some("customerCreated"), "{kinds:?}");
    assert!(kinds.contains(&"transactionRecorded".to_owned()), "{kinds:?}");
    let got = receiver.got();
    let positions: Vec<i64> =
        got.iter().map(|r| r.json()["data"]["position"].as_i64().unwrap_or(0)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "in order: {positions:?}");
    let first = got[0].json();
    assert_eq!(first["data"]["customerId"], lin["id"]);
    assert!(!got[0].body.contains("林秀英"), "no personal data: {}", got[0].body);
    assert!(got[0].headers["webhook-id"].starts_with("msg_"));
    assert!(got[0].headers["webhook-signature"].starts_with("v1,"));
    assert_eq!(got[0].headers["content-type"], "application/json");
    // Only the kinds asked for.
    assert!(
        types(&stars_only_receiver).iter().all(|t| t == "starsChanged"),
        "{:?}",
        types(&stars_only_receiver)
    );
    assert!(!types(&stars_only_receiver).is_empty(), "a first purchase rates the customer");

    // The reference library accepts every delivery with the secret, and refuses another.
    let cases: Vec<(&str, &Received)> = got.iter().map(|r| (secret.as_str(), r)).collect();
    assert!(verify_webhooks(&cases).await?.iter().all(|v| v == "ok"), "{:?}", verify_webhooks(&cases).await?);
    let wrong = verify_webhooks(&[("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", &got[0])]).await?;
    assert_ne!(wrong, vec!["ok".to_owned()]);
    // A tampered body fails too.
    let mut tampered = got[0].clone();
    tampered.body = tampered.body.replace("customerCreated", "customerDeleted");
    assert_ne!(verify_webhooks(&[(secret.as_str(), &tampered)]).await?, vec!["ok".to_owned()]);

    // Rotation: for 24 h both secrets sign, so a receiver still on the old one keeps working.
    let rotated = app
        .as_token(&token)
        .execute(
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret previousSecretExpiresAt } }",
            json!({ "id": all["id"] }),
        )
        .await?;
    let new_secret = rotated.data()["rotateWebhookSecret"]["secret"].as_str().unwrap_or_default().to_owned();
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);
    assert!(rotated.data()["rotateWebhookSecret"]["previousSecretExpiresAt"].is_string());
    let before = receiver.got().len();
    customer(&app, &token, "After rotation").await?;
    app.state.webhooks.run_once(&app.state.db, Utc::now()).await?;
    let after = receiver.got();
    let latest = after.get(before).ok_or_else(|| anyhow::anyhow!("nothing delivered after the rotation"))?;
    assert_eq!(latest.headers["webhook-signature"].split(' ').count(), 2, "{:?}", latest.headers);
    assert_eq!(
        verify_webhooks(&[(new_secret.as_str(), latest), (secret.as_str(), latest)]).await?,
        vec!["ok", "ok"]
    );

    // The log lists each delivery with its answer; a test event goes out signed the same way.
    let seen = endpoint(&app, &token, &all["id"]).await?;
    let attempts = seen["attempts"].as_array().cloned().unwrap_or_default();
    assert_eq!(attempts.len(), after.len(), "{seen}");
    assert!(attempts.iter().all(|a| a["succeeded"] == true && a["statusCode"] == 200), "{seen}");
    assert_eq!(attempts[0]["responseExcerpt"], "receiver says 200");
    let test = app
        .as_token(&token)
        .execute(
            "mutation($id: ID!) { sendWebhookTestEvent(endpointId: $id) { trigger statusCode succeeded } }",
            json!({ "id": all["id"] }),
        )
        .await?;
    assert_eq!(
        test.data()["sendWebhookTestEvent"],
        json!({ "trigger": "test", "statusCode": 200, "succeeded": true })
    );
    let test_delivery = receiver.got().last().cloned().ok_or_else(|| anyhow::anyhow!("no test event"))?;
    assert_eq!(test_delivery.json()["type"], "webhook.test");
    assert_eq!(verify_webhooks(&[(new_secret.as_str(), &test_delivery)]).await?, vec!["ok"]);
    Ok(())
}

#[tokio::test]
async fn failures_are_retried_on_schedule_in_order_per_customer_then_the_endpoint_is_disabled()
-> anyhow::Result<()> {
    let app = app(true).await?;
    let token = owner(&app).await?;
    let receiver = Receiver::start().await?;
    let url = receiver.url.clone();
    receiver.answer(500);
    let hook = create_endpoint(
        &app,
        &token,
        json!({ "url": url, "eventTypes": ["customerCreated", "customerUpdated"] }),
    )
    .await?;
    let webhooks = &app.state.webhooks;
    let db = &app.state.db;

    let lin = customer(&app, &token, "Lin").await?;
    let updated = app
        .as_token(&token)
        .execute(
            UPDATE_CUSTOMER,
            json!({ "input": { "id": lin["id"], "version": lin["version"], "company": "Acme" } }),
        )
        .await?;
    anyhow::ensure!(updated.body["errors"].is_null(), "{}", updated.body);

    let start = Utc::now();
    let mut now = start;
    let run = webhooks.run_once(db, now).await?;
    // One attempt: the update waits behind the customer's creation.
    assert_eq!((run.fanned_out, run.attempted, run.delivered), (2, 1, 0), "{run:?}");
    assert_eq!(types(&receiver), vec!["customerCreated"]);
    // Nothing is due until the next step of the schedule.
    assert_eq!(webhooks.run_once(db, now + chrono::Duration::seconds(4)).await?.attempted, 0);
    for wait in &SCHEDULE[1..] {
        now += *wait;
        let run = webhooks.run_once(db, now).await?;
        assert_eq!(run.attempted, 1, "at +{}: {run:?}", (now - start).num_seconds());
    }
    // Eight attempts of the first message, none of the second while the first was pending.
    assert_eq!(types(&receiver), vec!["customerCreated"; 8]);
    let seen = endpoint(&app, &token, &hook["id"]).await?;
    let messages = seen["messages"].as_array().cloned().unwrap_or_default();
    let created = messages.iter().find(|m| m["eventType"] == "customerCreated").cloned().unwrap_or_default();
    assert_eq!(
        (created["status"].as_str(), created["attempts"].as_i64()),
        (Some("FAILED"), Some(8)),
        "{seen}"
    );
    assert_eq!(created["lastStatusCode"], 500);
    assert_eq!(seen["status"], "ACTIVE");
    assert!(seen["failingSince"].is_string());
    let log = seen["attempts"].as_array().cloned().unwrap_or_default();
    assert_eq!(log.len(), 8);
    assert!(
        log.iter().all(|a| a["statusCode"] == 500 && a["succeeded"] == false && a["trigger"] == "scheduled")
    );
    assert_eq!(log[0]["responseExcerpt"], "receiver says 500");

    // Once the first ran out, the customer's next change goes; still failing after 5 days of
    // failures, the endpoint is disabled and the audit log says so.
    now = start + chrono::Duration::days(5) + chrono::Duration::seconds(1);
    let run = webhooks.run_once(db, now).await?;
    assert_eq!(run.attempted, 1, "{run:?}");
    assert_eq!(types(&receiver).last().map(String::as_str), Some("customerUpdated"));
    let seen = endpoint(&app, &token, &hook["id"]).await?;
    assert_eq!(seen["status"], "DISABLED", "{seen}");
    assert!(seen["disabledReason"].as_str().unwrap_or_default().contains("5 days"), "{seen}");
    let audit = app
        .as_token(&token)
        .execute("{ auditLog(first: 50) { nodes { action actorName entityId } } }", json!({}))
        .await?;
    let disabled: Vec<&Value> = audit.data()["auditLog"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["action"] == "webhook.disabled")
        .collect();
    assert_eq!(disabled.len(), 1, "{}", audit.body);
    assert_eq!(disabled[0]["entityId"], hook["id"]);
    // Disabled: nothing more is sent, even when due.
    let count = receiver.got().len();
    webhooks.run_once(db, now + chrono::Duration::days(1)).await?;
    assert_eq!(receiver.got().len(), count);

    // The receiver is fixed; re-enabling sends what waits, and the failed one is recovered.
    receiver.answer(204);
    let enabled = app
        .as_token(&token)
        .execute(
            "mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { status failingSince } }",
            json!({ "input": { "id": hook["id"], "enabled": true } }),
        )
        .await?;
    assert_eq!(enabled.data()["updateWebhookEndpoint"], json!({ "status": "ACTIVE", "failingSince": null }));
    let recovered = app
        .as_token(&token)
        .execute(
            "mutation($id: ID!, $since: DateTime!) { recoverWebhookMessages(endpointId: $id, since: $since) }",
            json!({ "id": hook["id"], "since": (start - chrono::Duration::minutes(1)).to_rfc3339() }),
        )
        .await?;
    assert_eq!(recovered.data()["recoverWebhookMessages"], 1, "{}", recovered.body);
    let run = webhooks.run_once(db, Utc::now() + chrono::Duration::days(6)).await?;
    assert_eq!(run.delivered, 2, "{run:?}");
    let seen = endpoint(&app, &token, &hook["id"]).await?;
    assert!(seen["messages"].as_array().into_iter().flatten().all(|m| m["status"] == "DELIVERED"), "{seen}");
    Ok(())
}

#[tokio::test]
async fn an_endpoint_that_does_not_answer_in_15_seconds_has_failed_and_a_replay_sends_again()
-> anyhow::Result<()> {
    let app = app(true).await?;
    let token = owner(&app).await?;
    let receiver = Receiver::start().await?;
    let url = receiver.url.clone();
    let hook = create_endpoint(&app, &token, json!({ "url": url })).await?;
    receiver.delay(Duration::from_secs(16));
    customer(&app, &token, "Slow").await?;
    let run = app.state.webhooks.run_once(&app.state.db, Utc::now()).await?;
    assert_eq!((run.attempted, run.delivered), (1, 0), "{run:?}");
    let seen = endpoint(&app, &token, &hook["id"]).await?;
    let attempt = seen["attempts"][0].clone();
    assert!(attempt["error"].as_str().unwrap_or_default().contains("15 s"), "{seen}");
    assert!(attempt["statusCode"].is_null());
    assert!(attempt["durationMs"].as_i64().unwrap_or_default() >= 15_000);

    // Replaying by hand sends the same message (same webhook-id) again, now.
    receiver.delay(Duration::ZERO);
    let message = seen["messages"][0].clone();
    let replay = app
        .as_token(&token)
        .execute(
            "mutation($id: ID!) { replayWebhookMessage(id: $id) { trigger statusCode succeeded } }",
            json!({ "id": message["id"] }),
        )
        .await?;
    assert_eq!(
        replay.data()["replayWebhookMessage"],
        json!({ "trigger": "replay", "statusCode": 200, "succeeded": true })
    );
    let got = receiver.got();
    assert_eq!(
        got.last().map(|r| r.headers["webhook-id"].clone()),
        Some(message["webhookId"].as_str().unwrap_or_default().to_owned())
    );
    let seen = endpoint(&app, &token, &hook["id"]).await?;
    assert_eq!(seen["messages"][0]["status"], "DELIVERED", "{seen}");
    Ok(())
}

#[tokio::test]
async fn private_and_non_http_targets_are_refused_unless_the_server_allows_them() -> anyhow::Result<()> {
    let app = app(false).await?;
    let token = owner(&app).await?;
    let receiver = Receiver::start().await?;
    let url = receiver.url.clone();
    for bad in [
        url.as_str(),
        "http://localhost:9/hooks",
        "http://10.0.0.8/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hooks",
        "http://2130706433/hooks",
        "ftp://example.com/hooks",
        "file:///etc/passwd",
        "https://user:secret@example.com/hooks",
    ] {
        let response =
            app.as_token(&token).execute(CREATE_ENDPOINT, json!({ "input": { "url": bad } })).await?;
        assert_eq!(response.error_code(), Some("BAD_USER_INPUT"), "{bad}: {}", response.body);
        assert_eq!(response.error_extension("field"), "url", "{bad}");
    }
    let listed = app.as_token(&token).execute("{ webhookEndpoints { id } }", json!({})).await?;
    assert_eq!(listed.data()["webhookEndpoints"], json!([]), "nothing was saved");

    // A name is checked where it leads when a delivery is made: this machine's host name
    // resolves to a loopback address (Debian's /etc/hosts), so the delivery is refused.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")?.trim().to_owned();
    let port = url.rsplit(':').next().unwrap_or_default().to_owned();
    let by_name = create_endpoint(&app, &token, json!({ "url": format!("http://{host}:{port}") })).await?;
    assert!(by_name["id"].is_string(), "{by_name}");
    customer(&app, &token, "Probe").await?;
    let run = app.state.webhooks.run_once(&app.state.db, Utc::now()).await?;
    assert_eq!((run.attempted, run.delivered), (1, 0), "{run:?}");
    let seen = endpoint(&app, &token, &by_name["id"]).await?;
    let error = seen["attempts"][0]["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("private address"), "{seen}");
    assert!(receiver.got().is_empty(), "the receiver on loopback was never reached");

    // Unknown event types and over-long descriptions name their field.
    for (input, field) in [
        (json!({ "url": "https://example.com/h", "eventTypes": ["customerExploded"] }), "eventTypes"),
        (json!({ "url": "https://example.com/h", "description": "x".repeat(201) }), "description"),
    ] {
        let response = app.as_token(&token).execute(CREATE_ENDPOINT, json!({ "input": input })).await?;
        assert_eq!(response.error_code(), Some("BAD_USER_INPUT"), "{}", response.body);
        assert_eq!(response.error_extension("field"), field);
    }
    Ok(())
}

#[tokio::test]
async fn erasing_a_customer_scrubs_the_webhook_messages_about_them() -> anyhow::Result<()> {
    let app = app(true).await?;
    let token = owner(&app).await?;
    let receiver = Receiver::start().await?;
    let url = receiver.url.clone();
    let hook = create_endpoint(&app, &token, json!({ "url": url })).await?;
    let lin = customer(&app, &token, "Lin").await?;
    app.as_token(&token)
        .execute(
            UPDATE_CUSTOMER,
            json!({ "input": { "id": lin["id"], "version": lin["version"], "company": "Acme Trading" } }),
        )
        .await?;
    app.state.webhooks.run_once(&app.state.db, Utc::now()).await?;
    let erased = app
        .as_token(&token)
        .execute(
            "mutation($id: ID!) { eraseCustomer(id: $id, reason: \"request\") { id } }",
            json!({ "id": lin["id"] }),
        )
        .await?;
    anyhow::ensure!(erased.body["errors"].is_null(), "{}", erased.body);
    let seen = endpoint(&app, &token, &hook["id"]).await?;
    let about_lin: Vec<&Value> =
        seen["messages"].as_array().into_iter().flatten().filter(|m| m["customerId"] == lin["id"]).collect();
    assert!(about_lin.len() >= 2, "{seen}");
    for message in about_lin {
        if message["eventType"] == "customerErased" {
            continue;
        }
        assert_eq!(message["payload"]["data"]["redacted"], "erasure", "{message}");
        assert!(!message["payload"].to_string().contains("company"), "{message}");
    }
    // What the receiver answered about them is dropped from the delivery log too.
    let log = seen["attempts"].as_array().cloned().unwrap_or_default();
    assert!(!log.is_empty() && log.iter().all(|a| a["responseExcerpt"].is_null()), "{seen}");
    Ok(())
}
