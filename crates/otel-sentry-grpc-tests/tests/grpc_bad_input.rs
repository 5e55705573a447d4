//! Answers no tonic server sends, from a stand-in HTTP/2 server (axum, fixed frames chosen
//! by the request's `x-answer`): a malformed `grpc-status` and `grpc-message`, an oversized
//! one, a stream cut before its trailers, a data length announced before the trailers, a
//! status in the head and another in the trailers. Both layers read them as defined
//! (`UNKNOWN`, the message bounded, the status in the trailers awaited, the head's status
//! standing), and nothing panics.

mod common;

use std::convert::Infallible;

use axum::Router;
use axum::body::Body as AxumBody;
use bytes::Bytes;
use common::{client, echo, layer};
use http::{HeaderMap, HeaderValue, Request, Response};
use http_body::Frame;
use opentelemetry::trace::{SpanKind, Status as SpanStatus};
use otel_sentry_core::MAX_GRPC_MESSAGE_LEN;
use otel_sentry_grpc_tests::EchoReply;
use otel_sentry_test_support::{Telemetry, attribute, event_attribute, serve_router, string};
use prost::Message;
use tonic::Code;
use tonic::metadata::MetadataValue;

/// One gRPC message frame of `reply`: uncompressed, its length, its bytes.
fn message_frame(reply: &EchoReply) -> Bytes {
    let encoded = reply.encode_to_vec();
    let mut frame = vec![0];
    frame.extend_from_slice(&u32::try_from(encoded.len()).unwrap().to_be_bytes());
    frame.extend_from_slice(&encoded);
    Bytes::from(frame)
}

/// The fixed answer `x-answer` names.
async fn answer(request: Request<AxumBody>) -> Response<AxumBody> {
    let which = request
        .headers()
        .get("x-answer")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let data = Frame::data(message_frame(&EchoReply {
        text: "x".to_owned(),
    }));
    let frames: Vec<Frame<Bytes>> = match which.as_str() {
        "trailers" => {
            let mut trailers = HeaderMap::new();
            trailers.insert(
                "grpc-status",
                HeaderValue::from_static("99999999999999999999"),
            );
            trailers.insert(
                "grpc-message",
                HeaderValue::from_str(&"%41".repeat(3000)).unwrap(),
            );
            vec![data, Frame::trailers(trailers)]
        }
        "cut" => vec![data],
        "both" => {
            // A status in the head and another in the trailers: no conforming server does.
            let mut trailers = HeaderMap::new();
            trailers.insert("grpc-status", HeaderValue::from_static("13"));
            vec![data, Frame::trailers(trailers)]
        }
        "announced" => {
            let mut trailers = HeaderMap::new();
            trailers.insert("grpc-status", HeaderValue::from_static("0"));
            vec![data, Frame::trailers(trailers)]
        }
        _ => Vec::new(),
    };
    let body = http_body_util::StreamBody::new(futures_util::stream::iter(
        frames.into_iter().map(Ok::<_, Infallible>),
    ));
    let mut response = Response::new(AxumBody::new(body));
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/grpc"));
    if which == "announced" {
        // The length of the data announced (as some gateways do): the trailers still follow.
        let length = message_frame(&EchoReply {
            text: "x".to_owned(),
        })
        .len();
        response
            .headers_mut()
            .insert("content-length", HeaderValue::from(length));
    }
    if which == "both" {
        response
            .headers_mut()
            .insert("grpc-status", HeaderValue::from_static("0"));
    }
    if which == "unimplemented" {
        response
            .headers_mut()
            .insert("grpc-status", HeaderValue::from_static("12"));
    }
    if which == "header" {
        response
            .headers_mut()
            .insert("grpc-status", HeaderValue::from_static("abc"));
        response
            .headers_mut()
            .insert("grpc-message", HeaderValue::from_static("bad %zz%4"));
    }
    response
}

