//! [`RequestTrace`]: the current trace, as an actix-web extractor.

use std::fmt;
use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, ResponseError};
use otel_sentry_core::CurrentTrace;

/// The trace of the current request, for handlers: the [`CurrentTrace`] the middleware
/// attaches while the handler runs (ids, sampled flag, `traceparent`).
///
/// ```
/// use otel_sentry_actix::RequestTrace;
///
/// async fn handler(trace: RequestTrace) -> String {
///     format!("trace {}", trace.trace_id)
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestTrace(pub CurrentTrace);

impl Deref for RequestTrace {
    type Target = CurrentTrace;

    fn deref(&self) -> &CurrentTrace {
        &self.0
    }
}

/// The error of [`RequestTrace`] outside a [`Correlation`](crate::Correlation) middleware.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MissingCorrelation;

impl fmt::Display for MissingCorrelation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no trace: the app is not wrapped in otel_sentry_actix::Correlation")
    }
}

impl std::error::Error for MissingCorrelation {}

impl ResponseError for MissingCorrelation {}

impl FromRequest for RequestTrace {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(_request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        // The middleware attaches the request's context while the handler runs.
        ready(
            CurrentTrace::current()
                .map(RequestTrace)
                .ok_or_else(|| MissingCorrelation.into()),
        )
    }
}
