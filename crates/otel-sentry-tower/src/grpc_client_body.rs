//! [`GrpcClientBody`]: the answer's body of a gRPC call, watched for the trailers that
//! carry its status.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};
use otel_sentry_core::adapter::GrpcCallInProgress;
use pin_project_lite::pin_project;

use crate::error_report::with_handler_error;

pin_project! {
    /// An answer's body that ends the client span with the status its trailers carry
    /// (`UNKNOWN` when it ends without them), and as a transport error when it fails.
    pub struct GrpcClientBody<B> {
        #[pin]
        body: B,
        call: Option<GrpcCallInProgress>,
    }
}

impl<B> GrpcClientBody<B> {
    pub(crate) fn new(body: B, call: Option<GrpcCallInProgress>) -> Self {
        GrpcClientBody { body, call }
    }

    /// A body whose call already ended.
    pub(crate) fn ended(body: B) -> Self {
        GrpcClientBody { body, call: None }
    }
}

impl<B> fmt::Debug for GrpcClientBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrpcClientBody")
            .field("open", &self.call.is_some())
            .finish_non_exhaustive()
    }
}

impl<B> Body for GrpcClientBody<B>
where
    B: Body,
    B::Error: fmt::Display + fmt::Debug + 'static,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let polled = this.body.poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(trailers) = frame.trailers_ref()
                    && let Some(call) = this.call.take()
                {
                    call.finish_with_trailers(trailers);
                }
            }
            Poll::Ready(Some(Err(error))) => {
                if let Some(call) = this.call.take() {
                    with_handler_error(error, |error| call.fail(error));
                }
            }
            Poll::Ready(None) => {
                if let Some(call) = this.call.take() {
                    call.finish();
                }
            }
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
