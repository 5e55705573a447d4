//! The codecs end to end: a request's headers are extracted, a span continues the trace
//! through the OpenTelemetry SDK, and the headers for the next hop are injected, as the
//! W3C test suite drives a service.

mod common;

use std::collections::HashMap;

use common::{PARENT_ID, TRACE_ID, headers, traceparent};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{TraceContextExt, Tracer, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use otel_sentry_core::{CorrelationPropagator, Traceparent};

/// Receives `lines`, runs one span of `provider`'s tracer in the continued context and
/// returns the headers it would send onward.
fn next_hop(provider: &SdkTracerProvider, lines: &[(&str, &str)]) -> HashMap<String, String> {
    let propagator = CorrelationPropagator::new();
    let received = headers(lines);
    let cx = propagator.extract(&HeaderExtractor(&received));
    let span = provider.tracer("test").start_with_context("hop", &cx);
    let cx = cx.with_span(span);
    let mut sent = http::HeaderMap::new();
    propagator.inject_context(&cx, &mut HeaderInjector(&mut sent));
    sent.iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect()
}

fn sampling_provider() -> SdkTracerProvider {
    SdkTracerProvider::builder().build()
}

fn sent_traceparent(sent: &HashMap<String, String>) -> Traceparent {
    Traceparent::parse(&sent["traceparent"]).unwrap()
}

#[test]
fn continued_trace_keeps_the_trace_id_with_a_new_parent_id() {
    let sent = next_hop(&sampling_provider(), &[("traceparent", &traceparent("01"))]);
    let parent = sent_traceparent(&sent);
    assert_eq!(parent.trace_id().to_string(), TRACE_ID);
    assert_ne!(parent.parent_id().to_string(), PARENT_ID);
    assert!(parent.trace_flags().is_sampled());
}

#[test]
fn every_request_sent_has_its_own_parent_id() {
    let provider = sampling_provider();
    let ids: std::collections::HashSet<String> = (0..3)
        .map(|_| {
            sent_traceparent(&next_hop(&provider, &[("traceparent", &traceparent("01"))]))
                .parent_id()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 3);
}

#[test]
fn request_without_traceparent_starts_a_new_trace() {
    let sent = next_hop(&sampling_provider(), &[]);
    let parent = sent_traceparent(&sent);
    assert_ne!(parent.trace_id().to_string(), TRACE_ID);
    assert!(
        !sent.contains_key("tracestate"),
        "an empty tracestate is never sent"
    );
}

#[test]
fn illegal_traceparent_starts_a_new_trace_with_a_valid_id() {
    let sent = next_hop(
        &sampling_provider(),
        &[(
            "traceparent",
            "00-00000000000000000000000000000000-1234567890123456-01",
        )],
    );
    assert_ne!(
        sent_traceparent(&sent).trace_id().to_string(),
        "0".repeat(32)
    );
}

#[test]
fn random_flag_is_propagated_when_the_trace_is_continued() {
    // Sampled: the SDK keeps the parent's flags. Unsampled: the SDK drops the span and
    // resets its flags, and the continuation restores the random bit.
    for (received, expected) in [("03", "03"), ("02", "02"), ("01", "01"), ("00", "00")] {
        let sent = next_hop(
            &sampling_provider(),
            &[("traceparent", &traceparent(received))],
        );
        assert_eq!(&sent["traceparent"][53..], expected, "received {received}");
        assert_eq!(sent_traceparent(&sent).trace_id().to_string(), TRACE_ID);
    }
}

#[test]
fn unknown_flag_bits_are_propagated_when_the_trace_is_continued() {
    let sent = next_hop(&sampling_provider(), &[("traceparent", &traceparent("0b"))]);
    assert_eq!(&sent["traceparent"][53..], "0b");
}

#[test]
fn our_sampling_decision_replaces_the_sampled_bit_only() {
    let never = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOff)
        .build();
    let sent = next_hop(&never, &[("traceparent", &traceparent("03"))]);
    assert_eq!(&sent["traceparent"][53..], "02");
}

#[test]
fn flags_of_a_continued_trace_do_not_leak_into_a_new_trace() {
    let propagator = CorrelationPropagator::new();
    let received = headers(&[("traceparent", &traceparent("0a"))]);
    let cx = propagator.extract(&HeaderExtractor(&received));
    // A new root span in the same context: another trace.
    let root = sampling_provider().tracer("test").build_with_context(
        opentelemetry::trace::SpanBuilder::from_name("root"),
        &Context::new(),
    );
    let cx = cx.with_span(root);
    let mut sent = HashMap::new();
    propagator.inject_context(&cx, &mut sent);
    let parent = Traceparent::parse(&sent["traceparent"]).unwrap();
    assert_ne!(parent.trace_id().to_string(), TRACE_ID);
    // Only the SDK's own sampled bit: nothing of the other trace's 0x0a. (The random bit
    // is not claimed for a new trace: the SDK's id generator is the user's choice.)
    assert_eq!(parent.trace_flags().to_u8(), 0x01);
}

#[test]
fn a_later_extraction_of_the_same_trace_replaces_the_earlier_one() {
    let propagator = CorrelationPropagator::new();
    let outer = headers(&[
        ("traceparent", &traceparent("03")),
        (
            "baggage",
            &format!("sentry-trace_id={TRACE_ID},sentry-environment=outer"),
        ),
    ]);
    let cx = propagator.extract(&HeaderExtractor(&outer));
    // A message of the same trace, consumed inside the request, without those extras.
    let inner = headers(&[("traceparent", &traceparent("01"))]);
    let cx = propagator.extract_with_context(&cx, &HeaderExtractor(&inner));
    let mut sent = HashMap::new();
    propagator.inject_context(&cx, &mut sent);
    assert_eq!(
        &sent["traceparent"][53..],
        "01",
        "the random bit came with the outer header only"
    );
    assert!(
        !sent.contains_key("baggage"),
        "the outer sampling context is gone"
    );
}

#[test]
fn deferred_decision_stays_deferred_until_a_local_span_decides() {
    let propagator = CorrelationPropagator::new();
    let received = headers(&[(
        "sentry-trace",
        "771a43a4192642f0b136d5159a501700-a1b2c3d4e5f60718",
    )]);
    let cx = propagator.extract(&HeaderExtractor(&received));
    let mut passed_through = HashMap::new();
    propagator.inject_context(&cx, &mut passed_through);
    assert_eq!(
        passed_through["sentry-trace"],
        "771a43a4192642f0b136d5159a501700-a1b2c3d4e5f60718"
    );

    let sent = next_hop(
        &sampling_provider(),
        &[(
            "sentry-trace",
            "771a43a4192642f0b136d5159a501700-a1b2c3d4e5f60718",
        )],
    );
    assert!(sent["sentry-trace"].ends_with("-0") || sent["sentry-trace"].ends_with("-1"));
}

#[test]
fn tracestate_keys_the_span_cannot_carry_are_sent_on() {
    let sent = next_hop(
        &sampling_provider(),
        &[
            ("traceparent", &traceparent("01")),
            ("tracestate", "foo@@bar=1,congo=2,a@bcdefghijklmnopq=3"),
        ],
    );
    assert_eq!(
        sent["tracestate"],
        "foo@@bar=1,congo=2,a@bcdefghijklmnopq=3"
    );
}

#[test]
fn tracestate_is_sent_on_with_the_trace() {
    let sent = next_hop(
        &sampling_provider(),
        &[
            ("traceparent", &traceparent("01")),
            ("tracestate", "rojo=00f067aa0ba902b7"),
            ("tracestate", "congo=t61rcWkgMzE"),
        ],
    );
    assert_eq!(
        sent["tracestate"],
        "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
    );
}

#[test]
fn tracestate_is_not_sent_when_a_new_trace_starts() {
    let sent = next_hop(&sampling_provider(), &[("tracestate", "foo=1")]);
    assert!(!sent.contains_key("tracestate"));
}

#[test]
fn sentry_trace_is_sent_with_the_same_ids() {
    let sent = next_hop(&sampling_provider(), &[("traceparent", &traceparent("01"))]);
    let parent = sent_traceparent(&sent);
    assert_eq!(
        sent["sentry-trace"],
        format!("{}-{}-1", parent.trace_id(), parent.parent_id())
    );

    let never = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOff)
        .build();
    let sent = next_hop(&never, &[("traceparent", &traceparent("01"))]);
    assert!(sent["sentry-trace"].ends_with("-0"));
}