/// Calls the stand-in for its `which` answer through both layers; the call's outcome, and
/// the telemetry holding the client's and the server's spans and the events.
async fn answered(
    which: &'static str,
) -> (Result<tonic::Response<EchoReply>, tonic::Status>, Telemetry) {
    let telemetry = Telemetry::with_sentry();
    let app = Router::new().fallback(answer).layer(layer(&telemetry));
    let served = serve_router(app, Telemetry::new(None)).await;
    let addr = served.base.trim_start_matches("http://").to_owned();
    let mut client = client(&addr, telemetry.tracer()).await;
    let mut request = tonic::Request::new(echo("x", Code::Ok));
    request
        .metadata_mut()
        .insert("x-answer", MetadataValue::from_static(which));
    (client.unary(request).await, telemetry)
}

/// Calls the stand-in for an answer that fails the call; its status and the telemetry.
async fn call(which: &'static str) -> (tonic::Status, Telemetry) {
    let (outcome, telemetry) = answered(which).await;
    match outcome {
        Ok(reply) => panic!("a success from the {which} answer: {reply:?}"),
        Err(status) => (status, telemetry),
    }
}

fn span(
    spans: &[opentelemetry_sdk::trace::SpanData],
    kind: SpanKind,
) -> &opentelemetry_sdk::trace::SpanData {
    spans.iter().find(|span| span.span_kind == kind).unwrap()
}

/// The server's and the client's span, both having read `UNKNOWN`.
async fn both_unknown(telemetry: &Telemetry) -> Vec<opentelemetry_sdk::trace::SpanData> {
    let spans = telemetry.spans(2).await;
    for kind in [SpanKind::Server, SpanKind::Client] {
        assert_eq!(
            attribute(span(&spans, kind.clone()), "rpc.response.status_code"),
            string("UNKNOWN"),
            "{kind:?}"
        );
    }
    spans
}

#[tokio::test]
async fn a_malformed_status_in_the_headers_reads_as_unknown() {
    let (status, telemetry) = call("header").await;
    assert_eq!(status.code(), Code::Unknown);
    let spans = both_unknown(&telemetry).await;
    for kind in [SpanKind::Server, SpanKind::Client] {
        assert_eq!(
            attribute(span(&spans, kind), "error.type"),
            string("UNKNOWN")
        );
    }
    let server = span(&spans, SpanKind::Server);
    // Invalid percent sequences are kept as sent.
    assert_eq!(server.status, SpanStatus::error("bad %zz%4"));
    let events = telemetry.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].exception.last().unwrap().ty, "gRPC UNKNOWN");
}

#[tokio::test]
async fn an_oversized_status_and_message_in_the_trailers_are_bounded() {
    let (status, telemetry) = call("trailers").await;
    assert_eq!(status.code(), Code::Unknown);
    let spans = telemetry.spans(2).await;
    let server = span(&spans, SpanKind::Server);
    assert_eq!(
        attribute(server, "rpc.response.status_code"),
        string("UNKNOWN")
    );
    let message = event_attribute(server, "exception", "exception.message")
        .unwrap()
        .to_string();
    assert_eq!(message, format!("{}…", "A".repeat(MAX_GRPC_MESSAGE_LEN)));
    assert_eq!(telemetry.events().len(), 1);
}

#[tokio::test]
async fn a_stream_cut_before_its_trailers_ends_as_unknown() {
    let (_status, telemetry) = call("cut").await;
    let spans = both_unknown(&telemetry).await;
    for kind in [SpanKind::Server, SpanKind::Client] {
        assert_eq!(
            span(&spans, kind).status,
            SpanStatus::error("the response ended without grpc-status")
        );
    }
    let events = telemetry.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(
        events[0].exception.last().unwrap().value.as_deref(),
        Some("the response ended without grpc-status")
    );
}

