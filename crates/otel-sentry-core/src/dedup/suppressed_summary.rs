//! The `extra` entry a forwarded root cause carries for each event it stands in for: the
//! windowed transport's and the relay's, written once so both read the same.

use std::borrow::Cow;

use sentry_core::protocol::Value;

/// How long a summary's message may be, in characters.
const SUMMARY_MESSAGE_CHARS: usize = 200;

/// What a summary says of one suppressed event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SuppressedEvent<'a> {
    /// The event's id, 32 hex digits.
    pub event_id: &'a str,
    /// The exception type of its last exception; `message` for an event without one.
    pub error_type: &'a str,
    /// Its exception's value or message, cut to 200 characters.
    pub message: &'a str,
    /// The span it was captured in.
    pub span_id: Option<&'a str>,
    /// The service that sent it, when the event names it (the relay reads it; the windowed
    /// transport sees a single service and leaves it out).
    pub service: Option<&'a str>,
}

impl SuppressedEvent<'_> {
    /// `{type, message, span_id, event_id[, service]}`.
    ///
    /// ```
    /// use otel_sentry_core::dedup::suppressed_summary::SuppressedEvent;
    ///
    /// let summary = SuppressedEvent {
    ///     event_id: "0123456789abcdef0123456789abcdef",
    ///     error_type: "HTTPError",
    ///     message: "502 from orders",
    ///     span_id: None,
    ///     service: Some("checkout"),
    /// }
    /// .summary();
    /// assert_eq!(summary["service"], "checkout");
    /// assert!(summary["span_id"].is_null());
    /// ```
    pub fn summary(&self) -> Value {
        let mut fields = vec![
            ("type", Value::from(self.error_type)),
            (
                "message",
                Value::from(shortened(self.message, SUMMARY_MESSAGE_CHARS).into_owned()),
            ),
            ("span_id", self.span_id.map_or(Value::Null, Value::from)),
            ("event_id", Value::from(self.event_id)),
        ];
        if let Some(service) = self.service {
            fields.push(("service", Value::from(service)));
        }
        fields.into_iter().collect()
    }
}

fn shortened(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
        None => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortened_cuts_on_a_character_boundary() {
        assert_eq!(shortened("héllo", 10), "héllo");
        assert_eq!(shortened("héllo", 2), "hé…");
    }
}
