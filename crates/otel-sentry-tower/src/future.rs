//! [`ResponseFuture`]: runs the inner service's future with the request's context and hub
//! bound, and reports the response.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderMap, Response, StatusCode};
use http_body::Body;
use otel_sentry_core::adapter::{HeaderInjector, ResponseInProgress, ServerRequest};
use pin_project_lite::pin_project;

use crate::body::CorrelationBody;
use crate::error_report::with_handler_error;
use crate::reported_error::ReportedError;

pin_project! {
    /// The response future of [`CorrelationService`](crate::CorrelationService).
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProjection]
    enum State<F> {
        Running {
            #[pin]
            future: F,
            request: Option<ServerRequest>,
        },
        // The inner service panicked in `call`: the 500 is ready.
        Panicked {
            response: Option<ResponseInProgress>,
        },
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn running(future: F, request: ServerRequest) -> Self {
        ResponseFuture {
            state: State::Running {
                future,
                request: Some(request),
            },
        }
    }

    pub(crate) fn panicked(response: ResponseInProgress) -> Self {
        ResponseFuture {
            state: State::Panicked {
                response: Some(response),
            },
        }
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

const POLLED_AFTER_COMPLETION: &str = "ResponseFuture polled after completion";

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    E: fmt::Display + fmt::Debug + 'static,
    B: Body,
{
    type Output = Result<Response<CorrelationBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProjection::Running { future, request } => {
                let entered = request
                    .as_ref()
                    .expect(POLLED_AFTER_COMPLETION)
                    .enter(|| future.poll(cx));
                let outcome = match entered {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(result)) => Ok(result),
                    Err(panic) => Err(panic),
                };
                let started = request.take().expect(POLLED_AFTER_COMPLETION);
                Poll::Ready(match outcome {
                    Ok(Ok(mut response)) => {
                        let reported = response.extensions_mut().remove::<ReportedError>();
                        let status = response.status().as_u16();
                        let error = reported
                            .as_ref()
                            .map(ReportedError::as_handler_error)
                            .or_else(|| {
                                started
                                    .is_grpc()
                                    .then(|| grpc_status_source(&response))
                                    .flatten()
                            });
                        let progress = started.respond_head(status, response.headers(), error);
                        progress.inject_headers(&mut HeaderInjector(response.headers_mut()));
                        let announced = announced_len(&response);
                        Ok(response.map(|body| CorrelationBody::new(body, progress, announced)))
                    }
                    Ok(Err(error)) => {
                        with_handler_error(&error, |error| started.fail(error));
                        Err(error)
                    }
                    Err(panic) => Ok(panic_response(started.respond_to_panic(&panic))),
                })
            }
            StateProjection::Panicked { response } => Poll::Ready(Ok(panic_response(
                response.take().expect(POLLED_AFTER_COMPLETION),
            ))),
        }
    }
}

/// The body length a response announces: the body's exact size, else `Content-Length`.
fn announced_len<B: Body>(response: &Response<B>) -> Option<u64> {
    response.body().size_hint().exact().or_else(|| {
        response
            .headers()
            .get(http::header::CONTENT_LENGTH)?
            .to_str()
            .ok()?
            .parse()
            .ok()
    })
}

/// The answer to a panic (a 500, or gRPC's `INTERNAL`), with the configured trace headers.
fn panic_response<B>(progress: ResponseInProgress) -> Response<CorrelationBody<B>> {
    let mut headers = HeaderMap::new();
    let status = progress.inject_panic_answer(&mut HeaderInjector(&mut headers));
    let mut response = Response::new(CorrelationBody::empty(progress));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    *response.headers_mut() = headers;
    response
}

/// The error behind a trailers-only gRPC answer: tonic leaves the handler's `Status` in the
/// response's extensions, and its source is the handler's error.
#[cfg(feature = "grpc")]
fn grpc_status_source<B>(
    response: &Response<B>,
) -> Option<otel_sentry_core::adapter::HandlerError<'_>> {
    let status = response.extensions().get::<tonic::Status>()?;
    std::error::Error::source(status).map(otel_sentry_core::adapter::HandlerError::new)
}

#[cfg(not(feature = "grpc"))]
fn grpc_status_source<B>(
    _response: &Response<B>,
) -> Option<otel_sentry_core::adapter::HandlerError<'_>> {
    None
}
