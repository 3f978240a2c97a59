//! The HTTP surface of the server, through the real router over real HTTP: health, readiness,
//! metrics, request ids, GraphiQL by mode, graceful shutdown.

mod common;

use std::time::Duration;

use common::{Options, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use starcrm_api::config::Mode;

#[tokio::test]
async fn healthz_and_readyz_answer_ok_when_the_database_is_up() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let health = app.http.get(app.url("/healthz")).send().await?;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.json::<Value>().await?, json!({ "status": "ok" }));

    let ready = app.http.get(app.url("/readyz")).send().await?;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<Value>().await?["checks"]["database"], "ok");
    Ok(())
}

#[tokio::test]
async fn readyz_reports_503_when_the_database_is_gone() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    // Closing one handle closes the pool every clone shares.
    app.state.db.clone().close().await?;
    let ready = app.http.get(app.url("/readyz")).send().await?;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json::<Value>().await?["checks"]["database"], "unavailable");
    // Liveness does not depend on the database: restarting would not help.
    assert_eq!(app.http.get(app.url("/healthz")).send().await?.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn metrics_count_requests_by_route_in_prometheus_format() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    for _ in 0..3 {
        app.http.get(app.url("/healthz")).send().await?;
    }
    app.graphql().execute("{ serverInfo { version } }", json!({})).await?;
    let response = app.http.get(app.url("/metrics")).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], starcrm_api::http::metrics::CONTENT_TYPE);
    let body = response.text().await?;
    assert!(body.ends_with("# EOF\n"), "OpenMetrics ends with # EOF: {body}");
    assert!(
        body.contains(r#"starcrm_http_requests_total{method="GET",route="/healthz",status="200"} 3"#),
        "{body}"
    );
    assert!(
        body.contains(r#"starcrm_http_requests_total{method="POST",route="/graphql",status="200"} 1"#),
        "{body}"
    );
    assert!(body.contains("# TYPE starcrm_http_request_duration_seconds histogram"), "{body}");
    assert!(
        body.contains(&format!(r#"starcrm_build_info{{version="{}"}} 1"#, env!("CARGO_PKG_VERSION"))),
        "{body}"
    );
    Ok(())
}

#[tokio::test]
async fn sqlite_write_turns_are_counted_and_exported() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let before = starcrm_api::db::write_turns();
    app.workspace("Turns").await?;
    let turns = starcrm_api::db::write_turns().since(before);
    if app.state.info.database == starcrm_shared::DatabaseKind::Sqlite {
        assert!(turns.writes >= 1, "creating a workspace writes: {turns:?}");
        assert!(turns.held > Duration::ZERO, "{turns:?}");
    } else {
        assert_eq!(turns, starcrm_api::db::WriteTurns::default(), "PostgreSQL writes take no turns");
    }
    let body = app.http.get(app.url("/metrics")).send().await?.text().await?;
    assert!(body.contains("# TYPE starcrm_sqlite_write_hold_seconds histogram"), "{body}");
    assert!(body.contains("# TYPE starcrm_sqlite_write_wait_seconds histogram"), "{body}");
    Ok(())
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_clean_incoming_one_is_kept() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let generated = app.http.get(app.url("/healthz")).send().await?;
    let id = generated.headers()["x-request-id"].to_str()?.to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok_and(|u| u.get_version_num() == 7), "UUIDv7 expected, got {id}");

    let kept = app.http.get(app.url("/healthz")).header("x-request-id", "lb-42.abc").send().await?;
    assert_eq!(kept.headers()["x-request-id"], "lb-42.abc");

    let replaced = app.http.get(app.url("/healthz")).header("x-request-id", "x".repeat(200)).send().await?;
    assert_ne!(replaced.headers()["x-request-id"].to_str()?, "x".repeat(200));
    Ok(())
}

#[tokio::test]
async fn a_panicking_handler_answers_500_with_the_request_id() -> anyhow::Result<()> {
    use axum::routing::get;
    use axum::{Router, middleware};
    use starcrm_api::http::{catch_panic, request_id::request_id};

    // The production middleware around a handler that panics (the real routes do not).
    #[allow(clippy::unused_async)]
    async fn boom() -> &'static str {
        panic!("bug in a handler")
    }
    let app = Router::new()
        .route("/boom", get(boom))
        .layer(middleware::from_fn(catch_panic))
        .layer(middleware::from_fn(request_id));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/boom", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let response = reqwest::Client::new().get(url).header("x-request-id", "panic-1").send().await?;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = response.json().await?;
    assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL");
    assert_eq!(body["errors"][0]["extensions"]["requestId"], "panic-1");
    assert_eq!(body["errors"][0]["message"], "internal error", "the panic message stays in the log");
    Ok(())
}

