//! Serving: bind, print the address, serve until the shutdown signal, then forward
//! everything held.

use std::future::Future;

use crate::config::Config;
use crate::ingest::router;
use crate::relay::Relay;
use crate::shared_state::SharedState;

/// Runs the relay on `listener` until `shutdown` completes, then flushes.
pub async fn serve(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let shared = match &config.redis {
        Some(url) => Some(
            SharedState::connect(url, config.window)
                .await
                .map_err(|error| format!("Redis at {url}: {}", error.0))?,
        ),
        None => None,
    };
    let (relay, receiver) = Relay::new(&config, shared)?;
    let sweeper = tokio::spawn(relay.clone().sweep());
    tokio::spawn(relay.upstream.clone().run(receiver));
    let ticker = tokio::spawn(relay.clone().decide_due());
    axum::serve(listener, router(relay.clone()))
        .with_graceful_shutdown(shutdown)
        .await?;
    ticker.abort();
    sweeper.abort();
    let left = relay.flush(config.shutdown_timeout).await;
    if left > 0 {
        tracing::error!(
            left,
            "upstream did not take every envelope before the shutdown deadline"
        );
    }
    eprintln!("otel-sentry-relay stopped: {}", relay.stats_json());
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
