//! [`HeaderCarrier`]: a framework's header map as the core's carrier, read in place, every
//! header line reported and none skipped.
//!
//! opentelemetry-http's extractor silently skips lines that are not visible ASCII, which
//! would hide a second `traceparent` line. Here such a line is reported as U+FFFD, which
//! no codec accepts: a duplicated or garbled header stays invalid.

use opentelemetry::propagation::Extractor;

use crate::http::request_headers::RequestHeaders;

/// What a line that is not visible ASCII reads as.
const UNREADABLE: &str = "\u{fffd}";

/// A header map the core can read: what [`HeaderCarrier`] needs of it. Implemented here for
/// `http::HeaderMap` (http 1.x); an adapter whose framework has its own map implements it
/// on a newtype of it.
pub trait ReadHeaders {
    /// Every line of header `name` (compared as the map compares names), in order.
    fn lines_named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]>;

    /// Every header name, once each.
    fn names(&self) -> impl Iterator<Item = &str>;

    /// Every header line in order: the name in lowercase and the value as received.
    fn lines(&self) -> impl Iterator<Item = (&str, &[u8])>;
}

impl ReadHeaders for http::HeaderMap {
    fn lines_named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> {
        self.get_all(name)
            .into_iter()
            .map(http::HeaderValue::as_bytes)
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.keys().map(http::HeaderName::as_str)
    }

    fn lines(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
    }
}

/// Reads a request's headers for the core: an [`Extractor`] and [`RequestHeaders`].
///
/// ```
/// use otel_sentry_core::adapter::{HeaderCarrier, RequestHeaders};
///
/// let mut headers = http::HeaderMap::new();
/// headers.append("traceparent", "00-771a43a4192642f0b136d5159a501700-a1b2c3d4e5f60718-01".parse().unwrap());
/// let carrier = HeaderCarrier(&headers);
/// let mut lines = 0;
/// carrier.visit_lines(&mut |_name, _value| lines += 1);
/// assert_eq!(lines, 1);
/// ```
#[derive(Debug)]
pub struct HeaderCarrier<'a, H: ?Sized>(pub &'a H);

impl<H: ReadHeaders + ?Sized> Extractor for HeaderCarrier<'_, H> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.lines_named(key).next().map(readable)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.names().collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let mut values = self.0.lines_named(key).peekable();
        values.peek()?;
        Some(values.map(readable).collect())
    }
}

impl<H: ReadHeaders + ?Sized> RequestHeaders for HeaderCarrier<'_, H> {
    fn visit_lines<'b>(&'b self, visit: &mut dyn FnMut(&'b str, &'b [u8])) {
        for (name, value) in self.0.lines() {
            visit(name, value);
        }
    }
}

/// The line as text when it is visible ASCII (what `HeaderValue::to_str` accepts), else
/// [`UNREADABLE`].
fn readable(line: &[u8]) -> &str {
    let visible = line
        .iter()
        .all(|&byte| byte == b'\t' || (32..127).contains(&byte));
    match std::str::from_utf8(line) {
        Ok(text) if visible => text,
        _ => UNREADABLE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_that_is_not_visible_ascii_reads_as_unreadable() {
        let mut headers = http::HeaderMap::new();
        headers.append("traceparent", http::HeaderValue::from_static("a"));
        headers.append(
            "traceparent",
            http::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
        );
        let carrier = HeaderCarrier(&headers);
        assert_eq!(carrier.get_all("traceparent"), Some(vec!["a", UNREADABLE]));
        assert_eq!(carrier.get("TraceParent"), Some("a"));
        assert_eq!(carrier.get_all("baggage"), None);
    }
}
