//! [`CorrelationService`]: starts the request lifecycle for each call.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderName, HeaderValue, Request, Response};
use http_body::Body;
use otel_sentry_core::CorrelationConfig;
use otel_sentry_core::adapter::{HeaderCarrier, HttpVersion, RequestView, ServerRequest};
use tower::Service;

use crate::body::CorrelationBody;

const SENTRY_TRACE: HeaderName = HeaderName::from_static("sentry-trace");
use crate::future::ResponseFuture;

/// The service [`CorrelationLayer`](crate::CorrelationLayer) wraps around another.
///
/// Generic over request and response bodies, so it fits axum, hyper and tonic stacks.
/// The inner service's error type needs only `Display` and `Debug` to be reported; a boxed
/// error keeps its source chain.
#[derive(Clone)]
pub struct CorrelationService<S> {
    inner: S,
    config: Arc<CorrelationConfig>,
}

impl<S> CorrelationService<S> {
    pub(crate) fn new(inner: S, config: Arc<CorrelationConfig>) -> Self {
        CorrelationService { inner, config }
    }
}

impl<S: fmt::Debug> fmt::Debug for CorrelationService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorrelationService")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for CorrelationService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Error: fmt::Display + fmt::Debug + 'static,
    ResBody: Body,
    ResBody::Error: fmt::Display + fmt::Debug + 'static,
{
    type Response = Response<CorrelationBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let headers = HeaderCarrier(request.headers());
        let uri = request.uri();
        let mut view = RequestView::new(
            request.method().as_str(),
            uri.path(),
            HttpVersion::from(request.version()),
            &headers,
        );
        view.query = uri.query();
        view.scheme = uri.scheme_str();
        view.authority = uri.authority().map(|authority| authority.as_str());
        view.route = route(&request);
        view.peer = peer(&request);
        // The body wrapper reads trailers: gRPC calls are read as such.
        view.grpc = true;
        let started = ServerRequest::start(&self.config, &view);
        // sentry-tower's `SentryHttpLayer` inside continues the server span's trace.
        if let Some(sentry_trace) = started.sentry_trace_for_inner()
            && let Ok(value) = HeaderValue::try_from(sentry_trace.header_value())
        {
            request.headers_mut().insert(SENTRY_TRACE, value);
        }
        // A panic in `call` is caught too; a service that keeps state across calls (a
        // buffer, a concurrency limit) is used on afterwards, as tower-http's CatchPanic does.
        match started.enter(|| self.inner.call(request)) {
            Ok(future) => ResponseFuture::running(future, started),
            Err(panic) => ResponseFuture::panicked(started.respond_to_panic(&panic)),
        }
    }
}

#[cfg(feature = "axum")]
fn route<B>(request: &Request<B>) -> Option<&str> {
    crate::axum::matched_route(request)
}

#[cfg(not(feature = "axum"))]
fn route<B>(_request: &Request<B>) -> Option<&str> {
    None
}

#[cfg(feature = "axum")]
fn peer<B>(request: &Request<B>) -> Option<std::net::SocketAddr> {
    crate::axum::peer_address(request)
}

#[cfg(not(feature = "axum"))]
fn peer<B>(_request: &Request<B>) -> Option<std::net::SocketAddr> {
    None
}
