//! The server request lifecycle, framework-agnostic: adapters hand over a
//! [`RequestView`], run the handler inside [`ServerRequest::enter`], report the response
//! with [`ServerRequest::respond`], and report the end of the body to the returned
//! [`ResponseInProgress`].
//!
//! 1. Extract the trace headers ([`IncomingTrace`]).
//! 2. Start the server span ([`server_span`]).
//! 3. Bind Sentry: a hub for the request whose events carry the span's ids.
//! 4. Run the handler with both bound on every poll; catch panics.
//! 5. Classify the response with the failure policy.
//! 6. On failure, capture one Sentry event and record it on the span.
//! 7. End the span when the body ends; optionally answer with trace headers.

use std::any::Any;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, OnceLock};

use opentelemetry::propagation::Injector;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, KeyValue, StringValue};
use opentelemetry_semantic_conventions::attribute::HTTP_ROUTE;
use sentry_core::Hub;
use sentry_core::types::Uuid;

use crate::config::{CorrelationConfig, SENTRY_EVENT_ID_HEADER};
use crate::exception;
use crate::failure::ResponseSummary;
use crate::failure_report::{self, Failure};
use crate::handler_error::HandlerError;
use crate::header_copy;
use crate::hex;
use crate::http_method::RecordedMethod;
use crate::incoming_trace::IncomingTrace;
use crate::interned_names::RouteNames;
use crate::outgoing_trace;
use crate::request_headers::KnownHeaders;
use crate::request_state::RequestState;
use crate::request_view::RequestView;
use crate::route_lookup::RouteLookup;
use crate::sentry_binding::{self, RequestData, RequestStamp};
use crate::server_address::{default_port, parse_authority};
use crate::server_span::{self, StartAttributes};
use crate::tracestate;

/// A request whose server span has started and whose Sentry hub is bound.
///
/// Dropped before [`respond`](Self::respond) or [`fail`](Self::fail) (the handler's future
/// was cancelled: the client went away, a timeout above fired), it records the
/// cancellation like a client disconnect and ends the span.
pub struct ServerRequest {
    config: Arc<CorrelationConfig>,
    cx: Context,
    hub: Option<Arc<Hub>>,
    method: RecordedMethod,
    route: Option<StringValue>,
    path: StringValue,
    /// Whether the caller is trusted (see [`inbound_trust`](crate::inbound_trust)).
    trusted: bool,
    /// Whether the response or failure was reported; the span is then no longer ours.
    reported: bool,
}

impl fmt::Debug for ServerRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerRequest")
            .field("span", self.cx.span().span_context())
            .field("hub", &self.hub.is_some())
            .finish()
    }
}

/// A panic caught while running the handler.
pub struct CaughtPanic {
    payload: Box<dyn Any + Send>,
}

impl CaughtPanic {
    /// A panic an adapter caught itself, with `payload` from `catch_unwind`.
    pub fn new(payload: Box<dyn Any + Send>) -> Self {
        CaughtPanic { payload }
    }

    /// The panic payload, to resume unwinding with.
    pub fn into_payload(self) -> Box<dyn Any + Send> {
        self.payload
    }

    /// The panic message.
    pub fn message(&self) -> String {
        exception::panic_message(&*self.payload)
    }
}

impl fmt::Debug for CaughtPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaughtPanic")
            .field("message", &self.message())
            .finish()
    }
}

