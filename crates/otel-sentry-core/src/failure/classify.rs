//! Deciding whether a response is a failure: the failure policy.
//!
//! A failed request gets a Sentry event and an `Error` span status; anything else keeps
//! the status unset. Panics, services that fail without a response, and bodies that fail
//! are always failures. Responses are classified by the policy, by default
//! [`ServerErrors`]: a 5xx is a failure, with or without a handler error; a 4xx (the
//! client's mistake: a rejected extractor, a validation error) is not, whatever error it
//! carries. The handler's error decides *what* is reported, the status *whether*. A gRPC
//! response (HTTP 200 whatever its outcome) is classified by its gRPC status instead: by
//! default the codes the RPC conventions call server errors (see
//! [`GrpcCode::is_server_error`]), so `NOT_FOUND` or `INVALID_ARGUMENT` are not failures.

use std::error::Error;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::grpc::grpc_status::GrpcCode;

/// What a failure policy sees of a response.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct ResponseSummary<'a> {
    /// The HTTP status code.
    pub status: u16,
    /// The gRPC status, for a gRPC response (its HTTP status is then 200).
    pub grpc_status: Option<GrpcCode>,
    /// The handler's error carried by the response, if any.
    pub error: Option<&'a (dyn Error + 'static)>,
    /// The request method.
    pub method: &'a str,
    /// The route template, when known.
    pub route: Option<&'a str>,
}

impl<'a> ResponseSummary<'a> {
    /// A summary of a `status` answer to a `method` request; add the error and route with
    /// the builder methods (for testing a policy).
    pub fn new(status: u16, method: &'a str) -> Self {
        ResponseSummary {
            status,
            grpc_status: None,
            error: None,
            method,
            route: None,
        }
    }

    /// With the handler's error.
    pub fn with_error(mut self, error: &'a (dyn Error + 'static)) -> Self {
        self.error = Some(error);
        self
    }

    /// With the gRPC status of a gRPC response.
    pub fn with_grpc_status(mut self, code: GrpcCode) -> Self {
        self.grpc_status = Some(code);
        self
    }

    /// With the route template.
    pub fn with_route(mut self, route: &'a str) -> Self {
        self.route = Some(route);
        self
    }
}

impl fmt::Debug for ResponseSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseSummary")
            .field("status", &self.status)
            .field("grpc_status", &self.grpc_status)
            .field("error", &self.error.map(|error| error.to_string()))
            .field("method", &self.method)
            .field("route", &self.route)
            .finish()
    }
}

/// A failure policy: whether a response is a failure.
///
/// Any `Fn(&ResponseSummary) -> bool` is one:
///
/// ```
/// use otel_sentry_core::{CorrelationConfig, ResponseSummary};
///
/// // Also report 429s; never report the health check.
/// let config = CorrelationConfig::new().failure_policy(|response: &ResponseSummary<'_>| {
///     response.route != Some("/health") && (response.status >= 500 || response.status == 429)
/// });
/// ```
pub trait ClassifyFailure: Send + Sync + 'static {
    /// Whether `response` is a failure.
    fn is_failure(&self, response: &ResponseSummary<'_>) -> bool;
}

impl<F> ClassifyFailure for F
where
    F: Fn(&ResponseSummary<'_>) -> bool + Send + Sync + 'static,
{
    fn is_failure(&self, response: &ResponseSummary<'_>) -> bool {
        self(response)
    }
}

/// The default policy: a status of 500 or above is a failure; for a gRPC response, a
/// gRPC status the conventions call a server error (`UNKNOWN`, `DEADLINE_EXCEEDED`,
/// `UNIMPLEMENTED`, `INTERNAL`, `UNAVAILABLE`, `DATA_LOSS`).
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerErrors;

impl ClassifyFailure for ServerErrors {
    fn is_failure(&self, response: &ResponseSummary<'_>) -> bool {
        match response.grpc_status {
            Some(code) => code.is_server_error(),
            None => response.status >= 500,
        }
    }
}

/// A shared failure policy, as the configuration holds it.
#[derive(Clone)]
pub(crate) struct FailurePolicy(Arc<dyn ClassifyFailure>);

impl FailurePolicy {
    pub(crate) fn new(policy: impl ClassifyFailure) -> Self {
        FailurePolicy(Arc::new(policy))
    }

    /// Whether `response` is a failure; a panicking policy must not take the response
    /// down: the response counts as failed then.
    pub(crate) fn classify(&self, response: &ResponseSummary<'_>) -> bool {
        catch_unwind(AssertUnwindSafe(|| self.0.is_failure(response))).unwrap_or(true)
    }
}

impl Default for FailurePolicy {
    fn default() -> Self {
        Self::new(ServerErrors)
    }
}

impl fmt::Debug for FailurePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FailurePolicy(..)")
    }
}
