//! `CorrelationLayer` on an axum router against the bare router and against the stack
//! users assemble today, in the same run.
//!
//! The anchor stack: sentry-tower's `NewSentryLayer` + `SentryHttpLayer` with
//! transactions, and axum-tracing-opentelemetry's `OtelAxumLayer` over
//! tracing-opentelemetry (the W3C propagator installed globally, as its docs ask). All
//! three answer the same handlers in process (the router called as a tower service, the
//! body read to its end): `GET /users/{id}` (200) and `GET /pay` (a 500 from a chained
//! error, captured into one Sentry event: by our layer, or — sentry-tower captures
//! nothing itself — by the anchor's handler). Same backends for both: an opentelemetry_sdk
//! tracer provider with a batch span processor and an exporter that discards, a Sentry
//! client whose transport discards (traces sample rate 0, so the anchor's transactions are
//! started but not sent). Spans and Sentry items per request are counted and printed, with
//! allocations and bytes, before the timings.
//!
//! Run with `cargo bench --bench axum_layer`.

mod support;

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum_tracing_opentelemetry::middleware::OtelAxumLayer;
use criterion::{Criterion, criterion_group, criterion_main};
use http::Request;
use http_body_util::BodyExt;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use otel_sentry_test_support::PaymentFailed;
use otel_sentry_tower::CorrelationLayer;
use otel_sentry_tower::axum::ErrorResponse;
use sentry_core::Hub;
use sentry_tower::{NewSentryLayer, SentryHttpLayer};
use support::alloc_counter::CountingAllocator;
use support::backends::Backends;
use tower::ServiceExt;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt;

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

fn correlated(backends: &Backends) -> Router {
    routes().layer(
        CorrelationLayer::new()
            .tracer(backends.provider.tracer("bench"))
            .sentry_hub(backends.hub()),
    )
}

/// The anchor's `/pay`: with sentry-tower the handler reports its error itself.
async fn pay_reporting_itself() -> impl IntoResponse {
    let error = PaymentFailed::card_declined(51);
    sentry_core::capture_error(&error);
    (StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
}

fn anchor() -> Router {
    Router::new()
        .route("/users/{id}", get(|| async { "ok" }))
        .route("/pay", get(pay_reporting_itself))
        .layer(OtelAxumLayer::default())
        .layer(SentryHttpLayer::new().enable_transaction())
        .layer(NewSentryLayer::<Request<Body>>::new_from_top())
}

/// The anchor's tracing subscriber: spans to OpenTelemetry through tracing-opentelemetry.
fn anchor_dispatch(backends: &Backends) -> Dispatch {
    let otel = tracing_opentelemetry::layer().with_tracer(backends.provider.tracer("anchor"));
    Dispatch::new(tracing_subscriber::registry().with(otel))
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

fn stacks_side_by_side(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let backends = Backends::new();
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    // sentry-tower derives its hubs from the current (here: main) hub.
    Hub::main().bind_client(Some(backends.client.clone()));
    let dispatch = anchor_dispatch(&backends);

    let bare = routes();
    let ours = correlated(&backends);
    let theirs = anchor();
    let cases = [
        ("success/bare", &bare, "/users/7", 200),
        ("success/correlation", &ours, "/users/7", 200),
        ("success/anchor", &theirs, "/users/7", 200),
        ("error/bare", &bare, "/pay", 500),
        ("error/correlation", &ours, "/pay", 500),
        ("error/anchor", &theirs, "/pay", 500),
    ];

    println!(
        "{:<22} {:>11} {:>9} {:>6} {:>7} {:>13}",
        "per request", "allocations", "bytes", "spans", "events", "transactions"
    );
    for (name, router, path, status) in cases {
        let _anchor = name
            .ends_with("anchor")
            .then(|| tracing::dispatcher::set_default(&dispatch));
        assert_eq!(runtime.block_on(call(router, path)), status, "{name}");
        let output = backends.output_per_request(200, || {
            runtime.block_on(call(router, path));
        });
        let (allocations, bytes) =
            support::alloc_counter::per_call(5_000, || runtime.block_on(call(router, path)));
        println!(
            "{name:<22} {allocations:>11.1} {bytes:>9.0} {:>6.1} {:>7.1} {:>13.1}",
            output.spans, output.events, output.transactions
        );
    }

    let mut group = c.benchmark_group("axum");
    for (name, router, path, _) in cases {
        group.bench_function(name, |b| {
            let _anchor = name
                .ends_with("anchor")
                .then(|| tracing::dispatcher::set_default(&dispatch));
            b.iter(|| runtime.block_on(call(router, path)))
        });
    }
    group.finish();
    let _ = backends.provider.shutdown();
}

criterion_group!(benches, stacks_side_by_side);
criterion_main!(benches);
