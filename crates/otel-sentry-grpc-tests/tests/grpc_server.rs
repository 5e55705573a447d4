//! A real tonic server behind `CorrelationLayer` and a real tonic client behind
//! `GrpcClientLayer`, over 127.0.0.1: the spans the SDK exports and the events Sentry's
//! test transport receives.

mod common;

use common::{ECHO_METADATA, FAILURE_MESSAGE, PANIC, WITH_SOURCE, client, echo, layer, serve};
use futures_util::StreamExt;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::context::FutureExt;
use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, Status as SpanStatus, TraceContextExt, TraceFlags, TraceId,
    TraceState,
};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use otel_sentry_grpc_tests::EchoRequest;
use otel_sentry_test_support::{Telemetry, attribute, event_attribute, string};
use tonic::Code;

const UNARY: &str = "otel_sentry.test.Echo/Unary";
const STREAM: &str = "otel_sentry.test.Echo/ServerStream";

fn of_kind(spans: &[SpanData], kind: SpanKind) -> SpanData {
    spans
        .iter()
        .find(|span| span.span_kind == kind)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind:?} span in {spans:#?}"))
}

fn event_id_of(status: &tonic::Status) -> Option<String> {
    status
        .metadata()
        .get("x-sentry-event-id")
        .map(|id| id.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_unary_success_is_a_call_span_continued_from_the_client() {
    let telemetry = Telemetry::with_sentry();
    let addr = serve(layer(&telemetry), &telemetry).await;
    let mut client = client(&addr.to_string(), telemetry.tracer()).await;

    let reply = client.unary(echo("hello", Code::Ok)).await.unwrap();
    assert_eq!(reply.into_inner().text, "hello");

    let spans = telemetry.spans(2).await;
    let server = of_kind(&spans, SpanKind::Server);
    let client_span = of_kind(&spans, SpanKind::Client);
    for span in [&server, &client_span] {
        assert_eq!(span.name, UNARY);
        assert_eq!(attribute(span, "rpc.system.name"), string("grpc"));
        assert_eq!(attribute(span, "rpc.system"), string("grpc"));
        assert_eq!(attribute(span, "rpc.method"), string(UNARY));
        assert_eq!(
            attribute(span, "rpc.service"),
            string("otel_sentry.test.Echo")
        );
        assert_eq!(attribute(span, "rpc.response.status_code"), string("OK"));
        assert_eq!(attribute(span, "rpc.grpc.status_code"), Some(Value::I64(0)));
        assert_eq!(attribute(span, "server.address"), string("127.0.0.1"));
        assert_eq!(
            attribute(span, "server.port"),
            Some(Value::I64(i64::from(addr.port())))
        );
        assert_eq!(span.status, SpanStatus::Unset);
        assert_eq!(attribute(span, "http.request.method"), None);
    }
    // W3C context crossed the hop: one trace, the server span a child of the client span.
    assert_eq!(
        server.span_context.trace_id(),
        client_span.span_context.trace_id()
    );
    assert_eq!(server.parent_span_id, client_span.span_context.span_id());
    assert!(telemetry.events().is_empty());
}

#[tokio::test]
async fn a_unary_internal_status_is_one_event_and_an_error_span() {
    let telemetry = Telemetry::with_sentry();
    let addr = serve(layer(&telemetry), &telemetry).await;
    let mut client = client(&addr.to_string(), telemetry.tracer()).await;

    let status = client.unary(echo("x", Code::Internal)).await.unwrap_err();
    assert_eq!(status.code(), Code::Internal);
    assert_eq!(status.message(), FAILURE_MESSAGE);

    let events = telemetry.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    let event = &events[0];
    let exception = event.exception.last().unwrap();
    assert_eq!(exception.ty, "gRPC INTERNAL");
    assert_eq!(exception.value.as_deref(), Some(FAILURE_MESSAGE));
    assert_eq!(event.tags["rpc.response.status_code"], "INTERNAL");
    assert_eq!(event.transaction.as_deref(), Some(UNARY));
    let Some(sentry_core::protocol::Context::Trace(trace)) = event.contexts.get("trace") else {
        panic!("no trace context: {event:#?}");
    };
    assert_eq!(trace.op.as_deref(), Some("grpc.server"));
    let event_id = event.event_id.simple().to_string();
    // Answered in the trailers-only answer's headers, read back by the client.
    assert_eq!(event_id_of(&status).as_deref(), Some(event_id.as_str()));

    let spans = telemetry.spans(2).await;
    let server = of_kind(&spans, SpanKind::Server);
    assert_eq!(server.status, SpanStatus::error(FAILURE_MESSAGE));
    assert_eq!(attribute(&server, "error.type"), string("INTERNAL"));
    assert_eq!(
        attribute(&server, "rpc.response.status_code"),
        string("INTERNAL")
    );
    assert_eq!(
        attribute(&server, "rpc.grpc.status_code"),
        Some(Value::I64(13))
    );
    assert_eq!(
        event_attribute(&server, "exception", "exception.type"),
        string("gRPC INTERNAL")
    );
    assert_eq!(attribute(&server, "sentry.event_id"), string(&event_id));
    let client_span = of_kind(&spans, SpanKind::Client);
    assert_eq!(client_span.status, SpanStatus::error(FAILURE_MESSAGE));
    assert_eq!(attribute(&client_span, "error.type"), string("INTERNAL"));
    assert_eq!(
        attribute(&client_span, "sentry.event_id"),
        string(&event_id)
    );
}

#[tokio::test]
async fn the_event_carries_the_source_of_the_handlers_status() {
    let telemetry = Telemetry::with_sentry();
    let addr = serve(layer(&telemetry), &telemetry).await;
    let mut client = client(&addr.to_string(), telemetry.tracer()).await;

    // `Status::from_error` of an error tonic does not know: UNKNOWN, the error its source.
    let status = client
        .unary(echo(WITH_SOURCE, Code::Internal))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unknown);

    let events = telemetry.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    let types: Vec<&str> = events[0].exception.iter().map(|e| e.ty.as_str()).collect();
    assert_eq!(types, ["CardDeclined", "PaymentFailed", "gRPC UNKNOWN"]);
    assert_eq!(
        events[0].exception[0].value.as_deref(),
        Some("card declined with code 402")
    );
    telemetry.spans(2).await;
}

#[tokio::test]
async fn not_found_is_no_failure_by_default() {
    let telemetry = Telemetry::with_sentry();
    let addr = serve(layer(&telemetry), &telemetry).await;
    let mut client = client(&addr.to_string(), telemetry.tracer()).await;

    let status = client.unary(echo("x", Code::NotFound)).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(event_id_of(&status), None);

    let spans = telemetry.spans(2).await;
    let server = of_kind(&spans, SpanKind::Server);
    assert_eq!(server.status, SpanStatus::Unset);
    assert_eq!(
        attribute(&server, "rpc.response.status_code"),
        string("NOT_FOUND")
    );
    assert_eq!(attribute(&server, "error.type"), None);
    // A client span records every status but OK as an error.
    let client_span = of_kind(&spans, SpanKind::Client);
    assert_eq!(attribute(&client_span, "error.type"), string("NOT_FOUND"));
    assert!(matches!(client_span.status, SpanStatus::Error { .. }));
    assert!(telemetry.events().is_empty());
}

#[tokio::test]
async fn a_streamed_status_in_the_trailers_is_read_at_the_end_of_the_stream() {
    let telemetry = Telemetry::with_sentry();
    let addr = serve(layer(&telemetry), &telemetry).await;
    let mut client = client(&addr.to_string(), telemetry.tracer()).await;

    let request = EchoRequest {
        count: 3,
        ..echo("part", Code::DataLoss)
    };
    let mut stream = client.server_stream(request).await.unwrap().into_inner();
    let mut received = Vec::new();
    let status = loop {
        match stream.next().await {
            Some(Ok(reply)) => received.push(reply.text),
            Some(Err(status)) => break status,
            None => panic!("the stream ended without its status"),
        }
    };
    assert_eq!(received, ["part 0", "part 1", "part 2"]);
    assert_eq!(status.code(), Code::DataLoss);

    let events = telemetry.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    let event_id = events[0].event_id.simple().to_string();
    assert_eq!(events[0].exception.last().unwrap().ty, "gRPC DATA_LOSS");
    // In the trailers, beside the status.
    assert_eq!(event_id_of(&status).as_deref(), Some(event_id.as_str()));

    let spans = telemetry.spans(2).await;
    let server = of_kind(&spans, SpanKind::Server);
    assert_eq!(server.name, STREAM);
    assert_eq!(
        attribute(&server, "rpc.response.status_code"),
        string("DATA_LOSS")
    );
    assert_eq!(attribute(&server, "sentry.event_id"), string(&event_id));
    assert!(matches!(server.status, SpanStatus::Error { .. }));
    // The span lasts to the trailers, after the three paced messages (40 ms each).
    let lasted = server.end_time.duration_since(server.start_time).unwrap();
    assert!(lasted.as_millis() >= 120, "{lasted:?}");
    let client_span = of_kind(&spans, SpanKind::Client);
    assert_eq!(
        attribute(&client_span, "rpc.response.status_code"),
        string("DATA_LOSS")
    );
    assert_eq!(
        attribute(&client_span, "sentry.event_id"),
        string(&event_id)
    );
}

#[tokio::test]
async fn a_streamed_success_ends_ok_in_the_trailers() {
    let telemetry = Telemetry::with_sentry();
    let addr = serve(layer(&telemetry), &telemetry).await;
    let mut client = client(&addr.to_string(), telemetry.tracer()).await;

    let request = EchoRequest {
        count: 2,
        ..echo("part", Code::Ok)
    };
    let stream = client.server_stream(request).await.unwrap().into_inner();
    let received: Vec<_> = stream.collect().await;
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(Result::is_ok));

    let spans = telemetry.spans(2).await;
    for span in &spans {
        assert_eq!(attribute(span, "rpc.response.status_code"), string("OK"));
        assert_eq!(span.status, SpanStatus::Unset);
    }
    assert!(telemetry.events().is_empty());
}

