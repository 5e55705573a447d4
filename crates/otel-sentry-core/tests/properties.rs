//! Property tests: what is written parses back to the same thing, and no input, however
//! hostile, panics or escapes the limits.

use std::collections::HashSet;

use opentelemetry::propagation::Extractor;
use opentelemetry::trace::{SpanId, TraceFlags, TraceId, TraceState};
use otel_sentry_core::codecs::{baggage, baggage::MAX_BYTES, baggage::MAX_MEMBERS};
use otel_sentry_core::codecs::{tracestate, tracestate::MAX_PROPAGATED_LEN};
use otel_sentry_core::{IncomingTrace, ReceivedTraceState, SentryTrace, Traceparent};
use proptest::collection::{hash_map, vec};
use proptest::prelude::*;

/// A carrier holding arbitrary header lines, any bytes in names and values.
struct Lines(Vec<(String, String)>);

impl Extractor for Lines {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| value.as_str())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(name, _)| name.as_str()).collect()
    }
    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let all: Vec<&str> = self
            .0
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| value.as_str())
            .collect();
        (!all.is_empty()).then_some(all)
    }
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("traceparent".to_owned()),
        Just("TraceParent".to_owned()),
        Just("tracestate".to_owned()),
        Just("baggage".to_owned()),
        Just("sentry-trace".to_owned()),
        ".{0,12}",
    ]
}

/// Values near the grammar (mutated valid headers) and far from it (any text).
fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-f]{2}-[0-9a-fA-F]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-.{0,8})?",
        "[0-9a-f]{32}-[0-9a-f]{16}(-[01])?",
        "([a-z0-9@_*/-]{1,8}=[ -~]{0,8}[ ,\t]{0,2}){0,40}",
        "([!-~]{1,8}[ \t]*=[ \t]*[!-~%]{0,8}(;[!-~ ]{0,6}){0,2}[ ,]{0,2}){0,80}",
        any::<String>(),
        vec(any::<u8>(), 0..300).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ]
}

fn tracestate_key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9][a-z0-9_*/-]{0,15}",
        "[a-z0-9][a-z0-9_*/-]{0,8}@[a-z][a-z0-9_*/-]{0,12}"
    ]
}

fn tracestate_value() -> impl Strategy<Value = String> {
    "[\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,30}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]"
}

fn members(state: &TraceState) -> Vec<(String, String)> {
    state
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
}

