//! W3C Trace Context Level 2, `traceparent`: one test per rule of the specification text
//! (§3.2 Traceparent Header, §3.2.4 Versioning, §3.4 Mutating the traceparent Field).

mod common;

use common::{PARENT_ID, TRACE_ID, continued_trace_id, extract, traceparent};
use opentelemetry::trace::{SpanId, TraceFlags, TraceId};
use otel_sentry_core::{RANDOM_TRACE_ID_FLAG, Traceparent, TraceparentError};

fn parse(value: &str) -> Result<Traceparent, TraceparentError> {
    Traceparent::parse(value)
}

#[test]
fn version_00_value_is_trace_id_parent_id_and_flags() {
    let parsed = parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    assert_eq!(
        parsed.trace_id(),
        TraceId::from(0x4bf92f3577b34da6a3ce929d0e0e4736)
    );
    assert_eq!(parsed.parent_id(), SpanId::from(0x00f067aa0ba902b7));
    assert!(parsed.trace_flags().is_sampled());
}

#[test]
fn header_name_is_matched_in_any_case() {
    for name in ["traceparent", "TraceParent", "TrAcEpArEnT", "TRACEPARENT"] {
        assert_eq!(
            continued_trace_id(&[(name, &traceparent("01"))]).as_deref(),
            Some(TRACE_ID),
            "{name}"
        );
    }
}

#[test]
fn other_header_names_are_not_traceparent() {
    for name in ["trace-parent", "trace.parent"] {
        assert_eq!(
            continued_trace_id(&[(name, &traceparent("01"))]),
            None,
            "{name}"
        );
    }
}

#[test]
fn version_ff_is_forbidden() {
    assert_eq!(
        parse(&format!("ff-{TRACE_ID}-{PARENT_ID}-01")),
        Err(TraceparentError::ForbiddenVersion)
    );
}

#[test]
fn version_must_be_two_lowercase_hex_digits_followed_by_a_dash() {
    for version in [".0", "0.", "000", "0000", "0", "0A", "A0", "+0"] {
        assert_eq!(
            parse(&format!("{version}-{TRACE_ID}-{PARENT_ID}-01")),
            Err(TraceparentError::MalformedVersion),
            "{version}"
        );
    }
}

#[test]
fn version_00_allows_nothing_after_the_flags() {
    for trailer in [".", "-what-the-future-will-be-like", "-", "0"] {
        assert_eq!(
            parse(&format!("{}{trailer}", traceparent("01"))),
            Err(TraceparentError::TrailingData),
            "{trailer}"
        );
    }
}

#[test]
fn higher_version_is_parsed_for_its_first_four_fields() {
    for trailer in ["", "-what-the-future-will-be-like", "-"] {
        let parsed = parse(&format!("cc-{TRACE_ID}-{PARENT_ID}-03{trailer}")).unwrap();
        assert_eq!(parsed.trace_id().to_string(), TRACE_ID, "{trailer}");
        assert_eq!(parsed.parent_id().to_string(), PARENT_ID, "{trailer}");
        assert_eq!(parsed.trace_flags(), TraceFlags::new(0x03), "{trailer}");
    }
}

#[test]
fn higher_version_ids_follow_the_same_rules() {
    let zero_trace = "0".repeat(32);
    assert_eq!(
        parse(&format!("cc-{zero_trace}-{PARENT_ID}-01-x")),
        Err(TraceparentError::ZeroTraceId)
    );
    assert_eq!(
        parse(&format!("cc-{TRACE_ID}-0000000000000000-01-x")),
        Err(TraceparentError::ZeroParentId)
    );
    assert_eq!(
        parse(&format!(
            "cc-{}-{PARENT_ID}-01-x",
            TRACE_ID.to_uppercase().replace('1', "A")
        )),
        Err(TraceparentError::MalformedTraceId)
    );
}

#[test]
fn a_traceparent_is_never_built_with_zero_ids() {
    let trace_id = TraceId::from(1);
    let span_id = SpanId::from(1);
    assert!(Traceparent::new(TraceId::INVALID, span_id, TraceFlags::SAMPLED).is_none());
    assert!(Traceparent::new(trace_id, SpanId::INVALID, TraceFlags::SAMPLED).is_none());
    assert!(Traceparent::new(trace_id, span_id, TraceFlags::SAMPLED).is_some());
}

#[test]
fn higher_version_flags_must_be_followed_by_a_dash_or_the_end() {
    assert_eq!(
        parse(&format!(
            "cc-{TRACE_ID}-{PARENT_ID}-01.what-the-future-will-be-like"
        )),
        Err(TraceparentError::UnterminatedFlags)
    );
}

#[test]
fn higher_version_shorter_than_55_characters_is_not_parsed() {
    let short = format!("cc-{TRACE_ID}-{PARENT_ID}-1");
    assert_eq!(short.len(), 54);
    assert_eq!(parse(&short), Err(TraceparentError::TooShort { len: 54 }));
}

#[test]
fn higher_version_is_sent_on_as_version_00() {
    let parsed = parse(&format!("cc-{TRACE_ID}-{PARENT_ID}-01-future")).unwrap();
    assert_eq!(parsed.to_string(), traceparent("01"));
}