impl CorrelationConfig {
    /// Starts a request: extracts its trace context, starts the server span and binds a
    /// Sentry hub to it.
    pub fn start(self: &Arc<Self>, request: &RequestView<'_>) -> ServerRequest {
        let known = KnownHeaders::collect(request.headers);
        let incoming = IncomingTrace::from_source(&known);
        let origin = self.trusted_proxies.origin(request.peer, request.headers);
        let trusted = self.inbound_trust.trusts(origin.client);
        let method = self.known_methods.classify(request.method);
        let (route, name) = match request.route {
            Some(template) => {
                let (route, name) = RouteNames::global().get(method.span_name_prefix(), template);
                (Some(route), name)
            }
            None => (None, server_span::routeless_span_name(&method)),
        };
        let scheme = match origin.scheme.or(request.scheme) {
            Some(scheme) if scheme.eq_ignore_ascii_case("https") => "https",
            _ => "http",
        };
        let server = origin
            .host
            .or(request.authority)
            .or(known.host)
            .and_then(parse_authority)
            .map(|(host, port)| {
                (
                    self.host_names.get(host),
                    port.or_else(|| default_port(scheme)),
                )
            });
        let path = StringValue::from(Arc::<str>::from(request.path));
        let query = request
            .query
            .filter(|query| !query.is_empty())
            .map(|query| {
                StringValue::from(Arc::<str>::from(self.sensitive_query_params.redact(query)))
            });
        let user_agent = known.user_agent.map(|agent| self.user_agents.get(agent));

        // An untrusted caller's context is only linked to: a new trace starts, without its
        // baggage (see `inbound_trust`).
        let (continued, link) = if trusted {
            (incoming.attach_to(&Context::new()), None)
        } else {
            (
                Context::new(),
                incoming.parent.map(|parent| parent.span_context),
            )
        };
        let parent_span_id = Some(continued.span().span_context())
            .filter(|parent| parent.is_valid())
            .map(|parent| parent.span_id());
        // Downstream calls record their reports there, the request hub finds its stamp.
        let parent_cx = continued.with_value(RequestState::default());
        let attributes = StartAttributes {
            name,
            method: &method,
            route: route.as_ref(),
            scheme,
            path: &path,
            query: query.as_ref(),
            server: server.as_ref().map(|(host, port)| (host, *port)),
            client: origin
                .client
                .map(|client| self.client_addresses.address(client)),
            user_agent: user_agent.as_ref(),
            version: request.version,
            link,
        };
        let cx = server_span::start(self, &parent_cx, attributes);

        let parent_hub = self.parent_hub();
        let hub = parent_hub.client().and_then(|client| {
            let state = RequestState::of(&parent_cx)?;
            let span = cx.span();
            let ids = span.span_context();
            let headers = header_copy::copy(request.headers, known.copy);
            let stamp = RequestStamp {
                trace_id: ids.trace_id(),
                span_id: ids.span_id(),
                parent_span_id,
                route: route.clone().map(OnceLock::from).unwrap_or_default(),
                request: RequestData {
                    method: method.clone(),
                    scheme,
                    authority: server.as_ref().map(|(host, _)| host.clone()),
                    port: server
                        .as_ref()
                        .and_then(|(_, port)| *port)
                        .filter(|port| Some(*port) != default_port(scheme)),
                    path: path.clone(),
                    query,
                    headers,
                    client: origin.client,
                    send_default_pii: client.options().send_default_pii,
                },
                fingerprint_by_trace: self.fingerprint_by_trace,
                captured: Default::default(),
            };
            // Just created: nothing set it before.
            let _ = state.stamp.set(stamp);
            sentry_binding::request_hub(&parent_hub, parent_cx.clone())
        });
        ServerRequest {
            config: Arc::clone(self),
            cx,
            hub,
            method,
            route,
            path,
            trusted,
            reported: false,
        }
    }
}

impl ServerRequest {
    /// The OpenTelemetry context holding the server span.
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// The request's Sentry hub; `None` when the parent hub has no client.
    pub fn hub(&self) -> Option<&Arc<Hub>> {
        self.hub.as_ref()
    }

