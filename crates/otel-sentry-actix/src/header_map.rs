//! actix-web's own header map (on `http` 0.2, not the `http` 1.x map the core implements
//! the carrier traits for) made readable and writable by the core's
//! [`HeaderCarrier`](otel_sentry_core::adapter::HeaderCarrier) and
//! [`HeaderInjector`](otel_sentry_core::adapter::HeaderInjector), read in place. Newtypes:
//! neither the traits nor the map are this crate's.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use otel_sentry_core::adapter::{ReadHeaders, WriteHeaders};

/// A request's headers, for the core to read.
pub(crate) struct ActixHeaders<'a>(pub(crate) &'a HeaderMap);

impl ReadHeaders for ActixHeaders<'_> {
    fn lines_named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> {
        self.0.get_all(name).map(HeaderValue::as_bytes)
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(HeaderName::as_str)
    }

    fn lines(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.0
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
    }
}

/// A response's headers, for the core to write.
pub(crate) struct ActixHeadersMut<'a>(pub(crate) &'a mut HeaderMap);

impl WriteHeaders for ActixHeadersMut<'_> {
    fn replace(&mut self, name: &str, value: String) -> bool {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::try_from(value),
        ) {
            (Ok(name), Ok(value)) => {
                self.0.insert(name, value);
                true
            }
            _ => false,
        }
    }
}