#[tokio::test]
async fn a_panic_answers_internal_reports_once_and_the_server_serves_on() {
    let telemetry = Telemetry::with_sentry();
    let addr = serve(layer(&telemetry), &telemetry).await;
    let mut client = client(&addr.to_string(), telemetry.tracer()).await;

    let status = client.unary(echo(PANIC, Code::Ok)).await.unwrap_err();
    assert_eq!(status.code(), Code::Internal);
    assert_eq!(status.message(), "internal error");

    let events = telemetry.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    let exception = events[0].exception.last().unwrap();
    assert_eq!(exception.ty, "panic");
    assert_eq!(exception.value.as_deref(), Some("the handler panicked"));
    let event_id = events[0].event_id.simple().to_string();
    assert_eq!(event_id_of(&status).as_deref(), Some(event_id.as_str()));

    let spans = telemetry.spans(2).await;
    let server = of_kind(&spans, SpanKind::Server);
    assert_eq!(
        attribute(&server, "rpc.response.status_code"),
        string("INTERNAL")
    );
    assert_eq!(attribute(&server, "error.type"), string("panic"));
    assert_eq!(
        event_attribute(&server, "exception", "exception.escaped"),
        Some(Value::Bool(true))
    );

    let reply = client.unary(echo("again", Code::Ok)).await.unwrap();
    assert_eq!(reply.into_inner().text, "again");
}

