//! `Correlation` on an actix-web app against the bare app, in the same run.
//!
//! Both answer the same handlers in process (`Service::call`, the body polled to its end
//! as the HTTP/1 dispatcher does): `GET /users/{id}` (200) and `GET /pay` (a 500 carrying
//! a chained error, captured into one Sentry event). The middleware's setup is what
//! production uses: an opentelemetry_sdk tracer provider with a batch span processor and
//! an exporter that discards, and a Sentry client whose transport discards.
//!
//! Run with `cargo bench --bench actix_middleware`; allocations per request are printed
//! first.

mod support;

use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::pin;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{TestRequest, init_service};
use actix_web::{App, web};
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::trace::TracerProvider as _;
use otel_sentry_actix::{Correlation, ErrorResponse};
use otel_sentry_test_support::PaymentFailed;
use support::alloc_counter::CountingAllocator;
use support::backends;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

async fn pay() -> Result<&'static str, ErrorResponse> {
    Err(PaymentFailed::card_declined(51).into())
}

fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/users/{id}", web::get().to(|| async { "ok" }))
        .route("/pay", web::get().to(pay));
}

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

fn middleware_against_bare_app(c: &mut Criterion) {
    let system = actix_rt::System::new();
    let provider = backends::tracer_provider();
    let hub = backends::sentry_hub();
    let correlation = Correlation::new()
        .tracer(provider.tracer("bench"))
        .sentry_hub(hub);

    let bare = system.block_on(init_service(App::new().configure(routes)));
    let ours = system.block_on(init_service(App::new().wrap(correlation).configure(routes)));
    assert_eq!(system.block_on(call(&bare, "/users/7")), 200);
    assert_eq!(system.block_on(call(&ours, "/users/7")), 200);
    assert_eq!(system.block_on(call(&ours, "/pay")), 500);

    for (name, path, correlated) in [
        ("success/bare", "/users/7", false),
        ("success/correlation", "/users/7", true),
        ("error/bare", "/pay", false),
        ("error/correlation", "/pay", true),
    ] {
        let (allocations, bytes) = if correlated {
            support::alloc_counter::per_call(5_000, || system.block_on(call(&ours, path)))
        } else {
            support::alloc_counter::per_call(5_000, || system.block_on(call(&bare, path)))
        };
        println!("{name:<24} {allocations:>6.1} allocations {bytes:>8.0} bytes per request");
    }

    let mut group = c.benchmark_group("actix");
    group.bench_function("success/bare", |b| {
        b.iter(|| system.block_on(call(&bare, "/users/7")))
    });
    group.bench_function("success/correlation", |b| {
        b.iter(|| system.block_on(call(&ours, "/users/7")))
    });
    group.bench_function("error/bare", |b| {
        b.iter(|| system.block_on(call(&bare, "/pay")))
    });
    group.bench_function("error/correlation", |b| {
        b.iter(|| system.block_on(call(&ours, "/pay")))
    });
    group.finish();
    let _ = provider.shutdown();
}

criterion_group!(benches, middleware_against_bare_app);
criterion_main!(benches);
