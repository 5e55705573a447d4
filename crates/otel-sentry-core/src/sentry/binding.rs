//! Binding Sentry to a request: a hub of its own, derived from the main hub, whose scope
//! stamps every event captured during the request with the server span's ids.
//!
//! The stamp is an event processor on the request hub's scope, so it reaches every event
//! captured through the hub, from the handler or from a task the hub was bound to; it
//! never touches the user's `before_send`. Sentry transactions pass no event processor
//! and keep their own trace context (`scope.set_context("trace")` would overwrite theirs);
//! an error captured inside a Sentry transaction gets the OpenTelemetry ids, since
//! OpenTelemetry owns the trace. Each event gets:
//!
//! - `contexts.trace`: trace id, the server span's id, its parent span id, op `http.server` (`grpc.server` for a gRPC call);
//! - tags `otel.trace_id` and `otel.span_id`;
//! - the transaction name (the route) and the request data, unless the event has its own;
//!   headers that carry credentials (`Authorization`, `Cookie`, `Set-Cookie`, API keys,
//!   forwarding headers…), cookies and the client address only with `send_default_pii`.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::OnceLock;

use opentelemetry::StringValue;
use opentelemetry::trace::{SpanId, TraceId};
use sentry_core::protocol::{self, Event, Map, TraceContext};

use crate::sentry::captured_event::CapturedEvents;
use crate::sentry::event_url;

use crate::codecs::hex;
use crate::http::http_method::RecordedMethod;
use crate::http::route_lookup;
use crate::names::{CASCADE_FINGERPRINT, SPAN_ID_TAG, TRACE_ID_TAG};

/// Headers never sent to Sentry without `send_default_pii`.
const SENSITIVE_HEADERS: [&str; 5] = [
    "forwarded",
    "x-forwarded-for",
    "x-real-ip",
    "referer",
    "via",
];

/// Words that mark a header as carrying a credential, wherever they appear in its name
/// (`Authorization`, `Set-Cookie`, `X-Api-Key`, `X-Amz-Security-Token`, …), by their
/// first letter: a name is compared only where one of them could start.
const SENSITIVE_WORDS: [(u8, &[&str]); 5] = [
    (b'a', &["auth", "api-key", "apikey"]),
    (b'c', &["cookie", "credential"]),
    (b'p', &["password"]),
    (b's', &["secret", "session", "signature"]),
    (b't', &["token"]),
];

/// For each byte, which entry of [`SENSITIVE_WORDS`] starts with it in either case, plus
/// one; 0 where none does. One load per position instead of a search of the entries.
const FIRST_LETTERS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut entry = 0;
    while entry < SENSITIVE_WORDS.len() {
        let letter = SENSITIVE_WORDS[entry].0;
        table[letter as usize] = entry as u8 + 1;
        table[letter.to_ascii_uppercase() as usize] = entry as u8 + 1;
        entry += 1;
    }
    table
};

/// Whether header `name` (any case) may carry a credential or the client's address.
///
/// Runs for every header of every captured event: compares bytes in place, without
/// lowercasing a copy or building a substring searcher per word.
fn is_sensitive_header(name: &str) -> bool {
    let name = name.as_bytes();
    if SENSITIVE_HEADERS
        .iter()
        .any(|header| name.eq_ignore_ascii_case(header.as_bytes()))
    {
        return true;
    }
    name.iter().enumerate().any(|(at, &first)| {
        let entry = FIRST_LETTERS[usize::from(first)];
        entry != 0
            && SENSITIVE_WORDS[usize::from(entry - 1)]
                .1
                .iter()
                .any(|word| {
                    name[at..]
                        .get(..word.len())
                        .is_some_and(|start| start.eq_ignore_ascii_case(word.as_bytes()))
                })
    })
}

