//! The same requests to an axum app behind `CorrelationLayer` and an actix-web app wrapped
//! in `Correlation`, with the same routes: the spans and Sentry events must match.
//!
//! Framework-specific and left out of the comparison: `server.port` (two servers); the
//! port in Sentry's request URL is compared as "the server's port".

mod same_app;

use std::collections::BTreeMap;

use opentelemetry_sdk::trace::SpanData;
use otel_sentry_core::CorrelationConfig;
use otel_sentry_test_support::{Served, attribute};
use same_app::serve_both;
use sentry_core::protocol::{Context as SentryContext, Event};

/// A span, with the framework-specific parts left out and ids replaced by what they name.
#[derive(Debug, PartialEq)]
struct SpanShape {
    name: String,
    kind: String,
    continued: bool,
    trace_state: String,
    links: usize,
    attributes: BTreeMap<String, String>,
    status: String,
    events: Vec<(String, BTreeMap<String, String>)>,
}

fn shape_of_span(span: &SpanData) -> SpanShape {
    let attributes = span
        .attributes
        .iter()
        .filter(|kv| kv.key.as_str() != "server.port")
        .map(|kv| {
            let value = match kv.key.as_str() {
                // Ids differ per request; that they are there and well-formed is what matches.
                "sentry.event_id" => format!("<{} hex>", kv.value.as_str().len()),
                "sentry.event_url" => "<url>".to_owned(),
                _ => format!("{:?}", kv.value),
            };
            (kv.key.as_str().to_owned(), value)
        })
        .collect();
    SpanShape {
        name: span.name.to_string(),
        kind: format!("{:?}", span.span_kind),
        continued: span.parent_span_id.to_string() == "00f067aa0ba902b7",
        trace_state: span.span_context.trace_state().header(),
        links: span.links.len(),
        attributes,
        status: format!("{:?}", span.status),
        events: span
            .events
            .iter()
            .map(|event| {
                let attributes = event
                    .attributes
                    .iter()
                    .map(|kv| (kv.key.as_str().to_owned(), format!("{:?}", kv.value)))
                    .collect();
                (event.name.to_string(), attributes)
            })
            .collect(),
    }
}

/// A Sentry event, with ids replaced by whether they name the span.
#[derive(Debug, PartialEq)]
struct EventShape {
    trace_is_the_spans: bool,
    span_is_the_spans: bool,
    parent: Option<String>,
    op: Option<String>,
    tags_match: bool,
    exceptions: Vec<(String, Option<String>)>,
    message: Option<String>,
    transaction: Option<String>,
    level: String,
    request_path: Option<String>,
    /// Whether `request.url` names the port the request was sent to.
    request_port_is_the_servers: bool,
    /// Whether the span's `sentry.event_id` names this event.
    named_by_the_span: bool,
    request_query: Option<String>,
    /// The copied header names, sorted: actix-web hands headers over in hash order.
    header_names: Vec<String>,
}

fn shape_of_event(event: &Event<'static>, span: &SpanData, port: u16) -> EventShape {
    let Some(SentryContext::Trace(trace)) = event.contexts.get("trace") else {
        panic!("no trace context");
    };
    let trace_id = span.span_context.trace_id().to_string();
    let span_id = span.span_context.span_id().to_string();
    EventShape {
        trace_is_the_spans: trace.trace_id.to_string() == trace_id,
        span_is_the_spans: trace.span_id.to_string() == span_id,
        parent: trace.parent_span_id.map(|id| id.to_string()),
        op: trace.op.clone(),
        tags_match: event.tags.get("otel.trace_id") == Some(&trace_id)
            && event.tags.get("otel.span_id") == Some(&span_id),
        exceptions: event
            .exception
            .values
            .iter()
            .map(|e| (e.ty.clone(), e.value.clone()))
            .collect(),
        message: event.message.clone(),
        transaction: event.transaction.clone(),
        level: format!("{:?}", event.level),
        request_path: event
            .request
            .as_ref()
            .and_then(|r| r.url.as_ref())
            .map(|url| url.path().to_owned()),
        request_port_is_the_servers: event
            .request
            .as_ref()
            .and_then(|r| r.url.as_ref())
            .and_then(|url| url.port())
            == Some(port),
        named_by_the_span: attribute(span, "sentry.event_id")
            .is_some_and(|id| id.as_str() == event.event_id.simple().to_string()),
        request_query: event.request.as_ref().and_then(|r| r.query_string.clone()),
        header_names: event
            .request
            .iter()
            .flat_map(|r| r.headers.keys().cloned())
            .collect(),
    }
}

