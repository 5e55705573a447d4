//! [`CorrelationBody`]: the response body, watched to its end so the server span covers
//! the whole response, streaming included.

use std::error::Error as StdError;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use bytes::Bytes;
use otel_sentry_core::adapter::{HandlerError, ResponseInProgress};
use pin_project_lite::pin_project;

pin_project! {
    /// A response body that ends the server span when it ends, records a failure when it
    /// errors, and records a client disconnect when it is dropped before its end.
    pub struct CorrelationBody<B> {
        #[pin]
        body: B,
        progress: Option<ResponseInProgress>,
    }
}

impl<B: MessageBody> CorrelationBody<B> {
    pub(crate) fn new(body: B, mut progress: ResponseInProgress) -> Self {
        let announced = match body.size() {
            BodySize::None | BodySize::Sized(0) => Some(0),
            BodySize::Sized(len) => Some(len),
            BodySize::Stream => None,
        };
        // Nothing will be polled: the response ends with its head.
        let progress = if !progress.expects_body() || announced == Some(0) {
            progress.finish();
            None
        } else {
            progress.expect_body_len(announced);
            Some(progress)
        };
        CorrelationBody { body, progress }
    }
}

impl<B> fmt::Debug for CorrelationBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorrelationBody")
            .field("open", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

impl<B: MessageBody> MessageBody for CorrelationBody<B> {
    /// The inner body's error, boxed: it is reported before it is handed on.
    type Error = Box<dyn StdError>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.project();
        let mut body = this.body;
        let polled = match this.progress.as_mut() {
            Some(progress) => progress.enter(|| body.as_mut().poll_next(cx)),
            None => body.as_mut().poll_next(cx),
        };
        match polled {
            Poll::Ready(None) => {
                if let Some(progress) = this.progress.take() {
                    progress.finish();
                }
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(chunk))) => {
                // The server may stop polling once the announced length is sent.
                if let Some(progress) = this.progress.as_mut()
                    && progress.record_data(chunk.len())
                    && let Some(progress) = this.progress.take()
                {
                    progress.finish();
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(error))) => {
                let error: Box<dyn StdError> = error.into();
                if let Some(progress) = this.progress.take() {
                    progress.fail(HandlerError::new(&*error));
                }
                Poll::Ready(Some(Err(error)))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// A body held whole in memory is handed over whole (an outer `BoxBody` keeps the
    /// bytes instead of boxing): the response ends here.
    fn try_into_bytes(self) -> Result<Bytes, Self> {
        let CorrelationBody { body, progress } = self;
        match body.try_into_bytes() {
            Ok(bytes) => {
                if let Some(progress) = progress {
                    progress.finish();
                }
                Ok(bytes)
            }
            Err(body) => Err(CorrelationBody { body, progress }),
        }
    }
}