/// Writes `contexts.trace` and the id tags on `event`.
pub(crate) fn stamp(
    event: &mut Event<'static>,
    trace_id: TraceId,
    span_id: SpanId,
    parent: Option<SpanId>,
    op: Option<&str>,
) {
    // Every field spelled out: `TraceContext::default()` draws random ids only to have
    // them overwritten.
    let trace = TraceContext {
        trace_id: protocol::TraceId::from(trace_id.to_bytes()),
        span_id: protocol::SpanId::from(span_id.to_bytes()),
        parent_span_id: parent.map(|parent| protocol::SpanId::from(parent.to_bytes())),
        op: op.map(str::to_owned),
        description: None,
        status: None,
        origin: None,
        data: Map::new(),
    };
    // Sentry's scope gives every event a trace context before the processors run: written
    // over in place, its key and box are kept rather than dropped for new ones.
    match event.contexts.get_mut("trace") {
        Some(protocol::Context::Trace(existing)) => **existing = trace,
        _ => {
            event.contexts.insert("trace".to_owned(), trace.into());
        }
    }
    event
        .tags
        .insert(TRACE_ID_TAG.to_owned(), hex::trace_id(trace_id));
    event
        .tags
        .insert(SPAN_ID_TAG.to_owned(), hex::span_id(span_id));
}

/// What the request hub's event processor writes: shared by the processor and built once
/// per request from parts the span holds too.
#[derive(Debug)]
pub(crate) struct RequestStamp {
    pub(crate) trace_id: TraceId,
    pub(crate) span_id: SpanId,
    pub(crate) parent_span_id: Option<SpanId>,
    /// `contexts.trace.op`: `http.server`, or `grpc.server` for a gRPC call.
    pub(crate) op: &'static str,
    /// The route template, the transaction name; set once known (see
    /// [`route_lookup`]). Without one, the method names the transaction.
    pub(crate) route: OnceLock<StringValue>,
    pub(crate) request: RequestData,
    /// Fingerprint every event by the trace id (see `CorrelationConfig::fingerprint_by_trace`).
    pub(crate) fingerprint_by_trace: bool,
    /// The events captured during the request; see [`captured_event`](crate::sentry::captured_event).
    pub(crate) captured: CapturedEvents,
}

/// The request as Sentry shows it, kept raw and turned into Sentry's form only when an
/// event is captured.
#[derive(Debug)]
pub(crate) struct RequestData {
    pub(crate) method: RecordedMethod,
    pub(crate) scheme: &'static str,
    /// The host, without the port.
    pub(crate) authority: Option<StringValue>,
    /// The port, unless it is the scheme's default.
    pub(crate) port: Option<u16>,
    pub(crate) path: StringValue,
    pub(crate) query: Option<StringValue>,
    /// Header lines as `name: value\n`, names lowercase.
    pub(crate) headers: String,
    pub(crate) client: Option<IpAddr>,
    pub(crate) send_default_pii: bool,
}

impl RequestStamp {
    fn transaction(&self) -> String {
        if let Some(route) = self.route.get() {
            return route.as_str().to_owned();
        }
        match route_lookup::look_up_current(self.request.path.as_str()) {
            Some(template) => {
                let _ = self.route.set(StringValue::from(template.clone()));
                template
            }
            None => self.request.method.span_name_prefix().to_owned(),
        }
    }

