//! The trace headers an outgoing request carries, written from an OpenTelemetry `Context`.
//!
//! The current span becomes `traceparent` (version `00`), its `TraceState` `tracestate`
//! (never empty, at most 512 characters) and `sentry-trace`, so a downstream service
//! instrumented only with a Sentry SDK continues the same trace. On a continued trace the
//! flag bits other than sampled go out as they were received, `tracestate` members the span
//! could not carry go out in their places, a deferred decision stays deferred while no local
//! span has decided, and Sentry's sampling context goes out unchanged, first in `baggage`,
//! replacing any `sentry-` entries of the OpenTelemetry baggage.
//!
//! Everything is written to every request: limiting Sentry's headers to some hosts (as
//! Sentry SDKs' `tracePropagationTargets` does) is the HTTP client adapter's job.

use opentelemetry::Context;
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::Injector;
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceFlags};

use crate::codecs::baggage;
use crate::codecs::dynamic_sampling_context::DynamicSamplingContext;
use crate::codecs::sentry_trace::SentryTrace;
use crate::codecs::traceparent::Traceparent;
use crate::codecs::tracestate;
use crate::names::{BAGGAGE_HEADER, SENTRY_BAGGAGE_PREFIX};
use crate::propagation::incoming_trace::Continuation;

/// The `traceparent` to send for the current span of `cx`: its ids and sampled flag, and,
/// when the trace was continued, every other flag bit as received.
pub fn traceparent(cx: &Context) -> Option<Traceparent> {
    let span = cx.span();
    let traceparent = Traceparent::from_span_context(span.span_context())?;
    Some(match continuation(cx, span.span_context()) {
        Some(received) => traceparent.with_trace_flags(
            (traceparent.trace_flags() & TraceFlags::SAMPLED)
                | (received.flags & !TraceFlags::SAMPLED),
        ),
        None => traceparent,
    })
}

/// The `sentry-trace` to send for the current span of `cx`; its sampled part stays absent
/// while the caller's deferred decision has not been taken by a local span.
pub fn sentry_trace(cx: &Context) -> Option<SentryTrace> {
    let span = cx.span();
    let span_context = span.span_context();
    let header = SentryTrace::from_span_context(span_context)?;
    let still_deferred = span_context.is_remote()
        && continuation(cx, span_context).is_some_and(|received| received.deferred);
    Some(if still_deferred {
        header.with_sampled(None)
    } else {
        header
    })
}

/// Sentry's sampling context received with the trace `cx`'s current span belongs to.
pub fn sampling_context(cx: &Context) -> Option<&DynamicSamplingContext> {
    let span = cx.span();
    continuation(cx, span.span_context())?
        .sampling_context
        .as_ref()
}

/// The continuation stored in `cx`, if it is for the trace of `current`.
fn continuation<'a>(cx: &'a Context, current: &SpanContext) -> Option<&'a Continuation> {
    cx.get::<Continuation>()
        .filter(|received| current.is_valid() && received.trace_id == current.trace_id())
}

/// Writes `traceparent`, `tracestate`, `sentry-trace` and `baggage` for `cx`.
///
/// Nothing but the baggage is written for a context without a valid span.
pub fn inject(cx: &Context, injector: &mut dyn Injector) {
    inject_with(cx, &Baggage::new(), &[], injector);
}

/// Like [`inject`], for a request that already carries baggage, from a service that may
/// head the trace for Sentry.
///
/// `request_baggage` is kept: its entries win over the context's entries of the same
/// keys, and its `sentry-` entries, if it has any, replace Sentry's sampling context.
/// `head_sampling_entries` (`sentry-` keys and values) go out when the trace arrived
/// without Sentry's sampling context: this service then starts it for the services after
/// it.
pub fn inject_with(
    cx: &Context,
    request_baggage: &Baggage,
    head_sampling_entries: &[(&str, &str)],
    injector: &mut dyn Injector,
) {
    let span = cx.span();
    let span_context = span.span_context();
    if let Some(traceparent) = traceparent(cx) {
        traceparent.inject(injector);
        let received =
            continuation(cx, span_context).and_then(|c| c.all_tracestate_members.as_ref());
        tracestate::inject(span_context.trace_state(), received, &[], injector);
    }
    if let Some(sentry_trace) = sentry_trace(cx) {
        sentry_trace.inject(injector);
    }

    let request_has_sentry_entries = request_baggage
        .iter()
        .any(|(key, _)| key.as_str().starts_with(SENTRY_BAGGAGE_PREFIX));
    let received = sampling_context(cx);
    let sentry_entries: &mut dyn Iterator<Item = (&str, &str)> = match received {
        _ if request_has_sentry_entries => &mut std::iter::empty(),
        Some(received) => &mut received.baggage_entries(),
        None => &mut head_sampling_entries.iter().copied(),
    };
    let sends_sampling_context =
        !request_has_sentry_entries && (received.is_some() || !head_sampling_entries.is_empty());
    let sentry_entries = sentry_entries.map(|(key, value)| (key, value, ""));
    let request_entries = request_baggage
        .iter()
        .map(|(key, (value, metadata))| (key.as_str(), value.as_str(), metadata.as_str()));
    let context_baggage = cx.baggage();
    let context_entries = context_baggage
        .iter()
        .filter(|(key, _)| {
            let sentry_key = key.as_str().starts_with(SENTRY_BAGGAGE_PREFIX);
            !(sentry_key && (sends_sampling_context || request_has_sentry_entries))
                && request_baggage.get(key.as_str()).is_none()
        })
        .map(|(key, (value, metadata))| (key.as_str(), value.as_str(), metadata.as_str()));
    let entries = sentry_entries.chain(request_entries).chain(context_entries);
    if let Some(value) = baggage::header_value(entries) {
        injector.set(BAGGAGE_HEADER, value);
    }
}
