//! What the gRPC tests share: the `Echo` service as the tests implement it, a real tonic
//! server on 127.0.0.1 behind `CorrelationLayer`, and a real tonic client behind
//! `GrpcClientLayer`, both reporting to one `Telemetry`.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use futures_util::Stream;
use http::Uri;
use otel_sentry_grpc_tests::echo_client::EchoClient;
use otel_sentry_grpc_tests::echo_server::{Echo, EchoServer};
use otel_sentry_grpc_tests::{EchoReply, EchoRequest};
use otel_sentry_test_support::{PaymentFailed, Telemetry};
use otel_sentry_tower::{CorrelationLayer, GrpcClientLayer, GrpcClientService};
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::{Channel, Endpoint, Server};
use tonic::{Code, Request, Response, Status};

/// The message of the statuses the service fails with: percent-encoded on the wire.
pub const FAILURE_MESSAGE: &str = "db down: 50% ✗";
/// The text of a request whose handler panics.
pub const PANIC: &str = "panic";
/// The text of a request whose failure has `PaymentFailed` as its source.
pub const WITH_SOURCE: &str = "source";
/// The text of a request answered with the `baggage` and `sentry-trace` it arrived with,
/// `|`-separated.
pub const ECHO_METADATA: &str = "metadata";

/// A client of `Echo` through `GrpcClientLayer`.
pub type LayeredClient = EchoClient<GrpcClientService<Channel>>;

/// The service: echoes, fails with the code asked for, calls the next hop when asked.
#[derive(Clone)]
pub struct EchoService {
    pub telemetry_tracer: opentelemetry_sdk::trace::SdkTracer,
}

#[tonic::async_trait]
impl Echo for EchoService {
    async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoReply>, Status> {
        let received = |name| {
            request
                .metadata()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let metadata = format!("{}|{}", received("baggage"), received("sentry-trace"));
        let request = request.into_inner();
        if request.text == ECHO_METADATA {
            return Ok(Response::new(EchoReply { text: metadata }));
        }
        if request.text == PANIC {
            panic!("the handler panicked");
        }
        if !request.next.is_empty() {
            // The next hop's failure fails this call too.
            let mut next = client(&request.next, self.telemetry_tracer.clone()).await;
            let forwarded = EchoRequest {
                next: String::new(),
                ..request.clone()
            };
            return match next.unary(forwarded).await {
                Ok(reply) => Ok(reply),
                Err(status) => Err(Status::internal(format!(
                    "next hop failed: {}",
                    status.message()
                ))),
            };
        }
        if request.code != 0 {
            return Err(failure(&request));
        }
        Ok(Response::new(EchoReply { text: request.text }))
    }

    type ServerStreamStream = Pin<Box<dyn Stream<Item = Result<EchoReply, Status>> + Send>>;

    async fn server_stream(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<Self::ServerStreamStream>, Status> {
        let request = request.into_inner();
        let stream = futures_util::stream::unfold(0, move |sent| {
            let request = request.clone();
            async move {
                if sent < request.count {
                    // Paced, so the span's length shows it lasts to the end of the stream.
                    tokio::time::sleep(Duration::from_millis(40)).await;
                    let reply = EchoReply {
                        text: format!("{} {sent}", request.text),
                    };
                    Some((Ok(reply), sent + 1))
                } else if sent == request.count && request.code != 0 {
                    Some((Err(failure(&request)), sent + 1))
                } else {
                    None
                }
            }
        });
        Ok(Response::new(Box::pin(stream)))
    }
}

/// The status `request` asks to fail with.
fn failure(request: &EchoRequest) -> Status {
    if request.text == WITH_SOURCE {
        return Status::from_error(Box::new(PaymentFailed::card_declined(402)));
    }
    Status::new(Code::from(request.code), FAILURE_MESSAGE)
}

/// Serves `Echo` on 127.0.0.1 behind `layer`; returns its address.
pub async fn serve(layer: CorrelationLayer, telemetry: &Telemetry) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = EchoServer::new(EchoService {
        telemetry_tracer: telemetry.tracer(),
    });
    tokio::spawn(async move {
        Server::builder()
            .layer(layer)
            .add_service(service)
            .serve_with_incoming(TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    addr
}

/// The layer reporting to `telemetry`.
pub fn layer(telemetry: &Telemetry) -> CorrelationLayer {
    CorrelationLayer::new()
        .tracer(telemetry.tracer())
        .sentry_hub(telemetry.hub.clone())
}

/// A client of the server at `addr` through `GrpcClientLayer`, its spans from `tracer`.
pub async fn client(addr: &str, tracer: opentelemetry_sdk::trace::SdkTracer) -> LayeredClient {
    client_with(addr, GrpcClientLayer::new().tracer(tracer)).await
}

/// A client of the server at `addr` through `layer`.
pub async fn client_with(addr: &str, layer: GrpcClientLayer) -> LayeredClient {
    let origin: Uri = format!("http://{addr}").parse().unwrap();
    let channel = Endpoint::from(origin.clone()).connect().await.unwrap();
    let layered = tower::ServiceBuilder::new().layer(layer).service(channel);
    EchoClient::with_origin(layered, origin)
}

/// A request with `text`, failing with `code`.
pub fn echo(text: &str, code: Code) -> EchoRequest {
    EchoRequest {
        text: text.to_owned(),
        code: code as i32,
        count: 0,
        next: String::new(),
    }
}
