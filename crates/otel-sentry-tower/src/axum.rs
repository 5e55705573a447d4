//! axum integration: the route from `MatchedPath`, the peer from `ConnectInfo`, an
//! extractor for the current trace, and an error type that reports its source.

use std::error::Error;
use std::fmt;
use std::net::SocketAddr;
use std::ops::Deref;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use otel_sentry_core::CurrentTrace;

use crate::reported_error::ReportedError;

/// The route template axum matched, when the layer sits on a `Router`.
pub(crate) fn matched_route<B>(request: &http::Request<B>) -> Option<&str> {
    request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
}

/// The peer, when the app is served with `into_make_service_with_connect_info::<SocketAddr>()`.
pub(crate) fn peer_address<B>(request: &http::Request<B>) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer)
}

/// The trace of the current request, for handlers: the [`CurrentTrace`] the layer
/// attaches while the handler runs (ids, sampled flag, `traceparent`).
///
/// ```
/// use otel_sentry_tower::axum::RequestTrace;
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

/// The rejection of [`RequestTrace`] outside a [`CorrelationLayer`](crate::CorrelationLayer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MissingCorrelation;

impl fmt::Display for MissingCorrelation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no trace: the route is not behind otel_sentry_tower::CorrelationLayer")
    }
}

impl Error for MissingCorrelation {}

impl IntoResponse for MissingCorrelation {
    fn into_response(self) -> Response {
        ErrorResponse::new(StatusCode::INTERNAL_SERVER_ERROR, self).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestTrace {
    type Rejection = MissingCorrelation;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // The layer attaches the request's context while the handler runs.
        CurrentTrace::current()
            .map(RequestTrace)
            .ok_or(MissingCorrelation)
    }
}

/// A handler error that becomes a response (500 unless you choose another status) and
/// carries the error, with its source chain and type, to the layer: the Sentry event and
/// the span get the real exception.
///
/// Any error converts with `?`:
///
/// ```
/// use otel_sentry_tower::axum::ErrorResponse;
///
/// async fn handler() -> Result<String, ErrorResponse> {
///     let body = std::fs::read_to_string("/definitely/missing")?;
///     Ok(body)
/// }
/// ```
///
/// The body is the status's reason phrase: the error's text stays out of the response.
#[derive(Debug)]
pub struct ErrorResponse {
    status: StatusCode,
    error: ReportedError,
}

impl ErrorResponse {
    /// An error answered with `status`.
    pub fn new<E: Error + Send + Sync + 'static>(status: StatusCode, error: E) -> Self {
        ErrorResponse {
            status,
            error: ReportedError::new(error),
        }
    }

    /// An error already boxed or shared (`anyhow`'s into a `Box<dyn Error>`, a
    /// `tower::BoxError`) answered with `status`; its type is read from its `Debug` output.
    pub fn from_shared(
        status: StatusCode,
        error: std::sync::Arc<dyn Error + Send + Sync + 'static>,
    ) -> Self {
        ErrorResponse {
            status,
            error: ReportedError::from_shared(error),
        }
    }

    /// The same error answered with `status`.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl<E: Error + Send + Sync + 'static> From<E> for ErrorResponse {
    fn from(error: E) -> Self {
        ErrorResponse::new(StatusCode::INTERNAL_SERVER_ERROR, error)
    }
}

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        let reason = self.status.canonical_reason().unwrap_or("Error");
        let mut response = (self.status, reason).into_response();
        self.error.attach_to(&mut response);
        response
    }
}
