//! Sentry's `sentry-trace` header and the `sentry-` entries of `baggage` (its dynamic
//! sampling context), as Sentry's SDK documentation defines them.

mod common;

use common::{TRACE_ID, extract, traceparent};
use opentelemetry::trace::{SpanId, TraceId};
use otel_sentry_core::{DynamicSamplingContext, ParentHeader, SentryTrace, SentryTraceError};

const SENTRY_TRACE_ID: &str = "771a43a4192642f0b136d5159a501700";
const SENTRY_SPAN_ID: &str = "a1b2c3d4e5f60718";

fn sentry_trace(sampled: &str) -> String {
    format!("{SENTRY_TRACE_ID}-{SENTRY_SPAN_ID}{sampled}")
}

#[test]
fn sentry_trace_is_trace_id_span_id_and_sampled() {
    let parsed = SentryTrace::parse(&sentry_trace("-1")).unwrap();
    assert_eq!(
        parsed.trace_id(),
        TraceId::from(0x771a43a4192642f0b136d5159a501700)
    );
    assert_eq!(parsed.span_id(), SpanId::from(0xa1b2c3d4e5f60718));
    assert_eq!(parsed.sampled(), Some(true));
    assert_eq!(
        SentryTrace::parse(&sentry_trace("-0")).unwrap().sampled(),
        Some(false)
    );
}

#[test]
fn sentry_trace_without_sampled_defers_the_decision() {
    assert_eq!(
        SentryTrace::parse(&sentry_trace("")).unwrap().sampled(),
        None
    );
}

#[test]
fn sentry_trace_sampled_is_only_one_or_zero() {
    for sampled in ["-2", "-t", "1-", "--"] {
        assert_eq!(
            SentryTrace::parse(&sentry_trace(sampled)),
            Err(SentryTraceError::MalformedSampled),
            "{sampled}"
        );
    }
}

#[test]
fn sentry_trace_ids_are_lowercase_hex_of_exact_length() {
    assert_eq!(
        SentryTrace::parse(&sentry_trace("").to_uppercase()),
        Err(SentryTraceError::MalformedTraceId)
    );
    assert_eq!(
        SentryTrace::parse(&format!("{SENTRY_TRACE_ID}-A1B2C3D4E5F60718")),
        Err(SentryTraceError::MalformedSpanId)
    );
    for value in [
        "",
        "1",
        "-",
        SENTRY_TRACE_ID,
        &format!("{SENTRY_TRACE_ID}-{SENTRY_SPAN_ID}0"),
    ] {
        assert!(
            matches!(
                SentryTrace::parse(value),
                Err(SentryTraceError::WrongLength { .. })
            ),
            "{value}"
        );
    }
}

#[test]
fn sentry_trace_ids_of_all_zeros_are_invalid() {
    assert_eq!(
        SentryTrace::parse(&format!(
            "00000000000000000000000000000000-{SENTRY_SPAN_ID}-1"
        )),
        Err(SentryTraceError::ZeroTraceId)
    );
    assert_eq!(
        SentryTrace::parse(&format!("{SENTRY_TRACE_ID}-0000000000000000-1")),
        Err(SentryTraceError::ZeroSpanId)
    );
}

#[test]
fn sentry_trace_optional_whitespace_is_ignored() {
    assert!(SentryTrace::parse(&format!(" \t{} \t", sentry_trace("-1"))).is_ok());
}

#[test]
fn sentry_trace_round_trips() {
    for sampled in ["", "-0", "-1"] {
        let value = sentry_trace(sampled);
        assert_eq!(SentryTrace::parse(&value).unwrap().to_string(), value);
    }
}

#[test]
fn sentry_trace_continues_a_trace_when_traceparent_is_absent() {
    let incoming = extract(&[("sentry-trace", &sentry_trace("-1"))]);
    let parent = incoming.parent.unwrap();
    assert_eq!(parent.header, ParentHeader::SentryTrace);
    let parent = parent.span_context;
    assert_eq!(parent.trace_id().to_string(), SENTRY_TRACE_ID);
    assert_eq!(parent.span_id().to_string(), SENTRY_SPAN_ID);
    assert!(parent.is_sampled() && parent.is_remote());
}

