//! actix-web's own header map (on `http` 0.2) as the core's carrier, read in place:
//! every header line reported, none skipped.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::propagation::{Extractor, Injector};
use otel_sentry_core::adapter::RequestHeaders;

/// What a line that is not visible ASCII reads as: no codec accepts it, so a garbled
/// second `traceparent` line still invalidates the first.
const UNREADABLE: &str = "\u{fffd}";

/// Reads a request's headers.
pub(crate) struct HeaderMapCarrier<'a>(pub(crate) &'a HeaderMap);

impl Extractor for HeaderMapCarrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(|value| value.to_str().unwrap_or(UNREADABLE))
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let mut values = self.0.get_all(key).peekable();
        values.peek()?;
        Some(
            values
                .map(|value| value.to_str().unwrap_or(UNREADABLE))
                .collect(),
        )
    }
}

impl RequestHeaders for HeaderMapCarrier<'_> {
    fn visit_lines<'b>(&'b self, visit: &mut dyn FnMut(&'b str, &'b [u8])) {
        for (name, value) in self.0.iter() {
            visit(name.as_str(), value.as_bytes());
        }
    }
}

/// Writes a response's headers; a header the core sets replaces any of the same name.
pub(crate) struct HeaderMapInjector<'a>(pub(crate) &'a mut HeaderMap);

impl Injector for HeaderMapInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        match (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::try_from(value),
        ) {
            (Ok(name), Ok(value)) => {
                self.0.insert(name, value);
            }
            // The core writes names and values it built itself; this is not reached.
            _ => {
                tracing::debug!(target: "otel_sentry::actix", key, "invalid response header not sent")
            }
        }
    }
}
