//! `Correlation` on a real actix-web `HttpServer` on 127.0.0.1, driven by a real reqwest
//! client: spans from the in-memory exporter, events from Sentry's test transport.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::http::StatusCode;
use actix_web::test::{TestRequest, call_service, init_service};
use actix_web::{App, HttpResponse, web};
use bytes::Bytes;
use opentelemetry::Value;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use otel_sentry_actix::{Correlation, ErrorResponse, RequestTrace};
use otel_sentry_core::EventLink;
use otel_sentry_core::names::SENTRY_EVENT_ID_HEADER;
use otel_sentry_test_support::{
    PaymentFailed, Served, Telemetry, attribute, event_attribute, sentry_options, string,
};
use sentry_core::protocol::{Context as SentryContext, Event};
use sentry_core::{Hub, SentryFutureExt};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

async fn pay() -> Result<&'static str, ErrorResponse> {
    Err(PaymentFailed::card_declined(51).into())
}

async fn panics() -> &'static str {
    if true {
        panic!("handler exploded");
    }
    "unreachable"
}

async fn capture(trace: RequestTrace) -> String {
    // Captured on a later poll: the request's hub must be bound again.
    actix_web::rt::task::yield_now().await;
    sentry_core::capture_message("inside the handler", sentry_core::Level::Info);
    trace.trace_id.to_string()
}

async fn spawn() -> &'static str {
    actix_web::rt::spawn(
        async {
            sentry_core::capture_message("from a spawned task", sentry_core::Level::Info);
        }
        .bind_hub(Hub::current()),
    )
    .await
    .unwrap();
    "spawned"
}

async fn stream() -> HttpResponse {
    let chunks = futures_util::stream::unfold(0, |step| async move {
        match step {
            0 => Some((Ok::<_, Infallible>(Bytes::from_static(b"first ")), 1)),
            1 => {
                actix_web::rt::time::sleep(Duration::from_millis(150)).await;
                Some((Ok(Bytes::from_static(b"last")), 2))
            }
            _ => None,
        }
    });
    HttpResponse::Ok().streaming(chunks)
}

async fn stream_error() -> HttpResponse {
    let chunks = futures_util::stream::iter([
        Ok(Bytes::from_static(b"partial")),
        Err(std::io::Error::other("disk gone")),
    ]);
    HttpResponse::Ok().streaming(chunks)
}

async fn endless() -> HttpResponse {
    let chunks = futures_util::stream::unfold(0u32, |step| async move {
        (step < 500).then_some(())?;
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        Some((
            Ok::<_, Infallible>(Bytes::from(vec![b'x'; 16 * 1024])),
            step + 1,
        ))
    });
    HttpResponse::Ok().streaming(chunks)
}

fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/users/{id}", web::get().to(|| async { "ok" }))
        .route(
            "/numbers/{n}",
            web::get().to(|n: web::Path<u32>| async move { n.to_string() }),
        )
        .route(
            "/fail",
            web::get().to(|| async { HttpResponse::ServiceUnavailable().finish() }),
        )
        .route(
            "/db",
            web::get().to(|| async {
                Err::<&str, _>(actix_web::error::ErrorInternalServerError("database gone"))
            }),
        )
        .route("/pay", web::get().to(pay))
        .route(
            "/missing",
            web::get().to(|| async { HttpResponse::NotFound().finish() }),
        )
        .route("/panic", web::get().to(panics))
        .route("/capture/{n}", web::get().to(capture))
        .route("/spawn", web::get().to(spawn))
        .route(
            "/trace",
            web::get().to(|trace: RequestTrace| async move { trace.traceparent() }),
        )
        .route(
            "/brief",
            web::get().to(|| async {
                // Long enough for the server to read the client's FIN before answering.
                actix_web::rt::time::sleep(Duration::from_millis(50)).await;
                "brief"
            }),
        )
        .route("/stream", web::get().to(stream))
        .route("/stream-error", web::get().to(stream_error))
        .route("/endless", web::get().to(endless));
}

