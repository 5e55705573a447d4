//! A real axum server on 127.0.0.1 behind `CorrelationLayer`, a real reqwest client, spans
//! from opentelemetry_sdk's in-memory exporter and events from sentry's test transport.
#![allow(dead_code)]

use axum::Router;
use otel_sentry_test_support::{Served, Telemetry, sentry_options, serve_router};
use otel_sentry_tower::CorrelationLayer;
use sentry_core::ClientOptions;

/// The served router; derefs to its [`Telemetry`].
pub type Harness = Served;

/// Serves `router` behind `layer` (given the harness's tracer and Sentry hub).
pub async fn serve(
    router: Router,
    layer: impl FnOnce(CorrelationLayer) -> CorrelationLayer,
) -> Harness {
    serve_with(router, Some(sentry_options()), layer).await
}

/// Like `serve`, with these Sentry options, or no Sentry client at all.
pub async fn serve_with(
    router: Router,
    sentry: Option<ClientOptions>,
    layer: impl FnOnce(CorrelationLayer) -> CorrelationLayer,
) -> Harness {
    serve_tracing(router, sentry, true, layer).await
}

/// Like `serve`, on a hyper HTTP/1.1 connection that answers a client who half-closed
/// (`half_close(true)`), which `axum::serve` does not.
pub async fn serve_half_closing(router: Router) -> Harness {
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;

    let telemetry = Telemetry::new(Some(sentry_options()));
    let layer = CorrelationLayer::new()
        .sentry_hub(telemetry.hub.clone())
        .tracer(telemetry.tracer());
    let service = TowerToHyperService::new(router.layer(layer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = service.clone();
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .half_close(true)
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    Served::new(format!("http://{addr}"), telemetry)
}

/// Like `serve`, with the global tracer provider instead of the harness's tracer (the
/// harness's provider is then only handed to the caller).
pub async fn serve_global(router: Router) -> Harness {
    serve_tracing(router, Some(sentry_options()), false, |layer| {
        layer.response_traceparent(true)
    })
    .await
}

async fn serve_tracing(
    router: Router,
    sentry: Option<ClientOptions>,
    own_tracer: bool,
    layer: impl FnOnce(CorrelationLayer) -> CorrelationLayer,
) -> Harness {
    let telemetry = Telemetry::new(sentry);
    let base = CorrelationLayer::new().sentry_hub(telemetry.hub.clone());
    let base = if own_tracer {
        base.tracer(telemetry.tracer())
    } else {
        base
    };
    serve_router(router.layer(layer(base)), telemetry).await
}