/// What the response told the caller.
#[derive(Debug, PartialEq)]
struct ResponseShape {
    status: u16,
    /// Whether `x-sentry-event-id` was answered, and named the span's `sentry.event_id`.
    event_id_header: Option<bool>,
    traceparent_header: bool,
}

async fn run(service: &Served, path: &str) -> (SpanShape, Vec<EventShape>, ResponseShape) {
    let response = service
        .get_with(
            path,
            &[
                (
                    "traceparent",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                ),
                // Lines combined; a repeated key keeps its first member (the W3C suite's
                // duplicated keys).
                ("tracestate", "foo=1,bar=2,foo=3"),
                ("user-agent", "parity/1.0"),
                ("tracestate", "rojo=00f067aa0ba902b7"),
                ("baggage", "tenant=acme"),
            ],
        )
        .await;
    let port = response.url().port().expect("the test server's port");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let (status, event_id_header, traceparent_header) = (
        response.status().as_u16(),
        header("x-sentry-event-id"),
        header("traceparent").is_some(),
    );
    let _ = response.bytes().await;
    let span = service.server_span().await;
    service.exporter.reset();
    let events = service.events();
    let events = events
        .iter()
        .map(|event| shape_of_event(event, &span, port))
        .collect();
    let response = ResponseShape {
        status,
        event_id_header: event_id_header.map(|id| {
            attribute(&span, "sentry.event_id").is_some_and(|on_span| on_span.as_str() == id)
        }),
        traceparent_header,
    };
    (shape_of_span(&span), events, response)
}

#[actix_web::test]
async fn axum_and_actix_record_the_same_spans_and_events() {
    let [(_, axum), (_, actix)] = serve_both(CorrelationConfig::new).await;
    // Each path with the Sentry events it must produce: one per failure, and the
    // handler's own.
    for (path, events) in [
        ("/users/7?sig=secret&page=2", 0),
        ("/fail", 1),
        ("/fail?token=t0k3n&Password=hunter2&page=2", 1),
        ("/pay", 1),
        ("/missing", 0),
        ("/no-such-route", 0),
        ("/panic", 1),
        ("/notes/3", 1),
        ("/own-capture", 1),
    ] {
        let from_axum = run(&axum, path).await;
        let from_actix = run(&actix, path).await;
        assert_eq!(from_axum, from_actix, "{path}");
        let (span, events_sent, response) = from_axum;
        assert_eq!(events_sent.len(), events, "{path}: {events_sent:#?}");
        assert_eq!(
            span.trace_state, "foo=1,bar=2,rojo=00f067aa0ba902b7",
            "{path}"
        );
        assert!(
            events_sent
                .iter()
                .all(|event| event.request_port_is_the_servers),
            "{path}: {events_sent:#?}"
        );
        // A failure's event is named by the span and, by default, in the response.
        if response.status >= 500 {
            assert!(events_sent[0].named_by_the_span, "{path}");
            assert_eq!(response.event_id_header, Some(true), "{path}");
        } else {
            assert_eq!(response.event_id_header, None, "{path}");
        }
        for event in &events_sent {
            assert!(
                !event
                    .header_names
                    .iter()
                    .any(|name| name == "traceparent" || name == "tracestate" || name == "baggage"),
                "{path}: the trace headers are in the trace context: {:?}",
                event.header_names
            );
            let query = event.request_query.as_deref().unwrap_or("");
            assert!(
                !query.contains("t0k3n") && !query.contains("hunter2"),
                "{path}: {query}"
            );
        }
    }
}
