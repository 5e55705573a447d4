//! [`GrpcClientFuture`]: the response future of a gRPC call through
//! [`GrpcClientLayer`](crate::GrpcClientLayer), which reports the answer's head.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::Response;
use http_body::Body;
use opentelemetry::context::WithContext;
use otel_sentry_core::adapter::ClientCall;
use pin_project_lite::pin_project;

use crate::error_report::with_handler_error;
use crate::grpc_client_body::GrpcClientBody;

pin_project! {
    /// The response future of [`GrpcClientService`](crate::GrpcClientService).
    pub struct GrpcClientFuture<F> {
        #[pin]
        future: WithContext<F>,
        call: Option<ClientCall>,
    }
}

impl<F> GrpcClientFuture<F> {
    pub(crate) fn new(future: WithContext<F>, call: ClientCall) -> Self {
        GrpcClientFuture {
            future,
            call: Some(call),
        }
    }
}

impl<F> fmt::Debug for GrpcClientFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrpcClientFuture").finish_non_exhaustive()
    }
}

impl<F, B, E> Future for GrpcClientFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    E: fmt::Display + fmt::Debug + 'static,
    B: Body,
{
    type Output = Result<Response<GrpcClientBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.future.poll(cx));
        let Some(call) = this.call.take() else {
            // Polled again after its answer: the inner future's own behaviour stands.
            return Poll::Ready(result.map(|response| response.map(GrpcClientBody::ended)));
        };
        Poll::Ready(match result {
            Ok(response) => {
                let pending = call.grpc_head(response.status().as_u16(), response.headers());
                Ok(response.map(|body| GrpcClientBody::new(body, pending)))
            }
            Err(error) => {
                with_handler_error(&error, |error| call.grpc_fail(error));
                Err(error)
            }
        })
    }
}