fn trace_context(event: &Event<'static>) -> (String, String, Option<String>, Option<String>) {
    match event.contexts.get("trace") {
        Some(SentryContext::Trace(trace)) => (
            trace.trace_id.to_string(),
            trace.span_id.to_string(),
            trace.parent_span_id.map(|id| id.to_string()),
            trace.op.clone(),
        ),
        other => panic!("no trace context: {other:?}"),
    }
}

async fn harness() -> Served {
    common::serve(routes, Some(sentry_options()), |correlation| correlation).await
}

#[actix_web::test]
async fn incoming_traceparent_is_continued_with_span_name_kind_and_attributes() {
    let harness = harness().await;
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let response = harness
        .get_with(
            "/users/7?page=2&sig=s3cret",
            &[
                ("traceparent", &traceparent),
                ("user-agent", "checkout/1.0"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let span = harness.server_span().await;
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::from_hex(PARENT_ID).unwrap());
    assert!(span.span_context.is_sampled());
    assert_eq!(span.name, "GET /users/{id}");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attribute(&span, "http.request.method"), string("GET"));
    assert_eq!(attribute(&span, "url.path"), string("/users/7"));
    assert_eq!(attribute(&span, "url.query"), string("page=2&sig=REDACTED"));
    assert_eq!(attribute(&span, "url.scheme"), string("http"));
    assert_eq!(attribute(&span, "http.route"), string("/users/{id}"));
    assert_eq!(attribute(&span, "server.address"), string("127.0.0.1"));
    let port = harness
        .base
        .rsplit(':')
        .next()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    assert_eq!(attribute(&span, "server.port"), Some(Value::I64(port)));
    assert_eq!(attribute(&span, "client.address"), string("127.0.0.1"));
    assert_eq!(
        attribute(&span, "user_agent.original"),
        string("checkout/1.0")
    );
    assert_eq!(attribute(&span, "network.protocol.version"), string("1.1"));
    assert_eq!(
        attribute(&span, "http.response.status_code"),
        Some(Value::I64(200))
    );
    assert!(harness.events().is_empty());
}

#[actix_web::test]
async fn server_error_is_one_sentry_event_linked_both_ways() {
    let harness = common::serve(routes, Some(sentry_options()), |correlation| {
        correlation.event_link(EventLink::sentry("https://sentry.example.com", "acme"))
    })
    .await;
    assert_eq!(harness.get("/fail").await.status(), 503);
    let span = harness.server_span().await;
    let events = harness.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    let (trace_id, span_id, parent, op) = trace_context(&events[0]);
    assert_eq!(trace_id, span.span_context.trace_id().to_string());
    assert_eq!(span_id, span.span_context.span_id().to_string());
    assert_eq!(parent, None);
    assert_eq!(op.as_deref(), Some("http.server"));
    assert_eq!(events[0].tags.get("otel.trace_id"), Some(&trace_id));
    assert_eq!(events[0].tags.get("otel.span_id"), Some(&span_id));
    assert_eq!(
        events[0].message.as_deref(),
        Some("GET /fail responded 503")
    );
    assert_eq!(events[0].transaction.as_deref(), Some("/fail"));
    let event_id = events[0].event_id.simple().to_string();
    assert_eq!(attribute(&span, "sentry.event_id"), string(&event_id));
    assert_eq!(
        attribute(&span, "sentry.event_url"),
        string(&format!(
            "https://sentry.example.com/organizations/acme/issues/?query={event_id}"
        ))
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.type"),
        string("HTTP 503")
    );
    assert_eq!(span.status, Status::error(""));
    assert_eq!(attribute(&span, "error.type"), string("503"));
}

#[actix_web::test]
async fn handler_error_reaches_sentry_as_the_whole_chain_with_type_names() {
    let harness = harness().await;
    let response = harness.get("/pay").await;
    assert_eq!(response.status(), 500);
    assert_eq!(response.text().await.unwrap(), "Internal Server Error");
    let span = harness.server_span().await;
    let events = harness.events();
    assert_eq!(events.len(), 1);
    let exceptions: Vec<(&str, Option<&str>)> = events[0]
        .exception
        .values
        .iter()
        .map(|e| (e.ty.as_str(), e.value.as_deref()))
        .collect();
    assert_eq!(
        exceptions,
        [
            ("CardDeclined", Some("card declined with code 51")),
            (
                "otel_sentry_test_support::PaymentFailed",
                Some("payment failed")
            ),
        ]
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.type"),
        string("otel_sentry_test_support::PaymentFailed")
    );
    assert_eq!(
        attribute(&span, "error.type"),
        string("otel_sentry_test_support::PaymentFailed")
    );
    assert_eq!(span.status, Status::error("payment failed"));
}

#[actix_web::test]
async fn an_actix_error_is_reported_as_the_exception_not_a_bare_status() {
    let harness = harness().await;
    assert_eq!(harness.get("/db").await.status(), 500);
    let span = harness.server_span().await;
    let events = harness.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].exception.values[0].value.as_deref(),
        Some("database gone")
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        string("database gone")
    );
}

