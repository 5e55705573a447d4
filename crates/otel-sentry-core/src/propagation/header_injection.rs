//! The trace headers of an outgoing request, written into an `http::HeaderMap`: for plain
//! reqwest, hyper, or any client built on the `http` crate.
//!
//! Which header wins when the request already has one:
//!
//! - `traceparent`, `tracestate` and `sentry-trace` are replaced. They name the parent of
//!   the next service's span, and only the span current now is that parent; a stale copy
//!   (a context injected earlier, a header forwarded from the incoming request) would skip
//!   a span or name one from another trace.
//! - `baggage` is merged into one line: the request's own entries are kept and win over
//!   the context's entries of the same keys (they were set on purpose, for this request);
//!   if the request carries `sentry-` entries, they stand for Sentry's sampling context.
//!
//! A value that is not a valid header value (which the codecs never produce) is left out
//! with a `tracing` debug event; nothing here panics.

use http::header::HeaderMap;
use opentelemetry::Context;
use opentelemetry::trace::TraceContextExt;
use sentry_core::{ClientOptions, Hub};

use crate::codecs::baggage;
use crate::codecs::dynamic_sampling_context::HeadSamplingContext;
use crate::http::header_injector::HeaderInjector;
use crate::names::{BAGGAGE_HEADER, SENTRY_TRACE_HEADER, TRACEPARENT_HEADER, TRACESTATE_HEADER};
use crate::propagation::outgoing_trace;

/// Writes the trace headers of `cx` into `headers`, as [`outgoing_trace::inject`] does,
/// plus Sentry's sampling context when this service heads the trace and the current Sentry
/// hub has a DSN. See the module docs for headers the request already has.
///
/// ```
/// use opentelemetry::Context;
/// use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
///
/// let span = SpanContext::new(
///     TraceId::from(0x771a43a4192642f0b136d5159a501700),
///     SpanId::from(0xa1b2c3d4e5f60718),
///     TraceFlags::SAMPLED,
///     false,
///     TraceState::NONE,
/// );
/// let cx = Context::new().with_remote_span_context(span);
/// let mut headers = http::HeaderMap::new();
/// headers.insert("baggage", "tenant=acme".parse().unwrap());
/// otel_sentry_core::inject_context(&cx, &mut headers);
/// assert_eq!(headers["traceparent"], "00-771a43a4192642f0b136d5159a501700-a1b2c3d4e5f60718-01");
/// assert_eq!(headers["sentry-trace"], "771a43a4192642f0b136d5159a501700-a1b2c3d4e5f60718-1");
/// assert_eq!(headers["baggage"], "tenant=acme");
/// ```
pub fn inject_context(cx: &Context, headers: &mut HeaderMap) {
    let request_baggage = take_request_baggage(headers);
    for name in [TRACEPARENT_HEADER, TRACESTATE_HEADER, SENTRY_TRACE_HEADER] {
        headers.remove(name);
    }
    let client = Hub::current().client();
    let head = client
        .as_ref()
        .and_then(|client| head_sampling_context(cx, client.options()));
    let head_entries = head
        .as_ref()
        .map(HeadSamplingContext::baggage_entries)
        .unwrap_or_default();
    outgoing_trace::inject_with(
        cx,
        &request_baggage,
        &head_entries,
        &mut HeaderInjector(headers),
    );
}

/// [`inject_context`] for the context attached on this thread: inside a request handled by
/// one of the server adapters, the span current in the handler.
pub fn inject_current_context(headers: &mut HeaderMap) {
    Context::map_current(|cx| inject_context(cx, headers));
}

/// Removes the request's `baggage` lines and returns their members. Lines that are not
/// visible ASCII cannot be baggage and are dropped with the rest of what the codec drops.
fn take_request_baggage(headers: &mut HeaderMap) -> opentelemetry::baggage::Baggage {
    if !headers.contains_key(BAGGAGE_HEADER) {
        return opentelemetry::baggage::Baggage::new();
    }
    let lines: Vec<&str> = headers
        .get_all(BAGGAGE_HEADER)
        .iter()
        .filter_map(|line| line.to_str().ok())
        .collect();
    let parsed = baggage::parse_lines(&lines);
    headers.remove(BAGGAGE_HEADER);
    parsed
}

