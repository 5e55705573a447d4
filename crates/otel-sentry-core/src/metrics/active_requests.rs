//! `http.server.active_requests` (opt-in): an up-down counter of the requests whose span
//! has started and not ended, by `http.request.method` and `url.scheme`, as the
//! conventions ask (no route: it is not known when a request starts on every framework).
//!
//! A guard, not two calls: whichever way a request ends (or is dropped), its count is
//! taken back exactly once.

use opentelemetry::metrics::UpDownCounter;
use opentelemetry::{KeyValue, StringValue};
use opentelemetry_semantic_conventions::attribute::{HTTP_REQUEST_METHOD, URL_SCHEME};

/// One request counted as active until dropped.
pub(crate) struct ActiveRequest {
    counter: UpDownCounter<i64>,
    attributes: [KeyValue; 2],
}

impl ActiveRequest {
    /// Counts a request of `method` over `scheme` as active.
    pub(crate) fn start(
        counter: &UpDownCounter<i64>,
        method: StringValue,
        scheme: &'static str,
    ) -> Self {
        let attributes = [
            KeyValue::new(HTTP_REQUEST_METHOD, method),
            KeyValue::new(URL_SCHEME, scheme),
        ];
        counter.add(1, &attributes);
        ActiveRequest {
            counter: counter.clone(),
            attributes,
        }
    }
}

impl Drop for ActiveRequest {
    fn drop(&mut self) {
        self.counter.add(-1, &self.attributes);
    }
}
