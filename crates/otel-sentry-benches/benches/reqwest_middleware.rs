//! `CorrelationMiddleware` on a reqwest client against the same client without it, in the
//! same run, over loopback.
//!
//! Both send `GET /users/7` through `reqwest_middleware::ClientWithMiddleware` to the same
//! bare axum server on 127.0.0.1 and read the body. Client and server share one
//! current-thread runtime, so the allocation counts (per thread) cover the whole exchange;
//! the difference between the two is the middleware's. The middleware's setup is what
//! production uses: an opentelemetry_sdk tracer provider with a batch span processor and
//! an exporter that discards, and a bound Sentry hub whose transport discards (it receives
//! the call's breadcrumb and heads Sentry's sampling context). The calls start a new trace,
//! as from a background job; inside a request the work is the same.
//!
//! Run with `cargo bench -p otel-sentry-benches --bench reqwest_middleware`; allocations per
//! request are printed first.

mod support;

use axum::Router;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::trace::TracerProvider as _;
use otel_sentry_reqwest::CorrelationMiddleware;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use sentry_core::Hub;
use support::alloc_counter::CountingAllocator;
use support::backends;
use tokio::runtime::Runtime;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Serves a bare router on 127.0.0.1 in `runtime`; its base URL.
fn serve(runtime: &Runtime) -> String {
    let router = Router::new().route("/users/{id}", get(|| async { "ok" }));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    runtime.spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

async fn call(client: &ClientWithMiddleware, url: &str) -> usize {
    let response = client.get(url).send().await.expect("the server answers");
    response.bytes().await.expect("a body").len()
}

fn middleware_against_bare_client(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let url = format!("{}/users/7", serve(&runtime));
    let provider = backends::tracer_provider();
    let bare = ClientBuilder::new(reqwest::Client::new()).build();
    let ours = ClientBuilder::new(reqwest::Client::new())
        .with(CorrelationMiddleware::new().tracer(provider.tracer("bench")))
        .build();
    // `http.client.request.duration` into an SDK meter provider (aggregated, never
    // exported), and metrics off.
    let meters = backends::discarding_meter_provider();
    let ours_metered = ClientBuilder::new(reqwest::Client::new())
        .with(
            CorrelationMiddleware::new()
                .tracer(provider.tracer("bench"))
                .meter_provider(&meters),
        )
        .build();
    let ours_unmetered = ClientBuilder::new(reqwest::Client::new())
        .with(
            CorrelationMiddleware::new()
                .tracer(provider.tracer("bench"))
                .metrics(false),
        )
        .build();

    // Without a Sentry client bound: no breadcrumb, no sampling context of our own.
    let (allocations, bytes) =
        support::alloc_counter::per_call(2_000, || runtime.block_on(call(&ours, &url)));
    println!(
        "reqwest/{:<20} {allocations:>6.1} allocations {bytes:>8.0} bytes per request",
        "correlation-no-sentry"
    );
    Hub::run(backends::sentry_hub(), || {
        assert_eq!(runtime.block_on(call(&bare, &url)), 2);
        assert_eq!(runtime.block_on(call(&ours, &url)), 2);
        let clients = [
            ("bare", &bare),
            ("correlation", &ours),
            ("metrics-sdk", &ours_metered),
            ("metrics-off", &ours_unmetered),
        ];
        for (name, client) in clients {
            let (allocations, bytes) =
                support::alloc_counter::per_call(2_000, || runtime.block_on(call(client, &url)));
            println!(
                "reqwest/{name:<20} {allocations:>6.1} allocations {bytes:>8.0} bytes per request"
            );
        }

        let mut group = c.benchmark_group("reqwest");
        for (name, client) in clients {
            group.bench_function(name, |b| {
                b.iter(|| support::profiled::request(|| runtime.block_on(call(client, &url))))
            });
        }
        group.finish();
        support::profiled::report();
    });
    let _ = provider.shutdown();
}

criterion_group!(benches, middleware_against_bare_client);
criterion_main!(benches);
