//! What a failure records: the Sentry event and the span's `exception` event.
//!
//! From an error: the whole source chain, each with its type name, as Sentry exceptions
//! (innermost first, as Sentry expects), and the outermost error on the span. From a
//! panic: its message, type `panic`, marked unhandled in Sentry and escaped on the span.
//! From a bare status: a message event naming method, route and status. From a gRPC
//! status: an exception `gRPC {CODE}` with the status message (or, without one, a message
//! naming the method and code), after the chain of the error behind it when the adapter has
//! one (a `tonic::Status`'s source), and the code as the tag `rpc.response.status_code`.

use std::any::Any;
use std::error::Error;
use std::fmt;

use crate::grpc::grpc_status::GrpcCode;
use crate::names::{EXCEPTION_ESCAPED_ATTRIBUTE, GRPC_EXCEPTION_PREFIX, PANIC_TYPE};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE, EXCEPTION_TYPE, RPC_RESPONSE_STATUS_CODE,
};
use sentry_core::protocol::{Event, Exception, Level, Mechanism};

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
        let message = error.to_string();
        SpanException {
            ty: type_name.map_or_else(|| type_from_debug(error, &message), str::to_owned),
            message,
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

    /// From a gRPC status: `gRPC INTERNAL`, its message (see [`grpc_message`]).
    pub(crate) fn from_grpc(code: GrpcCode, message: String) -> Self {
        SpanException {
            ty: grpc_type(code),
            message,
            stacktrace: None,
            escaped: false,
            from_status: false,
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

    /// The attributes of the span's `exception` event, taking the strings along.
    pub(crate) fn into_attributes(self) -> Vec<KeyValue> {
        let mut attributes = Vec::with_capacity(4);
        attributes.push(KeyValue::new(EXCEPTION_TYPE, self.ty));
        attributes.push(KeyValue::new(EXCEPTION_MESSAGE, self.message));
        if let Some(stacktrace) = self.stacktrace {
            attributes.push(KeyValue::new(EXCEPTION_STACKTRACE, stacktrace));
        }
        if self.escaped {
            attributes.push(KeyValue::new(EXCEPTION_ESCAPED_ATTRIBUTE, true));
        }
        attributes
    }
}

/// The type a value's `Debug` output names, as Sentry reads it when the Rust type is not
/// known (`CardDeclined { .. }` → `CardDeclined`), and `Error` for a value whose `Debug` is
/// just its quoted `message` (as `anyhow!` errors are), as Sentry names those.
///
/// Formats only up to the end of the name: Sentry formats the whole value, twice.
pub(crate) fn type_from_debug(value: &(impl fmt::Debug + ?Sized), message: &str) -> String {
    let mut name = LeadingName {
        name: String::with_capacity(32),
        ended: false,
    };
    // An error here is the writer stopping after the name, not a failure.
    let _ = fmt::write(&mut name, format_args!("{value:?}"));
    let LeadingName { name, .. } = name;
    if name.starts_with('"') {
        // Maybe the message quoted; only the whole output tells.
        let debug = format!("{value:?}");
        if debug == format!("{message:?}") {
            return "Error".to_owned();
        }
        return sentry_core::parse_type_from_debug(&debug).to_owned();
    }
    match name.trim() {
        trimmed if trimmed.len() == name.len() => name,
        trimmed => trimmed.to_owned(),
    }
}

/// Keeps what is written up to the first character that ends a type name in `Debug`
/// output (where `sentry_core::parse_type_from_debug` splits), then refuses the rest, also
/// from a `Debug` that goes on writing after an error.
struct LeadingName {
    name: String,
    ended: bool,
}

impl fmt::Write for LeadingName {
    fn write_str(&mut self, part: &str) -> fmt::Result {
        if self.ended {
            return Err(fmt::Error);
        }
        match part.find([' ', '(', '{', '\r', '\n']) {
            Some(end) => {
                self.name.push_str(&part[..end]);
                self.ended = true;
                Err(fmt::Error)
            }
            None => {
                self.name.push_str(part);
                Ok(())
            }
        }
    }
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

/// The Sentry event of a handler error and the exception its span records: the whole
/// source chain in the event, innermost first (as Sentry expects), the outermost named by
/// its Rust type when known; each error's `Display` formatted once, its `Debug` only up to
/// its type name (see [`type_from_debug`]).
pub(crate) fn error_event(
    error: &(dyn Error + 'static),
    type_name: Option<&str>,
) -> (Event<'static>, SpanException) {
    let chain = || std::iter::successors(Some(error), |&error| error.source());
    let mut exceptions = Vec::with_capacity(chain().count());
    for (depth, error) in chain().enumerate() {
        let value = error.to_string();
        let ty = match type_name {
            Some(type_name) if depth == 0 => type_name.to_owned(),
            _ => type_from_debug(error, &value),
        };
        exceptions.push(Exception {
            ty,
            value: Some(value),
            ..Exception::default()
        });
    }
    let span_exception = SpanException {
        ty: exceptions
            .first()
            .map(|outermost| outermost.ty.clone())
            .unwrap_or_default(),
        message: exceptions
            .first()
            .and_then(|outermost| outermost.value.clone())
            .unwrap_or_default(),
        stacktrace: None,
        escaped: false,
        from_status: false,
    };
    exceptions.reverse();
    let event = Event {
        level: Level::Error,
        exception: exceptions.into(),
        ..Event::default()
    };
    (event, span_exception)
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

/// The exception type of a gRPC status: `gRPC INTERNAL`.
fn grpc_type(code: GrpcCode) -> String {
    format!("{GRPC_EXCEPTION_PREFIX}{}", code.name())
}

/// The message of a failed gRPC call: its status message, else `{rpc} responded {CODE}`.
pub(crate) fn grpc_message(rpc: &str, code: GrpcCode, message: &str) -> String {
    if message.is_empty() {
        format!("{rpc} responded {code}")
    } else {
        message.to_owned()
    }
}

/// The Sentry event of a failed gRPC call and the exception its span records: the chain of
/// `source` (the error behind the status, when known) inside the status's own exception.
pub(crate) fn grpc_event(
    code: GrpcCode,
    message: String,
    source: Option<&(dyn Error + 'static)>,
) -> (Event<'static>, SpanException) {
    let exception = SpanException::from_grpc(code, message);
    let mut event = match source {
        Some(source) => error_event(source, None).0,
        None => Event {
            level: Level::Error,
            ..Event::default()
        },
    };
    event.exception.values.push(Exception {
        ty: exception.ty.clone(),
        value: Some(exception.message.clone()),
        ..Exception::default()
    });
    event
        .tags
        .insert(RPC_RESPONSE_STATUS_CODE.to_owned(), code.name().to_owned());
    (event, exception)
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

    /// The event's exception types, innermost first.
    fn types<'e>(event: &'e Event<'static>) -> Vec<&'e str> {
        event
            .exception
            .values
            .iter()
            .map(|e| e.ty.as_str())
            .collect()
    }

    #[test]
    fn error_event_has_the_chain_innermost_first_and_the_known_type() {
        let (event, span) = error_event(&Outer(Inner), Some("shop::Outer"));
        assert_eq!(span.ty, "shop::Outer");
        assert_eq!(span.message, "payment failed");
        assert_eq!(types(&event), ["Inner", "shop::Outer"]);
        assert_eq!(
            event.exception.values[1].value.as_deref(),
            Some("payment failed")
        );
    }

    /// Its `Debug` is its quoted message, as with `anyhow!`.
    struct Message(&'static str);
    impl fmt::Debug for Message {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Debug::fmt(self.0, f)
        }
    }
    impl fmt::Display for Message {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }
    impl Error for Message {}

    /// Written in pieces, with leading whitespace and a quote that is not the message;
    /// writes on after an error.
    struct Odd(&'static [&'static str]);
    impl fmt::Debug for Odd {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            for piece in self.0 {
                let _ = f.write_str(piece);
            }
            Ok(())
        }
    }
    impl fmt::Display for Odd {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("odd")
        }
    }
    impl Error for Odd {}

    #[derive(Debug)]
    struct Named {
        #[allow(dead_code)]
        code: u16,
    }
    impl fmt::Display for Named {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("named")
        }
    }
    impl Error for Named {}

    #[test]
    fn types_are_read_from_debug_as_sentry_reads_them() {
        let io = std::io::Error::other(Named { code: 7 });
        let parse = "NaN".parse::<usize>().unwrap_err();
        let errors: [&(dyn Error + 'static); 10] = [
            &Outer(Inner),
            &Named { code: 402 },
            &Message("it broke"),
            &parse,
            &io,
            &Odd(&["Spl", "it", "Name", "\tTail"]),
            &Odd(&["\"quoted\" ", "but not the message"]),
            &Odd(&["\ttabbed\t", "{"]),
            &Odd(&["Stops ", "Here", "(", "not"]),
            &Odd(&[]),
        ];
        for error in errors {
            let (ours, span) = error_event(error, None);
            let sentry = sentry_core::event_from_error(error);
            assert_eq!(ours.exception.values, sentry.exception.values, "{error:?}");
            assert_eq!(ours.level, sentry.level);
            let outermost = sentry.exception.values.last().unwrap();
            assert_eq!(span.ty, outermost.ty, "{error:?}");
            assert_eq!(Some(span.message), outermost.value);
        }
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
    fn grpc_events_wrap_the_source_chain_in_the_status() {
        let (event, span) = grpc_event(
            GrpcCode::Internal,
            "db down".to_owned(),
            Some(&Outer(Inner)),
        );
        assert_eq!(types(&event), ["Inner", "Outer", "gRPC INTERNAL"]);
        assert_eq!(span.ty, "gRPC INTERNAL");
        assert_eq!(span.message, "db down");
        assert_eq!(event.tags["rpc.response.status_code"], "INTERNAL");
        let (bare, _) = grpc_event(
            GrpcCode::DataLoss,
            grpc_message("a.B/C", GrpcCode::DataLoss, ""),
            None,
        );
        assert_eq!(bare.exception.values.len(), 1);
        assert_eq!(
            bare.exception.values[0].value.as_deref(),
            Some("a.B/C responded DATA_LOSS")
        );
        assert_eq!(bare.level, Level::Error);
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