#[actix_web::test]
async fn panicking_handler_answers_500_records_an_escaped_exception_and_keeps_serving() {
    let harness = harness().await;
    assert_eq!(harness.get("/panic").await.status(), 500);
    let span = harness.server_span().await;
    // The routed request went down with the handler: the route is looked up.
    assert_eq!(span.name, "GET /panic");
    assert_eq!(attribute(&span, "http.route"), string("/panic"));
    assert_eq!(
        event_attribute(&span, "exception", "exception.type"),
        string("panic")
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        string("handler exploded")
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.escaped"),
        Some(Value::Bool(true))
    );
    let events = harness.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].transaction.as_deref(), Some("/panic"));
    assert_eq!(
        events[0].exception.values[0]
            .mechanism
            .as_ref()
            .unwrap()
            .handled,
        Some(false)
    );
    assert_eq!(
        attribute(&span, "sentry.event_id"),
        string(&events[0].event_id.simple().to_string())
    );
    assert_eq!(
        harness.get("/users/1").await.status(),
        200,
        "the worker keeps serving"
    );
}

#[actix_web::test]
async fn client_errors_send_no_event_and_leave_the_status_unset() {
    let harness = harness().await;
    assert_eq!(harness.get("/missing").await.status(), 404);
    assert_eq!(
        harness.get("/numbers/not-a-number").await.status(),
        404,
        "an extractor error"
    );
    assert_eq!(harness.get("/no-such-route").await.status(), 404);
    let spans = harness.spans(3).await;
    for span in &spans {
        assert_eq!(span.status, Status::Unset, "{}", span.name);
        assert!(span.events.is_empty());
    }
    let unmatched = spans
        .iter()
        .find(|span| attribute(span, "url.path") == string("/no-such-route"))
        .unwrap();
    assert_eq!(
        unmatched.name, "GET",
        "unmatched requests are named by method alone"
    );
    assert_eq!(attribute(unmatched, "http.route"), None);
    assert!(harness.events().is_empty());
}

#[actix_web::test]
async fn streaming_body_ends_the_span_after_the_last_chunk() {
    let harness = harness().await;
    assert_eq!(
        harness.get("/stream").await.text().await.unwrap(),
        "first last"
    );
    let span = harness.server_span().await;
    let duration = span.end_time.duration_since(span.start_time).unwrap();
    assert!(
        duration >= Duration::from_millis(150),
        "span ended before the last chunk: {duration:?}"
    );
    assert_eq!(span.status, Status::Unset);
}

/// An outer `BoxBody` (`map_into_boxed_body`) or `Compress` takes a body held whole in
/// memory as bytes, without polling it: that is its end.
#[actix_web::test]
async fn body_taken_whole_ends_the_span() {
    let telemetry = Telemetry::new(None);
    let exporter = &telemetry.exporter;
    let app = init_service(
        App::new()
            .wrap(Correlation::new().tracer(telemetry.tracer()))
            .configure(routes),
    )
    .await;
    let response = call_service(&app, TestRequest::get().uri("/users/7").to_request()).await;
    assert!(
        exporter.get_finished_spans().unwrap().is_empty(),
        "the body is still to come"
    );
    let Ok(bytes) = response.into_body().try_into_bytes() else {
        panic!("a body held whole is taken whole");
    };
    assert_eq!(bytes, "ok");
    let spans = exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name, "GET /users/{id}");
    assert_eq!(spans[0].status, Status::Unset);
}

