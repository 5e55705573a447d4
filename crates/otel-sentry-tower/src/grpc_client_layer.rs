//! [`GrpcClientLayer`]: the tower layer for tonic channels, and the service it wraps around
//! one.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use http_body::Body;
use opentelemetry::context::FutureExt as _;
use otel_sentry_core::ClientConfig;
use tower::{Layer, Service};

use crate::grpc_client_body::GrpcClientBody;
use crate::grpc_client_future::GrpcClientFuture;

/// Carries the trace through a tonic channel: a client span per call, its trace headers in
/// the request metadata, and the server's status and "already reported" answer recorded.
///
/// ```
/// use otel_sentry_tower::GrpcClientLayer;
/// use tower::ServiceBuilder;
///
/// # async fn connect() -> Result<(), Box<dyn std::error::Error>> {
/// let channel = tonic::transport::Endpoint::from_static("http://127.0.0.1:50051").connect_lazy();
/// let channel = ServiceBuilder::new().layer(GrpcClientLayer::new()).service(channel);
/// // then `MyServiceClient::new(channel)`, as with the bare channel
/// # Ok(()) }
/// ```
///
/// Each call gets a client span (kind Client) named by its method (`package.Service/Method`)
/// as a child of the OpenTelemetry context it is made in: inside a request handled by
/// [`CorrelationLayer`](crate::CorrelationLayer), the server span. The request carries
/// `traceparent`, `tracestate`, `baggage` and `sentry-trace`, as the reqwest middleware's
/// requests do. The span ends with the call's status: in the answer's headers (a
/// trailers-only answer) or its trailers; every status but `OK` marks it Error. A failed
/// call whose answer names the Sentry event its server reported (`x-sentry-event-id`, in
/// the trailers or the headers) puts that id on the span and records it in the current
/// server request, so that request's own failure is a cascade (see
/// [`cascade_policy`](otel_sentry_core::dedup::cascade_policy)). Requests, answers and
/// errors are passed on unchanged.
///
/// `server.address` and `server.port` are recorded when the request's URI is absolute
/// (a client made `with_origin`; tonic's channel fills in the origin only inside itself).
#[derive(Clone, Debug, Default)]
pub struct GrpcClientLayer {
    config: Arc<ClientConfig>,
}

impl GrpcClientLayer {
    otel_sentry_core::client_config_methods!();
}

impl<S> Layer<S> for GrpcClientLayer {
    type Service = GrpcClientService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcClientService {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service [`GrpcClientLayer`] wraps around a channel.
#[derive(Clone)]
pub struct GrpcClientService<S> {
    inner: S,
    config: Arc<ClientConfig>,
}

impl<S: fmt::Debug> fmt::Debug for GrpcClientService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrpcClientService")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for GrpcClientService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Error: fmt::Display + fmt::Debug + 'static,
    ResBody: Body,
    ResBody::Error: fmt::Display + fmt::Debug + 'static,
{
    type Response = Response<GrpcClientBody<ResBody>>;
    type Error = S::Error;
    type Future = GrpcClientFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let call = self.config.start_grpc_call(
            &request.uri().to_string(),
            &opentelemetry::Context::current(),
        );
        call.inject_headers(request.headers_mut());
        // Layers further in (and their spans) run in the client span's context.
        let future = {
            let _attached = call.context().clone().attach();
            self.inner.call(request)
        };
        GrpcClientFuture::new(future.with_context(call.context().clone()), call)
    }
}
