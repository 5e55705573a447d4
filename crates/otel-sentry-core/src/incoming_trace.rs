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

use crate::baggage;
use crate::dynamic_sampling_context::DynamicSamplingContext;
use crate::sentry_trace::SentryTrace;
use crate::traceparent::Traceparent;
use crate::tracestate;

/// Which header named the remote parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParentHeader {
    /// A valid W3C `traceparent`.
    Traceparent,
    /// Sentry's `sentry-trace`, read because no valid `traceparent` arrived.
    SentryTrace,
}

/// The trace context of an incoming request.
#[derive(Debug, Default)]
pub struct IncomingTrace {
    /// The caller's span (remote, with its `TraceState`); `None` starts a new trace.
    pub parent: Option<SpanContext>,
    /// The header `parent` came from.
    pub parent_header: Option<ParentHeader>,
    /// The caller's sampling decision; `None` when it deferred the decision to us (a
    /// `sentry-trace` without its sampled part and no `sentry-sampled`). `parent`'s
    /// sampled flag is then unset.
    pub parent_sampled: Option<bool>,
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
    /// assert_eq!(incoming.parent_header, Some(ParentHeader::Traceparent));
    /// assert_eq!(incoming.parent.unwrap().trace_id().to_string(), "0af7651916cd43dd8448eb211c80319c");
    /// assert_eq!(incoming.baggage.len(), 1);
    /// ```
    pub fn extract(extractor: &dyn Extractor) -> Self {
        let mut baggage = baggage::extract(extractor);
        let sampling_context = DynamicSamplingContext::take_from_baggage(&mut baggage);

        let mut incoming = match w3c_parent(extractor) {
            Some(parent) => IncomingTrace {
                parent_sampled: Some(parent.is_sampled()),
                parent: Some(parent),
                parent_header: Some(ParentHeader::Traceparent),
                ..Self::default()
            },
            None => sentry_parent(extractor, sampling_context.as_ref()).unwrap_or_default(),
        };
        incoming.baggage = baggage;
        incoming.sampling_context = sampling_context.filter(|dsc| {
            let belongs = match (&incoming.parent, dsc.trace_id()) {
                (Some(parent), Some(trace_id)) => parent.trace_id() == trace_id,
                (Some(_), None) => dsc.get("trace_id").is_none(),
                (None, _) => false,
            };
            if !belongs {
                tracing::debug!(
                    target: "otel_sentry::propagation",
                    "sentry- baggage entries ignored: they belong to another trace"
                );
            }
            belongs
        });
        incoming
    }

    /// `cx` with the remote parent, the baggage and the sampling context added; what is
    /// absent is left as `cx` has it.
    ///
    /// Spans started in the returned context continue the trace, and
    /// [`outgoing_trace::inject`](crate::outgoing_trace::inject) sends on the received flag
    /// bits and Sentry's sampling context with it.
    pub fn attach_to(self, cx: &Context) -> Context {
        let mut cx = match self.parent {
            Some(parent) => {
                let continuation = Continuation {
                    trace_id: parent.trace_id(),
                    flags: parent.trace_flags(),
                    sampling_context: self.sampling_context,
                };
                // One context value for both: each `with_value` copies the context's map.
                cx.with_remote_span_context(parent).with_value(continuation)
            }
            None => cx.clone(),
        };
        if !self.baggage.is_empty() {
            cx = cx.with_baggage(self.baggage);
        }
        cx
    }
}

/// What a continued trace sends on besides its span context, kept in the [`Context`]:
/// OpenTelemetry's sampler rebuilds a child span's flags, and a dropped span loses all but
/// the sampled bit, yet the W3C text wants the `random` bit passed on unchanged.
#[derive(Debug)]
pub(crate) struct Continuation {
    pub(crate) trace_id: TraceId,
    pub(crate) flags: TraceFlags,
    pub(crate) sampling_context: Option<DynamicSamplingContext>,
}

fn w3c_parent(extractor: &dyn Extractor) -> Option<SpanContext> {
    let traceparent = match Traceparent::extract(extractor) {
        Ok(found) => found?,
        Err(reason) => {
            tracing::debug!(target: "otel_sentry::propagation", %reason, "traceparent ignored");
            return None;
        }
    };
    let trace_state = tracestate::extract(extractor).unwrap_or_else(|reason| {
        tracing::debug!(target: "otel_sentry::propagation", %reason, "tracestate discarded");
        TraceState::NONE
    });
    Some(traceparent.into_remote_span_context(trace_state))
}

fn sentry_parent(
    extractor: &dyn Extractor,
    sampling_context: Option<&DynamicSamplingContext>,
) -> Option<IncomingTrace> {
    let header = match SentryTrace::extract(extractor) {
        Ok(found) => found?,
        Err(reason) => {
            tracing::debug!(target: "otel_sentry::propagation", %reason, "sentry-trace ignored");
            return None;
        }
    };
    // A deferred decision may still be recorded in the sampling context.
    let sampled = header
        .sampled
        .or_else(|| sampling_context.and_then(DynamicSamplingContext::sampled));
    let flags = TraceFlags::default().with_sampled(sampled.unwrap_or(false));
    Some(IncomingTrace {
        parent: Some(SpanContext::new(
            header.trace_id,
            header.span_id,
            flags,
            true,
            TraceState::NONE,
        )),
        parent_header: Some(ParentHeader::SentryTrace),
        parent_sampled: sampled,
        ..IncomingTrace::default()
    })
}
