use std::net::SocketAddr;

use axum::{Router, routing::post};
use otel_sentry::tower::axum::{ErrorResponse, RequestTrace};

async fn pay(trace: RequestTrace) -> Result<String, ErrorResponse> {
    let receipt = charge_card().await?; // any std::error::Error becomes a reported 500
    Ok(format!("{receipt} (trace {})", trace.trace_id))
}

async fn charge_card() -> Result<String, std::io::Error> {
    Ok("receipt 1".to_owned())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // Sentry from SENTRY_DSN, spans over OTLP from OTEL_* (or to Sentry), until main ends.
    let _telemetry = otel_sentry::init();
    let app = Router::new()
        .route("/orders/{id}/pay", post(pay))
        // `Router::layer`: the layer sees the route axum matched.
        .layer(otel_sentry::tower::CorrelationLayer::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    // With the peer's address, so spans record `client.address`.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