#[tokio::test]
async fn responses_carry_security_headers() -> anyhow::Result<()> {
    let app = TestApp::start().await?;
    let response = app.http.get(app.url("/healthz")).send().await?;
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert_eq!(response.headers()["referrer-policy"], "same-origin");
    Ok(())
}

#[tokio::test]
async fn graphiql_is_served_in_development_mode_only() -> anyhow::Result<()> {
    let dev = TestApp::start_with(Options { mode: Some(Mode::Development), ..Options::default() }).await?;
    let page = dev.http.get(dev.url("/graphql")).send().await?;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await?.contains("graphiql"), "GraphiQL page expected");

    let prod = TestApp::start().await?;
    let page = prod.http.get(prod.url("/graphql")).send().await?;
    assert_eq!(page.status(), StatusCode::METHOD_NOT_ALLOWED);
    // The API itself works in both modes.
    let info = prod.graphql().execute("{ serverInfo { mode } }", json!({})).await?;
    assert_eq!(info.data()["serverInfo"]["mode"], "PRODUCTION");
    Ok(())
}

#[tokio::test]
async fn graceful_shutdown_lets_an_in_flight_request_finish() -> anyhow::Result<()> {
    let mut app = TestApp::start().await?;
    // A request whose body arrives in two parts, with the shutdown starting in between.
    let (body_tx, body_rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    let body = reqwest::Body::wrap_stream(tokio_stream_from(body_rx));
    let request =
        app.http.post(app.url("/graphql")).header("content-type", "application/json").body(body).send();
    let in_flight = tokio::spawn(request);
    body_tx.send(Ok(br#"{"query": "{ serverInfo "#.to_vec())).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let server = app.begin_shutdown();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!server.is_finished(), "the server must wait for the in-flight request");

    body_tx.send(Ok(br#"{ version } }"}"#.to_vec())).await?;
    drop(body_tx);
    let response = in_flight.await??;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await?;
    assert_eq!(body["data"]["serverInfo"]["version"], env!("CARGO_PKG_VERSION"));

    tokio::time::timeout(Duration::from_secs(5), server).await???;
    // New connections are refused once it has stopped.
    assert!(app.http.get(app.url("/healthz")).send().await.is_err());
    Ok(())
}

#[tokio::test]
async fn shutdown_gives_up_on_a_request_that_outlasts_the_grace_period() -> anyhow::Result<()> {
    let grace = Duration::from_millis(300);
    let mut app = TestApp::start_with(Options { shutdown_grace: Some(grace), ..Options::default() }).await?;
    // A client that starts a request and never finishes sending it.
    let (body_tx, body_rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let stalled = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(tokio_stream_from(body_rx)))
        .send();
    let stalled = tokio::spawn(stalled);
    body_tx.send(Ok(b"{".to_vec())).await?;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = std::time::Instant::now();
    let server = app.begin_shutdown();
    tokio::time::timeout(Duration::from_secs(5), server).await???;
    assert!(started.elapsed() >= grace, "stopped before the grace period: {:?}", started.elapsed());
    stalled.abort();
    Ok(())
}

/// A `Stream` of what arrives on `rx`.
fn tokio_stream_from<T: Send + 'static>(
    rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> + Send + 'static {
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
}