#[actix_web::test]
async fn body_error_is_a_failure() {
    let harness = harness().await;
    if let Ok(response) = harness
        .client
        .get(harness.url("/stream-error"))
        .send()
        .await
    {
        assert!(response.bytes().await.is_err());
    }
    let span = harness.server_span().await;
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        string("disk gone")
    );
    assert_eq!(harness.events().len(), 1);
}

#[actix_web::test]
async fn concurrent_requests_never_share_ids() {
    let harness = harness().await;
    let harness = &harness;
    let requests = (0..20).map(|n| async move {
        let path = format!("/capture/{n}");
        harness.get(&path).await.text().await.unwrap()
    });
    let trace_ids = futures_util::future::join_all(requests).await;
    let distinct: std::collections::HashSet<&String> = trace_ids.iter().collect();
    assert_eq!(distinct.len(), 20);
    let events = harness.events();
    assert_eq!(events.len(), 20);
    let spans = harness.spans(20).await;
    for event in &events {
        let (trace_id, span_id, _, _) = trace_context(event);
        let span = spans
            .iter()
            .find(|span| span.span_context.trace_id().to_string() == trace_id)
            .expect("the event's trace is a request's");
        assert_eq!(span.span_context.span_id().to_string(), span_id);
        // Captured before the app answered: the route is looked up for the event.
        assert_eq!(event.transaction.as_deref(), Some("/capture/{n}"));
        assert_eq!(span.name, "GET /capture/{n}");
    }
}

#[actix_web::test]
async fn event_from_a_task_that_inherits_the_hub_carries_its_requests_ids() {
    let harness = harness().await;
    assert_eq!(harness.get("/spawn").await.status(), 200);
    let span = harness.server_span().await;
    let events = harness.events();
    assert_eq!(events.len(), 1);
    let (trace_id, span_id, _, _) = trace_context(&events[0]);
    assert_eq!(trace_id, span.span_context.trace_id().to_string());
    assert_eq!(span_id, span.span_context.span_id().to_string());
}

#[actix_web::test]
async fn malformed_duplicated_and_oversized_trace_headers_start_a_new_trace() {
    let harness = harness().await;
    let valid = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let garbled = [b"00-".as_slice(), &[0xff; 52]].concat();
    let cases: Vec<Vec<(&str, Vec<u8>)>> = vec![
        vec![("traceparent", b"00-not-a-traceparent".to_vec())],
        vec![("traceparent", valid.to_uppercase().into_bytes())],
        vec![
            ("traceparent", valid.clone().into_bytes()),
            ("traceparent", valid.clone().into_bytes()),
        ],
        vec![
            ("traceparent", valid.clone().into_bytes()),
            ("traceparent", garbled.clone()),
        ],
        vec![("traceparent", garbled)],
        vec![(
            "traceparent",
            format!("{valid}-{}", "x".repeat(6000)).into_bytes(),
        )],
        vec![("sentry-trace", "zz".repeat(4000).into_bytes())],
    ];
    for headers in &cases {
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in headers {
            map.append(
                *name,
                reqwest::header::HeaderValue::from_bytes(value).unwrap(),
            );
        }
        let response = harness
            .client
            .get(harness.url("/users/1"))
            .headers(map)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{headers:?}");
    }
    let spans = harness.spans(cases.len()).await;
    for span in spans {
        assert_ne!(
            span.span_context.trace_id(),
            TraceId::from_hex(TRACE_ID).unwrap()
        );
        assert_eq!(span.parent_span_id, SpanId::INVALID, "a new trace");
    }
}

#[actix_web::test]
async fn without_a_sentry_client_the_span_still_records_the_exception() {
    let harness = common::serve(routes, None, |correlation| correlation).await;
    assert_eq!(harness.get("/pay").await.status(), 500);
    let span = harness.server_span().await;
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        string("payment failed")
    );
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(attribute(&span, "sentry.event_id"), None);
}

