//! `traceparent`: any bytes, as one value or as several header lines, never panic; what
//! parses re-encodes as version 00 and parses back to the same ids and flags.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opentelemetry::trace::{SpanId, TraceId};
use otel_sentry_core::Traceparent;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for line in std::iter::once(text.as_ref()).chain(text.split('\n')) {
        if let Ok(parsed) = Traceparent::parse(line) {
            assert_ne!(parsed.trace_id(), TraceId::INVALID);
            assert_ne!(parsed.parent_id(), SpanId::INVALID);
            let encoded = parsed.to_string();
            assert!(encoded.starts_with("00-") && encoded.len() == 55);
            assert_eq!(Traceparent::parse(&encoded), Ok(parsed));
        }
    }
});
