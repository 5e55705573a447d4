//! The smallest axum service with otel-sentry: `CorrelationLayer` on the router.
//!
//! ```sh
//! SENTRY_DSN=https://<key>@<host>/<project> cargo run --example axum_basic
//! curl -i http://127.0.0.1:3000/hello
//! curl -i http://127.0.0.1:3000/fail -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
//! ```
//!
//! Each request gets a server span (continuing the `traceparent` it came with), answered
//! in the `traceparent` response header. `/fail` returns an error: the layer answers 500,
//! captures one Sentry event stamped with the span's trace and span ids, and records the
//! exception and the event id on the span. Spans go over OTLP/HTTP to
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (none set: to Sentry with a DSN, else nowhere); `PORT` moves the
//! server from 3000.

use axum::Router;
use axum::routing::get;
use otel_sentry::tower::CorrelationLayer;
use otel_sentry::tower::axum::ErrorResponse;

#[derive(Debug)]
struct OutOfStock;

impl std::fmt::Display for OutOfStock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SKU-42 is out of stock")
    }
}

impl std::error::Error for OutOfStock {}

async fn hello() -> &'static str {
    "hello\n"
}

async fn fail() -> Result<&'static str, ErrorResponse> {
    Err(OutOfStock.into())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Sentry from SENTRY_DSN, spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (or, with
    // only a DSN, to Sentry's OTLP endpoint); the guard sends the last of both when main
    // returns, within Sentry's shutdown timeout.
    let _telemetry = otel_sentry::init();

    let port: u16 = std::env::var("PORT").map_or(Ok(3000), |port| port.parse())?;
    let app = Router::new()
        .route("/hello", get(hello))
        .route("/fail", get(fail))
        .layer(CorrelationLayer::new().response_traceparent(true));

    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            println!("listening on http://{}", listener.local_addr()?);
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
        })?;
    Ok(())
}
