//! `CorrelationLayer` on an axum router against the bare router, in the same run.
//!
//! Both answer the same handlers in process (the router called as a tower service, the
//! body read to its end): `GET /users/{id}` (200) and `GET /pay` (a 500 carrying a
//! chained error, captured by the layer into one Sentry event). The layer's setup is what
//! production uses: an opentelemetry_sdk tracer provider with a batch span processor and
//! an exporter that discards, and a Sentry client whose transport discards.
//!
//! Run with `cargo bench --bench axum_layer`; allocations per request are printed first.

mod alloc_counter;

use std::error::Error;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use http::Request;
use http_body_util::BodyExt;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter};
use otel_sentry_tower::CorrelationLayer;
use otel_sentry_tower::axum::ErrorResponse;
use sentry_core::{ClientOptions, Envelope, Hub, Transport};
use tower::ServiceExt;

#[global_allocator]
static ALLOCATOR: alloc_counter::CountingAllocator = alloc_counter::CountingAllocator;

/// Spans go nowhere: the cost measured is the layer's, not an exporter's.
#[derive(Debug)]
struct DiscardSpans;

impl SpanExporter for DiscardSpans {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        drop(batch);
        Ok(())
    }
}

/// Events go nowhere.
struct DiscardEvents;

impl Transport for DiscardEvents {
    fn send_envelope(&self, envelope: Envelope) {
        drop(envelope);
    }
}

#[derive(Debug)]
struct CardDeclined;

impl fmt::Display for CardDeclined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("card declined")
    }
}

impl Error for CardDeclined {}

#[derive(Debug)]
struct PaymentFailed(CardDeclined);

impl fmt::Display for PaymentFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("payment failed")
    }
}

impl Error for PaymentFailed {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

fn routes() -> Router {
    Router::new()
        .route("/users/{id}", get(|| async { "ok" }))
        .route(
            "/pay",
            get(|| async { Err::<&str, _>(ErrorResponse::from(PaymentFailed(CardDeclined))) }),
        )
}

fn correlated(provider: &SdkTracerProvider, hub: Arc<Hub>) -> Router {
    routes().layer(
        CorrelationLayer::new()
            .tracer(provider.tracer("bench"))
            .sentry_hub(hub),
    )
}

/// A request as `axum::serve` with connect info hands it over: the headers of a typical
/// service-to-service call and the peer's address.
fn request(path: &str) -> Request<Body> {
    Request::builder()
        .uri(path)
        .header("host", "shop.example")
        .header("user-agent", "bench/1.0")
        .header("accept", "*/*")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 50_000))))
        .body(Body::empty())
        .unwrap()
}

async fn call(router: &Router, path: &str) -> u16 {
    let response = router.clone().oneshot(request(path)).await.unwrap();
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await.unwrap();
    status
}

fn layer_against_bare_router(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(DiscardSpans).build())
        .build();
    let mut options = ClientOptions::new().dsn("https://public@sentry.invalid/1");
    options.transport = Some(Arc::new(Arc::new(DiscardEvents)));
    let hub = Arc::new(Hub::new(
        Some(Arc::new(options.into())),
        Arc::new(Default::default()),
    ));

    let bare = routes();
    let ours = correlated(&provider, hub);
    assert_eq!(runtime.block_on(call(&bare, "/users/7")), 200);
    assert_eq!(runtime.block_on(call(&ours, "/users/7")), 200);
    assert_eq!(runtime.block_on(call(&ours, "/pay")), 500);

    for (name, router, path) in [
        ("success/bare", &bare, "/users/7"),
        ("success/correlation", &ours, "/users/7"),
        ("error/bare", &bare, "/pay"),
        ("error/correlation", &ours, "/pay"),
    ] {
        let (allocations, bytes) =
            alloc_counter::per_call(5_000, || runtime.block_on(call(router, path)));
        println!("{name:<24} {allocations:>6.1} allocations {bytes:>8.0} bytes per request");
    }

    let mut group = c.benchmark_group("axum");
    group.bench_function("success/bare", |b| {
        b.iter(|| runtime.block_on(call(&bare, "/users/7")))
    });
    group.bench_function("success/correlation", |b| {
        b.iter(|| runtime.block_on(call(&ours, "/users/7")))
    });
    group.bench_function("error/bare", |b| {
        b.iter(|| runtime.block_on(call(&bare, "/pay")))
    });
    group.bench_function("error/correlation", |b| {
        b.iter(|| runtime.block_on(call(&ours, "/pay")))
    });
    group.finish();
    let _ = provider.shutdown();
}

criterion_group!(benches, layer_against_bare_router);
criterion_main!(benches);
