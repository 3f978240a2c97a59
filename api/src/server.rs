//! `starcrm serve`: bind, prepare the state, serve until SIGTERM/Ctrl-C, let in-flight requests
//! finish.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Settings;
use crate::http;
use crate::state::AppState;

/// Runs the server with `settings` until a shutdown signal.
///
/// # Errors
/// The port is taken, the data dir or database is unusable, or serving fails.
pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    // Bind first: a taken port is the most common start-up mistake; report it before any slow work.
    let listener = TcpListener::bind(settings.listen).await.with_context(|| {
        format!("cannot listen on {} (set another address with --listen or STARCRM_LISTEN)", settings.listen)
    })?;
    let state = AppState::init(settings).await?;
    if !settings.web_dir.join("index.html").is_file() {
        tracing::warn!(web_dir = %settings.web_dir.display(), "web app not found: only the API is served");
    }
    // Scheduled re-ratings, overrides that run out, and jobs whose runner died.
    crate::ratings::scheduler::spawn(state.db.clone());
    // Changes other server processes record (PostgreSQL), for subscriptions and webhooks.
    crate::changes::spawn_listener(&state.db);
    // Webhook deliveries from the change feed.
    state.webhooks.spawn_worker(state.db.clone());
    // Imports: dry runs, runs and reverts, resumed after a crash.
    state.imports.spawn_worker(state.db.clone());
    // Service-level targets missed: recorded once, tickets escalated.
    crate::service_desk::breaches::spawn(state.db.clone());
    // Survey invitations made and sent; unhappy answers whose complaint was not opened with them.
    crate::surveys::jobs::spawn(state.db.clone(), state.webhooks.sender().clone());
    // Other messages to customers (points about to expire).
    crate::messaging::outbox::spawn(state.db.clone(), state.webhooks.sender().clone());
    // Points whose expiry has passed written off; birthdays, referrals and expiry warnings.
    crate::loyalty::expiry::spawn(state.db.clone());
    // Segment members kept current from the change feed; RFM scored after re-ratings and daily.
    crate::marketing::membership::spawn(state.db.clone());
    crate::marketing::sending::spawn(state.db.clone());
    // Purchase-behaviour models refitted, customers scored and lifecycle stages moved after
    // re-ratings and daily.
    crate::insight::worker::spawn(state.db.clone());
    let addr = listener.local_addr().context("cannot read the listening address")?;
    tracing::info!(
        url = %format!("http://{addr}"),
        database = ?state.info.database,
        mode = state.info.mode.as_str(),
        version = %state.info.version,
        "StarCRM is listening"
    );
    serve(listener, http::router(state), shutdown_signal(), settings.shutdown_timeout()).await
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting connections and
/// waits up to `grace` for in-flight requests.
///
/// # Errors
/// Serving failed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> anyhow::Result<()> {
    let (stopping_tx, mut stopping_rx) = watch::channel(false);
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests");
            let _ = stopping_tx.send(true);
        });
    let deadline = async move {
        // Never fires before the shutdown starts.
        if stopping_rx.wait_for(|stopping| *stopping).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => result.context("server error")?,
        () = deadline => {
            tracing::warn!(seconds = grace.as_secs(), "in-flight requests did not finish in time; exiting anyway");
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