#[test]
fn sentry_trace_continues_a_trace_when_traceparent_is_invalid() {
    let incoming = extract(&[
        (
            "traceparent",
            "00-00000000000000000000000000000000-1234567890123456-01",
        ),
        ("sentry-trace", &sentry_trace("-0")),
    ]);
    let parent = incoming.parent.unwrap();
    assert_eq!(parent.header, ParentHeader::SentryTrace);
    assert!(!parent.span_context.is_sampled());
}

#[test]
fn valid_traceparent_wins_over_sentry_trace() {
    let incoming = extract(&[
        ("sentry-trace", &sentry_trace("-1")),
        ("traceparent", &traceparent("01")),
    ]);
    let parent = incoming.parent.unwrap();
    assert_eq!(parent.header, ParentHeader::Traceparent);
    assert_eq!(parent.span_context.trace_id().to_string(), TRACE_ID);
}

#[test]
fn sentry_trace_carries_no_tracestate() {
    let incoming = extract(&[
        ("sentry-trace", &sentry_trace("-1")),
        ("tracestate", "foo=1"),
    ]);
    assert_eq!(
        incoming.parent.unwrap().span_context.trace_state().header(),
        ""
    );
}

#[test]
fn two_sentry_trace_lines_are_ignored() {
    let incoming = extract(&[
        ("sentry-trace", &sentry_trace("-1")),
        ("sentry-trace", &sentry_trace("-1")),
    ]);
    assert!(incoming.parent.is_none());
}

#[test]
fn deferred_sentry_trace_takes_the_decision_from_sentry_sampled() {
    let incoming = extract(&[
        ("sentry-trace", &sentry_trace("")),
        (
            "baggage",
            &format!("sentry-trace_id={SENTRY_TRACE_ID},sentry-sampled=true"),
        ),
    ]);
    let parent = incoming.parent.unwrap();
    assert_eq!(parent.sampled, Some(true));
    assert!(parent.span_context.is_sampled());
}

#[test]
fn deferred_sentry_trace_without_sentry_sampled_stays_undecided_and_is_recorded() {
    let incoming = extract(&[("sentry-trace", &sentry_trace(""))]);
    let parent = incoming.parent.unwrap();
    assert_eq!(parent.sampled, None);
    // OpenTelemetry has no undecided remote parent: recorded rather than lost.
    assert!(parent.span_context.is_sampled());
}

#[test]
fn sentry_baggage_entries_form_the_sampling_context() {
    let incoming = extract(&[
        ("sentry-trace", &sentry_trace("-1")),
        (
            "baggage",
            &format!(
                "other=1,sentry-trace_id={SENTRY_TRACE_ID},sentry-public_key=49d0f7386ad645858ae85020e393bef3,\
                 sentry-sample_rate=0.25,sentry-sample_rand=0.125,sentry-sampled=true,sentry-release=web%401.0,\
                 sentry-environment=prod,sentry-transaction=GET%20%2Fusers%2F%7Bid%7D,sentry-org_id=42,sentry-future=x"
            ),
        ),
    ]);
    let dsc = incoming.sampling_context.unwrap();
    assert_eq!(dsc.trace_id().unwrap().to_string(), SENTRY_TRACE_ID);
    assert_eq!(
        dsc.get("public_key"),
        Some("49d0f7386ad645858ae85020e393bef3")
    );
    assert_eq!(dsc.sample_rate(), Some(0.25));
    assert_eq!(dsc.sample_rand(), Some(0.125));
    assert_eq!(dsc.sampled(), Some(true));
    assert_eq!(dsc.get("release"), Some("web@1.0"));
    assert_eq!(dsc.get("environment"), Some("prod"));
    assert_eq!(dsc.get("transaction"), Some("GET /users/{id}"));
    assert_eq!(dsc.get("org_id"), Some("42"));
    assert_eq!(dsc.get("future"), Some("x"), "unknown entries are kept");
    assert_eq!(
        incoming.baggage.len(),
        1,
        "sentry- entries leave the OpenTelemetry baggage"
    );
}

#[test]
fn sampling_context_of_another_trace_is_dropped() {
    let incoming = extract(&[
        ("traceparent", &traceparent("01")),
        (
            "baggage",
            &format!("sentry-trace_id={SENTRY_TRACE_ID},sentry-sampled=true"),
        ),
    ]);
    assert!(incoming.parent.is_some());
    assert!(incoming.sampling_context.is_none());
}

