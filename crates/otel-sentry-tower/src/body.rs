//! [`CorrelationBody`]: the response body, watched to its end so the server span covers
//! the whole response, streaming included.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Buf;
use http_body::{Body, Frame, SizeHint};
use otel_sentry_core::adapter::ResponseInProgress;
use pin_project_lite::pin_project;

use crate::error_report::with_handler_error;

pin_project! {
    /// A response body that ends the server span when it ends, records a failure when it
    /// errors, and records a client disconnect when it is dropped before its end.
    pub struct CorrelationBody<B> {
        #[pin]
        kind: Kind<B>,
        progress: Option<ResponseInProgress>,
    }
}

pin_project! {
    #[project = KindProjection]
    enum Kind<B> {
        Inner {
            #[pin]
            body: B,
        },
        // The empty body of the 500 that answers a panic.
        Empty,
    }
}

impl<B: Body> CorrelationBody<B> {
    pub(crate) fn new(
        body: B,
        mut progress: ResponseInProgress,
        announced_len: Option<u64>,
    ) -> Self {
        // Nothing will be polled: the response ends with its head.
        let progress = if !progress.expects_body() || body.is_end_stream() {
            progress.finish();
            None
        } else {
            progress.expect_body_len(announced_len);
            Some(progress)
        };
        CorrelationBody {
            kind: Kind::Inner { body },
            progress,
        }
    }
}

impl<B> CorrelationBody<B> {
    pub(crate) fn empty(progress: ResponseInProgress) -> Self {
        progress.finish();
        CorrelationBody {
            kind: Kind::Empty,
            progress: None,
        }
    }
}

impl<B> fmt::Debug for CorrelationBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorrelationBody")
            .field("open", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

impl<B> Body for CorrelationBody<B>
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
        let KindProjection::Inner { mut body } = this.kind.project() else {
            return Poll::Ready(None);
        };
        let mut polled = match this.progress.as_mut() {
            Some(progress) => progress.enter(|| body.as_mut().poll_frame(cx)),
            None => body.as_mut().poll_frame(cx),
        };
        let ended = match &mut polled {
            Poll::Ready(None) => true,
            Poll::Ready(Some(Err(error))) => {
                if let Some(progress) = this.progress.take() {
                    with_handler_error(error, |error| progress.fail(error));
                }
                false
            }
            Poll::Ready(Some(Ok(frame))) if frame.is_trailers() => {
                // Trailers close the body; a gRPC status in them is read, and the event id
                // of its failure written beside it.
                if let (Some(trailers), Some(progress)) =
                    (frame.trailers_mut(), this.progress.take())
                {
                    progress.finish_with_trailers(trailers);
                }
                false
            }
            Poll::Ready(Some(Ok(frame))) => {
                // The announced length reached, or the body saying it is done, ends it too:
                // the server may stop polling then. Not a gRPC answer's whose status is
                // still to come: its trailers follow the data.
                let (reached, awaits_trailers) = match (frame.data_ref(), this.progress.as_mut()) {
                    (Some(data), Some(progress)) => (
                        progress.record_data(data.remaining()),
                        progress.awaits_trailers(),
                    ),
                    (None, Some(progress)) => (false, progress.awaits_trailers()),
                    _ => (false, false),
                };
                !awaits_trailers && (reached || body.is_end_stream())
            }
            Poll::Pending => false,
        };
        if ended && let Some(progress) = this.progress.take() {
            progress.finish();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Inner { body } => body.is_end_stream(),
            Kind::Empty => true,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Inner { body } => body.size_hint(),
            Kind::Empty => SizeHint::with_exact(0),
        }
    }
}
