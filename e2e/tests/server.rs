//! The real `starcrm` binary over HTTP: GraphQL, probes, metrics, request ids in logs, and a
//! clean stop on SIGTERM.

use serde_json::json;
use starcrm_e2e::Server;
use starcrm_e2e::db::Engine;

#[tokio::test]
async fn answers_graphql_probes_and_metrics_then_stops_cleanly_on_sigterm() -> anyhow::Result<()> {
    let server = Server::start().await?;
    let http = reqwest::Client::new();

    let response =
        server.graphql().execute("query { serverInfo { version database mode } }", json!({})).await?;
    let info = &response.data()["serverInfo"];
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    let database = match Engine::current() {
        Engine::Sqlite => "SQLITE",
        Engine::Postgres => "POSTGRES",
    };
    assert_eq!(info["database"], database);
    assert_eq!(info["mode"], "PRODUCTION");

    assert_eq!(http.get(server.url("/healthz")).send().await?.status(), 200);
    assert_eq!(http.get(server.url("/readyz")).send().await?.status(), 200);
    let metrics = http.get(server.url("/metrics")).send().await?.text().await?;
    assert!(metrics.contains(r#"route="/graphql""#), "{metrics}");
    // GraphiQL is a development convenience.
    assert_eq!(http.get(server.url("/graphql")).send().await?.status(), 405);

    let status = server.stop().await?;
    assert!(status.success(), "exit status after SIGTERM: {status}");
    Ok(())
}

#[tokio::test]
async fn the_request_id_reaches_the_json_logs() -> anyhow::Result<()> {
    let server = Server::start().await?;
    let response = reqwest::Client::new()
        .post(server.url("/graphql"))
        .header("x-request-id", "e2e-trace-7731")
        .json(&json!({ "query": "{ serverInfo { version } }" }))
        .send()
        .await?;
    assert_eq!(response.headers()["x-request-id"], "e2e-trace-7731");
    // Stopping waits for the server to exit and its output to be drained.
    let (stopped, output) = server.stop_with_output().await?;
    assert!(stopped.success());
    let line = output
        .lines()
        .find(|line| line.contains("e2e-trace-7731"))
        .ok_or_else(|| anyhow::anyhow!("request id not logged:\n{output}"))?;
    let event: serde_json::Value = serde_json::from_str(line)?;
    assert_eq!(event["span"]["request_id"], "e2e-trace-7731", "{line}");
    assert_eq!(event["status"], 200, "{line}");
    Ok(())
}

#[tokio::test]
async fn the_running_server_delivers_webhooks_on_its_own() -> anyhow::Result<()> {
    let options = starcrm_e2e::server::ServerOptions { seed: true, ..Default::default() };
    let server = Server::start_with_env(options, &[("STARCRM_WEBHOOKS_ALLOW_PRIVATE", "true")]).await?;
    let owner = server.demo_api("owner").await?;
    let mut receiver = starcrm_e2e::receiver::Receiver::start().await?;
    let url = receiver.url.clone();
    let created = owner
        .execute(
            "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { id } }",
            json!({ "input": { "url": url, "eventTypes": ["customerCreated"] } }),
        )
        .await?;
    assert!(created.data()["createWebhookEndpoint"]["id"].is_string(), "{}", created.body);
    let customer = owner
        .execute("mutation { createCustomer(input: { name: \"Webhook Wang\" }) { id } }", json!({}))
        .await?;
    let id = customer.data()["createCustomer"]["id"].as_str().unwrap_or_default().to_owned();

    // No one drives the worker here: the server's own sends it, within seconds.
    let request = receiver
        .next(std::time::Duration::from_secs(10))
        .await
        .map_err(|e| anyhow::anyhow!("{e}; server output:\n{}", server.output()))?;
    assert_eq!(request.request_line, "POST /hooks HTTP/1.1");
    let header = |name: &str| request.headers.get(name).cloned().unwrap_or_default();
    assert!(header("webhook-id").starts_with("msg_"), "{request:?}");
    assert!(header("webhook-timestamp").parse::<i64>().is_ok(), "{request:?}");
    assert!(header("webhook-signature").starts_with("v1,"), "{request:?}");
    assert_eq!(header("content-type"), "application/json");
    let body = request.json();
    assert_eq!(
        (body["type"].as_str(), body["data"]["customerId"].as_str()),
        (Some("customerCreated"), Some(id.as_str()))
    );
    Ok(())
}

#[tokio::test]
async fn a_change_made_through_one_server_reaches_a_subscriber_of_another() -> anyhow::Result<()> {
    use starcrm_e2e::ws::Subscriptions;
    let options = starcrm_e2e::server::ServerOptions { seed: true, ..Default::default() };
    let writer = Server::start_with(options).await?;
    // On PostgreSQL a second process on the same database, as a second replica; SQLite is one
    // process, so the subscriber uses the same one.
    let beside = match Engine::current() {
        Engine::Postgres => Some(writer.start_beside(&[]).await?),
        Engine::Sqlite => None,
    };
    let reader = beside.as_ref().unwrap_or(&writer);
    let token = reader.demo_token("owner").await?;
    let mut subscriber =
        Subscriptions::connect(&reader.url(""), json!({ "authorization": format!("Bearer {token}") }))
            .await?
            .map_err(|r| anyhow::anyhow!("refused: {r:?}"))?;
    subscriber.subscribe("stars", "subscription { starsChanged { customerId payload } }", json!({})).await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let pushed = writer
        .graphql()
        .bearer(&token)
        .execute(
            "mutation { recordTransaction(input: { customer: { phone: \"13600006666\", name: \"Replica Test\" }, channel: APP, amountMinor: 880000 }) { customerId } }",
            json!({}),
        )
        .await?;
    let customer = pushed.data()["recordTransaction"]["customerId"].clone();
    assert!(customer.is_string(), "{}", pushed.body);
    // Well inside the subscription's 30 s fallback poll: the other process was told (NOTIFY).
    let message = subscriber.next(std::time::Duration::from_secs(10)).await?;
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["payload"]["data"]["starsChanged"]["customerId"], customer, "{message}");
    Ok(())
}