#[test]
fn trace_started_by_a_sentry_sdk_continues_as_w3c() {
    let sent = next_hop(
        &sampling_provider(),
        &[(
            "sentry-trace",
            "771a43a4192642f0b136d5159a501700-a1b2c3d4e5f60718-1",
        )],
    );
    let parent = sent_traceparent(&sent);
    assert_eq!(
        parent.trace_id().to_string(),
        "771a43a4192642f0b136d5159a501700"
    );
    assert!(parent.trace_flags().is_sampled());
}

#[test]
fn baggage_is_sent_on_with_sentry_entries_first() {
    let sent = next_hop(
        &sampling_provider(),
        &[
            ("traceparent", &traceparent("01")),
            (
                "baggage",
                &format!(
                    "userId=Am%C3%A9lie;p=1,sentry-trace_id={TRACE_ID},sentry-sample_rate=0.5"
                ),
            ),
        ],
    );
    assert_eq!(
        sent["baggage"],
        format!("sentry-sample_rate=0.5,sentry-trace_id={TRACE_ID},userId=Am%C3%A9lie;p=1")
    );
}

#[test]
fn sampling_context_replaces_sentry_entries_of_the_opentelemetry_baggage() {
    let propagator = CorrelationPropagator::new();
    let received = headers(&[
        ("traceparent", &traceparent("01")),
        (
            "baggage",
            &format!("sentry-trace_id={TRACE_ID},sentry-environment=prod"),
        ),
    ]);
    let cx = propagator.extract(&HeaderExtractor(&received));
    let cx = cx.with_baggage([
        KeyValue::new("sentry-environment", "dev"),
        KeyValue::new("user", "1"),
    ]);
    let mut sent = HashMap::new();
    propagator.inject_context(&cx, &mut sent);
    assert_eq!(
        sent["baggage"],
        format!("sentry-environment=prod,sentry-trace_id={TRACE_ID},user=1")
    );
}

