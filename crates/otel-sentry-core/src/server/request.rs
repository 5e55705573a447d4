//! [`ServerRequest`]: a request whose server span has started and whose Sentry hub is
//! bound, while its handler runs; it ends in a response, a failure without one, or a
//! cancellation.

use std::fmt;
use std::sync::Arc;

use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, KeyValue, StringValue};
use opentelemetry_semantic_conventions::attribute::HTTP_ROUTE;
use sentry_core::Hub;
use sentry_core::types::Uuid;

use crate::codecs::sentry_trace::SentryTrace;
use crate::failure::classify::ResponseSummary;
use crate::failure::handler_error::HandlerError;
use crate::grpc::grpc_status::GrpcCode;
use crate::http::http_method::RecordedMethod;
use crate::http::interned_names::RouteNames;
use crate::http::route_lookup::RouteLookup;
use crate::names::CLIENT_DISCONNECT;
use crate::server::failure_report::Failure;
use crate::server::grpc_response;
use crate::server::panic::CaughtPanic;
use crate::server::request_scope::RequestScope;
use crate::server::request_state::RequestState;
use crate::server::response::ResponseInProgress;
use crate::server::server_span;

/// A request whose server span has started and whose Sentry hub is bound.
///
/// Dropped before [`respond`](Self::respond) or [`fail`](Self::fail) (the handler's future
/// was cancelled: the client went away, a timeout above fired), it records the
/// cancellation like a client disconnect and ends the span.
pub struct ServerRequest {
    pub(crate) scope: RequestScope,
    pub(crate) method: RecordedMethod,
    pub(crate) route: Option<StringValue>,
    pub(crate) path: StringValue,
    /// A gRPC call's name (its method, or its path when that names none); `None` for HTTP.
    pub(crate) rpc: Option<StringValue>,
    /// The route of a request read as a gRPC call, should its answer not be gRPC.
    pub(crate) http_route: Option<StringValue>,
    /// Whether the caller is trusted (see [`inbound_trust`](crate::propagation::inbound_trust)).
    pub(crate) trusted: bool,
    /// Whether the request hub's client starts Sentry transactions (see
    /// [`sentry_trace_for_inner`](Self::sentry_trace_for_inner)).
    pub(crate) inner_transactions: bool,
    /// Whether the response or failure was reported; the span is then no longer ours.
    pub(crate) reported: bool,
}

impl fmt::Debug for ServerRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerRequest")
            .field("span", self.scope.cx.span().span_context())
            .field("hub", &self.scope.hub.is_some())
            .finish()
    }
}

impl ServerRequest {
    /// The OpenTelemetry context holding the server span.
    pub fn context(&self) -> &Context {
        &self.scope.cx
    }

    /// The request's Sentry hub; `None` when the parent hub has no client.
    pub fn hub(&self) -> Option<&Arc<Hub>> {
        self.scope.hub.as_ref()
    }

    /// The `sentry-trace` an adapter writes into the request before calling the inner
    /// service, so that a Sentry layer inside it (sentry-tower's `SentryHttpLayer`,
    /// sentry-actix's `Sentry`) continues the server span's trace, its transaction a child
    /// of the server span.
    /// `None` unless the request hub's client starts Sentry transactions
    /// (`traces_sample_rate > 0` or a `traces_sampler`): nothing is written then.
    pub fn sentry_trace_for_inner(&self) -> Option<SentryTrace> {
        if !self.inner_transactions {
            return None;
        }
        SentryTrace::from_span_context(self.scope.cx.span().span_context())
    }

    /// Names the request by its route template (`/users/{id}`), for frameworks that route
    /// after the middleware started the request (see [`route_lookup`](crate::http::route_lookup)):
    /// renames the span `{METHOD} {route}`, sets `http.route`, and makes the route the
    /// Sentry transaction of the events captured from now on. Call it once, before
    /// [`respond`](Self::respond), on a request started without a route.
    pub fn set_route(&mut self, template: &str) {
        if self
            .route
            .as_ref()
            .is_some_and(|route| route.as_str() == template)
        {
            return;
        }
        let (route, name) = RouteNames::global().get(self.method.span_name_prefix(), template);
        let span = self.scope.cx.span();
        span.update_name(name);
        span.set_attribute(KeyValue::new(HTTP_ROUTE, route.clone()));
        if let Some(stamp) = RequestState::stamp_of(&self.scope.cx) {
            let _ = stamp.route.set(route.clone());
        }
        self.scope
            .with_timer(|timer| timer.set_route(route.clone()));
        self.route = Some(route);
    }