/// The context a call is made in: a remote parent with vendor trace state, and baggage.
fn calling_context() -> Context {
    let parent = SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::from_key_value([("vendor", "abc")]).unwrap(),
    );
    Context::new()
        .with_remote_span_context(parent)
        .with_baggage([KeyValue::new("user", "7")])
}

#[tokio::test]
async fn the_trace_crosses_in_the_metadata_and_the_traceparent_answers_in_the_headers() {
    let telemetry = Telemetry::with_sentry();
    let addr = serve(layer(&telemetry).response_traceparent(true), &telemetry).await;
    let mut client = client(&addr.to_string(), telemetry.tracer()).await;

    let response = client
        .unary(echo(ECHO_METADATA, Code::Ok))
        .with_context(calling_context())
        .await
        .unwrap();
    let answered_traceparent = response
        .metadata()
        .get("traceparent")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let received = response.into_inner().text;
    let (baggage, sentry_trace) = received.split_once('|').unwrap();
    assert!(
        baggage.split(',').any(|member| member.trim() == "user=7"),
        "{baggage}"
    );
    assert!(
        sentry_trace.starts_with("4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{sentry_trace}"
    );

    let spans = telemetry.spans(2).await;
    let server = of_kind(&spans, SpanKind::Server);
    let client_span = of_kind(&spans, SpanKind::Client);
    assert_eq!(
        client_span.parent_span_id,
        SpanId::from_hex("00f067aa0ba902b7").unwrap()
    );
    assert_eq!(server.parent_span_id, client_span.span_context.span_id());
    assert_eq!(
        server.span_context.trace_id(),
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap()
    );
    assert_eq!(server.span_context.trace_state().get("vendor"), Some("abc"));
    assert_eq!(
        answered_traceparent,
        format!(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-{}-01",
            server.span_context.span_id()
        )
    );
}

#[tokio::test]
async fn a_streamed_answer_has_its_traceparent_in_the_headers_and_its_event_id_in_the_trailers() {
    let telemetry = Telemetry::with_sentry();
    let addr = serve(layer(&telemetry).response_traceparent(true), &telemetry).await;
    let mut client = client(&addr.to_string(), telemetry.tracer()).await;

    let request = EchoRequest {
        count: 1,
        ..echo("part", Code::Internal)
    };
    let response = client.server_stream(request).await.unwrap();
    // The head left before the status was known: the trace, no event id.
    assert!(response.metadata().get("traceparent").is_some());
    assert!(response.metadata().get("x-sentry-event-id").is_none());
    let mut stream = response.into_inner();
    assert!(stream.next().await.unwrap().is_ok());
    let status = stream.next().await.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::Internal);

    let events = telemetry.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    let event_id = events[0].event_id.simple().to_string();
    assert_eq!(event_id_of(&status).as_deref(), Some(event_id.as_str()));
    assert!(status.metadata().get("traceparent").is_none());
    telemetry.spans(2).await;
}