/// Sentry's sampling context when this service starts it: the trace arrived without one,
/// and the current hub's client has a DSN.
fn head_sampling_context<'a>(
    cx: &Context,
    options: &'a ClientOptions,
) -> Option<HeadSamplingContext<'a>> {
    if outgoing_trace::sampling_context(cx).is_some() {
        return None;
    }
    let span = cx.span();
    let span_context = span.span_context();
    if !span_context.is_valid() {
        return None;
    }
    HeadSamplingContext::new(span_context.trace_id(), span_context.is_sampled(), options)
}

#[cfg(test)]
mod tests {
    use opentelemetry::KeyValue;
    use opentelemetry::baggage::BaggageExt;
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};

    use std::sync::Arc;

    use http::header::HeaderValue;

    use super::*;

    fn cx() -> Context {
        let span = SpanContext::new(
            TraceId::from(0x771a43a4192642f0b136d5159a501700),
            SpanId::from(0xa1b2c3d4e5f60718),
            TraceFlags::SAMPLED,
            false,
            TraceState::NONE,
        );
        Context::new().with_remote_span_context(span).with_baggage([
            KeyValue::new("tenant", "from-context"),
            KeyValue::new("user", "7"),
        ])
    }

    fn members(headers: &HeaderMap) -> Vec<String> {
        let lines: Vec<_> = headers.get_all(BAGGAGE_HEADER).iter().collect();
        assert_eq!(lines.len(), 1, "one baggage line");
        let mut members: Vec<String> = lines[0]
            .to_str()
            .unwrap()
            .split(',')
            .map(str::to_owned)
            .collect();
        members.sort();
        members
    }

    #[test]
    fn the_requests_baggage_entries_win_and_the_contexts_others_join_them() {
        let mut headers = HeaderMap::new();
        headers.append(BAGGAGE_HEADER, HeaderValue::from_static("tenant=acme"));
        headers.append(BAGGAGE_HEADER, HeaderValue::from_static("region=eu"));
        inject_context(&cx(), &mut headers);
        assert_eq!(members(&headers), ["region=eu", "tenant=acme", "user=7"]);
    }

    #[test]
    fn stale_trace_headers_are_replaced_by_one_line_each() {
        let mut headers = HeaderMap::new();
        for name in [TRACEPARENT_HEADER, SENTRY_TRACE_HEADER, TRACESTATE_HEADER] {
            headers.append(name, HeaderValue::from_static("stale"));
            headers.append(name, HeaderValue::from_static("stale"));
        }
        inject_context(&cx(), &mut headers);
        assert_eq!(
            headers
                .get_all(TRACEPARENT_HEADER)
                .iter()
                .collect::<Vec<_>>(),
            ["00-771a43a4192642f0b136d5159a501700-a1b2c3d4e5f60718-01"]
        );
        assert_eq!(headers.get_all(SENTRY_TRACE_HEADER).iter().count(), 1);
        // The span has no tracestate: none goes out, not even the stale one.
        assert_eq!(headers.get_all(TRACESTATE_HEADER).iter().count(), 0);
    }

    #[test]
    fn the_requests_sentry_entries_stand_for_the_sampling_context() {
        let client = Arc::new(sentry_core::Client::from(
            sentry_core::ClientOptions::new().dsn("https://public@sentry.invalid/1"),
        ));
        let hub = Arc::new(Hub::new(Some(client), Arc::new(Default::default())));
        Hub::run(hub, || {
            let mut headers = HeaderMap::new();
            inject_context(&cx(), &mut headers);
            let ours = members(&headers);
            assert!(
                ours.contains(&"sentry-public_key=public".to_owned()),
                "{ours:?}"
            );

            let mut headers = HeaderMap::new();
            headers.insert(
                BAGGAGE_HEADER,
                HeaderValue::from_static("sentry-public_key=theirs"),
            );
            inject_context(&cx(), &mut headers);
            let merged = members(&headers);
            assert_eq!(
                merged
                    .iter()
                    .filter(|m| m.starts_with("sentry-"))
                    .collect::<Vec<_>>(),
                ["sentry-public_key=theirs"]
            );
        });
    }

    #[test]
    fn without_a_span_only_baggage_is_written() {
        let mut headers = HeaderMap::new();
        inject_context(
            &Context::new().with_baggage([KeyValue::new("user", "7")]),
            &mut headers,
        );
        assert_eq!(headers.len(), 1);
        assert_eq!(headers[BAGGAGE_HEADER], "user=7");
    }
}
