//! What a request's headers say about its trace: the remote parent, its trace state, the
//! baggage and Sentry's sampling context, read with the strict codecs.
//!
//! A valid `traceparent` wins, with its `tracestate`. Without one, `sentry-trace` is the
//! fallback, so a trace a Sentry SDK started continues (it carries no `tracestate`: the W3C
//! text forbids reading it once `traceparent` failed). Without either, a new trace starts.
//! Each header that is ignored leaves a `tracing` debug event naming the reason.

use opentelemetry::Context;
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceFlags, TraceId, TraceState};

use crate::codecs::baggage;
use crate::codecs::dynamic_sampling_context::DynamicSamplingContext;
use crate::codecs::header_lines::HeaderSource;
use crate::codecs::sentry_trace::SentryTrace;
use crate::codecs::traceparent::Traceparent;
use crate::codecs::tracestate::{self, TraceStateMembers};
use crate::names::{
    BAGGAGE_HEADER, SENTRY_BAGGAGE_PREFIX, SENTRY_TRACE_HEADER, TRACEPARENT_HEADER,
    TRACESTATE_HEADER,
};

/// Which header named the remote parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParentHeader {
    /// A valid W3C `traceparent`.
    Traceparent,
    /// Sentry's `sentry-trace`, read because no valid `traceparent` arrived.
    SentryTrace,
}

/// The caller's span, which the request's trace continues.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteParent {
    /// The caller's span context: remote, with the `TraceState` received.
    pub span_context: SpanContext,
    /// The header it came from.
    pub header: ParentHeader,
    /// The caller's sampling decision; `None` when it deferred the decision to us (a
    /// `sentry-trace` without its sampled part, and no `sentry-sampled`). The span
    /// context's sampled flag is then set: OpenTelemetry cannot leave a remote parent
    /// undecided, and a trace that may hold an error is better recorded than lost (a
    /// parent-based sampler records it).
    pub sampled: Option<bool>,
    /// Every received `tracestate` member, when the span context's `TraceState` could not
    /// hold them all (see [`ReceivedTraceState`](crate::codecs::tracestate::ReceivedTraceState)).
    pub all_tracestate_members: Option<TraceStateMembers>,
}

/// The trace context of an incoming request.
#[derive(Debug, Default)]
pub struct IncomingTrace {
    /// The caller's span; `None` starts a new trace.
    pub parent: Option<RemoteParent>,
    /// The baggage, without Sentry's entries.
    pub baggage: Baggage,
    /// Sentry's entries of the baggage, kept only when they belong to the continued trace.
    pub sampling_context: Option<DynamicSamplingContext>,
}

impl IncomingTrace {
    /// Reads `traceparent`, `tracestate`, `sentry-trace` and `baggage` from a carrier.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use otel_sentry_core::{IncomingTrace, ParentHeader};
    ///
    /// let headers = HashMap::from([
    ///     ("traceparent".to_owned(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned()),
    ///     ("baggage".to_owned(), "userId=alice".to_owned()),
    /// ]);
    /// let incoming = IncomingTrace::extract(&headers);
    /// let parent = incoming.parent.unwrap();
    /// assert_eq!(parent.header, ParentHeader::Traceparent);
    /// assert_eq!(parent.span_context.trace_id().to_string(), "0af7651916cd43dd8448eb211c80319c");
    /// assert_eq!(incoming.baggage.len(), 1);
    /// ```
    pub fn extract(extractor: &dyn Extractor) -> Self {
        Self::from_source(&extractor)
    }

    /// Reads the trace headers from `source`.
    pub(crate) fn from_source(source: &impl HeaderSource) -> Self {
        let baggage_lines = source.lines(BAGGAGE_HEADER);
        let baggage = baggage::parse_lines_except(&baggage_lines, SENTRY_BAGGAGE_PREFIX);
        let sampling_context = DynamicSamplingContext::parse_lines(&baggage_lines);

        let parent =
            w3c_parent(source).or_else(|| sentry_parent(source, sampling_context.as_ref()));
        let sampling_context = sampling_context.filter(|dsc| {
            let Some(parent) = &parent else {
                tracing::debug!(
                    target: "otel_sentry::propagation",
                    "sentry- baggage entries ignored: no trace is continued"
                );
                return false;
            };
            let belongs = dsc.get("trace_id").is_none()
                || dsc.trace_id() == Some(parent.span_context.trace_id());
            if !belongs {
                tracing::debug!(
                    target: "otel_sentry::propagation",
                    "sentry- baggage entries ignored: their sentry-trace_id is not the continued trace's"
                );
            }
            belongs
        });
        IncomingTrace {
            parent,
            baggage,
            sampling_context,
        }
    }

