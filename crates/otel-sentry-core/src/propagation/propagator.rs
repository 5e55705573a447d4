//! [`CorrelationPropagator`]: the strict codecs as one OpenTelemetry propagator.

use opentelemetry::Context;
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};

use crate::names::{BAGGAGE_HEADER, SENTRY_TRACE_HEADER, TRACEPARENT_HEADER, TRACESTATE_HEADER};
use crate::propagation::incoming_trace::IncomingTrace;
use crate::propagation::outgoing_trace;

/// Reads and writes `traceparent`, `tracestate`, `baggage` and `sentry-trace` (with
/// Sentry's `sentry-` baggage entries), strictly.
///
/// Install it in place of the stock W3C propagators so every instrumentation in the
/// process (HTTP clients, message consumers, …) speaks the same headers:
///
/// ```
/// use otel_sentry_core::CorrelationPropagator;
///
/// opentelemetry::global::set_text_map_propagator(CorrelationPropagator::new());
/// ```
///
/// Extraction is [`IncomingTrace::extract`]: a valid `traceparent` wins and `sentry-trace`
/// is the fallback. Injection is [`outgoing_trace::inject`]: the current span is written as
/// both `traceparent` and `sentry-trace`, so a downstream service instrumented only with a
/// Sentry SDK continues the same trace.
#[derive(Clone, Debug)]
pub struct CorrelationPropagator {
    fields: [String; 4],
}

impl CorrelationPropagator {
    /// The propagator; it has no options.
    pub fn new() -> Self {
        CorrelationPropagator {
            fields: [
                TRACEPARENT_HEADER.to_owned(),
                TRACESTATE_HEADER.to_owned(),
                BAGGAGE_HEADER.to_owned(),
                SENTRY_TRACE_HEADER.to_owned(),
            ],
        }
    }
}

impl Default for CorrelationPropagator {
    fn default() -> Self {
        Self::new()
    }
}

impl TextMapPropagator for CorrelationPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        outgoing_trace::inject(cx, injector);
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        IncomingTrace::extract(extractor).attach_to(cx)
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&self.fields)
    }
}
