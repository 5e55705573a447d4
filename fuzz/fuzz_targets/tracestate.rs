//! `tracestate`: any bytes, split into header lines at `\n`, never panic; a list that
//! parses holds at most 32 valid, distinct members (all of them sent on, including keys
//! OpenTelemetry's `TraceState` refuses), and is sent within 512 characters as an
//! order-preserving subset that parses back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otel_sentry_core::tracestate::{self, ReceivedTraceState};

fn members(received: &ReceivedTraceState) -> Vec<(String, String)> {
    let all: Vec<(&str, &str)> = match &received.all_members {
        Some(all) => all.iter().collect(),
        None => received.trace_state.into_iter().collect(),
    };
    all.into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.split('\n').collect();
    let Ok(parsed) = tracestate::parse_lines(&lines) else {
        return;
    };
    let received = members(&parsed);
    assert!(received.len() <= tracestate::MAX_MEMBERS);
    for (i, (key, value)) in received.iter().enumerate() {
        assert!(tracestate::is_valid_key(key) && tracestate::is_valid_value(value));
        assert!(received[..i].iter().all(|(seen, _)| seen != key));
    }
    let Some(sent) =
        tracestate::header_value(&parsed.trace_state, parsed.all_members.as_ref(), &[])
    else {
        assert!(received.is_empty());
        return;
    };
    assert!(sent.len() <= tracestate::MAX_PROPAGATED_LEN);
    let resent = members(&tracestate::parse_lines(&[&sent]).expect("what we send parses"));
    let mut rest = received.iter();
    for member in &resent {
        assert!(
            rest.any(|candidate| candidate == member),
            "sent members keep their order"
        );
    }
});