/// Every member received, whether or not the span's `TraceState` could hold it.
fn received_members(received: &ReceivedTraceState) -> Vec<(String, String)> {
    match &received.all_members {
        Some(all) => all
            .iter()
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect(),
        None => members(&received.trace_state),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn traceparent_round_trips(trace_id in 1u128.., span_id in 1u64.., flags in any::<u8>()) {
        let written =
            Traceparent::new(TraceId::from(trace_id), SpanId::from(span_id), TraceFlags::new(flags)).unwrap();
        prop_assert_eq!(Traceparent::parse(&written.to_string()), Ok(written));
        prop_assert_eq!(written.header_value(), written.to_string());
    }

    #[test]
    fn sentry_trace_round_trips(trace_id in 1u128.., span_id in 1u64.., sampled in any::<Option<bool>>()) {
        let written = SentryTrace::new(TraceId::from(trace_id), SpanId::from(span_id), sampled).unwrap();
        prop_assert_eq!(SentryTrace::parse(&written.to_string()), Ok(written));
    }

    #[test]
    fn any_text_parses_to_a_valid_traceparent_or_an_error(value in header_value()) {
        if let Ok(parsed) = Traceparent::parse(&value) {
            prop_assert_ne!(parsed.trace_id(), TraceId::INVALID);
            prop_assert_ne!(parsed.parent_id(), SpanId::INVALID);
            prop_assert_eq!(Traceparent::parse(&parsed.to_string()), Ok(parsed));
        }
        if let Ok(parsed) = SentryTrace::parse(&value) {
            prop_assert_eq!(SentryTrace::parse(&parsed.to_string()), Ok(parsed));
        }
    }

    #[test]
    fn tracestate_round_trips_across_any_line_split(
        entries in hash_map(tracestate_key(), tracestate_value(), 0..=32),
        cuts in vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let state = TraceState::from_key_value(entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        let Some(header) = tracestate::header_value(&state, None, &[]) else {
            prop_assert!(entries.is_empty());
            return Ok(());
        };
        prop_assert!(header.len() <= MAX_PROPAGATED_LEN);
        // Split the header into lines at member boundaries.
        let sent: Vec<&str> = header.split(',').collect();
        let mut boundaries: Vec<usize> = cuts.iter().map(|cut| cut.index(sent.len())).collect();
        boundaries.sort_unstable();
        boundaries.dedup();
        let mut lines = Vec::new();
        let mut start = 0;
        for end in boundaries.into_iter().chain([sent.len()]) {
            lines.push(sent[start..end].join(","));
            start = end;
        }
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let parsed = received_members(&tracestate::parse_lines(&lines).unwrap());
        // What was sent is an order-preserving subset; everything when it fits.
        let all = members(&state);
        let mut rest = all.iter();
        for member in &parsed {
            prop_assert!(rest.any(|candidate| candidate == member));
        }
        let full_len = all.iter().map(|(k, v)| k.len() + v.len() + 2).sum::<usize>().saturating_sub(1);
        if full_len <= MAX_PROPAGATED_LEN {
            prop_assert_eq!(parsed, all);
        }
    }

    #[test]
    fn any_tracestate_lines_parse_to_a_valid_list_or_an_error(lines in vec(header_value(), 0..6)) {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        if let Ok(received) = tracestate::parse_lines(&lines) {
            let parsed = received_members(&received);
            // The span carries the members OpenTelemetry accepts, in the same order.
            let mut all = parsed.iter();
            for member in members(&received.trace_state) {
                prop_assert!(all.any(|candidate| *candidate == member));
            }
            prop_assert!(parsed.len() <= 32);
            let keys: HashSet<&str> = parsed.iter().map(|(k, _)| k.as_str()).collect();
            prop_assert_eq!(keys.len(), parsed.len());
            for (key, value) in &parsed {
                prop_assert!(tracestate::is_valid_key(key) && tracestate::is_valid_value(value));
            }
        }
    }

    #[test]
    fn baggage_round_trips(
        entries in hash_map(
            "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}",
            (any::<String>(), prop_oneof![Just(String::new()), "[a-z]{1,4}(=[!#$&-+\\--:<-\\[\\]-~]{0,6})?(;[a-z]{1,4})?"]),
            0..20,
        ),
    ) {
        let entries: Vec<(&str, &str, &str)> = entries
            .iter()
            .map(|(key, (value, properties))| (key.as_str(), value.as_str(), properties.as_str()))
            .filter(|(key, _, _)| !key.starts_with("sentry-"))
            .collect();
        let header = baggage::header_value(entries.iter().copied());
        let parsed = baggage::parse_lines(&header.iter().map(String::as_str).collect::<Vec<_>>());
        let sent_len = header.as_ref().map_or(0, String::len);
        prop_assert!(sent_len <= MAX_BYTES);
        for (key, value, properties) in &entries {
            match parsed.get_with_metadata(*key) {
                Some((got_value, got_metadata)) => {
                    prop_assert_eq!(got_value.as_str(), *value);
                    prop_assert_eq!(got_metadata.as_str(), *properties);
                }
                // Left out only when it could not fit beside what was sent.
                None => {
                    let alone = baggage::header_value([(*key, *value, *properties)]).unwrap();
                    prop_assert!(sent_len + 1 + alone.len() > MAX_BYTES || parsed.len() == MAX_MEMBERS);
                }
            }
        }
    }

    #[test]
    fn any_baggage_lines_stay_within_the_limits(lines in vec(header_value(), 0..6)) {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let parsed = baggage::parse_lines(&lines);
        prop_assert!(parsed.len() <= MAX_MEMBERS);
        let resent = baggage::header_value(
            parsed.iter().map(|(k, (v, m))| (k.as_str(), v.as_str(), m.as_str())),
        );
        if let Some(resent) = resent {
            prop_assert!(resent.len() <= MAX_BYTES);
            // Re-encoding can grow a value (U+FFFD takes nine bytes), so some members may
            // be left out; those sent are unchanged.
            for (key, entry) in baggage::parse_lines(&[&resent]).iter() {
                prop_assert_eq!(parsed.get_with_metadata(key.as_str()), Some(entry));
            }
        }
    }

    #[test]
    fn any_header_line_set_extracts_without_panicking(
        lines in vec((header_name(), header_value()), 0..12),
    ) {
        let incoming = IncomingTrace::extract(&Lines(lines));
        if let Some(parent) = &incoming.parent {
            prop_assert!(parent.span_context.is_valid() && parent.span_context.is_remote());
        }
        prop_assert!(incoming.baggage.len() <= MAX_MEMBERS);
        if incoming.sampling_context.is_some() {
            prop_assert!(incoming.parent.is_some());
        }
    }

    #[test]
    fn any_bytes_never_panic(bytes in vec(any::<u8>(), 0..600)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Traceparent::parse(&text);
        let _ = SentryTrace::parse(&text);
        let _ = tracestate::parse_lines(&[&text]);
        let _ = baggage::parse_lines(&[&text]);
        if let Ok(value) = http::HeaderValue::from_bytes(&bytes) {
            let mut map = http::HeaderMap::new();
            for name in ["traceparent", "tracestate", "baggage", "sentry-trace"] {
                map.append(name, value.clone());
            }
            let _ = IncomingTrace::extract(&opentelemetry_http::HeaderExtractor(&map));
        }
    }
}
