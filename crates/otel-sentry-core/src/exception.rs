//! What a failure records: the Sentry event and the span's `exception` event.
//!
//! From an error: the whole source chain, each with its type name, as Sentry exceptions
//! (innermost first, as Sentry expects), and the outermost error on the span. From a
//! panic: its message, type `panic`, marked unhandled in Sentry and escaped on the span.
//! From a bare status: a message event naming method, route and status.

use std::any::Any;
use std::error::Error;

use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE, EXCEPTION_TYPE,
};
use sentry_core::protocol::{Event, Exception, Level, Mechanism};

/// `exception.escaped`; deprecated in the conventions but still read by trace viewers to
/// tell a panic from an error the handler returned.
const EXCEPTION_ESCAPED: &str = "exception.escaped";

/// The exception a span records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SpanException {
    /// `exception.type`.
    pub(crate) ty: String,
    /// `exception.message`.
    pub(crate) message: String,
    /// `exception.stacktrace`, when known.
    pub(crate) stacktrace: Option<String>,
    /// Whether it escaped the handler (a panic).
    pub(crate) escaped: bool,
    /// Whether it only stands for a failed status code.
    pub(crate) from_status: bool,
}

impl SpanException {
    /// From an error; `type_name` is the error's Rust type when the adapter knows it.
    pub(crate) fn from_error(error: &(dyn Error + 'static), type_name: Option<&str>) -> Self {
        SpanException {
            ty: type_name.map_or_else(|| type_from_debug(error), str::to_owned),
            message: error.to_string(),
            stacktrace: None,
            escaped: false,
            from_status: false,
        }
    }

    /// From a failed response that carried no error: `HTTP 503`, `GET /users/{id}
    /// responded 503`.
    pub(crate) fn from_status(status: u16, message: String) -> Self {
        SpanException {
            ty: format!("HTTP {status}"),
            message,
            stacktrace: None,
            escaped: false,
            from_status: true,
        }
    }

    /// From a panic.
    pub(crate) fn from_panic(message: String) -> Self {
        SpanException {
            ty: PANIC_TYPE.to_owned(),
            message,
            stacktrace: None,
            escaped: true,
            from_status: false,
        }
    }

    /// The attributes of the span's `exception` event.
    pub(crate) fn attributes(&self) -> Vec<KeyValue> {
        let mut attributes = Vec::with_capacity(4);
        attributes.push(KeyValue::new(EXCEPTION_TYPE, self.ty.clone()));
        attributes.push(KeyValue::new(EXCEPTION_MESSAGE, self.message.clone()));
        if let Some(stacktrace) = &self.stacktrace {
            attributes.push(KeyValue::new(EXCEPTION_STACKTRACE, stacktrace.clone()));
        }
        if self.escaped {
            attributes.push(KeyValue::new(EXCEPTION_ESCAPED, true));
        }
        attributes
    }
}

/// The exception type of a panic, in Sentry and on the span.
pub(crate) const PANIC_TYPE: &str = "panic";

/// The type a value's `Debug` output starts with, as Sentry guesses it when the Rust type
/// is not known (`CardDeclined { .. }` → `CardDeclined`).
pub(crate) fn type_from_debug(value: &(impl std::fmt::Debug + ?Sized)) -> String {
    let debug = format!("{value:?}");
    sentry_core::parse_type_from_debug(&debug).to_owned()
}

/// The message of a panic payload: its `&str` or `String`, else a placeholder.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}

/// The Sentry event of a handler error: the whole source chain, innermost first, the
/// outermost named by its Rust type when known.
pub(crate) fn event_from_error(
    error: &(dyn Error + 'static),
    type_name: Option<&str>,
) -> Event<'static> {
    let mut event = sentry_core::event_from_error(error);
    if let (Some(type_name), Some(outermost)) = (type_name, event.exception.values.last_mut()) {
        outermost.ty = type_name.to_owned();
    }
    event.level = Level::Error;
    event
}

/// The Sentry event of a panic, marked unhandled.
pub(crate) fn event_from_panic(message: &str) -> Event<'static> {
    Event {
        level: Level::Fatal,
        exception: vec![Exception {
            ty: PANIC_TYPE.to_owned(),
            value: Some(message.to_owned()),
            mechanism: Some(Mechanism {
                ty: PANIC_TYPE.to_owned(),
                handled: Some(false),
                ..Mechanism::default()
            }),
            ..Exception::default()
        }]
        .into(),
        ..Event::default()
    }
}

/// The message of a failed response that carried no error.
pub(crate) fn status_message(method: &str, route: Option<&str>, status: u16) -> String {
    match route {
        Some(route) => format!("{method} {route} responded {status}"),
        None => format!("{method} responded {status}"),
    }
}

/// The Sentry event of a failed response that carried no error.
pub(crate) fn event_from_status(message: &str) -> Event<'static> {
    Event {
        level: Level::Error,
        message: Some(message.to_owned()),
        ..Event::default()
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use super::*;

    #[derive(Debug)]
    struct Outer(Inner);
    #[derive(Debug)]
    struct Inner;

    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("payment failed")
        }
    }
    impl fmt::Display for Inner {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("card declined")
        }
    }
    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }
    impl Error for Inner {}

    #[test]
    fn error_event_has_the_chain_innermost_first_and_the_known_type() {
        let event = event_from_error(&Outer(Inner), Some("shop::Outer"));
        let types: Vec<&str> = event
            .exception
            .values
            .iter()
            .map(|e| e.ty.as_str())
            .collect();
        assert_eq!(types, ["Inner", "shop::Outer"]);
        assert_eq!(
            event.exception.values[1].value.as_deref(),
            Some("payment failed")
        );
    }

    #[test]
    fn span_exception_falls_back_to_the_debug_type() {
        let exception = SpanException::from_error(&Outer(Inner), None);
        assert_eq!(exception.ty, "Outer");
        assert_eq!(exception.message, "payment failed");
        assert!(!exception.escaped);
    }

    #[test]
    fn panic_payloads_give_their_message() {
        assert_eq!(panic_message(&"boom"), "boom");
        assert_eq!(panic_message(&String::from("boom")), "boom");
        assert_eq!(panic_message(&42), "Box<dyn Any>");
    }

    #[test]
    fn status_message_names_method_route_and_status() {
        assert_eq!(
            status_message("GET", Some("/users/{id}"), 503),
            "GET /users/{id} responded 503"
        );
        assert_eq!(status_message("GET", None, 502), "GET responded 502");
    }
}