    /// `cx` with the remote parent, the baggage and the sampling context added; what is
    /// absent is left as `cx` has it.
    ///
    /// Spans started in the returned context continue the trace, and
    /// [`outgoing_trace::inject`](crate::propagation::outgoing_trace::inject) sends on with it the
    /// received flag bits, the `tracestate` members the span could not carry, and Sentry's
    /// sampling context.
    pub fn attach_to(self, cx: &Context) -> Context {
        let mut cx = match self.parent {
            Some(parent) => {
                let continuation = Continuation {
                    trace_id: parent.span_context.trace_id(),
                    flags: parent.span_context.trace_flags(),
                    deferred: parent.sampled.is_none(),
                    all_tracestate_members: parent.all_tracestate_members,
                    sampling_context: self.sampling_context,
                };
                // Stored only when it adds to the span context (each `with_value` copies the
                // context's map), or to replace one an outer extraction left.
                let store =
                    continuation.adds_to_span_context() || cx.get::<Continuation>().is_some();
                let cx = cx.with_remote_span_context(parent.span_context);
                if store {
                    cx.with_value(continuation)
                } else {
                    cx
                }
            }
            None => cx.clone(),
        };
        if !self.baggage.is_empty() {
            cx = cx.with_baggage(self.baggage);
        }
        cx
    }
}

/// What a continued trace sends on besides the span context, kept in the [`Context`]:
/// OpenTelemetry's sampler rebuilds a child span's flags (a dropped span loses all but the
/// sampled bit, yet the W3C text wants the `random` bit passed on unchanged), a
/// `TraceState` cannot hold every valid key, and a deferred decision has no flag.
#[derive(Debug)]
pub(crate) struct Continuation {
    pub(crate) trace_id: TraceId,
    pub(crate) flags: TraceFlags,
    pub(crate) deferred: bool,
    pub(crate) all_tracestate_members: Option<TraceStateMembers>,
    pub(crate) sampling_context: Option<DynamicSamplingContext>,
}

impl Continuation {
    fn adds_to_span_context(&self) -> bool {
        self.flags.to_u8() & !TraceFlags::SAMPLED.to_u8() != 0
            || self.deferred
            || self.all_tracestate_members.is_some()
            || self.sampling_context.is_some()
    }
}

fn w3c_parent(source: &impl HeaderSource) -> Option<RemoteParent> {
    let traceparent = match Traceparent::from_lines(&source.lines(TRACEPARENT_HEADER)) {
        Ok(found) => found?,
        Err(reason) => {
            tracing::debug!(target: "otel_sentry::propagation", %reason, "traceparent ignored");
            return None;
        }
    };
    let received =
        tracestate::parse_lines(&source.lines(TRACESTATE_HEADER)).unwrap_or_else(|reason| {
            tracing::debug!(target: "otel_sentry::propagation", %reason, "tracestate discarded");
            tracestate::ReceivedTraceState::default()
        });
    Some(RemoteParent {
        span_context: traceparent.into_remote_span_context(received.trace_state),
        header: ParentHeader::Traceparent,
        sampled: Some(traceparent.trace_flags().is_sampled()),
        all_tracestate_members: received.all_members,
    })
}

fn sentry_parent(
    source: &impl HeaderSource,
    sampling_context: Option<&DynamicSamplingContext>,
) -> Option<RemoteParent> {
    let header = match SentryTrace::from_lines(&source.lines(SENTRY_TRACE_HEADER)) {
        Ok(found) => found?,
        Err(reason) => {
            tracing::debug!(target: "otel_sentry::propagation", %reason, "sentry-trace ignored");
            return None;
        }
    };
    // A deferred decision may be recorded in the sampling context of the same trace.
    let sampled = header.sampled().or_else(|| {
        sampling_context
            .filter(|dsc| dsc.trace_id() == Some(header.trace_id()))
            .and_then(DynamicSamplingContext::sampled)
    });
    let flags = TraceFlags::default().with_sampled(sampled.unwrap_or(true));
    Some(RemoteParent {
        span_context: SpanContext::new(
            header.trace_id(),
            header.span_id(),
            flags,
            true,
            TraceState::NONE,
        ),
        header: ParentHeader::SentryTrace,
        sampled,
        all_tracestate_members: None,
    })
}
