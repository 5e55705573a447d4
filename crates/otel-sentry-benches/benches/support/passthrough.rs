//! The least a layer that sees a response end costs in axum: a tower layer wrapping the
//! service, the response future and the body, and doing nothing else. Any instrumentation
//! that ends a span when the body ends (ours, tower-http's `TraceLayer`) pays at least this
//! for `Router::layer` (axum boxes the layered service, its future and the new body
//! type); beside the floor it bounds what the rest of our layer could ever come down to.

use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use http_body::{Body, Frame, SizeHint};
use tower::{Layer, Service};

/// Wraps a service in [`PassthroughService`].
#[derive(Clone, Copy, Debug, Default)]
pub struct PassthroughLayer;

impl<S> Layer<S> for PassthroughLayer {
    type Service = PassthroughService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PassthroughService { inner }
    }
}

/// Calls the inner service; its answer's body is wrapped in [`PassthroughBody`].
#[derive(Clone, Debug)]
pub struct PassthroughService<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for PassthroughService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<PassthroughBody<ResBody>>;
    type Error = S::Error;
    type Future = PassthroughFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        PassthroughFuture {
            inner: self.inner.call(request),
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's future, its answer's body wrapped.
    pub struct PassthroughFuture<F> {
        #[pin]
        inner: F,
    }
}

impl<F, ResBody, E> Future for PassthroughFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<PassthroughBody<ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project()
            .inner
            .poll(cx)
            .map(|result| result.map(|response| response.map(|inner| PassthroughBody { inner })))
    }
}

pin_project_lite::pin_project! {
    /// A body passed through frame by frame.
    pub struct PassthroughBody<B> {
        #[pin]
        inner: B,
    }
}

impl<B: Body> Body for PassthroughBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        self.project().inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