#[test]
fn sampling_context_without_a_continued_trace_is_dropped() {
    let incoming = extract(&[("baggage", &format!("sentry-trace_id={SENTRY_TRACE_ID}"))]);
    assert!(incoming.sampling_context.is_none());
}

#[test]
fn sampling_context_continues_with_a_traceparent_of_the_same_trace() {
    let incoming = extract(&[
        ("traceparent", &traceparent("01")),
        (
            "baggage",
            &format!("sentry-trace_id={TRACE_ID},sentry-environment=prod"),
        ),
    ]);
    assert_eq!(
        incoming.sampling_context.unwrap().get("environment"),
        Some("prod")
    );
}

#[test]
fn sampling_context_is_built_with_typed_setters() {
    let dsc = DynamicSamplingContext::new()
        .with_trace_id(TraceId::from(0x771a43a4192642f0b136d5159a501700))
        .with_public_key("key")
        .with_sample_rate(0.5)
        .with_sample_rand(0.25)
        .with_sampled(false)
        .with_release("1.0")
        .with_environment("prod")
        .with_transaction("GET /")
        .with_org_id("42")
        .with("replay_id", "r");
    let entries: Vec<(&str, &str)> = dsc.baggage_entries().collect();
    assert_eq!(
        entries,
        [
            ("sentry-trace_id", SENTRY_TRACE_ID),
            ("sentry-public_key", "key"),
            ("sentry-sample_rate", "0.5"),
            ("sentry-sample_rand", "0.25"),
            ("sentry-sampled", "false"),
            ("sentry-release", "1.0"),
            ("sentry-environment", "prod"),
            ("sentry-transaction", "GET /"),
            ("sentry-org_id", "42"),
            ("sentry-replay_id", "r"),
        ]
    );
    assert_eq!(
        dsc.with("environment", "staging").get("environment"),
        Some("staging")
    );
}

#[test]
fn sampling_context_typed_getters_reject_out_of_range_values() {
    let dsc = DynamicSamplingContext::new()
        .with("trace_id", "00000000000000000000000000000000")
        .with("sample_rate", "1.5")
        .with("sample_rand", "1")
        .with("sampled", "yes");
    assert_eq!(dsc.trace_id(), None);
    assert_eq!(dsc.sample_rate(), None);
    assert_eq!(dsc.sample_rand(), None);
    assert_eq!(dsc.sampled(), None);
}

#[test]
fn deferred_sentry_trace_ignores_sentry_sampled_of_another_trace() {
    let incoming = extract(&[
        ("sentry-trace", &sentry_trace("")),
        (
            "baggage",
            &format!("sentry-trace_id={TRACE_ID},sentry-sampled=true"),
        ),
    ]);
    let parent = incoming.parent.unwrap();
    assert_eq!(parent.sampled, None);
    assert!(incoming.sampling_context.is_none());
}

#[test]
fn sampling_context_is_read_whole_beside_a_full_third_party_baggage() {
    // 64 third-party members fill the W3C limits; Sentry's entries have their own.
    let third_party: Vec<String> = (0..64)
        .map(|i| format!("k{i}={}", "v".repeat(100)))
        .collect();
    let incoming = extract(&[
        ("sentry-trace", &sentry_trace("-1")),
        ("baggage", &third_party.join(",")),
        (
            "baggage",
            &format!("sentry-trace_id={SENTRY_TRACE_ID},sentry-public_key=pk,sentry-sample_rate=1"),
        ),
    ]);
    assert_eq!(incoming.baggage.len(), 64);
    let dsc = incoming.sampling_context.unwrap();
    assert_eq!(dsc.iter().count(), 3);
    assert_eq!(dsc.sample_rate(), Some(1.0));
}

#[test]
fn sampling_context_keeps_the_first_of_repeated_names_and_drops_invalid_members() {
    let dsc = DynamicSamplingContext::parse_lines(&[
        "sentry-release=1,sentry-release=2,sentry-bad=a b,sentry-environment=prod",
    ])
    .unwrap();
    let entries: Vec<(&str, &str)> = dsc.iter().collect();
    assert_eq!(entries, [("environment", "prod"), ("release", "1")]);
}

#[test]
fn out_of_range_sample_values_are_not_written() {
    let dsc = DynamicSamplingContext::new()
        .with_sample_rate(f64::NAN)
        .with_sample_rate(1.5)
        .with_sample_rand(1.0);
    assert!(dsc.is_empty());
}
