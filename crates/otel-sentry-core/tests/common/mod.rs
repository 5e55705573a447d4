//! Carriers for the specification tests: real `http::HeaderMap`s read through
//! opentelemetry-http's extractor, which reports every line of a header.
#![allow(dead_code)]

use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry_http::HeaderExtractor;
use otel_sentry_core::IncomingTrace;

/// The trace id and parent id the W3C test suite uses.
pub const TRACE_ID: &str = "12345678901234567890123456789012";
pub const PARENT_ID: &str = "1234567890123456";

/// A header map holding `lines` in order; names may use any case.
pub fn headers(lines: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in lines {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("test header name");
        let value = HeaderValue::from_str(value).expect("test header value");
        map.append(name, value);
    }
    map
}

/// What the codecs read from `lines`.
pub fn extract(lines: &[(&str, &str)]) -> IncomingTrace {
    IncomingTrace::extract(&HeaderExtractor(&headers(lines)))
}

/// `traceparent: 00-{TRACE_ID}-{PARENT_ID}-{flags}`.
pub fn traceparent(flags: &str) -> String {
    format!("00-{TRACE_ID}-{PARENT_ID}-{flags}")
}

/// The trace id continued from `lines`, or `None` when a new trace would start.
pub fn continued_trace_id(lines: &[(&str, &str)]) -> Option<String> {
    extract(lines)
        .parent
        .map(|parent| parent.span_context.trace_id().to_string())
}