#[actix_web::test]
async fn request_trace_extractor_and_response_headers() {
    let harness = common::serve(routes, Some(sentry_options()), |correlation| {
        correlation
            .response_traceparent(true)
            .response_event_id(true)
    })
    .await;
    let traceparent = harness.get("/trace").await.text().await.unwrap();
    let span = harness.server_span().await;
    assert_eq!(
        traceparent,
        format!(
            "00-{}-{}-01",
            span.span_context.trace_id(),
            span.span_context.span_id()
        )
    );

    let response = harness.get("/fail").await;
    let event_id = response.headers()[SENTRY_EVENT_ID_HEADER]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(response.headers().contains_key("traceparent"));
    assert_eq!(event_id, harness.events()[0].event_id.simple().to_string());

    // The 500 answering a panic carries them too.
    let response = harness.get("/panic").await;
    assert_eq!(
        response.status(),
        StatusCode::INTERNAL_SERVER_ERROR.as_u16()
    );
    let event_id = response.headers()[SENTRY_EVENT_ID_HEADER]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(event_id, harness.events()[0].event_id.simple().to_string());
}

#[actix_web::test]
async fn client_disconnect_mid_body_is_recorded_without_a_sentry_event() {
    let harness = harness().await;
    let mut response = harness.get("/endless").await;
    assert!(response.chunk().await.unwrap().is_some());
    drop(response);
    let span = harness.server_span().await;
    assert_eq!(attribute(&span, "error.type"), string("client_disconnect"));
    assert!(harness.events().is_empty());
}

/// Secrets of Sentry's denylist and of the HTTP conventions, under several spellings.
const SECRET_QUERY: &str =
    "token=t0k3n&Password=hunter2&x-api-key=k3y&client_secret=s3cr3t&page=2&sig=s1g";
const REDACTED_QUERY: &str = "token=REDACTED&Password=REDACTED&x-api-key=REDACTED\
     &client_secret=REDACTED&page=2&sig=REDACTED";

#[actix_web::test]
async fn secrets_in_the_query_reach_neither_the_span_nor_the_event() {
    let harness = harness().await;
    assert_eq!(
        harness.get(&format!("/fail?{SECRET_QUERY}")).await.status(),
        503
    );
    let span = harness.server_span().await;
    assert_eq!(attribute(&span, "url.query"), string(REDACTED_QUERY));
    let events = harness.events();
    let request = events[0].request.as_ref().unwrap();
    assert_eq!(request.query_string.as_deref(), Some(REDACTED_QUERY));
    assert_eq!(request.url.as_ref().unwrap().query(), Some(REDACTED_QUERY));
    let recorded = format!("{:?} {:?}", span.attributes, events[0]);
    for secret in ["t0k3n", "hunter2", "k3y", "s3cr3t", "s1g"] {
        assert!(!recorded.contains(secret), "{secret} leaked: {recorded}");
    }
}

#[actix_web::test]
async fn oversized_request_headers_are_capped_in_the_event() {
    let harness = harness().await;
    let response = harness
        .client
        .get(harness.url("/fail"))
        .headers(otel_sentry_test_support::oversized_headers(TRACE_ID))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let span = harness.server_span().await;
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    let events = harness.events();
    assert_eq!(events.len(), 1);
    assert_eq!(trace_context(&events[0]).0, TRACE_ID);
    let request = events[0].request.as_ref().unwrap();
    otel_sentry_test_support::assert_headers_capped(&request.headers);
    let size = format!("{:?}", events[0]).len();
    assert!(size < 32 * 1024, "an event of {size} bytes");
}

#[actix_web::test]
async fn a_half_closed_client_is_answered_and_recorded_as_a_plain_200() {
    // HTTP/1.1 lets a client shut its sending side and still read the answer: actix-web
    // answers it, and the span says what the client got.
    let harness = harness().await;
    for (path, body) in [("/brief", "brief"), ("/stream", "6\r\nfirst \r\n4\r\nlast")] {
        let received = otel_sentry_test_support::half_closed_get(&harness.base, path).await;
        assert!(received.starts_with("HTTP/1.1 200 OK\r\n"), "{received}");
        assert!(received.contains(body), "{path}: {received}");
        let span = harness.server_span().await;
        harness.exporter.reset();
        assert_eq!(attribute(&span, "error.type"), None, "{path}");
        assert_eq!(span.status, Status::Unset, "{path}");
        assert_eq!(
            attribute(&span, "http.response.status_code"),
            Some(Value::I64(200))
        );
    }
    assert!(harness.events().is_empty());
}
