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
//! `success/passthrough` is the bare router behind a layer that only wraps the service, its
//! future and the body (see `support::passthrough`): what `Router::layer` costs any layer
//! that sees a response end. With `floor/span-and-hub` it bounds what ours could come down to.
//!
//! Ours is measured three ways: by default (metrics on, the global meter provider, here
//! OpenTelemetry's no-op one), with metrics recorded into an SDK meter provider (a periodic
//! reader that exports once an hour, to nothing: the aggregation is paid, no export), and with `metrics(false)`.
//!
//! `parallel/*` serves the success path on two threads at once (see `support::parallel`):
//! what the reference counts and locks that every request shares cost when two threads
//! contend for them, as a server's workers do.
//!
//! Run with `cargo bench -p otel-sentry-benches --bench axum_layer`.

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use sentry_core::Hub;
use support::alloc_counter::CountingAllocator;
use support::axum_stacks;
use support::backends::Backends;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn stacks_side_by_side(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let backends = Backends::new();
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    // sentry-tower derives its hubs from the current (here: main) hub.
    Hub::main().bind_client(Some(backends.client.clone()));
    let dispatch = axum_stacks::anchor_dispatch(&backends);

    let bare = axum_stacks::bare();
    let passthrough = axum_stacks::passthrough();
    let ours = axum_stacks::correlated(&backends);
    let theirs = axum_stacks::anchor();
    let meters = support::backends::discarding_meter_provider();
    let ours_metered =
        axum_stacks::correlated_with(&backends, |layer| layer.meter_provider(&meters));
    let ours_unmetered = axum_stacks::correlated_with(&backends, |layer| layer.metrics(false));
    let cases = [
        ("success/bare", &bare, "/users/7", 200),
        ("success/passthrough", &passthrough, "/users/7", 200),
        ("success/correlation", &ours, "/users/7", 200),
        ("success/metrics-sdk", &ours_metered, "/users/7", 200),
        ("success/metrics-off", &ours_unmetered, "/users/7", 200),
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
        assert_eq!(
            runtime.block_on(axum_stacks::call(router, path)),
            status,
            "{name}"
        );
        let output = backends.output_per_request(200, || {
            runtime.block_on(axum_stacks::call(router, path));
        });
        let (allocations, bytes) = support::alloc_counter::per_call(5_000, || {
            runtime.block_on(axum_stacks::call(router, path))
        });
        println!(
            "{name:<22} {allocations:>11.1} {bytes:>9.0} {:>6.1} {:>7.1} {:>13.1}",
            output.spans, output.events, output.transactions
        );
    }

    // The floor of a correlated request: an SDK span with our attributes and a per-request
    // hub, nothing of ours (see `support::floor`).
    let floor = support::floor::Floor::new(backends.provider.tracer("bench"), backends.hub());
    let output = backends.output_per_request(200, || floor.request());
    let (allocations, bytes) = support::alloc_counter::per_call(5_000, || floor.request());
    println!(
        "{:<22} {allocations:>11.1} {bytes:>9.0} {:>6.1} {:>7.1} {:>13.1}",
        "floor/span-and-hub", output.spans, output.events, output.transactions
    );

    let mut group = c.benchmark_group("axum");
    for (name, router, path, _) in cases {
        group.bench_function(name, |b| {
            let _anchor = name
                .ends_with("anchor")
                .then(|| tracing::dispatcher::set_default(&dispatch));
            b.iter(|| {
                support::profiled::request(|| runtime.block_on(axum_stacks::call(router, path)))
            })
        });
    }
    // The floor of `success/metrics-sdk` over `success/metrics-off`: the SDK's own cost of
    // recording one duration with the success path's six attributes, which any
    // instrumentation emitting `http.server.request.duration` pays.
    let histogram = opentelemetry::metrics::MeterProvider::meter(&meters, "floor")
        .f64_histogram("http.server.request.duration")
        .build();
    let method = opentelemetry::StringValue::from("GET");
    let route = opentelemetry::StringValue::from("/users/{id}");
    group.bench_function("floor/sdk-histogram-record", |b| {
        b.iter(|| {
            support::profiled::request(|| {
                histogram.record(
                    0.001,
                    &[
                        KeyValue::new("http.request.method", method.clone()),
                        KeyValue::new("url.scheme", "http"),
                        KeyValue::new("network.protocol.name", "http"),
                        KeyValue::new("network.protocol.version", "1.1"),
                        KeyValue::new("http.response.status_code", 200_i64),
                        KeyValue::new("http.route", route.clone()),
                    ],
                )
            })
        })
    });
    group.bench_function("floor/span-and-hub", |b| {
        b.iter(|| support::profiled::request(|| floor.request()))
    });
    // The success path on two threads at once (see `support::parallel`): beside the cases
    // above, what sharing costs.
    let parallel_cases = [
        ("parallel/bare", &bare),
        ("parallel/correlation", &ours),
        ("parallel/metrics-off", &ours_unmetered),
        ("parallel/anchor", &theirs),
    ];
    for (name, router) in parallel_cases {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                support::parallel::two_threads(
                    iters,
                    || {
                        name.ends_with("anchor")
                            .then(|| tracing::dispatcher::set_default(&dispatch))
                    },
                    |runtime| {
                        runtime.block_on(axum_stacks::call(router, "/users/7"));
                    },
                )
            })
        });
    }
    group.bench_function("parallel/floor", |b| {
        b.iter_custom(|iters| support::parallel::two_threads(iters, || (), |_| floor.request()))
    });
    group.finish();
    support::profiled::report();
    let _ = backends.provider.shutdown();
}

criterion_group!(benches, stacks_side_by_side);
criterion_main!(benches);
