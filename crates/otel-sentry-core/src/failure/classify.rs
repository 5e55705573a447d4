//! Deciding whether a response is a failure: the failure policy.
//!
//! A failed request gets a Sentry event and an `Error` span status; anything else keeps
//! the status unset. Panics, services that fail without a response, and bodies that fail
//! are always failures. Responses are classified by the policy, by default
//! [`ServerErrors`]: a 5xx is a failure, with or without a handler error; a 4xx (the
//! client's mistake: a rejected extractor, a validation error) is not, whatever error it
//! carries. The handler's error decides *what* is reported, the status *whether*.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// What a failure policy sees of a response.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct ResponseSummary<'a> {
    /// The status code.
    pub status: u16,
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

/// The default policy: a status of 500 or above is a failure.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerErrors;

impl ClassifyFailure for ServerErrors {
    fn is_failure(&self, response: &ResponseSummary<'_>) -> bool {
        response.status >= 500
    }
}

/// A shared failure policy, as the configuration holds it.
#[derive(Clone)]
pub(crate) struct FailurePolicy(Arc<dyn ClassifyFailure>);

impl FailurePolicy {
    pub(crate) fn new(policy: impl ClassifyFailure) -> Self {
        FailurePolicy(Arc::new(policy))
    }

    pub(crate) fn is_failure(&self, response: &ResponseSummary<'_>) -> bool {
        self.0.is_failure(response)
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