#[tokio::test]
async fn a_plain_http_post_claiming_grpc_is_read_as_http() {
    // The content type is the caller's to choose: an HTTP handler's answer to it is no
    // gRPC answer (no `grpc-status` will come), and must not count as a failed call.
    let telemetry = Telemetry::with_sentry();
    let app = Router::new()
        .route("/hooks/{id}", axum::routing::post(|| async { "ok" }))
        .layer(layer(&telemetry));
    let served = serve_router(app, Telemetry::new(None)).await;
    for _ in 0..3 {
        let response = served
            .client
            .post(served.url("/hooks/7"))
            .header("content-type", "application/grpc")
            .body("not a gRPC message")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "ok");
    }
    let spans = telemetry.spans(3).await;
    for span in &spans {
        assert_eq!(span.name, "POST /hooks/{id}");
        assert_eq!(attribute(span, "http.route"), string("/hooks/{id}"));
        assert_eq!(
            attribute(span, "http.response.status_code"),
            Some(200.into())
        );
        assert_eq!(attribute(span, "rpc.response.status_code"), None);
        assert_eq!(span.status, SpanStatus::Unset);
    }
    assert!(telemetry.events().is_empty(), "{:#?}", telemetry.events());
}

#[tokio::test]
async fn an_announced_body_length_does_not_end_the_call_before_its_trailers() {
    let (outcome, telemetry) = answered("announced").await;
    let reply = outcome.expect("an OK call");
    assert_eq!(reply.into_inner().text, "x");
    let spans = telemetry.spans(2).await;
    let server = span(&spans, SpanKind::Server);
    assert_eq!(attribute(server, "rpc.response.status_code"), string("OK"));
    assert_eq!(server.status, SpanStatus::Unset);
    assert!(telemetry.events().is_empty(), "{:#?}", telemetry.events());
}

#[tokio::test]
async fn an_unimplemented_answer_records_its_method_as_other() {
    // A caller may call any method name; only the methods the server has name their own
    // attribute set in `rpc.server.call.duration`.
    let telemetry = Telemetry::with_sentry();
    let metrics = otel_sentry_test_support::Metrics::new();
    let app = Router::new()
        .fallback(answer)
        .layer(layer(&telemetry).meter_provider(&metrics.provider));
    let served = serve_router(app, Telemetry::new(None)).await;
    let addr = served.base.trim_start_matches("http://").to_owned();
    let mut client = client(&addr, telemetry.tracer()).await;
    let mut request = tonic::Request::new(echo("x", Code::Ok));
    request
        .metadata_mut()
        .insert("x-answer", MetadataValue::from_static("unimplemented"));
    let status = client.unary(request).await.unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    let points = metrics.histogram_with("rpc.server.call.duration", 1).await;
    assert_eq!(
        points[0].attributes.get("rpc.method"),
        Some(&opentelemetry::Value::from("_OTHER"))
    );
    assert_eq!(
        points[0].attributes.get("rpc.response.status_code"),
        Some(&opentelemetry::Value::from("UNIMPLEMENTED"))
    );
}

#[tokio::test]
async fn a_status_in_the_head_stands_over_one_in_the_trailers() {
    // Read as tonic's client reads it: the head's `OK` is the call's status, and the
    // trailers' `INTERNAL` that follows the message changes nothing.
    let (outcome, telemetry) = answered("both").await;
    let reply = outcome.expect("the head's OK stands for tonic too");
    assert_eq!(reply.into_inner().text, "x");
    let spans = telemetry.spans(2).await;
    for kind in [SpanKind::Server, SpanKind::Client] {
        let span = span(&spans, kind.clone());
        assert_eq!(
            attribute(span, "rpc.response.status_code"),
            string("OK"),
            "{kind:?}"
        );
        assert_eq!(attribute(span, "error.type"), None, "{kind:?}");
        assert_eq!(span.status, SpanStatus::Unset, "{kind:?}");
    }
    assert!(telemetry.events().is_empty(), "{:#?}", telemetry.events());
}