    /// Names the request by its route template (`/users/{id}`), for frameworks that route
    /// after the middleware started the request (see [`route_lookup`](crate::route_lookup)):
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
        let span = self.cx.span();
        span.update_name(name);
        span.set_attribute(KeyValue::new(HTTP_ROUTE, route.clone()));
        if let Some(stamp) = RequestState::stamp_of(&self.cx) {
            let _ = stamp.route.set(route.clone());
        }
        self.route = Some(route);
    }

    /// Names the request by the route `lookup` finds for its path, unless it has one: for a
    /// response whose routed request was lost (a panic, an error instead of a response).
    pub fn look_up_route(&mut self, lookup: &dyn RouteLookup) {
        if self.route.is_some() {
            return;
        }
        // An event captured inside the handler may have looked it up already.
        let known = RequestState::stamp_of(&self.cx).and_then(|stamp| stamp.route.get().cloned());
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
        run_bound(&self.cx, self.hub.as_ref(), f)
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
        let span = self.cx.span();
        server_span::record_status(&span, status);
        let route = self.route.as_ref().map(StringValue::as_str);
        let summary = ResponseSummary {
            status,
            error: error.map(|error| error.error),
            method: self.method.original(),
            route,
        };
        // A panicking policy must not take the response down: the response counts as failed.
        let policy = &self.config.failure_policy;
        let failed = catch_unwind(AssertUnwindSafe(|| policy.is_failure(&summary))).unwrap_or(true);
        if !failed {
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
        (
            true,
            failure_report::report(&self.config, self.hub.as_ref(), &self.cx, failure),
        )
    }

    /// Reports a panic of the handler: the response becomes a 500, recorded as an escaped
    /// exception, with one Sentry event (Sentry's panic hook's, when it made one).
    pub fn respond_to_panic(self, panic: &CaughtPanic) -> ResponseInProgress {
        let event_id = self.record_panic(panic);
        self.into_response(500, true, event_id)
    }

    fn record_panic(&self, panic: &CaughtPanic) -> Option<Uuid> {
        let span = self.cx.span();
        server_span::record_status(&span, 500);
        failure_report::report(
            &self.config,
            self.hub.as_ref(),
            &self.cx,
            Failure::Panic(panic),
        )
    }

    /// Reports that the service failed without a response (its future returned an
    /// error); the span ends now.
    pub fn fail(mut self, error: HandlerError<'_>) {
        self.reported = true;
        let span = self.cx.span();
        failure_report::report(
            &self.config,
            self.hub.as_ref(),
            &self.cx,
            Failure::Error(error),
        );
        span.end();
    }

    fn into_response(
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
        ResponseInProgress {
            config: Arc::clone(&self.config),
            cx: std::mem::take(&mut self.cx),
            hub: self.hub.take(),
            status,
            failed,
            event_id,
            bodiless,
            trusted: self.trusted,
            remaining: None,
            ended: false,
        }
    }
}

impl Drop for ServerRequest {
    fn drop(&mut self) {
        if !self.reported {
            let span = self.cx.span();
            server_span::record_client_disconnect(&span, false);
            span.end();
        }
    }
}

/// Runs `f` with `cx` attached and `hub` bound, catching a panic.
fn run_bound<R>(
    cx: &Context,
    hub: Option<&Arc<Hub>>,
    f: impl FnOnce() -> R,
) -> Result<R, CaughtPanic> {
    let _attached = cx.clone().attach();
    let Some(hub) = hub else {
        return catch_unwind(AssertUnwindSafe(f)).map_err(CaughtPanic::new);
    };
    // Sentry's panic hook captures through the hub bound where the panic happens, this
    // one: its event then stands for the panic (see `captured_event`).
    Hub::run(Arc::clone(hub), || catch_unwind(AssertUnwindSafe(f))).map_err(CaughtPanic::new)
}

/// A response on its way out: the span ends when the body ends.
///
/// Dropping it before the body ended records that the client disconnected (status
/// `Error`, `error.type` `client_disconnect`, no Sentry event: the application did not
/// fail) and ends the span.
pub struct ResponseInProgress {
    config: Arc<CorrelationConfig>,
    cx: Context,
    hub: Option<Arc<Hub>>,
    status: u16,
    failed: bool,
    event_id: Option<Uuid>,
    bodiless: bool,
    /// Whether the caller may be told trace and event ids.
    trusted: bool,
    /// Bytes the head announced and the body has not sent yet.
    remaining: Option<u64>,
    ended: bool,
}

