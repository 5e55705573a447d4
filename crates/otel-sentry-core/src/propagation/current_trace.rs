//! [`CurrentTrace`]: the trace of the request being handled, for handlers and the
//! adapters' extractors.

use opentelemetry::Context;
use opentelemetry::trace::{SpanId, TraceContextExt, TraceId};

use crate::codecs::traceparent::Traceparent;
use crate::propagation::outgoing_trace;

/// The trace a handler runs in: ids to log or show, and the `traceparent` to hand to
/// something this crate does not instrument.
///
/// It names the span current while the handler runs: the server span, or a span that a
/// middleware inside the correlation layer started for the request.
///
/// ```
/// use otel_sentry_core::CurrentTrace;
///
/// // Outside any request nothing is current.
/// assert_eq!(CurrentTrace::current(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CurrentTrace {
    /// The trace id.
    pub trace_id: TraceId,
    /// The id of the current span.
    pub span_id: SpanId,
    /// Whether the trace is sampled.
    pub sampled: bool,
    traceparent: Traceparent,
}

impl CurrentTrace {
    /// The trace of the OpenTelemetry context attached on this thread, if it holds a span.
    pub fn current() -> Option<Self> {
        Self::from_context(&Context::current())
    }

    /// The trace of `cx`, if it holds a span.
    pub fn from_context(cx: &Context) -> Option<Self> {
        let traceparent = outgoing_trace::traceparent(cx)?;
        Some(CurrentTrace {
            trace_id: traceparent.trace_id(),
            span_id: traceparent.parent_id(),
            sampled: cx.span().span_context().is_sampled(),
            traceparent,
        })
    }

    /// The `traceparent` naming the current span.
    pub fn traceparent(&self) -> String {
        self.traceparent.header_value()
    }
}