#[test]
fn baggage_without_a_span_is_still_sent() {
    let cx = Context::new().with_baggage([KeyValue::new("user", "alice smith")]);
    let mut sent = HashMap::new();
    CorrelationPropagator::new().inject_context(&cx, &mut sent);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent["baggage"], "user=alice%20smith");
}

#[test]
fn nothing_is_sent_for_an_empty_context() {
    let mut sent = HashMap::new();
    CorrelationPropagator::new().inject_context(&Context::new(), &mut sent);
    assert!(sent.is_empty());
}

#[test]
fn extraction_without_headers_keeps_the_given_context() {
    let span = sampling_provider().tracer("test").start("local");
    let cx = Context::new().with_span(span);
    let local = cx.span().span_context().clone();
    let extracted =
        CorrelationPropagator::new().extract_with_context(&cx, &HashMap::<String, String>::new());
    assert_eq!(extracted.span().span_context(), &local);
}

#[test]
fn propagator_names_its_fields() {
    let propagator = CorrelationPropagator::new();
    let fields: Vec<&str> = propagator.fields().collect();
    assert_eq!(
        fields,
        ["traceparent", "tracestate", "baggage", "sentry-trace"]
    );
}

#[test]
fn propagator_works_as_the_global_propagator() {
    opentelemetry::global::set_text_map_propagator(CorrelationPropagator::new());
    let received = headers(&[("traceparent", &traceparent("01"))]);
    let cx =
        opentelemetry::global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(&received)));
    assert_eq!(cx.span().span_context().trace_id().to_string(), TRACE_ID);
}