#[tokio::test]
async fn an_untrusted_caller_is_told_no_event_id_nor_trace_in_headers_or_trailers() {
    let telemetry = Telemetry::with_sentry();
    let untrusting = layer(&telemetry)
        .response_traceparent(true)
        .inbound_trust(otel_sentry_core::InboundTrust::never());
    let addr = serve(untrusting, &telemetry).await;
    let mut client = client(&addr.to_string(), telemetry.tracer()).await;

    // A trailers-only failure: the event is sent, its id not answered.
    let status = client.unary(echo("x", Code::Internal)).await.unwrap_err();
    assert_eq!(status.code(), Code::Internal);
    assert_eq!(event_id_of(&status), None);
    assert!(status.metadata().get("traceparent").is_none());

    // A failure in a stream's trailers: neither in the head nor in the trailers.
    let request = EchoRequest {
        count: 1,
        ..echo("part", Code::Internal)
    };
    let response = client.server_stream(request).await.unwrap();
    assert!(response.metadata().get("traceparent").is_none());
    let mut stream = response.into_inner();
    assert!(stream.next().await.unwrap().is_ok());
    let status = stream.next().await.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::Internal);
    assert_eq!(event_id_of(&status), None);

    assert_eq!(telemetry.events().len(), 2);
    let spans = telemetry.spans(4).await;
    // The caller's context is linked to, not continued: each server span starts a trace.
    for server in spans
        .iter()
        .filter(|span| span.span_kind == SpanKind::Server)
    {
        assert_eq!(server.parent_span_id, opentelemetry::trace::SpanId::INVALID);
        assert_eq!(server.links.len(), 1);
    }
}

