//! [`HeaderInjector`]: writes the core's headers into a framework's header map; a header
//! the core sets replaces any of the same name.

use opentelemetry::propagation::Injector;

/// A header map the core can write: what [`HeaderInjector`] needs of it. Implemented here
/// for `http::HeaderMap` (http 1.x); an adapter whose framework has its own map implements
/// it on a newtype of it.
pub trait WriteHeaders {
    /// Sets header `name` to `value`, replacing its lines; `false` when the map's types
    /// reject the name or the value (nothing is written then).
    fn replace(&mut self, name: &str, value: String) -> bool;
}

impl WriteHeaders for http::HeaderMap {
    fn replace(&mut self, name: &str, value: String) -> bool {
        // From the `String` itself: the value's bytes are taken over, not copied.
        match (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::try_from(value),
        ) {
            (Ok(name), Ok(value)) => {
                self.insert(name, value);
                true
            }
            _ => false,
        }
    }
}

/// Writes the core's headers (a response's trace headers, a request's outgoing ones) as an
/// [`Injector`].
///
/// ```
/// use opentelemetry::propagation::Injector;
/// use otel_sentry_core::adapter::HeaderInjector;
///
/// let mut headers = http::HeaderMap::new();
/// HeaderInjector(&mut headers).set("x-sentry-event-id", "0".repeat(32));
/// assert_eq!(headers["x-sentry-event-id"], "0".repeat(32));
/// ```
#[derive(Debug)]
pub struct HeaderInjector<'a, H: ?Sized>(pub &'a mut H);

impl<H: WriteHeaders + ?Sized> Injector for HeaderInjector<'_, H> {
    fn set(&mut self, key: &str, value: String) {
        if !self.0.replace(key, value) {
            // The core writes names and values it built itself; this is not reached.
            tracing::debug!(target: "otel_sentry::adapter", header = key, "invalid header not sent");
        }
    }
}
