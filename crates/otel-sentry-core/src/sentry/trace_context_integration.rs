//! [`TraceContextIntegration`]: events captured outside requests get the ids of whatever
//! OpenTelemetry context is active.

use opentelemetry::Context;
use opentelemetry::trace::TraceContextExt;
use sentry_core::protocol::Event;
use sentry_core::{ClientOptions, Integration};

use crate::names::TRACE_ID_TAG;
use crate::sentry::binding::stamp;

/// A Sentry integration that stamps events with the trace and span ids of the
/// OpenTelemetry context active where they are captured: a background job, a message
/// consumer, anything outside the request layers. Events the request layers already
/// stamped keep their server span's ids.
///
/// ```
/// use otel_sentry_core::TraceContextIntegration;
///
/// let options = sentry_core::ClientOptions::new().add_integration(TraceContextIntegration::new());
/// ```
///
/// The context must be attached on the thread that captures (`cx.attach()`, or
/// `opentelemetry::context::FutureExt::with_context` for a future); with
/// tracing-opentelemetry, entering a `tracing` span attaches its context.
#[derive(Clone, Copy, Debug, Default)]
pub struct TraceContextIntegration;

impl TraceContextIntegration {
    /// The integration.
    pub fn new() -> Self {
        TraceContextIntegration
    }
}

impl Integration for TraceContextIntegration {
    fn name(&self) -> &'static str {
        "otel-sentry-trace-context"
    }

    fn process_event(
        &self,
        mut event: Event<'static>,
        _options: &ClientOptions,
    ) -> Option<Event<'static>> {
        if event.tags.contains_key(TRACE_ID_TAG) {
            return Some(event);
        }
        let cx = Context::current();
        let span = cx.span();
        let span_context = span.span_context();
        if span_context.is_valid() {
            stamp(
                &mut event,
                span_context.trace_id(),
                span_context.span_id(),
                None,
                None,
            );
        }
        Some(event)
    }
}