    pub(crate) fn apply(&self, mut event: Event<'static>) -> Event<'static> {
        stamp(
            &mut event,
            self.trace_id,
            self.span_id,
            self.parent_span_id,
            Some(self.op),
        );
        if event.transaction.is_none() {
            event.transaction = Some(self.transaction());
        }
        if event.request.is_none() {
            event.request = Some(self.request.to_sentry());
        }
        if self.fingerprint_by_trace {
            event.fingerprint = Cow::Owned(vec![
                Cow::Borrowed(CASCADE_FINGERPRINT),
                Cow::Owned(hex::trace_id(self.trace_id)),
            ]);
        }
        event
    }
}

impl RequestData {
    fn to_sentry(&self) -> protocol::Request {
        let authority = self
            .authority
            .as_ref()
            .map_or("localhost", StringValue::as_str);
        let query = self.query.as_ref().map(StringValue::as_str);
        let mut headers = Map::new();
        let mut cookies = None;
        // `push_header_line` wrote `name: value\n` lines; a name holds no colon. Split by
        // byte: every separator is ASCII, and a searcher per line costs more than the
        // short lines it splits.
        let mut rest = self.headers.as_str();
        while !rest.is_empty() {
            let end = rest
                .bytes()
                .position(|byte| byte == b'\n')
                .unwrap_or(rest.len());
            let line = &rest[..end];
            rest = rest.get(end + 1..).unwrap_or_default();
            let Some(colon) = line.bytes().position(|byte| byte == b':') else {
                continue;
            };
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            let value = value.strip_prefix(' ').unwrap_or(value);
            if !self.send_default_pii && is_sensitive_header(name) {
                continue;
            }
            if name.eq_ignore_ascii_case("cookie") {
                // Several `Cookie` lines are one list.
                let cookies = cookies.get_or_insert_with(String::new);
                if !cookies.is_empty() {
                    cookies.push_str("; ");
                }
                cookies.push_str(value);
            }
            headers
                .entry(name.to_owned())
                .and_modify(|joined: &mut String| {
                    joined.push_str(", ");
                    joined.push_str(value);
                })
                .or_insert_with(|| value.to_owned());
        }
        let mut env = Map::new();
        if let (true, Some(client)) = (self.send_default_pii, self.client) {
            env.insert("REMOTE_ADDR".to_owned(), client.to_string());
        }
        protocol::Request {
            url: event_url::event_url(self.scheme, authority, self.port, self.path.as_str(), query),
            method: Some(self.method.original().to_owned()),
            query_string: query.map(str::to_owned),
            cookies,
            headers,
            env,
            ..protocol::Request::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule written the plain way.
    fn reference(name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        SENSITIVE_HEADERS.contains(&name.as_str())
            || SENSITIVE_WORDS
                .iter()
                .flat_map(|(_, words)| words.iter())
                .any(|word| name.contains(word))
    }

    fn url_of(authority: &str, port: Option<u16>) -> Option<String> {
        let data = RequestData {
            method: crate::http::http_method::KnownMethods::standard().classify("GET"),
            scheme: "http",
            authority: Some(StringValue::from(authority.to_owned())),
            port,
            path: StringValue::from("/fail"),
            query: Some(StringValue::from("a=1")),
            headers: String::new(),
            client: None,
            send_default_pii: false,
        };
        data.to_sentry().url.map(|url| url.to_string())
    }

    #[test]
    fn the_url_keeps_a_port_and_brackets_ipv6() {
        assert_eq!(
            url_of("127.0.0.1", Some(41727)).as_deref(),
            Some("http://127.0.0.1:41727/fail?a=1")
        );
        assert_eq!(
            url_of("example.com", None).as_deref(),
            Some("http://example.com/fail?a=1")
        );
        assert_eq!(
            url_of("::1", Some(8080)).as_deref(),
            Some("http://[::1]:8080/fail?a=1")
        );
    }

    #[test]
    fn sensitive_headers_follow_the_plain_rule() {
        let names = [
            "authorization",
            "Proxy-Authorization",
            "cookie",
            "Set-Cookie",
            "x-api-key",
            "X-APIKEY",
            "x-amz-security-token",
            "x-csrf-token",
            "x-session-id",
            "x-client-secret",
            "x-password",
            "x-hub-signature-256",
            "x-credentials",
            "forwarded",
            "X-Forwarded-For",
            "x-real-ip",
            "referer",
            "via",
            "host",
            "user-agent",
            "accept",
            "traceparent",
            "x-forwarded-host",
            "viaduct",
            "tok",
            "",
            "a",
            "auth",
            "xauthx",
        ];
        for name in names {
            assert_eq!(is_sensitive_header(name), reference(name), "{name}");
        }
        assert!(is_sensitive_header("X-Amz-Security-Token"));
        assert!(!is_sensitive_header("x-forwarded-host"));
    }

    #[test]
    fn every_word_is_found_in_any_case_and_place() {
        let words = SENSITIVE_WORDS.iter().flat_map(|(_, words)| words.iter());
        for word in words {
            let cut = &word[..word.len() - 1];
            for (prefix, suffix) in [("", ""), ("x-", ""), ("", "-id"), ("Xa", "s")] {
                for text in [*word, cut] {
                    for name in [
                        format!("{prefix}{text}{suffix}"),
                        format!("{prefix}{}{suffix}", text.to_ascii_uppercase()),
                    ] {
                        assert_eq!(is_sensitive_header(&name), reference(&name), "{name}");
                    }
                }
            }
        }
        for byte in 0..=255u8 {
            let name = String::from_utf8_lossy(&[byte]).into_owned();
            assert_eq!(is_sensitive_header(&name), reference(&name), "{byte}");
        }
    }
}