#[test]
fn trace_id_is_32_lowercase_hex_digits() {
    let cases = [
        ".2345678901234567890123456789012",
        "1234567890123456789012345678901.",
        "ABCDEF78901234567890123456789012",
        "1234567890123456789012345678901g",
    ];
    for trace_id in cases {
        assert_eq!(
            parse(&format!("00-{trace_id}-{PARENT_ID}-01")),
            Err(TraceparentError::MalformedTraceId),
            "{trace_id}"
        );
    }
    // One digit too many or too few shifts the dashes.
    assert!(parse(&format!("00-{TRACE_ID}3-{PARENT_ID}-01")).is_err());
    assert!(parse(&format!("00-{}-{PARENT_ID}-01", &TRACE_ID[1..])).is_err());
}

#[test]
fn trace_id_of_all_zeros_is_invalid() {
    assert_eq!(
        parse(&format!(
            "00-00000000000000000000000000000000-{PARENT_ID}-01"
        )),
        Err(TraceparentError::ZeroTraceId)
    );
}

#[test]
fn parent_id_is_16_lowercase_hex_digits() {
    for parent_id in [".234567890123456", "123456789012345.", "123456789012345F"] {
        assert_eq!(
            parse(&format!("00-{TRACE_ID}-{parent_id}-01")),
            Err(TraceparentError::MalformedParentId),
            "{parent_id}"
        );
    }
    assert!(parse(&format!("00-{TRACE_ID}-{PARENT_ID}7-01")).is_err());
    assert!(parse(&format!("00-{TRACE_ID}-{}-01", &PARENT_ID[1..])).is_err());
}

#[test]
fn parent_id_of_all_zeros_is_invalid() {
    assert_eq!(
        parse(&format!("00-{TRACE_ID}-0000000000000000-01")),
        Err(TraceparentError::ZeroParentId)
    );
}

#[test]
fn trace_flags_are_two_lowercase_hex_digits() {
    for flags in [".0", "0.", "0A"] {
        assert_eq!(
            parse(&traceparent(flags)),
            Err(TraceparentError::MalformedFlags),
            "{flags}"
        );
    }
    assert_eq!(
        parse(&traceparent("001")),
        Err(TraceparentError::TrailingData)
    );
    assert_eq!(
        parse(&traceparent("1")),
        Err(TraceparentError::TooShort { len: 54 })
    );
}

#[test]
fn sampled_flag_is_the_least_significant_bit() {
    assert!(
        parse(&traceparent("01"))
            .unwrap()
            .trace_flags()
            .is_sampled()
    );
    assert!(
        parse(&traceparent("09"))
            .unwrap()
            .trace_flags()
            .is_sampled()
    );
    assert!(
        !parse(&traceparent("02"))
            .unwrap()
            .trace_flags()
            .is_sampled()
    );
}

#[test]
fn random_flag_is_the_second_least_significant_bit() {
    let flags = parse(&traceparent("03")).unwrap().trace_flags();
    assert_eq!(flags & RANDOM_TRACE_ID_FLAG, RANDOM_TRACE_ID_FLAG);
    let flags = parse(&traceparent("01")).unwrap().trace_flags();
    assert_eq!(flags & RANDOM_TRACE_ID_FLAG, TraceFlags::default());
}

#[test]
fn every_flag_bit_is_kept_on_receipt() {
    for flags in ["00", "02", "03", "09", "ff"] {
        let parsed = parse(&traceparent(flags)).unwrap();
        assert_eq!(format!("{:02x}", parsed.trace_flags().to_u8()), flags);
        assert_eq!(parsed.to_string(), traceparent(flags));
    }
}

#[test]
fn optional_whitespace_around_the_value_is_ignored() {
    for padded in [" {}", "\t{}", "{} ", "{}\t", "\t {} \t"] {
        let value = padded.replace("{}", &traceparent("01"));
        assert_eq!(
            continued_trace_id(&[("traceparent", &value)]).as_deref(),
            Some(TRACE_ID),
            "{value:?}"
        );
    }
}

#[test]
fn two_traceparent_lines_make_the_context_invalid() {
    let first = format!("00-12345678901234567890123456789011-{PARENT_ID}-01");
    let lines = [
        ("traceparent", first.as_str()),
        ("traceparent", &traceparent("01")),
    ];
    assert_eq!(continued_trace_id(&lines), None);
    // Even two identical lines: the header is defined as a single field.
    let same = [
        ("traceparent", &*traceparent("01")),
        ("traceparent", &*traceparent("01")),
    ];
    assert_eq!(continued_trace_id(&same), None);
}

#[test]
fn invalid_traceparent_starts_a_new_trace() {
    let incoming = extract(&[("traceparent", "00-not-a-traceparent-01")]);
    assert!(incoming.parent.is_none());
}

#[test]
fn continued_parent_is_remote() {
    let parent = extract(&[("traceparent", &traceparent("01"))])
        .parent
        .unwrap()
        .span_context;
    assert!(parent.is_remote());
    assert!(parent.is_valid());
}
