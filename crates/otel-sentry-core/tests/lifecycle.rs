//! The server request lifecycle driven through the adapter interface alone, as an adapter
//! drives it, with no server: a `RequestView` over an `http::HeaderMap`, `ServerRequest`,
//! `ResponseInProgress`; spans from the SDK's in-memory exporter, events from Sentry's
//! test transport.

use std::sync::Arc;

use opentelemetry::Value;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use otel_sentry_core::adapter::{
    HandlerError, HeaderCarrier, HttpVersion, RequestView, ServerRequest,
};
use otel_sentry_core::{CorrelationConfig, InboundTrust};
use otel_sentry_test_support::{
    PaymentFailed, Telemetry, attribute, event_attribute, sentry_options, string,
};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

fn config(telemetry: &Telemetry) -> Arc<CorrelationConfig> {
    Arc::new(
        CorrelationConfig::new()
            .tracer(telemetry.tracer())
            .sentry_hub(telemetry.hub.clone()),
    )
}

fn traced_headers() -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    headers.insert("traceparent", traceparent.parse().unwrap());
    headers.insert("host", "shop.example:8080".parse().unwrap());
    headers.insert("user-agent", "checkout/1.0".parse().unwrap());
    headers
}

/// Starts `GET /users/7?page=2` routed `/users/{id}` from 192.0.2.1.
fn start(config: &Arc<CorrelationConfig>, headers: &http::HeaderMap) -> ServerRequest {
    let carrier = HeaderCarrier(headers);
    let mut view = RequestView::new("GET", "/users/7", HttpVersion::Http11, &carrier);
    view.query = Some("page=2");
    view.route = Some("/users/{id}");
    view.peer = Some("192.0.2.1:50000".parse().unwrap());
    ServerRequest::start(config, &view)
}

#[test]
fn the_server_span_continues_the_caller_with_the_conventions_attributes() {
    let telemetry = Telemetry::with_sentry();
    let headers = traced_headers();
    start(&config(&telemetry), &headers)
        .respond(200, None)
        .finish();
    let spans = telemetry.exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 1);
    let span = &spans[0];
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::from_hex(PARENT_ID).unwrap());
    assert_eq!(span.name, "GET /users/{id}");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attribute(span, "http.request.method"), string("GET"));
    assert_eq!(attribute(span, "url.path"), string("/users/7"));
    assert_eq!(attribute(span, "url.query"), string("page=2"));
    assert_eq!(attribute(span, "http.route"), string("/users/{id}"));
    assert_eq!(attribute(span, "server.address"), string("shop.example"));
    assert_eq!(attribute(span, "server.port"), Some(Value::I64(8080)));
    assert_eq!(attribute(span, "client.address"), string("192.0.2.1"));
    assert_eq!(
        attribute(span, "user_agent.original"),
        string("checkout/1.0")
    );
    assert_eq!(attribute(span, "network.protocol.version"), string("1.1"));
    assert_eq!(
        attribute(span, "http.response.status_code"),
        Some(Value::I64(200))
    );
    assert!(telemetry.events().is_empty());
}

#[test]
fn a_failed_response_is_one_event_linked_from_the_span() {
    let telemetry = Telemetry::with_sentry();
    let headers = traced_headers();
    let response = start(&config(&telemetry), &headers).respond(503, None);
    assert!(response.failed());
    let event_id = response.event_id().expect("Sentry took the event");
    response.finish();
    let events = telemetry.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_id, event_id);
    assert_eq!(
        events[0].message.as_deref(),
        Some("GET /users/{id} responded 503")
    );
    assert_eq!(
        events[0].tags.get("otel.trace_id").map(String::as_str),
        Some(TRACE_ID)
    );
    let span = &telemetry.exporter.get_finished_spans().unwrap()[0];
    assert_eq!(
        attribute(span, "sentry.event_id"),
        string(&event_id.simple().to_string())
    );
    assert_eq!(attribute(span, "error.type"), string("503"));
    assert_eq!(span.status, Status::error(""));
}

#[test]
fn a_handler_error_is_reported_with_its_source_chain() {
    let telemetry = Telemetry::with_sentry();
    let headers = traced_headers();
    let error = PaymentFailed::card_declined(51);
    start(&config(&telemetry), &headers)
        .respond(500, Some(HandlerError::new(&error)))
        .finish();
    let events = telemetry.events();
    assert_eq!(events.len(), 1);
    let values: Vec<Option<&str>> = events[0]
        .exception
        .values
        .iter()
        .map(|exception| exception.value.as_deref())
        .collect();
    assert_eq!(
        values,
        [Some("card declined with code 51"), Some("payment failed")]
    );
    let span = &telemetry.exporter.get_finished_spans().unwrap()[0];
    assert_eq!(span.status, Status::error("payment failed"));
}

#[test]
fn a_panic_in_the_handler_is_caught_and_reported_as_escaped() {
    let telemetry = Telemetry::with_sentry();
    let headers = traced_headers();
    let request = start(&config(&telemetry), &headers);
    let panic = request
        .enter(|| -> u8 { panic!("handler exploded") })
        .expect_err("the panic is caught");
    request.respond_to_panic(&panic).finish();
    let span = &telemetry.exporter.get_finished_spans().unwrap()[0];
    assert_eq!(attribute(span, "error.type"), string("panic"));
    assert_eq!(
        event_attribute(span, "exception", "exception.message"),
        string("handler exploded")
    );
    assert_eq!(
        event_attribute(span, "exception", "exception.escaped"),
        Some(Value::Bool(true))
    );
    let events = telemetry.events();
    assert_eq!(events.len(), 1);
    let mechanism = events[0].exception.values[0].mechanism.as_ref().unwrap();
    assert_eq!(mechanism.handled, Some(false));
}

#[test]
fn the_span_ends_with_the_body_not_the_response_head() {
    let telemetry = Telemetry::with_sentry();
    let headers = traced_headers();
    let response = start(&config(&telemetry), &headers).respond(200, None);
    assert!(telemetry.exporter.get_finished_spans().unwrap().is_empty());
    response.finish();
    assert_eq!(telemetry.exporter.get_finished_spans().unwrap().len(), 1);
}

#[test]
fn a_client_gone_before_the_response_or_mid_body_is_a_disconnect_without_an_event() {
    let telemetry = Telemetry::with_sentry();
    let headers = traced_headers();
    let config = config(&telemetry);
    drop(start(&config, &headers));
    drop(start(&config, &headers).respond(200, None));
    let spans = telemetry.exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 2);
    for span in &spans {
        assert_eq!(attribute(span, "error.type"), string("client_disconnect"));
        assert!(matches!(span.status, Status::Error { .. }));
    }
    assert_eq!(attribute(&spans[0], "http.response.status_code"), None);
    assert!(telemetry.events().is_empty());
}

#[test]
fn an_untrusted_caller_starts_a_new_trace_linked_to_its_own() {
    let telemetry = Telemetry::new(Some(sentry_options()));
    let config = Arc::new(
        CorrelationConfig::new()
            .tracer(telemetry.tracer())
            .sentry_hub(telemetry.hub.clone())
            .inbound_trust(InboundTrust::never()),
    );
    let headers = traced_headers();
    start(&config, &headers).respond(200, None).finish();
    let span = &telemetry.exporter.get_finished_spans().unwrap()[0];
    assert_ne!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::INVALID);
    assert_eq!(span.links.len(), 1);
    assert_eq!(
        span.links[0].span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
}
