//! [`ResponseInProgress`]: a response on its way out, whose span ends when its body ends;
//! and the headers it answers with.

use std::fmt;
use std::panic::resume_unwind;

use opentelemetry::propagation::Injector;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, StringValue};
use sentry_core::types::Uuid;

use crate::codecs::{hex, tracestate};
use crate::failure::handler_error::HandlerError;
use crate::names::{CLIENT_DISCONNECT, SENTRY_EVENT_ID_HEADER};
use crate::propagation::outgoing_trace;
use crate::server::failure_report::Failure;
use crate::server::request_scope::RequestScope;
use crate::server::server_span;

/// A response on its way out: the span ends when the body ends.
///
/// Dropping it before the body ended records that the client disconnected (status
/// `Error`, `error.type` `client_disconnect`, no Sentry event: the application did not
/// fail) and ends the span.
pub struct ResponseInProgress {
    scope: RequestScope,
    status: u16,
    pub(crate) failed: bool,
    pub(crate) event_id: Option<Uuid>,
    bodiless: bool,
    /// Whether the caller may be told trace and event ids.
    trusted: bool,
    /// Bytes the head announced and the body has not sent yet.
    remaining: Option<u64>,
    /// Bytes the body sent, for `http.server.response.body.size`.
    sent: u64,
    ended: bool,
    /// A gRPC call's name; `None` for HTTP.
    pub(crate) rpc: Option<StringValue>,
    /// Whether a gRPC status is still to come, in the trailers.
    pub(crate) awaits_trailers: bool,
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
    pub(crate) fn new(
        scope: RequestScope,
        status: u16,
        failed: bool,
        event_id: Option<Uuid>,
        bodiless: bool,
        trusted: bool,
        rpc: Option<StringValue>,
    ) -> Self {
        ResponseInProgress {
            scope,
            status,
            failed,
            event_id,
            bodiless,
            trusted,
            remaining: None,
            sent: 0,
            ended: false,
            rpc,
            awaits_trailers: false,
        }
    }

    /// The OpenTelemetry context holding the server span.
    pub fn context(&self) -> &Context {
        &self.scope.cx
    }

    pub(crate) fn scope(&self) -> &RequestScope {
        &self.scope
    }

    pub(crate) fn trusted(&self) -> bool {
        self.trusted
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

    /// Reports a data frame of `len` bytes (counted for the response body size); true when
    /// the announced length is reached.
    pub fn record_data(&mut self, len: usize) -> bool {
        self.sent = self.sent.saturating_add(len as u64);
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
        if self.scope.config.response_traceparent
            && let Some(traceparent) = outgoing_trace::traceparent(&self.scope.cx)
        {
            traceparent.inject(injector);
            tracestate::inject(
                self.scope.cx.span().span_context().trace_state(),
                None,
                &[],
                injector,
            );
        }
        self.inject_event_id(injector);
    }

    /// Writes the Sentry event id of a reported failure, when configured (the caller is
    /// trusted: checked by the callers).
    pub(crate) fn inject_event_id(&self, injector: &mut dyn Injector) {
        if let (true, Some(event_id)) = (self.scope.config.response_event_id, self.event_id) {
            injector.set(SENTRY_EVENT_ID_HEADER, hex::event_id(event_id));
        }
    }

    /// Runs `f` (a poll of the body) with the request's context attached and hub bound. A
    /// panic in `f` is recorded as an escaped exception, ends the span, and unwinds on.
    pub fn enter<R>(&mut self, f: impl FnOnce() -> R) -> R {
        match self.scope.enter(f) {
            Ok(value) => value,
            Err(panic) => {
                if !self.ended {
                    self.ended = true;
                    let span = self.scope.cx.span();
                    self.scope.report(Failure::Panic(&panic));
                    span.end();
                    self.scope
                        .record_duration(Some((self.status, self.sent)), None);
                }
                resume_unwind(panic.into_payload())
            }
        }
    }

    /// The body ended: ends the span. A gRPC response whose status was still to come ended
    /// without one: `UNKNOWN` (see [`finish_with_trailers`](Self::finish_with_trailers)).
    pub fn finish(mut self) {
        self.settle_missing_status();
        self.ended = true;
        self.scope.cx.span().end();
        self.scope
            .record_duration(Some((self.status, self.sent)), None);
    }

    /// The body failed: a failure (Sentry event, exception on the span), then the span ends.
    /// A response already reported as failed keeps its one event.
    pub fn fail(mut self, error: HandlerError<'_>) {
        self.ended = true;
        let span = self.scope.cx.span();
        if self.failed {
            server_span::record_body_error(&span, error.error);
        } else {
            self.scope.report(Failure::Error(error));
        }
        span.end();
        self.scope
            .record_duration(Some((self.status, self.sent)), None);
    }
}

impl Drop for ResponseInProgress {
    fn drop(&mut self) {
        if !self.ended {
            let span = self.scope.cx.span();
            server_span::record_client_disconnect(&span, self.failed);
            span.end();
            self.scope
                .record_duration(Some((self.status, self.sent)), Some(CLIENT_DISCONNECT));
        }
    }
}