impl fmt::Debug for ResponseInProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseInProgress")
            .field("status", &self.status)
            .field("failed", &self.failed)
            .field("event_id", &self.event_id)
            .finish()
    }
}

impl ResponseInProgress {
    /// The OpenTelemetry context holding the server span.
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// Whether the response was classified a failure.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// The id of the Sentry event captured for the failure, if Sentry accepted one.
    pub fn event_id(&self) -> Option<Uuid> {
        self.event_id
    }

    /// Whether a body follows the head (not for HEAD, 1xx, 204, 304, a successful
    /// CONNECT). When none does, [`finish`](Self::finish) right away: the server will not
    /// read the body.
    pub fn expects_body(&self) -> bool {
        !self.bodiless
    }

    /// Sets the body length the head announces (`Content-Length`, or the body's exact
    /// size): the body counts as ended once that much was sent, since a server may drop it
    /// without asking for more.
    pub fn expect_body_len(&mut self, len: Option<u64>) {
        self.remaining = len;
    }

    /// Reports a data frame of `len` bytes; true when the announced length is reached.
    pub fn record_data(&mut self, len: usize) -> bool {
        match &mut self.remaining {
            Some(remaining) => {
                *remaining = remaining.saturating_sub(len as u64);
                *remaining == 0
            }
            None => false,
        }
    }

    /// Writes the configured response headers: the server span's `traceparent` (and
    /// `tracestate` when not empty), and on a reported failure the Sentry event id; none
    /// for an untrusted caller.
    pub fn inject_headers(&self, injector: &mut dyn Injector) {
        if !self.trusted {
            return;
        }
        if self.config.response_traceparent
            && let Some(traceparent) = outgoing_trace::traceparent(&self.cx)
        {
            traceparent.inject(injector);
            tracestate::inject(
                self.cx.span().span_context().trace_state(),
                None,
                &[],
                injector,
            );
        }
        if let (true, Some(event_id)) = (self.config.response_event_id, self.event_id) {
            injector.set(SENTRY_EVENT_ID_HEADER, hex::event_id(event_id));
        }
    }

    /// Runs `f` (a poll of the body) with the request's context attached and hub bound. A
    /// panic in `f` is recorded as an escaped exception, ends the span, and unwinds on.
    pub fn enter<R>(&mut self, f: impl FnOnce() -> R) -> R {
        match run_bound(&self.cx, self.hub.as_ref(), f) {
            Ok(value) => value,
            Err(panic) => {
                if !self.ended {
                    self.ended = true;
                    let span = self.cx.span();
                    failure_report::report(
                        &self.config,
                        self.hub.as_ref(),
                        &self.cx,
                        Failure::Panic(&panic),
                    );
                    span.end();
                }
                resume_unwind(panic.into_payload())
            }
        }
    }

    /// The body ended: ends the span.
    pub fn finish(mut self) {
        self.ended = true;
        self.cx.span().end();
    }

    /// The body failed: a failure (Sentry event, exception on the span), then the span ends.
    /// A response already reported as failed keeps its one event.
    pub fn fail(mut self, error: HandlerError<'_>) {
        self.ended = true;
        let span = self.cx.span();
        if self.failed {
            server_span::record_body_error(&span, error.error);
        } else {
            failure_report::report(
                &self.config,
                self.hub.as_ref(),
                &self.cx,
                Failure::Error(error),
            );
        }
        span.end();
    }
}

impl Drop for ResponseInProgress {
    fn drop(&mut self) {
        if !self.ended {
            let span = self.cx.span();
            server_span::record_client_disconnect(&span, self.failed);
            span.end();
        }
    }
}
