//! A unary gRPC call through `CorrelationLayer` (and `GrpcClientLayer`) against bare tonic,
//! beside the same layer on an axum router against the bare router, in the same run: the
//! gRPC path's overhead is compared with the HTTP path's.
//!
//! In process, as the axum benchmark measures: tonic's generated client calls the
//! generated `EchoServer` as a tower service (so the request and answer are encoded,
//! framed and decoded, trailers included, as over a socket, without the socket's noise).
//! Cases: `grpc/bare` (the server alone), `grpc/correlation` (`CorrelationLayer` around
//! it), `grpc/both-layers` (plus `GrpcClientLayer` around the client's service, so the
//! server span continues the client span); `http/bare` and `http/correlation`, the axum
//! benchmark's router and `GET /users/{id}`. Each success path has an error twin
//! (`INTERNAL`, a 500 from a chained error), captured into one Sentry event. The same
//! backends as the other server benchmarks: a batch span processor exporting to nothing, a
//! Sentry client whose transport discards. Every request carries a `traceparent`.
//!
//! Run with `cargo bench -p otel-sentry-benches --bench tonic_layer`; `scripts/bench-ratios.sh`
//! reduces it to medians and the overhead ratio.

mod support;

use axum::Router;
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::trace::TracerProvider as _;
use otel_sentry_grpc_tests::echo_client::EchoClient;
use otel_sentry_grpc_tests::echo_server::{Echo, EchoServer};
use otel_sentry_grpc_tests::{EchoReply, EchoRequest};
use otel_sentry_tower::{CorrelationLayer, GrpcClientLayer};
use support::alloc_counter::CountingAllocator;
use support::axum_stacks;
use support::backends::Backends;
use tonic::codegen::StdError;
use tonic::{Code, Status};
use tower::Layer;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Echoes, or fails `INTERNAL` when asked.
struct Service;

#[tonic::async_trait]
impl Echo for Service {
    async fn unary(
        &self,
        request: tonic::Request<EchoRequest>,
    ) -> Result<tonic::Response<EchoReply>, Status> {
        let request = request.into_inner();
        if request.code != 0 {
            return Err(Status::internal("payment failed"));
        }
        Ok(tonic::Response::new(EchoReply { text: request.text }))
    }

    type ServerStreamStream = tonic::codegen::tokio_stream::Empty<Result<EchoReply, Status>>;

    async fn server_stream(
        &self,
        _request: tonic::Request<EchoRequest>,
    ) -> Result<tonic::Response<Self::ServerStreamStream>, Status> {
        Err(Status::unimplemented("not benchmarked"))
    }
}

/// One unary call of `client`, with the `traceparent` of a service-to-service call; its
/// gRPC code.
async fn grpc_call<T>(client: &EchoClient<T>, code: Code) -> Code
where
    T: tonic::client::GrpcService<tonic::body::Body> + Clone,
    T::Error: Into<StdError>,
    T::ResponseBody: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    <T::ResponseBody as tonic::codegen::Body>::Error: Into<StdError> + Send,
{
    let mut request = tonic::Request::new(EchoRequest {
        text: "order 7".to_owned(),
        code: code as i32,
        count: 0,
        next: String::new(),
    });
    request
        .metadata_mut()
        .insert("traceparent", axum_stacks::TRACEPARENT.parse().unwrap());
    match client.clone().unary(request).await {
        Ok(_) => Code::Ok,
        Err(status) => status.code(),
    }
}

fn grpc_beside_http(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let backends = Backends::new();
    let server_layer = CorrelationLayer::new()
        .tracer(backends.provider.tracer("bench"))
        .sentry_hub(backends.hub());
    let client_layer = GrpcClientLayer::new().tracer(backends.provider.tracer("bench"));
    let origin: http::Uri = "http://shop.example:50051".parse().unwrap();

    let bare = EchoClient::with_origin(EchoServer::new(Service), origin.clone());
    let ours =
        EchoClient::with_origin(server_layer.layer(EchoServer::new(Service)), origin.clone());
    let both = EchoClient::with_origin(
        client_layer.layer(server_layer.layer(EchoServer::new(Service))),
        origin,
    );
    let http_bare = axum_stacks::bare();
    let http_ours = axum_stacks::correlated(&backends);

    /// A client of the gRPC cases, or an HTTP router, and the outcome it must give.
    enum Case<'a> {
        Grpc(Stack, Code),
        Http(&'a Router, &'static str, u16),
    }
    #[derive(Clone, Copy)]
    enum Stack {
        Bare,
        Ours,
        Both,
    }
    let cases = [
        ("success/grpc-bare", Case::Grpc(Stack::Bare, Code::Ok)),
        (
            "success/grpc-correlation",
            Case::Grpc(Stack::Ours, Code::Ok),
        ),
        (
            "success/grpc-both-layers",
            Case::Grpc(Stack::Both, Code::Ok),
        ),
        ("success/http-bare", Case::Http(&http_bare, "/users/7", 200)),
        (
            "success/http-correlation",
            Case::Http(&http_ours, "/users/7", 200),
        ),
        ("error/grpc-bare", Case::Grpc(Stack::Bare, Code::Internal)),
        (
            "error/grpc-correlation",
            Case::Grpc(Stack::Ours, Code::Internal),
        ),
        ("error/http-bare", Case::Http(&http_bare, "/pay", 500)),
        (
            "error/http-correlation",
            Case::Http(&http_ours, "/pay", 500),
        ),
    ];
    let run = |case: &Case<'_>| match case {
        Case::Grpc(stack, code) => {
            let answered = match stack {
                Stack::Bare => runtime.block_on(grpc_call(&bare, *code)),
                Stack::Ours => runtime.block_on(grpc_call(&ours, *code)),
                Stack::Both => runtime.block_on(grpc_call(&both, *code)),
            };
            assert_eq!(answered, *code);
        }
        Case::Http(router, path, status) => {
            assert_eq!(runtime.block_on(axum_stacks::call(router, path)), *status)
        }
    };

    println!(
        "{:<26} {:>11} {:>9} {:>6} {:>7}",
        "per request", "allocations", "bytes", "spans", "events"
    );
    for (name, case) in &cases {
        run(case);
        let output = backends.output_per_request(200, || run(case));
        let (allocations, bytes) = support::alloc_counter::per_call(5_000, || run(case));
        println!(
            "{name:<26} {allocations:>11.1} {bytes:>9.0} {:>6.1} {:>7.1}",
            output.spans, output.events
        );
    }

    let mut group = c.benchmark_group("tonic");
    for (name, case) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| support::profiled::request(|| run(case)))
        });
    }
    group.finish();
    support::profiled::report();
    let _ = backends.provider.shutdown();
}

criterion_group!(benches, grpc_beside_http);
criterion_main!(benches);
