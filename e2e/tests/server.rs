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

/// A one-route HTTP receiver on loopback: answers 200 to every request and passes on each
/// request's head and body.
async fn webhook_receiver() -> anyhow::Result<(String, tokio::sync::mpsc::UnboundedReceiver<String>)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hooks", listener.local_addr()?);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                // Read the head, then as much body as Content-Length says.
                loop {
                    let Ok(n) = socket.read(&mut buffer).await else { return };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&request).into_owned();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().to_owned())
                            })
                            .and_then(|v| v.parse::<usize>().ok())
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            let _ = tx.send(text);
                            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
                            request.clear();
                        }
                    }
                }
            });
        }
    });
    Ok((url, rx))
}

#[tokio::test]
async fn the_running_server_delivers_webhooks_on_its_own() -> anyhow::Result<()> {
    let options = starcrm_e2e::server::ServerOptions { seed: true, ..Default::default() };
    let server = Server::start_with_env(options, &[("STARCRM_WEBHOOKS_ALLOW_PRIVATE", "true")]).await?;
    let api = server.graphql();
    let login = api
        .execute(
            "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
            json!({ "input": { "email": starcrm_e2e::server::demo_email("owner"), "password": starcrm_e2e::server::DEMO_PASSWORD } }),
        )
        .await?;
    let owner = api.bearer(login.data()["login"]["accessToken"].as_str().unwrap_or_default());
    let (url, mut received) = webhook_receiver().await?;
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
    let request = tokio::time::timeout(std::time::Duration::from_secs(10), received.recv())
        .await
        .map_err(|_| anyhow::anyhow!("no webhook within 10 s; server output:\n{}", server.output()))?
        .ok_or_else(|| anyhow::anyhow!("receiver closed"))?;
    assert!(request.starts_with("POST /hooks HTTP/1.1"), "{request}");
    let lower = request.to_ascii_lowercase();
    for header in [
        "webhook-id: msg_",
        "webhook-timestamp: ",
        "webhook-signature: v1,",
        "content-type: application/json",
    ] {
        assert!(lower.contains(header), "{header} missing:\n{request}");
    }
    assert!(request.contains("\"type\":\"customerCreated\"") && request.contains(&id), "{request}");
    Ok(())
}
