//! `CorrelationLayer` on an axum router against the bare router, in the same run.
//!
//! Both answer the same handlers in process (the router called as a tower service, the
//! body read to its end): `GET /users/{id}` (200) and `GET /pay` (a 500 carrying a
//! chained error, captured by the layer into one Sentry event). The layer's setup is what
//! production uses: an opentelemetry_sdk tracer provider with a batch span processor and
//! an exporter that discards, and a Sentry client whose transport discards.
//!
//! Run with `cargo bench --bench axum_layer`; allocations per request are printed first.

mod support;

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
use opentelemetry_sdk::trace::SdkTracerProvider;
use otel_sentry_test_support::PaymentFailed;
use otel_sentry_tower::CorrelationLayer;
use otel_sentry_tower::axum::ErrorResponse;
use sentry_core::Hub;
use support::alloc_counter::CountingAllocator;
use support::backends;
use tower::ServiceExt;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn routes() -> Router {
    Router::new()
        .route("/users/{id}", get(|| async { "ok" }))
        .route(
            "/pay",
            get(|| async { Err::<&str, _>(ErrorResponse::from(PaymentFailed::card_declined(51))) }),
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
    let provider = backends::tracer_provider();
    let hub = backends::sentry_hub();

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
            support::alloc_counter::per_call(5_000, || runtime.block_on(call(router, path)));
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
