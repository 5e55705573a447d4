//! W3C Trace Context Level 2, `tracestate`: one test per rule of the specification text
//! (§3.3 Tracestate Header, §3.3.3.1 Limits, §3.5 Mutating the tracestate Field).

mod common;

use common::{TRACE_ID, extract, traceparent};
use opentelemetry::trace::TraceState;
use otel_sentry_core::TraceStateError;
use otel_sentry_core::codecs::{
    tracestate, tracestate::is_valid_key, tracestate::is_valid_value, tracestate::parse_lines,
};

/// The `tracestate` continued with a valid `traceparent` and `lines`.
fn continued(lines: &[&str]) -> TraceState {
    let parent = traceparent("00");
    let mut headers = vec![("traceparent", parent.as_str())];
    headers.extend(lines.iter().map(|line| ("tracestate", *line)));
    let incoming = extract(&headers);
    let parent = incoming
        .parent
        .expect("traceparent is continued")
        .span_context;
    assert_eq!(
        parent.trace_id().to_string(),
        TRACE_ID,
        "tracestate never affects traceparent"
    );
    parent.trace_state().clone()
}

fn members(state: &TraceState) -> Vec<(String, String)> {
    state
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
}

#[test]
fn tracestate_is_not_parsed_without_a_valid_traceparent() {
    let incoming = extract(&[("tracestate", "foo=1")]);
    assert!(incoming.parent.is_none());
    let incoming = extract(&[
        (
            "traceparent",
            "00-00000000000000000000000000000000-1234567890123456-01",
        ),
        ("tracestate", "foo=1"),
    ]);
    assert!(incoming.parent.is_none());
}

#[test]
fn invalid_tracestate_does_not_affect_traceparent() {
    // `continued` asserts the trace id is kept.
    assert_eq!(continued(&["FOO=1"]), TraceState::NONE);
}

/// The `tracestate` continued when `value` arrives under header `name`.
fn received_under(name: &str, value: &str) -> TraceState {
    let parent = traceparent("00");
    let incoming = extract(&[("traceparent", &parent), (name, value)]);
    incoming.parent.unwrap().span_context.trace_state().clone()
}

#[test]
fn header_name_is_matched_in_any_case() {
    for name in ["TraceState", "TrAcEsTaTe", "TRACESTATE"] {
        assert_eq!(
            received_under(name, "foo=1").get("foo"),
            Some("1"),
            "{name}"
        );
    }
}

#[test]
fn other_header_names_are_not_tracestate() {
    for name in ["trace-state", "trace.state"] {
        assert_eq!(received_under(name, "foo=1").get("foo"), None, "{name}");
    }
}

#[test]
fn multiple_lines_are_combined_in_order() {
    let state = continued(&["foo=1,bar=2", "rojo=1,congo=2", "baz=3"]);
    assert_eq!(state.header(), "foo=1,bar=2,rojo=1,congo=2,baz=3");
}

#[test]
fn empty_header_is_accepted() {
    assert_eq!(continued(&[""]), TraceState::NONE);
    assert_eq!(continued(&["foo=1", ""]).header(), "foo=1");
    assert_eq!(continued(&["", "foo=1"]).header(), "foo=1");
}

#[test]
fn empty_and_whitespace_only_members_are_allowed() {
    assert_eq!(continued(&["foo=1,, \t ,bar=2,"]).header(), "foo=1,bar=2");
}

#[test]
fn optional_whitespace_around_members_is_ignored() {
    for line in [
        "foo=1 \t , \t bar=2, \t baz=3",
        "foo=1\t \t,\t \tbar=2,\t \tbaz=3",
    ] {
        assert_eq!(continued(&[line]).header(), "foo=1,bar=2,baz=3", "{line:?}");
    }
    for line in [" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"] {
        assert_eq!(continued(&[line]).header(), "foo=1", "{line:?}");
    }
}

