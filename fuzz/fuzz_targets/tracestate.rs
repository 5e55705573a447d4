//! `tracestate`: any bytes, split into header lines at `\n`, never panic; a list that
//! parses holds at most 32 valid, distinct members, and is sent within 512 characters as
//! an order-preserving subset that parses back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opentelemetry::trace::TraceState;
use otel_sentry_core::tracestate;

fn members(state: &TraceState) -> Vec<(String, String)> {
    state.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.split('\n').collect();
    let Ok(state) = tracestate::parse_lines(&lines) else { return };
    let received = members(&state);
    assert!(received.len() <= tracestate::MAX_MEMBERS);
    for (i, (key, value)) in received.iter().enumerate() {
        assert!(tracestate::is_valid_key(key) && tracestate::is_valid_value(value));
        assert!(received[..i].iter().all(|(seen, _)| seen != key));
    }
    let Some(sent) = tracestate::header_value(&state, &[]) else {
        assert!(received.is_empty());
        return;
    };
    assert!(sent.len() <= tracestate::MAX_PROPAGATED_LEN);
    let resent = members(&tracestate::parse_lines(&[&sent]).expect("what we send parses"));
    let mut rest = received.iter();
    for member in &resent {
        assert!(rest.any(|candidate| candidate == member), "sent members keep their order");
    }
});
