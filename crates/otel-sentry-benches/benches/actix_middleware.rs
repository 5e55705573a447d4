//! `Correlation` on an actix-web app against the bare app and against the stack users
//! assemble today, in the same run.
//!
//! The anchor stack: opentelemetry-instrumentation-actix-web's `RequestTracing` (it takes
//! the global tracer provider, so the same provider is installed globally) and
//! sentry-actix's `Sentry` middleware with transactions, which captures 5xx errors itself.
//! All three answer the same handlers in process (`Service::call`, the body polled to its
//! end as the HTTP/1 dispatcher does): `GET /users/{id}` (200) and `GET /pay` (a 500 from
//! a chained error, captured into one Sentry event). Same backends: an opentelemetry_sdk
//! tracer provider with a batch span processor and an exporter that discards, a Sentry
//! client whose transport discards (traces sample rate 0). Spans and Sentry items per
//! request are counted and printed, with allocations and bytes, before the timings.
//!
//! Run with `cargo bench -p otel-sentry-benches --bench actix_middleware`.

mod support;

use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::pin;

use actix_web::App;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{TestRequest, init_service};
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry_instrumentation_actix_web::RequestTracing;
use support::actix_stacks::{self, anchor_routes, routes};
use support::alloc_counter::CountingAllocator;
use support::backends::Backends;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// A request with the headers of a typical service-to-service call and the peer address.
fn request(path: &str) -> actix_http::Request {
    TestRequest::get()
        .uri(path)
        .insert_header(("host", "shop.example"))
        .insert_header(("user-agent", "bench/1.0"))
        .insert_header(("accept", "*/*"))
        .insert_header((
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ))
        .peer_addr(SocketAddr::from(([127, 0, 0, 1], 50_000)))
        .to_request()
}

async fn call<S, B>(app: &S, path: &str) -> u16
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let response = match app.call(request(path)).await {
        Ok(response) => response,
        Err(error) => return error.as_response_error().status_code().as_u16(),
    };
    let status = response.status().as_u16();
    drain(response.into_body()).await;
    status
}

/// Polls the body to its end, as actix-web's HTTP/1 dispatcher does.
async fn drain<B: MessageBody>(body: B) {
    let mut body = pin!(body);
    while let Some(Ok(_)) = poll_fn(|cx| body.as_mut().poll_next(cx)).await {}
}

fn stacks_side_by_side(c: &mut Criterion) {
    let system = actix_rt::System::new();
    let backends = Backends::new();
    opentelemetry::global::set_tracer_provider(backends.provider.clone());
    let correlation = actix_stacks::correlation(&backends);
    let sentry = actix_stacks::anchor_sentry(&backends);

    let bare = system.block_on(init_service(App::new().configure(routes)));
    let ours = system.block_on(init_service(App::new().wrap(correlation).configure(routes)));
    // Metrics recorded into an SDK meter provider (aggregated, never exported), and off.
    let meters = support::backends::discarding_meter_provider();
    let ours_metered = system.block_on(init_service(
        App::new()
            .wrap(actix_stacks::correlation(&backends).meter_provider(&meters))
            .configure(routes),
    ));
    let ours_unmetered = system.block_on(init_service(
        App::new()
            .wrap(actix_stacks::correlation(&backends).metrics(false))
            .configure(routes),
    ));
    let theirs = system.block_on(init_service(
        App::new()
            .wrap(RequestTracing::new())
            .wrap(sentry)
            .configure(anchor_routes),
    ));

    // The three apps are different types: one closure per stack, chosen by name.
    let run = |stack: &str, path: &str| match stack {
        "bare" => system.block_on(call(&bare, path)),
        "correlation" => system.block_on(call(&ours, path)),
        "metrics-sdk" => system.block_on(call(&ours_metered, path)),
        "metrics-off" => system.block_on(call(&ours_unmetered, path)),
        _ => system.block_on(call(&theirs, path)),
    };
    let cases = [
        ("success", "bare", "/users/7", 200),
        ("success", "correlation", "/users/7", 200),
        ("success", "metrics-sdk", "/users/7", 200),
        ("success", "metrics-off", "/users/7", 200),
        ("success", "anchor", "/users/7", 200),
        ("error", "bare", "/pay", 500),
        ("error", "correlation", "/pay", 500),
        ("error", "anchor", "/pay", 500),
    ];

    println!(
        "{:<22} {:>11} {:>9} {:>6} {:>7} {:>13}",
        "per request", "allocations", "bytes", "spans", "events", "transactions"
    );
    for (path_kind, stack, path, status) in cases {
        let name = format!("{path_kind}/{stack}");
        assert_eq!(run(stack, path), status, "{name}");
        let output = backends.output_per_request(200, || {
            run(stack, path);
        });
        let (allocations, bytes) = support::alloc_counter::per_call(5_000, || run(stack, path));
        println!(
            "{name:<22} {allocations:>11.1} {bytes:>9.0} {:>6.1} {:>7.1} {:>13.1}",
            output.spans, output.events, output.transactions
        );
    }

    let mut group = c.benchmark_group("actix");
    for (path_kind, stack, path, _) in cases {
        group.bench_function(format!("{path_kind}/{stack}"), |b| {
            b.iter(|| support::profiled::request(|| run(stack, path)))
        });
    }
    group.finish();
    support::profiled::report();
    let _ = backends.provider.shutdown();
}

criterion_group!(benches, stacks_side_by_side);
criterion_main!(benches);