#[tokio::test]
async fn a_call_records_rpc_server_call_duration_instead_of_the_http_duration() {
    let telemetry = Telemetry::with_sentry();
    let metrics = otel_sentry_test_support::Metrics::new();
    let addr = serve(
        layer(&telemetry).meter_provider(&metrics.provider),
        &telemetry,
    )
    .await;
    let mut client = client(&addr.to_string(), telemetry.tracer()).await;
    client.unary(echo("x", Code::Ok)).await.unwrap();
    client.unary(echo("x", Code::Internal)).await.unwrap_err();
    client.unary(echo("x", Code::NotFound)).await.unwrap_err();
    client.unary(echo("x", Code::NotFound)).await.unwrap_err();

    let mut points = metrics.histogram_with("rpc.server.call.duration", 4).await;
    points.sort_by(|a, b| {
        a.attributes["rpc.response.status_code"]
            .as_str()
            .cmp(&b.attributes["rpc.response.status_code"].as_str())
    });
    let sets: Vec<_> = points
        .iter()
        .map(|point| {
            let mut set: Vec<(String, String)> = point
                .attributes
                .iter()
                .map(|(key, value)| (key.clone(), value.as_str().into_owned()))
                .collect();
            set.sort();
            (set, point.count)
        })
        .collect();
    let set = |code: &str, error: Option<&str>| {
        let mut set = vec![
            ("rpc.method".to_owned(), UNARY.to_owned()),
            ("rpc.response.status_code".to_owned(), code.to_owned()),
            ("rpc.system.name".to_owned(), "grpc".to_owned()),
        ];
        if let Some(error) = error {
            set.push(("error.type".to_owned(), error.to_owned()));
        }
        set.sort();
        set
    };
    assert_eq!(
        sets,
        vec![
            (set("INTERNAL", Some("INTERNAL")), 1),
            // Not a failure on the server: no `error.type`.
            (set("NOT_FOUND", None), 2),
            (set("OK", None), 1),
        ]
    );
    assert_eq!(points[0].bounds[0], 0.005);
    assert!(
        metrics.histogram("http.server.request.duration").is_empty(),
        "a gRPC call is no HTTP request in the metrics"
    );
}

#[tokio::test]
async fn a_client_call_records_rpc_client_call_duration() {
    let telemetry = Telemetry::with_sentry();
    let metrics = otel_sentry_test_support::Metrics::new();
    let addr = serve(layer(&telemetry), &telemetry).await;
    let mut client = common::client_with(
        &addr.to_string(),
        otel_sentry_tower::GrpcClientLayer::new()
            .tracer(telemetry.tracer())
            .meter_provider(&metrics.provider),
    )
    .await;
    client.unary(echo("x", Code::Ok)).await.unwrap();
    client.unary(echo("x", Code::NotFound)).await.unwrap_err();

    let points = metrics.histogram_with("rpc.client.call.duration", 2).await;
    let of = |code: &str| {
        points
            .iter()
            .find(|point| {
                point.attributes.get("rpc.response.status_code")
                    == Some(&Value::from(code.to_owned()))
            })
            .unwrap_or_else(|| panic!("no {code} point: {points:#?}"))
    };
    let ok = of("OK");
    assert_eq!(ok.attributes.get("rpc.method"), Some(&Value::from(UNARY)));
    assert_eq!(
        ok.attributes.get("rpc.system.name"),
        Some(&Value::from("grpc"))
    );
    assert_eq!(ok.attributes.get("error.type"), None);
    assert_eq!(ok.attributes.len(), 3);
    // A client counts every status but OK as an error.
    let not_found = of("NOT_FOUND");
    assert_eq!(
        not_found.attributes.get("error.type"),
        Some(&Value::from("NOT_FOUND"))
    );
    assert!(metrics.histogram("http.client.request.duration").is_empty());
}