    /// Names the request by the route `lookup` finds for its path, unless it has one: for a
    /// response whose routed request was lost (a panic, an error instead of a response).
    pub fn look_up_route(&mut self, lookup: &dyn RouteLookup) {
        if self.route.is_some() {
            return;
        }
        // An event captured inside the handler may have looked it up already.
        let known =
            RequestState::stamp_of(&self.scope.cx).and_then(|stamp| stamp.route.get().cloned());
        let template = match known {
            Some(route) => route.as_str().to_owned(),
            None => match lookup.route_of(self.path.as_str()) {
                Some(template) => template,
                None => return,
            },
        };
        self.set_route(&template);
    }

    /// Runs `f` with the request's OpenTelemetry context attached and its hub bound (call
    /// it for every poll of the handler's future); a panic in `f` is caught.
    pub fn enter<R>(&self, f: impl FnOnce() -> R) -> Result<R, CaughtPanic> {
        self.scope.enter(f)
    }

    /// Reports the response: records the status, and, when the failure policy says it
    /// failed, captures one Sentry event (from `error` when given) and records it on the
    /// span. The span stays open until the body ends.
    pub fn respond(self, status: u16, error: Option<HandlerError<'_>>) -> ResponseInProgress {
        let (failed, event_id) = self.record_response(status, error);
        self.into_response(status, failed, event_id)
    }

    fn record_response(
        &self,
        status: u16,
        error: Option<HandlerError<'_>>,
    ) -> (bool, Option<Uuid>) {
        let span = self.scope.cx.span();
        server_span::record_status(&span, status);
        let route = self.route.as_ref().map(StringValue::as_str);
        let mut summary = ResponseSummary::new(status, self.method.original());
        summary.error = error.map(|error| error.error);
        summary.route = route;
        if !self.scope.config.failure_policy.classify(&summary) {
            return (false, None);
        }
        let failure = match error {
            Some(error) => Failure::Error(error),
            None => Failure::Status {
                method: self.method.span_name_prefix(),
                route,
                status,
            },
        };
        (true, self.scope.report(failure))
    }

    /// Reports a panic of the handler: the response becomes a 500, recorded as an escaped
    /// exception, with one Sentry event (Sentry's panic hook's, when it made one).
    ///
    /// A gRPC call's answer is `INTERNAL` instead, in an HTTP 200 (see
    /// [`ResponseInProgress::inject_panic_answer`]).
    pub fn respond_to_panic(self, panic: &CaughtPanic) -> ResponseInProgress {
        let event_id = self.record_panic(panic);
        let status = if self.rpc.is_some() { 200 } else { 500 };
        self.into_response(status, true, event_id)
    }

    fn record_panic(&self, panic: &CaughtPanic) -> Option<Uuid> {
        let span = self.scope.cx.span();
        if self.rpc.is_some() {
            grpc_response::record_code(&self.scope, GrpcCode::Internal);
        } else {
            server_span::record_status(&span, 500);
        }
        self.scope.report(Failure::Panic(panic))
    }

    /// Reports that the service failed without a response (its future returned an
    /// error); the span ends now.
    pub fn fail(mut self, error: HandlerError<'_>) {
        self.reported = true;
        let span = self.scope.cx.span();
        self.scope.report(Failure::Error(error));
        span.end();
        self.scope.record_duration(None, None);
    }

    pub(crate) fn into_response(
        mut self,
        status: u16,
        failed: bool,
        event_id: Option<Uuid>,
    ) -> ResponseInProgress {
        self.reported = true;
        // No body follows the head of a HEAD answer, of 1xx, 204 and 304, nor of a
        // successful CONNECT.
        let bodiless = self.method.original() == "HEAD"
            || (100..200).contains(&status)
            || status == 204
            || status == 304
            || (self.method.original() == "CONNECT" && (200..300).contains(&status));
        ResponseInProgress::new(
            self.scope.take(),
            status,
            failed,
            event_id,
            bodiless,
            self.trusted,
            self.rpc.take(),
        )
    }
}

impl Drop for ServerRequest {
    fn drop(&mut self) {
        if !self.reported {
            let span = self.scope.cx.span();
            server_span::record_client_disconnect(&span, false);
            span.end();
            self.scope.record_duration(None, Some(CLIENT_DISCONNECT));
        }
    }
}