#[test]
fn thirty_two_members_are_accepted() {
    let all: Vec<String> = (1..=32).map(|i| format!("bar{i:02}={i:02}")).collect();
    let lines = [
        all[..10].join(","),
        all[10..20].join(","),
        all[20..30].join(","),
        all[30..].join(","),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let state = continued(&lines);
    assert_eq!(members(&state).len(), 32);
    assert_eq!(state.get("bar01"), Some("01"));
}

#[test]
fn more_than_thirty_two_members_discard_the_list() {
    let all: Vec<String> = (1..=33).map(|i| format!("bar{i:02}={i:02}")).collect();
    let lines = [
        all[..10].join(","),
        all[10..20].join(","),
        all[20..30].join(","),
        all[30..].join(","),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    assert_eq!(continued(&lines), TraceState::NONE);
    assert_eq!(parse_lines(&lines), Err(TraceStateError::TooManyMembers));
}

/// The W3C test suite's `test_tracestate_duplicated_keys`: the list is continued with the
/// key once (its first member), the rest of the list intact.
#[test]
fn repeated_key_keeps_its_first_member_and_the_rest_of_the_list() {
    for (lines, expected) in [
        (&["foo=1,foo=1"][..], "foo=1"),
        (&["foo=1,foo=2"], "foo=1"),
        (&["foo=1", "foo=1"], "foo=1"),
        (&["foo=1", "foo=2"], "foo=1"),
        (
            &["bar=0,foo=1,baz=2,foo=3", "qux=4"],
            "bar=0,foo=1,baz=2,qux=4",
        ),
    ] {
        assert_eq!(continued(lines).header(), expected, "{lines:?}");
        assert_eq!(
            parse_lines(lines).unwrap().trace_state.header(),
            expected,
            "{lines:?}"
        );
    }
}

#[test]
fn repeated_keys_do_not_count_toward_the_member_limit() {
    let mut list: Vec<String> = (0..32).map(|i| format!("k{i}=v")).collect();
    list.push("k0=again".to_owned());
    let lines: Vec<&str> = list.iter().map(String::as_str).collect();
    let kept = continued(&lines);
    assert_eq!(kept.get("k0"), Some("v"));
    assert_eq!(kept.header().split(',').count(), 32);
}

#[test]
fn member_without_equals_discards_the_list() {
    assert_eq!(
        parse_lines(&["foo=1,bar"]),
        Err(TraceStateError::MissingEquals { index: 1 })
    );
}

#[test]
fn key_allows_lowercase_letters_digits_and_underscore_dash_star_slash_at() {
    let key = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
    assert!(is_valid_key(key));
    assert_eq!(continued(&[&format!("{key}=1")]).get(key), Some("1"));
}

#[test]
fn key_begins_with_a_lowercase_letter_or_a_digit() {
    assert!(is_valid_key("a"));
    assert!(is_valid_key("0vendor"));
    for key in ["_a", "-a", "*a", "/a", "@a", "A", ""] {
        assert!(!is_valid_key(key), "{key:?}");
    }
}

#[test]
fn key_rejects_uppercase_whitespace_and_other_symbols() {
    for line in ["foo =1", "FOO=1", "foo.bar=1", "fOo=1", "foo\t=1"] {
        assert_eq!(continued(&[line]), TraceState::NONE, "{line:?}");
    }
    assert!(matches!(
        parse_lines(&["foo.bar=1"]),
        Err(TraceStateError::InvalidKey { index: 0 })
    ));
}

#[test]
fn key_has_at_most_256_characters() {
    let longest = "z".repeat(256);
    assert_eq!(
        continued(&["foo=1", &format!("{longest}=1")]).get("foo"),
        Some("1")
    );
    let too_long = "z".repeat(257);
    assert_eq!(
        continued(&["foo=1", &format!("{too_long}=1")]),
        TraceState::NONE
    );
}

#[test]
fn tenant_at_system_keys_are_accepted() {
    let key = "abcdefghijklmnopqrstuvwxyz0123456789_-*/@a-z0-9_-*/";
    assert!(is_valid_key(key));
    let state = continued(&["fw529a3039@dt=1", &format!("{key}=2")]);
    assert_eq!(state.get("fw529a3039@dt"), Some("1"));
    assert_eq!(state.get(key), Some("2"));
}

#[test]
fn at_sign_may_appear_anywhere_after_the_first_character() {
    let long_tenant = format!("{}@{}", "t".repeat(241), "v".repeat(14));
    let long_system = format!("t@{}", "v".repeat(15));
    for key in [
        "foo@",
        "foo@@bar",
        "foo@bar@baz",
        "foo@_bar",
        &long_tenant,
        &long_system,
    ] {
        assert!(is_valid_key(key), "{key}");
        let received = parse_lines(&[&format!("{key}=1,bar=2")]).unwrap();
        let all: Vec<(&str, &str)> = match &received.all_members {
            Some(all) => all.iter().collect(),
            None => received.trace_state.into_iter().collect(),
        };
        assert_eq!(all, [(key, "1"), ("bar", "2")], "{key}");
    }
    assert!(!is_valid_key("@foo"));
}

#[test]
fn keys_opentelemetry_refuses_are_still_sent_on_in_place() {
    // OpenTelemetry 0.33's TraceState refuses two `@` and a system part of 14 characters
    // or more; the span carries the rest and the whole list is sent on.
    let odd = format!("t@{}", "v".repeat(15));
    let received = parse_lines(&[&format!("foo@@bar=1,bar=2,{odd}=3")]).unwrap();
    assert_eq!(received.trace_state.header(), "bar=2");
    let all = received.all_members.as_ref().unwrap();
    let send = |state: &TraceState, ours: &[(&str, &str)]| {
        tracestate::header_value(state, Some(all), ours).unwrap()
    };

    assert_eq!(
        send(&received.trace_state, &[]),
        format!("foo@@bar=1,bar=2,{odd}=3")
    );
    assert_eq!(
        send(&received.trace_state, &[("bar", "9")]),
        format!("bar=9,foo@@bar=1,{odd}=3")
    );
    let added = received.trace_state.insert("new", "x").unwrap();
    assert_eq!(send(&added, &[]), format!("new=x,foo@@bar=1,bar=2,{odd}=3"));
    let changed = received.trace_state.insert("bar", "7").unwrap();
    assert_eq!(send(&changed, &[]), format!("bar=7,foo@@bar=1,{odd}=3"));
    let deleted = received.trace_state.delete("bar").unwrap();
    assert_eq!(send(&deleted, &[]), format!("foo@@bar=1,{odd}=3"));
}

#[test]
fn value_allows_printable_ascii_except_comma_and_equals() {
    let value: String = (0x20u8..=0x7e)
        .filter(|b| *b != b',' && *b != b'=')
        .map(char::from)
        .collect();
    assert!(is_valid_value(&value));
    let state = continued(&[&format!("foo={value}")]);
    assert_eq!(
        state.get("foo"),
        Some(value.as_str()),
        "a leading space is part of the value"
    );
}

#[test]
fn value_rejects_equals_controls_and_non_ascii() {
    for value in ["bar=baz", "a\tb", "caf\u{e9}", "a\u{7f}"] {
        assert!(!is_valid_value(value), "{value:?}");
    }
    assert_eq!(continued(&["foo=bar=baz"]), TraceState::NONE);
}

#[test]
fn value_is_not_empty() {
    assert!(!is_valid_value(""));
    assert_eq!(continued(&["foo=,bar=3"]), TraceState::NONE);
}

#[test]
fn value_does_not_end_with_a_space() {
    assert!(!is_valid_value("bar "));
    assert!(is_valid_value(" bar"));
    // Trailing spaces of a member are optional whitespace, not part of the value.
    assert_eq!(continued(&["foo=bar   "]).get("foo"), Some("bar"));
}

#[test]
fn value_has_at_most_256_characters() {
    assert!(is_valid_value(&"v".repeat(256)));
    assert!(!is_valid_value(&"v".repeat(257)));
    assert_eq!(
        continued(&[&format!("foo={}", "v".repeat(257))]),
        TraceState::NONE
    );
}

#[test]
fn our_members_go_first_when_propagating() {
    let received = continued(&["rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"]);
    let sent = tracestate::header_value(&received, None, &[("ours", "1")]);
    assert_eq!(
        sent.as_deref(),
        Some("ours=1,rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
    );
}

#[test]
fn modified_key_moves_to_the_left() {
    let received = continued(&["rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"]);
    let sent = tracestate::header_value(&received, None, &[("congo", "ucfJifl5GOE")]);
    assert_eq!(
        sent.as_deref(),
        Some("congo=ucfJifl5GOE,rojo=00f067aa0ba902b7")
    );
}

#[test]
fn empty_tracestate_is_not_sent() {
    assert_eq!(tracestate::header_value(&TraceState::NONE, None, &[]), None);
}

#[test]
fn at_most_thirty_two_members_are_sent() {
    let received = TraceState::from_key_value((1..=32).map(|i| (format!("k{i}"), "v"))).unwrap();
    let sent = tracestate::header_value(&received, None, &[("ours", "1")]).unwrap();
    assert_eq!(sent.split(',').count(), 32);
    assert!(sent.starts_with("ours=1,k1=v"));
    assert!(!sent.contains("k32="), "the rightmost member makes room");
}

#[test]
fn a_key_is_never_sent_twice() {
    // OpenTelemetry's TraceState does not check for repeated keys.
    let received = TraceState::from_key_value([("a", "1"), ("b", "2"), ("a", "3")]).unwrap();
    assert_eq!(
        tracestate::header_value(&received, None, &[]).as_deref(),
        Some("a=1,b=2")
    );
}

#[test]
fn members_outside_the_grammar_are_not_sent() {
    // OpenTelemetry's TraceState takes values the W3C grammar forbids (a tab, a trailing space).
    let received =
        TraceState::from_key_value([("good", "1"), ("tab", "a\tb"), ("space", "b ")]).unwrap();
    assert_eq!(
        tracestate::header_value(&received, None, &[]).as_deref(),
        Some("good=1")
    );
}

/// `count` members of `len` characters each (`kNN=vvv…`).
fn members_of_len(count: usize, len: usize) -> Vec<(String, String)> {
    (0..count)
        .map(|i| (format!("k{i:02}"), "v".repeat(len - 4)))
        .collect()
}

#[test]
fn at_least_512_characters_are_propagated() {
    // 8 members of 63 characters and 7 commas: exactly 511; one more character fits.
    let mut members = members_of_len(8, 63);
    members[0].1.push('v');
    let received = TraceState::from_key_value(members).unwrap();
    let sent = tracestate::header_value(&received, None, &[]).unwrap();
    assert_eq!(sent.len(), 512);
}

#[test]
fn truncation_removes_whole_members_longer_than_128_first() {
    let mut members = members_of_len(4, 100);
    members.insert(1, ("long".to_owned(), "x".repeat(200)));
    let received = TraceState::from_key_value(members).unwrap();
    let sent = tracestate::header_value(&received, None, &[]).unwrap();
    assert!(sent.len() <= 512);
    assert!(!sent.contains("long="));
    assert_eq!(
        sent.split(',').count(),
        4,
        "the short members all fit once the long one is gone"
    );
}

#[test]
fn truncation_removes_only_as_many_long_members_as_needed_rightmost_first() {
    // 2 long members of 200 and 2 short of 50: 503 characters, fits.
    let members = vec![
        ("long1".to_owned(), "x".repeat(194)),
        ("s1".to_owned(), "y".repeat(47)),
        ("long2".to_owned(), "x".repeat(194)),
        ("s2".to_owned(), "y".repeat(47)),
    ];
    let fits = TraceState::from_key_value(members.clone()).unwrap();
    assert_eq!(
        tracestate::header_value(&fits, None, &[]).unwrap().len(),
        503
    );
    // One more short member of 50 makes 554: dropping the rightmost long member suffices.
    let mut over = members;
    over.push(("s3".to_owned(), "y".repeat(47)));
    let sent =
        tracestate::header_value(&TraceState::from_key_value(over).unwrap(), None, &[]).unwrap();
    assert!(
        sent.starts_with("long1=")
            && !sent.contains("long2=")
            && sent.ends_with(&format!("s3={}", "y".repeat(47)))
    );
}

#[test]
fn truncation_then_removes_members_from_the_end() {
    let received = TraceState::from_key_value(members_of_len(10, 100)).unwrap();
    let sent = tracestate::header_value(&received, None, &[]).unwrap();
    // 5 members of 100 and 4 commas: 504; a sixth would exceed 512.
    assert_eq!(sent.len(), 504);
    assert!(sent.starts_with("k00=") && sent.contains("k04=") && !sent.contains("k05="));
}
