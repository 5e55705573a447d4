//! [`ResponseFuture`]: runs the app's future with the request's context and hub bound,
//! and reports the response.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::HeaderMap;
use actix_web::{Error, HttpResponse, ResponseError};
use otel_sentry_core::adapter::{
    HeaderInjector, ResponseInProgress, RouteLookup, ServerRequest, with_route_lookup,
};
use pin_project_lite::pin_project;

use crate::body::CorrelationBody;
use crate::error_response::with_handler_error;
use crate::header_map::ActixHeadersMut;

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
            started: Option<ServerRequest>,
            routes: Rc<dyn RouteLookup>,
        },
        // The app panicked in `call`: the 500 is ready.
        Panicked {
            response: Option<ResponseInProgress>,
        },
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn running(future: F, started: ServerRequest, routes: Rc<dyn RouteLookup>) -> Self {
        ResponseFuture {
            state: State::Running {
                future,
                started: Some(started),
                routes,
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

impl<F, B> Future for ResponseFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    B: MessageBody,
{
    type Output = Result<ServiceResponse<CorrelationBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProjection::Running {
                future,
                started,
                routes,
            } => {
                let request = started.as_ref().expect(POLLED_AFTER_COMPLETION);
                let entered = with_route_lookup(routes, || request.enter(|| future.poll(cx)));
                let outcome = match entered {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(result)) => Ok(result),
                    Err(panic) => Err(panic),
                };
                let mut started = started.take().expect(POLLED_AFTER_COMPLETION);
                Poll::Ready(match outcome {
                    Ok(Ok(mut response)) => {
                        // Routed now: the router recorded the match, no path matching.
                        if let Some(pattern) = response.request().match_pattern() {
                            started.set_route(&pattern);
                        }
                        let status = response.status().as_u16();
                        // Handler and extractor errors arrive as the response's error.
                        let progress = match response.response().error() {
                            Some(error) => with_handler_error(error, |error| {
                                started.respond(status, Some(error))
                            }),
                            None => started.respond(status, None),
                        };
                        progress.inject_headers(&mut HeaderInjector(&mut ActixHeadersMut(
                            response.headers_mut(),
                        )));
                        Ok(response.map_body(|_, body| CorrelationBody::new(body, progress)))
                    }
                    Ok(Err(error)) => {
                        started.look_up_route(&**routes);
                        // The error becomes a response further out; its status is known now.
                        let status = error.as_response_error().status_code().as_u16();
                        with_handler_error(&error, |reported| {
                            started.respond(status, Some(reported)).finish()
                        });
                        Err(error)
                    }
                    Err(panic) => {
                        started.look_up_route(&**routes);
                        Err(PanicResponse::new(started.respond_to_panic(&panic)).into())
                    }
                })
            }
            StateProjection::Panicked { response } => Poll::Ready(Err(PanicResponse::new(
                response.take().expect(POLLED_AFTER_COMPLETION),
            )
            .into())),
        }
    }
}

/// The 500 that answers a panic. It leaves as an error, for actix-web to answer: the
/// request a response is built on was lost with the panicking handler (and may not be
/// cloned while routing: actix-web needs it unshared).
struct PanicResponse {
    headers: HeaderMap,
}

impl PanicResponse {
    /// Takes the configured trace headers and ends the span: no body follows.
    fn new(progress: ResponseInProgress) -> Self {
        let mut headers = HeaderMap::new();
        progress.inject_headers(&mut HeaderInjector(&mut ActixHeadersMut(&mut headers)));
        progress.finish();
        PanicResponse { headers }
    }
}

impl fmt::Debug for PanicResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PanicResponse")
    }
}

impl fmt::Display for PanicResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the handler panicked")
    }
}

impl ResponseError for PanicResponse {
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::InternalServerError().finish();
        for (name, value) in self.headers.iter() {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        response
    }
}
